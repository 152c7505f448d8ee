"""NDC association: P-driven event formation for a regional + teleseismic network.

The approach of the IDC's Global Association and SeisComP's scautoloc, reduced to its core
(details in ``docs/association.md``):

1. *Nodes*: a regional lattice around the network and a global Fibonacci lattice, each at a
   few depths, with the first-P travel time (Pg/Pn/P, PKP beyond the core shadow), the
   predicted back-azimuth and slowness to every site.
2. *Drivers*: every P-type detection (P, Pn, Pg, PKP, or an unnamed one) proposes origins at
   the nodes its back-azimuth and slowness agree with (all nodes when not measured). At each
   node the other sites' P detections that fit in time (and in back-azimuth and slowness
   where measured) are counted (:func:`score_nodes`, numba; :func:`score_nodes_py`). The
   score is the number of *defining data*: P times plus fitting back-azimuths and slownesses.
3. *Global best-first*: hypotheses are taken best first over the whole time range (a lazy
   priority queue); a hypothesis that lost detections to an accepted event is re-evaluated
   and queued again. An accepted hypothesis is refined (local grid search), gets its S-type
   phases (Sn/S/Lg) and must pass the acceptance: ``min_p_stations`` stations with P,
   ``min_defining`` data (more than the 4 unknowns), residuals within the phase tolerances.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from openndc.association.config import AssociationConfig
from openndc.association.tables import _fibonacci_lattice, _regional_lattice, network_extent
from openndc.model.errors import ConfigError
from openndc.model.event import Event
from openndc.model.geodesy import distance_azimuth

__all__ = [
    "NodeTables",
    "build_node_tables",
    "network_core",
    "score_nodes",
    "score_nodes_py",
    "search_ndc",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: A node stands for its cell: a P time may differ from the node's prediction by the time
#: tolerance plus ``CELL_FACTOR`` x half cell [deg] x slowness [s/deg] (the driver's site
#: absorbs part of the offset into the origin time).
CELL_FACTOR = 1.0

#: Nodes tried per driver detection for a small event (below ``ndc_min_defining``).
_SMALL_CANDIDATES = 200
#: Nodes grown per driver detection for a small event before it is given up.
_SMALL_TRIES = 5

#: Depth phases count from this distance [deg] on (teleseismic; see ``_depth_phases``).
_DEPTH_PHASE_MIN_DISTANCE = 20.0

#: First-arrival phases the NDC method names (those in ``AssociationConfig.phases``).
_FIRST_P = ("Pg", "Pn", "P", "PKP")
_FIRST_S = ("Sg", "Sn", "S")


class _Source:
    """First-P / S / Lg travel times [s] from a travel-time model, via fine 1-D tables."""

    def __init__(
        self, source: Any, depths: tuple[float, ...], phases: tuple[str, ...] = _FIRST_P
    ) -> None:
        self.dist = np.arange(0.0, 180.001, 0.05)
        self.depths = tuple(float(d) for d in depths)
        self.tp: dict[float, FloatArray] = {}
        self.sp: dict[float, FloatArray] = {}
        self.names: dict[float, npt.NDArray[Any]] = {}
        for h in self.depths:
            best_t = np.full(self.dist.shape, np.inf)
            best_p = np.full(self.dist.shape, np.nan)
            names = np.full(self.dist.shape, "", dtype="<U4")
            for ph in (p for p in _FIRST_P if p in phases):
                try:
                    t, p, _ = source.derivatives(ph, self.dist, h)
                except ConfigError:
                    continue  # a phase this model lacks
                t = np.asarray(t, float)
                ok = np.isfinite(t) & (t < best_t - 0.05)
                best_t[ok] = t[ok]
                best_p[ok] = np.asarray(p, float)[ok]
                names[ok] = ph
            best_t[~np.isfinite(best_t)] = np.nan
            self.tp[h] = best_t
            self.sp[h] = np.abs(best_p)
            self.names[h] = names
        self.source = source

    def p_time(self, dist: FloatArray, depth: float) -> tuple[FloatArray, FloatArray]:
        """First-P time [s] and slowness [s/deg] at ``dist`` [deg] for a table depth."""
        h = min(self.depths, key=lambda x: abs(x - depth))
        return np.interp(dist, self.dist, self.tp[h]), np.interp(dist, self.dist, self.sp[h])


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


@dataclass
class NodeTables:
    """Candidate origins: nodes (latitude, longitude [deg], depth [km], half cell [deg]) and
    per node and site the first-P time [s], predicted back-azimuth [deg] and slowness
    [s/deg]."""

    latitude: FloatArray
    longitude: FloatArray
    depth: FloatArray
    half_cell: FloatArray
    tp: npt.NDArray[np.float32]
    baz: npt.NDArray[np.float32]
    slow: npt.NDArray[np.float32]


def build_node_tables(
    site_lat: FloatArray,
    site_lon: FloatArray,
    src: _Source,
    *,
    regional_spacing: float,
    regional_margin: float,
    global_spacing: float,
    depths: tuple[float, ...],
) -> NodeTables:
    """Nodes around the network (``regional_spacing``) and worldwide (``global_spacing``)."""
    lat0, lon0, radius = network_core(site_lat, site_lon)
    # at most ~40 nodes along the lattice radius: a wide network gets a coarser lattice
    # (the refinement after the search recovers the precision)
    regional_spacing = max(regional_spacing, (radius + regional_margin) / 40.0)
    rl, ro = _regional_lattice(lat0, lon0, radius + regional_margin, regional_spacing)
    gl, go = _fibonacci_lattice(global_spacing)
    gd, _, _ = distance_azimuth(lat0, lon0, gl, go)
    far = np.asarray(gd) > radius + regional_margin
    lats = np.concatenate([rl, gl[far]])
    lons = np.concatenate([ro, go[far]])
    half = np.concatenate([np.full(rl.size, 0.5 * regional_spacing),
                           np.full(int(far.sum()), 0.5 * global_spacing)])  # fmt: skip
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
    return NodeTables(
        np.tile(lats, nd),
        np.tile(lons, nd),
        np.repeat(np.asarray(depths, float), n0),
        np.tile(half, nd),
        tp,
        np.tile(np.asarray(baz, np.float32), (nd, 1)),
        sl,
    )


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True, parallel=True)
def score_nodes(  # pragma: no cover - compiled
    drv: int,
    tp: npt.NDArray[np.float32],
    nbaz: npt.NDArray[np.float32],
    nslow: npt.NDArray[np.float32],
    half_cell: FloatArray,
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
    n_sites: int,
) -> tuple[FloatArray, FloatArray]:
    """Score of every node for driver detection ``drv``: the number of defining data (P
    times of distinct sites plus fitting back-azimuths and slownesses, weighted ``bw`` /
    ``sw`` by their uncertainty) and the sum of absolute time residuals [s]; -1 where the
    driver's own azimuth/slowness do not fit.

    Detections are sorted by time, so each node scans only the detections between its
    earliest and latest predicted P (binary search), and the per-site scratch arrays are
    allocated once per block of nodes."""
    n_nodes = tp.shape[0]
    score = np.full(n_nodes, -1.0)
    rsum = np.zeros(n_nodes)
    sd = site[drv]
    tw = t[j_lo:j_hi]
    block = 256
    n_blocks = (n_nodes + block - 1) // block
    for b in numba.prange(n_blocks):
        best = np.full(n_sites, np.inf)
        gain = np.zeros(n_sites)
        for n in range(b * block, min((b + 1) * block, n_nodes)):
            t_d = tp[n, sd]
            if not np.isfinite(t_d):
                continue
            extra = 0.0
            if np.isfinite(baz[drv]):
                db = abs((baz[drv] - nbaz[n, sd] + 180.0) % 360.0 - 180.0)
                if db > btol[drv]:
                    continue
                extra += bw[drv]
            if np.isfinite(slow[drv]):
                if abs(slow[drv] - nslow[n, sd]) > stol[drv]:
                    continue
                extra += sw[drv]
            o = t[drv] - t_d
            # window of this node: earliest to latest predicted P, widened by the tolerance
            tmin = np.inf
            tmax = -np.inf
            smax = 0.0
            for s in range(n_sites):
                v = tp[n, s]
                if np.isfinite(v):
                    tmin = min(tmin, v)
                    tmax = max(tmax, v)
                    smax = max(smax, nslow[n, s])
            w = tol + half_cell[n] * smax * CELL_FACTOR + 1e-6
            a = j_lo + np.searchsorted(tw, o + tmin - w)
            z = j_lo + np.searchsorted(tw, o + tmax + w, side="right")
            for j in range(a, z):
                s = site[j]
                if s == sd or not usable[j]:
                    continue
                tt = tp[n, s]
                if not np.isfinite(tt):
                    continue
                r = abs(t[j] - o - tt)
                if r > tol + half_cell[n] * nslow[n, s] * CELL_FACTOR or r >= best[s]:
                    continue
                g = 1.0
                if np.isfinite(baz[j]):
                    if abs((baz[j] - nbaz[n, s] + 180.0) % 360.0 - 180.0) <= btol[j]:
                        g += bw[j]
                    elif bw[j] >= 1.0:  # a well-measured azimuth pointing elsewhere
                        continue
                if np.isfinite(slow[j]):
                    if abs(slow[j] - nslow[n, s]) > stol[j]:
                        continue
                    g += sw[j]
                best[s] = r
                gain[s] = g
            sc = 1.0 + extra
            rs = 0.0
            for s in range(n_sites):
                if np.isfinite(best[s]):
                    sc += gain[s]
                    rs += best[s]
                    best[s] = np.inf
                    gain[s] = 0.0
            score[n] = sc
            rsum[n] = rs
    return score, rsum


def score_nodes_py(
    drv: int,
    tp: npt.NDArray[np.float32],
    nbaz: npt.NDArray[np.float32],
    nslow: npt.NDArray[np.float32],
    half_cell: FloatArray,
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
    n_sites: int,
) -> tuple[FloatArray, FloatArray]:
    """Plain-Python reference of :func:`score_nodes` (same arguments and result)."""
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
        if math.isfinite(baz[drv]):
            if angle(baz[drv], nbaz[n, sd]) > btol[drv]:
                continue
            extra += bw[drv]
        if math.isfinite(slow[drv]):
            if abs(slow[drv] - nslow[n, sd]) > stol[drv]:
                continue
            extra += sw[drv]
        o = t[drv] - float(tp[n, sd])
        best: dict[int, tuple[float, float]] = {}
        for j in range(j_lo, j_hi):
            s = int(site[j])
            if s == sd or not usable[j] or not math.isfinite(tp[n, s]):
                continue
            r = abs(t[j] - o - float(tp[n, s]))
            lim = tol + half_cell[n] * nslow[n, s] * CELL_FACTOR
            if r > lim or (s in best and r >= best[s][0]):
                continue
            g = 1.0
            if math.isfinite(baz[j]):
                if angle(baz[j], nbaz[n, s]) <= btol[j]:
                    g += bw[j]
                elif bw[j] >= 1.0:  # a well-measured azimuth pointing elsewhere
                    continue
            if math.isfinite(slow[j]):
                if abs(slow[j] - nslow[n, s]) > stol[j]:
                    continue
                g += sw[j]
            best[s] = (r, g)
        score[n] = 1.0 + extra + sum(g for _, g in best.values())
        rsum[n] = sum(r for r, _ in best.values())
    return score, rsum


# --------------------------------------------------------------------------- search


@dataclass
class NdcHypothesis:
    """An accepted event: origin (time [s after the reference], lat, lon [deg], depth
    [km]), detection indices and their phase names."""

    t0: float
    latitude: float
    longitude: float
    depth: float
    members: list[int]
    phases: list[str]


def _has_phase(source: Any, phase: str) -> bool:
    try:
        source.derivatives(phase, np.array([10.0]), np.array([0.0]))
    except ConfigError:
        return False
    return True


def _poisson_tail(n: int, mean: float) -> float:
    """P(X >= n) for X Poisson with ``mean``."""
    if mean <= 0.0:
        return 0.0 if n > 0 else 1.0
    term = math.exp(-mean)
    below = 0.0
    for k in range(n):
        below += term
        term *= mean / (k + 1)
    return max(0.0, 1.0 - below)


def _angle(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.abs((a - b + 180.0) % 360.0 - 180.0)


class _Ndc:
    def __init__(self, dets: Any, config: AssociationConfig, source: Any) -> None:
        self.d = dets
        self.cfg = config
        if not any(p in config.phases for p in _FIRST_P):
            raise ConfigError(
                f"the 'ndc' association needs a first-P phase in AssociationConfig.phases "
                f"(one of {_FIRST_P}); got {config.phases}"
            )
        depths = sorted({0.0, *config.ndc_depths, *config.ndc_refine_depths})
        self.src = _Source(source, tuple(d for d in depths if d <= config.max_depth), config.phases)
        self.source = source
        self.nodes = build_node_tables(
            dets.site_lat,
            dets.site_lon,
            self.src,
            regional_spacing=config.ndc_regional_spacing,
            regional_margin=max(config.ndc_regional_margin, 0.0),
            global_spacing=config.global_spacing,
            depths=(0.0, *config.ndc_depths),
        )
        bs = np.where(np.isfinite(dets.bsig), dets.bsig, config.ndc_default_baz_sigma)
        ss = np.where(np.isfinite(dets.ssig), dets.ssig, config.ndc_default_slowness_sigma)
        # Azimuth / slowness constrain within 2.5 sigma; as defining data they are weighted
        # by their uncertainty (a 3-C station's 25 deg azimuth counts 0.36).
        self.baz = np.where(bs <= config.ndc_ignore_baz_sigma, dets.baz, np.nan)
        self.slow = np.where(ss <= config.ndc_ignore_slowness_sigma, dets.slow, np.nan)
        self.btol = np.maximum(config.backazimuth_tolerance, 2.5 * bs)
        self.stol = np.maximum(config.slowness_tolerance, 2.5 * ss)
        self.bw = np.minimum((config.ndc_max_baz_sigma / np.maximum(bs, 1e-6)) ** 2, 1.0)
        self.sw = np.minimum((config.ndc_max_slowness_sigma / np.maximum(ss, 1e-6)) ** 2, 1.0)
        self.is_p = (dets.cls == 1) | (dets.cls == 3)
        self.is_s = (dets.cls == 2) | (dets.cls == 3)
        # sites that detect P at all (the network a small event is checked against)
        self.p_site = np.zeros(len(dets.site_lat), dtype=np.bool_)
        self.p_site[dets.site[self.is_p]] = True
        self.alive = np.ones(len(dets.t), dtype=np.bool_)
        self._lg_model = _has_phase(source, "Lg")
        self._s_kinds: list[tuple[str, float]] = []
        if any(p in config.phases for p in _FIRST_S):
            self._s_kinds.append(("S", config.s_tolerance))
        if "Lg" in config.phases and self._lg_model:
            self._s_kinds.append(("Lg", config.s_tolerance * 1.5))
        self.n_sites = len(dets.site_lat)
        tp = self.nodes.tp
        spread = np.nanmax(tp, axis=1) - np.nanmin(tp, axis=1)
        self.dmax = float(np.nanmax(spread)) + 5.0 if spread.size else 600.0
        self.dmax = min(self.dmax, config.ndc_max_travel_time)
        # per site: the coda intervals [s] of accepted events (see ``ndc_coda``)
        self.coda_lo = np.empty((0, self.n_sites))
        self.coda_hi = np.empty((0, self.n_sites))
        self.coda_baz = np.empty((0, self.n_sites))

    def _add_coda(self, hyp: NdcHypothesis) -> None:
        """Record the coda interval of an accepted event at every site."""
        d, cfg = self.d, self.cfg
        dist, _, baz = distance_azimuth(hyp.latitude, hyp.longitude, d.site_lat, d.site_lon)
        dist = np.asarray(dist, float)
        tp, _ = self.src.p_time(dist, hyp.depth)
        ts, _ = self._first_s(dist, hyp.depth)
        tlg = np.full(dist.shape, np.nan)
        if self._lg_model:
            tlg = np.where(dist <= 20.0, self.source.derivatives("Lg", dist, hyp.depth)[0], np.nan)
        # end of the S-type arrivals: Lg (regional) or the first S (1.8 x P where none)
        end = np.fmax(np.where(np.isfinite(ts), ts, tp * 1.8), tlg)
        lo = hyp.t0 + tp - cfg.p_tolerance
        hi = hyp.t0 + end + cfg.ndc_coda
        self.coda_lo = np.vstack([self.coda_lo, np.where(np.isfinite(tp), lo, np.inf)])
        self.coda_hi = np.vstack([self.coda_hi, np.where(np.isfinite(tp), hi, -np.inf)])
        self.coda_baz = np.vstack([self.coda_baz, np.asarray(baz, float)])

    def _in_coda(self, idx: IntArray) -> npt.NDArray[np.bool_]:
        """Whether detections ``idx`` fall in the coda of an accepted event at their site
        (and, where a back-azimuth is measured, arrive from that event's direction: an
        array sees a second event's P in the first one's coda from elsewhere)."""
        if self.coda_lo.shape[0] == 0 or idx.size == 0:
            return np.zeros(idx.size, dtype=bool)
        s = self.d.site[idx]
        t = self.d.t[idx]
        inside = (t >= self.coda_lo[:, s]) & (t <= self.coda_hi[:, s])
        b = self.baz[idx]
        other_way = np.isfinite(b) & (_angle(b, self.coda_baz[:, s]) > self.btol[idx])
        return np.any(inside & ~other_way, axis=0)

    # ---------------------------------------------------------------- hypotheses
    def evaluate(self, drv: int) -> tuple[float, int, float] | None:
        """Best node of driver ``drv``: (score, node, origin time) or ``None``."""
        cands = self.candidates(drv, 1)
        return cands[0] if cands else None

    def candidates(self, drv: int, limit: int) -> list[tuple[float, int, float]]:
        """Up to ``limit`` nodes for driver ``drv`` (one unless the event is small)."""
        d = self.d
        usable = self.alive & self.is_p
        lo = int(np.searchsorted(d.t, d.t[drv] - self.dmax))
        hi = int(np.searchsorted(d.t, d.t[drv] + self.dmax))
        n = self.nodes
        score, rsum = score_nodes(
            drv, n.tp, n.baz, n.slow, n.half_cell, d.t, d.site, self.baz, self.btol,
            self.slow, self.stol, self.bw, self.sw, usable, lo, hi, self.cfg.p_tolerance,
            self.n_sites,
        )  # fmt: skip
        top = float(score.max()) if score.size else -1.0
        if top < min(self.cfg.ndc_min_defining, self.cfg.ndc_min_defining_small):
            return []
        if top < self.cfg.ndc_min_defining:
            return self._small_candidates(drv, score, rsum, lo, hi, limit)
        cand = np.flatnonzero(score == top)
        k = int(cand[np.argmin(rsum[cand])])
        return [(top, k, float(d.t[drv] - n.tp[k, d.site[drv]]))]

    def _small_candidates(
        self, drv: int, score: FloatArray, rsum: FloatArray, lo: int, hi: int, limit: int
    ) -> list[tuple[float, int, float]]:
        """A small event's node (score below ``ndc_min_defining``): with few data many nodes
        around the globe score alike, so take the best-scoring nodes (fewest residuals first)
        whose fitting P sites pass the network-consistency test (:meth:`_nearest_ok`)."""
        d, n, cfg = self.d, self.nodes, self.cfg
        cand = np.flatnonzero(score >= cfg.ndc_min_defining_small)
        cand = cand[np.lexsort((rsum[cand], -score[cand]))][:_SMALL_CANDIDATES]
        j = lo + np.flatnonzero(self.alive[lo:hi] & self.is_p[lo:hi])
        out: list[tuple[float, int, float]] = []
        for k in cand:
            o = float(d.t[drv] - n.tp[k, d.site[drv]])
            tt = n.tp[k, d.site[j]].astype(float)
            lim = cfg.p_tolerance + n.half_cell[k] * n.slow[k, d.site[j]] * CELL_FACTOR
            fit = np.abs(d.t[j] - o - tt) <= lim
            b = self.baz[j]
            fit &= ~(np.isfinite(b) & (_angle(b, n.baz[k, d.site[j]]) > self.btol[j]))
            sites = {int(x) for x in d.site[j[fit]]} | {int(d.site[drv])}
            if len(sites) >= cfg.ndc_min_p_stations and self._nearest_ok(
                float(n.latitude[k]), float(n.longitude[k]), sites
            ):
                out.append((float(score[k]), int(k), o))
                if len(out) >= limit:
                    break
        return out

    def _p_times(
        self, lat: float, lon: float, depth: float, idx: IntArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        d = self.d
        s = d.site[idx]
        dist, _, baz = distance_azimuth(lat, lon, d.site_lat[s], d.site_lon[s])
        t, p = self.src.p_time(np.asarray(dist, float), depth)
        return t, p, np.asarray(baz, float), np.asarray(dist, float)

    def _misfit(self, lat: float, lon: float, depth: float, idx: IntArray) -> tuple[float, float]:
        m, o = self._misfits(np.array([lat]), np.array([lon]), depth, idx)
        return float(m[0]), float(o[0])

    def _misfits(
        self, lat: FloatArray, lon: FloatArray, depth: float, idx: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """Robust (capped L1) misfit of P times, back-azimuths and slownesses of ``idx`` at
        trial epicentres ``lat``, ``lon`` [deg] (1-D arrays), and the origin times [s]."""
        d = self.d
        s = d.site[idx]
        dist, _, baz = distance_azimuth(lat[:, None], lon[:, None], d.site_lat[s][None, :],
                                        d.site_lon[s][None, :])  # fmt: skip
        dist = np.asarray(dist, float)
        t, p = self.src.p_time(dist.ravel(), depth)
        t = t.reshape(dist.shape)
        p = p.reshape(dist.shape)
        r = d.t[idx][None, :] - t
        o = np.median(r, axis=1)
        sig = self.cfg.p_tolerance / 2.0
        m = np.sum(np.minimum(np.abs(r - o[:, None]) / sig, 5.0), axis=1)
        b = self.baz[idx]
        ok = np.isfinite(b)
        if ok.any():
            ang = _angle(b[ok][None, :], np.asarray(baz, float)[:, ok])
            m += np.sum(np.minimum(ang / (self.btol[idx][ok] / 2), 5.0), axis=1)
        sl = self.slow[idx]
        ok = np.isfinite(sl)
        if ok.any():
            ds = np.abs(sl[ok][None, :] - p[:, ok])
            m += np.sum(np.minimum(ds / (self.stol[idx][ok] / 2), 5.0), axis=1)
        return m, o

    def refine(
        self, lat: float, lon: float, depth: float, idx: IntArray, half: float
    ) -> tuple[float, float, float]:
        """Local grid search of the epicentre (depth fixed at the node's) [deg]: 7 x 7
        trial points around the best so far, shrinking 2.5 times, six times."""
        step = half
        for _ in range(6):
            ax = np.arange(-3, 4) * (step / 1.5)
            dy, dx = np.meshgrid(ax, ax, indexing="ij")
            la = np.clip(lat + dy.ravel(), -90.0, 90.0)
            lo = lon + dx.ravel() / np.maximum(np.cos(np.radians(la)), 0.05)
            m, _ = self._misfits(la, lo, depth, idx)
            k = int(np.argmin(m))
            # the centre of the 7 x 7 trial points (index 24) is the current epicentre
            if m[k] < m[24] - 1e-9:
                lat, lon = float(la[k]), (float(lo[k]) + 180.0) % 360.0 - 180.0
            step /= 2.5
        return lat, lon, self._misfit(lat, lon, depth, idx)[1]

    def gather(
        self, lat: float, lon: float, depth: float, t0: float, cell: float = 0.0
    ) -> tuple[list[int], list[str], float]:
        """Alive detections fitting the origin: best P per site, then S-type phases. A node's
        half ``cell`` [deg] widens the P tolerance by ``CELL_FACTOR`` x cell x slowness."""
        d, cfg = self.d, self.cfg
        lo = int(np.searchsorted(d.t, t0 - 5.0))
        hi = int(np.searchsorted(d.t, t0 + self.cfg.ndc_max_travel_time + 2 * self.dmax))
        idx = lo + np.flatnonzero(self.alive[lo:hi])
        members: list[int] = []
        phases: list[str] = []
        if idx.size == 0:
            return members, phases, 0.0
        s = d.site[idx]
        dist, _, baz = distance_azimuth(lat, lon, d.site_lat[s], d.site_lon[s])
        dist = np.asarray(dist, float)
        baz = np.asarray(baz, float)
        tpp, pp = self.src.p_time(dist, depth)
        h = min(self.src.depths, key=lambda x: abs(x - depth))
        pname = self.src.names[h][np.clip(np.rint(dist / 0.05).astype(int), 0, 3600)]
        tol_p = np.where(dist < 20.0, cfg.p_tolerance, cfg.ndc_teleseismic_p_tolerance)
        tol_p = np.maximum(tol_p, cfg.pick_sigma_factor * np.nan_to_num(d.tsig[idx]))
        tol_p = tol_p + CELL_FACTOR * cell * np.nan_to_num(pp)
        r = d.t[idx] - t0 - tpp

        def fits(j: int, b_pred: float, s_pred: float) -> tuple[bool, float]:
            g = 0.0
            i = idx[j]
            if np.isfinite(self.baz[i]):
                if _angle(np.array(self.baz[i]), np.array(b_pred)) <= self.btol[i]:
                    g += float(self.bw[i])
                elif self.bw[i] >= 1.0:
                    # a well-measured azimuth pointing elsewhere: another event's; a poorly
                    # measured one (a 3-C station's) is only not defining
                    return False, 0.0
            if np.isfinite(self.slow[i]) and np.isfinite(s_pred):
                if abs(self.slow[i] - s_pred) > self.stol[i]:
                    return False, 0.0
                g += float(self.sw[i])
            return True, g

        best_p: dict[int, tuple[float, int]] = {}
        for j in np.flatnonzero(self.is_p[idx] & (np.abs(r) <= tol_p)):
            ok, _ = fits(int(j), baz[j], pp[j])
            if ok and (s[j] not in best_p or abs(r[j]) < best_p[s[j]][0]):
                best_p[int(s[j])] = (abs(float(r[j])), int(j))
        used = set()
        n_data = 0.0
        for _, j in best_p.values():
            members.append(int(idx[j]))
            phases.append(str(pname[j]) or "P")
            used.add(int(j))
            n_data += 1.0 + fits(j, baz[j], pp[j])[1]
        # S-type phases: first S (Sn/Sg/S) and Lg, each at most once per site.
        if True:
            for ph_name, tol in self._s_kinds:
                if ph_name == "Lg":
                    lg_t, lg_p, _ = self.source.derivatives("Lg", dist, depth)
                    ts = np.where(dist >= cfg.lg_min_distance, np.asarray(lg_t, float), np.nan)
                    sp = np.abs(np.asarray(lg_p, float))
                    names = np.full(dist.shape, "Lg")
                else:
                    ts, names = self._first_s(dist, depth)
                    sp = np.full(dist.shape, np.nan)
                rs = d.t[idx] - t0 - ts
                taken: dict[int, tuple[float, int, str]] = {}
                for j in np.flatnonzero(np.abs(rs) <= tol):
                    if int(j) in used:
                        continue
                    ok, _ = fits(int(j), baz[j], sp[j])
                    if ok and (s[j] not in taken or abs(rs[j]) < taken[s[j]][0]):
                        taken[int(s[j])] = (abs(float(rs[j])), int(j), str(names[j]))
                for _, j, nm in taken.values():
                    members.append(int(idx[j]))
                    phases.append(nm)
                    used.add(j)
        return members, phases, n_data

    def _first_s(self, dist: FloatArray, depth: float) -> tuple[FloatArray, npt.NDArray[Any]]:
        key = ("S", min(self.src.depths, key=lambda x: abs(x - depth)))
        cache = self.__dict__.setdefault("_scache", {})
        if key not in cache:
            best = np.full(self.src.dist.shape, np.inf)
            names = np.full(self.src.dist.shape, "", dtype="<U4")
            for ph in (p for p in _FIRST_S if p in self.cfg.phases):
                try:
                    t, _, _ = self.source.derivatives(ph, self.src.dist, key[1])
                except ConfigError:
                    continue  # a phase this model lacks
                t = np.asarray(t, float)
                ok = np.isfinite(t) & (t < best - 0.05)
                best[ok] = t[ok]
                names[ok] = ph
            best[~np.isfinite(best)] = np.nan
            cache[key] = (best, names)
        best, names = cache[key]
        k = np.clip(np.rint(dist / 0.05).astype(int), 0, best.size - 1)
        return np.interp(dist, self.src.dist, best), names[k]

    def run(self, known: Sequence[NdcHypothesis] = ()) -> list[NdcHypothesis]:
        """Events best first; ``known`` events (found before, their detections not among
        the input) are there from the start: their codas and their splits make no event."""
        d, cfg = self.d, self.cfg
        for h in known:
            self._add_coda(h)
        heap: list[tuple[float, float, int, int, float]] = []
        for i in np.flatnonzero(self.is_p):
            ev = self.evaluate(int(i))
            if ev is not None:
                heapq.heappush(heap, (-ev[0], d.t[i], int(i), ev[1], ev[2]))
        removed_at = np.full(len(d.t), -1, dtype=np.int64)
        stamp: dict[int, int] = {}
        version = 0
        out: list[NdcHypothesis] = []
        n = self.nodes
        while heap:
            neg, _, i, k, o = heapq.heappop(heap)
            if not self.alive[i]:
                continue
            lo = int(np.searchsorted(d.t, d.t[i] - self.dmax))
            hi = int(np.searchsorted(d.t, d.t[i] + self.dmax))
            if np.any(removed_at[lo:hi] >= stamp.get(i, 0)):
                # An accepted event took detections this hypothesis may use: re-score it.
                stamp[i] = version
                ev = self.evaluate(i)
                if ev is not None:
                    heapq.heappush(heap, (-ev[0], d.t[i], i, ev[1], ev[2]))
                continue
            hyp = self._build(i, float(n.latitude[k]), float(n.longitude[k]),
                              float(n.depth[k]), o, float(n.half_cell[k]))  # fmt: skip
            if hyp is None and -neg < cfg.ndc_min_defining:
                # a small event: other nodes may explain the driver (the first failed)
                for _, k2, o2 in self.candidates(i, _SMALL_TRIES)[1:]:
                    hyp = self._build(i, float(n.latitude[k2]), float(n.longitude[k2]),
                                      float(n.depth[k2]), o2, float(n.half_cell[k2]))  # fmt: skip
                    if hyp is not None:
                        break
            if hyp is None:
                continue
            if any(
                abs(hyp.t0 - h.t0) <= cfg.ndc_merge_time
                and float(distance_azimuth(hyp.latitude, hyp.longitude, h.latitude, h.longitude)[0])
                <= cfg.ndc_merge_distance
                for h in (*known, *out)
            ):
                # a later phase of an accepted event (or a split of it): its detections go
                # to no event rather than to a duplicate
                self.alive[hyp.members] = False
                removed_at[hyp.members] = version
                version += 1
                continue
            out.append(hyp)
            self._add_coda(hyp)
            self.alive[hyp.members] = False
            removed_at[hyp.members] = version
            version += 1
        return out

    def _build(
        self, drv: int, lat: float, lon: float, depth: float, t0: float, half: float
    ) -> NdcHypothesis | None:
        """Grow the hypothesis of driver ``drv`` from its best node; where that node is
        deep, also from the surface node above it (P times alone trade depth against
        origin time) and keep the one with more defining data, the shallower on a tie."""
        grown = self._grow(drv, lat, lon, depth, t0, half)
        if depth > 0.0:
            # origin time that puts the driver's P on the surface source's first P
            tp0, _, _, _ = self._p_times(lat, lon, 0.0, np.array([drv], dtype=np.int64))
            alt = self._grow(drv, lat, lon, 0.0, float(self.d.t[drv] - tp0[0]), half)
            if alt is not None and (grown is None or alt[1] >= grown[1]):
                grown = alt
        if grown is None:
            return None
        return self._accept(*grown)

    def _grow(
        self, drv: int, lat: float, lon: float, depth: float, t0: float, half: float
    ) -> tuple[NdcHypothesis, float] | None:
        """Gather, refine the epicentre and the depth, gather again (twice)."""
        members, phases, n_data = self.gather(lat, lon, depth, t0, cell=half)
        if drv not in members:
            members.append(drv)
            phases.append("P")
        for _ in range(2):
            p_idx = self._p_members(members, phases)
            if p_idx.size < 2:
                return None
            lat, lon, t0 = self.refine(lat, lon, depth, p_idx, max(half, 0.1))
            # depth among the table depths for the refined epicentre: the shallowest whose
            # misfit is within 1 of the best (most events are shallow; a deep node must earn
            # it)
            fits = [self._misfit(lat, lon, h, p_idx) for h in self.src.depths]
            mis = [m - self._depth_phases(lat, lon, h, o, members)
                   for h, (m, o) in zip(self.src.depths, fits, strict=True)]  # fmt: skip
            k = next(k for k, m in enumerate(mis) if m <= min(mis) + 1.0)
            depth, t0 = self.src.depths[k], fits[k][1]
            members, phases, n_data = self.gather(lat, lon, depth, t0)
            half = max(half / 4.0, 0.05)
        return NdcHypothesis(t0, lat, lon, depth, members, phases), n_data

    def _depth_phases(
        self, lat: float, lon: float, depth: float, t0: float, members: list[int]
    ) -> float:
        """Teleseismic sites whose pP or sP (deeper than 15 km, where they separate from P)
        an alive detection other than ``members`` fits within ``later_tolerance`` for the
        origin (lat, lon, depth, t0), when more than chance explains: 0 otherwise.

        A P coda holds detections of its own (scattering, noise bursts, re-triggers), most
        of them soon after the P; at a site with ``n`` other detections in the ``W`` s after
        its P (twice the latest depth phase's delay plus tolerance), one falls into the
        depth phases' windows (total length ``L``) by chance with probability
        ``1 - exp(-n L / W)``. The hits count only when their number is improbable
        (below 1 %) under those chances (a Poisson tail) and from two sites on."""
        if depth < 15.0 or not members or not self.cfg.ndc_refine_depths:
            return 0.0  # part of the depth option (ndc_refine_depths); off by default
        d = self.d
        tol = self.cfg.later_tolerance
        m = np.asarray(members, dtype=np.int64)
        sites = np.unique(d.site[m])
        dist, _, _ = distance_azimuth(lat, lon, d.site_lat[sites], d.site_lon[sites])
        dist = np.asarray(dist, float)
        # teleseismic sites only: closer, pP and sP arrive in the crust's and upper
        # mantle's P coda, where the detectors re-trigger (DPRK 2016: at 3-10 deg, 10 of
        # 22 sites had a detection 5-10 s after P, where a 35-km pP/sP would be)
        far = dist >= _DEPTH_PHASE_MIN_DISTANCE
        sites, dist = sites[far], dist[far]
        tp, _ = self.src.p_time(dist, depth)
        taken = np.zeros(len(d.t), dtype=np.bool_)
        taken[m] = True
        free = self.alive & ~taken
        hit = np.zeros(sites.size, dtype=np.bool_)
        delay = np.zeros(sites.size)
        n_win = np.zeros(sites.size)
        for ph in ("pP", "sP"):
            try:
                t, _, _ = self.source.derivatives(ph, dist, depth)
            except ConfigError:
                continue  # a phase this model lacks
            t = np.asarray(t, float)
            ok = np.isfinite(t)
            delay[ok] = np.maximum(delay[ok], t[ok] - tp[ok])
            n_win[ok] += 1.0
            for k in np.flatnonzero(ok & ~hit):
                lo = int(np.searchsorted(d.t, t0 + t[k] - tol))
                hi = int(np.searchsorted(d.t, t0 + t[k] + tol, side="right"))
                hit[k] = bool(np.any((d.site[lo:hi] == sites[k]) & free[lo:hi]))
        n = int(hit.sum())
        if n < 2:
            return 0.0
        # chance of a hit per site from its own rate of other detections after P
        chance = 0.0
        for k in np.flatnonzero(n_win > 0):
            w = 2.0 * (delay[k] + tol)
            lo = int(np.searchsorted(d.t, t0 + tp[k] + 1.0))
            hi = int(np.searchsorted(d.t, t0 + tp[k] + w, side="right"))
            n_other = int(np.sum((d.site[lo:hi] == sites[k]) & free[lo:hi]))
            chance += 1.0 - math.exp(-n_other * n_win[k] * 2.0 * tol / w)
        return float(n) if _poisson_tail(n, chance) < 0.01 else 0.0

    def _nearest_ok(self, lat: float, lon: float, p_sites: set[int]) -> bool:
        """Whether ``p_sites`` are at least ``ndc_min_detecting_fraction`` of the
        P-detecting sites out to the farthest of them from (lat, lon) (PyOcto's distance
        criterion: an event seen far away is seen close by)."""
        d = self.d
        cand = np.flatnonzero(self.p_site)
        dist, _, _ = distance_azimuth(lat, lon, d.site_lat[cand], d.site_lon[cand])
        dist = np.asarray(dist, float)
        far = max(float(dist[cand == s][0]) for s in p_sites)
        return len(p_sites) >= self.cfg.ndc_min_detecting_fraction * int(np.sum(dist <= far))

    def _fits_within_errors(self, hyp: NdcHypothesis, p_idx: IntArray) -> bool:
        """Chi-square test of a small event: its P times, back-azimuths and slownesses
        must fit within their own uncertainties (time: the detection's, at least
        ``p_tolerance`` / 4 for the model; azimuth, slowness: theirs), at 99 % for the data
        beyond the 4 unknowns. With little redundancy the tolerances' floors would accept
        chance combinations of detections; measured uncertainties do not."""
        from scipy.stats import chi2

        d, cfg = self.d, self.cfg
        t, p, baz, _ = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        r = d.t[p_idx] - hyp.t0 - t
        ts = np.hypot(np.nan_to_num(d.tsig[p_idx], nan=cfg.p_tolerance / 2), cfg.p_tolerance / 4)
        terms = [(r / ts) ** 2]
        b = self.baz[p_idx]
        ok = np.isfinite(b)
        bs = np.where(np.isfinite(d.bsig[p_idx]), d.bsig[p_idx], cfg.ndc_default_baz_sigma)
        terms.append((_angle(b[ok], baz[ok]) / bs[ok]) ** 2)
        sl = self.slow[p_idx]
        ok = np.isfinite(sl) & np.isfinite(p)
        ss = np.where(np.isfinite(d.ssig[p_idx]), d.ssig[p_idx], cfg.ndc_default_slowness_sigma)
        terms.append(((sl[ok] - p[ok]) / ss[ok]) ** 2)
        x2 = float(sum(np.sum(v) for v in terms))
        n = sum(v.size for v in terms)
        return n > 4 and x2 <= float(chi2.ppf(0.99, n - 4))

    def _p_weights(self, hyp: NdcHypothesis, p_idx: IntArray) -> FloatArray:
        """Defining data of each P detection ``p_idx`` of ``hyp``: its time, plus its
        back-azimuth and slowness weights where they fit (as counted by :meth:`gather`)."""
        _, p, baz, _ = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        b = self.baz[p_idx]
        w = 1.0 + np.where(np.isfinite(b) & (_angle(b, baz) <= self.btol[p_idx]),
                           self.bw[p_idx], 0.0)  # fmt: skip
        sl = self.slow[p_idx]
        ok = np.isfinite(sl) & np.isfinite(p)
        ok[ok] = np.abs(sl[ok] - p[ok]) <= self.stol[p_idx][ok]
        return np.asarray(w + np.where(ok, self.sw[p_idx], 0.0), float)

    @staticmethod
    def _p_members(members: list[int], phases: list[str]) -> IntArray:
        return np.array([m for m, ph in zip(members, phases, strict=True)
                         if ph not in ("S", "Sn", "Sg", "Lg")], dtype=np.int64)  # fmt: skip

    def _accept(self, hyp: NdcHypothesis, n_data: float) -> NdcHypothesis | None:
        """The acceptance rules (module docstring) for ``n_data`` defining data; ``None``
        when one fails."""
        cfg = self.cfg
        p_idx = self._p_members(hyp.members, hyp.phases)
        p_sites = set(self.d.site[p_idx].tolist())
        if len(p_sites) < cfg.ndc_min_p_stations:
            return None
        # P detections in the coda of an accepted event (a better one: best first) are
        # explained by it: they do not count as this event's stations (nor, with
        # ndc_coda_not_defining, as its data)
        coda = self._in_coda(p_idx)
        if len(set(self.d.site[p_idx[~coda]].tolist())) < cfg.ndc_min_p_stations:
            log.debug("ndc: hypothesis at %.1f s made of coda detections: dropped", hyp.t0)
            return None
        if cfg.ndc_coda_not_defining and coda.any():
            n_data = min(n_data, float(np.sum(self._p_weights(hyp, p_idx)[~coda])))
        if n_data < cfg.ndc_min_defining and (
            n_data < cfg.ndc_min_defining_small
            or not self._nearest_ok(hyp.latitude, hyp.longitude, p_sites)
            or not self._fits_within_errors(hyp, p_idx)
        ):
            return None
        t, _, _, _ = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        r = self.d.t[p_idx] - hyp.t0 - t
        if float(np.sqrt(np.mean(r**2))) > cfg.ndc_max_rms:
            return None
        return hyp


def search_ndc(
    dets: Any, config: AssociationConfig, source: Any, known: Sequence[Event] = ()
) -> list[NdcHypothesis]:
    """Run the NDC association on ingested detections (see the module docstring).

    ``known``: events already in the bulletin whose detections are not in ``dets`` (in a
    windowed run, those of events closed before the look-back). Their later arrivals may
    still lie in the window: detections in their codas (from their direction, where
    measured) do not make a new event, nor does a hypothesis within ``ndc_merge_time`` and
    ``ndc_merge_distance`` of one (a split of it)."""
    prior = [
        NdcHypothesis(float(e.origin.time - dets.ref), float(e.origin.latitude),
                      float(e.origin.longitude), float(e.origin.depth_km), [], [])
        for e in known
        if math.isfinite(e.origin.latitude) and math.isfinite(e.origin.longitude)
    ]  # fmt: skip
    return _Ndc(dets, config, source).run(prior)
