"""Energy, resolution and efficiency calibration of a gamma detector (pure functions).

* Energy: polynomial ``E(ch) = sum c_i ch**i`` fitted to (channel, energy) pairs.
* Resolution: ``FWHM(E) = sqrt(a + b E)`` [keV] (electronic noise + Fano statistics;
  Knoll, *Radiation Detection and Measurement*, 4th ed., ch. 12), linear least squares on
  FWHM**2.
* Efficiency: ``ln eff = sum a_i (ln E)**i`` (the log-log polynomial of Gunnink/IDC
  practice), with the relative uncertainty interpolated between the calibration points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openndc.radionuclide.errors import RadionuclideError

__all__ = [
    "EfficiencyCurve",
    "ResolutionCurve",
    "fit_efficiency",
    "fit_energy",
    "fit_resolution",
    "recalibrate_energy",
]


def fit_energy(
    channels: np.ndarray, energies: np.ndarray, degree: int = 1
) -> tuple[tuple[float, ...], np.ndarray]:
    """Polynomial coefficients (lowest first) and residuals [keV] of an energy calibration."""
    ch = np.asarray(channels, dtype=float)
    e = np.asarray(energies, dtype=float)
    if ch.size < degree + 1:
        raise RadionuclideError(
            f"energy calibration of degree {degree} needs {degree + 1} points, got {ch.size}"
        )
    coef = np.polynomial.polynomial.polyfit(ch, e, degree)
    resid = e - np.polynomial.polynomial.polyval(ch, coef)
    return tuple(float(c) for c in coef), resid


@dataclass(frozen=True)
class ResolutionCurve:
    """``FWHM(E) = sqrt(a + b E)`` [keV]."""

    a: float
    b: float

    def fwhm(self, energy: np.ndarray | float) -> np.ndarray:
        e = np.asarray(energy, dtype=float)
        return np.sqrt(np.maximum(self.a + self.b * e, 1e-6))


def fit_resolution(
    energies: np.ndarray, fwhm: np.ndarray, uncertainty: np.ndarray | None = None
) -> ResolutionCurve:
    """Weighted least squares of FWHM**2 = a + b E; needs 2 points or more."""
    e = np.asarray(energies, dtype=float)
    w2 = np.asarray(fwhm, dtype=float) ** 2
    if e.size < 2:
        raise RadionuclideError("a resolution calibration needs 2 (energy, FWHM) points or more")
    if uncertainty is None:
        weight = np.ones_like(e)
    else:
        u = np.maximum(np.asarray(uncertainty, dtype=float), 1e-6)
        weight = 1.0 / (2.0 * np.asarray(fwhm) * u)  # sigma of FWHM**2
    A = np.column_stack([np.ones_like(e), e]) * weight[:, None]
    (a, b), *_ = np.linalg.lstsq(A, w2 * weight, rcond=None)
    return ResolutionCurve(float(a), float(b))


@dataclass(frozen=True)
class EfficiencyCurve:
    """Full-energy-peak efficiency: ``ln eff = sum a_i (ln E)**i``; valid between the points."""

    coefficients: tuple[float, ...]
    energies: tuple[float, ...]
    relative_uncertainties: tuple[float, ...]

    def __call__(self, energy: np.ndarray | float) -> np.ndarray:
        x = np.log(np.asarray(energy, dtype=float))
        return np.exp(np.polynomial.polynomial.polyval(x, np.asarray(self.coefficients)))

    def relative_uncertainty(self, energy: np.ndarray | float) -> np.ndarray:
        return np.interp(
            np.asarray(energy, dtype=float), self.energies, self.relative_uncertainties
        )


def fit_efficiency(
    energies: np.ndarray,
    efficiency: np.ndarray,
    uncertainty: np.ndarray | None = None,
    degree: int = 3,
) -> EfficiencyCurve:
    """Log-log polynomial fit of efficiency points (energy [keV], efficiency, 1-sigma)."""
    e = np.asarray(energies, dtype=float)
    eff = np.asarray(efficiency, dtype=float)
    if e.size < 2 or np.any(eff <= 0) or np.any(e <= 0):
        raise RadionuclideError(
            "an efficiency calibration needs 2 points or more with energy > 0 and efficiency > 0"
        )
    order = np.argsort(e)
    e, eff = e[order], eff[order]
    u = (
        np.full_like(e, 0.05 * 1.0)
        if uncertainty is None
        else np.asarray(uncertainty, dtype=float)[order] / eff
    )
    deg = min(degree, e.size - 1)
    w = 1.0 / np.maximum(u, 1e-4)
    coef = np.polynomial.polynomial.polyfit(np.log(e), np.log(eff), deg, w=w)
    return EfficiencyCurve(
        tuple(float(c) for c in coef), tuple(float(x) for x in e), tuple(float(x) for x in u)
    )


def recalibrate_energy(
    coefficients: tuple[float, ...],
    peak_channels: np.ndarray,
    reference_energies: np.ndarray,
    tolerance: float = 3.0,
    min_matches: int = 3,
    relative_tolerance: float = 0.003,
) -> tuple[tuple[float, ...], int]:
    """Refine an energy calibration on well-known lines seen in the spectrum.

    Each reference energy [keV] is matched to the nearest peak within ``tolerance`` keV
    (or ``relative_tolerance`` of the energy, whichever is larger) of the current
    calibration; with ``min_matches`` or more the calibration is refitted on
    the matched (channel, reference energy) pairs (quadratic with 5 lines or more).
    Returns the new coefficients and the number of lines used (0: unchanged).
    """
    ch = np.asarray(peak_channels, dtype=float)
    if ch.size == 0:
        return coefficients, 0
    e_now = np.polynomial.polynomial.polyval(ch, np.asarray(coefficients))
    pairs = []
    for ref in np.asarray(reference_energies, dtype=float):
        i = int(np.argmin(np.abs(e_now - ref)))
        if abs(e_now[i] - ref) <= max(tolerance, relative_tolerance * ref):
            pairs.append((e_now[i], ref))
    if len(pairs) < min_matches:
        return coefficients, 0
    a = np.asarray(pairs)
    # Refit E(ch) on the matched channels: linear correction of the current calibration
    # (quadratic in channel when 5 lines or more span the range).
    chans = [float(ch[np.argmin(np.abs(e_now - e))]) for e, _ in pairs]
    degree = 2 if len(pairs) >= 5 else 1
    coef = np.polynomial.polynomial.polyfit(chans, a[:, 1], degree)
    return tuple(float(c) for c in coef), len(pairs)
