"""S picking on 3-C horizontals after a P (openndc.detection.s_phase and the stage)."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.detection.config import DetectionConfig, SPickConfig
from openndc.detection.s_phase import horizontal_share, pick_s, s_characteristic
from openndc.detection.stage import detect
from openndc.model.config import from_mapping
from openndc.model.inventory import MonitoringNetwork
from openndc.presets import load_preset

FS = 100.0
T0 = UTCDateTime(2024, 5, 1)


def _wavelet(n: int, f: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / FS
    return np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) * np.exp(-t / 1.5)


def local_event(
    p: float, s: float, dur: float = 30.0, seed: int = 0, s_amp: float = 8.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z, N, E of a local event: P mostly vertical at ``p`` [s], S mostly horizontal
    (back-azimuth 60 deg, SH + SV) at ``s`` [s], coloured noise."""
    rng = np.random.default_rng(seed)
    n = int(dur * FS)
    z, nn, e = (0.2 * np.convolve(rng.normal(size=n), np.ones(3) / 3, "same") for _ in range(3))
    ip, is_ = int(p * FS), int(s * FS)
    wp = 3.0 * _wavelet(n - ip, 8.0, rng)
    z[ip:] += wp
    nn[ip:] += 0.3 * wp * np.cos(np.radians(60))
    e[ip:] += 0.3 * wp * np.sin(np.radians(60))
    ws = s_amp * _wavelet(n - is_, 5.0, rng)
    wt = s_amp * _wavelet(n - is_, 5.0, rng)
    z[is_:] += 0.2 * ws
    nn[is_:] += ws * np.cos(np.radians(60)) - wt * np.sin(np.radians(60))
    e[is_:] += ws * np.sin(np.radians(60)) + wt * np.cos(np.radians(60))
    return z, nn, e


def _stream(z: np.ndarray, n: np.ndarray, e: np.ndarray) -> Stream:
    return Stream(
        [
            Trace(
                np.asarray(x, dtype=np.float64),
                header={
                    "network": "XX",
                    "station": "LOC",
                    "channel": "HH" + c,
                    "sampling_rate": FS,
                    "starttime": T0,
                },
            )
            for x, c in ((z, "Z"), (n, "N"), (e, "E"))
        ]
    )


@pytest.mark.parametrize(("p", "s"), [(3.0, 3.5), (5.0, 7.2), (2.0, 11.0)])
def test_pick_s_finds_the_horizontal_onset(p: float, s: float) -> None:
    z, n, e = local_event(p, s, seed=int(10 * s))
    pick = pick_s(z, n, e, FS, int(p * FS), SPickConfig(freq_min=2.0, freq_max=15.0))
    assert pick is not None
    assert abs(pick.index / FS - s) <= 0.05
    assert pick.horizontal_share > 0.8
    assert pick.snr >= SPickConfig().min_snr


def test_no_s_in_noise_or_outside_the_window() -> None:
    z, n, e = local_event(3.0, 40.0, dur=30.0)  # S beyond the record: P and noise only
    cfg = SPickConfig(freq_min=2.0, freq_max=15.0, min_snr=1.5)
    assert pick_s(z, n, e, FS, 300, cfg) is None
    z, n, e = local_event(3.0, 20.0, dur=30.0)
    # S-P = 17 s, beyond max_delay = 10 s
    assert (
        pick_s(z, n, e, FS, 300, SPickConfig(freq_min=2.0, freq_max=15.0, max_delay=10.0)) is None
    )
    assert pick_s(z, n, e, FS, 2950, cfg) is None  # window shorter than a second
    with pytest.raises(ValueError, match="equal-length"):
        pick_s(z, n[:-1], e, FS, 300, cfg)


def test_characteristic_function_and_share() -> None:
    z, n, e = local_event(3.0, 6.0, seed=4)
    share = horizontal_share(z, n, e, 30)
    assert share[int(3.2 * FS)] < 0.3 < 0.8 < share[int(6.3 * FS)]
    cf = s_characteristic(z[300:], n[300:], e[300:], 30, 200, 30)
    assert 280 <= int(np.argmax(cf)) <= 340  # the S, 3 s after the P (plus up to one STA)


def test_stage_labels_p_and_s_on_a_three_component_station() -> None:
    cfg = from_mapping(DetectionConfig, load_preset("local")["detection"], "local")
    z, n, e = local_event(2.5, 3.1, dur=40.0, seed=9)  # P 2.5 s into the record, S-P 0.6 s
    dets = detect(_stream(z, n, e), MonitoringNetwork("t", ()), cfg).detections
    p = [d for d in dets if d.phase == "P"]
    s = [d for d in dets if d.phase == "S"]
    assert len(p) == 1 and abs(p[0].time - (T0 + 2.5)) <= 0.05
    assert len(s) == 1 and abs(s[0].time - (T0 + 3.1)) <= 0.05
    assert s[0].method == "3c" and s[0].extra["p_id"] == p[0].id
    assert s[0].channel in ("HHN", "HHE")
    assert p[0].incidence < 45.0  # the P window ended before the S
    # S picking off (the default): the same record gives no S-named detection
    plain = detect(_stream(z, n, e), MonitoringNetwork("t", ()), DetectionConfig()).detections
    assert not [d for d in plain if d.method == "3c"]


def test_a_stronger_arrival_before_the_s_is_a_new_p() -> None:
    # a weaker event (no S in the record) 5 s before a stronger one whose S follows 0.6 s
    # after its P: the first P's S window reaches over the second event, but the second P
    # is not dropped as "the S's own trigger" and the S goes to the second P
    cfg = from_mapping(DetectionConfig, load_preset("local")["detection"], "local")
    za, na, ea = local_event(3.0, 100.0, dur=40.0, seed=2)
    zb, nb, eb = local_event(8.0, 8.6, dur=40.0, seed=3, s_amp=8.0)
    z, n, e = za + 3.0 * zb, na + 3.0 * nb, ea + 3.0 * eb
    dets = detect(_stream(z, n, e), MonitoringNetwork("t", ()), cfg).detections
    p_times = sorted(d.time - T0 for d in dets if d.phase == "P")
    s = [d for d in dets if d.phase == "S"]
    assert any(abs(t - 3.0) <= 0.05 for t in p_times)
    assert any(abs(t - 8.0) <= 0.05 for t in p_times)
    assert len(s) == 1 and abs(s[0].time - (T0 + 8.6)) <= 0.05
    second = next(d for d in dets if d.phase == "P" and abs(d.time - (T0 + 8.0)) <= 0.05)
    assert s[0].extra["p_id"] == second.id
