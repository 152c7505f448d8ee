"""Which trigger an onset is picked from: a noise trigger shortly before a P.

With the ``local`` preset (merge 1.5 s, dead time 2 s) a short noise burst 1.7 s before a
strong P used to open the only detection: the P's own trigger fell in the burst's dead
time and was dropped, and the onset was sought around the burst (real case: BG.STY in the
PhaseNet windows, ``docs/detection.md``). A trigger that opens after the kept one has
closed and is stronger than it is a new signal and is kept (``dead_time_new_signal``, set by
the ``local`` preset; off by default, where the dead time still mutes it).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from obspy import Trace, UTCDateTime

from openndc.detection.config import DetectionConfig
from openndc.detection.filters import causal_bandpass
from openndc.detection.station import detect_trace
from openndc.model.config import from_mapping
from openndc.presets import load_preset

FS = 100.0
T0 = UTCDateTime(2020, 1, 1)


def _trace(seed: int, burst_at: float, p_at: float) -> Trace:
    rng = np.random.default_rng(seed)
    n = round(30.0 * FS)
    x = rng.normal(size=n)
    b = round(burst_at * FS)
    x[b : b + 15] += 12.0 * rng.normal(size=15)  # 0.15 s noise burst
    p = round(p_at * FS)
    sig = causal_bandpass(rng.normal(size=n), FS, 3.0, 15.0, 4)
    env = np.exp(-np.arange(n - p) / (1.5 * FS))
    x[p:] += 60.0 * sig[: n - p] * env
    return Trace(x, header={"sampling_rate": FS, "starttime": T0, "channel": "HHZ"})


def test_p_after_a_noise_trigger_within_the_dead_time_is_picked() -> None:
    cfg = from_mapping(DetectionConfig, load_preset("local")["detection"], "local")
    assert cfg.merge_window < 1.7 < cfg.dead_time
    for seed in range(4):
        dets = detect_trace(_trace(seed, 10.0, 11.7), cfg)
        times = [d.time - T0 for d in dets]
        assert any(abs(t - 10.0) < 0.3 for t in times), times  # the burst triggered
        assert any(abs(t - 11.7) <= 0.1 for t in times), times  # and the P is picked
        off = dataclasses.replace(cfg, dead_time_new_signal=False)
        times = [d.time - T0 for d in detect_trace(_trace(seed, 10.0, 11.7), off)]
        assert not any(abs(t - 11.7) <= 1.0 for t in times), times  # muted by the dead time
