"""Template matching on synthetic data: peaks, declustering, polarity, CSV round trip."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.model.errors import BulletinError, ConfigError
from openndc.model.osi import TemplateChannel, TemplateInfo
from openndc.osi.config import MatchConfig
from openndc.osi.matching import (
    decluster,
    find_peaks,
    match,
    read_detections_csv,
    write_detections_csv,
)
from openndc.osi.templates import Band, Template, grid_time, process_stream

T0 = UTCDateTime("2022-01-01T00:00:00")
RATE = 50.0
SHIFTS = (0.0, 0.8, 1.7)  # [s] move-out of the three channels


def _scene(sign: float = -1.0) -> tuple[Template, Stream]:
    """10 min of noise on three channels, the template's event at 60 s, a copy at 250 s
    (amplitude 0.5) and a copy of opposite polarity ``sign`` at 400 s."""
    rng = np.random.default_rng(4)
    n = 600 * 100
    raw = Stream()
    wave = rng.standard_normal((3, 300))
    env = np.exp(-np.arange(300) / 80.0)
    for c, s in enumerate(SHIFTS):
        x = rng.standard_normal(n) * 0.05
        for t_rel, amp in ((60.0, 1.0), (250.0, 0.5), (400.0, sign)):
            i = round((t_rel + s) * 100)
            x[i : i + 300] += amp * wave[c] * env
        tr = Trace(x)
        tr.stats.update(
            {
                "network": "XX",
                "station": f"S{c}",
                "channel": "HHZ",
                "sampling_rate": 100.0,
                "starttime": T0,
            }
        )
        raw.append(tr)
    band = Band(2.0, 15.0, 4, RATE)
    proc = process_stream(raw, band, T0, T0 + 600)
    ot = T0 + 59.0
    chans, traces = [], []
    for c, s in enumerate(SHIFTS):
        w0 = grid_time(T0 + 60.0 + s - 0.2, RATE)
        tr = proc[c].slice(w0, w0 + 149 / RATE)
        chans.append(TemplateChannel(tr.id, "P", T0 + 60.0 + s, w0 - ot, 3.0))
        traces.append(tr.copy())
    info = TemplateInfo("tpl", "e", ot, 0.0, 0.0, 1.0, 2.0, 2.0, 15.0, RATE, tuple(chans))
    return Template(info, Stream(traces), 4), raw


def test_find_peaks_and_decluster() -> None:
    x = np.zeros(100)
    x[[10, 12, 50, 80]] = [5.0, 6.0, 3.0, -9.0]
    assert find_peaks(x, 2.0, 5).tolist() == [12, 50]
    assert find_peaks(x, 2.0, 5, "both").tolist() == [12, 50, 80]
    assert find_peaks(x, 2.0, 40, "both").tolist() == [12, 80]
    assert find_peaks(x, 10.0, 5).tolist() == []
    kept = decluster(np.array([0.0, 1.0, 2.5, 10.0]), np.array([1.0, 3.0, 2.0, 1.0]), 2.0)
    assert kept.tolist() == [1, 3]


def test_detects_repeats_with_lags_and_relative_magnitude() -> None:
    tpl, raw = _scene(sign=0.0)
    dets = match([tpl], raw, MatchConfig())
    assert [round(d.origin_time - T0, 2) for d in dets] == [59.0, 249.0]
    self_det, weak = dets
    assert self_det.network_correlation == pytest.approx(3.0, abs=0.01)
    assert self_det.relative_magnitude == pytest.approx(2.0, abs=0.01)
    assert weak.relative_magnitude == pytest.approx(2.0 + np.log10(0.5), abs=0.05)
    assert weak.n_channels == 3 and len(weak.picks) == 3
    for p, ch in zip(weak.picks, tpl.info.channels, strict=True):
        assert abs(p.time - (ch.pick_time + 190.0)) < 0.005
    assert all(d.network_correlation > d.threshold for d in dets)
    assert self_det.provenance is not None and self_det.provenance.method == "openndc.osi.match"


def test_polarity_both_finds_reversed_copy() -> None:
    tpl, raw = _scene()
    both = match([tpl], raw, MatchConfig(polarity="both"))
    assert [round(d.origin_time - T0, 2) for d in both] == [59.0, 249.0, 399.0]
    assert both[2].network_correlation == pytest.approx(-3.0, abs=0.1)
    # positive only: the reversed copy gives at most a weaker, shifted side lobe
    positive = match([tpl], raw, MatchConfig())
    assert all(d.network_correlation > 0 for d in positive)
    assert all(d.network_correlation < 2.0 for d in positive if d.origin_time - T0 > 390)


def test_cross_template_declustering_keeps_one() -> None:
    tpl, raw = _scene(sign=0.0)
    twin = dataclasses.replace(tpl, info=dataclasses.replace(tpl.info, name="twin"))
    both = match([tpl, twin], raw, MatchConfig())
    assert len(both) == 4
    one = match([tpl, twin], raw, MatchConfig(cross_template_interval=2.0))
    assert len(one) == 2


def test_csv_round_trip_and_errors(tmp_path: Path) -> None:
    tpl, raw = _scene()
    dets = match([tpl], raw, MatchConfig())
    path = write_detections_csv(dets, tmp_path / "d.csv")
    back = read_detections_csv(path)
    assert len(back) == len(dets)
    for a, b in zip(dets, back, strict=True):
        assert abs(a.origin_time - b.origin_time) < 1e-6
        assert b.network_correlation == pytest.approx(a.network_correlation, abs=1e-4)
        assert [p.seed_id for p in a.picks] == [p.seed_id for p in b.picks]
    (tmp_path / "bad.csv").write_text("template,origin_time\nx,notatime\n")
    with pytest.raises(BulletinError, match="line 2"):
        read_detections_csv(tmp_path / "bad.csv")
    with pytest.raises(ConfigError):
        MatchConfig(fft_length=1000)


def test_lag_correlations_match_reference() -> None:
    from openndc.osi.correlate import normxcorr_py
    from openndc.osi.matching import lag_correlations

    rng = np.random.default_rng(8)
    waves = rng.standard_normal((4, 60))
    segs = rng.standard_normal((4, 80))
    segs[2] = 0.0
    got = lag_correlations(waves, segs)
    for c in range(4):
        assert np.allclose(got[c], normxcorr_py(waves[c], segs[c]), atol=1e-12)


def test_scan_in_blocks_equals_one_pass(tmp_path: Path) -> None:
    from openndc.archive import SDSArchive
    from openndc.osi.matching import scan

    tpl, raw = _scene(sign=0.0)
    for tr in raw:
        tr.data = (tr.data * 1000).astype(np.int32)
    archive = SDSArchive(tmp_path / "sds")
    archive.write(raw)
    whole = match([tpl], raw, MatchConfig())
    # 120 s blocks from 10 s: the repeat's earliest window starts at 249.8 s, 0.2 s before
    # the block boundary at 250 s; each detection is found once, with the same correlation
    got, problems = scan([tpl], archive, T0 + 10, T0 + 580, MatchConfig(block_length=120.0))
    assert problems == []
    assert [round(d.origin_time - T0, 2) for d in got] == [
        round(d.origin_time - T0, 2) for d in whole
    ]
    for a, b in zip(got, whole, strict=True):
        assert abs(a.network_correlation - b.network_correlation) < 0.02
