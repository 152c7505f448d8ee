"""Ms_20 on synthetic 20-s Rayleigh-like wave trains of known ground displacement."""

from __future__ import annotations

import math

import numpy as np
import pytest
from obspy import Stream, Trace
from obspy.core.inventory.response import Response

from openndc.magnitude import MagnitudeConfig, compute_magnitudes, measure_ms
from openndc.magnitude.calibration import ms_sigma
from openndc.magnitude.config import MsConfig
from openndc.magnitude.ms import swings, wwssn_lp_response
from openndc.model.geodesy import DEG_KM
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station

from ._events import T0, event

SENS = 1.5e9  # counts / (m/s)
STS2_POLES = [-0.037 + 0.037j, -0.037 - 0.037j]


def _ground(
    t: np.ndarray, amp_nm: float, tc: float, period: float
) -> tuple[np.ndarray, np.ndarray]:
    """Displacement [m] and velocity [m/s] of a Gaussian-windowed wave train."""
    tau, w = 200.0, 2 * np.pi / period
    env = np.exp(-(((t - tc) / tau) ** 2))
    denv = -2 * (t - tc) / tau**2 * env
    u = amp_nm * 1e-9 * env * np.cos(w * (t - tc))
    v = amp_nm * 1e-9 * (denv * np.cos(w * (t - tc)) - w * env * np.sin(w * (t - tc)))
    return u, v


def _setup(
    delta: float, amp_nm: float, period: float = 20.0, full_response: bool = False, fs: float = 1.0
) -> tuple[Stream, MonitoringNetwork]:
    d_km = delta * DEG_KM
    t = np.arange(-1200.0, d_km / 2.5 + 600.0, 1.0 / fs)
    u, v = _ground(t, amp_nm, d_km / 3.5, period)
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 0.002 * amp_nm * 1e-9 * 2 * np.pi / period, t.size)
    if full_response:
        resp = Response.from_paz(
            zeros=[0j, 0j],
            poles=STS2_POLES,
            stage_gain=SENS,
            stage_gain_frequency=1.0,
            input_units="M/S",
            output_units="COUNTS",
            normalization_frequency=1.0,
        )
        resp.recalculate_overall_sensitivity(1.0)
        nfft = 1 << int(np.ceil(np.log2(2 * t.size)))
        f = np.fft.rfftfreq(nfft, 1.0 / fs)
        g = resp.get_evalresp_response_for_frequencies(f, output="DISP")
        data = np.fft.irfft(np.fft.rfft(u, nfft) * g, nfft)[: t.size] + SENS * noise
        ch = ChannelInfo("BHZ", sample_rate_hz=fs, response=resp)
        code = "BHZ"
    else:
        data = SENS * (v + noise)
        ch = ChannelInfo("LHZ", sample_rate_hz=fs, sensitivity=SENS, input_units="M/S")
        code = "LHZ"
    tr = Trace(data=data.astype(np.float64))
    tr.stats.update(
        {
            "network": "XX",
            "station": "LP1",
            "channel": code,
            "sampling_rate": fs,
            "starttime": T0 + float(t[0]),
        }
    )
    net = MonitoringNetwork("ms", (Station("XX", "LP1", 0.0, delta, channels=(ch,)),))
    return Stream([tr]), net


def test_wwssn_lp_response_normalised_and_shaped() -> None:
    h = np.abs(wwssn_lp_response(np.array([1 / 20.0, 1 / 6.0, 1 / 200.0])))
    assert h[0] == pytest.approx(1.0)
    # 1/f above the 15-s seismometer corner, f^3 below the 90-s galvanometer
    assert h[1] == pytest.approx(0.750, abs=0.005) and h[2] < 0.05


def test_swings_of_a_sine() -> None:
    fs = 1.0
    x = 3.0 * np.sin(2 * np.pi * (np.arange(200) + 0.37) / 20.0)  # peaks between samples
    amps, periods, idx = swings(x, fs)
    assert len(amps) == 19
    np.testing.assert_allclose(amps, 3.0, rtol=1e-3)
    np.testing.assert_allclose(periods, 20.0, rtol=1e-6)
    assert np.all(np.diff(idx) == 10)


@pytest.mark.parametrize("delta", [30.0, 75.0])
def test_ms_known_amplitude_sensitivity_only(delta: float) -> None:
    amp = 2000.0
    stream, net = _setup(delta, amp)
    (sm,) = measure_ms(stream, event([], depth_km=15.0), net)
    assert sm.magnitude_type == "Ms" and sm.station == "LP1"
    assert sm.amplitude == pytest.approx(amp, rel=0.015)
    assert sm.period == pytest.approx(20.0, abs=1.0)
    assert sm.distance == pytest.approx(delta, abs=1e-6)
    expected = math.log10(amp / 20.0) + float(ms_sigma(delta))
    assert sm.value == pytest.approx(expected, abs=0.02)


def test_ms_full_response_broadband_40hz() -> None:
    amp = 500.0
    stream, net = _setup(40.0, amp, full_response=True, fs=20.0)
    out = compute_magnitudes(event([], depth_km=10.0), net, stream=stream)
    ms = out.magnitude("Ms")
    assert ms is not None and ms.n_stations == 1
    assert ms.station_magnitudes[0].amplitude == pytest.approx(amp, rel=0.015)
    assert ms.value == pytest.approx(math.log10(amp / 20.0) + float(ms_sigma(40.0)), abs=0.02)


def test_ms_period_out_of_band_is_corrected_or_rejected() -> None:
    # an 19-s wave is measured at its own period with the WWSSN-LP gain corrected
    stream, net = _setup(50.0, 1000.0, period=19.0)
    (sm,) = measure_ms(stream, event([], depth_km=10.0), net)
    assert sm.period == pytest.approx(19.0, abs=1.0)
    assert sm.amplitude == pytest.approx(1000.0, rel=0.01)
    # a 12-s wave has no swing in 18-22 s: no Ms
    stream, net = _setup(50.0, 1000.0, period=12.0)
    assert measure_ms(stream, event([], depth_km=10.0), net) == []


def test_ms_low_snr_rejected() -> None:
    stream, net = _setup(50.0, 1000.0)
    rng = np.random.default_rng(5)
    tr = stream[0]
    # 20-s noise as strong as the signal all along the trace
    noise = np.sin(2 * np.pi * np.arange(tr.stats.npts) / 20.3) * np.abs(tr.data).max()
    tr.data = tr.data + noise + rng.normal(0, 1, tr.stats.npts)
    assert measure_ms(stream, event([], depth_km=10.0), net) == []
    assert len(measure_ms(stream, event([], depth_km=10.0), net, MsConfig(min_snr=0.0))) == 1


def test_ms_skips_out_of_range_deep_and_uncalibrated() -> None:
    stream, net = _setup(12.0, 1000.0)
    assert measure_ms(stream, event([], depth_km=10.0), net) == []  # < 20 deg
    stream, net = _setup(50.0, 1000.0)
    assert measure_ms(stream, event([], depth_km=120.0), net) == []  # too deep
    bare = MonitoringNetwork(
        "bare", (Station("XX", "LP1", 0.0, 50.0, channels=(ChannelInfo("LHZ"),)),)
    )
    assert measure_ms(stream, event([], depth_km=10.0), bare) == []  # no response
    # config as MagnitudeConfig or MsConfig; window narrower than data needs full coverage
    assert len(measure_ms(stream, event([], depth_km=10.0), net, MagnitudeConfig())) == 1
    cfg = MsConfig(velocity_min=1.0)  # window ends after the trace: not covered
    assert measure_ms(stream, event([], depth_km=10.0), net, cfg) == []
