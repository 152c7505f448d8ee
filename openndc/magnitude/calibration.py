"""Magnitude calibration functions: ML (IASPEI), mb (Veith-Clawson 1972, IDC style), Ms_20.

Pure, vectorised functions on NumPy arrays (inputs broadcast), and their inverses for the
scenario synthesizer. Each station magnitude is ``log10(amplitude [/ period]) + correction``:

================  ================================================  ==========================
type              formula                                           amplitude
================  ================================================  ==========================
ML (IASPEI 2013)  ``log10(A) + ml_log_a0(R)``                        Wood-Anderson (static
                  ``ml_log_a0(R) = 1.11 log10(R) + 0.00189 R - 2.09``  magnification 1) zero-to-
                  R: hypocentral distance [km], valid R < ~1000 km   peak, horizontal, [nm]
mb (IDC)          ``log10(A/T) + mb_q(Delta, h)``                    half peak-to-peak P in the
                  VC72 Table 2 + log10(2), bilinear interpolation    0.8-4.5 Hz band, vertical,
                  Delta [deg], h [km]; IDC range 20-100 deg          ground displacement [nm]
Ms_20 (IASPEI)    ``log10(A/T) + ms_sigma(Delta)``                   vertical Rayleigh wave,
                  ``ms_sigma = 1.66 log10(Delta) + 0.3``             T 18-22 s, WWSSN-LP band,
                  Delta [deg], valid 20-160 deg                      ground displacement [nm]
================  ================================================  ==========================

Sources:

- ML: IASPEI Working Group on Magnitudes (2013), "Summary of Magnitude Working Group
  recommendations on standard procedures for determining earthquake magnitudes from digital
  data", equation (1): ``ML = log10(A) + 1.11 log10(R) + 0.00189 R - 2.09`` with A the
  maximum trace amplitude [nm] on a horizontal Wood-Anderson simulation with static
  magnification 1 and R the hypocentral distance [km] (an expansion of Hutton & Boore 1987;
  -2.09 assumes the measured WA magnification 2080). Quoted at
  http://www.isc.ac.uk/standards/magnitudes/. Check: 1 mm on a classic WA (magnification
  2080, A = 1e6/2080 nm) at R = 100 km gives ML = 3.00, Richter's definition.
- mb: Veith & Clawson (1972) Table 2 with the IDC's half peak-to-peak adjustment; the table
  and :func:`mb_q`, :func:`mb_from_amplitude`, :func:`amplitude_for_mb` live in the shared
  layer :mod:`openndc.model.mb` (the association computes station magnitudes with them too)
  and are re-exported here.
- Ms_20: IASPEI (2013) equation: ``Ms_20 = log10(A/T) + 1.66 log10(Delta) + 0.3``, A the
  vertical-component ground displacement [nm] from the maximum trace amplitude of a Rayleigh
  wave with period 18-22 s on a WWSSN long-period simulation, T [s], 20 <= Delta <= 160 deg,
  depth < 60 km (SeisComP ``Ms_20``; the "Prague" formula of Vaněk et al. 1962 in nm).

Outside their ranges: :func:`ml_log_a0` evaluates the formula for any R > 0 (NaN for
R <= 0); :func:`mb_q` covers 0-100 deg (NaN beyond, and where Delta < 0), depth clipped to
0-800 km; :func:`ms_sigma` evaluates the formula for any Delta > 0 (NaN for Delta <= 0).
Which distances a magnitude *uses* is the stage's configuration
(:class:`openndc.magnitude.config.MagnitudeConfig`), not these functions'.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from openndc.model.mb import (
    MB_HALF_PEAK_TO_PEAK_CORRECTION,
    VC72_DEPTHS_KM,
    VC72_DISTANCES_DEG,
    VC72_Q_PEAK_TO_PEAK,
    amplitude_for_mb,
    mb_from_amplitude,
    mb_q,
)

__all__ = [
    "MB_HALF_PEAK_TO_PEAK_CORRECTION",
    "VC72_DEPTHS_KM",
    "VC72_DISTANCES_DEG",
    "VC72_Q_PEAK_TO_PEAK",
    "amplitude_for_mb",
    "amplitude_for_ml",
    "amplitude_for_ms",
    "mb_from_amplitude",
    "mb_q",
    "ml_from_amplitude",
    "ml_log_a0",
    "ms_from_amplitude",
    "ms_sigma",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]


def _f64(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


# --- ML ------------------------------------------------------------------------------------


def ml_log_a0(distance_km: ArrayLike) -> FloatArray:
    """IASPEI (2013) ML calibration ``-log10 A0`` at hypocentral distance [km].

    ``ML = log10(A_wa [nm]) + ml_log_a0(R)`` with ``ml_log_a0(R) = 1.11 log10(R) +
    0.00189 R - 2.09``; A_wa is the zero-to-peak Wood-Anderson amplitude with static
    magnification 1 [nm]. Standard for R up to ~1000 km; NaN where R <= 0.
    """
    r = _f64(distance_km)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.11 * np.log10(r) + 0.00189 * r - 2.09
    return np.where(r > 0, out, np.nan)


def ml_from_amplitude(amplitude_nm: ArrayLike, distance_km: ArrayLike) -> FloatArray:
    """ML from Wood-Anderson amplitude [nm] (magnification 1) and hypocentral distance [km]."""
    a = _f64(amplitude_nm)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, np.log10(a), np.nan) + ml_log_a0(distance_km)


def amplitude_for_ml(ml: ArrayLike, distance_km: ArrayLike) -> FloatArray:
    """Wood-Anderson zero-to-peak amplitude [nm] (magnification 1) giving ``ml`` at R [km].

    Inverse of :func:`ml_from_amplitude`: ``10 ** (ml - ml_log_a0(R))``.
    """
    return np.power(10.0, _f64(ml) - ml_log_a0(distance_km))


# --- Ms_20 ---------------------------------------------------------------------------------


def ms_sigma(distance_deg: ArrayLike) -> FloatArray:
    """IASPEI (2013) Ms_20 distance term ``1.66 log10(Delta) + 0.3`` (A in nm).

    ``Ms_20 = log10(A [nm] / T [s]) + ms_sigma(Delta)``, A the vertical Rayleigh-wave
    ground displacement at T = 18-22 s. Standard for 20-160 deg; NaN where Delta <= 0.
    """
    d = _f64(distance_deg)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.66 * np.log10(d) + 0.3
    return np.where(d > 0, out, np.nan)


def ms_from_amplitude(
    amplitude_nm: ArrayLike, period_s: ArrayLike, distance_deg: ArrayLike
) -> FloatArray:
    """Ms_20 from Rayleigh amplitude [nm], period [s] and epicentral distance [deg]."""
    a = _f64(amplitude_nm)
    t = _f64(period_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        logat = np.where((a > 0) & (t > 0), np.log10(a / t), np.nan)
    return np.asarray(logat + ms_sigma(distance_deg), dtype=np.float64)


def amplitude_for_ms(
    ms: ArrayLike, distance_deg: ArrayLike, period_s: ArrayLike = 20.0
) -> FloatArray:
    """Vertical Rayleigh-wave ground displacement [nm] at ``period_s`` [s] giving Ms_20."""
    return np.asarray(
        _f64(period_s) * np.power(10.0, _f64(ms) - ms_sigma(distance_deg)), dtype=np.float64
    )
