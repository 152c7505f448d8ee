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

Significance against the noise (:func:`with_noise`). ``(1-r)/(N-1)`` is the beam power of
*incoherent* noise. Real array noise is partly coherent (microseisms below ~1 Hz, which a band
starting at 0.8 Hz still holds, and the coda of earlier arrivals): on the demo day its best
beam reaches a relative power of 0.15-0.3 on KURK (21 elements) in 0.8-4.5 Hz, so a trigger
on noise alone gets F ~ 4-8 and a tight region around a meaningless peak. Given ``noise``
windows (the same length, band and pre-shifts, just before the window), the strongest beam
the noise made (the largest grid maximum of ``abspow`` over them, in relative power of the
analysed window: divided by its ``n sum|X|^2``) is ``noise_relpower``; a peak below
:data:`NOISE_BEAM_RATIO` times it is not a measurement, and its uncertainties are those of
the whole grid (180 deg; the grid half-width), so that association ignores them. A test,
not a wider region: a region at the level ``r - noise_relpower`` was tried and spread over
most of the grid for true Pn of the demo day's 3-5 km arrays (broad peaks) whose directions
were right within 1-4 deg, and lost two of its events.
"""

from __future__ import annotations

import dataclasses
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

__all__ = ["NOISE_BEAM_RATIO", "FKResult", "fk_analysis", "slowness_axis", "with_noise"]


@dataclass(frozen=True)
class FKResult:
    """Result of :func:`fk_analysis` (slowness [s/km] unless the name says s/deg).

    ``power`` is the relative power grid ``(len(sy_axis), len(sx_axis))``; ``sx``/``sy`` is
    the best slowness vector (direction of propagation, see
    :mod:`openndc.detection.array.kernels`). ``noise_relpower`` is the best beam power of
    the noise windows given to :func:`fk_analysis`, in relative power of this window (0
    without them).
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
    noise_relpower: float = 0.0

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


NOISE_BEAM_RATIO = 2.0
"""Least ratio of a window's peak beam power to the strongest beam its noise made
(:func:`with_noise`) for its direction to count as measured: the arrival's beam at least
as strong again as anything the noise made (a beam signal-to-noise ratio of 1)."""


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
    noise: np.ndarray | None = None,
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

    ``noise`` (optional) ``(n_windows, n_el, n_samp)``: windows of noise cut like ``data``
    (same length and ``shifts_s``): the result is tested against them with
    :func:`with_noise` (module doc).
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
    result = FKResult(
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
    if noise is None:
        return result
    return with_noise(result, noise, fs, offsets_km, fmin=fmin, fmax=fmax, shifts_s=shifts_s)


def with_noise(
    result: FKResult,
    noise: np.ndarray,
    fs: float,
    offsets_km: np.ndarray,
    *,
    fmin: float,
    fmax: float,
    shifts_s: np.ndarray | None = None,
    min_ratio: float = NOISE_BEAM_RATIO,
) -> FKResult:
    """``result`` (of :func:`fk_analysis`) tested against the measured ``noise``
    ``(n_windows, n_el, n_samp)``: windows cut like the analysed one (same length, band
    ``fmin``-``fmax`` and ``shifts_s``), just before it (module doc).

    ``noise_relpower`` is set to the strongest beam the noise made; when the result's peak
    is less than ``min_ratio`` times that, the direction is not significant and its
    uncertainties become those of the whole grid (180 deg; the grid half-width in
    slowness). The window's grid is not computed again.
    """
    noise_rel = _noise_relpower(
        noise, fs, offsets_km, result.sx_axis, fmin, fmax, shifts_s, result.abspower,
        result.relpower,
    )  # fmt: skip
    if noise_rel > 0 and result.relpower < min_ratio * noise_rel:
        return dataclasses.replace(
            result,
            backazimuth_uncertainty_deg=180.0,
            slowness_uncertainty_s_per_km=float(np.abs(result.sx_axis).max()),
            noise_relpower=noise_rel,
        )
    return dataclasses.replace(result, noise_relpower=noise_rel)


def _noise_relpower(
    noise: np.ndarray,
    fs: float,
    offsets_km: np.ndarray,
    ax: np.ndarray,
    fmin: float,
    fmax: float,
    shifts_s: np.ndarray | None,
    abspower: float,
    relpower: float,
) -> float:
    """The largest best beam power of the noise windows, as relative power of the
    analysed window (``abspow / relpow`` of its peak is that window's ``n sum|X|^2``); 0
    without noise windows."""
    if len(noise) == 0 or relpower <= 0:
        return 0.0
    denom = abspower / relpower
    step = float(ax[1] - ax[0]) if len(ax) > 1 else 1.0
    # the maximum on a grid of twice the step, then on the step around it: a quarter of the
    # cost of the full grid; the node nearest the true maximum lies within that 3 x 3
    coarse = slowness_axis(float(-ax[0]), 2.0 * step) if len(ax) > 2 else ax
    local = np.array([-step, 0.0, step])
    best = []
    for w in noise:
        _, absp, _ = fk_power(w, fs, offsets_km, coarse, coarse, fmin, fmax, shifts_s=shifts_s)
        iy, ix = np.unravel_index(int(np.argmax(absp)), absp.shape)
        lx, ly = coarse[ix] + local, coarse[iy] + local
        _, fine, _ = fk_power(w, fs, offsets_km, lx, ly, fmin, fmax, shifts_s=shifts_s)
        best.append(max(float(absp.max()), float(fine.max())))
    return max(best) / denom


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
