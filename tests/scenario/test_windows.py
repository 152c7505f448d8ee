"""Scenario data made window by window: the samples of a moment do not depend on the window
that makes them, the noise has the spectrum of ``make_scenario``'s, the events of a day do not
depend on the span."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, UTCDateTime
from scipy.signal import welch

from openndc.model.errors import ScenarioError
from openndc.pipeline.sources import ArchiveSource
from openndc.scenario import ScenarioConfig, ScenarioTruth, make_scenario, synthetic_network
from openndc.scenario.windows import (
    ScenarioSource,
    ScenarioSpec,
    parse_scenario_spec,
    scenario_events,
)
from tests.scenario.conftest import EVENTS, START, out_dir, small_network


def _by_id(stream: Stream) -> dict[str, tuple[UTCDateTime, np.ndarray]]:
    """One array per channel over the whole read (pieces placed by time, gaps as a marker)."""
    out: dict[str, tuple[UTCDateTime, np.ndarray]] = {}
    for tr in stream:
        out.setdefault(tr.id, (tr.stats.starttime, np.array([], dtype=np.int64)))
    for cid, (_t, _a) in list(out.items()):
        parts = stream.select(id=cid).sort()
        t0 = parts[0].stats.starttime
        fs = parts[0].stats.sampling_rate
        n = round((parts[-1].stats.endtime - t0) * fs) + 1
        arr = np.full(n, -(2**40), dtype=np.int64)  # marker for missing samples
        for tr in parts:
            i = round((tr.stats.starttime - t0) * fs)
            arr[i : i + tr.stats.npts] = tr.data
        out[cid] = (t0, arr)
    return out


@pytest.fixture(scope="module")
def source() -> ScenarioSource:
    net = synthetic_network(small_network())
    # many artifacts, so that spikes, gaps and dead channels meet the window edges
    cfg = ScenarioConfig(spikes_per_day=400.0, gap_probability=0.9, dead_probability=0.1)
    return ScenarioSource(net, tuple(EVENTS), 5, cfg)


def test_samples_do_not_depend_on_how_the_span_is_cut(source: ScenarioSource) -> None:
    t0, t1 = START - 600.0, START + 1500.0  # both events, a noise-segment edge at START+900
    whole = _by_id(source.read(t0, t1).stream)
    cut = Stream()
    for a, b in [(t0, START + 137.3), (START + 137.3, START + 900.0), (START + 900.0, t1)]:
        cut += source.read(a, b).stream
    pieces = _by_id(cut)
    assert set(whole) == set(pieces) and len(whole) > 10
    for cid, (ta, a) in whole.items():
        tb, b = pieces[cid]
        assert ta == tb, cid
        assert np.array_equal(a, b), cid


def test_a_read_gives_the_samples_of_the_half_open_window(source: ScenarioSource) -> None:
    one = source.read(START, START + 60.0).stream.select(station="AKTO")
    assert one
    for tr in one:
        assert tr.stats.starttime >= START
        assert tr.stats.endtime < START + 60.0


def test_signals_are_those_of_make_scenario(scenario_clean: ScenarioTruth) -> None:
    """Without noise the windowed data are make_scenario's, sample for sample."""
    cfg = ScenarioConfig(artifacts=False, workers=1, noise_scale=0.0)
    ref = ArchiveSource(out_dir(scenario_clean) / "sds").read(START, START + 1200.0).stream
    src = ScenarioSource(scenario_clean.network, tuple(EVENTS), 5, cfg)
    win = (
        src.read(START + 100.0, START + 700.0).stream
        + src.read(START + 700.0, START + 1200.0).stream
    )
    win.merge()
    n_signal = 0
    for tr in ref:
        (other,) = win.select(id=tr.id)
        part = tr.slice(other.stats.starttime, other.stats.endtime)
        assert np.array_equal(part.data, other.data), tr.id
        n_signal += int(np.abs(other.data).max() > 100)
    assert n_signal >= 10  # the events are in the data


def test_noise_has_the_spectrum_of_make_scenario(tmp_path: Path) -> None:
    net = synthetic_network(small_network())
    cfg = ScenarioConfig(artifacts=False, workers=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_scenario(net, START, 3600.0, 5, tmp_path, events=[], config=cfg)
        ref = ArchiveSource(tmp_path / "sds").read(START + 600, START + 3000).stream
    win = ScenarioSource(net, (), 5, cfg).read(START + 600, START + 3000).stream
    diffs = []
    for tr in ref.select(channel="[BS]HZ"):
        (other,) = win.select(id=tr.id)
        fs = tr.stats.sampling_rate
        f, pa = welch(tr.data.astype(float), fs, nperseg=2048)
        _, pb = welch(other.data.astype(float), fs, nperseg=2048)
        bands = [(0.1, 0.5), (0.5, 2.0), (2.0, 8.0)]  # below 0.4 fs at 20 and 40 Hz
        diffs.append(
            [10 * np.log10(pb[(f >= lo) & (f < hi)].mean() / pa[(f >= lo) & (f < hi)].mean())
             for lo, hi in bands]
        )  # fmt: skip
    diffs_a = np.asarray(diffs)
    assert len(diffs_a) >= 5
    # channel levels differ by a +-1 dB draw each; the mean over channels is the model's
    assert np.all(np.abs(diffs_a.mean(axis=0)) < 1.5), diffs_a.mean(axis=0)


def test_the_events_of_a_day_do_not_depend_on_the_span() -> None:
    net = small_network()
    day = UTCDateTime(2024, 6, 2)
    spec = ScenarioSpec("draw", 7)
    alone = scenario_events(net, day, day + 86400.0, spec)
    within = scenario_events(net, day - 86400.0, day + 2 * 86400.0, spec)
    assert alone
    assert [e for e in within if day <= e.time < day + 86400.0] == alone
    assert len({e.id for e in within}) == len(within)
    other = scenario_events(net, day, day + 86400.0, ScenarioSpec("draw", 8))
    assert [e.time for e in other] != [e.time for e in alone]
    built_in = scenario_events(net, day, day + 86400.0, ScenarioSpec("kazakh-day", 7))
    assert any(e.event_type == "nuclear explosion" for e in built_in)


@pytest.mark.parametrize(
    ("text", "spec"),
    [("42", ScenarioSpec("draw", 42)), ("draw:3", ScenarioSpec("draw", 3)),
     ("kazakh-day:9", ScenarioSpec("kazakh-day", 9)),
     ("kazakh-day", ScenarioSpec("kazakh-day", 0))],
)  # fmt: skip
def test_scenario_specs(text: str, spec: ScenarioSpec) -> None:
    assert parse_scenario_spec(text) == spec


@pytest.mark.parametrize("text", ["", "x", "draw:", "kazakh-day:-1", "mars:3"])
def test_a_bad_scenario_spec_says_what_to_give(text: str) -> None:
    with pytest.raises(ScenarioError, match="use a seed"):
        parse_scenario_spec(text)
