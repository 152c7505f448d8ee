"""mb and Wood-Anderson amplitudes against known inputs and ObsPy's simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime
from obspy.core.inventory.response import Response
from scipy import signal

from openndc.detection.amplitude import (
    WA_PAZ,
    counts_to_nm,
    half_peak_to_peak,
    mb_amplitude,
    wood_anderson_amplitude,
    wood_anderson_response,
)
from openndc.detection.config import AmplitudeConfig
from openndc.model.inventory import ChannelInfo

T0 = UTCDateTime(2020, 1, 1)
FS = 40.0


def test_half_peak_to_peak_of_sine() -> None:
    t = np.arange(0, 4, 0.01)
    amp, period, _ = half_peak_to_peak(2.5 * np.sin(2 * np.pi * 1.25 * t), 100.0)
    assert amp == pytest.approx(2.5, rel=1e-3)
    assert period == pytest.approx(0.8, abs=0.02)
    assert math.isnan(half_peak_to_peak(np.arange(10.0), 100.0)[0])


def test_wa_paz_is_iaspei_standard() -> None:
    # natural period 0.8 s, damping 0.7, magnification 2080 at high frequency
    poles = np.array(WA_PAZ["poles"])  # type: ignore[arg-type]
    w0 = abs(poles[0])
    assert 2 * np.pi / w0 == pytest.approx(0.8)
    assert -poles[0].real / w0 == pytest.approx(0.7)
    assert abs(wood_anderson_response(np.array([50.0]), 2080.0)[0]) == pytest.approx(2080, rel=1e-3)


def _velocity_trace(disp_nm: float, f: float, sens: float, n_s: float = 60.0) -> Trace:
    t = np.arange(0, n_s, 1 / FS)
    onset = 30.0
    disp = np.where(t >= onset, disp_nm * 1e-9 * np.sin(2 * np.pi * f * (t - onset)), 0.0)
    vel = np.gradient(disp, 1 / FS)
    return Trace(
        (vel * sens).astype(np.float32),
        header={"sampling_rate": FS, "starttime": T0, "station": "AAA", "channel": "BHZ"},
    )


def test_mb_amplitude_flat_velocity_sensitivity() -> None:
    sens = 1.2e9
    tr = _velocity_trace(10.0, 1.0, sens)
    ch = ChannelInfo("BHZ", sensitivity=sens, input_units="M/S")
    amp, period, unit = mb_amplitude(tr, T0 + 30.0, AmplitudeConfig(), ch)
    assert unit == "nm"
    assert amp == pytest.approx(10.0, rel=0.05)
    assert period == pytest.approx(1.0, abs=0.06)
    amp_c, _, unit_c = mb_amplitude(tr, T0 + 30.0, AmplitudeConfig(), None)
    assert unit_c == "counts"
    assert amp_c == pytest.approx(10e-9 * 2 * np.pi * sens, rel=0.05)


def test_counts_to_nm_accelerometer() -> None:
    ch = ChannelInfo("HNZ", sensitivity=4e5, input_units="M/S**2")
    nm, unit = counts_to_nm(100.0, 0.5, ch)
    assert unit == "nm"
    assert nm == pytest.approx(100.0 / (4e5 * (2 * np.pi * 2.0) ** 2) * 1e9)


def _geophone() -> tuple[dict[str, object], Response]:
    """1 Hz geophone (damping 0.7), displacement response, sensitivity 5e8 counts/m at 5 Hz."""
    w0 = 2 * np.pi * 1.0
    poles = [complex(-0.7 * w0, w0 * 0.714), complex(-0.7 * w0, -w0 * 0.714)]
    zeros = [0j, 0j, 0j]
    s = 2j * np.pi * 5.0
    a0 = 1.0 / abs(s**3 / ((s - poles[0]) * (s - poles[1])))
    sens = 5e8
    paz = {"poles": poles, "zeros": zeros, "gain": a0, "sensitivity": sens}
    resp = Response.from_paz(
        zeros,
        poles,
        stage_gain=sens,
        stage_gain_frequency=5.0,
        input_units="M",
        output_units="COUNTS",
        normalization_frequency=5.0,
        normalization_factor=a0,
    )
    return paz, resp


def _noise_event() -> np.ndarray:
    rng = np.random.default_rng(11)
    n = int(120 * FS)
    x = rng.normal(size=n) * 50
    sos = signal.butter(4, [0.8, 10.0], btype="band", fs=FS, output="sos")
    burst = signal.sosfilt(sos, rng.normal(size=n)) * 5000
    env = np.exp(-np.clip(np.arange(n) / FS - 50, 0, None) / 5.0) * (np.arange(n) / FS >= 50)
    return x + burst * env


def test_wood_anderson_matches_obspy_simulate() -> None:
    paz, resp = _geophone()
    data = _noise_event()
    tr = Trace(
        data.copy(),
        header={"sampling_rate": FS, "starttime": T0, "station": "AAA", "channel": "HHE"},
    )
    ch = ChannelInfo("HHE", response=resp)
    ours, period = wood_anderson_amplitude(
        Stream([tr]), T0 + 48, 30.0, {tr.id: ch}, magnification=2080.0
    )
    ref = tr.copy()
    ref.simulate(paz_remove=paz, paz_simulate=WA_PAZ)
    i0, i1 = int(48 * FS), int(78 * FS)
    expected = np.abs(ref.data[i0:i1]).max() * 1e9  # m -> nm
    assert ours == pytest.approx(expected, rel=0.03)
    assert 0.1 < period < 2.0
    # IASPEI magnification 1 is the classic amplitude / 2080
    iaspei, _ = wood_anderson_amplitude([tr], T0 + 48, 30.0, {tr.id: ch})
    assert iaspei == pytest.approx(ours / 2080.0, rel=1e-6)


def test_wood_anderson_flat_sensitivity_matches_obspy() -> None:
    sens = 6e8  # counts per m/s
    data = _noise_event()
    tr = Trace(data.copy(), header={"sampling_rate": FS, "starttime": T0, "channel": "BHZ"})
    ours, _ = wood_anderson_amplitude(
        [tr], T0 + 48, 30.0, {tr.id: ChannelInfo("BHZ", sensitivity=sens)}, magnification=2080.0
    )
    ref = tr.copy()
    ref.simulate(
        paz_remove={"poles": [], "zeros": [0j], "gain": 1.0, "sensitivity": sens},
        paz_simulate=WA_PAZ,
    )
    expected = np.abs(ref.data[int(48 * FS) : int(78 * FS)]).max() * 1e9
    assert ours == pytest.approx(expected, rel=0.03)


def test_wood_anderson_prefers_horizontals_and_needs_metadata() -> None:
    data = _noise_event()
    mk = lambda c, g: Trace(data * g, header={"sampling_rate": FS, "starttime": T0, "channel": c})  # noqa: E731
    z, n, e = mk("BHZ", 10.0), mk("BHN", 1.0), mk("BHE", 4.0)
    chans = {tr.id: ChannelInfo(tr.stats.channel, sensitivity=6e8) for tr in (z, n, e)}
    amp_h, _ = wood_anderson_amplitude([z, n, e], T0 + 48, 30.0, chans)
    amp_n, _ = wood_anderson_amplitude([n], T0 + 48, 30.0, chans)
    assert amp_h == pytest.approx(amp_n * 2.0, rel=1e-6)  # geometric mean of 1x and 4x
    with pytest.raises(ValueError, match="response or sensitivity"):
        wood_anderson_amplitude([z, n, e], T0 + 48, 30.0, {})


def test_wood_anderson_on_a_long_trace_is_that_of_the_whole_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The simulation runs on the window and 60 s either side: on an hour of data the
    amplitude is that of simulating the whole hour (the plain, slow reference) -- except
    near the hour's ends, where the whole hour's 5 % taper (180 s) used to damp it."""
    import openndc.detection.amplitude as amplitude

    _paz, resp = _geophone()
    rng = np.random.default_rng(3)
    event = _noise_event()
    hour = rng.normal(size=int(3600 * FS)) * 50
    k = int(1800 * FS)
    hour[k : k + len(event)] += event
    tr = Trace(hour, header={"sampling_rate": FS, "starttime": T0, "channel": "HHE"})
    ch = {tr.id: ChannelInfo("HHE", response=resp)}
    # the event, twice; stationary noise inside the hour; noise near both ends
    onsets = [T0 + 1848, T0 + 1849.5, T0 + 600.0, T0 + 30.0, T0 + 3560.0]
    cut = [wood_anderson_amplitude([tr], t, 30.0, ch)[0] for t in onsets]
    monkeypatch.setattr(amplitude, "_WA_PAD_S", 1e9)
    whole = [wood_anderson_amplitude([tr], t, 30.0, ch)[0] for t in onsets]
    assert cut[:3] == pytest.approx(whole[:3], rel=1e-3)
    noise = cut[2]
    assert cut[3] == pytest.approx(noise, rel=0.25) and cut[4] == pytest.approx(noise, rel=0.25)
    assert whole[3] < 0.5 * noise  # the old whole-hour taper
