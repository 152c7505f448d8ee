"""Array detector: beams on a fixed set of steering directions, STA/LTA, f-k at each onset.

Recipe (per array, per call):

1. Gather the vertical traces (any channel for infrasound) of the elements of the configured
   beam group; one channel code is used for the whole array (the most common, then the
   highest rate). Elements missing, flat, or much quieter than the rest (dead) are dropped
   with a log line; fewer than ``config.array.min_elements`` left → no detections.
2. Band-pass every element in each detection band (causal Butterworth, for the triggers),
   form the beams of :func:`beam_set` (delay-and-sum) and run recursive STA/LTA and the
   trigger logic on each beam, fused in one kernel
   (:func:`~openndc.detection.array.kernels.beam_triggers`: the beams are never written out).
3. Triggers of all beams and bands within ``merge_window`` of the first one are one arrival;
   the one with the highest STA/LTA is kept (its beam and band); arrivals within
   ``dead_time`` of a kept one are dropped.
4. Onset: AIC (Maeda 1985) on the best beam in its band, ``[trigger - onset.before, trigger
   + onset.after]``. F-k on ``[onset - fk_lead, onset - fk_lead + fk_window]`` of the
   elements band-passed (zero-phase, the whole segment) in ``fk_freq_min``-``fk_freq_max``
   (infrasound: the detecting band), with each element's window pre-shifted by the best
   beam's (whole-sample) delays — the shifts are undone exactly in phase, so the grid is
   absolute and large arrays keep the signal in every element's window. The peak is tested
   against the noise just before the window (:data:`FK_NOISE_WINDOWS`,
   :func:`openndc.detection.array.fk.with_noise`).
5. Amplitude: half peak-to-peak and period on the f-k beam band-passed in the mb band
   (0.8-4.5 Hz) within ``amplitude.mb_window`` after the onset; in nm when every element's
   sensitivity is given (velocity sensors), else counts.

Beam set (:func:`beam_set`), in the spirit of IDC beam recipes: seismic arrays get a vertical
beam plus rings of azimuthal beams at 0.045 and 0.075 s/km (teleseismic P, ~5 and ~8.3
s/deg), 0.125 s/km (Pn, ~13.9 s/deg) and 0.18 s/km (Pg/Sn, ~20 s/deg); infrasound arrays
one ring at 1/0.34 s/km (sound at 340 m/s). The number of azimuths on a ring keeps the
delay error across the aperture ``D`` below a quarter period at ``f_ref`` (2 Hz seismic,
1 Hz infrasound): ``n = ceil(4 pi f_ref s D)``, clipped to 6-24 (:data:`MAX_RING_AZIMUTHS`;
beyond 24, large arrays such as KURK, ~20 km, only buy more beams in a band — hf — that is
incoherent across them anyway). Every band uses the same beam set: the hf band (4-10 Hz) is
incoherent across large apertures, but its beams still detect (with less than full array
gain) local arrivals, and after decimation it is the only band beamed at the full rate.

Speed: in each band the band-passed element data are decimated to ``fs / q`` with
``q = max(1, floor(fs / (2.5 freq_max)))`` (:func:`decimation_factor`; at 40 Hz: tele 8,
mb 3, reg 2, hf 1) before beams and STA/LTA; trigger samples are mapped back by ``* q``
(within ``q / fs`` s of the full-rate trigger), and the onset is re-picked on full-rate data.
The fused beam + STA/LTA + trigger kernel runs serially (the batch runner already keeps every
core busy with worker processes) over groups of beams and blocks of samples, so a group's
beams stay in cache and their STA/LTA recursions vectorize across beams.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from openndc.detection.amplitude import counts_to_nm, half_peak_to_peak
from openndc.detection.array.fk import FKResult, fk_analysis, with_noise
from openndc.detection.array.kernels import (
    DEG_KM,
    beam,
    beam_triggers,
    plane_wave_delays,
)
from openndc.detection.config import BandConfig, DetectionConfig
from openndc.detection.filters import causal_bandpass, zerophase_bandpass
from openndc.detection.onset import aic_cf, backsearch_onset, refine_onset
from openndc.detection.station import _warm_samples
from openndc.model.detection import Detection
from openndc.model.inventory import Array, ChannelInfo

__all__ = [
    "ARRAY_WARMUP_LTAS",
    "INFRASOUND_BANDS",
    "MAX_RING_AZIMUTHS",
    "ArrayData",
    "SteeringBeam",
    "array_warmup_seconds",
    "beam_set",
    "decimation_factor",
    "detect_array",
    "gather_array_data",
]

log = logging.getLogger(__name__)

SEISMIC_RING_SLOWNESSES = (0.045, 0.075, 0.125, 0.18)
"""Slownesses [s/km] of the seismic azimuthal beam rings (tele P, tele P, Pn, Pg/Sn)."""
INFRASOUND_RING_SLOWNESSES = (1.0 / 0.34,)
"""Slowness [s/km] of the infrasound beam ring (340 m/s)."""
INFRASOUND_BANDS = (BandConfig("infra", 0.5, 5.0, 3, 5.0, 60.0, 3.0, 1.5),)
"""Detection band(s) for infrasound arrays (``config.bands`` are seismic)."""

MAX_RING_AZIMUTHS = 24
"""Most azimuthal beams on one ring (large arrays hit it: the delay error there exceeds a
quarter period at ``f_ref``; the f-k measurement at each arrival corrects the direction)."""

ARRAY_WARMUP_LTAS = 6.0
"""Data an array's beams need before a trigger, in LTA windows of its longest band. The warm
recursive LTA starts as the mean of its first LTA window, then forgets it as
``exp(-(t - lta) / lta)``: after 6 LTA windows the start weighs exp(-5) = 0.7 %, so the
STA/LTA no longer depends on where the data began (a batch window's warm-up, or the start
of a live stream)."""

_DEAD_RATIO = 1e-3  # an element this much quieter (rms) than the median is dead

FK_NOISE_WINDOWS = 3
"""F-k windows of noise just before the f-k window (same length, band and pre-shifts) that
the f-k peak is tested against (:func:`openndc.detection.array.fk.with_noise`: a peak below
``NOISE_BEAM_RATIO`` times the strongest beam they hold gets the whole grid as uncertainty)."""


class _Outages:
    """Array elements (or arrays) out of use, so that an outage is reported once.

    The detector runs on window after window (every block of a live run): an element that
    is down stays down for many windows. Its problem is logged at WARNING when the outage
    begins, at DEBUG while it lasts, and at INFO when the element is back in use (for
    :attr:`BACK_AFTER` windows in a row).
    Process-wide (like Python's warnings registry); thread-safe.
    """

    #: Windows in a row an element must be in use before its outage is over (an element
    #: whose records come late drops in and out at the live edge: one outage).
    BACK_AFTER = 5

    def __init__(self) -> None:
        self._out: dict[tuple[str, str], int] = {}  # -> windows in use since
        self._lock = threading.Lock()

    def down(self, array: str, element: str, message: str) -> None:
        with self._lock:
            new = (array, element) not in self._out
            self._out[(array, element)] = 0
        (log.warning if new else log.debug)("array %s: %s", array, message)

    def up(self, array: str, elements: tuple[str, ...] | list[str]) -> None:
        back = []
        with self._lock:
            for e in elements:
                key = (array, e)
                if key in self._out:
                    self._out[key] += 1
                    if self._out[key] >= self.BACK_AFTER:
                        del self._out[key]
                        back.append(e)
        for e in back:
            log.info("array %s: %s back in use", array, f"element {e}" if e else "beams")


_OUTAGES = _Outages()


@dataclass(frozen=True, slots=True)
class SteeringBeam:
    """One steering direction: back-azimuth [deg], slowness [s/km]."""

    name: str
    backazimuth_deg: float
    slowness_s_per_km: float


@dataclass(frozen=True)
class ArrayData:
    """Aligned element data of one array: ``data`` ``(n_el, n_samp)`` from ``starttime``."""

    data: np.ndarray
    fs: float
    starttime: UTCDateTime
    codes: tuple[str, ...]
    channel: str
    location: str
    offsets_km: np.ndarray


def beam_set(kind: str, aperture_km: float, slowness_max: float) -> list[SteeringBeam]:
    """The steering directions of an array (see the module doc); slownesses <= max."""
    rings: tuple[float, ...]
    out: list[SteeringBeam] = []
    if kind == "infrasound":
        rings, f_ref = INFRASOUND_RING_SLOWNESSES, 1.0
    else:
        rings, f_ref = SEISMIC_RING_SLOWNESSES, 2.0
        out.append(SteeringBeam("vertical", 0.0, 0.0))
    for s in rings:
        if s > slowness_max + 1e-9:
            continue
        n_az = math.ceil(4.0 * math.pi * f_ref * s * aperture_km)
        n_az = int(np.clip(n_az, 6, MAX_RING_AZIMUTHS))
        for k in range(n_az):
            baz = 360.0 * k / n_az
            out.append(SteeringBeam(f"s{s * DEG_KM:.1f}-b{baz:.0f}", baz, s))
    return out


def array_warmup_seconds(config: DetectionConfig) -> float:
    """Data needed before a window's start so that array detections at its start do not
    depend on it [s]: :data:`ARRAY_WARMUP_LTAS` LTA windows of the longest array band
    (seismic or infrasound) plus the onset search before a trigger and 10 s of filter
    settling (as the station detector's warm-up)."""
    longest = max((b.lta for b in (*config.bands, *INFRASOUND_BANDS)), default=0.0)
    return ARRAY_WARMUP_LTAS * longest + config.onset.before + 10.0


# --------------------------------------------------------------------------------------
# data gathering
# --------------------------------------------------------------------------------------


def _element_codes(array: Array, config: DetectionConfig) -> tuple[str, ...]:
    group = config.array.beam_group
    if group == "all" or group not in array.beam_groups:
        return array.element_codes
    return tuple(e.station for e in array.group(group))


def gather_array_data(stream: Stream, array: Array, config: DetectionConfig) -> ArrayData | None:
    """Select, merge, check and align the element traces; ``None`` if too few are usable."""
    codes = set(_element_codes(array, config))
    comps = config.components
    traces = [
        tr
        for tr in stream
        if tr.stats.station in codes and (array.kind != "seismic" or tr.stats.channel[-1:] in comps)
    ]
    if not traces:
        log.info("array %s: no element traces in the stream", array.code)
        return None
    keys = {_key(t) for t in traces}
    count = {k: len({t.stats.station for t in traces if _key(t) == k}) for k in keys}
    channel, location, fs = max(count, key=lambda k: (count[k], k[2], k[0], k[1]))
    chosen: dict[str, np.ndarray] = {}
    starts: dict[str, UTCDateTime] = {}
    for code in sorted(codes):
        sel = Stream(
            [t for t in traces if t.stats.station == code and _key(t) == (channel, location, fs)]
        )
        if not len(sel):
            # an element recorded on another channel (a 3-C station among the elements) is a
            # configuration; an element without any data is a problem worth a warning
            other = any(t.stats.station == code for t in traces)
            if other:
                log.debug("array %s: element %s has no %s data: dropped", array.code, code, channel)
            else:
                _OUTAGES.down(array.code, code, f"element {code} has no {channel} data: dropped")
            continue
        if len(sel) == 1:  # the usual case: no copy of the trace, no merge
            chosen[code] = np.nan_to_num(np.array(sel[0].data, dtype=np.float64))
            starts[code] = sel[0].stats.starttime
            continue
        sel = sel.copy()
        for t in sel:
            t.data = np.nan_to_num(np.asarray(t.data, dtype=np.float64))
        sel.merge(method=1, fill_value=0)
        chosen[code] = sel[0].data
        starts[code] = sel[0].stats.starttime
    chosen, starts = _drop_dead(array.code, chosen, starts)
    if len(chosen) < config.array.min_elements:
        _OUTAGES.down(
            array.code,
            "",
            f"{len(chosen)} live elements, fewer than min_elements="
            f"{config.array.min_elements}: no beams",
        )
        return None
    _OUTAGES.up(array.code, [""])
    return _align(array, chosen, starts, fs, channel, location, config.array.min_elements)


def _key(t: Trace) -> tuple[str, str, float]:
    return (t.stats.channel, t.stats.location, float(t.stats.sampling_rate))


def _drop_dead(
    array_code: str, chosen: dict[str, np.ndarray], starts: dict[str, UTCDateTime]
) -> tuple[dict[str, np.ndarray], dict[str, UTCDateTime]]:
    rms = {c: float(np.std(d)) if d.size > 1 else 0.0 for c, d in chosen.items()}
    live = [r for r in rms.values() if r > 0]
    med = float(np.median(live)) if live else 0.0
    keep = {}
    for c, d in chosen.items():
        if rms[c] <= 0 or rms[c] < _DEAD_RATIO * med:
            why = f"element {c} is dead (rms {rms[c]:.3g} vs median {med:.3g}): dropped"
            _OUTAGES.down(array_code, c, why)
            continue
        keep[c] = d
    return keep, {c: starts[c] for c in keep}


def _align(
    array: Array,
    chosen: dict[str, np.ndarray],
    starts: dict[str, UTCDateTime],
    fs: float,
    channel: str,
    location: str,
    min_elements: int,
) -> ArrayData | None:
    ends = {c: starts[c] + (len(d) - 1) / fs for c, d in chosen.items()}
    med_len = float(np.median([e - starts[c] for c, e in ends.items()]))
    t0m = float(np.median([float(s) for s in starts.values()]))
    t1m = float(np.median([float(e) for e in ends.values()]))
    tol = max(0.02 * med_len, 2.0 / fs)
    codes = [c for c in chosen if float(starts[c]) <= t0m + tol and float(ends[c]) >= t1m - tol]
    for c in sorted(set(chosen) - set(codes)):
        # a gap in that element's data (the archive reports it as a data problem); at the
        # live edge an element whose records came late: reported once per outage
        _OUTAGES.down(array.code, c, f"element {c} covers too little of the window: dropped")
    _OUTAGES.up(array.code, codes)
    if len(codes) < min_elements:
        return None
    t0 = max(starts[c] for c in codes)
    t1 = min(ends[c] for c in codes)
    n = round((t1 - t0) * fs) + 1
    if n < 8:
        return None
    data = np.empty((len(codes), n))
    for i, c in enumerate(codes):
        k = round((t0 - starts[c]) * fs)
        seg = chosen[c][k : k + n]
        data[i, : len(seg)] = seg - seg.mean()
        data[i, len(seg) :] = 0.0
    order = [e.station for e in array.elements if e.station in codes]
    idx = [codes.index(c) for c in order]
    return ArrayData(
        data=data[idx],
        fs=fs,
        starttime=t0,
        codes=tuple(order),
        channel=channel,
        location=location,
        offsets_km=array.offsets_km(tuple(order)),
    )


# --------------------------------------------------------------------------------------
# detection
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Trigger:
    index: int  # sample of the trigger on
    band: int
    beam: int
    snr: float


def _bandpass(data: np.ndarray, fs: float, band: BandConfig) -> np.ndarray | None:
    fmax = min(band.freq_max, 0.45 * fs)
    if band.freq_min >= fmax:
        return None
    return zerophase_bandpass(data, fs, band.freq_min, fmax, band.corners)


def decimation_factor(fs: float, freq_max: float) -> int:
    """Decimation factor of band-limited data for triggering: ``max(1, floor(fs / (2.5
    freq_max)))`` (at least 2.5 samples per period of the band's upper corner [Hz])."""
    return max(1, math.floor(fs / (2.5 * min(freq_max, 0.45 * fs))))


TELE_SLOWNESS_MAX = 0.1
"""Rings steered slower than this [s/km] (~11 s/deg) are teleseismic."""
HF_BAND_MIN = 3.0
"""Bands whose lower corner [Hz] is at least this skip the teleseismic rings: teleseismic P
keeps little energy above 3-4 Hz (t* ~ 1 s), so those beams would only find noise."""


def _band_beams(band: BandConfig, steer: list[SteeringBeam]) -> np.ndarray:
    """Indices of the steering beams formed in ``band`` (see :data:`HF_BAND_MIN`)."""
    if band.freq_min < HF_BAND_MIN:
        return np.arange(len(steer))
    return np.array(
        [
            i
            for i, b in enumerate(steer)
            if b.slowness_s_per_km == 0.0 or b.slowness_s_per_km >= TELE_SLOWNESS_MAX
        ],
        dtype=np.int64,
    )


@dataclass(frozen=True)
class _BandPlan:
    """How one band's beams are triggered on (shared by batch and streaming)."""

    ib: int
    band: BandConfig
    fmax: float  # upper corner used [Hz] (below 0.45 fs)
    index: np.ndarray  # steering beams formed in this band
    delays: np.ndarray  # (n_beams, n_el) [s]
    q: int  # decimation factor
    fsq: float
    nsta: int
    nlta: int
    nwarm: int


def _band_plans(
    fs: float, bands: tuple[BandConfig, ...], steer: list[SteeringBeam], delays: np.ndarray,
    config: DetectionConfig,
) -> list[_BandPlan]:  # fmt: skip
    out = []
    for ib, band in enumerate(bands):
        fmax = min(band.freq_max, 0.45 * fs)
        if band.freq_min >= fmax:
            continue
        index = _band_beams(band, steer)
        q = decimation_factor(fs, band.freq_max)
        fsq = fs / q
        nsta = round(band.sta * fsq)
        nlta = max(nsta + 1, round(band.lta * fsq))  # as station.py: sta < lta after rounding
        if nsta < 1:
            continue
        nwarm = _warm_samples(band, fsq, config.warmup)
        out.append(_BandPlan(ib, band, fmax, index, delays[index], q, fsq, nsta, nlta, nwarm))
    return out


def _find_triggers(
    ad: ArrayData,
    bands: tuple[BandConfig, ...],
    steer: list[SteeringBeam],
    delays: np.ndarray,
    config: DetectionConfig,
) -> list[_Trigger]:
    out: list[_Trigger] = []
    n_samp = ad.data.shape[1]
    for plan in _band_plans(ad.fs, bands, steer, delays, config):
        if plan.nlta * plan.q >= n_samp:
            continue
        # Triggers only need to find the arrival (``_measure`` re-picks the onset on full-rate,
        # zero-phase data), so one causal pass is enough here: half the filtering cost. The
        # filter starts in the steady state of the first sample (elements may carry a large
        # offset: from a zero state it would ring for minutes), the STA/LTA from the noise
        # there is (warm, as the single-station detector's): the result does not depend on
        # the elements' offsets nor, after the warm-up, on where the window begins.
        filt = causal_bandpass(
            ad.data, ad.fs, plan.band.freq_min, plan.fmax, plan.band.corners, steady=True
        )
        # the band-limited data, decimated (every q-th sample): beams and STA/LTA at fs / q
        filt = np.ascontiguousarray(filt[:, :: plan.q])
        # beams, STA/LTA and triggers in one pass per beam (the beams are never written out)
        trig = beam_triggers(
            filt, plan.fsq, plan.delays, plan.nsta, plan.nlta, plan.band.threshold_on,
            plan.band.threshold_off, nwarm=plan.nwarm,
        )  # fmt: skip
        out += _triggers_of(trig, plan, config)
    return out


def _triggers_of(rows: np.ndarray, plan: _BandPlan, config: DetectionConfig) -> list[_Trigger]:
    """Kernel rows ``(beam, on, off, peak)`` (decimated samples) as triggers at full rate."""
    return [
        _Trigger(int(i0) * plan.q, plan.ib, int(plan.index[int(b)]), float(snr))
        for b, i0, i1, snr in rows
        if (i1 - i0) / plan.fsq >= config.min_duration
    ]


def _merge(triggers: list[_Trigger], fs: float, config: DetectionConfig) -> list[_Trigger]:
    kept: list[_Trigger] = []
    cluster: list[_Trigger] = []
    for t in sorted(triggers, key=lambda t: t.index):
        if cluster and (t.index - cluster[0].index) / fs > config.merge_window:
            kept.append(max(cluster, key=lambda t: t.snr))
            cluster = []
        cluster.append(t)
    if cluster:
        kept.append(max(cluster, key=lambda t: t.snr))
    out: list[_Trigger] = []
    for t in kept:
        if out and (t.index - out[-1].index) / fs < config.dead_time:
            continue
        out.append(t)
    return out


def detect_array(
    stream: Stream,
    array: Array,
    config: DetectionConfig,
    *,
    channels: Mapping[str, ChannelInfo] | None = None,
) -> list[Detection]:
    """Detect arrivals on an array's beams and measure them with f-k (see the module doc).

    ``stream`` holds the elements' traces (others are ignored); ``channels`` optionally maps
    element station codes to their :class:`ChannelInfo` for amplitudes in nm. Arrivals whose
    f-k F-statistic is below ``config.array.min_fstat`` (incoherent across the array) are
    dropped. Returns one
    :class:`Detection` per arrival (station = array code, method ``"beam"``, slowness
    [s/deg], back-azimuth [deg]); phase ``"I"`` for infrasound, else empty (left to phase
    identification).
    """
    ad = gather_array_data(stream, array, config)
    if ad is None:
        return []
    bands, steer, delays = _steering(array, ad.offsets_km, config)
    triggers = _merge(_find_triggers(ad, bands, steer, delays, config), ad.fs, config)
    log.debug(
        "array %s: %d elements, %d beams, %d bands: %d arrivals before the F test",
        array.code,
        len(ad.codes),
        len(steer),
        len(bands),
        len(triggers),
    )
    out: list[Detection] = []
    for trig in triggers:
        det = _measure(ad, array, trig, bands[trig.band], delays[trig.beam], config, channels)
        _accept(det, out, config)
    return out


def _aperture(xy: np.ndarray) -> float:
    d = xy[:, None, :] - xy[None, :, :]
    return float(np.sqrt((d**2).sum(-1)).max()) if len(xy) > 1 else 0.0


def _measure(
    ad: ArrayData,
    array: Array,
    trig: _Trigger,
    band: BandConfig,
    beam_delays: np.ndarray,
    config: DetectionConfig,
    channels: Mapping[str, ChannelInfo] | None,
) -> Detection | None:
    fs = ad.fs
    infra = array.kind == "infrasound"
    acfg = config.array
    before, after = _measure_extent(fs, beam_delays, config)
    s0 = max(0, trig.index - before)
    s1 = min(ad.data.shape[1], trig.index + after)
    seg = ad.data[:, s0:s1]
    # demeaned here: the measurement does not depend on the elements' offsets, nor on where
    # the window (batch) or the buffer (streaming) begins
    seg = seg - seg.mean(axis=1, keepdims=True)
    filt = _bandpass(seg, fs, band)
    if filt is None:
        return None
    itrig = trig.index - s0
    onset = _aic_onset(beam(filt, fs, beam_delays), fs, itrig, config)
    fkdata = filt if infra else _fk_band_data(seg, fs, band, config)
    if fkdata is None:
        return None
    fmin, fmax = (band.freq_min, band.freq_max) if infra else (acfg.fk_freq_min, acfg.fk_freq_max)
    fk = _fk_at(fkdata, fs, ad.offsets_km, onset, beam_delays, fmin, fmax, infra, config)
    if fk is None:
        return None
    cut_delays = beam_delays  # the delays the f-k windows were cut on
    # Second pass on the f-k beam: a mis-steered best beam (large arrays) shifts the onset by
    # up to max|delay difference|; re-pick on the f-k beam and redo f-k there.
    fk_delays = plane_wave_delays(ad.offsets_km, fk.backazimuth_deg, fk.slowness_s_per_km)
    widen = _max_abs(beam_delays - fk_delays)
    if widen > 0.5 / fs:
        onset2 = _aic_onset(beam(filt, fs, fk_delays), fs, itrig, config, widen)
        fk2 = _fk_at(fkdata, fs, ad.offsets_km, onset2, fk_delays, fmin, fmax, infra, config)
        if fk2 is not None and fk2.fstat >= fk.fstat:
            onset, fk, cut_delays = onset2, fk2, fk_delays
    if not fk.fstat >= acfg.min_fstat:
        # Incoherent across the array: dropped before the costlier onset and amplitude work.
        log.debug("array %s: arrival at sample %d dropped: F = %.2f", array.code, itrig, fk.fstat)
        return None
    fk = _fk_noise(fkdata, fs, ad.offsets_km, onset, cut_delays, fk, fmin, fmax, config)
    fk_delays = plane_wave_delays(ad.offsets_km, fk.backazimuth_deg, fk.slowness_s_per_km)
    onset = _sharpen_onset(seg, filt, fs, onset, fk_delays, band)
    onset = _backsearch_beam(seg, fs, onset, fk_delays, band, config)
    amp_band = (
        band
        if infra
        else BandConfig("mb", config.amplitude.mb_freq_min, config.amplitude.mb_freq_max, 3)
    )
    afilt = _bandpass(seg, fs, amp_band)
    amp, period = math.nan, math.nan
    if afilt is not None:
        fk_beam = beam(afilt, fs, fk_delays)
        amp, period, _ = half_peak_to_peak(
            fk_beam[onset : onset + int(config.amplitude.mb_window * fs)], fs
        )
    unit = "counts"
    if not infra and channels:
        # Elements of an array share one sensor type: the first element's response.
        info = next((channels[c] for c in ad.codes if c in channels), None)
        amp, unit = counts_to_nm(amp, period, info)
    t = ad.starttime + (s0 + onset) / fs
    fc = math.sqrt(band.freq_min * min(band.freq_max, 0.45 * fs))
    return Detection(
        network=array.network,
        station=array.code,
        location="",
        channel=ad.channel,
        time=t,
        time_uncertainty=max(0.5 / fc, 1.0 / fs) if config.onset.method != "none" else 1.0 / fc,
        phase="I" if infra else "",
        snr=trig.snr,
        amplitude=amp,
        amplitude_unit=unit,
        period=period,
        backazimuth=fk.backazimuth_deg,
        backazimuth_uncertainty=fk.backazimuth_uncertainty_deg,
        slowness=fk.slowness_s_per_deg,
        slowness_uncertainty=fk.slowness_uncertainty_s_per_deg,
        fstat=fk.fstat,
        freq_min=band.freq_min,
        freq_max=band.freq_max,
        method="beam",
        id=f"{array.code}.{t.strftime('%Y%m%dT%H%M%S.%f')}",
        extra={
            "band": band.name,
            "relpower": fk.relpower,
            "noise_relpower": fk.noise_relpower,
            "n_elements": len(ad.codes),
            "elements": ad.codes,
            "trigger_time": ad.starttime + trig.index / fs,
            # the last sample the measurement read (when the arrival could be final)
            "data_end": ad.starttime + (s1 - 1) / fs,
        },
    )


def _measure_extent(fs: float, beam_delays: np.ndarray, config: DetectionConfig) -> tuple[int, int]:
    """Samples before and after its trigger that an arrival's measurement reads (the onset
    and f-k windows, the mb window, the beam's move-out and 30 s of filter padding)."""
    acfg = config.array
    margin = int(30.0 * fs)
    move = 2.0 * _max_abs(beam_delays)
    before = int((config.onset.before + acfg.fk_lead + move) * fs) + margin
    after = (
        int((max(config.amplitude.mb_window, acfg.fk_window) + config.onset.after) * fs)
        + int(move * fs)
        + margin
    )
    return before, after


def _accept(det: Detection | None, out: list[Detection], config: DetectionConfig) -> bool:
    """Whether a measured arrival is kept (appended to ``out``, or replacing its last one)."""
    if det is None:
        return False
    min_fstat = config.array.min_fstat
    if not det.fstat >= min_fstat:
        log.debug(
            "array %s: %s dropped: F = %.2f < %.2f", det.station, det.time, det.fstat, min_fstat
        )
        return False
    if out and det.time - out[-1].time < config.merge_window:
        # two triggers re-picked onto one onset (mis-steered beams): keep the stronger
        if det.snr > out[-1].snr:
            out[-1] = det
            return True
        return False
    out.append(det)
    return True


def _steering(
    array: Array, offsets_km: np.ndarray, config: DetectionConfig
) -> tuple[tuple[BandConfig, ...], list[SteeringBeam], np.ndarray]:
    """The bands, steering beams and their delays ``(n_beams, n_el)`` [s] of an array."""
    infra = array.kind == "infrasound"
    bands = INFRASOUND_BANDS if infra else tuple(config.bands)
    smax = config.array.infrasound_slowness_max if infra else config.array.slowness_max
    steer = beam_set(array.kind, _aperture(offsets_km), smax)
    delays = np.array(
        [plane_wave_delays(offsets_km, b.backazimuth_deg, b.slowness_s_per_km) for b in steer]
    ).reshape(len(steer), len(offsets_km))
    return bands, steer, delays


def _max_abs(a: np.ndarray) -> float:
    return float(np.max(np.abs(a))) if a.size else 0.0


def _sharpen_onset(
    seg: np.ndarray,
    filt: np.ndarray,
    fs: float,
    onset: int,
    delays: np.ndarray,
    band: BandConfig,
) -> int:
    """Final onset on the f-k-steered beam: AIC again on a *causally* filtered broad-band beam
    within 1 s of the zero-phase pick (:func:`openndc.detection.onset.refine_onset`, stage 2).

    Zero-phase filtering spreads an impulsive onset's energy backwards, so picks on it come
    early by a fraction of the dominant period; the causal beam has nothing before the onset.
    """
    broad = causal_bandpass(seg, fs, band.freq_min, 0.45 * fs, 4)
    refined = refine_onset(
        beam(filt, fs, delays), fs, onset, 0.5, 0.5, "aic", fine=beam(broad, fs, delays)
    )
    return onset if refined is None else refined


def _backsearch_beam(
    seg: np.ndarray,
    fs: float,
    onset: int,
    delays: np.ndarray,
    band: BandConfig,
    config: DetectionConfig,
) -> int:
    """An earlier, weaker onset before ``onset`` on the f-k beam, as the single-station
    detector does (:func:`openndc.detection.onset.backsearch_onset` on the band filtered
    *causally*, ``config.onset.backsearch*``); ``onset`` when there is none."""
    oc = config.onset
    if oc.backsearch <= 0 or config.onset.method == "none":
        return onset
    fmax = min(band.freq_max, 0.45 * fs)
    if band.freq_min >= fmax:
        return onset
    # beam first, then filter: both are linear, and one trace is cheaper to filter
    y = causal_bandpass(beam(seg, fs, delays), fs, band.freq_min, fmax, band.corners)
    pad = round(max(5.0, 5.0 / band.freq_min) * fs)  # the causal filter's start-up transient
    earlier = backsearch_onset(
        y,
        onset,
        back=round(oc.backsearch * fs),
        noise=round(oc.backsearch_noise * fs),
        min_len=round(max(oc.backsearch_duration, 2.0 / band.freq_min) * fs),
        snr=oc.backsearch_snr,
        floor=min(pad, onset),
    )
    return onset if earlier is None else earlier


def _aic_onset(
    b: np.ndarray, fs: float, itrig: int, config: DetectionConfig, widen: float = 0.0
) -> int:
    """Onset sample (relative to ``b``) by AIC on ``[trigger - before, trigger + after]``,
    both ends widened by ``widen`` [s]."""
    if config.onset.method == "none":
        return itrig
    i0 = max(0, itrig - int((config.onset.before + widen) * fs))
    i1 = min(len(b), itrig + int((config.onset.after + widen) * fs))
    if i1 - i0 < 8:
        return itrig
    aic = aic_cf(b[i0:i1])
    edge = max(2, int(0.1 * (i1 - i0)))  # AIC is unstable on the first/last few samples
    inner = aic[edge:-edge]
    return i0 + edge + int(np.argmin(inner)) if inner.size else itrig


def _fk_band_data(
    seg: np.ndarray, fs: float, band: BandConfig, config: DetectionConfig
) -> np.ndarray | None:
    """The elements' segment band-passed (zero-phase) in the f-k band, for :func:`_fk_at`.

    The f-k spectra are taken on short windows (``fk_window``, 4 s): elements carrying a
    drift and microseisms hundreds of times larger than the arrival (the demo's KURK: slopes
    of 100-500 counts/s, 300-700 counts left after a linear fit, against a 35-count Pn in
    0.8-4.5 Hz) leak that power through the window's taper into every bin of the band. The
    leak is nearly common to all elements, so it peaks where the windows are aligned: at the
    pre-shift vector (the triggering beam's, back-azimuth 180 deg and 5.1 s/deg there) or at
    zero slowness. Filtering the whole segment first (tens of seconds, its edges far from
    the window) leaves only the band in the window (docs/arrays.md, "Why KURK said 180°").
    """
    acfg = config.array
    return _bandpass(seg, fs, BandConfig("fk", acfg.fk_freq_min, acfg.fk_freq_max, band.corners))


def _fk_cut(
    seg: np.ndarray, fs: float, onset: int, delays: np.ndarray, config: DetectionConfig
) -> tuple[np.ndarray, np.ndarray, int]:
    """First samples ``lo`` and whole-sample shifts ``k`` of the elements' f-k windows (cut
    on ``delays`` [s] when they fit in ``seg``, else unshifted) and their length."""
    acfg = config.array
    nwin = round(acfg.fk_window * fs)
    w0 = onset - round(acfg.fk_lead * fs)
    k = np.round(delays * fs).astype(int)
    lo = w0 + k
    if np.any(lo < 0) or np.any(lo + nwin > seg.shape[1]):
        k = np.zeros_like(k)
        lo = np.full_like(k, min(max(w0, 0), max(seg.shape[1] - nwin, 0)))
    return lo, k, nwin


def _fk_window(seg: np.ndarray, lo: np.ndarray, nwin: int) -> np.ndarray:
    return np.array([seg[j, lo[j] : lo[j] + nwin] for j in range(seg.shape[0])])


def _fk_noise(
    seg: np.ndarray,
    fs: float,
    offsets: np.ndarray,
    onset: int,
    delays: np.ndarray,
    fk: FKResult,
    fmin: float,
    fmax: float,
    config: DetectionConfig,
) -> FKResult:
    """``fk`` with its uncertainties against the noise just before its window: up to
    :data:`FK_NOISE_WINDOWS` windows cut alike (:func:`~openndc.detection.array.fk.with_noise`);
    ``fk`` itself when the segment holds none."""
    lo, k, nwin = _fk_cut(seg, fs, onset, delays, config)
    starts = [lo - i * nwin for i in range(1, FK_NOISE_WINDOWS + 1)]
    noise = [_fk_window(seg, s, nwin) for s in starts if nwin > 0 and s.min() >= 0]
    if not noise:
        return fk
    return with_noise(
        fk, np.array(noise), fs, offsets, fmin=fmin, fmax=min(fmax, 0.45 * fs), shifts_s=k / fs
    )


def _fk_at(
    seg: np.ndarray,
    fs: float,
    offsets: np.ndarray,
    onset: int,
    beam_delays: np.ndarray,
    fmin: float,
    fmax: float,
    infra: bool,
    config: DetectionConfig,
) -> FKResult | None:
    acfg = config.array
    lo, k, nwin = _fk_cut(seg, fs, onset, beam_delays, config)
    win = _fk_window(seg, lo, nwin)
    if win.shape[1] < 8:
        return None
    try:
        return fk_analysis(
            win,
            fs,
            offsets,
            slowness_max=acfg.infrasound_slowness_max if infra else acfg.slowness_max,
            slowness_step=acfg.infrasound_slowness_step if infra else acfg.slowness_step,
            fmin=fmin,
            fmax=min(fmax, 0.45 * fs),
            shifts_s=k / fs,
            refine=acfg.fk_refine,
        )
    except ValueError as exc:
        log.debug("f-k failed: %s", exc)
        return None
