"""Dense local networks: an octree search of space and origin time (method ``"local"``).

The approach of PyOcto (Münchmeyer 2024, ``yetinam/pyocto``, ``src/OctoAssociator.cpp``),
rewritten on arrays (details in ``docs/association.md``):

1. *Frame*: a flat local frame (x east, y north [km], z depth [km]) around the network; a
   box of the sites' extent plus a margin, depths ``0..max_depth``; first-P and first-S
   travel-time tables ``T(epicentral km, depth km)`` from the model.
2. *Time slices*: the picks are cut into slices of origin time (``local_slice``); each is
   the root node of a tree over (x, y, z, t). A node holds the picks that can come from it:
   ``t_pick - T_max(box) - tol <= t1`` and ``t_pick - T_min(box) + tol >= t0``, with
   ``T_min``/``T_max`` the travel times to the nearest / farthest point of the box.
3. *Search*: the node with the most picks is split in two along its longest side (time
   counted in km at the P velocity); large nodes go to a priority queue, small ones are
   explored depth first. Each node first applies PyOcto's distance criterion for the whole
   box (a site with picks at its nearest distance from the box, a silent site at its
   farthest: no pick goes that some epicentre in the box would keep). A node that no
   longer holds enough picks (``local_min_picks`` distinct station-phases, P at
   ``local_min_p_stations``, S at ``local_min_s_stations``, both at
   ``local_min_ps_stations``) is dropped.
4. *Event*: a leaf (longest side <= ``local_node_size``) is located by a coarse-to-fine
   grid search that maximises the kernel agreement of the picks' origin times (PyOcto's
   exponential EDT; several starts, the kernel narrowing with the grid step), then the
   best unused pick per station and phase within ``local_pick_tolerance`` of the
   prediction is gathered, the picks behind silent nearer sites dropped (PyOcto's distance
   criterion) and the event relocated (``local_refinements`` times; the first time over
   the whole box). It is accepted when the gathered picks still suffice;
   they leave the pool, so a pick belongs to one event. A set of picks that failed once
   is not tried again.
5. *Independent evidence* (``local_independent_evidence``, :func:`independent_evidence`):
   strongest first, an event whose picks a stronger event explains (within
   ``local_pick_tolerance`` of its predicted P or S at a site where it has no pick of that
   phase, whatever the pick's name) is dropped when its other picks miss the pick counts;
   those picks join the stronger event.
6. *Splits* (``local_merge_splits``, :func:`merge_splits`): two events whose picks (each
   free to be P or S) one hypocentre explains better than the stronger alone, leaving too
   few picks for an event, become one.
7. *Duplicates*: of two events within ``local_min_interevent_time`` the one with fewer
   picks is dropped (PyOcto's rule).

The search kernel :func:`octree_search` is compiled with numba; :func:`octree_search_py`
is the same code run by the Python interpreter (the reference, tested against it). Picks
spanning more than two hours are searched in time blocks at once (``local_threads``,
:func:`run_octree_search`; the compiled kernels release the GIL), a detection two blocks'
events claim left to the larger event (:func:`resolve_claims`).
"""

from __future__ import annotations

import heapq
import logging
import math
import os
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

import numba
import numpy as np
import numpy.typing as npt
from numba.typed import Dict, List

from openndc.association.tables import TravelTimeSource
from openndc.model.config import ConfigError
from openndc.model.geodesy import DEG_KM

__all__ = [
    "Evidence",
    "LocalFrame",
    "LocalHypothesis",
    "LocalParams",
    "LocalPicks",
    "LocalResult",
    "LocalTables",
    "Located",
    "build_local_tables",
    "independent_evidence",
    "local_frame",
    "merge_splits",
    "octree_search",
    "octree_search_py",
    "resolve_claims",
    "run_octree_search",
    "search_local",
    "time_blocks",
]

_log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LocalFrame:
    """A flat frame around ``(lat0, lon0)`` [deg]: x east, y north [km]."""

    lat0: float
    lon0: float

    def project(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(x, y) [km] of geographic points [deg]."""
        k = math.cos(math.radians(self.lat0)) * DEG_KM
        la = np.asarray(lat, np.float64)
        lo = (np.asarray(lon, np.float64) - self.lon0 + 180.0) % 360.0 - 180.0
        return lo * k, (la - self.lat0) * DEG_KM

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        """(latitude, longitude) [deg] of a frame point [km]."""
        k = math.cos(math.radians(self.lat0)) * DEG_KM
        return self.lat0 + y / DEG_KM, (self.lon0 + x / k + 180.0) % 360.0 - 180.0


def local_frame(lat: FloatArray, lon: FloatArray) -> LocalFrame:
    """The frame centred on the middle of the sites' extent."""
    lon_c = float(np.degrees(np.angle(np.mean(np.exp(1j * np.radians(lon))))))
    return LocalFrame(0.5 * float(np.min(lat) + np.max(lat)), lon_c)


class LocalTables(NamedTuple):
    """First-P (``tt[0]``) and first-S (``tt[1]``) travel times [s] on a regular grid of
    epicentral distance ``i * step_km`` and depth below the site ``j * step_km`` [km]."""

    tt: FloatArray
    step_km: float


def build_local_tables(
    source: TravelTimeSource,
    phases: tuple[str, ...],
    max_distance_km: float,
    max_depth_km: float,
    step_km: float = 0.25,
) -> tuple[LocalTables, tuple[str, str]]:
    """First-arrival tables of the P-type and S-type phases of ``phases`` that ``source``
    has, and the name given to each class (the first of ``phases`` in it)."""
    from openndc.association.tables import P_PHASES, S_PHASES

    d = np.arange(0.0, max_distance_km + 2 * step_km, step_km)
    h = np.arange(0.0, max_depth_km + 2 * step_km, step_km)
    dd, hh = np.meshgrid(d / DEG_KM, h, indexing="ij")
    out = np.full((2, d.size, h.size), np.inf)
    names = ["", ""]
    for k, group in enumerate((P_PHASES, S_PHASES)):
        for ph in (p for p in phases if p in group):
            try:
                t, _, _ = source.derivatives(ph, dd, hh)
            except ConfigError:
                continue  # a phase this model lacks (e.g. Pn of a homogeneous model)
            t = np.asarray(t, np.float64)
            if np.isfinite(t).any() and not names[k]:
                names[k] = ph
            out[k] = np.fmin(out[k], np.where(np.isfinite(t), t, np.inf))
    if not names[0] or not names[1]:
        raise ConfigError(
            f"the local association needs a P-type and an S-type phase of model "
            f"{source.model!r} in AssociationConfig.phases (got {phases}); e.g. ('Pg', 'Sg')"
        )
    out[~np.isfinite(out)] = np.nan
    return LocalTables(out, step_km), (names[0], names[1])


class LocalPicks(NamedTuple):
    """Picks sorted by time: ``t`` [s after a reference], ``station`` (site index),
    ``phase`` (0 P, 1 S), ``det`` (detection index; a pick of unknown phase appears once
    as P and once as S); sites' frame coordinates ``sx``, ``sy`` [km] and ``selev`` [km]."""

    t: FloatArray
    station: IntArray
    phase: IntArray
    det: IntArray
    sx: FloatArray
    sy: FloatArray
    selev: FloatArray


class LocalParams(NamedTuple):
    """Search box [km], slicing and rules of :func:`octree_search` (see the module
    docstring; the ``AssociationConfig.local_*`` fields)."""

    x0: float
    x1: float
    y0: float
    y1: float
    z0: float
    z1: float
    vp: float
    vs: float
    tolerance: float
    node_size: float
    dfs_size: float
    slice_s: float
    time_before: float
    pick_tolerance: float
    edt_sigma: float
    refinements: int
    min_picks: int
    min_p: int
    min_s: int
    min_ps: int
    min_pick_fraction: float
    #: the time [s] the slices count from (NaN: the first pick's): a time block's search
    #: (run_octree_search) slices on the whole span's grid
    slice_origin: float = math.nan


class LocalResult(NamedTuple):
    """Events found: origin ``x``, ``y``, ``z`` [km] and ``t`` [s]; the picks of event
    ``k`` are ``members[offsets[k]:offsets[k + 1]]`` (pick indices); ``counters`` the work
    done (:data:`COUNTERS`)."""

    x: FloatArray
    y: FloatArray
    z: FloatArray
    t: FloatArray
    offsets: IntArray
    members: IntArray
    counters: dict[str, int]


# --------------------------------------------------------------------------- kernel
#: The work :func:`octree_search` counts: nodes visited, leaves located (candidates), grid
#: searches, grid points evaluated by them and events accepted.
COUNTERS = ("nodes", "candidates", "grid_searches", "grid_points", "events")
N_COUNTERS = len(COUNTERS)
_C_NODES, _C_TRIES, _C_LOCATES, _C_POINTS, _C_EVENTS = range(N_COUNTERS)

# The functions below are written once and compiled with numba; ``*_py`` are the same
# functions run by the interpreter (``.py_func``), the reference the tests compare with.


def _tt(tt: FloatArray, step: float, ph: int, dist: float, depth: float) -> float:
    """Bilinear interpolation of table ``tt[ph]`` at (dist, depth) [km]; NaN outside."""
    fi = dist / step
    fj = max(depth, 0.0) / step
    i = int(fi)
    j = int(fj)
    if i + 1 >= tt.shape[1] or j + 1 >= tt.shape[2]:
        return np.nan
    a = fi - i
    b = fj - j
    return float(
        (1 - a) * ((1 - b) * tt[ph, i, j] + b * tt[ph, i, j + 1])
        + a * ((1 - b) * tt[ph, i + 1, j] + b * tt[ph, i + 1, j + 1])
    )


def _tt_range(
    tt: FloatArray,
    step: float,
    ph: int,
    sx: float,
    sy: float,
    se: float,
    box: FloatArray,
) -> tuple[float, float]:
    """Smallest and largest travel time [s] from box (x0, x1, y0, y1, z0, z1) to a site."""
    dxmin = max(box[0] - sx, 0.0, sx - box[1])
    dymin = max(box[2] - sy, 0.0, sy - box[3])
    dxmax = max(abs(sx - box[0]), abs(sx - box[1]))
    dymax = max(abs(sy - box[2]), abs(sy - box[3]))
    dmin = math.sqrt(dxmin * dxmin + dymin * dymin)
    dmax = math.sqrt(dxmax * dxmax + dymax * dymax)
    a = _tt(tt, step, ph, dmin, box[4] + se)
    b = _tt(tt, step, ph, dmin, box[5] + se)
    c = _tt(tt, step, ph, dmax, box[4] + se)
    d = _tt(tt, step, ph, dmax, box[5] + se)
    return min(a, b, c, d), max(a, b, c, d)


def _keep_in_box(
    idx: IntArray, box: FloatArray, picks: Any, used: npt.NDArray[np.bool_], tt: FloatArray,
    step: float, tol: float,
) -> IntArray:  # fmt: skip
    """The unused picks of ``idx`` that can come from ``box`` (x, y, z ranges, t0, t1)."""
    out = np.empty(idx.size, np.int64)
    n = 0
    for i in idx:
        if used[picks.det[i]]:
            continue
        s = picks.station[i]
        lo, hi = _tt_range(tt, step, picks.phase[i], picks.sx[s], picks.sy[s], picks.selev[s], box)
        if math.isnan(lo) or math.isnan(hi):
            continue
        if picks.t[i] - hi - tol <= box[7] and picks.t[i] - lo + tol >= box[6]:
            out[n] = i
            n += 1
    return out[:n]


def _sufficient(idx: IntArray, picks: Any, flags: IntArray, prm: Any) -> bool:
    """Whether picks ``idx`` meet the pick rules (distinct station-phases). ``flags`` is a
    zeroed per-site scratch array (bit 1 P, bit 2 S), zeroed again on return."""
    n_p = 0
    n_s = 0
    n_ps = 0
    for i in idx:
        s = picks.station[i]
        bit = 1 << picks.phase[i]
        if flags[s] & bit:
            continue
        flags[s] |= bit
        if bit == 1:
            n_p += 1
        else:
            n_s += 1
        if flags[s] & 3 == 3:
            n_ps += 1
    for i in idx:
        flags[picks.station[i]] = 0
    return bool(
        n_p + n_s >= prm.min_picks and n_p >= prm.min_p and n_s >= prm.min_s
        and n_ps >= prm.min_ps
    )  # fmt: skip


def _distances(x: float, y: float, idx: IntArray, picks: Any, out: FloatArray) -> None:
    """Epicentral distances [km] from (x, y) to the sites of picks ``idx``, into ``out``."""
    for k in range(idx.size):
        s = picks.station[idx[k]]
        out[k] = math.sqrt((x - picks.sx[s]) ** 2 + (y - picks.sy[s]) ** 2)


def _origin_times_at(
    dist: FloatArray, z: float, idx: IntArray, picks: Any, tt: FloatArray, step: float,
    out: FloatArray,
) -> int:  # fmt: skip
    """The origin times [s] the picks ``idx`` imply at depth ``z`` [km] and their epicentral
    distances ``dist`` [km], sorted, into ``out``; their number (picks out of the tables'
    reach are left out)."""
    n = 0
    for k in range(idx.size):
        i = idx[k]
        s = picks.station[i]
        v = _tt(tt, step, picks.phase[i], dist[k], z + picks.selev[s])
        if not math.isnan(v):
            # insertion sort: a few dozen values, no allocation
            o = picks.t[i] - v
            m = n
            while m > 0 and out[m - 1] > o:
                out[m] = out[m - 1]
                m -= 1
            out[m] = o
            n += 1
    return n


def _pair_sum(o: FloatArray, n: int, sigma: float) -> float:
    """Sum over pairs of sorted origin times ``o[:n]`` of a Gaussian of their difference
    (PyOcto's exponential EDT, an option there); pairs beyond 3.5 sigma (< 0.3 % each)
    are left out. -1 when there are no origin times."""
    if n == 0:
        return -1.0
    inv = 1.0 / (2.0 * sigma * sigma)
    reach = 3.5 * sigma
    total = 0.0
    for a in range(n - 1):
        oa = o[a]
        for b in range(a + 1, n):
            dd = o[b] - oa
            if dd > reach:
                break
            total += math.exp(-dd * dd * inv)
    return total


def _densest_time(o: FloatArray, n: int, sigma: float) -> float:
    """The origin time [s] the sorted ``o[:n]`` agree on: the weighted mean around the
    one with the largest kernel sum; NaN when there are none."""
    if n == 0:
        return np.nan
    inv = 1.0 / (2.0 * sigma * sigma)
    reach = 3.5 * sigma
    best = -1.0
    best_k = 0
    lo = 0
    hi = 0
    for a in range(n):
        while o[a] - o[lo] > reach:
            lo += 1
        while hi < n and o[hi] - o[a] <= reach:
            hi += 1
        acc = 0.0
        for b in range(lo, hi):
            acc += math.exp(-((o[a] - o[b]) ** 2) * inv)
        if acc > best:
            best = acc
            best_k = a
    wsum = 0.0
    tsum = 0.0
    for a in range(n):
        w = math.exp(-((o[a] - o[best_k]) ** 2) * inv)
        wsum += w
        tsum += w * o[a]
    return tsum / wsum


def _agreement(
    x: float, y: float, z: float, idx: IntArray, picks: Any, tt: FloatArray, step: float,
    sigma: float, work: FloatArray,
) -> float:  # fmt: skip
    """Agreement of the picks' origin times at (x, y, z): :func:`_pair_sum`. ``work`` is a
    (2, n_picks) scratch array."""
    _distances(x, y, idx, picks, work[1])
    n = _origin_times_at(work[1], z, idx, picks, tt, step, work[0])
    return _pair_sum(work[0], n, sigma)


def _origin_agreement(
    x: float, y: float, z: float, idx: IntArray, picks: Any, tt: FloatArray, step: float,
    sigma: float, work: FloatArray,
) -> tuple[float, float]:  # fmt: skip
    """:func:`_agreement` at (x, y, z) and the origin time [s] it implies
    (:func:`_densest_time`)."""
    _distances(x, y, idx, picks, work[1])
    n = _origin_times_at(work[1], z, idx, picks, tt, step, work[0])
    return _pair_sum(work[0], n, sigma), _densest_time(work[0], n, sigma)


def _polish(
    idx: IntArray, picks: Any, tt: FloatArray, step: float, prm: Any, bx: float, by: float,
    bz: float, grid: float, work: FloatArray,
) -> tuple[float, float, float, float, float]:  # fmt: skip
    """3 x 3 x 3 points around (bx, by, bz) [km], the step halved from ``grid / 2`` down to
    0.25 km, the kernel narrowing with it; the point, its origin time and its agreement at
    ``edt_sigma``."""
    stp = grid / 2.0
    while stp >= 0.25:
        ox, oy, oz = bx, by, bz
        sig = math.hypot(prm.edt_sigma, 0.87 * stp / prm.vs)
        best = _agreement(ox, oy, oz, idx, picks, tt, step, sig, work)
        for i in range(-1, 2):
            x = min(max(ox + i * stp, prm.x0), prm.x1)
            for j in range(-1, 2):
                y = min(max(oy + j * stp, prm.y0), prm.y1)
                for k in range(-1, 2):
                    z = min(max(oz + k * stp, prm.z0), prm.z1)
                    if i == 0 and j == 0 and k == 0:
                        continue  # the centre, evaluated above
                    q = _agreement(x, y, z, idx, picks, tt, step, sig, work)
                    if q > best + 1e-9:
                        best, bx, by, bz = q, x, y, z
        stp /= 2.0
    q, t0 = _origin_agreement(bx, by, bz, idx, picks, tt, step, prm.edt_sigma, work)
    return bx, by, bz, t0, q


def _locate(
    idx: IntArray, picks: Any, tt: FloatArray, step: float, prm: Any, cx: float, cy: float,
    half: float, grid: float, work: FloatArray, cnt: IntArray,
) -> tuple[float, float, float, float]:  # fmt: skip
    """Grid search of the origin: points ``grid`` [km] apart within ``half`` [km] of (cx, cy)
    horizontally (inside the search box: points clamped onto its edge are evaluated once)
    and over the whole depth range, then :func:`_polish` from each of the ``N_STARTS`` best
    separated points; the best at ``edt_sigma`` wins. At a step ``g`` the agreement kernel
    is widened to ``hypot(edt_sigma, 0.87 g / vs)`` (the S-time error of the farthest point
    of a cell from a grid point), so that a coarse grid does not step over the true
    optimum's basin; the several starts keep a wide basin of many loosely agreeing picks
    from hiding a narrow one of tightly agreeing picks."""
    n_keep = 3
    top_q = np.full(n_keep, -2.0)
    top = np.zeros((n_keep, 3))
    n_h = math.ceil(half / grid)
    n_z = math.ceil((prm.z1 - prm.z0) / grid)
    sig = math.hypot(prm.edt_sigma, 0.87 * grid / prm.vs)
    cnt[_C_LOCATES] += 1
    sep2 = (1.5 * grid) ** 2
    px = np.nan
    for i in range(-n_h, n_h + 1):
        x = min(max(cx + i * grid, prm.x0), prm.x1)
        if x == px:
            continue
        px = x
        py = np.nan
        for j in range(-n_h, n_h + 1):
            y = min(max(cy + j * grid, prm.y0), prm.y1)
            if y == py:
                continue
            py = y
            cnt[_C_POINTS] += n_z + 1
            _distances(x, y, idx, picks, work[1])  # the same for the whole column
            for k in range(n_z + 1):
                z = min(prm.z0 + k * grid, prm.z1)
                n = _origin_times_at(work[1], z, idx, picks, tt, step, work[0])
                q = _pair_sum(work[0], n, sig)
                # keep the n_keep best points that are more than 1.5 cells apart
                slot = -1
                for m in range(n_keep):
                    if (top[m, 0] - x) ** 2 + (top[m, 1] - y) ** 2 <= sep2 and top_q[m] > -2.0:
                        slot = m
                        break
                if slot < 0:
                    slot = int(np.argmin(top_q))
                if q > top_q[slot] + 1e-9:
                    top_q[slot] = q
                    top[slot, 0] = x
                    top[slot, 1] = y
                    top[slot, 2] = z
    best = -3.0
    bx, by, bz, bt = cx, cy, 0.5 * (prm.z0 + prm.z1), np.nan
    for m in range(n_keep):
        if top_q[m] <= -2.0:
            continue
        x, y, z, t0, q = _polish(idx, picks, tt, step, prm, top[m, 0], top[m, 1], top[m, 2],
                                 grid, work)  # fmt: skip
        if q > best + 1e-9:
            best, bx, by, bz, bt = q, x, y, z, t0
    return bx, by, bz, bt


def _gather(
    x: float, y: float, z: float, t0: float, picks: Any, used: npt.NDArray[np.bool_],
    tt: FloatArray, step: float, n_sites: int, tol: float,
) -> IntArray:  # fmt: skip
    """Per site and phase the unused pick nearest the prediction within ``tol`` [s]."""
    out = np.empty(2 * n_sites, np.int64)
    n = 0
    for s in range(n_sites):
        d = math.sqrt((x - picks.sx[s]) ** 2 + (y - picks.sy[s]) ** 2)
        for ph in range(2):
            v = _tt(tt, step, ph, d, z + picks.selev[s])
            if math.isnan(v):
                continue
            tp = t0 + v
            lo = np.searchsorted(picks.t, tp - tol)
            hi = np.searchsorted(picks.t, tp + tol, side="right")
            best = -1
            br = tol + 1.0
            for i in range(lo, hi):
                if picks.station[i] != s or picks.phase[i] != ph or used[picks.det[i]]:
                    continue
                r = abs(picks.t[i] - tp)
                if r < br:
                    br = r
                    best = i
            if best >= 0:
                out[n] = best
                n += 1
    return out[:n]


def _distance_filter(
    idx: IntArray, x0: float, x1: float, y0: float, y1: float, picks: Any,
    active: npt.NDArray[np.bool_], fraction: float, flags: IntArray,
) -> IntArray:  # fmt: skip
    """PyOcto's distance criterion for epicentres in the box ``x0..x1``, ``y0..y1`` [km] (a
    point when ``x0 == x1`` and ``y0 == y1``): walking the active sites (those with picks in
    the slice) outwards, drop the picks of the sites beyond the last point where at least
    ``fraction`` of the sites passed have a pick of ``idx``: an event seen far away is also
    seen close by, so far picks with silent near sites are another event's. For a box the
    walk is the most lenient one the box allows (as PyOcto's per-node filter): a site with
    picks counts at its nearest distance from the box, a silent site at its farthest, so no
    pick is dropped that a point of the box would keep. ``flags`` is a zeroed per-site
    scratch array, zeroed again on return."""
    if fraction <= 0.0 or idx.size == 0:
        return idx
    n_act = 0
    n_hit = 0
    for i in idx:
        s = picks.station[i]
        if flags[s] == 0:
            flags[s] = 1
            n_hit += 1
    for s in range(active.size):
        if active[s]:
            n_act += 1
    if n_act == 0 or n_hit > fraction * n_act:  # met over the whole network
        for i in idx:
            flags[picks.station[i]] = 0
        return idx
    d = np.empty(n_act, np.float64)
    site = np.empty(n_act, np.int64)
    k = 0
    for s in range(active.size):
        if active[s]:
            sx = picks.sx[s]
            sy = picks.sy[s]
            if flags[s] == 1:  # nearest point of the box
                dx = max(x0 - sx, 0.0, sx - x1)
                dy = max(y0 - sy, 0.0, sy - y1)
            else:  # farthest point of the box
                dx = max(abs(sx - x0), abs(sx - x1))
                dy = max(abs(sy - y0), abs(sy - y1))
            d[k] = dx * dx + dy * dy
            site[k] = s
            k += 1
    order = np.argsort(d, kind="mergesort")
    hits = 0
    cut = n_act  # sites from order[cut:] on are dropped
    for r in range(n_act):
        s = site[order[r]]
        if flags[s] == 1:
            hits += 1
        if hits >= fraction * (r + 1):
            cut = n_act
        elif cut == n_act:
            cut = r
    n_drop = 0
    for r in range(cut, n_act):
        s = site[order[r]]
        if flags[s] == 1:
            flags[s] = 2  # dropped
            n_drop += 1
    if n_drop == 0:
        for i in idx:
            flags[picks.station[i]] = 0
        return idx
    out = np.empty(idx.size, np.int64)
    n = 0
    for i in idx:
        if flags[picks.station[i]] == 1:
            out[n] = i
            n += 1
    for i in idx:
        flags[picks.station[i]] = 0
    return out[:n]


def _pick_hash(idx: IntArray, keys: npt.NDArray[np.int64]) -> int:
    h = 0
    for i in idx:
        h ^= keys[i]
    return h


def _width(box: FloatArray, vp: float) -> float:
    return max(box[1] - box[0], box[3] - box[2], box[5] - box[4], (box[7] - box[6]) * vp)


def _split(box: FloatArray, vp: float) -> tuple[FloatArray, FloatArray]:
    w = np.array([box[1] - box[0], box[3] - box[2], box[5] - box[4], (box[7] - box[6]) * vp])
    k = int(np.argmax(w))
    a = box.copy()
    b = box.copy()
    mid = 0.5 * (box[2 * k] + box[2 * k + 1])
    a[2 * k + 1] = mid
    b[2 * k] = mid
    return a, b


def _try_event(
    leaf: IntArray, box: FloatArray, picks: Any, used: npt.NDArray[np.bool_], tt: FloatArray,
    step: float, prm: Any, n_sites: int, flags: IntArray, work: FloatArray,
    active: npt.NDArray[np.bool_], cnt: IntArray,
) -> tuple[IntArray, float, float, float, float]:  # fmt: skip
    """Locate a leaf's picks, gather and relocate; the members (empty when rejected).
    ``active`` marks the sites with picks in the slice (the distance criterion)."""
    cx = 0.5 * (box[0] + box[1])
    cy = 0.5 * (box[2] + box[3])
    size = prm.node_size
    cnt[_C_TRIES] += 1
    x, y, z, t0 = _locate(leaf, picks, tt, step, prm, cx, cy, 2.0 * size, 0.4 * size, work,
                          cnt)  # fmt: skip
    members = np.empty(0, np.int64)
    for r in range(prm.refinements):
        if math.isnan(t0):
            return np.empty(0, np.int64), x, y, z, t0
        members = _gather(x, y, z, t0, picks, used, tt, step, n_sites, prm.pick_tolerance)
        members = _distance_filter(members, x, x, y, y, picks, active, prm.min_pick_fraction,
                                   flags)  # fmt: skip
        if not _sufficient(members, picks, flags, prm):
            return np.empty(0, np.int64), x, y, z, t0
        if r == 0:
            # the first relocation searches the whole box, as PyOcto does: the leaf's picks
            # (a mixture of events) may have put the candidate far from its gathered picks'
            # optimum
            bx = 0.5 * (prm.x0 + prm.x1)
            by = 0.5 * (prm.y0 + prm.y1)
            half = 0.5 * max(prm.x1 - prm.x0, prm.y1 - prm.y0)
            x, y, z, t0 = _locate(members, picks, tt, step, prm, bx, by, half, 0.5 * size, work,
                                  cnt)  # fmt: skip
        else:
            x, y, z, t0 = _locate(members, picks, tt, step, prm, x, y, 0.5 * size, 0.2 * size,
                                  work, cnt)  # fmt: skip
    if math.isnan(t0):
        return np.empty(0, np.int64), x, y, z, t0
    members = _gather(x, y, z, t0, picks, used, tt, step, n_sites, prm.pick_tolerance)
    members = _distance_filter(members, x, x, y, y, picks, active, prm.min_pick_fraction,
                                   flags)  # fmt: skip
    if not _sufficient(members, picks, flags, prm):
        return np.empty(0, np.int64), x, y, z, t0
    return members, x, y, z, t0


def octree_search(
    picks: Any, tt: FloatArray, step: float, prm: Any, n_sites: int, n_dets: int,
    keys: npt.NDArray[np.int64], tried: Any,
) -> tuple[FloatArray, IntArray, IntArray]:  # fmt: skip
    """The octree search (module docstring) over all slices. Returns ``(origins, members,
    counters)``: ``origins[k] = (x, y, z, t, n_members)``, the member pick indices
    concatenated and the work done (:data:`COUNTERS`).
    ``keys`` are random 64-bit integers per pick (to recognise a set of picks tried) and
    ``tried`` an empty int -> int mapping (a numba typed ``Dict`` when compiled)."""
    used = np.zeros(n_dets, np.bool_)
    flags = np.zeros(n_sites, np.int64)
    work = np.empty((2, picks.t.size), np.float64)
    cnt = np.zeros(N_COUNTERS, np.int64)
    origins = List()
    members_out = List()
    n = picks.t.size
    if n == 0:
        return np.zeros((0, 5)), np.zeros(0, np.int64), cnt
    start = picks.t[0]
    if not math.isnan(prm.slice_origin):
        start = (
            prm.slice_origin + math.floor((start - prm.slice_origin) / prm.slice_s) * prm.slice_s
        )
    last = picks.t[n - 1]
    all_idx = np.arange(n)
    while start < last + prm.time_before:
        box = np.array([prm.x0, prm.x1, prm.y0, prm.y1, prm.z0, prm.z1,
                        start - prm.time_before, start + prm.slice_s])  # fmt: skip
        lo = np.searchsorted(picks.t, box[6])
        hi = np.searchsorted(picks.t, box[7] + prm.time_before, side="right")
        root = _keep_in_box(all_idx[lo:hi], box, picks, used, tt, step, prm.tolerance)
        active = np.zeros(n_sites, np.bool_)
        for i in all_idx[lo:hi]:
            active[picks.station[i]] = True
        heap = [(-float(root.size), 0)]
        boxes = List()
        boxes.append(box)
        members = List()
        members.append(root)
        while len(heap) > 0:
            _, k = heapq.heappop(heap)
            stack = List()
            stack.append(k)
            while len(stack) > 0:
                j = stack.pop()
                b = boxes[j]
                cnt[_C_NODES] += 1
                idx = _keep_in_box(members[j], b, picks, used, tt, step, prm.tolerance)
                # PyOcto's per-node distance criterion: picks no epicentre of the node can
                # keep leave it, so mixtures of far picks die here, not after a location
                idx = _distance_filter(idx, b[0], b[1], b[2], b[3], picks, active,
                                       prm.min_pick_fraction, flags)  # fmt: skip
                if not _sufficient(idx, picks, flags, prm):
                    continue
                if _width(b, prm.vp) <= prm.node_size:
                    h = _pick_hash(idx, keys)
                    if h in tried:
                        continue
                    tried[h] = 1
                    got, x, y, z, t0 = _try_event(idx, b, picks, used, tt, step, prm, n_sites,
                                                  flags, work, active, cnt)  # fmt: skip
                    if got.size > 0:
                        for i in got:
                            used[picks.det[i]] = True
                        cnt[_C_EVENTS] += 1
                        origins.append(np.array([x, y, z, t0, float(got.size)]))
                        members_out.append(got)
                    continue
                ba, bb = _split(b, prm.vp)
                ia = _keep_in_box(idx, ba, picks, used, tt, step, prm.tolerance)
                ib = _keep_in_box(idx, bb, picks, used, tt, step, prm.tolerance)
                boxes.append(ba)
                members.append(ia)
                boxes.append(bb)
                members.append(ib)
                na = len(boxes) - 2
                nb = len(boxes) - 1
                if _width(b, prm.vp) > prm.dfs_size:
                    heapq.heappush(heap, (-float(ia.size), na))
                    heapq.heappush(heap, (-float(ib.size), nb))
                elif ia.size >= ib.size:  # depth first, the fuller child first
                    stack.append(nb)
                    stack.append(na)
                else:
                    stack.append(na)
                    stack.append(nb)
        start += prm.slice_s
    n_ev = len(origins)
    out = np.zeros((n_ev, 5))
    total = 0
    for k in range(n_ev):
        out[k] = origins[k]
        total += members_out[k].size
    flat = np.empty(total, np.int64)
    p = 0
    for k in range(n_ev):
        m = members_out[k]
        flat[p : p + m.size] = m
        p += m.size
    return out, flat, cnt


_KERNEL_FUNCTIONS = (
    "_tt", "_tt_range", "_keep_in_box", "_sufficient", "_distances", "_origin_times_at",
    "_pair_sum", "_densest_time", "_agreement", "_origin_agreement", "_polish", "_locate",
    "_gather", "_distance_filter", "_pick_hash", "_width", "_split",
    "_try_event", "octree_search",
)  # fmt: skip


def _compile() -> dict[str, Any]:
    """numba-compiled copies of the kernel functions, calling each other compiled (by name)."""
    space = dict(globals())
    for name in _KERNEL_FUNCTIONS:
        fn = globals()[name]
        copy = types.FunctionType(fn.__code__, space, name, fn.__defaults__, fn.__closure__)
        space[name] = numba.njit(cache=True, nogil=True)(copy)
    return space


_JIT: list[dict[str, Any]] = []


def _kernels(compiled: bool) -> dict[str, Any]:
    """The kernel functions by name: numba-compiled, or the interpreted reference."""
    if not compiled:
        return globals()
    if not _JIT:
        _JIT.append(_compile())
    return _JIT[0]


def run_octree_search(
    picks: LocalPicks, tables: LocalTables, prm: LocalParams, n_sites: int, n_dets: int,
    *, compiled: bool = True, threads: int = 1,
) -> LocalResult:  # fmt: skip
    """Run :func:`octree_search` (compiled, or the interpreted reference) and return its
    result as a :class:`LocalResult`.

    With ``threads`` > 1 a span of picks longer than ``2 * _MIN_BLOCK_S`` is cut into up to
    that many time blocks (:func:`time_blocks`), searched at once (the compiled kernels
    release the GIL), each with the picks of ``prm.time_before`` either side of it and
    sliced on the whole span's grid (so that away from its borders it finds what one block
    would); a block keeps the events whose origin time is its own, and a pick two blocks'
    events claim stays with the larger event (:func:`resolve_claims`)."""
    keys = np.random.default_rng(12345).integers(1, 2**62, size=picks.t.size, dtype=np.int64)
    blocks = time_blocks(picks.t, threads)
    if picks.t.size:
        prm = prm._replace(slice_origin=float(picks.t[0]))

    def one(block: tuple[float, float]) -> tuple[FloatArray, list[IntArray], IntArray]:
        lo_t, hi_t = block
        lo = int(np.searchsorted(picks.t, lo_t - prm.time_before))
        hi = int(np.searchsorted(picks.t, hi_t + prm.time_before, side="right"))
        part = LocalPicks(picks.t[lo:hi], picks.station[lo:hi], picks.phase[lo:hi],
                          picks.det[lo:hi], picks.sx, picks.sy, picks.selev)  # fmt: skip
        origins, flat, cnt = _search(part, tables, prm, n_sites, n_dets, keys[lo:hi], compiled)
        offsets = np.concatenate([[0], np.cumsum(origins[:, 4].astype(np.int64))])
        own = np.flatnonzero((origins[:, 3] >= lo_t) & (origins[:, 3] < hi_t))
        return origins[own, :4], [flat[offsets[k] : offsets[k + 1]] + lo for k in own], cnt

    if len(blocks) == 1:
        parts = [one(blocks[0])]
    else:
        with ThreadPoolExecutor(len(blocks)) as pool:
            parts = list(pool.map(one, blocks))
    o = np.concatenate([part[0] for part in parts]).reshape(-1, 4)
    members = [m for part in parts for m in part[1]]
    cnt = np.sum([part[2] for part in parts], axis=0)
    if len(parts) > 1:
        keep, members = resolve_claims(members, picks, prm, n_sites)
        o = o[np.asarray(keep, dtype=np.bool_)]
    offsets = np.concatenate([[0], np.cumsum([m.size for m in members])]).astype(np.int64)
    flat = np.concatenate(members).astype(np.int64) if members else np.zeros(0, np.int64)
    return LocalResult(o[:, 0], o[:, 1], o[:, 2], o[:, 3], offsets, flat,
                       dict(zip(COUNTERS, np.asarray(cnt).tolist(), strict=True)))  # fmt: skip


def _search(
    picks: LocalPicks, tables: LocalTables, prm: LocalParams, n_sites: int, n_dets: int,
    keys: npt.NDArray[np.int64], compiled: bool,
) -> tuple[FloatArray, IntArray, IntArray]:  # fmt: skip
    """:func:`octree_search`, compiled (with a typed ``tried`` mapping) or interpreted."""
    if compiled:
        tried: Any = Dict.empty(numba.int64, numba.int64)
        search = _kernels(True)["octree_search"]
        out: tuple[FloatArray, IntArray, IntArray] = search(
            picks, tables.tt, tables.step_km, prm, n_sites, n_dets, keys, tried
        )
        return out
    return octree_search(picks, tables.tt, tables.step_km, prm, n_sites, n_dets, keys, {})


#: A time block of the threaded search is at least this long [s] (``run_octree_search``):
#: its events near the edges are few against those inside, and a window of the pipeline
#: (an hour) is searched in one block, as before.
_MIN_BLOCK_S = 3600.0


def time_blocks(t: FloatArray, threads: int) -> list[tuple[float, float]]:
    """The time blocks ``[start, end)`` [s] the search of picks at times ``t`` (sorted) is
    cut into: up to ``threads`` of at least ``_MIN_BLOCK_S``, each border put in the longest
    quiet interval between picks within a tenth of the span of its even place (an event
    straddles it the least there); one block covering everything when the span is short
    or ``threads`` is 1."""
    if t.size == 0 or threads <= 1:
        return [(-math.inf, math.inf)]
    span = float(t[-1] - t[0])
    n = min(threads, int(span // _MIN_BLOCK_S))
    if n <= 1:
        return [(-math.inf, math.inf)]
    borders = []
    for k in range(1, n):
        ideal = float(t[0]) + span * k / n
        lo = int(np.searchsorted(t, ideal - span / (10 * n)))
        hi = int(np.searchsorted(t, ideal + span / (10 * n), side="right"))
        if hi - lo < 2:
            borders.append(ideal)
            continue
        gaps = np.diff(t[lo:hi])
        j = int(np.argmax(gaps))
        borders.append(float(t[lo + j] + gaps[j] / 2.0))
    edges = [-math.inf, *borders, math.inf]
    return [(edges[k], edges[k + 1]) for k in range(n)]


def resolve_claims(
    members: list[IntArray], picks: LocalPicks, prm: LocalParams, n_sites: int
) -> tuple[list[bool], list[IntArray]]:
    """Events of neighbouring time blocks may claim the same detection (near a border):
    taken largest first, an event keeps the detections no larger one took, and stands if
    those still make an event (:func:`_sufficient`). Returns which events stand and their
    picks."""
    taken: set[int] = set()
    flags = np.zeros(n_sites, np.int64)
    keep = [False] * len(members)
    out = list(members)
    for k in sorted(range(len(members)), key=lambda k: (-members[k].size, k)):
        m = members[k]
        rest = np.array([i for i in m if int(picks.det[i]) not in taken], dtype=np.int64)
        if rest.size < m.size and not _sufficient_py(rest, picks, flags, prm):
            continue
        keep[k] = True
        out[k] = rest
        taken.update(int(picks.det[i]) for i in rest)
    return keep, [m for m, k in zip(out, keep, strict=True) if k]


#: The interpreted reference of the search (the same code, not compiled).
octree_search_py = octree_search
_sufficient_py = _sufficient


# ------------------------------------------------------------------ independent evidence


class Evidence(NamedTuple):
    """Outcome of :func:`independent_evidence`: which events stand (``keep``) and the picks
    of dropped events that join a standing one (``joins[k]``: ``(pick index, phase 0 P /
    1 S)`` pairs for event ``k``)."""

    keep: npt.NDArray[np.bool_]
    joins: list[list[tuple[int, int]]]


def independent_evidence(
    res: LocalResult, picks: LocalPicks, tables: LocalTables, prm: LocalParams
) -> Evidence:
    """An event stands only on picks no stronger event explains.

    Events are taken strongest first (most picks; the earlier on a tie). A pick of a weaker
    event is *explained* by a stronger standing event when that event holds no pick of some
    phase at the pick's site and the pick lies within ``pick_tolerance`` of its predicted
    time for that phase, whatever the pick's own phase name (the detector's name is a
    guess: a swarm's S is often picked on the vertical). The search hands each pick to one
    event in the order it meets them, so a weaker event built from another event's S picks,
    or from the remains of an event whose picks were taken first, cannot be told from a
    real one there; here it can: an event whose unexplained picks no longer meet the pick
    counts (``min_picks``, P at ``min_p`` sites: the test against coincidence; the S rules,
    there to fix depth and origin time, it met with all its picks) is dropped, and each of its
    explained picks joins the stronger event that explains it (nearest prediction, one
    pick per site and phase). An event with enough unexplained picks stands unchanged (a
    real second event of a doublet keeps all its picks)."""
    n_ev = res.t.size
    keep = np.ones(n_ev, np.bool_)
    joins: list[list[tuple[int, int]]] = [[] for _ in range(n_ev)]
    if n_ev < 2:
        return Evidence(keep, joins)
    tt, step = tables.tt, tables.step_km
    members = [res.members[res.offsets[k] : res.offsets[k + 1]] for k in range(n_ev)]
    # the (site, phase) slots each event holds
    held = [{(int(picks.station[i]), int(picks.phase[i])) for i in m} for m in members]
    order = sorted(range(n_ev), key=lambda k: (-members[k].size, res.t[k]))
    # the pick counts are the test against coincidence; the S rules, there to fix depth and
    # origin time, the event meets with all its picks
    counts = prm._replace(min_s=0, min_ps=0)
    flags = np.zeros(picks.sx.size, np.int64)
    standing: list[int] = []
    reach = prm.time_before + prm.pick_tolerance
    for k in order:
        near = [f for f in standing if abs(res.t[f] - res.t[k]) <= reach]
        fits: list[tuple[int, int, int, float]] = []  # (pick, event, phase, |residual|)
        explained = np.zeros(members[k].size, np.bool_)
        for j, i in enumerate(members[k]):
            site = int(picks.station[i])
            for f in near:
                dist = math.hypot(res.x[f] - picks.sx[site], res.y[f] - picks.sy[site])
                for ph in range(2):
                    if (site, ph) in held[f]:
                        continue
                    v = _tt(tt, step, ph, dist, res.z[f] + picks.selev[site])
                    r = abs(picks.t[i] - res.t[f] - v) if not math.isnan(v) else math.inf
                    if r <= prm.pick_tolerance:
                        explained[j] = True
                        fits.append((int(i), f, ph, r))
        rest = members[k][~explained]
        if explained.any() and not _sufficient_py(rest, picks, flags, counts):
            keep[k] = False
            taken: set[int] = set()
            for i, f, ph, _ in sorted(fits, key=lambda x: x[3]):
                site = int(picks.station[i])
                if i in taken or (site, ph) in held[f]:
                    continue
                held[f].add((site, ph))
                joins[f].append((i, ph))
                taken.add(i)
            continue
        standing.append(k)
    return Evidence(keep, joins)


class Located(NamedTuple):
    """An event between the search and the driver's output: origin ``x``, ``y``, ``z`` [km],
    ``t`` [s] and its picks as ``(pick index, phase 0 P / 1 S)`` pairs (the phase may differ
    from the pick's own name when a rule re-named it)."""

    x: float
    y: float
    z: float
    t: float
    pairs: list[tuple[int, int]]


def _both_phases(pairs: list[tuple[int, int]], picks: LocalPicks) -> tuple[LocalPicks, IntArray]:
    """The picks of ``pairs`` each as P and as S (a pick of unknown phase, as the search
    treats unnamed detections), sorted by time, and the pick index of each entry."""
    src = np.array(sorted({i for i, _ in pairs}, key=lambda i: picks.t[i]), np.int64)
    src = np.repeat(src, 2)
    ph = np.tile(np.array([0, 1], np.int64), src.size // 2)
    sub = LocalPicks(picks.t[src].copy(), picks.station[src].copy(), ph, picks.det[src].copy(),
                     picks.sx, picks.sy, picks.selev)  # fmt: skip
    return sub, src


def merge_splits(
    events: list[Located], picks: LocalPicks, tables: LocalTables, prm: LocalParams,
    n_dets: int, *, compiled: bool = True,
) -> list[Located]:  # fmt: skip
    """One event taken for two (a split) becomes one again.

    Events are taken strongest first (most picks). For a weaker event and each stronger one
    within ``time_before`` [s], the picks of both (each free to be a P or an S) are located
    together (over the span of both epicentres plus a leaf size) and gathered as the
    search gathers (the pick nearest each site's predicted P and S within
    ``pick_tolerance``). When that one hypocentre explains more picks than the stronger
    event alone and the picks it leaves do not meet the pick counts of an event
    (``min_picks``, P at ``min_p`` sites), the two are one event: the fragments of a split
    share one origin, while the second event of a real doublet keeps its own P at most
    sites, which one hypocentre cannot also explain. A pair where even a P and an S at
    every site leave ``min_picks`` picks over is two events without a location."""
    if len(events) < 2:
        return events
    k = _kernels(compiled)
    tt, step = tables.tt, tables.step_km
    size = prm.node_size
    counts = prm._replace(min_s=0, min_ps=0)
    n_sites = picks.sx.size
    flags = np.zeros(n_sites, np.int64)
    used = np.zeros(n_dets, np.bool_)
    cnt = np.zeros(N_COUNTERS, np.int64)
    order = sorted(events, key=lambda e: (-len(e.pairs), e.t))
    standing: list[Located] = []
    for ev in order:
        for j, big in enumerate(standing):
            if abs(big.t - ev.t) > prm.time_before:
                continue
            # one hypocentre explains at most a P and an S per site: when even that bound
            # leaves min_picks picks over, the two are two events (a doublet), no location
            per_site: dict[int, int] = {}
            for i, _ in big.pairs + ev.pairs:
                site = int(picks.station[i])
                per_site[site] = per_site.get(site, 0) + 1
            bound = sum(min(c, 2) for c in per_site.values())
            if bound <= len(big.pairs) or len(big.pairs) + len(ev.pairs) - bound >= prm.min_picks:
                continue
            sub, src = _both_phases(big.pairs + ev.pairs, picks)
            idx = np.arange(sub.t.size, dtype=np.int64)
            work = np.empty((2, sub.t.size), np.float64)
            # the origin of a split lies between its fragments' (each pulled off it by the
            # picks it lacks) or near one of them: the span of both plus a leaf size
            cx, cy = 0.5 * (big.x + ev.x), 0.5 * (big.y + ev.y)
            half = 0.5 * max(abs(big.x - ev.x), abs(big.y - ev.y)) + size
            x, y, z, t0 = k["_locate"](idx, sub, tt, step, prm, cx, cy, half, 0.5 * size, work, cnt)
            if math.isnan(t0):
                continue
            got = k["_gather"](x, y, z, t0, sub, used, tt, step, n_sites, prm.pick_tolerance)
            # per detection the phase it fits best: (|residual|, pick, phase)
            best: dict[int, tuple[float, int, int]] = {}
            for e in got:
                site = int(sub.station[e])
                v = _tt(tt, step, int(sub.phase[e]), math.hypot(x - sub.sx[site], y - sub.sy[site]),
                        z + sub.selev[site])  # fmt: skip
                r = abs(sub.t[e] - t0 - v)
                d = int(sub.det[e])
                if d not in best or r < best[d][0]:
                    best[d] = (r, int(src[e]), int(sub.phase[e]))
            if len(best) <= len(big.pairs):
                continue
            left = np.array(
                [i for i, _ in big.pairs + ev.pairs if int(picks.det[i]) not in best], np.int64
            )
            if left.size and _sufficient_py(left, picks, flags, counts):
                continue
            pairs = sorted(((i, ph) for _, i, ph in best.values()), key=lambda p: picks.t[p[0]])
            standing[j] = Located(x, y, z, t0, pairs)
            break
        else:
            standing.append(ev)
    return sorted(standing, key=lambda e: e.t)


# --------------------------------------------------------------------------- driver


@dataclass
class LocalHypothesis:
    """An event of the local search: origin (time [s after the reference], latitude,
    longitude [deg], depth [km]), detection indices and their phase names."""

    t0: float
    latitude: float
    longitude: float
    depth: float
    members: list[int]
    phases: list[str]


def search_local(
    dets: Any,
    config: Any,
    source: TravelTimeSource,
    *,
    compiled: bool = True,
    sites: tuple[FloatArray, FloatArray] | None = None,
) -> list[LocalHypothesis]:
    """Run the local octree association on ingested detections (``associate._Detections``)
    with ``config`` (an :class:`~openndc.association.config.AssociationConfig`);
    ``compiled=False`` runs the interpreted reference. ``sites`` (latitudes, longitudes
    [deg] of all the network's sites) fix the frame and the search box; without them the
    sites with detections do."""
    all_lat, all_lon = sites if sites is not None else (dets.site_lat, dets.site_lon)
    all_lat = np.concatenate([np.asarray(all_lat, np.float64), dets.site_lat])
    all_lon = np.concatenate([np.asarray(all_lon, np.float64), dets.site_lon])
    frame = local_frame(all_lat, all_lon)
    sx, sy = frame.project(dets.site_lat, dets.site_lon)
    ax, ay = frame.project(all_lat, all_lon)
    margin_km = (config.grid_margin if config.grid_margin is not None else 0.1) * DEG_KM
    x0, x1 = float(ax.min()) - margin_km, float(ax.max()) + margin_km
    y0, y1 = float(ay.min()) - margin_km, float(ay.max()) + margin_km
    reach = math.hypot(x1 - x0, y1 - y0) + 1.0
    elev = np.clip(np.nan_to_num(dets.site_elev_km), 0.0, None)
    tables, names = build_local_tables(
        source, config.phases, reach, config.max_depth + float(elev.max(initial=0.0))
    )
    t_s = tables.tt[1][np.isfinite(tables.tt[1])]
    k50 = min(int(50.0 / tables.step_km), tables.tt.shape[1] - 1)
    vp = k50 * tables.step_km / float(tables.tt[0, k50, 0]) if tables.tt[0, k50, 0] > 0 else 6.0
    vs = k50 * tables.step_km / float(tables.tt[1, k50, 0]) if tables.tt[1, k50, 0] > 0 else 3.4
    # picks: P-type as phase 0, S-type as 1; an unnamed detection as both
    rows = [(float(dets.t[i]), int(dets.site[i]), ph, i)
            for i in range(len(dets.t)) for ph in (0, 1)
            if dets.cls[i] & (1 << ph)]  # fmt: skip
    rows.sort()
    arr = np.array(rows, dtype=np.float64).reshape(-1, 4)
    picks = LocalPicks(
        arr[:, 0].copy(),
        arr[:, 1].astype(np.int64),
        arr[:, 2].astype(np.int64),
        arr[:, 3].astype(np.int64),
        np.asarray(sx, np.float64),
        np.asarray(sy, np.float64),
        elev.astype(np.float64),
    )
    prm = LocalParams(
        x0, x1, y0, y1, 0.0, float(config.max_depth), float(vp), float(vs),
        float(config.local_tolerance), float(config.local_node_size),
        4.0 * float(config.local_node_size), float(config.local_slice),
        float(t_s.max()) + config.local_tolerance if t_s.size else 60.0,
        float(config.local_pick_tolerance), float(config.local_edt_sigma),
        int(config.local_refinements), int(config.local_min_picks),
        int(config.local_min_p_stations), int(config.local_min_s_stations),
        int(config.local_min_ps_stations), float(config.local_min_pick_fraction),
    )  # fmt: skip
    threads = int(config.local_threads) or (os.cpu_count() or 1)
    res = run_octree_search(picks, tables, prm, len(dets.site_lat), len(dets.t),
                            compiled=compiled, threads=threads)  # fmt: skip
    _log.debug("local search: %d picks, %s", picks.t.size, res.counters)
    if config.local_independent_evidence:
        ev = independent_evidence(res, picks, tables, prm)
    else:
        ev = Evidence(np.ones(res.t.size, np.bool_), [[] for _ in range(res.t.size)])
    located = []
    for k in np.flatnonzero(ev.keep):
        m = res.members[res.offsets[k] : res.offsets[k + 1]]
        pairs = [(int(i), int(picks.phase[i])) for i in m] + ev.joins[k]
        located.append(
            Located(float(res.x[k]), float(res.y[k]), float(res.z[k]), float(res.t[k]), pairs)
        )
    n_kept = len(located)
    if config.local_merge_splits:
        located = merge_splits(located, picks, tables, prm, len(dets.t), compiled=compiled)
    _log.debug("local rules: %d events found, %d without independent evidence, %d merged",
               res.t.size, res.t.size - n_kept, n_kept - len(located))  # fmt: skip
    hyps: list[LocalHypothesis] = []
    for e in located:
        pairs = sorted(e.pairs, key=lambda p: picks.t[p[0]])
        lat, lon = frame.unproject(e.x, e.y)
        hyps.append(
            LocalHypothesis(
                e.t,
                lat,
                lon,
                e.z,
                [int(picks.det[i]) for i, _ in pairs],
                [names[ph] for _, ph in pairs],
            )
        )
    return _deduplicate(hyps, float(config.local_min_interevent_time))


def _deduplicate(hyps: list[LocalHypothesis], min_dt: float) -> list[LocalHypothesis]:
    """PyOcto's rule: of events closer than ``min_dt`` [s] in origin time keep the one with
    more picks (the earlier on a tie)."""
    out: list[LocalHypothesis] = []
    for h in sorted(hyps, key=lambda h: (h.t0, -len(h.members))):
        if out and h.t0 - out[-1].t0 <= min_dt:
            if len(h.members) > len(out[-1].members):
                out[-1] = h
            continue
        out.append(h)
    return out
