"""Real data: the Alpine Fault microearthquakes (EQcorrscan's test data, ../shared/data).

Templates from the located events; correlation, lags and relative magnitudes between two
repeating events; recall of real event recordings injected into real noise; the same
detections as EQcorrscan on the same templates and data. The full-size runs of these
measurements are ``benchmarks/bench_matched_filter.py`` (numbers in docs/osi.md).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, UTCDateTime

from openndc.osi.config import MatchConfig, TemplateConfig
from openndc.osi.matching import match, match_processed
from openndc.osi.templates import Template, build_templates, process_stream
from tests.osi.alpine import (
    FOLDER,
    Injection,
    alpine_events,
    alpine_network,
    alpine_waveforms,
    continuous,
)

START = UTCDateTime("2024-01-01T00:00:00")
#: Two distinct events that repeat (found by ``bench_matched_filter.py similarity``).
PAIR = ("20130911T220924.6", "20130918T212052.5")
SUBSET = 8  # templates of the first events in file order, plus the pair


@pytest.fixture(scope="module")
def alpine(shared_data: Path) -> tuple[Path, list[Template]]:
    root = shared_data / FOLDER
    events = alpine_events(root)
    names = {}
    for e in events:
        t = e.origins[0].time
        names[f"{t.strftime('%Y%m%dT%H%M%S')}.{t.microsecond // 100000}"] = e
    chosen = list(events[:SUBSET]) + [names[p] for p in PAIR if names[p] not in events[:SUBSET]]
    templates, problems = build_templates(
        chosen, alpine_waveforms(root), alpine_network(root), TemplateConfig()
    )
    assert len(templates) == len(chosen), [str(p) for p in problems]
    return root, templates


def test_templates_from_real_events(alpine: tuple[Path, list[Template]]) -> None:
    _, templates = alpine
    for t in templates:
        assert len(t.info.channels) >= 5
        assert t.info.sampling_rate == 50.0 and t.info.magnitude is not None
        for ch in t.info.channels:
            comp = ch.seed_id[-1]
            assert (ch.phase == "P" and comp == "Z") or (ch.phase == "S" and comp in "NE12")
            tr = t.stream.select(id=ch.seed_id)[0]
            assert tr.stats.npts == 150 and np.all(np.isfinite(tr.data)) and np.any(tr.data)
            assert abs(tr.stats.starttime - (ch.pick_time - 0.2)) <= 0.01


def _window(root: Path, t: Template) -> Stream:
    ot = t.info.origin_time
    raw = Stream(
        [tr for tr in alpine_waveforms(root) if tr.stats.starttime <= ot <= tr.stats.endtime]
    )
    return process_stream(raw, t.band, ot - 30.0, ot + 40.0)


def test_repeating_pair_correlation_lags_magnitudes(alpine: tuple[Path, list[Template]]) -> None:
    root, templates = alpine
    by = {t.name: t for t in templates}
    a, b = by[PAIR[0]], by[PAIR[1]]
    config = MatchConfig(threshold_type="absolute", threshold=1e-3, trigger_interval=100.0)
    (det,) = match_processed([a], _window(root, b), config)
    assert det.mean_correlation >= 0.7
    # the detected origin is the template's origin plus the lag: near the catalogue's
    assert abs(det.origin_time - b.info.origin_time) <= 0.8
    # lag-refined picks against the analyst's picks of event b
    truth = {(c.seed_id, c.phase): c.pick_time for c in b.info.channels}
    errs = [
        abs(p.time - truth[(p.seed_id, p.phase)])
        for p in det.picks
        if (p.seed_id, p.phase) in truth
    ]
    assert len(errs) >= 5 and float(np.median(errs)) <= 0.05
    assert det.relative_magnitude is not None and b.info.magnitude is not None
    assert abs(det.relative_magnitude - b.info.magnitude) <= 0.3
    # b finds a at the opposite lag (the correlation differs: the two templates were cut on
    # different picked channels)
    (back,) = match_processed([b], _window(root, a), config)
    assert back.mean_correlation >= 0.6
    lag_ab = det.origin_time - b.info.origin_time
    lag_ba = back.origin_time - a.info.origin_time
    assert abs(lag_ab + lag_ba) <= 0.05


def test_recall_of_injected_events_in_real_noise(alpine: tuple[Path, list[Template]]) -> None:
    root, templates = alpine
    rng = np.random.default_rng(7)
    inj = [
        Injection(templates[k], START + 60.0 + 100.0 * i + rng.uniform(0, 30), snr)
        for i, (k, snr) in enumerate([(0, 0.2), (1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0)])
    ]
    data = continuous(root, templates, inj, START, 600.0)
    found = match(templates, data, MatchConfig())
    for x in inj:
        hits = [
            d
            for d in found
            if d.template == x.template.name and abs(d.origin_time - x.origin) <= 0.05
        ]
        assert hits, (x.template.name, x.snr)
    unexplained = [d for d in found if not any(-15 <= d.origin_time - x.origin <= 45 for x in inj)]
    assert unexplained == []


@pytest.mark.skipif(
    importlib.util.find_spec("eqcorrscan") is None and not os.environ.get("CI"),
    reason="EQcorrscan (dev peer, installed by .ci/run) is not installed",
)
def test_same_detections_as_eqcorrscan(alpine: tuple[Path, list[Template]]) -> None:
    from tests.osi.peer import eqcorrscan_detect

    root, templates = alpine
    inj = [
        Injection(templates[k % len(templates)], START + 40.0 + 120.0 * k, 1.0) for k in range(4)
    ]
    data = continuous(root, templates, inj, START, 540.0)
    processed = process_stream(data, templates[0].band, START, START + 540.0)
    ours = match_processed(templates, processed, MatchConfig(polarity="both"))
    theirs = eqcorrscan_detect(templates, processed, threshold=8.0, trig_int=2.0, cores=1)
    first = {t.name: min(c.offset for c in t.info.channels) for t in templates}
    mine = sorted(
        (d.template, (d.origin_time + first[d.template]).ns, d.network_correlation) for d in ours
    )
    other = sorted((name, t.ns, v) for name, t, v, _ in theirs)
    assert len(mine) == len(other) >= 4
    for (n1, t1, v1), (n2, t2, v2) in zip(mine, other, strict=True):
        assert n1 == n2 and abs(t1 - t2) <= 20_000_000 and abs(v1 - v2) <= 0.05
