"""Peak search and fit on a gamma spectrum (pure functions on arrays).

Search: the spectrum is correlated with a zero-area "Mexican hat" (second derivative of a
Gaussian) whose width follows the detector resolution at each channel (Mariscotti,
Nucl. Instrum. Methods 50 (1967) 309; Robinson 1990). A constant or linear continuum gives
zero response; a peak gives a positive one. The significance of the response is
``r / sqrt(var r)`` with Poisson variance ``sum k_i**2 c_i``; local maxima above the
threshold are candidates.

Fit: candidates closer than a few FWHM form one region, fitted by least squares
(Poisson weights) with Gaussians on a linear continuum; the Gaussian widths share one
scale factor on the resolution curve. Areas, centroids and their 1-sigma uncertainties
come from the covariance matrix.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

__all__ = ["FittedPeak", "fit_peaks", "search_peaks", "search_response"]

log = logging.getLogger(__name__)
_SQ2PI = math.sqrt(2.0 * math.pi)
_FWHM = 2.0 * math.sqrt(2.0 * math.log(2.0))


def search_response(counts: np.ndarray, sigma_ch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Filter response and its significance per channel.

    ``counts`` [counts per channel]; ``sigma_ch`` the Gaussian sigma of a peak at each
    channel [channels]. The kernel spans +-3 sigma and is made zero-area.
    """
    c = np.asarray(counts, dtype=float)
    s = np.maximum(np.asarray(sigma_ch, dtype=float), 0.5)
    n = c.size
    w = np.ceil(3.0 * s).astype(int)
    H = int(w.max())
    S_g = np.zeros(n)
    S_gc = np.zeros(n)
    S_g2c = np.zeros(n)
    S_c = np.zeros(n)
    N = np.zeros(n)
    idx = np.arange(n)
    for off in range(-H, H + 1):
        j = idx + off
        ok = (np.abs(off) <= w) & (j >= 0) & (j < n)
        x2 = (off / s) ** 2
        g = np.where(ok, (1.0 - x2) * np.exp(-0.5 * x2), 0.0)
        cj = np.where(ok, c[np.clip(j, 0, n - 1)], 0.0)
        S_g += g
        S_gc += g * cj
        S_g2c += g * g * cj
        S_c += cj
        N += ok
    m = S_g / np.maximum(N, 1)
    resp = S_gc - m * S_c
    var = S_g2c - 2.0 * m * S_gc + m * m * S_c
    sig = np.where(var > 0, resp / np.sqrt(np.maximum(var, 1e-12)), 0.0)
    return resp, sig


def search_peaks(
    counts: np.ndarray, sigma_ch: np.ndarray, threshold: float = 4.0, first: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate peak channels (local maxima of the significance above ``threshold``)."""
    _, sig = search_response(counts, sigma_ch)
    sig[:first] = 0.0
    inner = sig[1:-1]
    is_max = (inner > threshold) & (inner >= sig[:-2]) & (inner > sig[2:])
    ch = np.nonzero(is_max)[0] + 1
    return ch.astype(int), sig[ch]


@dataclass(frozen=True)
class FittedPeak:
    """A fitted peak in channel units (the caller converts to energy)."""

    centroid: float  # [channel]
    centroid_uncertainty: float
    sigma: float  # [channel]
    area: float  # net counts
    area_uncertainty: float
    continuum: float  # continuum counts within +-1.25 FWHM
    significance: float  # search significance


def _model_jac(x: np.ndarray, p: np.ndarray, s0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Model (linear continuum + Gaussians sharing a width scale) and its Jacobian.

    ``p = [b0, b1, scale, area_1, mu_1, area_2, mu_2, ...]``; ``s0`` the nominal sigmas.
    """
    n = s0.size
    dx0 = x - x[0]
    y = p[0] + p[1] * dx0
    J = np.empty((x.size, 3 + 2 * n))
    J[:, 0] = 1.0
    J[:, 1] = dx0
    J[:, 2] = 0.0
    scale = p[2]
    for k in range(n):
        area, mu = p[3 + 2 * k], p[4 + 2 * k]
        s = scale * s0[k]
        z = (x - mu) / s
        g = np.exp(-0.5 * z * z) / (_SQ2PI * s)
        y = y + area * g
        J[:, 3 + 2 * k] = g
        J[:, 4 + 2 * k] = area * g * z / s
        J[:, 2] += area * g * (z * z - 1.0) / scale
    return y, J


def _regions(centres: np.ndarray, sig: np.ndarray, gap: float) -> list[list[int]]:
    order = np.argsort(centres)
    groups: list[list[int]] = []
    for i in order:
        if groups and centres[i] - centres[groups[-1][-1]] < gap * max(sig[i], 1.0):
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    return groups


def fit_peaks(
    counts: np.ndarray,
    candidates: np.ndarray,
    sigma_ch: np.ndarray,
    significance: np.ndarray,
    *,
    min_area_significance: float = 3.0,
    max_peaks_per_region: int = 8,
) -> list[FittedPeak]:
    """Fit candidate peaks (channels) region by region; keep areas above the threshold."""
    c = np.asarray(counts, dtype=float)
    cand = np.asarray(candidates, dtype=float)
    s_at = np.asarray(sigma_ch, dtype=float)[np.asarray(candidates, dtype=int)]
    out: list[FittedPeak] = []
    for group in _regions(cand, s_at, gap=5.0):
        for start in range(0, len(group), max_peaks_per_region):
            sub = group[start : start + max_peaks_per_region]
            out.extend(
                _fit_region(c, cand[sub], s_at[sub], significance[sub], min_area_significance)
            )
    return sorted(out, key=lambda p: p.centroid)


def _fit_region(
    c: np.ndarray, mus: np.ndarray, sigmas: np.ndarray, sigs: np.ndarray, min_z: float
) -> list[FittedPeak]:
    lo = int(max(0, math.floor(mus.min() - 4.0 * sigmas.max()) - 2))
    hi = int(min(c.size - 1, math.ceil(mus.max() + 4.0 * sigmas.max()) + 2))
    x = np.arange(lo, hi + 1, dtype=float)
    y = c[lo : hi + 1]
    if x.size < 3 * len(mus) + 4:
        return []
    edge = max(2, int(sigmas.max()))
    b_left, b_right = float(np.mean(y[:edge])), float(np.mean(y[-edge:]))
    b0 = b_left
    b1 = (b_right - b_left) / max(x[-1] - x[0], 1.0)
    weight = np.sqrt(np.maximum(y, 1.0))
    s0 = np.asarray(sigmas, dtype=float)
    p_init = np.asarray(
        [b0, b1, 1.0]
        + [
            v
            for mu, s in zip(mus, s0, strict=True)
            for v in (
                max(y[round(mu) - lo] - (b0 + b1 * (mu - x[0])), 1.0) * _SQ2PI * s,
                float(mu),
            )
        ]
    )

    def resid(p: np.ndarray) -> np.ndarray:
        return (_model_jac(x, p, s0)[0] - y) / weight

    def jac(p: np.ndarray) -> np.ndarray:
        return _model_jac(x, p, s0)[1] / weight[:, None]

    try:
        sol = least_squares(resid, p_init, jac=jac, method="lm", max_nfev=200 * p_init.size)
    except (RuntimeError, ValueError) as exc:
        log.debug("peak fit failed near channel %.1f: %s", mus[0], exc)
        return []
    p = sol.x
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac)
    except np.linalg.LinAlgError:
        return []
    perr = np.sqrt(np.maximum(np.diag(cov), 0.0))
    if not (0.5 < p[2] < 2.0) or not np.all(np.isfinite(perr)):
        return []
    out = []
    for k in range(len(mus)):
        area, mu = p[3 + 2 * k], p[4 + 2 * k]
        s = p[2] * s0[k]
        darea, dmu = perr[3 + 2 * k], perr[4 + 2 * k]
        if area <= 0 or darea <= 0 or area < min_z * darea or abs(mu - mus[k]) > 1.5 * s0[k]:
            continue
        half = 1.25 * _FWHM * s
        cont = (p[0] + p[1] * (mu - x[0])) * 2.0 * half
        out.append(
            FittedPeak(
                centroid=float(mu),
                centroid_uncertainty=float(dmu),
                sigma=float(s),
                area=float(area),
                area_uncertainty=float(darea),
                continuum=float(max(cont, 0.0)),
                significance=float(sigs[k]),
            )
        )
    return out
