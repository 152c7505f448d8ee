"""3-C polarization on synthetic P waves and against ObsPy's Flinn analysis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime
from obspy.signal.polarization import flinn

from openndc.detection.config import DetectionConfig
from openndc.detection.polarization import measure_3c, polarization
from openndc.model.detection import Detection

FS = 40.0


def _p_wave(
    baz: float, inc: float, n: int = 200, noise: float = 0.02, sign: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FS
    w = sign * np.sin(2 * np.pi * 2.0 * t) * np.exp(-t)
    prop = math.radians(baz + 180.0)  # horizontal motion points away from the source
    uz, uh = math.cos(math.radians(inc)), math.sin(math.radians(inc))
    z = w * uz + rng.normal(size=n) * noise
    nn = w * uh * math.cos(prop) + rng.normal(size=n) * noise
    e = w * uh * math.sin(prop) + rng.normal(size=n) * noise
    return z, nn, e


@pytest.mark.parametrize("baz", [10.0, 95.0, 200.0, 300.0])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_synthetic_p_azimuth_and_incidence(baz: float, sign: float) -> None:
    res = polarization(*_p_wave(baz, 35.0, sign=sign), FS)
    diff = (res.backazimuth_deg - baz + 180) % 360 - 180
    assert abs(diff) < 2.0
    assert res.incidence_deg == pytest.approx(35.0, abs=2.0)
    assert res.rectilinearity > 0.95
    assert res.backazimuth_uncertainty_deg < 10.0


def test_against_obspy_flinn() -> None:
    z, n, e = _p_wave(130.0, 50.0, noise=0.2, seed=3)
    ours = polarization(z, n, e, FS)
    az, inc, _rect, plan = flinn([z - z.mean(), n - n.mean(), e - e.mean()])
    assert ours.backazimuth_deg % 180 == pytest.approx(az % 180, abs=0.5)
    assert ours.incidence_deg == pytest.approx(inc, abs=0.5)
    assert ours.planarity == pytest.approx(plan, abs=1e-3)


def test_isotropic_noise_is_not_rectilinear() -> None:
    rng = np.random.default_rng(1)
    res = polarization(rng.normal(size=2000), rng.normal(size=2000), rng.normal(size=2000), FS)
    assert res.rectilinearity < 0.3
    assert res.backazimuth_uncertainty_deg > 20


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        polarization(np.zeros(10), np.zeros(10), np.zeros(10), FS)
    with pytest.raises(ValueError):
        polarization(np.ones(10), np.ones(9), np.ones(10), FS)


def test_measure_3c_on_stream() -> None:
    t0 = UTCDateTime(2021, 5, 1)
    n = int(60 * FS)
    pre = int(30 * FS)
    z, nn, e = (
        np.concatenate([np.zeros(pre), c, np.zeros(n - pre - 200)])
        for c in _p_wave(250.0, 30.0, noise=0.0)
    )
    rng = np.random.default_rng(2)
    st = Stream(
        [
            Trace(
                c + rng.normal(size=n) * 0.01,
                header={"sampling_rate": FS, "starttime": t0, "station": "ABC", "channel": ch},
            )
            for c, ch in ((z, "BHZ"), (nn, "BHN"), (e, "BHE"))
        ]
    )
    det = Detection("XX", "ABC", "", "BHZ", t0 + 30.0, freq_min=0.8, freq_max=4.5)
    out = measure_3c(st, det, DetectionConfig())
    assert abs((out.backazimuth - 250.0 + 180) % 360 - 180) < 5.0
    assert out.incidence == pytest.approx(30.0, abs=5.0)
    assert out.rectilinearity > 0.8
    assert math.isnan(det.backazimuth)  # input unchanged
    with pytest.raises(ValueError, match="needs Z"):
        measure_3c(Stream([st[0]]), det, DetectionConfig())
