"""STA/LTA characteristic functions and trigger extraction (pure functions on arrays).

Each fast kernel (numba) has a plain-Python reference version beside it (``*_py``); tests
check them against each other on random input and against ObsPy.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "classic_sta_lta",
    "classic_sta_lta_py",
    "recursive_sta_lta",
    "recursive_sta_lta_py",
    "recursive_sta_lta_warm",
    "recursive_sta_lta_warm_py",
    "sta_lta_state",
    "trigger_onsets",
    "trigger_onsets_py",
]


@numba.njit(cache=True, nogil=True)
def _recursive_sta_lta(a: np.ndarray, nsta: int, nlta: int) -> np.ndarray:  # pragma: no cover
    n = a.shape[0]
    out = np.zeros(n, dtype=np.float64)
    csta = 1.0 / nsta
    clta = 1.0 / nlta
    sta = 0.0
    lta = 1e-99
    for i in range(1, n):
        sq = float(a[i]) * float(a[i])
        sta = csta * sq + (1.0 - csta) * sta
        lta = clta * sq + (1.0 - clta) * lta
        out[i] = sta / lta
    m = min(nlta, n)
    for i in range(m):
        out[i] = 0.0
    return out


def recursive_sta_lta(a: np.ndarray, nsta: int, nlta: int) -> np.ndarray:
    """Recursive STA/LTA (Withers et al. 1998), the same definition as ObsPy's.

    ``nsta`` and ``nlta`` are window lengths in samples. The first ``nlta`` values are 0
    (the LTA is still warming up).
    """
    if nsta < 1 or nlta <= nsta:
        raise ValueError(f"need 1 <= nsta < nlta, got nsta={nsta}, nlta={nlta}")
    return _recursive_sta_lta(np.ascontiguousarray(a), int(nsta), int(nlta))


def recursive_sta_lta_py(a: np.ndarray, nsta: int, nlta: int) -> np.ndarray:
    """Plain reference version of :func:`recursive_sta_lta`."""
    n = len(a)
    out = np.zeros(n)
    csta, clta = 1.0 / nsta, 1.0 / nlta
    sta, lta = 0.0, 1e-99
    for i in range(1, n):
        sq = float(a[i]) ** 2
        sta = csta * sq + (1 - csta) * sta
        lta = clta * sq + (1 - clta) * lta
        out[i] = sta / lta
    out[: min(nlta, n)] = 0.0
    return out


@numba.njit(cache=True, nogil=True)
def _recursive_sta_lta_warm(
    a: np.ndarray, nsta: int, nlta: int, nwarm: int, state: np.ndarray
) -> np.ndarray:  # pragma: no cover
    n = a.shape[0]
    out = np.zeros(n, dtype=np.float64)
    sta = state[0]
    lta = state[1]
    k0 = state[2]
    for i in range(n):
        sq = float(a[i]) * float(a[i])
        k = k0 + i + 1.0
        csta = max(1.0 / nsta, 1.0 / k)
        clta = max(1.0 / nlta, 1.0 / k)
        sta = csta * sq + (1.0 - csta) * sta
        lta = clta * sq + (1.0 - clta) * lta
        if k0 + i >= nwarm and lta > 0.0:
            out[i] = sta / lta
    state[0] = sta
    state[1] = lta
    state[2] = k0 + n
    return out


def sta_lta_state() -> np.ndarray:
    """A fresh state for :func:`recursive_sta_lta_warm`: ``[sta, lta, samples seen]``."""
    return np.zeros(3, dtype=np.float64)


def _check_warm(nsta: int, nlta: int, nwarm: int, state: np.ndarray | None) -> np.ndarray:
    if nsta < 1 or nlta <= nsta or nwarm < 1:
        raise ValueError(f"need 1 <= nsta < nlta and nwarm >= 1, got {nsta}, {nlta}, {nwarm}")
    if state is None:
        return sta_lta_state()
    if state.shape != (3,) or state.dtype != np.float64:
        raise ValueError(f"STA/LTA state must be float64 of shape (3,), got {state.shape}")
    return state


def recursive_sta_lta_warm(
    a: np.ndarray, nsta: int, nlta: int, nwarm: int, state: np.ndarray | None = None
) -> np.ndarray:
    """Recursive STA/LTA that starts from the data there are instead of an empty LTA.

    Until ``nsta`` (``nlta``) samples have been seen, the STA (LTA) is the plain mean of the
    squared samples so far (an expanding window: the recursion with coefficient
    ``max(1/n_window, 1/(i+1))``), after that the exponential recursion of
    :func:`recursive_sta_lta`. So the ratio is an unbiased signal-to-noise estimate from the
    ``nwarm``-th sample on (earlier values are 0), however short the noise before an onset,
    and far beyond ``nlta`` samples it equals :func:`recursive_sta_lta` (the start-up is
    forgotten exponentially). Used for short records (event files, triggered windows, the
    first minutes after a gap), where ObsPy's definition gives nothing for ``nlta`` samples.

    ``state`` (from :func:`sta_lta_state`, updated in place) carries the recursion from one
    call to the next: a record processed in pieces gives exactly the values of one call
    on the whole (the streaming detector, :mod:`openndc.detection.streaming`).
    """
    st = _check_warm(nsta, nlta, nwarm, state)
    return _recursive_sta_lta_warm(np.ascontiguousarray(a), int(nsta), int(nlta), int(nwarm), st)


def recursive_sta_lta_warm_py(
    a: np.ndarray, nsta: int, nlta: int, nwarm: int, state: np.ndarray | None = None
) -> np.ndarray:
    """Plain reference version of :func:`recursive_sta_lta_warm` (expanding means written out
    as running means while the windows fill, then the recursion; ``state`` as there)."""
    st = _check_warm(nsta, nlta, nwarm, state)
    x = np.asarray(a, dtype=np.float64) ** 2
    out = np.zeros(len(x))
    sta, lta, seen = float(st[0]), float(st[1]), int(st[2])
    for i, v in enumerate(x):
        k = seen + i  # samples seen before this one
        sta = sta + (v - sta) / (k + 1) if k < nsta else sta + (v - sta) / nsta
        lta = lta + (v - lta) / (k + 1) if k < nlta else lta + (v - lta) / nlta
        if k >= nwarm and lta > 0:
            out[i] = sta / lta
    st[:] = (sta, lta, seen + len(x))
    return out


@numba.njit(cache=True, nogil=True)
def _trigger_onsets(cft: np.ndarray, on: float, off: float) -> np.ndarray:  # pragma: no cover
    n = cft.shape[0]
    buf = np.empty((n // 2 + 1, 2), dtype=np.int64)
    k = 0
    active = False
    start = 0
    for i in range(n):
        if not active:
            if cft[i] > on:
                active = True
                start = i
        elif cft[i] < off:
            buf[k, 0] = start
            buf[k, 1] = i
            k += 1
            active = False
    if active:
        buf[k, 0] = start
        buf[k, 1] = n - 1
        k += 1
    return buf[:k].copy()


def trigger_onsets(cft: np.ndarray, on: float, off: float) -> np.ndarray:
    """Trigger intervals ``(k, 2)`` of sample indices [on, off] of a characteristic function.

    A trigger opens at the first sample above ``on`` and closes at the first sample below
    ``off`` after it; one still open at the end closes at the last sample.
    """
    return _trigger_onsets(np.ascontiguousarray(cft, dtype=np.float64), float(on), float(off))


def trigger_onsets_py(cft: np.ndarray, on: float, off: float) -> np.ndarray:
    """Plain reference version of :func:`trigger_onsets`."""
    out: list[tuple[int, int]] = []
    active, start = False, 0
    for i, v in enumerate(cft):
        if not active and v > on:
            active, start = True, i
        elif active and v < off:
            out.append((start, i))
            active = False
    if active:
        out.append((start, len(cft) - 1))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


@numba.njit(cache=True, nogil=True)
def _classic_sta_lta(a: np.ndarray, nsta: int, nlta: int) -> np.ndarray:  # pragma: no cover
    n = a.shape[0]
    out = np.zeros(n, dtype=np.float64)
    csum = np.empty(n + 1, dtype=np.float64)
    csum[0] = 0.0
    for i in range(n):
        v = float(a[i])
        csum[i + 1] = csum[i] + v * v
    tiny = 2.2250738585072014e-308
    for i in range(nlta - 1, n):
        sta = (csum[i + 1] - csum[i + 1 - nsta]) / nsta
        lta = (csum[i + 1] - csum[i + 1 - nlta]) / nlta
        if lta < tiny:
            lta = tiny
        out[i] = sta / lta
    return out


def classic_sta_lta(a: np.ndarray, nsta: int, nlta: int) -> np.ndarray:
    """Classic (moving-window) STA/LTA of the squared signal, the same definition as ObsPy's.

    The STA and LTA windows both end at (and include) sample ``i``; ``nsta`` and ``nlta``
    are window lengths in samples. The first ``nlta - 1`` values are 0.
    """
    if nsta < 1 or nlta <= nsta:
        raise ValueError(f"need 1 <= nsta < nlta, got nsta={nsta}, nlta={nlta}")
    return _classic_sta_lta(np.ascontiguousarray(a, dtype=np.float64), int(nsta), int(nlta))


def classic_sta_lta_py(a: np.ndarray, nsta: int, nlta: int) -> np.ndarray:
    """Plain reference version of :func:`classic_sta_lta` (direct window sums)."""
    x = np.asarray(a, dtype=np.float64) ** 2
    n = len(x)
    out = np.zeros(n)
    for i in range(nlta - 1, n):
        sta = x[i + 1 - nsta : i + 1].sum() / nsta
        lta = max(x[i + 1 - nlta : i + 1].sum() / nlta, np.finfo(0.0).tiny)
        out[i] = sta / lta
    return out
