"""Regional discriminants: high-frequency P/S amplitude ratios, combined across stations.

At regional distances explosions excite relatively less shear energy than earthquakes, most
clearly above ~2 Hz, so log10(P/S) amplitude ratios in high-frequency bands are larger for
explosions (Bennett & Murphy 1986, BSSA 76; Taylor, Denny, Vergino & Glaser 1989, BSSA 79;
Walter, Mayeda & Patton 1995, BSSA 85; Kim, Simpson & Richards 1993, BSSA 83; Fisk, Gray &
McCartor 1996, BSSA 86 for the distance-corrected, multi-band, multi-station form).

**Windows** (group velocities, km/s, from the origin time; the usual regional choices of the
studies above): Pn 8.1-7.2, Pg 6.2-5.2, Sn 4.7-4.0, Lg 3.6-3.0, each at least 5 s long;
and ``P/S``: 25.6 s from the first P (Pn beyond 170 km, else Pg) and 25.6 s from the first S
(Sn beyond 200 km, else Lg), the aligned windows of Shumway & Stoffer's Scandinavian set on
which the generic calibration rests. Noise is the RMS before the first P.

**Measure**: RMS amplitude of the vertical component, band-passed (4-pole zero-phase
Butterworth), in each window; a band counts when both windows' RMS exceed ``min_snr``
times the noise RMS, and the noise power is subtracted from both (noise pulls a low-SNR
ratio towards 1, i.e. towards the explosion side for earthquakes). The ratio within one
band on one channel needs no instrument correction (the response cancels). The elements of
an array are averaged into one value per array (one path, one vote).

**Statistic**: per station, the band vector of residuals r (log10 ratio minus the
earthquake population's prediction at the station's distance, :mod:`calibration`) with
covariance C gives the standardised score ``u = 1'C^-1 r / sqrt(1'C^-1 1)`` (N(0, 1) for
earthquakes), i.e. the GLS mean residual ``m = 1'C^-1 r / 1'C^-1 1`` over its standard
error, and the Mahalanobis distance ``D2 = r'C^-1 r``. The network combines the stations'
``m`` into their precision-weighted mean ``M`` whose variance is that of independent
stations plus ``bias_sigma**2`` when a generic calibration is used (a population borrowed
from another region is off by an unknown offset that all stations share), and
``U = M / sd(M)`` with the one-sided p-value ``1 - Phi(U)`` (small: explosion-like);
``sum(D2)`` with its chi-square p-value is the distance to the earthquake population in any
direction. The same score against the explosion population
(mean residual ``delta``), ``U_x``, tells whether the event is *inconsistent* with
explosions. Explosion-like with confidence: ``p < alpha`` and not inconsistent with the
explosion population (``U_x >= -1.96``); natural: ``U_x < -1.96`` and ``p >= 0.05``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from obspy import Stream, Trace, UTCDateTime
from scipy import signal, stats
from scipy.signal._arraytools import odd_ext

from openndc.model.geodesy import distance_azimuth
from openndc.model.inventory import EARTH_RADIUS_KM, MonitoringNetwork
from openndc.model.screening import CriterionEvidence, StationValue
from openndc.screening.calibration import Calibration, RatioCalibration
from openndc.screening.config import RegionalConfig

__all__ = [
    "GROUP_VELOCITIES",
    "NetworkScore",
    "StationScore",
    "band_rms",
    "combine_stations",
    "log_ratios",
    "measure_network",
    "measure_station",
    "phase_windows",
    "regional_criterion",
    "score_station",
]

FloatArray = npt.NDArray[np.float64]
log = logging.getLogger(__name__)
_KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0

#: Group-velocity windows [km/s] (fast, slow) of the regional phases.
GROUP_VELOCITIES: dict[str, tuple[float, float]] = {
    "Pn": (8.1, 7.2),
    "Pg": (6.2, 5.2),
    "Sn": (4.7, 4.0),
    "Lg": (3.6, 3.0),
}
_MIN_WINDOW_S = 5.0
_PS_WINDOW_S = 25.6

SOURCE_REGIONAL = (
    "Taylor et al. (1989) BSSA 79; Walter, Mayeda & Patton (1995) BSSA 85; Fisk, Gray & "
    "McCartor (1996) BSSA 86: distance-corrected multi-band P/S ratios"
)


def phase_windows(distance_km: float) -> dict[str, tuple[float, float]]:
    """Window start and end [s after origin] of each phase and of the P/S windows."""
    out: dict[str, tuple[float, float]] = {}
    for phase, (fast, slow) in GROUP_VELOCITIES.items():
        t0, t1 = distance_km / fast, distance_km / slow
        out[phase] = (t0, max(t1, t0 + _MIN_WINDOW_S))
    tp = distance_km / (8.1 if distance_km > 170.0 else 6.2)
    ts = distance_km / (4.7 if distance_km > 200.0 else 3.6)
    out["P"] = (tp - 1.0, min(tp - 1.0 + _PS_WINDOW_S, ts - 1.0))
    out["S"] = (ts - 1.0, ts - 1.0 + _PS_WINDOW_S)
    return out


@lru_cache(maxsize=256)
def _bandpass(fs: float, band: tuple[float, float]) -> tuple[FloatArray, FloatArray, int] | None:
    """The 4-pole Butterworth band-pass of ``band`` at ``fs`` as second-order sections,
    their steady-state initial conditions (:func:`scipy.signal.sosfilt_zi`) and the padding
    of :func:`scipy.signal.sosfiltfilt`; None when the band is empty at this rate.

    Designing the filter and its initial state took more time than filtering the few
    minutes a station's ratios use; both depend only on the band and the rate. The arrays
    are shared: never modify them.
    """
    nyq = 0.5 * fs
    lo, hi = band[0] / nyq, min(band[1] / nyq, 0.95)
    if not 0 < lo < hi:
        return None
    sos = signal.butter(4, [lo, hi], btype="bandpass", output="sos")
    # sosfiltfilt's default padding: 3 taps per section pole pair, less the poles and
    # zeros at the origin.
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    zi = signal.sosfilt_zi(sos)
    return sos, zi, 3 * ntaps


def band_rms(x: FloatArray, fs: float, band: tuple[float, float]) -> FloatArray:
    """The band-passed trace (4-pole zero-phase Butterworth); NaN-free input required.

    The same samples as ``sosfiltfilt(butter(4, band, "bandpass", output="sos"), x)``
    (the steps of :func:`scipy.signal.sosfiltfilt` with the filter designed once per band
    and rate, :func:`_bandpass`).
    """
    design = _bandpass(float(fs), (float(band[0]), float(band[1])))
    if design is None:
        return np.full_like(x, np.nan)
    sos, zi, edge = design
    x = np.asarray(x, dtype=np.float64)
    if len(x) <= edge:
        out: FloatArray = signal.sosfiltfilt(sos, x)  # raises scipy's error for short input
        return out
    ext = odd_ext(x, edge)
    y, _ = signal.sosfilt(sos, ext, zi=zi * ext[:1])
    y, _ = signal.sosfilt(sos, y[::-1], zi=zi * y[-1:])
    out = y[::-1][edge:-edge]
    return out


def _rms(y: FloatArray, fs: float, t0: float, t1: float) -> float:
    i0, i1 = max(round(t0 * fs), 0), min(round(t1 * fs), len(y))
    if i1 - i0 < int(_MIN_WINDOW_S * fs * 0.5):
        return math.nan
    return float(np.sqrt(np.mean(y[i0:i1] ** 2)))


def log_ratios(
    p_window: npt.ArrayLike,
    s_window: npt.ArrayLike,
    fs: float,
    bands_hz: Sequence[tuple[float, float]],
) -> FloatArray:
    """log10(RMS P / RMS S) per band of two cut windows (5 % cosine taper, then filtered).

    The form for data given as aligned windows (e.g. Shumway & Stoffer's ``eqexp``).
    """
    out = np.full(len(bands_hz), np.nan)
    p = np.asarray(p_window, dtype=np.float64)
    s = np.asarray(s_window, dtype=np.float64)
    tp = signal.windows.tukey(len(p), 0.1)
    ts = signal.windows.tukey(len(s), 0.1)
    for i, band in enumerate(bands_hz):
        fp = band_rms((p - p.mean()) * tp, fs, band)
        fsig = band_rms((s - s.mean()) * ts, fs, band)
        a, b = float(np.sqrt(np.mean(fp**2))), float(np.sqrt(np.mean(fsig**2)))
        if a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b):
            out[i] = math.log10(a / b)
    return out


def measure_station(
    trace: Trace,
    origin_time: UTCDateTime,
    distance_km: float,
    config: RegionalConfig,
) -> list[StationValue]:
    """All configured ratios in all bands at one station (bands failing SNR left out)."""
    fs = float(trace.stats.sampling_rate)
    x = np.asarray(trace.data, dtype=np.float64)
    if len(x) < 10 or not np.all(np.isfinite(x)):
        return []
    raw = x
    x = signal.detrend(x)
    offset = float(trace.stats.starttime - origin_time)  # trace start [s after origin]
    win = {k: (a - offset, b - offset) for k, (a, b) in phase_windows(distance_km).items()}
    duration = len(x) / fs
    noise_end = win["P"][0] - 2.0
    if noise_end < 5.0 or win["S"][1] > duration:
        return []
    name = f"{trace.stats.network}.{trace.stats.station}"
    # Filter only the span the windows use, with room for the zero-phase filter's edges
    # (ten periods of the lowest band edge, at least 20 s): the ratios are the same.
    used = {"S"} | {k for ratio in config.ratios for k in ratio.split("/")}
    lowest = min((b[0] for b in config.bands_hz if b[0] > 0), default=1.0)
    pad = max(20.0, 10.0 / lowest)
    i0 = max(round((noise_end - 60.0 - pad) * fs), 0)
    i1 = min(round((max(win[k][1] for k in used) + pad) * fs), len(x))
    x = x[i0:i1]
    shift = i0 / fs
    win = {k: (a - shift, b - shift) for k, (a, b) in win.items()}
    noise_end -= shift
    flat = _flat_windows(raw[i0:i1], fs, {"noise": (noise_end - 60.0, noise_end)} | win, used)
    if flat:
        # A dead channel (constant counts): its filtered "signal" is rounding error, and
        # ratios of rounding errors are any number (log10 P/S of +8 were seen).
        log.info(
            "regional P/S: %s: %s window(s) flat (constant counts), station not measured",
            trace.id,
            "/".join(flat),
        )
        return []
    values: list[StationValue] = []
    for band in config.bands_hz:
        if band[1] >= 0.5 * fs:
            continue
        y = band_rms(x, fs, band)
        noise = _rms(y, fs, max(noise_end - 60.0, 0.0), noise_end)
        if not math.isfinite(noise) or noise <= 0:
            continue
        for ratio in config.ratios:
            num, den = ratio.split("/")
            a = _rms(y, fs, *win[num])
            b = _rms(y, fs, *win[den])
            snr = min(a, b) / noise
            if not (math.isfinite(snr) and snr >= config.min_snr):
                continue
            # Noise adds in power: remove it, or low-SNR ratios are pulled towards 0.
            a = math.sqrt(a * a - noise * noise)
            b = math.sqrt(b * b - noise * noise)
            values.append(
                StationValue(
                    station=name,
                    ratio=ratio,
                    freq_min_hz=band[0],
                    freq_max_hz=band[1],
                    distance_km=distance_km,
                    log10_ratio=math.log10(a / b),
                    snr=snr,
                )
            )
    return values


def _flat_windows(
    x: FloatArray, fs: float, windows: dict[str, tuple[float, float]], used: set[str]
) -> list[str]:
    """The noise window and the used phase windows in which the raw counts never change."""
    out = []
    for name, (t0, t1) in windows.items():
        if name != "noise" and name not in used:
            continue
        seg = x[max(round(t0 * fs), 0) : max(round(t1 * fs), 0)]
        if seg.size and float(np.ptp(seg)) == 0.0:
            out.append(name)
    return out


@dataclass(frozen=True, slots=True)
class StationScore:
    """One station's scores against the populations (see the module docstring)."""

    station: str
    u: float
    d2: float
    n_bands: int
    u_explosion: float
    explosion_like: bool
    calibrated: bool
    mean_residual: float = math.nan
    variance: float = math.nan
    explosion_mean: float = math.nan


def score_station(
    values: Sequence[StationValue], calibration: RatioCalibration
) -> tuple[StationScore, list[StationValue]] | None:
    """Score one station's values of one ratio; returns the values with residuals set."""
    idx, obs = [], []
    for v in values:
        i = calibration.band_index((v.freq_min_hz, v.freq_max_hz))
        if i is not None and v.ratio == calibration.ratio:
            idx.append(i)
            obs.append(v)
    if not obs:
        return None
    mean = calibration.predict(obs[0].distance_km)[idx]
    cov = calibration.cov[np.ix_(idx, idx)]
    r = np.array([v.log10_ratio for v in obs]) - mean
    inv = np.linalg.inv(cov)
    one = np.ones(len(idx))
    precision = float(one @ inv @ one)
    norm = math.sqrt(precision)
    u = float(one @ inv @ r) / norm
    d2 = float(r @ inv @ r)
    sd = np.sqrt(np.diag(cov))
    if calibration.explosion_offset is not None:
        delta = np.asarray(calibration.explosion_offset)[idx]
        ux = float(one @ inv @ (r - delta)) / norm
        explosion_mean = float(one @ inv @ delta) / precision
        explosion_like = u > explosion_mean * norm / 2.0
    else:
        ux = math.nan
        explosion_mean = math.nan
        explosion_like = u > stats.norm.isf(0.05)
    tag = "station" if not calibration.generic else "generic"
    scored = [
        StationValue(
            station=v.station,
            ratio=v.ratio,
            freq_min_hz=v.freq_min_hz,
            freq_max_hz=v.freq_max_hz,
            distance_km=v.distance_km,
            log10_ratio=v.log10_ratio,
            corrected=float(r[k]),
            z=float(r[k] / sd[k]),
            snr=v.snr,
            calibration=tag,
        )
        for k, v in enumerate(obs)
    ]
    score = StationScore(
        station=obs[0].station,
        u=u,
        d2=d2,
        n_bands=len(idx),
        u_explosion=ux,
        explosion_like=explosion_like,
        calibrated=not calibration.generic,
        mean_residual=u / norm,
        variance=1.0 / precision,
        explosion_mean=explosion_mean,
    )
    return score, scored


@dataclass(frozen=True, slots=True)
class NetworkScore:
    """Stations combined: ``U`` and its one-sided p-value, ``sum D2`` and its p-value."""

    n_stations: int
    u: float
    p_earthquake: float
    d2: float
    dof: int
    p_d2: float
    u_explosion: float
    n_explosion_like: int
    n_calibrated: int


def combine_stations(scores: Sequence[StationScore], bias_sigma: float = 0.0) -> NetworkScore:
    """Combine station scores into the network statistic.

    The network residual is the precision-weighted mean ``M`` of the stations' GLS mean
    residuals; its variance is that of independent stations plus ``bias_sigma**2``, an error
    all stations share (e.g. the offset of a generic calibration's population from the
    region's). ``U = M / sd`` (and ``U_x = (M - D) / sd`` against the explosion mean ``D``);
    with ``bias_sigma = 0`` and equal station variances ``U = sum(u) / sqrt(n)``.
    """
    n = len(scores)
    w = np.array([1.0 / s.variance for s in scores])
    m = np.array([s.mean_residual for s in scores])
    mean = float(np.sum(w * m) / np.sum(w))
    sd = math.sqrt(1.0 / float(np.sum(w)) + bias_sigma**2)
    u = mean / sd
    d2 = sum(s.d2 for s in scores)
    dof = sum(s.n_bands for s in scores)
    has_x = np.array([math.isfinite(s.explosion_mean) for s in scores])
    ux = math.nan
    if has_x.any():
        dx = np.array([s.explosion_mean for s in scores])[has_x]
        ux = (mean - float(np.sum(w[has_x] * dx) / np.sum(w[has_x]))) / sd
    return NetworkScore(
        n_stations=n,
        u=u,
        p_earthquake=float(stats.norm.sf(u)),
        d2=d2,
        dof=dof,
        p_d2=float(stats.chi2.sf(d2, dof)),
        u_explosion=ux,
        n_explosion_like=sum(1 for s in scores if s.explosion_like),
        n_calibrated=sum(1 for s in scores if s.calibrated),
    )


def _station_coordinates(
    tr: Trace, network: MonitoringNetwork | None
) -> tuple[float, float] | None:
    if network is not None:
        st = network.find_station(tr.stats.station, tr.stats.network)
        if st is not None:
            return st.latitude, st.longitude
    sac = tr.stats.get("sac")
    if sac is not None and "stla" in sac and "stlo" in sac:
        return float(sac.stla), float(sac.stlo)
    return None


def measure_network(
    stream: Stream,
    latitude: float,
    longitude: float,
    origin_time: UTCDateTime,
    network: MonitoringNetwork | None,
    config: RegionalConfig,
) -> list[StationValue]:
    """Ratios at every station of the stream with a vertical trace at regional distance.

    A station with several vertical segments (gaps) or location codes is measured on the
    first segment that covers the noise, P and S windows.
    """
    values: list[StationValue] = []
    done: set[tuple[str, str]] = set()
    groups: dict[str, str] = {}  # station name -> array name for array elements
    for tr in stream:
        key = (tr.stats.network, tr.stats.station)
        if key in done or tr.stats.channel[-1:] != "Z" or np.ma.is_masked(tr.data):
            continue
        coords = _station_coordinates(tr, network)
        if coords is None:
            continue
        dist, _, _ = distance_azimuth(latitude, longitude, coords[0], coords[1])
        dkm = float(dist) * _KM_PER_DEG
        if not config.min_distance_km <= dkm <= config.max_distance_km:
            done.add(key)
            continue
        measured = measure_station(tr, origin_time, dkm, config)
        if not measured:
            continue
        done.add(key)
        if network is not None and (arr := network.array_of(tr.stats.station)) is not None:
            groups[f"{tr.stats.network}.{tr.stats.station}"] = f"{arr.network}.{arr.code}"
        values.extend(measured)
    return _array_means(values, groups)


def _array_means(values: list[StationValue], groups: dict[str, str]) -> list[StationValue]:
    """One value per array: the mean log10 ratio of its elements per ratio and band.

    The elements of an array see the same path; counting them as independent stations
    would multiply one measurement's weight by the number of elements.
    """
    out = [v for v in values if v.station not in groups]
    pooled: dict[tuple[str, str, float, float], list[StationValue]] = {}
    for v in values:
        if v.station in groups:
            key = (groups[v.station], v.ratio, v.freq_min_hz, v.freq_max_hz)
            pooled.setdefault(key, []).append(v)
    for (name, ratio, f0, f1), vs in pooled.items():
        out.append(
            StationValue(
                station=name,
                ratio=ratio,
                freq_min_hz=f0,
                freq_max_hz=f1,
                distance_km=float(np.mean([v.distance_km for v in vs])),
                log10_ratio=float(np.mean([v.log10_ratio for v in vs])),
                snr=float(np.median([v.snr for v in vs])),
            )
        )
    return out


def regional_criterion(
    values: Sequence[StationValue],
    calibration: Calibration,
    config: RegionalConfig,
    depth_km: float = 0.0,
) -> CriterionEvidence:
    """Score the measured ratios against the calibrated populations and decide."""
    name = "regional P/S"
    if depth_km > config.max_depth_km:
        return CriterionEvidence(
            name=name,
            indicates="not applicable",
            source=SOURCE_REGIONAL,
            detail=f"depth {depth_km:.0f} km > {config.max_depth_km:.0f} km: the populations "
            "are of crustal events",
            station_values=tuple(values),
        )
    if not values:
        return CriterionEvidence(
            name=name,
            indicates="not applicable",
            source=SOURCE_REGIONAL,
            detail="no regional station with P and S above noise",
        )
    scores: list[StationScore] = []
    shown: list[StationValue] = []
    by_station: dict[str, list[StationValue]] = {}
    for v in values:
        by_station.setdefault(v.station, []).append(v)
    for station, vals in by_station.items():
        best: tuple[StationScore, list[StationValue]] | None = None
        # The first configured ratio with a calibration at this station scores it.
        for ratio in config.ratios:
            cal = calibration.find(station, ratio)
            if cal is None:
                continue
            best = score_station([v for v in vals if v.ratio == ratio], cal)
            if best is not None:
                break
        if best is not None:
            scores.append(best[0])
            scored_keys = {(v.ratio, v.freq_min_hz, v.freq_max_hz) for v in best[1]}
            shown.extend(best[1])
            shown.extend(
                v for v in vals if (v.ratio, v.freq_min_hz, v.freq_max_hz) not in scored_keys
            )
        else:
            shown.extend(vals)
    if not scores:
        return CriterionEvidence(
            name=name,
            indicates="not applicable",
            source=SOURCE_REGIONAL,
            detail=f"{len(by_station)} stations measured, none calibrated",
            station_values=tuple(shown),
        )
    generic = any(not s.calibrated for s in scores)
    net = combine_stations(scores, config.generic_bias_sigma if generic else 0.0)
    explosion_consistent = not math.isfinite(net.u_explosion) or net.u_explosion >= -config.screen_z
    if net.p_earthquake < config.alpha_explosion and explosion_consistent:
        indicates = "explosion"
    elif (
        math.isfinite(net.u_explosion)
        and net.u_explosion < -config.screen_z
        and net.p_earthquake >= 0.05
    ):
        indicates = "natural"
    else:
        indicates = "inconclusive"
    decided = indicates == "natural" and net.n_calibrated >= config.min_stations_screen
    detail = (
        f"{net.n_explosion_like}/{net.n_stations} stations explosion-like, U {net.u:+.2f} "
        f"(p_eq {net.p_earthquake:.2g}), D2 {net.d2:.1f}/{net.dof} (p {net.p_d2:.2g})"
        + (f", U_x {net.u_explosion:+.2f}" if math.isfinite(net.u_explosion) else "")
        + ("" if net.n_calibrated else ", generic calibration")
    )
    return CriterionEvidence(
        name=name,
        indicates=indicates,  # type: ignore[arg-type]
        value=net.u,
        threshold=float(stats.norm.isf(config.alpha_explosion)),
        uncertainty=1.0,
        unit="standard normal score",
        decided=decided,
        p_value=net.p_earthquake,
        source=SOURCE_REGIONAL,
        detail=detail,
        station_values=tuple(shown),
    )
