"""Onset-time refinement: AIC and kurtosis characteristic functions, and the onset picker.

An STA/LTA trigger opens late (the STA has to grow first) and its time depends on the
threshold. The onset is refined on the band-passed data in a window around the trigger:

* AIC (Maeda 1985): ``AIC(k) = (k+1) log var(x[0..k]) + (N-k-2) log var(x[k+1..N-1])``,
  the same definition and indexing as ObsPy's :func:`obspy.signal.trigger.aic_simple`;
  the onset is the global minimum, the point that best splits the window into two
  stationary pieces (noise, signal).
* Kurtosis (Saragiotis et al. 2002; Baillard et al. 2014): the excess kurtosis of a
  trailing window rises sharply where impulsive signal enters it; the onset is where the
  kurtosis rises fastest.

:func:`refine_onset` runs the picker in two stages (a wide window around the trigger, then
AIC again in a narrower window around the first pick), which makes the pick insensitive to
later, larger phases in the wide window. Each fast kernel has a ``*_py`` reference.
The second stage runs on *causally* filtered data (a causal filter puts no energy before
the onset), high-passed at the lowest detection band's corner or, with
``onset.fine_corner_ratio`` set (the ``local`` preset: half an octave, 1/√2), at that
fraction of the lower corner of the band that detected the signal
(:func:`fine_onset_data`): energy below the detecting band (microseisms, a long-period
wobble the detector ignored) would otherwise move the AIC split by its own variance
changes. Not for regional defaults: there a high-passed emergent P looks later.

An emergent, weaker first arrival followed a few seconds later by a stronger phase
(regional Pn followed by a stronger crustal P, or a nodal first P) still loses to the
stronger phase: the AIC prefers the largest variance contrast. :func:`backsearch_onset`
looks back from the refined onset for such an earlier onset and accepts it only when it
passes its own SNR test against the noise before it (see there).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from openndc.detection.filters import causal_bandpass

__all__ = [
    "aic_cf",
    "aic_cf_py",
    "backsearch_onset",
    "fine_onset_data",
    "kurtosis_cf",
    "kurtosis_cf_py",
    "pick_aic",
    "pick_kurtosis",
    "refine_onset",
]

_TINY = 1e-300


@numba.njit(cache=True, nogil=True)
def _aic_cf(a: np.ndarray) -> np.ndarray:  # pragma: no cover
    n = a.shape[0]
    aic = np.zeros(n, dtype=np.float64)
    if n <= 2:
        return aic
    # forward: AIC(k) = (k + 1) log var(a[0..k]) for k = 1 .. n-2 (Welford running variance)
    mean = a[0]
    varsum = 0.0
    count = 1.0
    for i in range(1, n - 1):
        count += 1.0
        delta = a[i] - mean
        mean += delta / count
        varsum += delta * (a[i] - mean)
        aic[i] = count * math.log(max(varsum / count, 1e-300))
    # backward: AIC(k) += (n - k - 2) log var(a[k+1..n-1])
    mean = a[n - 1]
    varsum = 0.0
    count = 1.0
    for i in range(n - 2, 0, -1):
        count += 1.0
        delta = a[i] - mean
        mean += delta / count
        varsum += delta * (a[i] - mean)
        aic[i - 1] += (count - 1.0) * math.log(max(varsum / count, 1e-300))
    aic[n - 1] = aic[n - 2]
    return aic


def aic_cf(a: np.ndarray) -> np.ndarray:
    """AIC characteristic function of ``a`` (Maeda 1985), as ObsPy's ``aic_simple``.

    ``AIC(k) = (k+1) log var(a[0..k]) + (N-k-2) log var(a[k+1..N-1])`` for ``k < N-1``
    (population variances; ``AIC(0)`` has no forward term), ``AIC(N-1) = AIC(N-2)``.
    Zero variances are clipped to 1e-300 (ObsPy gives -inf there).
    """
    return _aic_cf(np.ascontiguousarray(a, dtype=np.float64))


def aic_cf_py(a: np.ndarray) -> np.ndarray:
    """Plain reference version of :func:`aic_cf` (direct variances, O(N^2))."""
    x = np.asarray(a, dtype=np.float64)
    n = len(x)
    out = np.zeros(n)
    if n <= 2:
        return out
    for k in range(n - 1):
        fwd = (k + 1) * math.log(max(float(np.var(x[: k + 1])), _TINY)) if k > 0 else 0.0
        bwd = (n - k - 2) * math.log(max(float(np.var(x[k + 1 :])), _TINY)) if k < n - 2 else 0.0
        out[k] = fwd + bwd
    out[n - 1] = out[n - 2]
    return out


@numba.njit(cache=True, nogil=True)
def _kurtosis_cf(a: np.ndarray, nwin: int) -> np.ndarray:  # pragma: no cover
    n = a.shape[0]
    out = np.zeros(n, dtype=np.float64)
    for i in range(nwin - 1, n):
        s = 0.0
        for j in range(i - nwin + 1, i + 1):
            s += a[j]
        m = s / nwin
        m2 = 0.0
        m4 = 0.0
        for j in range(i - nwin + 1, i + 1):
            d = a[j] - m
            d2 = d * d
            m2 += d2
            m4 += d2 * d2
        m2 /= nwin
        m4 /= nwin
        if m2 > 0.0:
            out[i] = m4 / (m2 * m2) - 3.0
    return out


def kurtosis_cf(a: np.ndarray, nwin: int) -> np.ndarray:
    """Excess kurtosis of the trailing ``nwin``-sample window ending at each sample.

    Same value as ``scipy.stats.kurtosis(a[i-nwin+1:i+1])`` (Fisher, biased); the first
    ``nwin - 1`` values and windows of zero variance are 0.
    """
    if nwin < 4:
        raise ValueError(f"kurtosis window must be at least 4 samples, got {nwin}")
    return _kurtosis_cf(np.ascontiguousarray(a, dtype=np.float64), int(nwin))


def kurtosis_cf_py(a: np.ndarray, nwin: int) -> np.ndarray:
    """Plain reference version of :func:`kurtosis_cf`."""
    x = np.asarray(a, dtype=np.float64)
    out = np.zeros(len(x))
    for i in range(nwin - 1, len(x)):
        w = x[i - nwin + 1 : i + 1]
        d = w - w.mean()
        m2 = float(np.mean(d**2))
        if m2 > 0:
            out[i] = float(np.mean(d**4)) / m2**2 - 3.0
    return out


def pick_aic(x: np.ndarray, margin: int = 2) -> int | None:
    """Sample index of the AIC minimum of ``x`` (None if it lies within ``margin`` of an end).

    A minimum at the window edge means the window holds no clear noise → signal change.
    """
    n = len(x)
    if n < 2 * margin + 8 or not np.all(np.isfinite(x)):
        return None
    cf = aic_cf(x)
    k = int(np.argmin(cf[margin : n - margin])) + margin
    if k <= margin or k >= n - margin - 1:
        return None
    # AIC(k) is the last sample of the first (noise) segment: the onset is the next sample.
    return k + 1


def pick_kurtosis(x: np.ndarray, nwin: int) -> int | None:
    """Sample index where the kurtosis CF of ``x`` rises fastest (None if undefined).

    The steepest rise of the trailing-window kurtosis lags the onset by a few samples at
    most; the first sample of that rise (the last local minimum of the CF before its
    steepest slope) is returned.
    """
    if len(x) < 2 * nwin or not np.all(np.isfinite(x)):
        return None
    cf = kurtosis_cf(x, nwin)
    grad = np.diff(cf[nwin - 1 :])
    if not len(grad) or np.max(grad) <= 0:
        return None
    k = int(np.argmax(grad)) + nwin - 1
    # walk back to the start of the rise
    while k > nwin and cf[k - 1] < cf[k]:
        k -= 1
    return k


def fine_onset_data(
    x: np.ndarray,
    fs: float,
    start: int,
    length: int,
    *,
    band_freq_min: float,
    freq_floor: float,
    ratio: float = 0.0,
    corners: int = 4,
) -> np.ndarray:
    """Causally filtered ``x[start:start + length]`` for the second (fine) onset stage.

    Butterworth band-pass of order ``corners`` from ``max(freq_floor, ratio ·
    band_freq_min)`` [Hz] (``band_freq_min``: lower corner of the band that detected the
    signal; ``freq_floor``: the lowest corner in use, e.g. the lowest detection band's;
    ``ratio`` 0: ``freq_floor`` whatever the band) to 0.45 ``fs``.
    With ``ratio = 1/√2`` (half an octave) a 4-pole filter passes the band's own lower
    corner at -0.26 dB and attenuates an octave below the band by 12 dB or more. The filter
    starts ``max(5 s, 5 periods of the corner)`` before ``start`` (or at sample 0), so its
    start-up transient has died out within the segment.
    """
    low = max(float(freq_floor), float(ratio) * float(band_freq_min))
    pad = round(max(5.0, 5.0 / low) * fs)
    a = max(0, start - pad)
    y = causal_bandpass(np.asarray(x[a : start + length]), fs, low, 0.45 * fs, corners)
    return y[start - a :]


def refine_onset(
    x: np.ndarray,
    fs: float,
    trigger: int,
    before: float,
    after: float,
    method: str = "aic",
    *,
    fine: np.ndarray | None = None,
    narrow: float = 1.0,
    floor: int = 0,
    last: int | None = None,
) -> int | None:
    """Refined onset sample index near ``trigger`` in the (band-passed) data ``x``.

    ``before``/``after`` [s] bound the search window around the trigger sample; ``method``
    is ``"aic"``, ``"kurtosis"`` or ``"none"``. Stage 1 picks in the wide window on ``x``
    (AIC minimum, or the kurtosis steepest rise); stage 2 repeats AIC in ``±narrow`` [s]
    around the stage-1 pick on ``fine`` (same length as ``x``; default ``x``): a
    *causally* filtered broad-band version of the data is best there, because its onset is
    sharp and, unlike zero-phase filtered data, has no energy before the true onset.
    No pick precedes sample ``floor`` (e.g. the end of the previous detection, so that a
    pick never reaches back into an earlier signal). ``last`` is a sample the onset cannot
    be later than (e.g. where the *causally* filtered STA/LTA triggers): the stage-2 window
    extends to ``last + after``. This matters for very strong signals, whose zero-phase
    filtered precursor makes the trigger and the stage-1 pick early by up to seconds.
    Returns None when no onset can be found
    (flat or too short window, minimum at an edge); callers then keep the trigger time.
    """
    if method == "none":
        return None
    if method not in ("aic", "kurtosis"):
        raise ValueError(f"unknown onset method {method!r}; use 'aic', 'kurtosis' or 'none'")
    n = len(x)
    i0 = max(0, floor, trigger - round(before * fs))
    i1 = min(n, trigger + round(after * fs) + 1)
    seg = np.asarray(x[i0:i1], dtype=np.float64)
    if len(seg) < 16 or not np.any(seg != seg[0]):
        return None
    k = pick_aic(seg) if method == "aic" else pick_kurtosis(seg, max(4, round(0.5 * fs)))
    if k is None:
        return None
    first = i0 + k
    j0 = max(0, floor, first - round(narrow * fs))
    j1 = first + round(narrow * fs)
    if last is not None:
        j1 = max(j1, last + round(after * fs))
    j1 = min(n, j1 + 1)
    src = x if fine is None else fine
    k2 = pick_aic(np.asarray(src[j0:j1], dtype=np.float64))
    return j0 + k2 if k2 is not None else first


def backsearch_onset(
    y: np.ndarray,
    onset: int,
    *,
    back: int,
    noise: int,
    min_len: int,
    snr: float,
    floor: int = 0,
    sustain: float = 0.5,
) -> int | None:
    """An earlier, weaker onset up to ``back`` samples before ``onset`` in ``y``, or None.

    ``y`` is *causally* band-passed data (a causal filter puts no energy of the later,
    stronger arrival before its onset, so whatever energy precedes ``onset`` is the earlier
    arrival's or noise). All arguments are in samples.

    1. The AIC (:func:`pick_aic`) splits ``y[n0:onset - min_len // 2]``, with
       ``n0 = max(floor, onset - back - noise)``, into noise and signal; its pick ``e`` is
       the candidate (the last ``min_len // 2`` samples are left out so that a slightly late
       ``onset`` cannot leak the stronger arrival into the window).
    2. ``e`` must lie in ``[onset - back, onset - min_len]`` with at least ``noise // 2``
       samples of noise before it (after ``floor``).
    3. SNR test against the noise energy ``N = mean(y²)`` over the (up to) ``noise``
       samples before ``e``: the mean energy of ``y[e:onset]`` is at least ``snr · N``
       (the same energy-ratio scale as an STA/LTA threshold), and the mean energy of every
       ``min_len``-sample window in ``y[e:onset]`` is at least ``sustain · snr · N`` (the
       earlier arrival is sustained up to the later one, not a noise burst before it; an
       emergent onset is allowed to start below the full ``snr``).

    Returns ``e`` when all hold, else None (keep ``onset``). Noise alone before ``onset``
    fails step 3 (its energy ratio is ~1); an impulsive onset with nothing before it too.
    """
    if back <= 0 or min_len < 1 or noise < 2 or snr <= 0:
        return None
    n0 = max(0, floor, onset - back - noise)
    lo = max(n0 + noise // 2, onset - back)
    hi = onset - min_len
    end = onset - min_len // 2
    if lo > hi or end - n0 < 16 or onset > len(y):
        return None
    k = pick_aic(np.asarray(y[n0:end], dtype=np.float64))
    if k is None:
        return None
    e = n0 + k
    if not lo <= e <= hi:
        return None
    m0 = max(n0, e - noise)
    p = np.asarray(y[m0:onset], dtype=np.float64) ** 2
    level = float(np.mean(p[: e - m0]))
    sig = p[e - m0 :]
    if not (level > 0.0 and np.isfinite(level)) or float(np.mean(sig)) < snr * level:
        return None
    c = np.concatenate(([0.0], np.cumsum(sig)))
    running = (c[min_len:] - c[:-min_len]) / min_len
    if float(np.min(running)) < sustain * snr * level:
        return None
    return e
