"""Precomputed travel-time tables: fast lookups with no TauP call on the hot path.

A :class:`TravelTimes` object holds, for one Earth model, a table per phase over a grid of
epicentral distance [deg] and source depth [km]: travel time [s], horizontal slowness
dT/dDelta [s/deg] (the ray parameter TauP reports) and dT/dh [s/km]. Lookups interpolate
bilinearly and broadcast over NumPy arrays; a phase that does not exist at a point is NaN.

Phase names (IASPEI/IDC):

``P``    first-arriving P (TauP ``p``, ``P``, ``Pn``, ``Pg``, ``Pdiff``; Pdiff is weak
         beyond ~110 deg, where :meth:`TravelTimes.first_arrival` names PKP instead)
``Pg``   crustal P; ``Pn`` P head wave along the Moho
``PKP``  first core P (``PKIKP``, ``PKiKP``, ``PKP``), 110-180 deg
``pP`` ``sP`` ``PcP`` depth phases and core reflection
``S``    first-arriving S (``s``, ``S``, ``Sn``, ``Sg``, ``Sdiff``); ``Sg``, ``Sn``, ``ScS``
``Lg``   crustal guided S, group velocity 3.5 km/s (IDC practice)
``Rg``   short-period Rayleigh wave, group velocity 3.0 km/s
``I``    infrasound, celerity 0.30 km/s (stratospheric ducting)

The tables are built once with TauP by :mod:`openndc.traveltime.build` and shipped as
package data (``openndc/traveltime/data/<model>.npz``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numba
import numpy as np
import numpy.typing as npt

from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM
from openndc.model.phases import FIRST_P, FIRST_S

__all__ = [
    "GROUP_VELOCITIES",
    "MODELS",
    "REGIONAL_MAX",
    "PhaseTable",
    "TravelTimes",
    "bilinear",
    "bilinear_py",
    "load_travel_times",
]

FloatArray = npt.NDArray[np.float64]

#: Phases travelling at a constant group velocity [km/s] at every depth (not in TauP).
GROUP_VELOCITIES: dict[str, float] = {"Lg": 3.5, "Rg": 3.0, "I": 0.30}

#: Models shipped as package data: name -> description.
MODELS: dict[str, str] = {
    "ak135": "ak135 (Kennett, Engdahl & Buland 1995), global",
    "kazakh1d": "Kazakh platform crust (Priestley et al.) over ak135 mantle, regional",
    "iasp91": "iasp91 (Kennett & Engdahl 1991), global",
}

#: (first arrival, crustal name, mantle name) of each kind, from the phase catalogue.
_FIRST = {
    kind: (
        names[0],
        next(n for n in names if n.endswith("g")),
        next(n for n in names if n.endswith("n")),
    )
    for kind, names in (("P", FIRST_P), ("S", FIRST_S))
}

#: Distance [deg] up to which a mantle first arrival is named Pn/Sn (IDC practice).
REGIONAL_MAX = 20.0

#: Phases that exist only in a distance range [deg], at the grid's nodes and between them
#: (the interpolation's nearest-corner fill would carry a phase a whole cell past its end
#: at a constant time): PKP here means the core phases PKIKP/PKP beyond the P shadow's edge,
#: not the PKiKP reflection at short distances; Pn and Sn are named out to REGIONAL_MAX (the
#: tables end there; carried to 21 deg at 20 deg's time, a "Pn" came before P at 20.8-21 deg
#: with Pn's slowness, 13.8 against P's 10.8 s/deg).
#: PKiKP, the inner-core reflection, is read beyond the P shadow's edge too (at shorter
#: distances it is a weak reflection no detector names), and PP and SS from 20 deg, where
#: they leave the upper mantle's triplications (IDC practice names neither closer).
_VALID_DISTANCE = {
    "PKP": (110.0, 180.0),
    "PKiKP": (100.0, 180.0),
    "PP": (20.0, 180.0),
    "SS": (20.0, 180.0),
    "Pn": (0.0, REGIONAL_MAX),
    "Sn": (0.0, REGIONAL_MAX),
}


@dataclass(frozen=True)
class PhaseTable:
    """One phase of one model on a (distance [deg], depth [km]) grid."""

    phase: str
    distances: FloatArray
    depths: FloatArray
    time: FloatArray  # [s], shape (n_distance, n_depth), NaN where absent
    dtdd: FloatArray  # [s/deg]
    dtdh: FloatArray  # [s/km]

    @functools.cached_property
    def stacked(self) -> FloatArray:
        """``time``, ``dtdd`` and ``dtdh`` as one ``(n_distance, n_depth, 3)`` array (one
        cell search interpolates all three)."""
        return np.ascontiguousarray(np.stack([self.time, self.dtdd, self.dtdh], axis=-1))


def _locate(grid: FloatArray, x: FloatArray) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Cell index and fractional position of ``x`` in a sorted 1-D ``grid`` (clamped)."""
    i = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, len(grid) - 2)
    w = (x - grid[i]) / (grid[i + 1] - grid[i])
    return i, w


def bilinear(
    table: FloatArray, xgrid: FloatArray, ygrid: FloatArray, x: npt.ArrayLike, y: npt.ArrayLike
) -> FloatArray:
    """Bilinear interpolation of ``table[xgrid, ygrid]`` at points ``(x, y)``.

    Points outside the grid are NaN. Where one of the four corners is NaN (a phase that
    ends inside the cell) the nearest finite corner value is used, so a phase does not
    vanish a whole cell before its real end. A table with trailing dimensions (several
    quantities on one grid, shape ``(nx, ny, k)``) gives ``(*points, k)``: each quantity
    exactly as its own 2-D table would, for one cell search. Compiled (numba);
    :func:`bilinear_py` is the reference it is tested against.
    """
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    # The location's Geiger steps call this thousands of times with a scalar depth: the
    # common cases skip np.broadcast_arrays, which took longer than the kernel.
    if ya.ndim == 0 and xa.ndim > 0:
        ya = np.full(xa.shape, ya)
    elif xa.shape != ya.shape:
        xa, ya = np.broadcast_arrays(xa, ya)
    tab = np.ascontiguousarray(table, dtype=np.float64)
    k = 1
    for n in tab.shape[2:]:
        k *= int(n)
    flat = tab.reshape(tab.shape[0], tab.shape[1], k)
    out = _bilinear_nb(
        flat,
        np.ascontiguousarray(xgrid, dtype=np.float64),
        np.ascontiguousarray(ygrid, dtype=np.float64),
        np.ascontiguousarray(xa).reshape(-1),
        np.ascontiguousarray(ya).reshape(-1),
    )
    return out.reshape(*xa.shape, *tab.shape[2:])


@numba.njit(cache=True)
def _cell(grid: FloatArray, v: float) -> tuple[int, float]:
    """``_locate`` for one value: searchsorted(right) - 1 clamped to the last cell."""
    lo, hi = 0, len(grid)
    while lo < hi:  # first index with grid[index] > v
        mid = (lo + hi) // 2
        if grid[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    i = min(max(lo - 1, 0), len(grid) - 2)
    return i, (v - grid[i]) / (grid[i + 1] - grid[i])


@numba.njit(cache=True)
def _bilinear_nb(
    table: FloatArray, xgrid: FloatArray, ygrid: FloatArray, x: FloatArray, y: FloatArray
) -> FloatArray:
    n, k = len(x), table.shape[2]
    out = np.full((n, k), np.nan)
    dist = np.empty(4)
    corner = np.empty(4)
    for p in range(n):
        xv, yv = x[p], y[p]
        if not (xgrid[0] <= xv <= xgrid[-1] and ygrid[0] <= yv <= ygrid[-1]):
            continue  # outside the grid, or NaN
        i, wx = _cell(xgrid, xv)
        j, wy = _cell(ygrid, yv)
        for q in range(k):
            c00, c10 = table[i, j, q], table[i + 1, j, q]
            c01, c11 = table[i, j + 1, q], table[i + 1, j + 1, q]
            v = (
                (1 - wx) * (1 - wy) * c00
                + wx * (1 - wy) * c10
                + (1 - wx) * wy * c01
                + wx * wy * c11
            )
            if np.isfinite(v):
                out[p, q] = v
                continue
            corner[0], corner[1], corner[2], corner[3] = c00, c10, c01, c11
            dist[0], dist[1] = wx + wy, 1 - wx + wy
            dist[2], dist[3] = wx + 1 - wy, 2 - wx - wy
            best, arg = np.inf, -1
            for c in range(4):
                if np.isfinite(corner[c]) and dist[c] < best:
                    best, arg = dist[c], c
            out[p, q] = corner[arg] if arg >= 0 and best <= 1.0 else v
    return out


def bilinear_py(
    table: FloatArray, xgrid: FloatArray, ygrid: FloatArray, x: FloatArray, y: FloatArray
) -> FloatArray:
    """The plain NumPy reference of :func:`bilinear` (same results, many small array
    operations: slow for the few points a location step asks for).

    Bilinear interpolation of ``table[xgrid, ygrid]`` at points ``(x, y)``.

    Points outside the grid are NaN. Where one of the four corners is NaN (a phase that
    ends inside the cell) the nearest finite corner value is used, so a phase does not
    vanish a whole cell before its real end. A table with trailing dimensions (several
    quantities on one grid, shape ``(nx, ny, k)``) gives ``(*points, k)``: each quantity
    exactly as its own 2-D table would, for one cell search.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x, y = np.broadcast_arrays(x, y)
    i, wx = _locate(xgrid, x)
    j, wy = _locate(ygrid, y)
    extra = (np.newaxis,) * (table.ndim - 2)
    if extra:
        x, y = x[(..., *extra)], y[(..., *extra)]
        wx, wy = wx[(..., *extra)], wy[(..., *extra)]
    c00 = table[i, j]
    c10 = table[i + 1, j]
    c01 = table[i, j + 1]
    c11 = table[i + 1, j + 1]
    out = (1 - wx) * (1 - wy) * c00 + wx * (1 - wy) * c10 + (1 - wx) * wy * c01 + wx * wy * c11
    bad = ~np.isfinite(out)
    if bad.any():
        corners = np.stack([c00, c10, c01, c11])
        dist = np.stack([wx + wy, 1 - wx + wy, wx + 1 - wy, 2 - wx - wy])
        dist = np.where(np.isfinite(corners), dist, np.inf)
        k = np.argmin(dist, axis=0)
        nearest = np.take_along_axis(corners, k[None], axis=0)[0]
        ok_corner = np.isfinite(dist.min(axis=0)) & (dist.min(axis=0) <= 1.0)
        out = np.where(bad & ok_corner, nearest, out)
    outside = (x < xgrid[0]) | (x > xgrid[-1]) | (y < ygrid[0]) | (y > ygrid[-1])
    return np.where(outside, np.nan, out)


@dataclass(frozen=True)
class TravelTimes:
    """Travel times of one Earth model (see the module docstring for phase names)."""

    model: str
    tables: dict[str, PhaseTable]
    description: str = ""

    @property
    def phases(self) -> tuple[str, ...]:
        return tuple(self.tables) + tuple(GROUP_VELOCITIES)

    @property
    def max_depth(self) -> float:
        return float(next(iter(self.tables.values())).depths[-1])

    def _table(self, phase: str) -> PhaseTable:
        try:
            return self.tables[phase]
        except KeyError:
            raise ConfigError(
                f"travel-time model {self.model!r} has no phase {phase!r}; "
                f"known phases: {', '.join(self.phases)}"
            ) from None

    def time(self, phase: str, distance: npt.ArrayLike, depth: npt.ArrayLike) -> FloatArray:
        """Travel time [s] of ``phase`` at ``distance`` [deg] from a source at ``depth`` [km]."""
        return self.derivatives(phase, distance, depth)[0]

    def derivatives(
        self, phase: str, distance: npt.ArrayLike, depth: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(t [s], dT/dDelta [s/deg], dT/dh [s/km])`` of ``phase`` (NaN where absent).

        dT/dDelta is the horizontal slowness an array measures; dT/dh is the true depth
        derivative: negative for down-going rays (teleseismic P: a deeper source arrives
        earlier), positive for up-going ones (a direct wave from a deeper source is later).
        """
        d = np.asarray(distance, dtype=np.float64)
        h = np.asarray(depth, dtype=np.float64)
        if phase in GROUP_VELOCITIES:
            d, h = np.broadcast_arrays(d, h)
            v = GROUP_VELOCITIES[phase]
            t = np.where(d >= 0, d * DEG_KM / v, np.nan)
            return t, np.full(t.shape, DEG_KM / v), np.zeros(t.shape)
        tab = self._table(phase)
        out = bilinear(tab.stacked, tab.distances, tab.depths, d, h)
        valid = _VALID_DISTANCE.get(tab.phase)
        if valid is not None:
            dd = np.broadcast_to(d, out.shape[:-1])
            out = np.where(((dd < valid[0]) | (dd > valid[1]))[..., None], np.nan, out)
        return out[..., 0], out[..., 1], out[..., 2]

    def first_arrival(
        self,
        distance: npt.ArrayLike,
        depth: npt.ArrayLike,
        kind: Literal["P", "S"] = "P",
    ) -> tuple[FloatArray, npt.NDArray[np.str_]]:
        """First-arriving ``kind`` wave: ``(t [s], phase name)`` where the name is the IDC
        one (``Pg``/``Pn``/``P`` or ``Sg``/``Sn``/``S``, ``PKP`` beyond P's range)."""
        names = _FIRST[kind]
        d = np.asarray(distance, dtype=np.float64)
        first = self.time(names[0], d, depth)
        crustal = np.abs(self.time(names[1], d, depth) - first) < 0.05
        # IDC naming: crustal first arrivals are Pg/Sg, mantle ones Pn/Sn out to 20 deg.
        label = np.where(crustal, names[1], np.where(d < REGIONAL_MAX, names[2], names[0]))
        label = label.astype("<U4")
        if kind == "P" and "PKP" in self.tables:
            pkp = self.time("PKP", d, depth)
            use_pkp = np.isfinite(pkp) & (~np.isfinite(first) | (pkp < first) | (d >= 110.0))
            first = np.where(use_pkp, pkp, first)
            label = np.where(use_pkp, "PKP", label)
        return first, label


def _read_npz(path: Path | str, model: str, description: str) -> TravelTimes:
    with np.load(path, allow_pickle=False) as data:
        distances = data["distances"].astype(np.float64)
        depths = data["depths"].astype(np.float64)
        phases = [str(p) for p in data["phases"]]
        tables = {
            p: PhaseTable(
                p,
                distances,
                depths,
                data[f"{p}_time"].astype(np.float64),
                data[f"{p}_dtdd"].astype(np.float64),
                data[f"{p}_dtdh"].astype(np.float64),
            )
            for p in phases
        }
    for p, (dmin, dmax) in _VALID_DISTANCE.items():
        if p in tables:
            outside = (distances < dmin) | (distances > dmax)
            for arr in (tables[p].time, tables[p].dtdd, tables[p].dtdh):
                arr[outside, :] = np.nan
    return TravelTimes(model, tables, description)


@functools.lru_cache(maxsize=8)
def load_travel_times(model: str = "ak135") -> TravelTimes:
    """Tables of a shipped model (``ak135``, ``kazakh1d``) or of an ``.npz`` file written
    by :func:`openndc.traveltime.build.build_tables`. Cached per process."""
    if model.endswith(".npz"):
        return _read_npz(model, Path(model).stem, f"tables from {model}")
    if model not in MODELS:
        raise ConfigError(
            f"unknown travel-time model {model!r}; shipped: {', '.join(MODELS)} "
            "(or give an .npz built with openndc.traveltime.build)"
        )
    ref = resources.files("openndc.traveltime") / "data" / f"{model}.npz"
    with resources.as_file(ref) as path:
        if not path.exists():
            raise ConfigError(
                f"travel-time tables for {model!r} are missing from the installation "
                f"({path}); rebuild with `python -m openndc.traveltime.build {model}`"
            )
        return _read_npz(path, model, MODELS[model])
