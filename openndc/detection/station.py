"""Single-channel detection: multi-band STA/LTA, onset refinement, SNR, amplitude, period.

:func:`detect_trace` is the per-channel detector of the detection stage:

1. the trace is cleaned (float64, demeaned, NaN gaps interpolated with a
   :class:`~openndc.model.errors.DataQualityWarning`; a flat-lined channel gives nothing);
2. for each band of ``config.bands``: causal Butterworth band-pass → recursive
   STA/LTA → triggers (bands whose upper corner is ≥ 0.45·fs or whose LTA is longer than
   the trace are skipped with a log line); triggers shorter than ``min_duration`` dropped;
3. triggers of different bands opening within ``merge_window`` s of each other are one
   detection, the band with the highest SNR wins; then ``dead_time`` s after a kept
   detection further triggers are ignored;
4. per detection: onset refined on the winning band filtered zero-phase in a window around
   the trigger and on causal broad-band data
   (:func:`openndc.detection.onset.refine_onset`, falling back to the trigger time),
   then a back-search for an earlier, weaker onset on the causally filtered band
   (:func:`openndc.detection.onset.backsearch_onset`, ``config.onset.backsearch*``),
   SNR, dominant frequency, time uncertainty, mb amplitude and period.

Definitions (units in brackets):

* ``snr``: the maximum STA/LTA ratio inside the trigger in the winning band (an energy
  ratio, as the IDC's detection SNR).
* ``dominant_frequency`` [Hz]: ``sqrt(Σ ẋ² / Σ x²) / 2π`` (the mean frequency weighted
  by power) of the first :data:`DOMINANT_WINDOW` s after the onset on data high-passed at
  the lowest band corner.
* ``time_uncertainty`` [s]: ``T / (2 sqrt(snr))`` with ``T = 1 / dominant_frequency``,
  bounded to [2/fs, 1 s]; when the onset refinement fails (trigger time kept) the
  bound is 1 s regardless. A heuristic: a quarter to half period at the detection
  threshold, shrinking with the amplitude ratio.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
from obspy import Trace
from scipy import signal

from openndc.detection.amplitude import mb_amplitude
from openndc.detection.config import BandConfig, DetectionConfig
from openndc.detection.filters import causal_bandpass, zerophase_bandpass
from openndc.detection.onset import backsearch_onset, fine_onset_data, refine_onset
from openndc.detection.stalta import recursive_sta_lta_warm, trigger_onsets
from openndc.model.detection import Detection
from openndc.model.errors import DataQualityWarning
from openndc.model.inventory import ChannelInfo

__all__ = ["DOMINANT_WINDOW", "bandpass", "detect_trace", "dominant_frequency", "prepare_data"]

log = logging.getLogger(__name__)

#: Window after the onset for the dominant frequency [s].
DOMINANT_WINDOW = 3.0
_MAX_UNCERTAINTY = 1.0


@dataclass(frozen=True, slots=True)
class _Trigger:
    band: int
    on: int
    off: int
    snr: float


def prepare_data(trace: Trace) -> np.ndarray | None:
    """Trace data as demeaned float64 with NaN gaps linearly interpolated.

    Returns None (with a log line) for an all-NaN or flat-lined (dead) channel.
    """
    x = np.asarray(trace.data, dtype=np.float64)
    if len(x) == 0:
        return None
    good = np.isfinite(x)
    if not good.all():
        if not good.any():
            log.info("%s: no finite samples from %s; no detection", trace.id, trace.stats.starttime)
            return None
        warnings.warn(
            f"{trace.id}: {int((~good).sum())} NaN/inf samples from {trace.stats.starttime} "
            "interpolated before detection",
            DataQualityWarning,
            stacklevel=3,
        )
        idx = np.arange(len(x))
        x = np.interp(idx, idx[good], x[good])
    if np.ptp(x) == 0.0:
        log.info(
            "%s: flat-lined (dead) channel from %s; no detection", trace.id, trace.stats.starttime
        )
        return None
    return x - x.mean()


def bandpass(
    x: np.ndarray, fs: float, freq_min: float, freq_max: float, corners: int = 3
) -> np.ndarray:
    """Zero-phase Butterworth band-pass [Hz] (order ``corners``, applied forward and back)."""
    taper = signal.windows.tukey(len(x), min(1.0, 2.0 * fs / max(len(x), 1)))
    return zerophase_bandpass(x * taper, fs, freq_min, freq_max, corners)


def dominant_frequency(x: np.ndarray, fs: float) -> float:
    """Power-weighted mean frequency ``sqrt(Σ ẋ² / Σ x²) / 2π`` [Hz] of ``x`` (NaN if flat)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 3:
        return math.nan
    x = x - x.mean()
    p = float(np.sum(x[1:-1] ** 2))
    if p <= 0:
        return math.nan
    dx = (x[2:] - x[:-2]) * (fs / 2.0)
    return math.sqrt(float(np.sum(dx**2)) / p) / (2.0 * math.pi)


def _band_usable(band: BandConfig, fs: float, n: int, trace_id: str, warmup: float) -> bool:
    if band.freq_max >= 0.45 * fs or band.freq_min <= 0 or band.freq_min >= band.freq_max:
        log.debug(
            "%s: band %s (%g-%g Hz) skipped at %g Hz sampling",
            trace_id,
            band.name,
            band.freq_min,
            band.freq_max,
            fs,
        )
        return False
    if 2 * _warm_samples(band, fs, warmup) >= n:
        log.info(
            "%s: band %s skipped: the trace (%g s) is shorter than twice its warm-up",
            trace_id,
            band.name,
            n / fs,
        )
        return False
    return True


def _warm_samples(band: BandConfig, fs: float, warmup: float) -> int:
    """Samples of noise the STA/LTA of ``band`` needs before it may trigger: ``warmup``
    seconds, but at least two STA windows and one period of the lower corner."""
    return max(1, round(max(warmup, 2.0 * band.sta, 1.0 / band.freq_min) * fs))


def _band_triggers(
    x: np.ndarray, fs: float, band: BandConfig, ib: int, min_len: int, warmup: float
) -> list[_Trigger]:
    """Triggers of one band: STA/LTA of the *causally* filtered band (one filter pass).

    A causal filter leaks no energy before an onset, so its trigger is a time the true onset
    cannot be later than; the onset itself is then picked around it (``_measure``)."""
    y = causal_bandpass(x, fs, band.freq_min, band.freq_max, band.corners, steady=True)
    nsta = max(1, round(band.sta * fs))
    nlta = max(nsta + 1, round(band.lta * fs))
    cft = recursive_sta_lta_warm(y, nsta, nlta, _warm_samples(band, fs, warmup))
    trig = trigger_onsets(cft, band.threshold_on, band.threshold_off)
    return [
        _Trigger(ib, int(on), int(off), float(cft[on : off + 1].max()))
        for on, off in trig
        if off - on >= min_len
    ]


def _filter_pad(band: BandConfig, fs: float) -> int:
    """Samples of padding that let a band's filter transient die out (5 s or 5 periods)."""
    return round(max(5.0, 5.0 / band.freq_min) * fs)


def _zero_phase_window(
    x: np.ndarray, fs: float, band: BandConfig, i0: int, i1: int
) -> tuple[np.ndarray, int]:
    """Zero-phase band-passed ``x[i0:i1]`` with padding for the filter transients; returns
    the filtered padded segment and the sample index where it starts."""
    pad = _filter_pad(band, fs)
    a, b = max(0, i0 - pad), min(len(x), i1 + pad)
    return bandpass(x[a:b], fs, band.freq_min, band.freq_max, band.corners), a


def _backsearch(
    x: np.ndarray, fs: float, band: BandConfig, config: DetectionConfig, onset: int, floor: int
) -> int | None:
    """An earlier, weaker onset before the refined ``onset`` (sample index in ``x``), or None.

    Runs :func:`openndc.detection.onset.backsearch_onset` on the winning band filtered
    *causally* (no energy of the refined arrival leaks before it) over the back-search and
    noise windows of ``config.onset``, padded for the filter's start-up transient. The
    shortest earlier arrival is ``backsearch_duration`` s but at least two periods of the
    band's lower corner (fewer cycles cannot be told from a noise burst)."""
    oc = config.onset
    if oc.backsearch <= 0:
        return None
    back = round(oc.backsearch * fs)
    noise = round(oc.backsearch_noise * fs)
    pad = _filter_pad(band, fs)
    a = max(0, onset - back - noise - pad)
    y = causal_bandpass(x[a : onset + 1], fs, band.freq_min, band.freq_max, band.corners)
    earlier = backsearch_onset(
        y,
        onset - a,
        back=back,
        noise=noise,
        min_len=round(max(oc.backsearch_duration, 2.0 / band.freq_min) * fs),
        snr=oc.backsearch_snr,
        floor=max(0, floor - a, pad),
    )
    return a + earlier if earlier is not None else None


def _merge(
    triggers: list[_Trigger], merge: int, dead: int, new_signal: bool = False
) -> list[_Trigger]:
    """Cluster triggers opening within ``merge`` samples (best SNR wins), then dead time."""
    triggers = sorted(triggers, key=lambda t: t.on)
    clusters: list[list[_Trigger]] = []
    for t in triggers:
        if clusters and t.on - clusters[-1][0].on <= merge:
            clusters[-1].append(t)
        else:
            clusters.append([t])
    best = [max(c, key=lambda t: t.snr) for c in clusters]
    kept: list[_Trigger] = []
    for t in sorted(best, key=lambda t: t.on):
        # dead time mutes re-triggers in the coda; with new_signal, a trigger opening after
        # the kept one closed and stronger than it is a new signal (the P after a noise
        # trigger; config.dead_time_new_signal)
        if (
            kept
            and t.on - kept[-1].on < dead
            and not (new_signal and t.on > kept[-1].off and t.snr > kept[-1].snr)
        ):
            continue
        kept.append(t)
    return kept


def detect_trace(
    trace: Trace, config: DetectionConfig, channel: ChannelInfo | None = None
) -> list[Detection]:
    """Detections on one trace (see the module docstring for the algorithm and definitions).

    ``channel`` supplies the instrument response or sensitivity that turns the mb amplitude
    into nm of ground displacement (without it the amplitude is in counts). Detections
    have ``phase=""`` and ``method="stalta"``. Bad data give no detections, never an error.
    """
    fs = float(trace.stats.sampling_rate)
    x = prepare_data(trace)
    if x is None or fs <= 0:
        return []
    bands = [
        (i, b)
        for i, b in enumerate(config.bands)
        if _band_usable(b, fs, len(x), trace.id, config.warmup)
    ]
    if not bands:
        return []
    triggers: list[_Trigger] = []
    min_len = round(config.min_duration * fs)
    for ib, band in bands:
        triggers.extend(_band_triggers(x, fs, band, ib, min_len, config.warmup))
    if not triggers:
        return []
    kept = _merge(
        triggers,
        round(config.merge_window * fs),
        round(config.dead_time * fs),
        config.dead_time_new_signal,
    )
    low = min(b.freq_min for _, b in bands)
    broad = causal_bandpass(x, fs, low, 0.45 * fs, 4)
    amp = config.amplitude
    mb_data = (
        causal_bandpass(x, fs, amp.mb_freq_min, amp.mb_freq_max)
        if amp.mb_freq_max < 0.5 * fs
        else None
    )
    out = []
    for k, t in enumerate(kept):
        # the onset search never reaches back into the previous detection's signal
        floor = min(kept[k - 1].off, t.on) if k else 0
        out.append(_measure(trace, x, t, config, floor, broad, mb_data, channel))
    return out


def _measure(
    trace: Trace,
    x: np.ndarray,
    trig: _Trigger,
    config: DetectionConfig,
    floor: int,
    broad: np.ndarray,
    mb_data: np.ndarray | None,
    channel: ChannelInfo | None,
) -> Detection:
    band = config.bands[trig.band]
    fs = float(trace.stats.sampling_rate)
    # Stage 1 picks on the zero-phase band, filtered only around this trigger; the causal
    # trigger is the latest possible onset (see refine_onset).
    y, a = _zero_phase_window(
        x,
        fs,
        band,
        trig.on - round((config.onset.before + 1.0) * fs),
        trig.on + round((2.0 * config.onset.after + 2.0) * fs),
    )
    onset = refine_onset(
        y,
        fs,
        trig.on - a,
        config.onset.before,
        config.onset.after,
        config.onset.method,
        fine=fine_onset_data(
            x,
            fs,
            a,
            len(y),
            band_freq_min=band.freq_min,
            freq_floor=min(b.freq_min for b in config.bands),
            ratio=config.onset.fine_corner_ratio,
        ),
        floor=max(0, floor - a),
        last=trig.on - a,
    )
    if onset is not None:
        onset += a
    refined = onset is not None
    earlier = _backsearch(x, fs, band, config, onset, floor) if onset is not None else None
    if earlier is not None:
        onset = earlier
    i = onset if onset is not None else trig.on
    fdom = dominant_frequency(broad[i : i + max(3, round(DOMINANT_WINDOW * fs))], fs)
    if refined and math.isfinite(fdom) and fdom > 0:
        sigma = 1.0 / fdom / (2.0 * math.sqrt(max(trig.snr, 1.0)))
        sigma = min(_MAX_UNCERTAINTY, max(2.0 / fs, sigma))
    else:
        sigma = _MAX_UNCERTAINTY
    time = trace.stats.starttime + i / fs
    amplitude, period, unit = math.nan, math.nan, ""
    if mb_data is not None:
        amplitude, period, unit = mb_amplitude(
            trace, time, config.amplitude, channel, filtered=mb_data
        )
    st = trace.stats
    return Detection(
        network=st.network,
        station=st.station,
        location=st.location,
        channel=st.channel,
        time=time,
        time_uncertainty=float(sigma),
        phase="",
        snr=trig.snr,
        amplitude=float(amplitude),
        amplitude_unit=unit if math.isfinite(amplitude) else "",
        period=float(period),
        freq_min=band.freq_min,
        freq_max=band.freq_max,
        dominant_frequency=float(fdom),
        method="stalta",
        id=f"{trace.id}-{time.strftime('%Y%m%dT%H%M%S.%f')}",
        extra={
            "band": band.name,
            "trigger_time": st.starttime + trig.on / fs,
            "onset_refined": refined,
            "onset_backsearch": earlier is not None,
        },
    )
