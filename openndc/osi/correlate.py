"""Normalised cross-correlation kernels of template matching.

The normalised cross-correlation of a template ``t`` (length ``M``) with data ``d`` at lag
``k`` is

    cc[k] = sum_j (t_j - mean t) (d_{k+j} - mean_k d) / (|t - mean t| |d_{k..k+M} - mean_k d|)

(Pearson's r of the template and the data window starting at sample ``k``; ObsPy's
``correlate_template(..., normalize="full", mode="valid")``). A window whose standard
deviation is below ``FLAT * max|d|`` (a zero-filled gap, a dead channel) gives 0, never
NaN or inf.

Two implementations:

- :func:`normxcorr_py`: the plain reference, direct sliding dot products in float64;
- :func:`stacked_normxcorr`: the fast path for a bank of templates over the channels of a
  network, stacked at each template's move-out. The numerators are batched real FFTs
  (``scipy.fft``, float32) over all templates of one channel in overlap-save chunks of
  ``2**k`` samples; the data's running window norms (float64 running sums,
  :func:`window_inverse_norms`) are computed once per channel and chunk and shared by every
  template of that length; the normalisation and the shifted sum over channels are fused in
  one numba kernel (:func:`stack_shifted`). Channels are shared out to ``workers`` threads
  (FFTs and kernels release the GIL), each summing into its own output.

The same stacked correlation written once for NumPy and CuPy (the GPU path) is
:mod:`openndc.osi.correlate_xp`; ``MatchConfig.device`` chooses (docs/osi.md).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "FLAT",
    "TemplateBank",
    "fft_length_for",
    "normxcorr",
    "normxcorr_py",
    "stack_shifted",
    "stack_shifted_py",
    "stacked_normxcorr",
    "stacked_normxcorr_py",
    "window_inverse_norms",
    "window_inverse_norms_py",
]

#: A data window whose standard deviation is below FLAT x max|data| correlates as 0.
FLAT = 1e-5


def normxcorr_py(template: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Reference normalised cross-correlation (float64, direct), length ``len(data) - M + 1``."""
    t = np.asarray(template, dtype=np.float64)
    d = np.asarray(data, dtype=np.float64)
    m = t.size
    if m == 0 or d.size < m:
        return np.zeros(max(d.size - m + 1, 0))
    t0 = t - t.mean()
    tn = math.sqrt(float(t0 @ t0))
    windows = sliding_window_view(d, m)
    wm = windows - windows.mean(axis=1, keepdims=True)
    num = wm @ t0
    wn = np.sqrt(np.einsum("ij,ij->i", wm, wm))
    flat = wn <= FLAT * float(np.abs(d).max(initial=0.0)) * math.sqrt(m)
    den = np.where(flat | (tn == 0.0), 1.0, tn * wn)
    out = np.where(flat | (tn == 0.0), 0.0, num / den)
    return np.clip(out, -1.0, 1.0)


@dataclass(frozen=True)
class TemplateBank:
    """Templates of one length on the channels of one data array (the kernels' named input).

    ``waveforms`` (T, C, M): template ``t`` on data channel ``c`` (zeros where unused);
    ``shifts`` (T, C) [samples]: the move-out of each channel, the window's start minus
    the template's earliest window start (>= 0); ``used`` (T, C): the template has this
    channel.
    """

    waveforms: np.ndarray
    shifts: np.ndarray
    used: np.ndarray

    def __post_init__(self) -> None:
        w, s, u = self.waveforms, self.shifts, self.used
        if w.ndim != 3 or s.shape != w.shape[:2] or u.shape != w.shape[:2]:
            raise ValueError(
                f"TemplateBank: waveforms {w.shape}, shifts {s.shape}, used {u.shape}: need "
                "(T, C, M), (T, C), (T, C)"
            )
        if s.size and int(s.min()) < 0:
            raise ValueError("TemplateBank: shifts must be >= 0")

    @property
    def length(self) -> int:
        return int(self.waveforms.shape[2])

    @property
    def max_shift(self) -> int:
        return int(self.shifts.max(initial=0))

    def normalised(self) -> np.ndarray:
        """Zero-mean, unit-norm float32 templates; unused or flat rows are zero."""
        w = self.waveforms.astype(np.float64)
        w = w - w.mean(axis=2, keepdims=True)
        norm = np.sqrt((w * w).sum(axis=2, keepdims=True))
        ok = self.used[:, :, None] & (norm > 0)
        return np.where(ok, w / np.where(norm > 0, norm, 1.0), 0.0).astype(np.float32)


def normxcorr(template: np.ndarray, data: np.ndarray, *, workers: int = 1) -> np.ndarray:
    """Fast normalised cross-correlation of one template with one trace (float32 FFT)."""
    bank = TemplateBank(
        np.asarray(template, dtype=np.float32)[None, None, :],
        np.zeros((1, 1), dtype=np.int64),
        np.ones((1, 1), dtype=bool),
    )
    return stacked_normxcorr(bank, np.asarray(data)[None, :], workers=workers)[0]


def fft_length_for(span: int, requested: int = 0) -> int:
    """The FFT length for templates spanning ``span`` samples (length + max move-out).

    ``requested`` (a power of two, 0: automatic): at least ``span``. Automatic: the
    smallest power of two >= 8 x span and >= 2**13, so that less than an eighth of each
    FFT is overlap.
    """
    if requested:
        if requested < span:
            raise ValueError(f"fft_length {requested} is shorter than the template span {span}")
        return requested
    return max(1 << 13, 1 << math.ceil(math.log2(8 * max(span, 1))))


def window_inverse_norms_py(seg: np.ndarray, m: int, flat: float) -> np.ndarray:
    """1 / |window - its mean| for each of the ``len(seg) - m + 1`` window starts of
    ``seg``; 0 where the window's standard deviation is at or below ``flat``."""
    x = seg.astype(np.float64)
    c1 = np.concatenate(([0.0], np.cumsum(x)))
    c2 = np.concatenate(([0.0], np.cumsum(x * x)))
    s1 = c1[m:] - c1[:-m]
    ss = (c2[m:] - c2[:-m]) - s1 * s1 / m
    ok = ss > (flat * flat) * m
    return np.where(ok, 1.0 / np.sqrt(np.where(ok, ss, 1.0)), 0.0).astype(np.float32)


@numba.njit(cache=True, nogil=True)
def window_inverse_norms(seg: np.ndarray, m: int, flat: float) -> np.ndarray:
    """Fast :func:`window_inverse_norms_py` (running sums in float64, one pass)."""
    n = seg.shape[0] - m + 1
    out = np.zeros(max(n, 0), dtype=np.float32)
    if n <= 0:
        return out
    x = seg.astype(np.float64)
    s1 = 0.0
    s2 = 0.0
    for j in range(m):
        s1 += x[j]
        s2 += x[j] * x[j]
    limit = flat * flat * m
    for k in range(n):
        if k > 0:
            a = x[k - 1]
            b = x[k + m - 1]
            s1 += b - a
            s2 += b * b - a * a
        ss = s2 - s1 * s1 / m
        if ss > limit:
            out[k] = 1.0 / np.sqrt(ss)
    return out


@numba.njit(cache=True, nogil=True)
def stack_shifted(
    out: np.ndarray,
    numer: np.ndarray,
    inv: np.ndarray,
    shifts: np.ndarray,
    rows: np.ndarray,
    k0: int,
    n: int,
) -> None:
    """``out[rows[u], k0 + i] += clip(numer[u, i + shifts[u]] * inv[i + shifts[u]])``, i < n.

    ``numer`` (U, L): correlation numerators of one channel with the U templates that use
    it; ``inv`` (V,): that channel's inverse window norms (V valid window starts; positions
    past V add nothing); ``rows`` (U,): each template's row of ``out``.
    """
    v = inv.shape[0]
    for u in range(numer.shape[0]):
        s = shifts[u]
        r = rows[u]
        stop = min(n, v - s)
        for i in range(stop):
            c = numer[u, i + s] * inv[i + s]
            if c > 1.0:
                c = 1.0
            elif c < -1.0:
                c = -1.0
            out[r, k0 + i] += c


def stack_shifted_py(
    out: np.ndarray,
    numer: np.ndarray,
    inv: np.ndarray,
    shifts: np.ndarray,
    rows: np.ndarray,
    k0: int,
    n: int,
) -> None:
    """Plain reference of :func:`stack_shifted`."""
    v = inv.shape[0]
    for u in range(numer.shape[0]):
        s = int(shifts[u])
        stop = max(min(n, v - s), 0)
        cc = numer[u, s : s + stop] * inv[s : s + stop]
        out[int(rows[u]), k0 : k0 + stop] += np.clip(cc, -1.0, 1.0)


def stacked_normxcorr(
    bank: TemplateBank, data: np.ndarray, *, fft_length: int = 0, workers: int | None = None
) -> np.ndarray:
    """Network-stacked normalised cross-correlation, (T, N - M + 1) float32.

    ``data`` (C, N): the channels of the bank, one time grid. ``out[t, k]`` is the sum over
    the template's channels of the channel correlation at ``k + shifts[t, c]``: the template's
    earliest window aligned with data sample ``k``. Channels whose shifted window runs past
    the data's end add nothing there.
    """
    d = np.asarray(data, dtype=np.float32)
    n_t, n_c, m = bank.waveforms.shape
    if d.ndim != 2 or d.shape[0] != n_c:
        raise ValueError(f"data {d.shape}: need (C, N) with C = {n_c} channels of the bank")
    n = d.shape[1]
    n_out = n - m + 1
    out = np.zeros((n_t, max(n_out, 0)), dtype=np.float32)
    if n_out <= 0 or n_t == 0:
        return out
    workers = max(1, min(workers or os.cpu_count() or 1, n_c))
    max_shift = bank.max_shift
    length = fft_length_for(m + max_shift, fft_length)
    tpl = bank.normalised()
    used = bank.used & (np.abs(tpl).max(axis=2) > 0)
    scale = np.abs(d).max(axis=1) * FLAT
    jobs = [c for c in range(n_c) if used[:, c].any() and scale[c] > 0.0]
    jobs.sort(key=lambda c: -int(used[:, c].sum()))  # biggest first, dealt round-robin
    plan = _Plan(
        tpl,
        np.ascontiguousarray(bank.shifts, dtype=np.int64),
        used,
        d,
        scale,
        length,
        length - m - max_shift + 1,
        n_out,
    )
    if workers == 1:
        _correlate_channels(plan, jobs, out)
        return out
    # Threads over channels (the FFTs and the numba kernels release the GIL), each into
    # its own output, summed at the end: no two threads write the same memory.
    buffers = [out] + [np.zeros_like(out) for _ in range(workers - 1)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = [
            pool.submit(_correlate_channels, plan, jobs[i::workers], buffers[i])
            for i in range(workers)
        ]
        for f in done:
            f.result()
    for b in buffers[1:]:
        out += b
    return out


@dataclass(frozen=True)
class _Plan:
    tpl: np.ndarray  # (T, C, M) normalised templates
    shifts: np.ndarray  # (T, C)
    used: np.ndarray  # (T, C)
    data: np.ndarray  # (C, N) float32
    flat: np.ndarray  # (C,) flat-window standard deviation
    length: int  # FFT length
    step: int  # output samples per chunk
    n_out: int


def _correlate_channels(plan: _Plan, channels: list[int], out: np.ndarray) -> None:
    m = plan.tpl.shape[2]
    nf = plan.length // 2 + 1
    for c in channels:
        users = np.flatnonzero(plan.used[:, c])
        spec = np.conj(scipy.fft.rfft(plan.tpl[users, c, :], n=plan.length, axis=-1))
        sh = np.ascontiguousarray(plan.shifts[users, c])
        rows = users.astype(np.int64)
        for k0 in range(0, plan.n_out, plan.step):
            seg = plan.data[c, k0 : k0 + plan.length]
            inv = window_inverse_norms(seg, m, float(plan.flat[c]))
            dspec = scipy.fft.rfft(seg, n=plan.length)
            numer = scipy.fft.irfft(spec * dspec[None, :nf], n=plan.length, axis=-1)
            stack_shifted(out, numer, inv, sh, rows, k0, min(plan.step, plan.n_out - k0))


def stacked_normxcorr_py(bank: TemplateBank, data: np.ndarray) -> np.ndarray:
    """Reference of :func:`stacked_normxcorr`: :func:`normxcorr_py` per channel, shifted sums."""
    d = np.asarray(data, dtype=np.float64)
    n_t, n_c, m = bank.waveforms.shape
    n_out = d.shape[1] - m + 1
    out = np.zeros((n_t, max(n_out, 0)))
    for c in range(n_c):
        for t in range(n_t):
            if not bank.used[t, c]:
                continue
            cc = normxcorr_py(bank.waveforms[t, c], d[c])
            s = int(bank.shifts[t, c])
            stop = max(min(n_out, cc.size - s), 0)
            out[t, :stop] += cc[s : s + stop]
    return out
