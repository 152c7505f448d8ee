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
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "aic_cf",
    "aic_cf_py",
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
