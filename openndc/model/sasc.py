"""Slowness-azimuth station corrections (SASC): the IDC's corrections of array measurements.

The structure under an array deflects the back-azimuth and slowness it measures; the IDC
corrects each measured pair with the station's SASC table (Bondar, North & Beall 1999,
"Teleseismic slowness-azimuth station corrections for the International Monitoring System
seismic network", BSSA 89(4), 989-1003). A table holds a default correction of the
slowness vector (``sx``, ``sy`` [s/deg]) with its modelling error, an optional affine
transform of the vector, and corrections by slowness / back-azimuth bin, each with the
modelling errors left after it. This module is the table and the correction, pure; the
IDC's files are read and written by :mod:`openndc.io.sasc`.

:meth:`SascTable.correct` follows the IDC's location library (libloc ``correct_az_slow``,
SAIC, W. Nagy 1997-2003): the bin holding the measured (slowness, back-azimuth) gives its
corrections (subtracted) and modelling errors; otherwise the azimuth's modelling error
follows from the default slowness one, ``2 asin(err / (2 slowness))`` (180 deg where
that is undefined). Then the slowness vector is transformed, ``(a11 sx + a12 sy, a21 sx +
a22 sy)``, and the default correction subtracted. The total uncertainties are the root sum
of squares of the measurement's and the modelling error (180 deg for an azimuth whose
modelling error is).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["SascBin", "SascCorrection", "SascTable"]


@dataclass(frozen=True, slots=True)
class SascBin:
    """Corrections for measurements with slowness in ``[slowness_min, slowness_max)``
    [s/deg] and back-azimuth in ``[azimuth_min, azimuth_max)`` [deg]: subtracted
    ``slowness_correction`` [s/deg] and ``azimuth_correction`` [deg], and the modelling
    errors left (1 sigma)."""

    slowness_min: float
    slowness_max: float
    azimuth_min: float
    azimuth_max: float
    slowness_correction: float
    azimuth_correction: float
    slowness_error: float
    azimuth_error: float

    def holds(self, slowness: float, azimuth: float) -> bool:
        return (self.slowness_min <= slowness < self.slowness_max
                and self.azimuth_min <= azimuth < self.azimuth_max)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SascCorrection:
    """A corrected measurement: back-azimuth [deg] and slowness [s/deg], their total
    uncertainties (``None`` where the measurement gave none), and the corrections applied
    (measured minus corrected)."""

    backazimuth: float
    slowness: float
    backazimuth_uncertainty: float | None
    slowness_uncertainty: float | None
    azimuth_correction: float
    slowness_correction: float


@dataclass(frozen=True, slots=True)
class SascTable:
    """A station's SASC table (module docstring): the default slowness-vector correction
    ``default_sx``, ``default_sy`` [s/deg] and its modelling error ``default_error``
    [s/deg], the affine transform ``(a11, a12, a21, a22)`` (identity where the file gives
    none) and the bins."""

    station: str
    default_sx: float = 0.0
    default_sy: float = 0.0
    default_error: float = 0.0
    affine: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 1.0)
    bins: tuple[SascBin, ...] = ()

    def correct(
        self,
        backazimuth: float,
        slowness: float,
        backazimuth_uncertainty: float | None = None,
        slowness_uncertainty: float | None = None,
    ) -> SascCorrection:
        """The corrected back-azimuth [deg] and slowness [s/deg] of a measurement, with
        its total uncertainties (libloc's ``correct_az_slow``; module docstring)."""
        az, slow = backazimuth % 360.0, slowness
        slow_err = self.default_error
        ratio = slow_err / (2.0 * slow) if slow > 0.0 else math.inf
        az_err = 2.0 * math.degrees(math.asin(ratio)) if ratio < 1.0 else 180.0
        for b in self.bins:
            if b.holds(slow, az):
                az_err, slow_err = b.azimuth_error, b.slowness_error
                az = (az - b.azimuth_correction) % 360.0
                slow -= b.slowness_correction
                break
        if slow > 0.0:
            a11, a12, a21, a22 = self.affine
            sx, sy = slow * math.sin(math.radians(az)), slow * math.cos(math.radians(az))
            sx, sy = a11 * sx + a12 * sy - self.default_sx, a21 * sx + a22 * sy - self.default_sy
            az = math.degrees(math.atan2(sx, sy)) % 360.0
            slow = math.hypot(sx, sy)
        baz_unc = None
        if backazimuth_uncertainty is not None and math.isfinite(backazimuth_uncertainty):
            baz_unc = math.hypot(backazimuth_uncertainty, az_err) if az_err < 180.0 else 180.0
        slow_unc = None
        if slowness_uncertainty is not None and math.isfinite(slowness_uncertainty):
            slow_unc = math.hypot(slowness_uncertainty, slow_err)
        d_az = (backazimuth - az + 180.0) % 360.0 - 180.0
        return SascCorrection(az, slow, baz_unc, slow_unc, d_az, slowness - slow)
