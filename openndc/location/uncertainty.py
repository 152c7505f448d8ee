"""Confidence regions of a least-squares hypocentre and the azimuthal gap.

The covariance of the hypocentre is ``C = (G^T W G)^-1`` with the partial-derivative
matrix ``G`` and a-priori weights ``W = diag(1/sigma^2)``. Following Jordan & Sverdrup
(1981, BSSA 71, 1105-1130), a region of ``M`` parameters at probability ``p`` is

    dm^T C^-1 dm <= kappa^2,  kappa^2 = M s^2 F_{M, K+N-M}(p),
    s^2 = (K s_K^2 + sum (r_i / sigma_i)^2) / (K + N - M),

with ``N`` defining data, ``M`` parameters solved for, a-priori variance factor
``s_K = 1`` and ``K`` the number of "a-priori degrees of freedom". ``K -> inf`` gives the
*coverage* ellipse (``kappa^2 = chi^2_M(p)``: the a-priori uncertainties are trusted, the
residuals do not scale the ellipse), the IDC's practice for the REB; ``K = 0`` gives the
classical a-posteriori *confidence* ellipse (needs ``N > M``).

The epicentre ellipse uses ``M = 2``; depth and origin-time uncertainties ``M = 1``
(half-widths of the confidence interval).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import stats

from openndc.model.event import ErrorEllipse

__all__ = ["azimuthal_gap", "error_ellipse", "kappa_squared"]


def kappa_squared(m: int, n: int, weighted_ss: float, k: float, confidence: float) -> float:
    """Jordan-Sverdrup ``kappa^2`` for ``m`` parameters (see the module docstring).

    ``n`` is the number of defining data, ``weighted_ss`` the sum of squared normalised
    residuals ``sum (r/sigma)^2``, ``k`` the a-priori degrees of freedom (``inf`` for the
    coverage ellipse). Returns NaN when the a-posteriori form has no degree of freedom.
    """
    if math.isinf(k):
        return float(stats.chi2.ppf(confidence, m))
    dof = k + n - m
    if dof <= 0:
        return math.nan
    s2 = (k + weighted_ss) / dof
    return float(m * s2 * stats.f.ppf(confidence, m, dof))


def error_ellipse(cov_en: npt.ArrayLike, kappa2_2d: float, confidence: float = 0.9) -> ErrorEllipse:
    """Epicentral ellipse from the 2x2 covariance [km^2] of (east, north).

    Semi-axes are ``sqrt(kappa^2 * eigenvalue)`` [km]; the azimuth of the semi-major axis
    is in [0, 180) degrees clockwise from north.
    """
    c = np.asarray(cov_en, dtype=np.float64)
    vals, vecs = np.linalg.eigh(0.5 * (c + c.T))
    vals = np.clip(vals, 0.0, None)
    major = vecs[:, 1]
    azimuth = math.degrees(math.atan2(major[0], major[1])) % 180.0
    return ErrorEllipse(
        semi_major_km=float(math.sqrt(kappa2_2d * vals[1])),
        semi_minor_km=float(math.sqrt(kappa2_2d * vals[0])),
        azimuth=float(azimuth),
        confidence=confidence,
    )


def azimuthal_gap(azimuths: npt.ArrayLike) -> float:
    """Largest gap [deg] between azimuths [deg] (event to station); 360 for < 2 stations."""
    az = np.unique(np.mod(np.asarray(azimuths, dtype=np.float64), 360.0))
    if az.size < 2:
        return 360.0
    gaps = np.diff(np.append(az, az[0] + 360.0))
    return float(gaps.max())
