"""Candidate origins of the NDC association and their scoring kernel.

:func:`build_node_tables` lays the nodes (a regional lattice around the network's core and
a global Fibonacci lattice, at a few depths) and tabulates, per node and site, the first-P
time, back-azimuth and slowness. :func:`score_nodes` scores every node for one driver
detection: the defining data of the other sites' P detections that fit it (its plain
reference :func:`score_nodes_py` computes the same, node by node).

What makes the scoring fast without changing a result:

- per node, the earliest and latest predicted P over the sites (:func:`node_spans`): a node
  scans only the detections between them (binary search in the time-sorted detections);
- nodes are grouped into *clusters* of neighbours (a few lattice cells,
  :func:`cluster_nodes`); per cluster and site the range of predicted P times and the
  largest cell allowance bound from above what any node of the cluster can score
  (the detections of each site that can fall in the cluster's windows, each at its largest
  weight). Clusters whose bound is below ``floor`` (the least score a caller uses) are
  skipped, and once a node scores ``enough``, so are clusters whose bound is below the
  best score so far: the nodes a caller uses (the best ones, or all from ``floor`` up
  when none reaches ``enough``) get exactly the scores a full scan gives;
- node tables are cached per set of sites (:func:`cached_node_tables`): the windows of a
  run mostly see the same detecting sites.
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import numba
import numpy as np
import numpy.typing as npt

from openndc.association.tables import (
    _fibonacci_lattice,
    _regional_lattice,
    _unit,
    network_extent,
)
from openndc.model.geodesy import distance_azimuth

__all__ = [
    "CELL_FACTOR",
    "CLUSTER_CELLS",
    "CandidateDetections",
    "NodeArrays",
    "NodeTables",
    "PerModelCache",
    "build_node_tables",
    "cached_node_tables",
    "cluster_nodes",
    "network_core",
    "node_spans",
    "score_nodes",
    "score_nodes_py",
]

T = TypeVar("T")
FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

#: A node stands for its cell: a P time may differ from the node's prediction by the time
#: tolerance plus ``CELL_FACTOR`` x half cell [deg] x slowness [s/deg] (the driver's site
#: absorbs part of the offset into the origin time).
CELL_FACTOR = 1.0

#: A cluster of nodes spans this many lattice cells along latitude and longitude (measured
#: with 377 driver detections of the synthetic day: 2 cells 3.0x, 3 cells 3.4x, 4 cells
#: 3.4x, 5 cells 3.0x faster than scanning every node).
CLUSTER_CELLS = 3.0

#: Margin [s] added to a cluster's time windows, far above the rounding of the node test.
_BOUND_MARGIN = 1e-3

#: Node tables kept per travel-time model (at most this many sets of sites each).
_NODE_CACHE_SIZE = 4


class FirstP(Protocol):
    """First-P travel times (``openndc.association.ndc``'s fine 1-D tables)."""

    source: Any
    phases: tuple[str, ...]

    def p_time(self, dist: FloatArray, depth: float) -> tuple[FloatArray, FloatArray]: ...


def network_core(
    site_lat: FloatArray, site_lon: FloatArray, fraction: float = 0.75
) -> tuple[float, float, float]:
    """Centre (latitude, longitude) [deg] and radius [deg] of the network's core: the
    medoid site (least median distance to the others) and the distance within which
    ``fraction`` of the sites lie. A few far stations (an NDC's distant IMS partners) then
    do not stretch the fine regional lattice over half the globe."""
    lat = np.asarray(site_lat, float)
    lon = np.asarray(site_lon, float)
    if lat.size <= 2:
        return network_extent(lat, lon)
    d, _, _ = distance_azimuth(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    d = np.asarray(d, float)
    k = int(np.argmin(np.median(d, axis=1)))
    return float(lat[k]), float(lon[k]), float(np.quantile(d[k], fraction))


class NodeArrays(NamedTuple):
    """What :func:`score_nodes` reads of the node tables (see :class:`NodeTables`)."""

    tp: Float32Array
    baz: Float32Array
    slow: Float32Array
    half_cell: FloatArray
    tp_min: Float32Array
    tp_max: Float32Array
    slow_max: Float32Array
    cluster_order: IntArray
    cluster_start: IntArray
    cluster_tp_lo: FloatArray
    cluster_tp_hi: FloatArray
    cluster_lim: FloatArray


class CandidateDetections(NamedTuple):
    """What :func:`score_nodes` reads of the detections (sorted by time): time [s], site
    index, back-azimuth [deg] and slowness [s/deg] (NaN: not used), their tolerances and
    weights as defining data, and whether each may be counted (alive, P type)."""

    t: FloatArray
    site: IntArray
    baz: FloatArray
    btol: FloatArray
    slow: FloatArray
    stol: FloatArray
    bw: FloatArray
    sw: FloatArray
    usable: npt.NDArray[np.bool_]


@dataclass
class NodeTables:
    """Candidate origins: nodes (latitude, longitude [deg], depth [km], half cell [deg]) and
    per node and site the first-P time [s], predicted back-azimuth [deg] and slowness
    [s/deg].

    Derived for the scoring: per node the earliest and latest first-P time over the sites
    [s] (NaN where no site has one) and the largest slowness [s/deg] of the sites with one
    (0 where none) (:func:`node_spans`); the clusters of neighbouring nodes (node indices
    in cluster order, each cluster's first position in it) and per cluster and site the
    least and greatest first-P time [s] (NaN where no node of the cluster has one) and the
    largest cell allowance ``half_cell x slowness x CELL_FACTOR`` [s] (:func:`cluster_nodes`).
    """

    latitude: FloatArray
    longitude: FloatArray
    depth: FloatArray
    half_cell: FloatArray
    tp: Float32Array
    baz: Float32Array
    slow: Float32Array
    tp_min: Float32Array
    tp_max: Float32Array
    slow_max: Float32Array
    cluster_order: IntArray
    cluster_start: IntArray
    cluster_tp_lo: FloatArray
    cluster_tp_hi: FloatArray
    cluster_lim: FloatArray

    def arrays(self) -> NodeArrays:
        """The arrays :func:`score_nodes` reads."""
        return NodeArrays(
            self.tp,
            self.baz,
            self.slow,
            self.half_cell,
            self.tp_min,
            self.tp_max,
            self.slow_max,
            self.cluster_order,
            self.cluster_start,
            self.cluster_tp_lo,
            self.cluster_tp_hi,
            self.cluster_lim,
        )

    def with_site_order(self, col: IntArray) -> NodeTables:
        """The same tables with site ``i`` taken from column ``col[i]``."""
        return dataclasses.replace(
            self,
            tp=self.tp[:, col],
            baz=self.baz[:, col],
            slow=self.slow[:, col],
            cluster_tp_lo=self.cluster_tp_lo[:, col],
            cluster_tp_hi=self.cluster_tp_hi[:, col],
            cluster_lim=self.cluster_lim[:, col],
        )


#: A network whose core radius plus margin reaches this far [deg] is spread over the globe
#: (the IMS): it gets one even lattice rather than one centred on its medoid.
_GLOBAL_RADIUS = 90.0


def build_node_tables(
    site_lat: FloatArray,
    site_lon: FloatArray,
    src: FirstP,
    *,
    regional_spacing: float,
    regional_margin: float,
    global_spacing: float,
    depths: tuple[float, ...],
    local_spacing: float = 0.0,
    local_radius: float = 0.0,
    grid_lat: FloatArray | None = None,
    grid_lon: FloatArray | None = None,
) -> NodeTables:
    """Nodes around the network (``regional_spacing``) and worldwide (``global_spacing``);
    for a network spread over the globe (core radius plus ``regional_margin`` at least
    ``_GLOBAL_RADIUS``: the IMS) one even lattice instead, as fine as the regional one
    would be (40 nodes along 90 deg plus the margin); where that lattice comes out coarser
    than twice ``local_spacing``, also nodes ``local_spacing`` apart within
    ``local_radius`` of every site (:func:`_local_lattice`). The lattices are laid out
    around the sites ``grid_lat``, ``grid_lon`` [deg] where given (the whole network's)
    and spread over the globe, else around the sites of the tables' columns (those with
    detections): for a network over the globe a window's lattice is then the same
    whichever of its sites detect.

    The even lattice: a lattice centred on the medoid is azimuthal-equidistant, its cells
    stretched by r / sin r away from it (1.2 at 60 deg, 2.0 at 110), and its centre moves
    with the set of sites (the IMS's medoid lies in northern Europe for the sites that
    detect on an IMS-style day, in Labrador for those that record P)."""
    around_lat, around_lon, core = site_lat, site_lon, None
    if grid_lat is not None and grid_lon is not None and grid_lat.size:
        core = network_core(grid_lat, grid_lon)
        if core[2] + regional_margin >= _GLOBAL_RADIUS:
            around_lat, around_lon = grid_lat, grid_lon
        else:
            # a regional network: around the detecting sites (laid out around all the
            # sites of the synthetic day's network that record P, 86, the core's radius
            # was 32 deg against 59 for the 32 that detect: 1.1-deg nodes out to 44 deg and
            # 3-deg ones beyond, against 1.8-deg ones out to 71 deg, and 2 of the day's 80
            # events were lost)
            core = None
    lat0, lon0, radius = core if core is not None else network_core(site_lat, site_lon)
    # at most ~40 nodes along the lattice radius: a wide network gets a coarser lattice
    # (the refinement after the search recovers the precision)
    if radius + regional_margin >= _GLOBAL_RADIUS:
        # a network over the globe has no region: one even lattice
        regional_spacing = max(regional_spacing, (_GLOBAL_RADIUS + regional_margin) / 40.0)
        lats, lons = _fibonacci_lattice(regional_spacing)
        half = np.full(lats.size, 0.5 * regional_spacing)
    else:
        regional_spacing = max(regional_spacing, (radius + regional_margin) / 40.0)
        rl, ro = _regional_lattice(lat0, lon0, radius + regional_margin, regional_spacing)
        gl, go = _fibonacci_lattice(global_spacing)
        gd, _, _ = distance_azimuth(lat0, lon0, gl, go)
        far = np.asarray(gd) > radius + regional_margin
        lats = np.concatenate([rl, gl[far]])
        lons = np.concatenate([ro, go[far]])
        half = np.concatenate([np.full(rl.size, 0.5 * regional_spacing),
                               np.full(int(far.sum()), 0.5 * global_spacing)])  # fmt: skip
    if local_spacing > 0.0 and local_radius > 0.0 and regional_spacing > 2.0 * local_spacing:
        ll, lo = _local_lattice(around_lat, around_lon, local_radius, local_spacing)
        lats = np.concatenate([lats, ll])
        lons = np.concatenate([lons, lo])
        half = np.concatenate([half, np.full(ll.size, 0.5 * local_spacing)])
    n0 = lats.size
    ns = site_lat.size
    dist, _, baz = distance_azimuth(lats[:, None], lons[:, None], site_lat[None, :],
                                    site_lon[None, :])  # fmt: skip
    dist = np.asarray(dist, float)
    tp = np.empty((n0 * len(depths), ns), np.float32)
    sl = np.empty((n0 * len(depths), ns), np.float32)
    for k, h in enumerate(depths):
        t, p = src.p_time(dist.ravel(), h)
        tp[k * n0 : (k + 1) * n0] = t.reshape(n0, ns)
        sl[k * n0 : (k + 1) * n0] = p.reshape(n0, ns)
    nd = len(depths)
    latitude = np.tile(lats, nd)
    longitude = np.tile(lons, nd)
    depth = np.repeat(np.asarray(depths, float), n0)
    half_cell = np.tile(half, nd)
    order, start = cluster_nodes(latitude, longitude, depth, half_cell)
    # the nodes stored in cluster order: the kernel reads a cluster's rows together (in
    # lattice order the rows of an even lattice's cluster lie far apart: consecutive
    # points of a Fibonacci spiral are 137.5 deg of longitude apart; the scoring of the
    # IMS-style set, seed 2, took 20.5 s in lattice order and 16.3 s in cluster order)
    bz = np.tile(np.asarray(baz, np.float32), (nd, 1))[order]
    latitude, longitude, depth, half_cell = (latitude[order], longitude[order], depth[order],
                                             half_cell[order])  # fmt: skip
    tp, sl = tp[order], sl[order]
    order = np.arange(order.size, dtype=np.int64)
    return NodeTables(
        latitude,
        longitude,
        depth,
        half_cell,
        tp,
        bz,
        sl,
        *node_spans(tp, sl),
        order,
        start,
        *_cluster_bounds(tp, sl, half_cell, order, start),
    )


def _local_lattice(
    site_lat: FloatArray, site_lon: FloatArray, radius: float, spacing: float
) -> tuple[FloatArray, FloatArray]:
    """Nodes ``spacing`` [deg] apart within ``radius`` [deg] of each site, one where sites'
    lattices overlap (a node closer than half ``spacing`` to one kept is dropped).

    A coarse lattice places an event close to a station badly: its P there changes by
    14-19 s per degree, so a node a cell away fits that P only within a wide allowance
    (chance detections fit it as well), or not at all."""
    lat: list[FloatArray] = []
    lon: list[FloatArray] = []
    for la, lo in zip(np.asarray(site_lat, float), np.asarray(site_lon, float), strict=True):
        a, b = _regional_lattice(float(la), float(lo), radius, spacing)
        lat.append(np.asarray(a, float))
        lon.append(np.asarray(b, float))
    if not lat:
        return np.zeros(0), np.zeros(0)
    la_all, lo_all = np.concatenate(lat), np.concatenate(lon)
    xyz = _unit(la_all, lo_all)
    keep = np.ones(la_all.size, dtype=np.bool_)
    # greedy thinning on a spatial hash of cells of half the spacing's chord
    chord = 2.0 * math.sin(math.radians(0.5 * spacing) / 2.0)
    cell = np.floor(xyz / chord).astype(np.int64)
    seen: dict[tuple[int, int, int], list[int]] = {}
    around = [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)]
    for i in range(la_all.size):
        cx, cy, cz = (int(v) for v in cell[i])
        near = [j for dx, dy, dz in around for j in seen.get((cx + dx, cy + dy, cz + dz), ())]
        if near and float(np.min(np.linalg.norm(xyz[near] - xyz[i], axis=1))) < chord:
            keep[i] = False
            continue
        seen.setdefault((cx, cy, cz), []).append(i)
    return la_all[keep], lo_all[keep]


def node_spans(
    tp: Float32Array, slow: Float32Array
) -> tuple[Float32Array, Float32Array, Float32Array]:
    """Per node (row): earliest and latest first-P time [s] over the sites with one (NaN
    where none has one), and the largest slowness [s/deg] of those sites (0 where none)."""
    ok = np.isfinite(tp)
    has = ok.any(axis=1)
    tp_min = np.where(has, np.where(ok, tp, np.inf).min(axis=1, initial=np.inf), np.nan)
    tp_max = np.where(has, np.where(ok, tp, -np.inf).max(axis=1, initial=-np.inf), np.nan)
    sl = np.where(ok & np.isfinite(slow), slow, 0.0).max(axis=1, initial=0.0)
    return (tp_min.astype(np.float32), tp_max.astype(np.float32),
            np.asarray(sl, np.float32))  # fmt: skip


def cluster_nodes(
    latitude: FloatArray, longitude: FloatArray, depth: FloatArray, half_cell: FloatArray
) -> tuple[IntArray, IntArray]:
    """Clusters of neighbouring nodes: nodes of one depth and lattice (``half_cell``) in one
    cell of ``CLUSTER_CELLS`` node spacings in latitude and (at the cell's mid-latitude)
    longitude. Returns the node indices in cluster order and each cluster's first position
    in it (and the end: one more entry than clusters)."""
    size = 2.0 * half_cell * CLUSTER_CELLS
    row = np.floor((latitude + 90.0) / size)
    mid = np.radians((row + 0.5) * size - 90.0)
    col = np.floor((longitude + 180.0) * np.maximum(np.cos(mid), 1e-3) / size)
    key = np.stack(
        [
            np.unique(depth, return_inverse=True)[1].ravel(),
            np.unique(half_cell, return_inverse=True)[1].ravel(),
            row.astype(np.int64),
            col.astype(np.int64),
        ],
        axis=1,
    )
    _, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable").astype(np.int64)
    start = np.concatenate([[0], np.cumsum(np.bincount(inverse))]).astype(np.int64)
    return order, start


def _cluster_bounds(
    tp: Float32Array, slow: Float32Array, half_cell: FloatArray, order: IntArray, start: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per cluster and site: least and greatest first-P time [s] (NaN where no node of the
    cluster has one) and the largest ``half_cell x slowness x CELL_FACTOR`` [s]."""
    if order.size == 0:
        empty = np.empty((0, tp.shape[1]))
        return empty, empty.copy(), empty.copy()
    t = tp[order].astype(np.float64)
    lim = half_cell[order][:, None] * slow[order].astype(np.float64) * CELL_FACTOR
    ok = np.isfinite(t)
    first = start[:-1]
    lo = np.minimum.reduceat(np.where(ok, t, np.inf), first, axis=0)
    hi = np.maximum.reduceat(np.where(ok, t, -np.inf), first, axis=0)
    lm = np.maximum.reduceat(np.where(ok & np.isfinite(lim), lim, 0.0), first, axis=0)
    none = ~np.isfinite(lo)
    lo[none] = np.nan
    hi[none] = np.nan
    return lo, hi, lm


class PerModelCache(Generic[T]):
    """The last ``size`` values built for each travel-time model object, by key. A model is
    held weakly: one that is gone takes its values with it (a run with another model or
    inventory never sees them)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_model: dict[int, tuple[Any, OrderedDict[Hashable, T]]] = {}

    def get(self, model: Any, key: Hashable, build: Callable[[], T]) -> T:
        """The value of ``key`` for ``model``, built (``build()``) when not kept."""
        entries = self._entries(model)
        if entries is None:
            return build()
        value = entries.get(key)
        if value is None:
            value = build()
            entries[key] = value
            while len(entries) > self.size:
                entries.popitem(last=False)
        else:
            entries.move_to_end(key)
        return value

    def _entries(self, model: Any) -> OrderedDict[Hashable, T] | None:
        held = self._by_model.get(id(model))
        if held is not None and held[0]() is model:
            return held[1]
        key = id(model)
        try:
            ref = weakref.ref(model, lambda _: self._by_model.pop(key, None))
        except TypeError:
            return None  # a model that cannot be referenced weakly: no cache
        entries: OrderedDict[Hashable, T] = OrderedDict()
        self._by_model[key] = (ref, entries)
        return entries


class _NodeTableCache(PerModelCache[NodeTables]):
    """Node tables of the last few sets of sites, per travel-time model. The key is
    everything the tables derive from: the phases, the node depths and lattice settings,
    the sites' coordinates as a set and those the lattices are laid out around (as a set);
    the tables are built for the sites in coordinate order and their columns put in the
    caller's site order."""

    def tables(
        self,
        site_lat: FloatArray,
        site_lon: FloatArray,
        src: FirstP,
        grid: tuple[FloatArray, FloatArray] | None = None,
        **params: Any,
    ) -> NodeTables:
        lat = np.asarray(site_lat, np.float64)
        lon = np.asarray(site_lon, np.float64)
        order = np.lexsort((lon, lat))
        g_lat, g_lon = (
            (lat, lon)
            if grid is None
            else (np.asarray(grid[0], np.float64), np.asarray(grid[1], np.float64))
        )
        g_order = np.lexsort((g_lon, g_lat))
        g_lat, g_lon = g_lat[g_order], g_lon[g_order]
        key = (
            tuple(src.phases),
            tuple(sorted(params.items())),
            lat[order].tobytes(),
            lon[order].tobytes(),
            g_lat.tobytes(),
            g_lon.tobytes(),
        )

        def build() -> NodeTables:
            built = build_node_tables(lat[order], lon[order], src, grid_lat=g_lat,
                                      grid_lon=g_lon, **params)  # fmt: skip
            for a in vars(built).values():
                a.flags.writeable = False
            return built

        tables = self.get(src.source, key, build)
        if np.array_equal(order, np.arange(order.size)):
            return tables
        return tables.with_site_order(np.argsort(order))


_node_cache = _NodeTableCache(_NODE_CACHE_SIZE)


def cached_node_tables(
    site_lat: FloatArray,
    site_lon: FloatArray,
    src: FirstP,
    *,
    regional_spacing: float,
    regional_margin: float,
    global_spacing: float,
    depths: tuple[float, ...],
    local_spacing: float = 0.0,
    local_radius: float = 0.0,
    grid: tuple[FloatArray, FloatArray] | None = None,
) -> NodeTables:
    """:func:`build_node_tables`, kept for the last few sets of sites of each travel-time
    model (``src.source``); the same tables, columns in the order of the sites given,
    lattices laid out around the sites ``grid`` (latitudes, longitudes [deg]) where given.
    The cached arrays are read-only."""
    return _node_cache.tables(
        site_lat,
        site_lon,
        src,
        grid,
        regional_spacing=regional_spacing,
        regional_margin=regional_margin,
        global_spacing=global_spacing,
        depths=tuple(depths),
        local_spacing=local_spacing,
        local_radius=local_radius,
    )


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True)
def _cluster_bounds_for(  # pragma: no cover - compiled
    drv: int,
    nodes: NodeArrays,
    dets: CandidateDetections,
    j_lo: int,
    j_hi: int,
    tol: float,
    extra: float,
) -> FloatArray:
    """Upper bound of the score of every node of each cluster for driver ``drv`` (-1 where
    no node of the cluster has a P at the driver's site)."""
    t, site, usable = dets.t, dets.site, dets.usable
    c_lo, c_hi, c_lim = nodes.cluster_tp_lo, nodes.cluster_tp_hi, nodes.cluster_lim
    n_sites = nodes.tp.shape[1]
    sd = site[drv]
    # the usable detections of the other sites, grouped by site (in time order), each with
    # its largest weight as a defining datum
    first = np.zeros(n_sites + 1, np.int64)
    for j in range(j_lo, j_hi):
        if usable[j] and site[j] != sd:
            first[site[j] + 1] += 1
    for s in range(n_sites):
        first[s + 1] += first[s]
    st_t = np.empty(first[n_sites])
    st_g = np.empty(first[n_sites])
    fill = first[:n_sites].copy()
    for j in range(j_lo, j_hi):
        if usable[j] and site[j] != sd:
            s = site[j]
            g = 1.0
            if np.isfinite(dets.baz[j]):
                g += dets.bw[j]
            if np.isfinite(dets.slow[j]):
                g += dets.sw[j]
            st_t[fill[s]] = t[j]
            st_g[fill[s]] = g
            fill[s] += 1
    n_c = nodes.cluster_start.size - 1
    bound = np.full(n_c, -1.0)
    t_drv = t[drv]
    for c in range(n_c):
        lo_d = c_lo[c, sd]
        if not np.isfinite(lo_d):
            continue
        o_lo = t_drv - c_hi[c, sd]
        o_hi = t_drv - lo_d
        # the same sum as a node's score (sites in order), of terms at least as large
        u = 1.0 + extra
        for s in range(n_sites):
            if first[s + 1] == first[s]:
                continue
            lo_s = c_lo[c, s]
            if not np.isfinite(lo_s):
                continue
            lim = tol + c_lim[c, s] + _BOUND_MARGIN
            a = o_lo + lo_s - lim
            b = o_hi + c_hi[c, s] + lim
            gm = 0.0
            for k in range(first[s], first[s + 1]):
                if st_t[k] > b:
                    break
                if st_t[k] >= a and st_g[k] > gm:
                    gm = st_g[k]
            u += gm
        bound[c] = u
    return bound


@numba.njit(cache=True)
def _score_clusters(  # pragma: no cover - compiled
    drv: int,
    order: IntArray,
    start: IntArray,
    bound: FloatArray,
    tp: Float32Array,
    nbaz: Float32Array,
    nslow: Float32Array,
    half_cell: FloatArray,
    tp_min: Float32Array,
    tp_max: Float32Array,
    slow_max: Float32Array,
    t: FloatArray,
    site: IntArray,
    baz: FloatArray,
    btol: FloatArray,
    slow: FloatArray,
    stol: FloatArray,
    bw: FloatArray,
    sw: FloatArray,
    usable: npt.NDArray[np.bool_],
    j_lo: int,
    j_hi: int,
    tol: float,
    floor: float,
    enough: float,
) -> tuple[FloatArray, FloatArray]:
    """The node loop of :func:`score_nodes` (plain arrays: what the compiler keeps in
    registers), clusters by decreasing bound."""
    n_nodes = tp.shape[0]
    n_sites = tp.shape[1]
    score = np.full(n_nodes, -1.0)
    rsum = np.zeros(n_nodes)
    sd = site[drv]
    tw = t[j_lo:j_hi]
    t_drv = t[drv]
    has_baz = np.isfinite(baz[drv])
    has_slow = np.isfinite(slow[drv])
    extra = 0.0
    if has_baz:
        extra += bw[drv]
    if has_slow:
        extra += sw[drv]
    best = np.full(n_sites, np.inf)
    gain = np.zeros(n_sites)
    pen = np.zeros(n_sites)
    touched = np.empty(n_sites, np.int64)
    top = -1.0
    for c in np.argsort(-bound):
        if bound[c] < 0.0 or bound[c] < floor or (top >= enough and bound[c] < top):
            break  # this cluster and those after it (lower bounds) cannot matter
        for i in range(start[c], start[c + 1]):
            n = order[i]
            t_d = tp[n, sd]
            if not np.isfinite(t_d):
                continue
            p_drv = 0.0
            if has_baz:
                db = abs((baz[drv] - nbaz[n, sd] + 180.0) % 360.0 - 180.0)
                if db > btol[drv]:
                    continue
                p_drv += db / btol[drv]
            if has_slow:
                ds = abs(slow[drv] - nslow[n, sd])
                if ds > stol[drv]:
                    continue
                p_drv += ds / stol[drv]
            o = t_drv - t_d
            # the node's detections lie between its earliest and latest predicted P
            w = tol + half_cell[n] * slow_max[n] * CELL_FACTOR + 1e-6
            a = j_lo + np.searchsorted(tw, o + tp_min[n] - w)
            z = j_lo + np.searchsorted(tw, o + tp_max[n] + w, side="right")
            n_touched = 0
            for j in range(a, z):
                s = site[j]
                if s == sd or not usable[j]:
                    continue
                tt = tp[n, s]
                if not np.isfinite(tt):
                    continue
                r = abs(t[j] - o - tt)
                lim = tol + half_cell[n] * nslow[n, s] * CELL_FACTOR
                if r > lim or r >= best[s]:
                    continue
                g = 1.0
                pj = r / lim
                if np.isfinite(baz[j]):
                    db = abs((baz[j] - nbaz[n, s] + 180.0) % 360.0 - 180.0)
                    if db <= btol[j]:
                        g += bw[j]
                        pj += db / btol[j]
                    elif bw[j] >= 1.0:  # a well-measured azimuth pointing elsewhere
                        continue
                    else:
                        pj += 1.0
                if np.isfinite(slow[j]):
                    ds = abs(slow[j] - nslow[n, s])
                    if ds > stol[j]:
                        continue
                    g += sw[j]
                    pj += ds / stol[j]
                if best[s] == np.inf:
                    # the touched sites in site order (insertion): the sums below add them
                    # in the order of a loop over all sites
                    k = n_touched
                    while k > 0 and touched[k - 1] > s:
                        touched[k] = touched[k - 1]
                        k -= 1
                    touched[k] = s
                    n_touched += 1
                best[s] = r
                gain[s] = g
                pen[s] = pj
            sc = 1.0 + extra
            rs = p_drv
            for k in range(n_touched):
                s = touched[k]
                sc += gain[s]
                rs += pen[s]
                best[s] = np.inf
                gain[s] = 0.0
                pen[s] = 0.0
            score[n] = sc
            rsum[n] = rs
            top = max(top, sc)
    return score, rsum


@numba.njit(cache=True)
def score_nodes(  # pragma: no cover - compiled
    drv: int,
    nodes: NodeArrays,
    dets: CandidateDetections,
    j_lo: int,
    j_hi: int,
    tol: float,
    floor: float,
    enough: float,
) -> tuple[FloatArray, FloatArray]:
    """Score of the nodes for driver detection ``drv``: the number of defining data (P
    times of distinct sites plus fitting back-azimuths and slownesses, weighted ``bw`` /
    ``sw`` by their uncertainty; the detections ``j_lo:j_hi`` are the candidates) and the
    misfit of the node: the sum over its data of each residual over its tolerance (time,
    back-azimuth, slowness; a poorly measured azimuth pointing elsewhere counts 1), which
    breaks ties of the score (a node of equal score whose azimuths fit worse is another
    combination of detections); -1 where the driver's own azimuth/slowness do not fit.

    Exact for every node scoring ``floor`` or more, or (once the best score reaches
    ``enough``) for every node with the best score; a node that cannot reach that (the
    bound of its cluster is lower) is left at -1. ``floor=-inf`` scores every node."""
    extra = 0.0
    if np.isfinite(dets.baz[drv]):
        extra += dets.bw[drv]
    if np.isfinite(dets.slow[drv]):
        extra += dets.sw[drv]
    bound = _cluster_bounds_for(drv, nodes, dets, j_lo, j_hi, tol, extra)
    score, rsum = _score_clusters(
        drv, nodes.cluster_order, nodes.cluster_start, bound, nodes.tp, nodes.baz, nodes.slow,
        nodes.half_cell, nodes.tp_min, nodes.tp_max, nodes.slow_max, dets.t, dets.site,
        dets.baz, dets.btol, dets.slow, dets.stol, dets.bw, dets.sw, dets.usable, j_lo, j_hi,
        tol, floor, enough,
    )  # fmt: skip
    return score, rsum


def score_nodes_py(
    drv: int,
    nodes: NodeArrays,
    dets: CandidateDetections,
    j_lo: int,
    j_hi: int,
    tol: float,
    floor: float = -math.inf,
    enough: float = math.inf,
) -> tuple[FloatArray, FloatArray]:
    """Plain-Python reference of :func:`score_nodes`: every node, every candidate
    detection (``floor`` and ``enough`` are accepted and not needed: every node's score is
    exact)."""
    tp, nbaz, nslow, half_cell = nodes.tp, nodes.baz, nodes.slow, nodes.half_cell
    t, site, baz, btol, slow, stol = dets.t, dets.site, dets.baz, dets.btol, dets.slow, dets.stol
    bw, sw, usable = dets.bw, dets.sw, dets.usable
    n_nodes = tp.shape[0]
    score = np.full(n_nodes, -1.0)
    rsum = np.zeros(n_nodes)
    sd = int(site[drv])

    def angle(a: float, b: float) -> float:
        return abs((a - b + 180.0) % 360.0 - 180.0)

    for n in range(n_nodes):
        if not math.isfinite(tp[n, sd]):
            continue
        extra = 0.0
        p_drv = 0.0
        if math.isfinite(baz[drv]):
            if angle(baz[drv], nbaz[n, sd]) > btol[drv]:
                continue
            extra += bw[drv]
            p_drv += angle(baz[drv], nbaz[n, sd]) / btol[drv]
        if math.isfinite(slow[drv]):
            if abs(slow[drv] - nslow[n, sd]) > stol[drv]:
                continue
            extra += sw[drv]
            p_drv += abs(slow[drv] - nslow[n, sd]) / stol[drv]
        o = t[drv] - float(tp[n, sd])
        best: dict[int, tuple[float, float, float]] = {}
        for j in range(j_lo, j_hi):
            s = int(site[j])
            if s == sd or not usable[j] or not math.isfinite(tp[n, s]):
                continue
            r = abs(t[j] - o - float(tp[n, s]))
            lim = tol + half_cell[n] * nslow[n, s] * CELL_FACTOR
            if r > lim or (s in best and r >= best[s][0]):
                continue
            g = 1.0
            pj = r / lim
            if math.isfinite(baz[j]):
                if angle(baz[j], nbaz[n, s]) <= btol[j]:
                    g += bw[j]
                    pj += angle(baz[j], nbaz[n, s]) / btol[j]
                elif bw[j] >= 1.0:  # a well-measured azimuth pointing elsewhere
                    continue
                else:
                    pj += 1.0
            if math.isfinite(slow[j]):
                if abs(slow[j] - nslow[n, s]) > stol[j]:
                    continue
                g += sw[j]
                pj += abs(slow[j] - nslow[n, s]) / stol[j]
            best[s] = (r, g, pj)
        sc = 1.0 + extra
        rs = p_drv
        for s in sorted(best):
            sc += best[s][1]
            rs += best[s][2]
        score[n] = sc
        rsum[n] = rs
    return score, rsum
