"""S picking on three-component data, in the window after a P (pure functions on arrays).

A vertical-channel STA/LTA finds S badly: at local distances S follows P by 0.3-15 s, into
the P coda, and on the vertical S is often weaker than P. S is a horizontal, transverse
motion, so it is picked on the horizontals in the window the P predicts
(``[P + min_delay, P + max_delay]``):

1. the three components are band-passed zero-phase in ``[freq_min, freq_max]``;
2. characteristic function: the STA/LTA of the horizontal amplitude ``sqrt(N² + E²)``
   (:func:`openndc.detection.stalta.recursive_sta_lta_warm`, started at the P so that
   the LTA is the P coda the S has to rise above), weighted by the horizontal share of
   the energy in the STA window ``H / (H + Z²)`` (S motion is horizontal, P motion mostly
   vertical: a polarization filter in the sense of Ross & Ben-Zion 2014);
3. the maximum of that function in the window is the coarse S (the end of the steepest
   horizontal energy rise); its value is the S SNR, which must reach ``min_snr``;
4. the onset: the minimum of the summed AIC (Maeda 1985) of N and E in
   ``[coarse - before, coarse + after]`` (never before ``P + min_delay / 2``); the AIC of
   both horizontals is summed because the S energy is split between them by the unknown
   back-azimuth;
5. as for P, a second AIC within ``±narrow`` of that pick on the horizontals filtered
   *causally* in the S band (zero-phase filtering spreads an impulsive onset backwards; a
   causal filter puts no energy ahead of it).

Measured on the PhaseNet windows (real analyst S, ``benchmarks/bench_picking.py``): see
docs/detection.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from openndc.detection.config import SPickConfig
from openndc.detection.filters import causal_bandpass, zerophase_bandpass
from openndc.detection.onset import aic_cf
from openndc.detection.stalta import recursive_sta_lta_warm

__all__ = ["SPick", "horizontal_share", "pick_s", "s_characteristic"]


@dataclass(frozen=True, slots=True)
class SPick:
    """An S onset: sample index in the input arrays, SNR of the characteristic function,
    horizontal energy share at the pick (0-1) and the horizontal component ("N" or "E")
    with more energy in the first second of S."""

    index: int
    snr: float
    horizontal_share: float
    component: str


def horizontal_share(z: np.ndarray, n: np.ndarray, e: np.ndarray, nwin: int) -> np.ndarray:
    """``H / (H + V)`` of the trailing ``nwin``-sample window ending at each sample, with
    ``H = Σ n² + e²`` and ``V = Σ z²`` (0 before the first full window and where flat)."""
    h = np.asarray(n, dtype=np.float64) ** 2 + np.asarray(e, dtype=np.float64) ** 2
    v = np.asarray(z, dtype=np.float64) ** 2
    ch = np.concatenate(([0.0], np.cumsum(h)))
    cv = np.concatenate(([0.0], np.cumsum(v)))
    out = np.zeros(len(h))
    if nwin < 1 or len(h) < nwin:
        return out
    hs = ch[nwin:] - ch[:-nwin]
    tot = hs + (cv[nwin:] - cv[:-nwin])
    out[nwin - 1 :] = np.divide(hs, tot, out=np.zeros_like(hs), where=tot > 0)
    return out


def s_characteristic(
    z: np.ndarray, n: np.ndarray, e: np.ndarray, nsta: int, nlta: int, nwarm: int
) -> np.ndarray:
    """The S characteristic function of band-passed ``z``, ``n``, ``e`` (equal lengths,
    starting at the P): STA/LTA of ``sqrt(n² + e²)`` times :func:`horizontal_share` over
    the STA window (see the module docstring)."""
    amp = np.hypot(np.asarray(n, dtype=np.float64), np.asarray(e, dtype=np.float64))
    cf = recursive_sta_lta_warm(amp, nsta, nlta, nwarm)
    return np.asarray(cf * horizontal_share(z, n, e, nsta))


def _band(
    z: np.ndarray,
    n: np.ndarray,
    e: np.ndarray,
    fs: float,
    p_index: int,
    b: int,
    fmin: float,
    fmax: float,
    *,
    causal: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``z``, ``n``, ``e`` band-passed (4-pole; zero-phase or causal) over ``[p_index, b)``,
    filtered with 5 periods of the lower corner of padding before the P and after ``b``."""
    pad = round(5.0 / fmin * fs)
    lo, hi = max(0, p_index - pad), min(len(z), b + pad)
    out = []
    for x in (z, n, e):
        seg = np.nan_to_num(x[lo:hi] - np.nanmean(x[lo:hi]))
        y = (
            causal_bandpass(seg, fs, fmin, fmax, 4)
            if causal
            else zerophase_bandpass(seg, fs, fmin, fmax, 4)
        )
        out.append(y[p_index - lo : b - lo])
    return out[0], out[1], out[2]


def _aic_two(n: np.ndarray, e: np.ndarray, j0: int, j1: int) -> int | None:
    """Onset (index into ``n``/``e``) at the minimum of the summed AIC of both horizontals
    over ``[j0, j1)``; None for a window under 16 samples."""
    j1 = min(len(n), j1)
    if j1 - j0 < 16:
        return None
    aic = aic_cf(n[j0:j1]) + aic_cf(e[j0:j1])
    return j0 + int(np.argmin(aic[2:-2])) + 3


def pick_s(
    z: np.ndarray,
    n: np.ndarray,
    e: np.ndarray,
    fs: float,
    p_index: int,
    config: SPickConfig,
    *,
    end: int | None = None,
) -> SPick | None:
    """The S onset after the P at sample ``p_index`` of raw ``z``, ``n``, ``e`` (equal
    lengths, sampling rate ``fs`` [Hz]), or None.

    The search window is ``[p_index + min_delay, min(p_index + max_delay, end)]`` (``end``
    defaults to the data end). Returns None when the window is shorter than a second,
    the band is unusable at ``fs``, or the characteristic function never reaches
    ``config.min_snr``.
    """
    z, n, e = (np.asarray(v, dtype=np.float64) for v in (z, n, e))
    if not len(z) == len(n) == len(e):
        raise ValueError(
            f"S picking needs equal-length components, got {len(z)}, {len(n)}, {len(e)}"
        )
    fmax = min(config.freq_max, 0.45 * fs)
    if config.freq_min >= fmax:
        return None
    last = len(z) if end is None else min(len(z), end)
    a = p_index + round(config.min_delay * fs)
    b = min(last, p_index + round(config.max_delay * fs))
    if b - a < round(fs) or p_index < 0:
        return None
    zf, nf, ef = _band(z, n, e, fs, p_index, b, config.freq_min, fmax, causal=False)
    nsta = max(2, round(config.sta * fs))
    nlta = max(nsta + 1, round(config.lta * fs))
    cf = s_characteristic(zf, nf, ef, nsta, nlta, nsta)
    off = a - p_index
    share = horizontal_share(zf, nf, ef, nsta)
    # S motion is more horizontal than its P's: only where the horizontal share exceeds the
    # P's own (its first min_delay / 2) may the S be (a noise "P" followed by a real P is
    # not taken for a P-S pair)
    n_p = max(2, min(nsta, round(0.5 * config.min_delay * fs)))
    p_share = float(np.sum(nf[:n_p] ** 2 + ef[:n_p] ** 2)) / max(
        float(np.sum(zf[:n_p] ** 2 + nf[:n_p] ** 2 + ef[:n_p] ** 2)), 1e-300
    )
    window = np.where(share > p_share, cf, 0.0)[off:]
    if not len(window) or not np.all(np.isfinite(window)):
        return None
    k = int(np.argmax(window))
    snr = float(window[k])
    if snr < config.min_snr:
        return None
    coarse = off + k
    # the AIC may reach back before min_delay (the coarse pick lags the onset by up to an
    # STA window), but not into the first half of it
    onset = _aic_two(
        nf,
        ef,
        max(off // 2, coarse - round(config.before * fs)),
        coarse + round(config.after * fs) + 1,
    )
    if onset is None:
        return None
    # stage 2 (as for P, openndc.detection.onset.refine_onset): AIC again within
    # ±config.narrow of that pick on the horizontals filtered *causally* in the S band:
    # zero-phase filtering spreads an impulsive S backwards, a causal filter does not (the
    # band, not a broad band as for P: the P coda before an S is rich in high frequencies)
    _, nc, ec = _band(z, n, e, fs, p_index, b, config.freq_min, fmax, causal=True)
    step = round(config.narrow * fs)
    fine = _aic_two(nc, ec, max(off // 2, onset - step), onset + step + 1)
    onset = fine if fine is not None else onset
    s1 = min(len(nf), onset + round(fs))
    comp = "N" if float(np.sum(nf[onset:s1] ** 2)) >= float(np.sum(ef[onset:s1] ** 2)) else "E"
    at = min(len(share) - 1, onset + nsta - 1)
    return SPick(p_index + onset, snr, float(share[at]) if math.isfinite(share[at]) else 0.0, comp)
