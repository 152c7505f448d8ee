"""Cached Butterworth designs and filtering helpers for the detection stage (pure functions).

Designing a Butterworth band-pass (:func:`scipy.signal.butter`, SOS output) costs about 1 ms —
more than filtering a few seconds of data — and the detection stage applies the same few
designs (its bands at the data's sampling rate) thousands of times a day. :func:`bandpass_sos`
caches them (read-only arrays), :func:`sosfilt_zi` caches the steady-state initial conditions
of the forward-backward filter, and :func:`zerophase_bandpass` is
:func:`scipy.signal.sosfiltfilt` (odd extension, default pad length) with both taken from the
caches — the same numbers, without the redesign.

:func:`sosfilt_causal` is a numba causal SOS filter (direct form II transposed, zero initial
state, as :func:`scipy.signal.sosfilt`), with the plain reference :func:`sosfilt_causal_py`;
:func:`sosfilt_state` is the same kernel from a given state, carried from call to call
(reference :func:`sosfilt_state_py`).
"""

from __future__ import annotations

import functools

import numba
import numpy as np
from scipy import signal

__all__ = [
    "bandpass_sos",
    "causal_bandpass",
    "sosfilt_causal",
    "sosfilt_causal_py",
    "sosfilt_state",
    "sosfilt_state_py",
    "sosfilt_zi",
    "zerophase_bandpass",
]


@functools.lru_cache(maxsize=256)
def bandpass_sos(corners: int, freq_min: float, freq_max: float, fs: float) -> np.ndarray:
    """Butterworth band-pass ``[freq_min, freq_max]`` [Hz] of order ``corners`` at ``fs`` [Hz]
    as second-order sections ``(n_sections, 6)`` (cached; the array is read-only)."""
    sos = signal.butter(int(corners), [freq_min, freq_max], btype="band", fs=fs, output="sos")
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    sos.setflags(write=False)
    return sos


@functools.lru_cache(maxsize=256)
def _zi(corners: int, freq_min: float, freq_max: float, fs: float) -> np.ndarray:
    zi = np.asarray(signal.sosfilt_zi(bandpass_sos(corners, freq_min, freq_max, fs)))
    zi.setflags(write=False)
    return zi


def sosfilt_zi(corners: int, freq_min: float, freq_max: float, fs: float) -> np.ndarray:
    """:func:`scipy.signal.sosfilt_zi` of :func:`bandpass_sos` (cached, read-only)."""
    return _zi(int(corners), float(freq_min), float(freq_max), float(fs))


def zerophase_bandpass(
    x: np.ndarray, fs: float, freq_min: float, freq_max: float, corners: int = 3
) -> np.ndarray:
    """Zero-phase band-pass [Hz] along the last axis of ``x`` sampled at ``fs`` [Hz]:
    exactly :func:`scipy.signal.sosfiltfilt` (odd extension, default pad length) with the
    cached design of :func:`bandpass_sos`."""
    # a writable copy: scipy's sosfilt refuses read-only arrays (a 3 x 6 copy costs nothing)
    sos = np.array(bandpass_sos(int(corners), float(freq_min), float(freq_max), float(fs)))
    x = np.asarray(x, dtype=np.float64)
    n_sec = sos.shape[0]
    ntaps = 2 * n_sec + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    edge = 3 * ntaps
    if x.shape[-1] <= edge:  # too short: let scipy raise its own error
        return np.asarray(signal.sosfiltfilt(sos, x, axis=-1))
    left = 2.0 * x[..., :1] - x[..., edge:0:-1]
    right = 2.0 * x[..., -1:] - x[..., -2 : -(edge + 2) : -1]
    ext = np.concatenate((left, x, right), axis=-1)
    zi = sosfilt_zi(corners, freq_min, freq_max, fs)
    y = _sosfilt_steady(sos, ext, zi)
    y = _sosfilt_steady(sos, y[..., ::-1], zi)
    return np.ascontiguousarray(y[..., ::-1][..., edge:-edge])


def _sosfilt_steady(sos: np.ndarray, x: np.ndarray, zi: np.ndarray | None) -> np.ndarray:
    """``scipy.signal.sosfilt(sos, x, axis=-1, zi=zi * x[..., :1])`` (``zi`` of shape
    ``(n_sections, 2)``; zero initial state when None), with the numba kernel: the same
    numbers (the same operations in the same order; ``sos[:, 3]`` is 1), without scipy's
    per-call overhead, which is most of the cost on the short segments the onsets and the
    f-k filter."""
    if sos.shape[0] == 0 or not np.all(sos[:, 3] == 1.0) or x.ndim == 0:
        if zi is None:  # scipy's checks and errors
            return np.asarray(signal.sosfilt(sos, x, axis=-1))
        z = zi.reshape((sos.shape[0],) + (1,) * (x.ndim - 1) + (2,)) * x[..., :1]
        return np.asarray(signal.sosfilt(sos, x, axis=-1, zi=z)[0])
    n = x.shape[-1]
    rows = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, n)
    if zi is None:
        state = np.zeros((rows.shape[0], sos.shape[0], 2))
    else:
        state = np.ascontiguousarray(zi[None, :, :] * rows[:, :1, None])
    return _sosfilt_rows(np.ascontiguousarray(sos, dtype=np.float64), rows, state).reshape(x.shape)


@numba.njit(cache=True, nogil=True)
def _sosfilt_rows(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Each row of ``x`` ``(rows, n)`` through the sections from its state ``zi``
    ``(rows, n_sections, 2)`` (updated in place)."""
    y = np.empty_like(x)
    for r in range(x.shape[0]):
        y[r] = _sosfilt_state(sos, x[r], zi[r])
    return y


def causal_bandpass(
    x: np.ndarray,
    fs: float,
    freq_min: float,
    freq_max: float,
    corners: int = 3,
    *,
    steady: bool = False,
) -> np.ndarray:
    """Causal band-pass [Hz] along the last axis of ``x`` (``fs`` [Hz]):
    :func:`scipy.signal.sosfilt` with the cached design of :func:`bandpass_sos`.

    Zero initial state by default; ``steady=True`` starts the filter in the steady state of
    a constant input equal to the first sample (:func:`scipy.signal.sosfilt_zi` scaled by
    it), so that a record starting at a non-zero value gives no step transient: what a
    short record's first seconds need to serve as noise for an STA/LTA."""
    sos = np.array(bandpass_sos(int(corners), float(freq_min), float(freq_max), float(fs)))
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return np.asarray(signal.sosfilt(sos, x, axis=-1))
    if not steady:
        return _sosfilt_steady(sos, x, None)
    return _sosfilt_steady(sos, x, sosfilt_zi(corners, freq_min, freq_max, fs))


@numba.njit(cache=True, nogil=True)
def _sosfilt_state(
    sos: np.ndarray, x: np.ndarray, zi: np.ndarray
) -> np.ndarray:  # pragma: no cover
    n = x.shape[0]
    y = np.empty(n, dtype=np.float64)
    for i in range(n):
        y[i] = x[i]
    for s in range(sos.shape[0]):
        b0, b1, b2 = sos[s, 0], sos[s, 1], sos[s, 2]
        a0, a1, a2 = sos[s, 3], sos[s, 4], sos[s, 5]
        b0, b1, b2, a1, a2 = b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0
        z1 = zi[s, 0]
        z2 = zi[s, 1]
        for i in range(n):
            xi = y[i]
            yi = b0 * xi + z1
            z1 = b1 * xi - a1 * yi + z2
            z2 = b2 * xi - a2 * yi
            y[i] = yi
        zi[s, 0] = z1
        zi[s, 1] = z2
    return y


def sosfilt_causal(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Causal SOS filter of the 1-D ``x`` (numba; zero initial state, as
    :func:`scipy.signal.sosfilt`)."""
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    zi = np.zeros((sos.shape[0], 2))
    return _sosfilt_state(sos, np.ascontiguousarray(x, dtype=np.float64), zi)


def sosfilt_state(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """Causal SOS filter of the 1-D ``x`` from the state ``zi`` ``(n_sections, 2)``, which is
    updated in place to the state after the last sample (numba; the numbers of
    ``scipy.signal.sosfilt(sos, x, zi=zi)``, without its per-call overhead: a channel
    filtered record by record, :mod:`openndc.detection.streaming`)."""
    if zi.shape != (sos.shape[0], 2) or zi.dtype != np.float64 or not zi.flags.c_contiguous:
        raise ValueError(f"zi must be C-contiguous float64 of shape ({sos.shape[0]}, 2)")
    return _sosfilt_state(
        np.ascontiguousarray(sos, dtype=np.float64), np.ascontiguousarray(x, dtype=np.float64), zi
    )


def sosfilt_state_py(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """Plain reference of :func:`sosfilt_state` (direct form II transposed, ``zi`` updated
    in place)."""
    y = [float(v) for v in np.asarray(x, dtype=np.float64)]
    for s, row in enumerate(np.asarray(sos, dtype=np.float64)):
        b0, b1, b2, a0, a1, a2 = (float(v) for v in row)
        b0, b1, b2, a1, a2 = b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0
        z1, z2 = float(zi[s, 0]), float(zi[s, 1])
        for i, xi in enumerate(y):
            yi = b0 * xi + z1
            z1 = b1 * xi - a1 * yi + z2
            z2 = b2 * xi - a2 * yi
            y[i] = yi
        zi[s, 0], zi[s, 1] = z1, z2
    return np.asarray(y, dtype=np.float64)


def sosfilt_causal_py(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Plain-Python reference of :func:`sosfilt_causal` (direct form II transposed)."""
    y = [float(v) for v in np.asarray(x, dtype=np.float64)]
    for row in np.asarray(sos, dtype=np.float64):
        b0, b1, b2, a0, a1, a2 = (float(v) for v in row)
        b0, b1, b2, a1, a2 = b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0
        z1 = z2 = 0.0
        for i, xi in enumerate(y):
            yi = b0 * xi + z1
            z1 = b1 * xi - a1 * yi + z2
            z2 = b2 * xi - a2 * yi
            y[i] = yi
    return np.asarray(y, dtype=np.float64)
