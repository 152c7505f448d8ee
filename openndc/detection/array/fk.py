"""Broad-band f-k analysis of one window: best slowness vector, F-statistic, uncertainties.

:func:`fk_analysis` scans a square slowness grid (the grid of ObsPy's ``array_processing``
with ``sll = -slowness_max``, ``slm = +slowness_max``, ``sl_s = slowness_step``) with
:func:`openndc.detection.array.kernels.fk_power` and returns an :class:`FKResult`.

Uncertainties. The relative power of the best beam is ``r`` and its F-statistic
``F = (N-1) r / (1-r)``; the noise part of the beam power is ``(1-r)/(N-1)`` in units of
relative power (the power an incoherent field leaves on a beam). Slowness vectors whose
beam power is within one noise-beam power of the maximum, ``relpow >= r - (1-r)/(N-1) =
r (1 - 1/F)``, cannot be told apart from the best one at this noise level: the connected
region of the grid above that contour around the peak is the confidence region, and the
half-widths of that region in back-azimuth and slowness are reported as (approximately
1-sigma) uncertainties, never smaller than half a grid step. Unlike the half-power width
of the peak (a fixed property of array and frequency), this region shrinks as the signal
grows, and it swells to the whole grid (back-azimuth uncertainty 180 deg) on noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from openndc.detection.array.kernels import (
    DEG_KM,
    backazimuth_from_slowness,
    fk_power,
    fstat_from_relpower,
)

__all__ = ["FKResult", "fk_analysis", "slowness_axis"]


@dataclass(frozen=True)
class FKResult:
    """Result of :func:`fk_analysis` (slowness [s/km] unless the name says s/deg).

    ``power`` is the relative power grid ``(len(sy_axis), len(sx_axis))``; ``sx``/``sy`` is
    the best slowness vector (direction of propagation, see
    :mod:`openndc.detection.array.kernels`).
    """

    backazimuth_deg: float
    slowness_s_per_km: float
    sx: float
    sy: float
    relpower: float
    abspower: float
    fstat: float
    backazimuth_uncertainty_deg: float
    slowness_uncertainty_s_per_km: float
    power: np.ndarray
    sx_axis: np.ndarray
    sy_axis: np.ndarray
    freqs_hz: np.ndarray
    n_elements: int

    @property
    def slowness_s_per_deg(self) -> float:
        """Slowness [s/deg] (1 deg = 111.19 km)."""
        return self.slowness_s_per_km * DEG_KM

    @property
    def slowness_uncertainty_s_per_deg(self) -> float:
        return self.slowness_uncertainty_s_per_km * DEG_KM

    @property
    def apparent_velocity_km_s(self) -> float:
        """Apparent (trace) velocity [km/s]; inf for a vertically incident wave."""
        return 1.0 / self.slowness_s_per_km if self.slowness_s_per_km > 0 else math.inf


def slowness_axis(slowness_max: float, slowness_step: float) -> np.ndarray:
    """Grid axis ``-slowness_max .. +slowness_max`` [s/km] as ObsPy builds it."""
    if slowness_max <= 0 or slowness_step <= 0:
        raise ValueError(
            f"slowness_max and slowness_step must be > 0, got {slowness_max}, {slowness_step}"
        )
    n = int(2 * slowness_max / slowness_step + 0.5) + 1
    return -slowness_max + np.arange(n) * slowness_step


def fk_analysis(
    data: np.ndarray,
    fs: float,
    offsets_km: np.ndarray,
    *,
    slowness_max: float,
    slowness_step: float,
    fmin: float,
    fmax: float,
    shifts_s: np.ndarray | None = None,
    refine: int = 1,
) -> FKResult:
    """F-k analysis of one window ``data`` ``(n_el, n_samp)`` at ``fs`` [Hz].

    ``offsets_km`` ``(n_el, 2)`` [east, north] km; grid ``±slowness_max`` [s/km] in steps of
    ``slowness_step`` [s/km]; band ``fmin``-``fmax`` [Hz]; ``shifts_s`` as in
    :func:`~openndc.detection.array.kernels.fk_power`. See the module doc for the
    uncertainties.

    ``refine`` > 1: a second pass on a fine grid of step ``slowness_step / refine`` over
    ±1 coarse step around the coarse maximum gives the peak below the grid step (the power
    grid in the result stays the coarse one; best vector, powers and F come from the fine
    pass; uncertainties too when the confidence region fits in the fine grid). With the
    default 1 the result is that of ObsPy's ``array_processing`` on the same grid.
    """
    ax = slowness_axis(slowness_max, slowness_step)
    rel, absp, freqs = fk_power(data, fs, offsets_km, ax, ax, fmin, fmax, shifts_s=shifts_s)
    n = int(np.asarray(data).shape[0])
    iy, ix = np.unravel_index(int(np.argmax(rel)), rel.shape)
    sx, sy = float(ax[ix]), float(ax[iy])
    r = float(rel[iy, ix])
    abspower = float(absp[iy, ix])
    du_baz, du_slow = _uncertainties(rel, ax, ax, int(iy), int(ix), r, n, slowness_step)
    if refine > 1:
        fine = slowness_step / refine
        offs = np.arange(-refine, refine + 1) * fine
        fx, fy = sx + offs, sy + offs
        frel, fabs, _ = fk_power(data, fs, offsets_km, fx, fy, fmin, fmax, shifts_s=shifts_s)
        jy, jx = np.unravel_index(int(np.argmax(frel)), frel.shape)
        if float(frel[jy, jx]) >= r:
            sx, sy, r = float(fx[jx]), float(fy[jy]), float(frel[jy, jx])
            abspower = float(fabs[jy, jx])
            level = r - (1.0 - r) / max(n - 1, 1)
            border = np.concatenate((frel[0], frel[-1], frel[:, 0], frel[:, -1]))
            if float(border.max()) < level:
                # the confidence region lies inside the fine grid: measure it there
                du_baz, du_slow = _uncertainties(frel, fx, fy, int(jy), int(jx), r, n, fine)
    fstat = float(fstat_from_relpower(r, n))
    slow = math.hypot(sx, sy)
    baz = backazimuth_from_slowness(sx, sy)
    return FKResult(
        backazimuth_deg=baz,
        slowness_s_per_km=slow,
        sx=sx,
        sy=sy,
        relpower=r,
        abspower=abspower,
        fstat=fstat,
        backazimuth_uncertainty_deg=du_baz,
        slowness_uncertainty_s_per_km=du_slow,
        power=rel,
        sx_axis=ax,
        sy_axis=ax,
        freqs_hz=freqs,
        n_elements=n,
    )


def _uncertainties(
    rel: np.ndarray,
    sx_axis: np.ndarray,
    sy_axis: np.ndarray,
    iy: int,
    ix: int,
    rmax: float,
    n: int,
    step: float,
) -> tuple[float, float]:
    """Half-widths [deg, s/km] of the connected region ``relpow >= r - (1-r)/(N-1)``."""
    level = rmax - (1.0 - rmax) / max(n - 1, 1)
    labels, _ = ndimage.label(rel >= level)
    region = labels == labels[iy, ix]
    gy, gx = np.nonzero(region)
    sxs, sys_ = sx_axis[gx], sy_axis[gy]
    s = np.hypot(sxs, sys_)
    s0 = math.hypot(sx_axis[ix], sy_axis[iy])
    du_slow = max(float(np.max(np.abs(s - s0))), step / 2.0)
    if s0 < step / 2.0 or np.any(s < step / 2.0):
        return 180.0, du_slow
    baz0 = backazimuth_from_slowness(sx_axis[ix], sy_axis[iy])
    bazs = (np.degrees(np.arctan2(sxs, sys_)) + 180.0) % 360.0
    dbaz = np.abs((bazs - baz0 + 180.0) % 360.0 - 180.0)
    floor = math.degrees(math.atan2(step / 2.0, s0))
    return min(180.0, max(float(dbaz.max()), floor)), du_slow
