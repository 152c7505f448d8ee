"""Travel-time grids for association: phase tables resampled on a regular grid, and nodes.

Association looks travel times up millions of times, so the tables of
:mod:`openndc.traveltime` (or of a :class:`ConstantVelocity` model for a local network) are
resampled once onto a regular (distance [deg], depth [km]) grid that numba kernels
interpolate bilinearly (:class:`PhaseGrid`). Phase names follow the IDC: a first arrival is
named ``Pg``/``Pn``/``P``/``PKP`` (``Sg``/``Sn``/``S``), so the generic ``P`` and ``S`` tables
are masked where they coincide with a named crustal phase.

:class:`NodeGrid` is the candidate-origin space: a regional lattice around the network and,
optionally, a coarse global Fibonacci lattice; per node and site it holds the first-P,
first-S and Lg travel times, their cell tolerances, predicted back-azimuths and slownesses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM, destination, distance_azimuth

__all__ = [
    "P_PHASES",
    "S_PHASES",
    "ConstantVelocity",
    "NodeGrid",
    "PhaseGrid",
    "TravelTimeSource",
    "build_node_grid",
    "build_phase_grid",
    "interp_table",
    "travel_time_source",
]

FloatArray = npt.NDArray[np.float64]

#: Phase names of the P and S classes (detection hints and association names).
P_PHASES = frozenset({"P", "Pn", "Pg", "Pb", "PKP", "PKIKP", "PKiKP", "Pdiff", "pP", "PcP"})
S_PHASES = frozenset({"S", "Sn", "Sg", "Sb", "Lg", "ScS", "Sdiff"})

# Coarse phases of the back-projection: first P, first S, Lg; class bit 1 = P, 2 = S.
COARSE_CLASSES = np.array([1, 2, 2], dtype=np.int8)


class TravelTimeSource(Protocol):
    """What association needs of a travel-time model (``openndc.traveltime.TravelTimes``)."""

    @property
    def model(self) -> str: ...

    def derivatives(
        self, phase: str, distance: npt.ArrayLike, depth: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray]: ...


@dataclass(frozen=True)
class ConstantVelocity:
    """Straight rays in a homogeneous half-space: a local-network model.

    ``vp`` and ``vs`` [km/s]. Phases ``Pg``/``P`` travel at ``vp``, ``Sg``/``S`` at ``vs``;
    distance [deg] is turned into km with ``DEG_KM`` (flat Earth, fine below ~200 km).
    It is the model PyOcto's ``VelocityModel0D`` uses, so comparisons share it.
    """

    vp: float = 6.0
    vs: float = 3.4

    @property
    def model(self) -> str:
        return f"constant:{self.vp:g},{self.vs:g}"

    def derivatives(
        self, phase: str, distance: npt.ArrayLike, depth: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(t [s], dT/dDelta [s/deg], dT/dh [s/km])``; NaN for other phases."""
        d = np.asarray(distance, dtype=np.float64)
        h = np.asarray(depth, dtype=np.float64)
        d, h = np.broadcast_arrays(d, h)
        if phase in ("P", "Pg"):
            v = self.vp
        elif phase in ("S", "Sg"):
            v = self.vs
        else:
            nan = np.full(d.shape, np.nan)
            return nan, nan.copy(), nan.copy()
        x = d * DEG_KM
        r = np.maximum(np.hypot(x, h), 1e-9)
        return r / v, DEG_KM * x / (r * v), h / (r * v)


def travel_time_source(model: str) -> TravelTimeSource:
    """The travel-time model named ``model``: ``constant:VP,VS`` [km/s] or a name/path
    for :func:`openndc.traveltime.load_travel_times`."""
    if model.startswith("constant:"):
        try:
            vp, vs = (float(v) for v in model.split(":", 1)[1].split(","))
        except ValueError:
            raise ConfigError(
                f"association model {model!r}: write 'constant:VP,VS' with velocities in km/s"
            ) from None
        return ConstantVelocity(vp, vs)
    from openndc.traveltime import load_travel_times

    return load_travel_times(model)


@dataclass(frozen=True)
class PhaseGrid:
    """Phase tables on a regular grid: ``time[k, i, j]`` [s] and ``slowness[k, i, j]``
    [s/deg] of phase ``names[k]`` at distance ``i * d_step`` [deg] and depth
    ``j * h_step`` [km]; NaN where the phase does not exist (or is named otherwise)."""

    names: tuple[str, ...]
    classes: npt.NDArray[np.int8]  # 1: P type, 2: S type
    tolerances: FloatArray  # [s] base time tolerance per phase
    d_step: float
    h_step: float
    time: npt.NDArray[np.float32]
    slowness: npt.NDArray[np.float32]
    model: str

    @property
    def max_distance(self) -> float:
        return self.d_step * (self.time.shape[1] - 1)

    @property
    def max_depth(self) -> float:
        return self.h_step * (self.time.shape[2] - 1)


def build_phase_grid(
    source: TravelTimeSource,
    phases: tuple[str, ...],
    max_distance: float,
    max_depth: float,
    p_tolerance: float,
    s_tolerance: float,
    lg_min_distance: float = 2.0,
    n_distance: int = 3001,
    n_depth: int = 101,
) -> PhaseGrid:
    """Resample ``phases`` of ``source`` to ``n_distance`` x ``n_depth`` points covering
    0-``max_distance`` [deg] and 0-``max_depth`` [km]."""
    max_distance = min(max(max_distance, 0.05), 180.0)
    max_depth = max(max_depth, 1.0)
    d = np.linspace(0.0, max_distance, n_distance)
    h = np.linspace(0.0, max_depth, n_depth)
    dd, hh = np.meshgrid(d, h, indexing="ij")
    times: dict[str, FloatArray] = {}
    slows: dict[str, FloatArray] = {}
    for name in phases:
        if name not in P_PHASES and name not in S_PHASES:
            raise ConfigError(
                f"association phase {name!r} is not a seismic body phase or Lg; "
                f"use names from {sorted(P_PHASES | S_PHASES)}"
            )
        try:
            t, s, _ = source.derivatives(name, dd, hh)
        except ConfigError:
            if name in ("P", "S", "Pg", "Sg"):
                raise
            continue  # a phase this model lacks (e.g. Pn of a homogeneous model)
        t = np.array(t, dtype=np.float64)
        if name == "Lg":
            t[dd < lg_min_distance] = np.nan
        times[name] = t
        slows[name] = np.abs(np.asarray(s, dtype=np.float64))
    # The generic P / S tables keep only what no named crustal phase explains.
    for generic, named in (("P", ("Pg", "Pn")), ("S", ("Sg", "Sn"))):
        if generic in times:
            for other in named:
                if other in times:
                    same = np.abs(times[generic] - times[other]) < 0.05
                    times[generic] = np.where(same, np.nan, times[generic])
    names = tuple(times)
    if not names:
        raise ConfigError(f"travel-time model {source.model!r} has none of the phases {phases}")
    classes = np.array([1 if n in P_PHASES else 2 for n in names], dtype=np.int8)
    tolerances = np.array([p_tolerance if c == 1 else s_tolerance for c in classes])
    return PhaseGrid(
        names,
        classes,
        tolerances,
        float(d[1] - d[0]),
        float(h[1] - h[0]),
        np.stack([times[n] for n in names]).astype(np.float32),
        np.stack([slows[n] for n in names]).astype(np.float32),
        source.model,
    )


def interp_table(
    table: npt.NDArray[np.float32],
    k: int,
    d_step: float,
    h_step: float,
    d: FloatArray,
    h: FloatArray,
) -> FloatArray:
    """Bilinear interpolation of ``table[k]`` at distances ``d`` [deg], depths ``h`` [km]
    (NumPy; the reference of the numba ``_interp``). NaN outside or next to a NaN corner."""
    d, h = np.broadcast_arrays(np.asarray(d, np.float64), np.asarray(h, np.float64))
    nd, nh = table.shape[1], table.shape[2]
    x = d / d_step
    y = h / h_step
    outside = (x < 0) | (y < 0) | (x > nd - 1) | (y > nh - 1) | ~np.isfinite(x + y)
    xi = np.clip(np.nan_to_num(x), 0, nd - 1)
    yi = np.clip(np.nan_to_num(y), 0, nh - 1)
    i = np.minimum(xi.astype(np.int64), nd - 2)
    j = np.minimum(yi.astype(np.int64), nh - 2)
    wx = xi - i
    wy = yi - j
    t = table[k].astype(np.float64)
    out = (
        (1 - wx) * (1 - wy) * t[i, j]
        + wx * (1 - wy) * t[i + 1, j]
        + (1 - wx) * wy * t[i, j + 1]
        + wx * wy * t[i + 1, j + 1]
    )
    return np.where(outside, np.nan, out)


@dataclass(frozen=True)
class NodeGrid:
    """Candidate origins and their per-site predictions.

    ``latitude``/``longitude`` [deg], ``depth`` [km], ``xyz`` unit vectors, ``spacing``
    [deg] and ``depth_step`` [km] of the lattice each node belongs to. Per (node, site,
    coarse phase) ``tt`` [s] (first P, first S, Lg) and ``tol`` [s] (base tolerance plus
    the change of travel time across the cell); per (node, site) the back-azimuth at the
    site ``baz`` [deg] and its half-width across the cell ``baz_cell`` [deg]; ``slowness``
    [s/deg] per (node, site, coarse phase).
    """

    latitude: FloatArray
    longitude: FloatArray
    depth: FloatArray
    xyz: FloatArray
    spacing: FloatArray
    depth_step: FloatArray
    tt: npt.NDArray[np.float32]
    tol: npt.NDArray[np.float32]
    baz: npt.NDArray[np.float32]
    baz_cell: npt.NDArray[np.float32]
    slowness: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.latitude)


def _regional_lattice(
    lat0: float, lon0: float, radius: float, spacing: float
) -> tuple[FloatArray, FloatArray]:
    n = math.ceil(radius / spacing)
    ax = np.arange(-n, n + 1) * spacing
    x, y = np.meshgrid(ax, ax, indexing="ij")
    r = np.hypot(x, y)
    keep = r <= radius + 1e-9
    az = np.degrees(np.arctan2(x[keep], y[keep]))
    lat, lon = destination(lat0, lon0, r[keep], az)
    return np.asarray(lat), np.asarray(lon)


def _fibonacci_lattice(spacing: float) -> tuple[FloatArray, FloatArray]:
    area = 4.0 * math.pi * (180.0 / math.pi) ** 2
    n = max(int(area / spacing**2), 12)
    k = np.arange(n) + 0.5
    lat = np.degrees(np.arcsin(1.0 - 2.0 * k / n))
    lon = (np.degrees(np.pi * (1.0 + 5.0**0.5) * k) + 180.0) % 360.0 - 180.0
    return lat, lon


def _unit(lat: FloatArray, lon: FloatArray) -> FloatArray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], -1)


def network_extent(site_lat: FloatArray, site_lon: FloatArray) -> tuple[float, float, float]:
    """Centre (latitude, longitude) [deg] and radius [deg] of a set of sites."""
    xyz = _unit(np.asarray(site_lat, float), np.asarray(site_lon, float)).mean(0)
    lat0 = float(np.degrees(np.arctan2(xyz[2], np.hypot(xyz[0], xyz[1]))))
    lon0 = float(np.degrees(np.arctan2(xyz[1], xyz[0])))
    dist, _, _ = distance_azimuth(lat0, lon0, site_lat, site_lon)
    return lat0, lon0, float(np.max(dist)) if len(dist) else 0.0


def build_node_grid(
    site_lat: FloatArray,
    site_lon: FloatArray,
    phases: PhaseGrid,
    *,
    spacing: float,
    margin: float,
    depths: tuple[float, ...],
    teleseismic: bool,
    global_spacing: float,
    global_depths: tuple[float, ...],
) -> NodeGrid:
    """The candidate-origin grid for sites at ``site_lat``/``site_lon`` [deg]."""
    lat0, lon0, radius = network_extent(site_lat, site_lon)
    reg_radius = radius + margin
    rlat, rlon = _regional_lattice(lat0, lon0, reg_radius, spacing)
    dstep_reg = max(5.0, (max(depths) - min(depths)) / max(len(depths) - 1, 1))
    lats = [np.repeat(rlat, len(depths))]
    lons = [np.repeat(rlon, len(depths))]
    hs = [np.tile(np.asarray(depths, float), len(rlat))]
    sp = [np.full(len(rlat) * len(depths), spacing)]
    ds = [np.full(len(rlat) * len(depths), dstep_reg)]
    if teleseismic:
        glat, glon = _fibonacci_lattice(global_spacing)
        gd, _, _ = distance_azimuth(lat0, lon0, glat, glon)
        keep = gd > reg_radius
        glat, glon = glat[keep], glon[keep]
        lats.append(np.repeat(glat, len(global_depths)))
        lons.append(np.repeat(glon, len(global_depths)))
        hs.append(np.tile(np.asarray(global_depths, float), len(glat)))
        sp.append(np.full(len(glat) * len(global_depths), global_spacing))
        ds.append(np.full(len(glat) * len(global_depths), 100.0))
    lat = np.concatenate(lats)
    lon = np.concatenate(lons)
    h = np.concatenate(hs)
    spacing_arr = np.concatenate(sp)
    dstep = np.concatenate(ds)
    dist, _, baz = distance_azimuth(lat[:, None], lon[:, None], site_lat[None], site_lon[None])
    hh = np.broadcast_to(h[:, None], dist.shape)
    half = 0.5 * spacing_arr[:, None] * math.sqrt(2.0)  # half cell diagonal [deg]
    # Depth mostly shifts the origin time at teleseismic distances: cap its cell term.
    halfh = 0.5 * np.minimum(dstep, 20.0)[:, None]
    n, s = dist.shape
    tt = np.full((n, s, 3), np.nan)
    tol = np.full((n, s, 3), np.nan)
    slow = np.full((n, s, 3), np.nan)
    kinds = [
        [k for k, c in enumerate(phases.classes) if c == 1],
        [k for k, c in enumerate(phases.classes) if c == 2 and phases.names[k] != "Lg"],
        [k for k, nm in enumerate(phases.names) if nm == "Lg"],
    ]
    for c, ks in enumerate(kinds):
        for k in ks:
            t = interp_table(phases.time, k, phases.d_step, phases.h_step, dist, hh)
            p = interp_table(phases.slowness, k, phases.d_step, phases.h_step, dist, hh)
            t_up = interp_table(phases.time, k, phases.d_step, phases.h_step, dist, hh + halfh)
            t_dn = interp_table(
                phases.time, k, phases.d_step, phases.h_step, dist, np.maximum(hh - halfh, 0.0)
            )
            dz = np.nan_to_num(np.fmax(np.abs(t_up - t), np.abs(t - t_dn)))
            cell = np.nan_to_num(p) * half + dz + phases.tolerances[k]
            better = np.isfinite(t) & ~(tt[:, :, c] <= t)
            tt[:, :, c] = np.where(better, t, tt[:, :, c])
            slow[:, :, c] = np.where(better, p, slow[:, :, c])
            tol[:, :, c] = np.where(better, cell, tol[:, :, c])
    baz_cell = np.degrees(np.arctan2(half, np.maximum(dist, 1e-6)))
    return NodeGrid(
        lat,
        lon,
        h,
        _unit(lat, lon),
        spacing_arr,
        dstep,
        tt.astype(np.float32),
        tol.astype(np.float32),
        baz.astype(np.float32),
        np.minimum(baz_cell, 180.0).astype(np.float32),
        slow.astype(np.float32),
    )
