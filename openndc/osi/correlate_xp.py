"""The network-stacked normalised cross-correlation written once for an array namespace.

:func:`stacked_normxcorr_xp` computes the same quantity as
:func:`openndc.osi.correlate.stacked_normxcorr` (and its reference
:func:`~openndc.osi.correlate.stacked_normxcorr_py`) with only operations NumPy and CuPy
share: ``xp.fft.rfft`` / ``xp.fft.irfft``, ``cumsum``, slicing, ``take``, ``sqrt``,
``where``, ``clip``. Passing ``xp=numpy`` runs it on the CPU; ``xp=cupy`` runs it on a CUDA
device (:func:`array_namespace` ``("gpu")`` imports CuPy lazily and checks for a device).
There is no numba and no Python loop over samples; the Python loops run over channels and
over the templates on a channel (vector operations on whole traces).

Per channel ``c`` with ``N`` samples and templates of length ``M``:

1. the ``N - M + 1`` window starts are cut into overlap-save chunks of ``L`` samples
   (:func:`~openndc.osi.correlate.fft_length_for`), ``L - M + 1`` starts each, all chunks
   of the channel gathered into one (K, L) array;
2. numerators: one batched ``irfft(conj(rfft(templates)) x rfft(chunks))`` over the
   (templates x chunks) of the channel; short chunks keep the FFT's rounding relative to
   the local, not the whole trace's, amplitude;
3. inverse window norms from float64 cumulative sums within each chunk, 0 where the
   window's standard deviation is at or below ``FLAT x max|data|`` (gaps, dead channels),
   so flat data give 0, never NaN or inf;
4. ``clip(numerator x inverse norm, -1, 1)`` and the sum over channels, each template's row
   shifted by its move-out.

Precision: CuPy keeps float32 input in float32/complex64 FFTs, as the numba path does;
NumPy < 2 promotes FFTs to float64 (slower, closer to the reference). The result is
float32, shape (T, N - M + 1), in the namespace ``xp`` (:func:`to_numpy` brings it back).
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

import numpy as np

from openndc.model.errors import ConfigError
from openndc.osi.correlate import FLAT, TemplateBank, fft_length_for

__all__ = ["array_namespace", "stacked_normxcorr_xp", "to_numpy"]

log = logging.getLogger(__name__)


def array_namespace(device: str) -> ModuleType:
    """The array module of a ``MatchConfig.device``: ``"array"`` -> NumPy, ``"gpu"`` -> CuPy.

    Raises :class:`ConfigError` (one line) when ``"gpu"`` is asked for and CuPy is not
    installed or sees no CUDA device.
    """
    if device == "array":
        return np
    if device != "gpu":
        raise ConfigError(
            f"match device {device!r} has no array namespace: use 'array' (NumPy) or 'gpu' (CuPy)"
        )
    try:
        cupy = importlib.import_module("cupy")
    except Exception as exc:  # ImportError, or a CUDA library CuPy fails to load
        raise ConfigError(
            f"match device 'gpu' needs CuPy, which cannot be imported ({exc}): install the "
            "cupy-cudaNNx wheel for the machine's CUDA, or use device 'cpu' or 'array'"
        ) from exc
    try:
        n = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:  # CuPy raises its own CUDARuntimeError without a driver
        raise ConfigError(
            f"match device 'gpu': CuPy finds no usable CUDA device ({exc}); use device 'cpu' "
            "or 'array' on this machine"
        ) from exc
    if n < 1:
        raise ConfigError(
            "match device 'gpu': CuPy finds no CUDA device; use device 'cpu' or 'array' on "
            "this machine"
        )
    log.debug("match device 'gpu': CuPy %s, %d CUDA device(s)", cupy.__version__, n)
    return cupy


def to_numpy(a: Any) -> np.ndarray:
    """A NumPy copy of an array of any namespace (CuPy arrays come back from the device)."""
    get = getattr(a, "get", None)
    if get is not None and not isinstance(a, np.ndarray):
        return np.asarray(get())
    return np.asarray(a)


def _inverse_norms(xp: ModuleType, chunks: Any, m: int, flat: float) -> Any:
    """(K, L - M + 1) float32: 1 / |window - its mean| for each window start of each chunk
    (float64 cumulative sums within the chunk); 0 where the window is flat."""
    x = chunks.astype(xp.float64)
    zero = xp.zeros((x.shape[0], 1), dtype=xp.float64)
    c1 = xp.concatenate((zero, xp.cumsum(x, axis=1)), axis=1)
    c2 = xp.concatenate((zero, xp.cumsum(x * x, axis=1)), axis=1)
    s1 = c1[:, m:] - c1[:, :-m]
    ss = (c2[:, m:] - c2[:, :-m]) - s1 * s1 / m
    ok = ss > (flat * flat) * m
    return xp.where(ok, 1.0 / xp.sqrt(xp.where(ok, ss, 1.0)), 0.0).astype(xp.float32)


def _channel_correlation(
    xp: ModuleType, spec: Any, trace: Any, m: int, length: int, flat: float
) -> Any:
    """(U, N - M + 1) float32 normalised correlations of one trace with the U templates
    whose conjugate spectra are ``spec`` (U, length // 2 + 1)."""
    n_valid = trace.shape[0] - m + 1
    step = length - m + 1
    k = -(-n_valid // step)
    padded = xp.concatenate((trace, xp.zeros(k * step + m - 1 - trace.shape[0], xp.float32)))
    # chunk j holds samples j*step .. j*step + L - 1 (the last ends at k*step + M - 2)
    idx = xp.arange(k)[:, None] * step + xp.arange(length)[None, :]
    chunks = xp.take(padded, idx)  # (K, L)
    inv = _inverse_norms(xp, chunks, m, flat)  # (K, step)
    dspec = xp.fft.rfft(chunks, n=length, axis=-1)  # (K, nf)
    numer = xp.fft.irfft(spec[:, None, :] * dspec[None, :, :], n=length, axis=-1)
    cc = numer[:, :, :step] * inv[None, :, :]
    xp.maximum(cc, -1.0, out=cc)  # clip to [-1, 1], in place (faster than NumPy's clip)
    xp.minimum(cc, 1.0, out=cc)
    return cc.reshape(spec.shape[0], k * step)[:, :n_valid].astype(xp.float32)


def stacked_normxcorr_xp(
    bank: TemplateBank, data: np.ndarray, xp: ModuleType, *, fft_length: int = 0
) -> Any:
    """Network-stacked normalised cross-correlation on the array module ``xp``.

    The same result as :func:`openndc.osi.correlate.stacked_normxcorr` (to float32
    rounding): ``out[t, k]`` sums, over the template's channels, the channel correlation at
    ``k + shifts[t, c]``. ``data`` (C, N) may be a NumPy array or already an ``xp`` array.
    Returns a float32 (T, N - M + 1) array of ``xp``.
    """
    d = xp.asarray(data, dtype=xp.float32)
    n_t, n_c, m = bank.waveforms.shape
    if d.ndim != 2 or d.shape[0] != n_c:
        raise ValueError(f"data {tuple(d.shape)}: need (C, N) with C = {n_c} channels of the bank")
    n_out = int(d.shape[1]) - m + 1
    out = xp.zeros((n_t, max(n_out, 0)), dtype=xp.float32)
    if n_out <= 0 or n_t == 0:
        return out
    length = fft_length_for(m, fft_length)
    tpl_np = bank.normalised()
    used = bank.used & (np.abs(tpl_np).max(axis=2) > 0)
    scale = to_numpy(xp.max(xp.abs(d), axis=1)).astype(np.float64) * FLAT
    tpl = xp.asarray(tpl_np)
    for c in range(n_c):
        users = np.flatnonzero(used[:, c])
        if users.size == 0 or not scale[c] > 0.0:
            continue
        spec = xp.conj(xp.fft.rfft(tpl[xp.asarray(users), c, :], n=length, axis=-1))
        cc = _channel_correlation(xp, spec, d[c], m, length, float(scale[c]))
        for u, t in enumerate(users.tolist()):
            s = int(bank.shifts[t, c])
            if s < n_out:  # past the data's end a shifted channel adds nothing
                out[t, : n_out - s] += cc[u, s:]
    return out
