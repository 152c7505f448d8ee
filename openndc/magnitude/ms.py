"""Ms_20 measured on vertical long-period or broadband waveforms (IASPEI 2013).

Per station with a vertical channel (``??Z``) and an instrument response (full ObsPy
``Response`` in :class:`~openndc.model.inventory.ChannelInfo`, or its ``sensitivity`` with
``input_units``):

1. the trace is demeaned, low-passed and resampled to ``MsConfig.sample_rate`` (1 Hz);
2. in the frequency domain it is turned into ground displacement [nm] and passed through
   a WWSSN long-period seismograph normalised to unit gain at 20 s (IASPEI: seismometer
   15 s, galvanometer 90 s, both critically damped; :data:`WWSSN_LP_PAZ`), with cosine
   tapers below 0.01 Hz and above 0.2 Hz;
3. in the Rayleigh window ``origin + D/velocity_max`` to ``origin + D/velocity_min``
   (D [km] along the surface; 4.0-2.9 km/s) the swings between consecutive extrema whose
   period ``T = 2 × (time between the extrema)`` lies in 18-22 s are measured; the largest
   half peak-to-peak swing, divided by the normalised WWSSN-LP gain at its period, is the
   ground displacement A [nm] (for a near-monochromatic 20-s wave train half peak-to-peak
   and zero-to-peak agree);
4. ``Ms_20 = log10(A/T) + 1.66 log10(Delta) + 0.3`` for 20-160 deg and depth <= 60 km.

A station is skipped, with a log message, when it is out of range, has no vertical trace,
no response, data not covering the window, no swing in the period range or too low a
signal-to-noise ratio (noise: the same measure before the origin time, where recorded).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import numpy as np
from obspy import Stream, Trace, UTCDateTime
from scipy import signal

from openndc.instrument import displacement_gain
from openndc.magnitude.calibration import ms_from_amplitude
from openndc.magnitude.config import MagnitudeConfig, MsConfig
from openndc.model.event import Event, StationMagnitude
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station

__all__ = [
    "WWSSN_LP_PAZ",
    "measure_ms",
    "ms_amplitude",
    "ms_stations",
    "swings",
    "wwssn_lp_response",
]

log = logging.getLogger(__name__)

_W_SEIS = 2.0 * math.pi / 15.0
_W_GALV = 2.0 * math.pi / 90.0
#: WWSSN long-period displacement response (IASPEI 2013: seismometer period 15 s,
#: galvanometer period 90 s, critical damping); poles [rad/s], normalised in
#: :func:`wwssn_lp_response`.
WWSSN_LP_PAZ: Mapping[str, list[complex]] = {
    "zeros": [0j, 0j, 0j],
    "poles": [complex(-_W_SEIS), complex(-_W_SEIS), complex(-_W_GALV), complex(-_W_GALV)],
}


def wwssn_lp_response(freqs: np.ndarray, reference_period: float = 20.0) -> np.ndarray:
    """WWSSN-LP displacement transfer function at ``freqs`` [Hz], unit modulus at 20 s."""

    def h(f: np.ndarray) -> np.ndarray:
        s = 2j * np.pi * np.asarray(f, dtype=np.float64)
        num = np.ones_like(s)
        for z in WWSSN_LP_PAZ["zeros"]:
            num = num * (s - z)
        den = np.ones_like(s)
        for p in WWSSN_LP_PAZ["poles"]:
            den = den * (s - p)
        return np.asarray(num / den, dtype=np.complex128)

    ref = abs(h(np.array([1.0 / reference_period]))[0])
    return h(np.asarray(freqs, dtype=np.float64)) / ref


def swings(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Half peak-to-peak swings between consecutive extrema of ``x``.

    Returns ``(amplitudes, periods [s], indices)``: amplitude ``|x[k+1] - x[k]| / 2`` in
    the units of ``x``, period ``2 × (t[k+1] - t[k])``, index of the first extremum. The
    extrema are refined by a parabola through the three samples around each, so that a
    20-s wave sampled at 1 Hz is measured to better than 0.1 % in amplitude and period.
    """
    x = np.asarray(x, dtype=np.float64)
    empty = np.zeros(0)
    if len(x) < 3:
        return empty, empty, np.zeros(0, dtype=np.int64)
    d = np.diff(x)
    moving = np.flatnonzero(d != 0)
    sign = np.sign(d[moving])
    turn = np.flatnonzero(sign[1:] != sign[:-1]) + 1
    ext = moving[turn]
    ext = ext[(ext > 0) & (ext < len(x) - 1)]
    if len(ext) < 2:
        return empty, empty, np.zeros(0, dtype=np.int64)
    xm, x0, xp = x[ext - 1], x[ext], x[ext + 1]
    curv = xm - 2.0 * x0 + xp
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curv != 0, 0.5 * (xm - xp) / curv, 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    peak = x0 - 0.25 * (xm - xp) * shift
    amps = np.abs(np.diff(peak)) / 2.0
    periods = 2.0 * np.diff(ext + shift) / fs
    return amps, periods, ext[:-1]


def _best_swing(x: np.ndarray, fs: float, pmin: float, pmax: float) -> tuple[float, float]:
    amps, periods, _ = swings(x, fs)
    ok = (periods >= pmin) & (periods <= pmax)
    if not ok.any():
        return math.nan, math.nan
    k = int(np.argmax(np.where(ok, amps, -np.inf)))
    return float(amps[k]), float(periods[k])


def _simulate(tr: Trace, channel: ChannelInfo) -> np.ndarray | None:
    """WWSSN-LP (unit gain at 20 s) ground displacement [nm] of a trace in counts."""
    x = np.asarray(tr.data, dtype=np.float64)
    fs = float(tr.stats.sampling_rate)
    n = len(x)
    nfft = 1 << math.ceil(math.log2(2 * n))
    x = (x - np.mean(x)) * signal.windows.tukey(n, 0.05)
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    gain = displacement_gain(channel, freqs)
    if gain is None:
        return None
    level = np.abs(gain[1:]).max() * 1e-4  # water level 80 dB below the peak gain
    small = np.abs(gain) < level
    gain[small] = level * np.exp(1j * np.angle(gain[small]))
    with np.errstate(divide="ignore", invalid="ignore"):
        tf = wwssn_lp_response(freqs) / gain
    tf[0] = 0.0
    lo = np.clip((freqs - 0.005) / 0.005, 0.0, 1.0)
    hi = np.clip((0.4 - freqs) / 0.2, 0.0, 1.0)
    tf *= (0.5 - 0.5 * np.cos(np.pi * lo)) * (0.5 - 0.5 * np.cos(np.pi * hi))
    y = np.fft.irfft(np.fft.rfft(x, nfft) * tf, nfft)[:n]
    return np.asarray(y * 1e9, dtype=np.float64)


def _prepare(tr: Trace, rate: float) -> Trace:
    tr = tr.copy()
    tr.data = np.nan_to_num(np.asarray(tr.data, dtype=np.float64))
    tr.detrend("demean")
    if tr.stats.sampling_rate > 1.5 * rate:
        tr.filter("lowpass", freq=0.4 * rate, corners=4, zerophase=True)
        tr.interpolate(sampling_rate=rate, method="linear")
    return tr


def ms_amplitude(
    trace: Trace,
    channel: ChannelInfo,
    window: tuple[UTCDateTime, UTCDateTime],
    config: MsConfig | None = None,
    noise_end: UTCDateTime | None = None,
) -> tuple[float, float, float]:
    """Ms_20 ground-displacement amplitude [nm], period [s] and SNR of one vertical trace.

    ``window`` is the Rayleigh-wave window; ``noise_end`` (usually the origin time) ends
    the noise window, which is as long as the signal window where recorded (else the SNR
    is NaN). NaN amplitude when the window is not covered or no swing has a period in
    ``config.period_min``-``period_max``.
    """
    config = config or MsConfig()
    t0, t1 = window
    if trace.stats.starttime > t0 or trace.stats.endtime < t1:
        return math.nan, math.nan, math.nan
    tr = _prepare(trace, config.sample_rate)
    y = _simulate(tr, channel)
    if y is None:
        return math.nan, math.nan, math.nan
    fs = float(tr.stats.sampling_rate)
    start = tr.stats.starttime
    i0, i1 = round((t0 - start) * fs), round((t1 - start) * fs) + 1
    amp, per = _best_swing(y[max(i0, 0) : i1], fs, config.period_min, config.period_max)
    if not math.isfinite(amp):
        return math.nan, math.nan, math.nan
    snr = math.nan
    if noise_end is not None:
        n1 = round((noise_end - start) * fs)
        n0 = n1 - (i1 - i0)
        if n0 >= int(0.05 * len(y)) and n1 > n0 + 3:  # not in the taper at the start
            noise, _ = _best_swing(y[n0:n1], fs, config.period_min, config.period_max)
            if math.isfinite(noise):
                snr = amp / noise if noise > 0 else math.inf
    # correct for the WWSSN-LP gain at the measured period (unit gain at 20 s)
    amp /= float(abs(wwssn_lp_response(np.array([1.0 / per]))[0]))
    return amp, per, snr


def _vertical_trace(stream: Stream, station: Station) -> Trace | None:
    """The vertical trace of a station to measure on: lowest sample rate >= 0.5 Hz."""
    cands = [
        tr
        for tr in stream
        if tr.stats.station == station.code
        and tr.stats.network == station.network
        and tr.stats.channel.endswith("Z")
        and tr.stats.sampling_rate >= 0.5
    ]
    if not cands:
        return None
    if len({tr.id for tr in cands}) < len(cands):
        merged = Stream(cands).copy()
        merged.merge(fill_value=None)
        cands = [tr for tr in merged if not np.ma.isMaskedArray(tr.data)]
        if not cands:
            return None
    return min(cands, key=lambda tr: (tr.stats.sampling_rate, tr.stats.channel))


def ms_stations(network: MonitoringNetwork) -> list[Station]:
    """The stations Ms is measured at: every station, but one element per array (the one
    nearest the array's reference point). An array's elements see one Rayleigh wave:
    counted as independent stations they would outweigh the rest of the network."""
    keep: dict[str, str] = {}
    for arr in network.arrays:
        if arr.elements:
            near = min(arr.elements, key=lambda e: math.hypot(e.deast_km, e.dnorth_km))
            keep[arr.code] = near.station
    out = []
    for station in network.stations:
        group = network.array_of(station.code)
        if group is None or keep.get(group.code) == station.code:
            out.append(station)
    return out


def measure_ms(
    stream: Stream,
    event: Event,
    network: MonitoringNetwork,
    config: MagnitudeConfig | MsConfig | None = None,
) -> list[StationMagnitude]:
    """Station Ms_20 of an event on the vertical traces of ``stream`` (see module doc).

    Traces are matched to stations of ``network`` by network and station code; channel
    metadata come from :meth:`Station.channel`. Returns one station magnitude per station
    where the data allow.
    """
    cfg = config.ms if isinstance(config, MagnitudeConfig) else config or MsConfig()
    origin = event.origin
    if math.isfinite(origin.depth_km) and origin.depth_km > cfg.depth_max:
        log.info(
            "event %s: depth %.0f km > %.0f km: no Ms", event.id, origin.depth_km, cfg.depth_max
        )
        return []
    out: list[StationMagnitude] = []
    for station in ms_stations(network):
        dist, _, _ = distance_azimuth(
            origin.latitude, origin.longitude, station.latitude, station.longitude
        )
        delta = float(dist)
        if not (cfg.distance_min <= delta <= cfg.distance_max):
            log.debug(
                "event %s: %s at %.1f deg outside the Ms range", event.id, station.code, delta
            )
            continue
        tr = _vertical_trace(stream, station)
        if tr is None:
            continue
        channel = station.channel(tr.stats.channel, tr.stats.location) or station.channel(
            tr.stats.channel
        )
        if channel is None or (channel.response is None and not channel.sensitivity):
            log.info("event %s: %s has no response or sensitivity: no Ms", event.id, tr.id)
            continue
        d_km = delta * DEG_KM
        window = (origin.time + d_km / cfg.velocity_max, origin.time + d_km / cfg.velocity_min)
        amp, per, snr = ms_amplitude(tr, channel, window, cfg, noise_end=origin.time)
        if not math.isfinite(amp):
            log.info("event %s: %s: no 18-22 s Rayleigh wave measured: no Ms", event.id, tr.id)
            continue
        if math.isfinite(snr) and snr < cfg.min_snr:
            log.info("event %s: %s: Ms SNR %.1f below %.1f", event.id, tr.id, snr, cfg.min_snr)
            continue
        value = float(ms_from_amplitude(amp, per, delta))
        out.append(
            StationMagnitude(
                magnitude_type="Ms",
                value=value,
                network=station.network,
                station=station.code,
                amplitude=amp,
                amplitude_unit="nm",
                period=per,
                distance=delta,
                detection_id="",
            )
        )
    return out
