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
4. *Depth phases*: the delays of free detections after a teleseismic P that fit pP / sP at
   one depth at more sites than chance explains set the depth (P times alone trade it
   against the origin time); an accepted event's pP / sP make no other event.
5. *Codas*: P in accepted events' codas make no event unless they are at more sites than
   the codas' own detection rates explain (a doublet, an aftershock); a detection in such
   a coda drives no hypothesis (a new event's P at other sites do). At each station
   before the search, a detection riding a stronger one's coda (:mod:`.coda`) is known as
   its re-trigger: it drives nothing and counts as a P in a coda, whether or not the
   stronger one's event is found yet.
"""

from __future__ import annotations

import copy
import heapq
import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from openndc.association.coda import coda_end, station_coda_ends, station_codas
from openndc.association.config import AssociationConfig
from openndc.association.evidence import (
    SILENT_WINDOW,
    AmplitudeEvidence,
    site_thresholds,
    small_event_evidence,
    station_mb,
    threshold_mb_beyond,
)
from openndc.association.later import CLASS_LATER, phase_times
from openndc.association.nodes import (
    CELL_FACTOR,
    CandidateDetections,
    NodeTables,
    PerModelCache,
    build_node_tables,
    cached_node_tables,
    network_core,
    score_nodes,
    score_nodes_py,
)
from openndc.model.errors import ConfigError
from openndc.model.event import Event
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.phases import MAX_DISTANCE

__all__ = [
    "NodeTables",
    "build_node_tables",
    "coda_end",
    "network_core",
    "score_nodes",
    "score_nodes_py",
    "search_ndc",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Nodes tried per driver detection for a small event (below ``ndc_min_defining``).
_SMALL_CANDIDATES = 200
#: Nodes grown per driver detection for a small event before it is given up.
_SMALL_TRIES = 5
#: A back-azimuth too uncertain to constrain counts in a hypothesis's misfit up to this
#: many of its sigmas (:meth:`_Ndc._misfit_of`): its tolerance.
_SOFT_AZIMUTH_SIGMAS = 2.5
#: [deg] a P station this close to a hypothesis makes its depth trade against distance
#: (:meth:`_Ndc._depth_in_doubt`)
_CLOSE_DISTANCE = 3.0

#: Depth phases count from this distance [deg] on (teleseismic; see ``_depth_phases``).
_DEPTH_PHASE_MIN_DISTANCE = 20.0
#: Regional distances [deg]: Lg is observed out to here (continental paths,
#: ``MAX_DISTANCE``), and an S time places a small event (its S-P interval) only here,
#: where S and Lg are the first S-type arrivals an analyst reads.
_REGIONAL_DISTANCE = MAX_DISTANCE["Lg"]
#: A depth from pP / sP delays (``_depth_from_phases``) is taken when chance explains
#: its fitting sites with a probability below this (over all the depths tried).
_DEPTH_PHASE_FAP = 0.01
#: P detections in other events' codas make a new event when chance explains their number
#: of sites with a probability below this, over all the nodes of the search.
_CODA_FAP = 0.01
#: The network-consistency test of a small event is weighed by sensitivity with threshold
#: magnitudes at this many of its sites (:meth:`_Ndc._sensitive_sites`), else counted.
_EVIDENCE_MIN_STATIONS = 3
#: A coda rings (can re-trigger a detector) until it decays to this SNR (coda_end).
_CODA_END_SNR = 2.0
#: A coda's scattered waves come from its arrival's direction at an array, from none at a
#: 3-C station: a re-trigger's direction is compared with its arrival's only where measured
#: this well [deg] and [s/deg] (coda.station_codas).
_CODA_DIRECTION_BAZ_SIGMA = 15.0
_CODA_DIRECTION_SLOWNESS_SIGMA = 3.0
#: Confidence level of the chi-square fit a small event must pass (:meth:`_Ndc._non_defining`).
#: IMS-style set with the REB options (any number of azimuths and slownesses given up, not
#: one), seeds 1-7 / 8-10, missed / false: 0.99: 1 / 8, 4 / 3; 0.999: 1 / 15, 3 / 6.
_FIT_LEVEL = 0.99

#: [s] The span over which :meth:`_Ndc._chance_combinations` counts the search's drivers.
_HOUR = 3600.0

#: First-arrival phases the NDC method names (those in ``AssociationConfig.phases``).
_FIRST_P = ("Pg", "Pn", "P", "PKP")
_FIRST_S = ("Sg", "Sn", "S")
#: The S-type phases an NDC hypothesis gathers (first S and Lg): its S data.
_S_TYPE = (*_FIRST_S, "Lg")


class _Source:
    """First-P / S / Lg travel times [s] from a travel-time model, via fine 1-D tables."""

    def __init__(
        self, source: Any, depths: tuple[float, ...], phases: tuple[str, ...] = _FIRST_P
    ) -> None:
        self.dist = np.arange(0.0, 180.001, 0.05)
        self.depths: tuple[float, ...] = ()
        self.phases = phases
        self.source = source
        self.tp: dict[float, FloatArray] = {}
        self.sp: dict[float, FloatArray] = {}
        self.names: dict[float, npt.NDArray[Any]] = {}
        for h in depths:
            self.add_depth(float(h))

    def add_depth(self, depth: float) -> None:
        """Tabulate the first P at ``depth`` [km] (a depth the depth phases call for)."""
        h = float(depth)
        if h in self.tp:
            return
        best_t = np.full(self.dist.shape, np.inf)
        best_p = np.full(self.dist.shape, np.nan)
        names = np.full(self.dist.shape, "", dtype="<U4")
        for ph in (p for p in _FIRST_P if p in self.phases):
            try:
                t, p, _ = self.source.derivatives(ph, self.dist, h)
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
        self.depths = tuple(sorted((*self.depths, h)))

    def copy(self) -> _Source:
        """The same tables with a depth index of its own: depths one copy tabulates later
        are not among the other's ``depths``."""
        out = copy.copy(self)
        out.tp, out.sp, out.names = dict(self.tp), dict(self.sp), dict(self.names)
        return out

    def p_time(self, dist: FloatArray, depth: float) -> tuple[FloatArray, FloatArray]:
        """First-P time [s] and slowness [s/deg] at ``dist`` [deg] for ``depth`` [km]
        (tabulated on first use)."""
        h = float(depth)
        self.add_depth(h)
        return np.interp(dist, self.dist, self.tp[h]), np.interp(dist, self.dist, self.sp[h])


#: A dropped site's P fits the prediction of the others within this many sigmas
#: (:meth:`_Ndc._predicted_by_others`) ...
_PREDICTION_SIGMAS = 2.5
#: ... which a prior of this many km on the epicentre keeps bounded.
_PREDICTION_PRIOR_KM = 2000.0
#: Least span [s/deg] of a site's slownesses taken as where its noise's fall.
_MIN_SLOWNESS_SPAN = 5.0
#: Half-width [s] of the window a site's detection rate about a time is counted in.
_LOCAL_RATE_WINDOW = 3600.0
#: Least span [s] a site's rate is counted over (a few minutes of input tell no rate).
_MIN_RATE_SPAN = 600.0

#: First-P tables of the last few depth sets per travel-time model (:class:`_Source`:
#: 0.2-0.4 s to build, once per window before).
_SOURCES: PerModelCache[_Source] = PerModelCache(4)


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


def _time_free_chi2(r: FloatArray, sigma: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The origin time [s] that fits time residuals ``r`` [s] best (rows: trial epicentres,
    at origin time 0) over their ``sigma`` [s], the weighted mean, and the chi-square left
    there, per row."""
    w = 1.0 / sigma**2
    t0 = np.sum(r * w, axis=1) / np.sum(w)
    return t0, np.sum(((r - t0[:, None]) / sigma) ** 2, axis=1)


def _angle(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.abs((a - b + 180.0) % 360.0 - 180.0)


def _cell_angle(half: float, dist: FloatArray) -> FloatArray:
    """The angle [deg] a search cell of half-width ``half`` [deg] subtends from sites
    ``dist`` [deg] away: how far the back-azimuth to its events can turn within it."""
    return np.degrees(np.arctan2(half, dist))


class _Ndc:
    def __init__(
        self, dets: Any, config: AssociationConfig, source: Any,
        sites: tuple[FloatArray, FloatArray] | None = None,
    ) -> None:  # fmt: skip
        self.d = dets
        self.cfg = config
        if not any(p in config.phases for p in _FIRST_P):
            raise ConfigError(
                f"the 'ndc' association needs a first-P phase in AssociationConfig.phases "
                f"(one of {_FIRST_P}); got {config.phases}"
            )
        depths = sorted({0.0, *config.ndc_depths, *config.ndc_refine_depths})
        levels = tuple(d for d in depths if d <= config.max_depth)
        # the tables of these depths are built once per model (a copy per run: depths
        # tabulated later by one association are not among another's)
        self.src = _SOURCES.get(
            source, (levels, config.phases), lambda: _Source(source, levels, config.phases)
        ).copy()
        # the depths among which an event's depth is chosen by its P times (fixed: depths
        # the depth phases call for are tabulated as they come)
        self.levels = self.src.depths
        self.source = source
        self.phase_depths = np.array(
            sorted({float(h) for h in config.ndc_depth_phase_depths if 0.0 < h <= config.max_depth})
        )
        self._depth_delay_max = self._longest_depth_delay()
        # detections per second at each site over the input (P-type and later phases)
        span = max(float(dets.t[-1] - dets.t[0]) if len(dets.t) else 0.0, 3600.0)
        # the detections a site's rates count: P-type and later phases
        self.p_or_later = (dets.cls & (1 | CLASS_LATER)) != 0
        self.site_rate = np.bincount(dets.site[self.p_or_later],
                                     minlength=len(dets.site_lat)) / span  # fmt: skip
        self.source = source
        self.nodes = cached_node_tables(
            dets.site_lat,
            dets.site_lon,
            self.src,
            regional_spacing=config.ndc_regional_spacing,
            regional_margin=max(config.ndc_regional_margin, 0.0),
            global_spacing=config.global_spacing,
            depths=(0.0, *config.ndc_depths),
            local_spacing=config.ndc_local_spacing,
            local_radius=config.ndc_local_radius,
            grid=sites,
        )
        self.node_arrays = self.nodes.arrays()
        bs = np.where(np.isfinite(dets.bsig), dets.bsig, config.ndc_default_baz_sigma)
        ss = np.where(np.isfinite(dets.ssig), dets.ssig, config.ndc_default_slowness_sigma)
        # Azimuth / slowness constrain within 2.5 sigma; as defining data they are weighted
        # by their uncertainty (a 3-C station's 25 deg azimuth counts 0.36).
        self.baz = np.where(bs <= config.ndc_ignore_baz_sigma, dets.baz, np.nan)
        self.slow = np.where(ss <= config.ndc_ignore_slowness_sigma, dets.slow, np.nan)
        self.btol = np.maximum(config.backazimuth_tolerance, 2.5 * bs)
        # where an event is placed (_misfits, _fit_residuals, _misfit_of) every measured
        # azimuth counts over its uncertainty, a 3-C station's too, which
        # ndc_ignore_baz_sigma keeps from deciding what joins and from the defining count
        self.baz_loc = np.where(bs < 180.0, dets.baz, np.nan)
        # a measured azimuth, defining or not, rules out a P pointing beyond this many
        # sigmas (ndc_baz_veto_sigmas; only where the bound is below 180 deg, never
        # tighter than the azimuth tolerance)
        vtol = config.ndc_baz_veto_sigmas * dets.bsig
        self.vbaz = np.where(np.isfinite(vtol) & (vtol > 0.0) & (vtol < 180.0), dets.baz, np.nan)
        self.vtol = np.where(np.isfinite(self.vbaz), np.maximum(vtol, self.btol), np.inf)
        self.stol = np.maximum(config.slowness_tolerance, 2.5 * ss)
        self.bw = np.minimum((config.ndc_max_baz_sigma / np.maximum(bs, 1e-6)) ** 2, 1.0)
        self.sw = np.minimum((config.ndc_max_slowness_sigma / np.maximum(ss, 1e-6)) ** 2, 1.0)
        self.is_p = (dets.cls == 1) | (dets.cls == 3)
        self.is_s = (dets.cls == 2) | (dets.cls == 3)
        # what an event may take as its S-type phases: P- and S-type detections (a P label
        # is a detector's guess: real S at 3-C stations come labelled P, e.g. in the DPRK
        # 2016 records), never a T, I or later phase
        self.may_s = self.is_p | self.is_s
        # sites that detect P at all (the network a small event is checked against)
        self.p_site = np.zeros(len(dets.site_lat), dtype=np.bool_)
        self.p_site[dets.site[self.is_p]] = True
        # detection threshold per site in log10(A/T) [nm/s], from its own P-type detections
        self.threshold = site_thresholds(dets.log_at[self.is_p], dets.site[self.is_p],
                                         len(dets.site_lat))  # fmt: skip
        self.alive = np.ones(len(dets.t), dtype=np.bool_)
        # detection SNRs (NaN where not given): an accepted event's coda at a site lasts
        # as long as its arrivals there ring above the noise (coda_end)
        snr = np.array(
            [x.snr if x.snr is not None else math.nan for x in dets.items], dtype=np.float64
        )
        self.snr = np.where(snr > 0.0, snr, np.nan)
        # the earlier detection at its site whose coda each detection rides (-1: none;
        # coda.station_codas): such a re-trigger drives no hypothesis, found or not yet
        # the event of the arrival it follows; each detection's strength over the noise,
        # from which its own coda is reckoned (its SNR where that is against the noise, or
        # not seismic); and when its coda ends at its site [s] (its time where none)
        self.coda_of = np.full(len(dets.t), -1, dtype=np.int64)
        self.strength = self.snr.copy()
        self.coda_until = dets.t.copy()
        if config.ndc_coda_q > 0.0:
            seismic = (dets.cls & (1 | 2 | CLASS_LATER)) != 0
            lapse = self._lapse_from_slowness()
            self.coda_of, strength = station_codas(
                dets.t, dets.site, np.where(seismic, self.snr, np.nan), lapse,
                np.where(bs <= _CODA_DIRECTION_BAZ_SIGMA, dets.baz, np.nan),
                self.btol + config.ndc_coda_baz_spread,
                np.where(ss <= _CODA_DIRECTION_SLOWNESS_SIGMA, dets.slow, np.nan),
                self.stol + config.ndc_coda_slowness_spread,
                config.ndc_coda_q, _CODA_END_SNR, snr_against=config.ndc_detection_snr,
            )  # fmt: skip
            self.strength = np.where(seismic, strength, self.snr)
            # (strength is NaN where no seismic SNR was given: those have no coda)
            self.coda_until = station_coda_ends(dets.t, strength, lapse, config.ndc_coda_q,
                                                _CODA_END_SNR)  # fmt: skip
        # each site's detections (by time) and the longest coda of any (_station_coda_span)
        order = np.argsort(dets.site, kind="stable")
        cuts = np.searchsorted(dets.site[order], np.arange(len(dets.site_lat) + 1))
        self.by_site = [order[cuts[k] : cuts[k + 1]] for k in range(len(dets.site_lat))]
        self.longest_coda = float(np.max(self.coda_until - dets.t, initial=0.0))
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
        self._reset_codas()
        # per node: distances [deg] to every site and the sites' threshold mb there
        self._node_sites: dict[int, tuple[FloatArray, FloatArray]] = {}

    def _lapse_from_slowness(self) -> FloatArray:
        """Each detection's time [s] after its origin as its measured slowness tells: the
        first P's (an S-type detection's: the first S's) at the nearest distance where that
        phase is no slower (the shortest such time: a coda taken as short as it may be);
        1 s where no slowness is measured."""
        d = self.d
        dist = self.src.dist
        out = np.ones(len(d.t))
        tp, sp = self.src.p_time(dist, 0.0)
        ts, _, ss = self._first_s(dist, 0.0)
        s_type = d.cls == 2
        for sel, t, u in ((~s_type, tp, sp), (s_type, ts, np.abs(ss))):
            ok = np.isfinite(t) & np.isfinite(u)
            if not ok.any():
                continue
            t, u = t[ok], np.minimum.accumulate(u[ok])
            k = np.flatnonzero(sel & np.isfinite(d.slow))
            pos = np.searchsorted(-u, -d.slow[k])  # first distance with u <= slowness
            out[k] = np.maximum(t[np.minimum(pos, t.size - 1)], 1.0)
        return out

    @contextmanager
    def _coda_hidden(self, ev: NdcHypothesis) -> Iterator[None]:
        """Within the block the coda recorded for accepted event ``ev`` explains and masks
        nothing (its detections offered or judged again); restored after."""
        row = next(r for r, h in enumerate(self.coda_events) if h is ev)
        saved = (self.coda_lo[row].copy(), self.coda_hi[row].copy(), self.coda_ring[row].copy())
        self.coda_lo[row], self.coda_hi[row], self.coda_ring[row] = np.inf, -np.inf, -np.inf
        try:
            yield
        finally:
            self.coda_lo[row], self.coda_hi[row], self.coda_ring[row] = saved

    def _record_codas(self, events: Sequence[NdcHypothesis]) -> None:
        """The codas of ``events`` recorded anew, and no other (:meth:`_add_coda`)."""
        self._reset_codas()
        for h in events:
            self._add_coda(h)

    def _reset_codas(self) -> None:
        """No accepted event's coda recorded (:meth:`_add_coda` records them)."""
        # per site: the coda intervals [s] of accepted events (see ``ndc_coda``)
        self.coda_lo = np.empty((0, self.n_sites))
        self.coda_hi = np.empty((0, self.n_sites))
        self.coda_baz = np.empty((0, self.n_sites))
        # the whole interval rings (can re-trigger a detector) where the event was seen with
        # no SNR known (known events: seen everywhere); -inf elsewhere (ndc_coda_q)
        self.coda_ring = np.empty((0, self.n_sites))
        # where the SNR of the event's arrivals at a site is known, each rings from its own
        # time until coda_end: (event row, site) -> their times [s], SNRs and ring ends [s],
        # by time, and their measured slownesses [s/deg] (NaN where not used)
        self.coda_arrivals: dict[
            tuple[int, int], tuple[FloatArray, FloatArray, FloatArray, FloatArray]
        ] = {}
        self.coda_events: list[NdcHypothesis] = []

    def _longest_depth_delay(self) -> float:
        """Longest delay [s] of pP / sP after P at teleseismic distances for the deepest of
        ``phase_depths`` (0 when there are none)."""
        if self.phase_depths.size == 0:
            return 0.0
        dist = np.arange(_DEPTH_PHASE_MIN_DISTANCE, 180.0, 5.0)
        delays, _ = self._depth_delays(dist, self.phase_depths[-1:].astype(float))
        finite = [x[np.isfinite(x)] for x in delays]
        return max((float(x.max()) for x in finite if x.size), default=0.0)

    def _table_depth(self, depth: float) -> float:
        """The depth level or depth-phase depth nearest ``depth`` [km]: a known event's depth
        (any value) for its coda, which is coarse, without a new travel-time table each."""
        return min((*self.levels, *self.phase_depths.tolist()), key=lambda h: abs(h - depth))

    def _add_coda(self, hyp: NdcHypothesis) -> None:
        """Record the coda interval of an accepted event at every site."""
        d, cfg = self.d, self.cfg
        dist, _, baz = distance_azimuth(hyp.latitude, hyp.longitude, d.site_lat, d.site_lon)
        dist = np.asarray(dist, float)
        depth = self._table_depth(hyp.depth)
        tp, _ = self.src.p_time(dist, depth)
        ts, _, _ = self._first_s(dist, depth)
        tlg = np.full(dist.shape, np.nan)
        if self._lg_model:
            tlg = np.where(dist <= _REGIONAL_DISTANCE,
                           self.source.derivatives("Lg", dist, depth)[0], np.nan)  # fmt: skip
        # end of the S-type arrivals: Lg (regional) or the first S (1.8 x P where none)
        end = np.fmax(np.where(np.isfinite(ts), ts, tp * 1.8), tlg)
        lo = hyp.t0 + tp - cfg.p_tolerance
        hi = hyp.t0 + end + cfg.ndc_coda
        seen = np.full(self.n_sites, not hyp.members, dtype=np.bool_)
        m = np.asarray(hyp.members, dtype=np.int64)
        seen[d.site[m]] = True
        ring = np.where(seen, hi, -np.inf)
        if cfg.ndc_coda_q > 0.0 and m.size:
            known = m[np.isfinite(self.strength[m])]
            ring[d.site[known]] = -np.inf
            row = len(self.coda_events)
            ends = hyp.t0 + coda_end(d.t[known] - hyp.t0, self.strength[known],
                                     cfg.ndc_coda_q, _CODA_END_SNR)  # fmt: skip
            for site in np.unique(d.site[known]):
                k = np.flatnonzero(d.site[known] == site)
                k = k[np.argsort(d.t[known[k]], kind="stable")]
                self.coda_arrivals[(row, int(site))] = (d.t[known[k]], self.strength[known[k]],
                                                        ends[k], self.slow[known[k]])  # fmt: skip
        self.coda_lo = np.vstack([self.coda_lo, np.where(np.isfinite(tp), lo, np.inf)])
        self.coda_hi = np.vstack([self.coda_hi, np.where(np.isfinite(tp), hi, -np.inf)])
        self.coda_baz = np.vstack([self.coda_baz, np.asarray(baz, float)])
        self.coda_ring = np.vstack([self.coda_ring, np.where(np.isfinite(tp), ring, -np.inf)])
        self.coda_events.append(hyp)

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
        inside &= ~other_way
        # where the event's arrivals still ring any detection is its coda, unless it stands
        # out of the coda (an SNR above _CODA_END_SNR x the coda's level then: a new
        # arrival, not a re-trigger); elsewhere in the interval only those that fit one of
        # its phases
        ringing, level = self._coda_ringing(t, s, inside, idx)
        snr = self.snr[idx]
        ringing &= ~(np.isfinite(snr) & np.isfinite(level) & (snr > _CODA_END_SNR * level))
        out = np.any(ringing, axis=0)
        rest = np.flatnonzero(~out & np.any(inside, axis=0))
        if rest.size:
            out[rest] = self._explained(idx[rest])
        return np.asarray(out, dtype=np.bool_)

    def _coda_ringing(
        self, t: FloatArray, s: IntArray, inside: npt.NDArray[np.bool_],
        idx: IntArray | None = None,
    ) -> tuple[npt.NDArray[np.bool_], FloatArray]:  # fmt: skip
        """Whether the coda of each accepted event (rows) still rings at times ``t`` [s] at
        sites ``s`` (columns) where ``inside`` its interval, and its level there (in SNR;
        NaN where unknown). Each of the event's arrivals at the site with a known SNR rings
        from its own time on, by the Aki & Chouet envelope of :func:`coda_end` (a later
        arrival, the Lg, does not ring before it comes); before the first of them the level
        is its SNR (a detection within the P tolerance before it). Where the SNR is unknown
        the whole interval rings (``coda_ring``).

        With the detections ``idx`` (at ``t``, ``s``): an arrival's coda is made of waves
        of its own kind, so where both slownesses are measured (arrays) a detection whose
        slowness does not fit that arrival's within its tolerance is not its coda (an
        array's P, 10.8 s/deg, 24 s into the Lg coda, 30 s/deg, of an earlier event)."""
        ringing = inside & (t <= self.coda_ring[:, s])
        level = np.full(inside.shape, np.nan)
        q = self.cfg.ndc_coda_q
        for e, j in zip(*np.nonzero(inside & ~ringing), strict=True):
            arr = self.coda_arrivals.get((int(e), int(s[j])))
            if arr is None:
                continue
            ta, snr, end, sl = arr
            come = ta <= t[j]
            if not come.any():  # before its first arrival (within the P tolerance)
                level[e, j] = snr[0]
                ringing[e, j] = snr[0] > _CODA_END_SNR
                continue
            if idx is not None and np.isfinite(self.slow[idx[j]]):
                come &= ~(np.isfinite(sl) & (np.abs(sl - self.slow[idx[j]]) > self.stol[idx[j]]))
                if not come.any():
                    continue  # only arrivals of another kind ring here
            t0 = self.coda_events[int(e)].t0
            env = snr[come] * np.maximum(ta[come] - t0, 1.0) / max(t[j] - t0, 1.0)
            level[e, j] = float(np.max(env * np.exp(-math.pi * (t[j] - ta[come]) / q)))
            ringing[e, j] = bool(np.any(t[j] <= end[come]))
        return ringing, level

    def _coda_by_chance(self, hyp: NdcHypothesis, coda_p: IntArray) -> bool:
        """Whether the P detections ``coda_p`` of ``hyp`` lying in codas (accepted events',
        or stronger detections' at their stations: ``coda_of``; at that many distinct
        sites) are what the codas' own detections make by chance.

        Each site whose predicted P of ``hyp`` falls in a coda (an accepted event's
        interval, else a detection's there, :meth:`_station_coda_span`) has there a rate of
        detections (those in the coda interval over its length); one of them falls within
        the P tolerance of the prediction with probability ``1 - exp(-rate x 2 tol)``. The
        number of sites is compared with that Poisson binomial, times the trials: the
        nodes of the search and the origin times the codas leave (their median length over
        ``2 tol``; every node and time could have made such a hypothesis, and an hour of a
        large event's codas at forty stations is searched at hundreds of times): below
        ``_CODA_FAP`` it is not chance. A few re-triggers make a small coda event; a
        second large event in the first one's coda (a doublet) is many sites at once.
        Detections that fit a phase the coda's event predicts (S, Lg, ``later_phases``) are
        its own and count as chance (they line up across sites: the S of a large event
        labelled P at arrays)."""
        d, cfg = self.d, self.cfg
        dist, _, _ = distance_azimuth(hyp.latitude, hyp.longitude, d.site_lat, d.site_lon)
        dist = np.atleast_1d(np.asarray(dist, float))
        tp, _ = self.src.p_time(dist, hyp.depth)
        at = hyp.t0 + tp
        inside = (at[None, :] >= self.coda_lo) & (at[None, :] <= self.coda_hi)
        coda_p = coda_p[~self._explained(coda_p)]
        n_obs = len(set(d.site[coda_p].tolist()))
        # each site's coda interval at the predicted P: an accepted event's, else that of a
        # detection at the site (station_codas), else that of the parent of a P of ``hyp``
        # there (its P may lie a tolerance off the prediction)
        spans: dict[int, tuple[float, float]] = {}
        for s in np.flatnonzero(np.isfinite(tp) & inside.any(axis=0)):
            e = int(np.argmax(inside[:, s]))
            spans[int(s)] = (float(self.coda_lo[e, s]), float(self.coda_hi[e, s]))
        for s in np.flatnonzero(np.isfinite(tp)):
            if int(s) not in spans and (span := self._station_coda_span(int(s), at[s])):
                spans[int(s)] = span
        for j in coda_p[self.coda_of[coda_p] >= 0]:
            i = int(self.coda_of[j])
            spans.setdefault(int(d.site[j]), (float(d.t[i]), float(self.coda_until[i])))
        if not spans or n_obs == 0:
            return True
        sites = np.array(sorted(spans), dtype=np.int64)
        prob = np.zeros(sites.size)
        slots = np.zeros(sites.size)
        for k, s in enumerate(sites):
            lo_t, hi_t = spans[int(s)]
            lo = int(np.searchsorted(d.t, lo_t))
            hi = int(np.searchsorted(d.t, hi_t, side="right"))
            rate = float(np.count_nonzero(d.site[lo:hi] == s)) / max(hi_t - lo_t, 1.0)
            tol = cfg.p_tolerance if dist[s] < 20.0 else cfg.ndc_teleseismic_p_tolerance
            prob[k] = 1.0 - math.exp(-rate * 2.0 * tol)
            slots[k] = max(hi_t - lo_t, 2.0 * tol) / (2.0 * tol)
        # P(at least n_obs sites) for independent sites (Poisson binomial)
        below = np.zeros(n_obs)
        below[0] = 1.0
        for q in prob:
            below[1:] = below[1:] * (1.0 - q) + below[:-1] * q
            below[0] *= 1.0 - q
        tail = max(0.0, 1.0 - float(below.sum()))
        # every node and every origin time the codas leave (their median length over the
        # P window) could have made such a hypothesis
        chance = tail * self.nodes.latitude.size * float(np.median(slots))
        log.debug("ndc: hypothesis at %.1f s with P in codas at %d sites: %.3g by chance",
                  hyp.t0, n_obs, chance)  # fmt: skip
        return chance >= _CODA_FAP

    def _station_coda_span(self, site: int, at: float) -> tuple[float, float] | None:
        """The coda interval [s] at ``site`` that covers time ``at`` [s] from a detection
        there (:func:`station_coda_ends`; the earliest such detection's: the longest);
        ``None`` where none does."""
        idx = self.by_site[site]
        t = self.d.t[idx]
        k = idx[int(np.searchsorted(t, at - self.longest_coda)) : int(np.searchsorted(t, at))]
        k = k[self.coda_until[k] >= at]
        if k.size == 0:
            return None
        return float(self.d.t[k[0]]), float(self.coda_until[k[0]])

    def _explained(self, idx: IntArray) -> npt.NDArray[np.bool_]:
        """Whether detections ``idx`` (in codas) fit a phase of an accepted event whose
        coda they are in: its first P or one of ``later_phases`` (``later_tolerance``), its
        first S (``s_tolerance``) or Lg, and are the detection at their site closest to that
        phase's time (a phase arrives once: a second event's P 3 s after the first one's
        PcP, detected too, is no PcP); or lie between its P and its sP for a source
        ``ndc_coda_depth_range`` deeper (its depth is a search node: at 0 km its pP and sP
        would be its P, and the ISC's 1992-06-12 M 5.2, 19 km deep, put at 0 km, left its
        P readings 8 and 12 s late at PMR and SIT, sP, to a second event). The first P: an
        onset the event did not take, a few seconds off its prediction (a late pick, a
        second reading of the same onset), is still its P, not another event's (the ISC's
        readings of 2008-09-24's M 4.2, ev103: GERES and BRTR 2.7 and 3.6 s late and ILAR's
        second reading made a 3-station event 450 km deep in its coda)."""
        d, cfg = self.d, self.cfg
        out = np.zeros(idx.size, dtype=np.bool_)
        s, t = d.site[idx], d.t[idx]
        inside = (t >= self.coda_lo[:, s]) & (t <= self.coda_hi[:, s])
        for e in np.flatnonzero(inside.any(axis=1)):
            ev = self.coda_events[int(e)]
            k = np.flatnonzero(inside[e] & ~out)
            if k.size == 0:
                continue
            dist, _, _ = distance_azimuth(ev.latitude, ev.longitude, d.site_lat[s[k]],
                                          d.site_lon[s[k]])  # fmt: skip
            dist = np.atleast_1d(np.asarray(dist, float))
            depth = self._table_depth(ev.depth)
            ts, _, sp = self._first_s(dist, depth)
            fit = self._closest(idx[k], ev.t0 + ts, cfg.s_tolerance) & self._slow_fits(idx[k], sp)
            tp, p_slow = self.src.p_time(dist, depth)
            fit |= self._closest(idx[k], ev.t0 + tp, cfg.later_tolerance) & self._slow_fits(
                idx[k], p_slow
            )
            for tt, pp in phase_times(self.source, ("Lg", *cfg.later_phases), dist,
                                      ev.depth).values():  # fmt: skip
                fit |= self._closest(idx[k], ev.t0 + tt, cfg.later_tolerance) & self._slow_fits(
                    idx[k], pp
                )
            if cfg.ndc_coda_depth_range > 0.0:
                # its depth phases for any depth down to ndc_coda_depth_range below its own
                deep = phase_times(self.source, ("sP",), dist,
                                   ev.depth + cfg.ndc_coda_depth_range)  # fmt: skip
                if "sP" in deep:
                    lapse = t[k] - ev.t0
                    fit |= (
                        (lapse >= tp - cfg.later_tolerance)
                        & (lapse <= deep["sP"][0] + cfg.later_tolerance)
                        & self._slow_fits(idx[k], p_slow)
                    )
            out[k[fit]] = True
        return out

    def _slow_fits(self, idx: IntArray, slowness: FloatArray) -> npt.NDArray[np.bool_]:
        """Whether the measured slowness of detections ``idx`` (where used) fits a phase's
        ``slowness`` [s/deg] (NaN: not known) within its tolerance."""
        sl = self.slow[idx]
        return np.asarray(
            ~np.isfinite(sl) | ~np.isfinite(slowness) | (np.abs(sl - slowness) <= self.stol[idx]),
            dtype=np.bool_,
        )

    def _closest(self, idx: IntArray, at: FloatArray, tol: float) -> npt.NDArray[np.bool_]:
        """Whether each detection ``idx`` lies within ``tol`` [s] of ``at`` (a phase's
        predicted time at its site) and no other detection at its site lies closer."""
        d = self.d
        r = np.abs(d.t[idx] - at)
        out = r <= tol
        for k in np.flatnonzero(out):
            lo = int(np.searchsorted(d.t, at[k] - r[k]))
            hi = int(np.searchsorted(d.t, at[k] + r[k], side="right"))
            near = lo + np.flatnonzero(d.site[lo:hi] == d.site[idx[k]])
            out[k] = not np.any((near != idx[k]) & (np.abs(d.t[near] - at[k]) < r[k]))
        return np.asarray(out, dtype=np.bool_)

    # ---------------------------------------------------------------- hypotheses
    def evaluate(self, drv: int) -> tuple[float, int, float] | None:
        """Best node of driver ``drv``: (score, node, origin time) or ``None``."""
        cands = self.candidates(drv, 1)
        return cands[0] if cands else None

    def candidates(
        self, drv: int, limit: int, every: bool = False
    ) -> list[tuple[float, int, float]]:
        """Up to ``limit`` nodes for driver ``drv``: one unless the event is small or
        ``every`` (then the best-scoring nodes, :meth:`_small_candidates`, where a small
        event can be accepted: :meth:`_small_possible`)."""
        d = self.d
        usable = self.alive & self.is_p
        lo = int(np.searchsorted(d.t, d.t[drv] - self.dmax))
        hi = int(np.searchsorted(d.t, d.t[drv] + self.dmax))
        small_ok = self._small_possible(lo, hi)
        if every and not small_ok:
            # the nodes are taken as a small event's, and none could be accepted here
            return []
        n = self.nodes
        dets = CandidateDetections(d.t, d.site, self.baz, self.btol, self.slow, self.stol,
                               self.bw, self.sw, usable)  # fmt: skip
        # exact scores where they are used: from the least score a node is taken with up
        # (a small event's, where one can be judged here), or only the best ones once they
        # reach ndc_min_defining
        floor = self.cfg.ndc_min_defining
        if small_ok:
            # one datum short of a small event's: an S time may make it up
            # (_small_candidates)
            floor = min(floor, self.cfg.ndc_min_defining_small - 1.0)
        score, rsum = score_nodes(drv, self.node_arrays, dets, lo, hi, self.cfg.p_tolerance,
                                  floor, self.cfg.ndc_min_defining)  # fmt: skip
        top = float(score.max()) if score.size else -1.0
        if top < floor:
            return []
        if top < self.cfg.ndc_min_defining or every:
            return self._small_candidates(drv, score, rsum, lo, hi, limit, floor)
        cand = np.flatnonzero(score == top)
        k = int(cand[np.argmin(rsum[cand])])
        return [(top, k, float(d.t[drv] - n.tp[k, d.site[drv]]))]

    def _small_possible(self, lo: int, hi: int) -> bool:
        """Whether a small event (below ``ndc_min_defining``) can be accepted from the
        detections ``lo:hi``: the small path is on and, with ``ndc_small_needs_amplitudes``,
        alive P detections with amplitudes there at ``_EVIDENCE_MIN_STATIONS`` sites (else
        :meth:`_consistent` rejects every one: no need to score nodes for them)."""
        cfg = self.cfg
        if cfg.ndc_min_defining_small >= cfg.ndc_min_defining:
            return False
        if not cfg.ndc_small_needs_amplitudes:
            return True
        if not cfg.ndc_amplitude_evidence:
            return False
        d = self.d
        j = lo + np.flatnonzero(self.alive[lo:hi] & self.is_p[lo:hi] & np.isfinite(d.log_at[lo:hi]))
        return bool(np.unique(d.site[j]).size >= _EVIDENCE_MIN_STATIONS)

    def _small_candidates(
        self, drv: int, score: FloatArray, rsum: FloatArray, lo: int, hi: int, limit: int,
        floor: float,
    ) -> list[tuple[float, int, float]]:  # fmt: skip
        """A small event's node (score below ``ndc_min_defining``): with few data many nodes
        around the globe score alike, so take the best-scoring nodes (fewest residuals first,
        from ``floor`` up) whose fitting P sites pass the network-consistency test
        (:meth:`_consistent`; also the nodes scoring ``ndc_min_defining`` when a driver's best
        node failed: without amplitudes to judge them, the detections a strong event's coda
        re-triggers at seven stations of the DPRK 2016-09 records made a false event)."""
        d, n, cfg = self.d, self.nodes, self.cfg
        j = lo + np.flatnonzero(self.alive[lo:hi] & self.is_p[lo:hi])
        need = cfg.ndc_min_defining_small
        cand = np.flatnonzero(score >= floor)
        cand = cand[np.lexsort((rsum[cand], -score[cand]))][:_SMALL_CANDIDATES]
        out: list[tuple[float, int, float]] = []
        for k in cand:
            o = float(d.t[drv] - n.tp[k, d.site[drv]])
            tt = n.tp[k, d.site[j]].astype(float)
            lim = cfg.p_tolerance + n.half_cell[k] * n.slow[k, d.site[j]] * CELL_FACTOR
            fit = np.abs(d.t[j] - o - tt) <= lim
            b = self.baz[j]
            fit &= ~(np.isfinite(b) & (_angle(b, n.baz[k, d.site[j]]) > self.btol[j]))
            v = fit & np.isfinite(self.vbaz[j])
            if v.any():
                jv, sv = j[v], d.site[j[v]]
                dj, _, _ = distance_azimuth(float(n.latitude[k]), float(n.longitude[k]),
                                            d.site_lat[sv], d.site_lon[sv])  # fmt: skip
                fit[v] = self._azimuth_allows(jv, n.baz[k, sv], np.asarray(dj, float),
                                              float(n.half_cell[k]))  # fmt: skip
            sites = {int(x) for x in d.site[j[fit]]} | {int(d.site[drv])}
            if len(sites) >= cfg.ndc_min_p_stations and (
                score[k] >= need or self._s_fits(int(k), o, sites)
            ) and (
                self._consistent(float(n.latitude[k]), float(n.longitude[k]),
                                 float(n.depth[k]), np.append(j[fit], drv), sites, int(k))
            ):  # fmt: skip
                out.append((float(score[k]), int(k), o))
                if len(out) >= limit:
                    break
        return out

    def _azimuth_allows(
        self, idx: IntArray, baz: FloatArray, dist: FloatArray, half: float
    ) -> npt.NDArray[np.bool_]:
        """Whether the measured azimuths of detections ``idx`` allow them to be the P of
        events in a cell of half-width ``half`` [deg] whose back-azimuths are ``baz`` at
        ``dist`` [deg] (``ndc_baz_veto_sigmas``: an azimuth pointing beyond that many
        sigmas, plus the angle the cell subtends from the site, rules the detection out,
        however uncertain it is; no measured azimuth, or the rule off: allowed)."""
        bound = self.vtol[idx] + _cell_angle(half, dist)
        return np.asarray(~(_angle(self.vbaz[idx], baz) > bound), dtype=np.bool_)

    def _s_fits(self, node: int, t0: float, sites: set[int]) -> bool:
        """Whether an alive S-type detection at one of ``sites`` fits the first S of node
        ``node`` with origin time ``t0`` [s] (``s_tolerance`` plus the cell's allowance at
        the S's slowness): an S time is a defining datum of a small event (its S-P interval
        at the closest station places it), one that the node score, of P data, does not
        count."""
        d, n, cfg = self.d, self.nodes, self.cfg
        site = np.array(sorted(sites), dtype=np.int64)
        dist, _, _ = distance_azimuth(float(n.latitude[node]), float(n.longitude[node]),
                                      d.site_lat[site], d.site_lon[site])  # fmt: skip
        dist = np.atleast_1d(np.asarray(dist, float))
        ts, _, sp = self._first_s(dist, float(n.depth[node]))
        ts = np.where(dist <= _REGIONAL_DISTANCE, ts, np.nan)
        tol = cfg.s_tolerance + CELL_FACTOR * float(n.half_cell[node]) * np.nan_to_num(np.abs(sp))
        for k in np.flatnonzero(np.isfinite(ts)):
            lo = int(np.searchsorted(d.t, t0 + ts[k] - tol[k]))
            hi = int(np.searchsorted(d.t, t0 + ts[k] + tol[k], side="right"))
            if np.any((d.site[lo:hi] == site[k]) & self.alive[lo:hi] & self.is_s[lo:hi]):
                return True
        return False

    def _s_sites(self, hyp: NdcHypothesis) -> int:
        """Sites within ``_REGIONAL_DISTANCE`` with an S-type arrival of ``hyp`` (each a
        defining S time: :meth:`_s_data`)."""
        return len(set(self.d.site[self._s_data(hyp)[0]].tolist()))

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

    def _predicted(
        self, lat: FloatArray, lon: FloatArray, depth: float, idx: IntArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """First-P time [s], slowness [s/deg] and back-azimuth [deg] at the sites of ``idx``
        from trial epicentres ``lat``, ``lon`` [deg] (1-D arrays): (trials, detections)."""
        d = self.d
        s = d.site[idx]
        dist, _, baz = distance_azimuth(lat[:, None], lon[:, None], d.site_lat[s][None, :],
                                        d.site_lon[s][None, :])  # fmt: skip
        dist = np.asarray(dist, float)
        t, p = self.src.p_time(dist.ravel(), depth)
        return t.reshape(dist.shape), p.reshape(dist.shape), np.asarray(baz, float)

    def _misfits(
        self, lat: FloatArray, lon: FloatArray, depth: float, idx: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """Robust (capped L1) misfit of P times, back-azimuths and slownesses of ``idx`` at
        trial epicentres ``lat``, ``lon`` [deg] (1-D arrays), and the origin times [s]."""
        d = self.d
        t, p, baz = self._predicted(lat, lon, depth, idx)
        r = d.t[idx][None, :] - t
        o = np.median(r, axis=1)
        sig = self.cfg.p_tolerance / 2.0
        m = np.sum(np.minimum(np.abs(r - o[:, None]) / sig, 5.0), axis=1)
        b = self.baz_loc[idx]
        ok = np.isfinite(b)
        if ok.any():
            ang = _angle(b[ok][None, :], baz[:, ok])
            m += np.sum(np.minimum(ang / (self.btol[idx][ok] / 2), 5.0), axis=1)
        sl = self.slow[idx]
        ok = np.isfinite(sl)
        if ok.any():
            ds = np.abs(sl[ok][None, :] - p[:, ok])
            m += np.sum(np.minimum(ds / (self.stol[idx][ok] / 2), 5.0), axis=1)
        return m, o

    def refine(
        self, lat: float, lon: float, depth: float, idx: IntArray, half: float, fit: bool = False
    ) -> tuple[float, float, float]:
        """Local grid search of the epicentre (depth fixed at the node's) [deg]: trial
        points within 2 ``half`` of the start, 13 x 13 (``half`` / 3 apart) at the first
        level, then 7 x 7 around the best so far, shrinking 2.5 times, five times. With
        ``fit``, also a local fit of the same data from the start (:meth:`_fit`, a robust
        loss, within the grid's reach), kept where its misfit is the smaller: near a close
        station (Pg at ~19 s/deg, Pn at ~14) the trial points straddle the narrow valley
        where its P time fits, and the grid settles where the times fit and the arrays'
        azimuths do not. The first level is the denser because the valley it must not miss
        is widest there: 7 x 7 points (0.8 deg apart in a 1.2-deg cell) settled on the valley
        of a noise detection at the close station, 0.9 deg off, where the fit from the node
        also ended, and two far arrays' P (10 s off there) were lost to the event (IMS-style
        set, seed 9 ev116: split in two)."""
        lat0, lon0 = lat, lon
        step = half
        for level in range(6):
            n_half = 6 if level == 0 else 3
            ax = np.arange(-n_half, n_half + 1) * (2.0 * step / n_half)
            dy, dx = np.meshgrid(ax, ax, indexing="ij")
            la = np.clip(lat + dy.ravel(), -90.0, 90.0)
            lo = lon + dx.ravel() / np.maximum(np.cos(np.radians(la)), 0.05)
            m, _ = self._misfits(la, lo, depth, idx)
            k = int(np.argmin(m))
            # the centre of the trial points is the current epicentre
            if m[k] < m[m.size // 2] - 1e-9:
                lat, lon = float(la[k]), (float(lo[k]) + 180.0) % 360.0 - 180.0
            step /= 2.5
        best, t0 = self._misfit(lat, lon, depth, idx)
        if fit:
            # the misfit's scales (_misfits), within the grid's reach (2 x half) of the start
            reach = np.array([2.0 * half, 2.0 * half / max(math.cos(math.radians(lat0)), 0.05),
                              np.inf])  # fmt: skip
            start = np.array([lat0, lon0, self._misfit(lat0, lon0, depth, idx)[1]])
            sigma = (np.full(idx.size, self.cfg.p_tolerance / 2.0), self.btol[idx] / 2.0,
                     self.stol[idx] / 2.0)  # fmt: skip
            la_f, lo_f, _, _ = self._fit(lat0, lon0, float(start[2]), depth, idx, sigma,
                                         "cauchy", (start - reach, start + reach))  # fmt: skip
            m_f, o_f = self._misfit(la_f, lo_f, depth, idx)
            if m_f < best - 1e-9:
                lat, lon, t0 = la_f, lo_f, o_f
        return lat, lon, t0

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
        pname = self.src.names[float(depth)][np.clip(np.rint(dist / 0.05).astype(int), 0, 3600)]
        tol_p = self._p_tolerance(dist, idx) + CELL_FACTOR * cell * np.nan_to_num(pp)
        r = d.t[idx] - t0 - tpp

        def fits(j: int, b_pred: float, s_pred: float, p_type: bool = True) -> tuple[bool, float]:
            g = 0.0
            i = idx[j]
            if p_type and not self._azimuth_allows(np.array([i]), np.array([b_pred]),
                                                   dist[j : j + 1], cell)[0]:  # fmt: skip
                return False, 0.0  # its azimuth, however uncertain, points elsewhere
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
        # S-type phases: first S (Sn/Sg/S) and Lg, each at most once per site, of the
        # detections that may be S (may_s); a measured slowness must fit theirs (an array's
        # P slowness is no S)
        for ph_name, tol in self._s_kinds:
            if ph_name == "Lg":
                lg_t, lg_p, _ = self.source.derivatives("Lg", dist, depth)
                regional = (dist >= cfg.lg_min_distance) & (dist <= _REGIONAL_DISTANCE)
                ts = np.where(regional, np.asarray(lg_t, float), np.nan)
                sp = np.abs(np.asarray(lg_p, float))
                names = np.full(dist.shape, "Lg")
            else:
                ts, names, sp = self._first_s(dist, depth)
            rs = d.t[idx] - t0 - ts
            taken: dict[int, tuple[float, int, str]] = {}
            for j in np.flatnonzero((np.abs(rs) <= tol) & self.may_s[idx]):
                if int(j) in used:
                    continue
                ok, _ = fits(int(j), baz[j], sp[j], False)
                if ok and (s[j] not in taken or abs(rs[j]) < taken[s[j]][0]):
                    taken[int(s[j])] = (abs(float(rs[j])), int(j), str(names[j]))
            for _, j, nm in taken.values():
                members.append(int(idx[j]))
                phases.append(nm)
                used.add(j)
        return members, phases, n_data

    def _p_tolerance(self, dist: FloatArray, idx: IntArray) -> FloatArray:
        """Largest P residual [s] of detections ``idx`` at ``dist`` [deg] from an origin:
        ``p_tolerance`` (``ndc_teleseismic_p_tolerance`` from 20 deg), at least
        ``pick_sigma_factor`` x the detection's own time uncertainty."""
        cfg = self.cfg
        tol = np.where(dist < 20.0, cfg.p_tolerance, cfg.ndc_teleseismic_p_tolerance)
        return np.asarray(np.maximum(tol, cfg.pick_sigma_factor * np.nan_to_num(self.d.tsig[idx])),
                          float)  # fmt: skip

    def _first_s(
        self, dist: FloatArray, depth: float
    ) -> tuple[FloatArray, npt.NDArray[Any], FloatArray]:
        """The first S (of ``_FIRST_S`` in the configured phases) at ``dist`` [deg] from a
        source at ``depth`` [km]: its time [s], name and slowness [s/deg] (NaN where none)."""
        key = ("S", float(depth))
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
            slow = np.gradient(best, self.src.dist) if best.size > 1 else np.full(1, np.nan)
            cache[key] = (best, names, slow)
        best, names, slow = cache[key]
        k = np.clip(np.rint(dist / 0.05).astype(int), 0, best.size - 1)
        return (np.interp(dist, self.src.dist, best), names[k],
                np.interp(dist, self.src.dist, slow))  # fmt: skip

    def run(self, known: Sequence[NdcHypothesis] = ()) -> list[NdcHypothesis]:
        """Events best first; ``known`` events (found before, their detections not among
        the input) are there from the start: their codas and their splits make no event."""
        d, cfg = self.d, self.cfg
        for h in known:
            self._add_coda(h)
        heap: list[tuple[float, float, int, int, float]] = []
        for i in np.flatnonzero(self.is_p & (self.coda_of < 0)):
            ev = self.evaluate(int(i))
            if ev is not None:
                heapq.heappush(heap, (-ev[0], d.t[i], int(i), ev[1], ev[2]))
        removed_at = np.full(len(d.t), -1, dtype=np.int64)
        stamp: dict[int, int] = {}
        version = 0

        def take(idx: IntArray | list[int]) -> None:
            """Detections ``idx`` taken: no other event's; drivers near them re-scored."""
            nonlocal version
            self.alive[idx] = False
            removed_at[idx] = version
            version += 1

        out: list[NdcHypothesis] = []
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
            if self.coda_of[i] >= 0 or self._in_coda(np.array([i]))[0]:
                # in the coda of an accepted event at its site (ringing there and not
                # standing out of it, or one of its phases), or of a stronger detection there
                # (coda_of, before any event): its re-trigger, which drives no event; a new
                # event's P elsewhere do (a detector re-triggers in a large arrival's coda:
                # with such re-triggers, IMS-style set --codas, seed 1's first hour, 112 coda
                # detections drove hypotheses, none accepted, 51 of 81 s)
                continue
            hyp = self._hypothesis(i, -neg, k, o)
            if hyp is None:
                continue
            j = next((j for j, h in enumerate(out) if self._duplicate(hyp, (h,))), None)
            if j is not None or self._duplicate(hyp, known):
                merged = None
                if j is not None:
                    merged = self._merged(out[j], hyp, (*known, *out[:j], *out[j + 1 :]))
                if merged is not None and j is not None:
                    # the two are one event, which neither alone was: it takes their place
                    log.debug("ndc: event at %.1f s and a hypothesis at %.1f s merged (%d P "
                              "sites)", out[j].t0, hyp.t0, self._n_p_sites(merged))  # fmt: skip
                    self.alive[out[j].members] = True
                    out[j] = merged
                    take(self._taken(merged))
                    self._record_codas((*known, *out))
                    continue
                # a later phase of an accepted event (or a split of it): its detections go
                # to no event rather than to a duplicate
                take(hyp.members)
                continue
            out.append(hyp)
            self._add_coda(hyp)
            take(self._taken(hyp))
            if self.alive[i]:
                # a rival's hypothesis was kept: the driver may still make another event
                ev = self.evaluate(i)
                if ev is not None:
                    heapq.heappush(heap, (-ev[0], d.t[i], i, ev[1], ev[2]))
        settled = self.alive.copy()
        if cfg.ndc_resolve_conflicts:
            out = self._resolve_conflicts(out, known)
        if cfg.ndc_contest_max_stations > 0:
            out = self._contest(out, known)
        if cfg.ndc_regrow:
            out = self._regrow(out, known)
        # an event made of another's later phases at all but a few sites is no event: the
        # search takes drivers best first, and one that took an event's PcP before the
        # event was found is not undone by the event (defaults, IMS-style set, seed 3:
        # ev188's two PcP with a noise P at LPAZ)
        out = self._drop_explained(out, known)
        if cfg.ndc_search_freed:
            out = self._search_freed(out, known, self.alive & ~settled)
        return out

    def _search_freed(
        self, out: list[NdcHypothesis], known: Sequence[NdcHypothesis],
        freed: npt.NDArray[np.bool_],
    ) -> list[NdcHypothesis]:  # fmt: skip
        """The search once more where the passes after it freed detections (an event that
        gave way, was contested or dropped): the alive P detections within the search's
        travel-time span of a freed one drive hypotheses, best node score first, built and
        accepted as in the search, none a duplicate of an event. The passes free what a
        chance combination held, but nothing searched it again (IMS-style set, seed 10
        over the whole day: a chance event of ev173's two arrays' P and ev174's ESDC gave
        way to ev174 in the conflict pass, and ev173's P at KEST, BRMAR and BRTR stayed
        free). Returns the events (with those found)."""
        d = self.d
        t_freed = d.t[freed]
        if t_freed.size == 0:
            return out
        cand = np.flatnonzero(self.alive & self.is_p & (self.coda_of < 0))
        t = d.t[cand]
        near = np.searchsorted(t_freed, t + self.dmax, side="right") > np.searchsorted(
            t_freed, t - self.dmax
        )
        scored = []
        for i in cand[near]:
            ev = self.evaluate(int(i))
            if ev is not None:
                scored.append((-ev[0], float(d.t[i]), int(i), ev))
        accepted = False
        for _, _, i, ev in sorted(scored, key=lambda x: x[:3]):
            if not self.alive[i]:
                continue
            # its best node as scored, unless an event accepted since changed what is free
            hyp = self._built(i) if accepted else self._hypothesis(i, *ev)
            if hyp is None or self._duplicate(hyp, (*known, *out)):
                continue
            log.debug("ndc: freed detections make an event at %.1f s (%d detections)", hyp.t0,
                      len(hyp.members))  # fmt: skip
            out.append(hyp)
            self._add_coda(hyp)
            self.alive[self._taken(hyp)] = False
            accepted = True
        return out

    def _taken(self, hyp: NdcHypothesis) -> IntArray:
        """What an accepted ``hyp`` takes: its members and its depth phases (they join it
        after the search, in attach_later_phases)."""
        return np.concatenate([np.asarray(hyp.members, dtype=np.int64),
                               self._depth_phase_detections(hyp)])  # fmt: skip

    def _earliest_p(self, hyp: NdcHypothesis) -> int | None:
        """The earliest P detection of ``hyp`` (``None``: it has none)."""
        p_idx = self._p_members(hyp.members, hyp.phases)
        return int(p_idx[np.argmin(self.d.t[p_idx])]) if p_idx.size else None

    def _n_p_sites(self, hyp: NdcHypothesis) -> int:
        """Number of sites with a P detection of ``hyp``."""
        return int(np.unique(self.d.site[self._p_members(hyp.members, hyp.phases)]).size)

    def _merged(
        self, ev: NdcHypothesis, hyp: NdcHypothesis, others: Sequence[NdcHypothesis]
    ) -> NdcHypothesis | None:
        """One event in place of accepted event ``ev`` and hypothesis ``hyp``, its duplicate
        (within ``ndc_merge_time`` and ``ndc_merge_distance``), where their detections make
        one with P at more sites than either: built from the earliest P of each with their
        detections and those no event took (``ev``'s coda hidden), the better
        (:meth:`_rank`); ``None`` where none is. A chance combination accepted first (a
        noise detection at the closest station with two of an event's arrays, placed 5 deg
        off) otherwise makes the event's other stations a duplicate of it, and their
        detections go to no event (IMS-style set, seed 7 ev143, with an even lattice)."""
        mine = np.asarray(ev.members, dtype=np.int64)
        built = []
        with self._coda_hidden(ev):
            self.alive[mine] = True
            try:
                for drv in (self._earliest_p(h) for h in (ev, hyp)):
                    b = None if drv is None else self._built(drv)
                    if b is not None:
                        built.append(b)
            finally:
                self.alive[mine] = False
        need = max(self._n_p_sites(ev), self._n_p_sites(hyp))
        ok = [b for b in built if self._n_p_sites(b) > need and not self._duplicate(b, others)]
        return min(ok, key=self._rank, default=None)

    def _regrow(
        self, out: list[NdcHypothesis], known: Sequence[NdcHypothesis]
    ) -> list[NdcHypothesis]:
        """Each accepted event built again from its earliest P (the closest station's)
        with its own detections and those no event took: where the hypothesis so built
        holds every detection of the event and more, it replaces it. The search takes
        drivers best node score first, and three far arrays' azimuths and slownesses can
        outscore the closest station's P: their event, placed by them alone, is 2 deg and a
        minute off, the closest P and S then fit it no more and stay free (IMS-style set,
        seed 3 ev188: KEST's P and Sg at 0.5 deg left out of BRMAR, BRTR and SCHQ's event,
        whose two PcP then made a chance event with a noise detection). Returns the events
        (codas recorded anew where one was replaced)."""
        changed = False
        for j, ev in enumerate(list(out)):
            p_idx = self._p_members(ev.members, ev.phases)
            if p_idx.size == 0:
                continue
            mine = np.asarray(ev.members, dtype=np.int64)
            # while it is built again, the event's coda explains none of its detections
            with self._coda_hidden(ev):
                self.alive[mine] = True
                try:
                    built = []
                    for drv in self._closer_p(ev, p_idx):
                        h = self._built(drv)
                        if h is not None and set(ev.members) < set(h.members):
                            built.append(h)
                finally:
                    self.alive[mine] = False
            others = (*known, *out[:j], *out[j + 1 :])
            hyp = min(built, key=self._rank, default=None)
            if hyp is not None and not self._duplicate(hyp, others):
                log.debug("ndc: event at %.1f s (%d detections) built again at %.1f s (%d)",
                          ev.t0, len(ev.members), hyp.t0, len(hyp.members))  # fmt: skip
                self.alive[hyp.members] = False
                out[j] = hyp
                changed = True
        if changed:
            self._record_codas((*known, *out))
        return out

    def _drop_explained(
        self, out: list[NdcHypothesis], known: Sequence[NdcHypothesis]
    ) -> list[NdcHypothesis]:
        """The events of ``out`` less those whose P detections, but at fewer than
        ``ndc_min_p_stations`` sites, fit later phases of another event
        (:meth:`_explained`): what the search does not make of such detections
        (:meth:`_accept`) once their event is accepted, but a hypothesis taken before it
        may have (seed 3 ev188's PcP at BRMAR and BRTR made a chance event with a noise
        detection at LPAZ, before :meth:`_regrow` or without it). Their detections are free
        again (later phases join their event after the search); codas recorded anew."""
        d, cfg = self.d, self.cfg
        kept: list[NdcHypothesis] = []
        for ev in out:
            p_idx = self._p_members(ev.members, ev.phases)
            with self._coda_hidden(ev):
                explained = self._explained(p_idx)
            if len(set(d.site[p_idx[~explained]].tolist())) >= cfg.ndc_min_p_stations:
                kept.append(ev)
                continue
            log.debug("ndc: event at %.1f s made of another event's later phases: dropped",
                      ev.t0)  # fmt: skip
            self.alive[ev.members] = True
        if len(kept) < len(out):
            self._record_codas((*known, *kept))
        return kept

    def _built(self, drv: int) -> NdcHypothesis | None:
        """The hypothesis driver ``drv`` makes now, from its best node (:meth:`evaluate`,
        :meth:`_hypothesis`), or ``None``."""
        top = self.evaluate(drv)
        return None if top is None else self._hypothesis(drv, *top)

    def _closer_p(self, ev: NdcHypothesis, p_idx: IntArray) -> list[int]:
        """The drivers :meth:`_regrow` builds event ``ev`` again from: its earliest P, and
        the P detections no event took at sites closer than its closest P station, within
        ``ndc_merge_time`` of their predicted P (an event placed without them may be a
        degree or two and tens of seconds off)."""
        d = self.d
        first = int(p_idx[np.argmin(d.t[p_idx])])
        dist, _, _ = distance_azimuth(ev.latitude, ev.longitude, d.site_lat, d.site_lon)
        dist = np.asarray(dist, float)
        near = dist < float(np.min(dist[d.site[p_idx]]))
        if not near.any():
            return [first]
        tp, _ = self.src.p_time(dist, self._table_depth(ev.depth))
        w = self.cfg.ndc_merge_time
        lo = int(np.searchsorted(d.t, ev.t0))
        hi = int(np.searchsorted(d.t, d.t[first], side="right"))
        j = lo + np.flatnonzero(self.alive[lo:hi] & self.is_p[lo:hi] & near[d.site[lo:hi]])
        j = j[np.abs(d.t[j] - ev.t0 - tp[d.site[j]]) <= w]
        return [first, *(int(x) for x in j)]

    def _rank(self, hyp: NdcHypothesis) -> tuple[int, float]:
        """Order of explanations, best first: more detections, then a better fit
        (:meth:`_misfit_of`)."""
        return -len(hyp.members), self._misfit_of(hyp)

    def _duplicate(self, hyp: NdcHypothesis, events: Sequence[NdcHypothesis]) -> bool:
        """Whether ``hyp`` lies within ``ndc_merge_time`` and ``ndc_merge_distance`` of one
        of ``events`` (a later phase of it, or a split)."""
        cfg = self.cfg
        return any(
            abs(hyp.t0 - h.t0) <= cfg.ndc_merge_time
            and float(distance_azimuth(hyp.latitude, hyp.longitude, h.latitude, h.longitude)[0])
            <= cfg.ndc_merge_distance
            for h in events
        )

    def _resolve_conflicts(
        self, out: list[NdcHypothesis], known: Sequence[NdcHypothesis]
    ) -> list[NdcHypothesis]:
        """Conflict resolution after the search: a detection goes to the hypothesis that
        explains it best (as the IDC's Global Association resolves hypotheses sharing
        detections). The search is greedy, best first: a chance combination accepted first
        may hold the closest P of a small event found later, which then has a station too
        few. So each event with P at exactly ``ndc_min_p_stations`` sites offers each of
        its P detections (alone at its site) to a hypothesis of its own, driven by it and
        made of the detections no event took (the event's other members and its coda left
        out), built and accepted as in the search. Where one explains more detections than
        the event, or as many and fits them better (:meth:`_misfit_of`), it replaces the
        event (which, a P station short, is no event) and the event's other detections are
        free again. Returns the events (codas recorded anew where one was replaced)."""
        d, cfg = self.d, self.cfg
        changed = False
        for j, ev in enumerate(list(out)):
            p_idx = self._p_members(ev.members, ev.phases)
            sites = d.site[p_idx]
            if np.unique(sites).size != cfg.ndc_min_p_stations:
                continue
            others = (*known, *out[:j], *out[j + 1 :])
            offered: list[NdcHypothesis] = []
            # while its detections are offered, the event's coda explains none of them
            with self._coda_hidden(ev):
                for h in p_idx[np.array([np.sum(sites == x) == 1 for x in sites], dtype=np.bool_)]:
                    self.alive[h] = True
                    try:
                        hyp = self._built(int(h))
                    finally:
                        self.alive[h] = False
                    if hyp is not None and not self._duplicate(hyp, others):
                        offered.append(hyp)
                best = min(offered, key=self._rank, default=None)
                if best is not None and self._rank(best) < self._rank(ev):
                    log.debug("ndc: event at %.1f s (%d detections) gives way to one at %.1f s "
                              "(%d)", ev.t0, len(ev.members), best.t0,
                              len(best.members))  # fmt: skip
                    self.alive[ev.members] = True
                    self.alive[best.members] = False
                    out[j] = best
                    changed = True
        if changed:
            self._record_codas((*known, *out))
        return out

    def _contest(
        self, out: list[NdcHypothesis], known: Sequence[NdcHypothesis]
    ) -> list[NdcHypothesis]:
        """Each event with P at up to ``ndc_contest_max_stations`` sites contested by the
        hypotheses that would hold its detections: the search is greedy, and a chance
        combination taken first (a noise P at the closest station with two arrays' P of one
        event and a third station's P of another) holds what two events needed (IMS-style
        set, seed 10: ev173's arrays' P and ev174's ESDC in an event 1,000 km off; ev173
        did not form, ev174 formed without ESDC and its closest station, at the surface).

        With the codas of the event and of its neighbours (the events within the search's
        travel-time span of it) hidden and their detections free again, the event's rivals
        (:meth:`_contest_drivers`) drive hypotheses of their own, built as in the search and
        accepted with the codas of the events left standing in place. Those holding any of
        the event's detections are taken best first (:meth:`_rank`), none sharing a
        detection with another taken or a duplicate of an event left standing; one holding
        part of a neighbour's detections is not taken, and one holding all of them, within
        ``ndc_merge_time`` and ``ndc_merge_distance`` of it, takes its place (the same
        event with more: a rival never moves an event found); nor is one holding P at more
        than half the event's P sites (:meth:`_variant`: the same event explained
        otherwise). Then what is left of the event is built again from its remaining P.
        Where those explain more detections than the event and the neighbours they took,
        each event less the least it is made of (``ndc_min_p_stations`` detections: a new
        event of free detections is no gain), they replace them (as many: the event
        stands). A detection goes to the explanation that explains most, as the IDC's
        Global Association resolves hypotheses sharing detections. Returns the events
        (codas recorded anew where one was replaced)."""
        d, cfg = self.d, self.cfg
        for ev in list(out):
            if not any(h is ev for h in out):
                continue  # taken by a contest already
            p_idx = self._p_members(ev.members, ev.phases)
            if np.unique(d.site[p_idx]).size > cfg.ndc_contest_max_stations:
                continue
            near = [h for h in out if h is not ev and abs(h.t0 - ev.t0) <= self.dmax]
            free = self.alive.copy()
            for h in near:
                free[np.asarray(h.members, dtype=np.int64)] = True
            drivers = self._contest_drivers(ev, p_idx, free)
            if not drivers:
                continue
            standing = [*known, *(h for h in out if h is not ev and all(h is not n for n in near))]
            was_alive = self.alive.copy()
            chosen: list[NdcHypothesis] = []
            taken: list[NdcHypothesis] = []
            with ExitStack() as hidden:
                for h in (ev, *near):
                    hidden.enter_context(self._coda_hidden(h))
                    self.alive[np.asarray(h.members, dtype=np.int64)] = True
                built = [h for h in (self._built(i) for i in drivers) if h is not None]
            for h in sorted(built, key=self._rank):
                hit = self._rival_hits(h, ev, near, (*standing, *chosen))
                if hit is None:
                    continue
                # accepted as the search would, the codas of the events left standing in
                # place (their later phases are theirs, not a rival's P)
                with ExitStack() as hidden:
                    for x in (ev, *taken, *hit):
                        hidden.enter_context(self._coda_hidden(x))
                    p_h = self._p_members(h.members, h.phases)
                    ok = self._accept(h, float(np.sum(self._p_weights(h, p_h))))
                took = None if ok is None else self._rival_hits(ok, ev, near, (*standing, *chosen))
                if ok is not None and took is not None:
                    chosen.append(ok)
                    taken.extend(took)
                    self.alive[self._taken(ok)] = False
            if chosen:
                # the neighbours not taken stand: their detections are theirs again
                for n in near:
                    if all(n is not x for x in taken):
                        self.alive[np.asarray(n.members, dtype=np.int64)] = False
                # what is left of the event, built again from its remaining P
                with self._coda_hidden(ev):
                    for i in p_idx:
                        left = self._built(int(i)) if self.alive[i] else None
                        if left is not None and not self._duplicate(left, (*standing, *chosen)):
                            chosen.append(left)
                            self.alive[self._taken(left)] = False
            # each event pays for itself with the least it is made of (ndc_min_p_stations
            # detections): new events made of free detections are no gain, only detections
            # explained beyond that are (a chance combination of free detections is as
            # acceptable as an event, IMS-style set, seed 10: ev173's arrays' P with
            # ev174's ESDC, taken beside ev174's other stations, once that took ESDC); as
            # many: the event stands (the better fit of its rivals may be a chance
            # combination's: seed 2 ev55's four stations, SONM's P taken with three others'
            # noise and later phases)
            cost = cfg.ndc_min_p_stations
            n_old = sum(len(h.members) - cost for h in (ev, *taken))
            n_new = sum(len(h.members) - cost for h in chosen)
            better = bool(chosen) and n_new > n_old
            log.debug("ndc: event at %.1f s contested: %d rivals, %d hypotheses, %d taken "
                      "(%d detections against %d)", ev.t0, len(drivers), len(built),
                      len(chosen), n_new, n_old)  # fmt: skip
            if not better:
                self.alive[:] = was_alive
                continue
            log.debug("ndc: event at %.1f s and %d neighbours (%d detections) contested by "
                      "%d at %s s (%d)", ev.t0, len(taken), n_old, len(chosen),
                      ", ".join(f"{h.t0:.1f}" for h in chosen), n_new)  # fmt: skip
            gone = [ev, *taken]
            at = next(k for k, h in enumerate(out) if h is ev)
            out[at : at + 1] = chosen
            out[:] = [h for h in out if all(h is not g for g in gone)]
            self._record_codas((*known, *out))
        return out

    def _rival_hits(
        self, hyp: NdcHypothesis, ev: NdcHypothesis, near: Sequence[NdcHypothesis],
        standing: Sequence[NdcHypothesis],
    ) -> list[NdcHypothesis] | None:  # fmt: skip
        """The neighbours of contested event ``ev`` (among ``near``) whose place rival
        ``hyp`` takes, or ``None`` where :meth:`_contest` does not take it: it holds none of
        the event's detections, is the same event (:meth:`_variant`), holds a detection
        taken already, part of a neighbour or all of one farther than a duplicate, or is a
        duplicate of an event ``standing`` or of a neighbour it does not take."""
        held = set(hyp.members)
        hit = [n for n in near if held & set(n.members)]
        if (
            not held & set(ev.members)
            or self._variant(hyp, ev)
            or not all(self.alive[hyp.members])
            or not all(set(n.members) <= held and self._duplicate(hyp, (n,)) for n in hit)
            or self._duplicate(hyp, (*standing, *(n for n in near if all(n is not x for x in hit))))
        ):
            return None
        return hit

    def _variant(self, hyp: NdcHypothesis, ev: NdcHypothesis) -> bool:
        """Whether ``hyp`` holds P of accepted event ``ev`` at more than half its P sites:
        the same event explained otherwise, not another event (:meth:`_contest` leaves
        those to :meth:`_regrow`). Moved, such a rival made an event found a chance one
        with another event's later phases (IMS-style set, seed 2 ev55: KEST's, ESDC's and
        SONM's P with another event's pP at KMBO and a PKP at PPT, 1,000 km off); in place,
        a noise P at the closest station took the event's own there (seed 4 ev75)."""
        d = self.d
        p_ev = self._p_members(ev.members, ev.phases)
        mine = set(d.site[p_ev].tolist())
        held = set(d.site[np.intersect1d(self._p_members(hyp.members, hyp.phases), p_ev)].tolist())
        return 2 * len(held) > len(mine)

    def _contest_drivers(
        self, ev: NdcHypothesis, p_idx: IntArray, free: npt.NDArray[np.bool_]
    ) -> list[int]:
        """The rivals of accepted event ``ev`` (P detections ``p_idx``) for
        :meth:`_contest`: the P detections at its P sites ``free`` for it (no event's, or
        its neighbours') that could be one event with one of its P elsewhere (their times
        differ by no more than the P travel time between the two sites, plus
        ``p_tolerance``). Not elsewhere: rivals at every site within the travel-time span
        (with two of its P to fit) cost twice the association's time on the IMS-style set
        and found no event more (seed 10)."""
        d = self.d
        sites = np.unique(d.site[p_idx])
        if sites.size < 2:
            return []
        first = self._first_at_sites(p_idx)
        t_first = d.t[first]
        s_first = d.site[first]
        lo = int(np.searchsorted(d.t, float(t_first.min()) - self.dmax))
        hi = int(np.searchsorted(d.t, float(t_first.max()) + self.dmax, side="right"))
        j = lo + np.flatnonzero(free[lo:hi] & self.is_p[lo:hi] & np.isin(d.site[lo:hi], sites))
        j = j[~np.isin(j, ev.members)]
        if j.size == 0:
            return []
        at = d.site[j]
        dist, _, _ = distance_azimuth(d.site_lat[at][:, None], d.site_lon[at][:, None],
                                      d.site_lat[s_first][None, :],
                                      d.site_lon[s_first][None, :])  # fmt: skip
        dist = np.asarray(dist, float)
        tp, _ = self.src.p_time(dist.ravel(), 0.0)
        tp = np.asarray(tp, float).reshape(dist.shape)
        other = at[:, None] != s_first[None, :]
        fits = other & (np.abs(d.t[j][:, None] - t_first[None, :]) <= tp + self.cfg.p_tolerance)
        return [int(x) for x in j[fits.any(axis=1)]]

    def _hypothesis(self, i: int, score: float, k: int, o: float) -> NdcHypothesis | None:
        """The hypothesis of driver ``i`` whose best node ``k`` (origin time ``o``) scored
        ``score``, or ``None``."""
        cfg, n = self.cfg, self.nodes
        hyp = self._build(i, float(n.latitude[k]), float(n.longitude[k]),
                          float(n.depth[k]), o, float(n.half_cell[k]))  # fmt: skip
        if score < cfg.ndc_min_defining or hyp is None or self._grown_small(hyp):
            # a small event, or one whose best node failed (chance detections may score
            # more there than the event's data at its own node), or scored as a large one
            # but grown into a small one (the node counted data the event did not keep: a
            # far array's P, dropped, left KEST's and two arrays' P placed 500 km off,
            # IMS-style set, seed 8 ev44): with few data other nodes may explain the
            # driver as well or better (or where the first failed); of those accepted, the
            # one that explains most detections (an S-P time at the closest station
            # places a small event), then the one that fits them best (_misfit_of)
            tried = [hyp] + [
                self._build(i, float(n.latitude[k2]), float(n.longitude[k2]),
                            float(n.depth[k2]), o2, float(n.half_cell[k2]))
                for _, k2, o2 in self.candidates(i, _SMALL_TRIES, every=True)
                if k2 != k
            ]  # fmt: skip
            # a small event's driver has rivals: another detection at its site close
            # enough to be the node's P instead (a noise detection just before the
            # event's P) drives its own hypotheses, and the better explanation is kept
            tried += [
                self._build(j, float(n.latitude[k2]), float(n.longitude[k2]),
                            float(n.depth[k2]), o2, float(n.half_cell[k2]))
                for j in (self._rivals(i, k) if score < cfg.ndc_min_defining else ())
                for _, k2, o2 in self.candidates(j, _SMALL_TRIES)
            ]  # fmt: skip
            ok = [h for h in tried if h is not None]
            hyp = min(ok, key=self._rank, default=None)
        return hyp

    def _grown_small(self, hyp: NdcHypothesis) -> bool:
        """Whether accepted ``hyp`` has fewer defining P data (:meth:`_p_weights`) than
        ``ndc_min_defining``: a small event, however its node scored."""
        p_idx = self._p_members(hyp.members, hyp.phases)
        return float(np.sum(self._p_weights(hyp, p_idx))) < self.cfg.ndc_min_defining

    def _rivals(self, drv: int, node: int) -> list[int]:
        """Alive P detections at the site of driver ``drv`` that node ``node`` could take
        for its P as well: within the node's allowance of the driver (``p_tolerance`` plus
        ``CELL_FACTOR`` x half cell x slowness)."""
        d, n = self.d, self.nodes
        site = d.site[drv]
        w = self.cfg.p_tolerance + CELL_FACTOR * float(n.half_cell[node] * n.slow[node, site])
        lo = int(np.searchsorted(d.t, d.t[drv] - w))
        hi = int(np.searchsorted(d.t, d.t[drv] + w, side="right"))
        j = lo + np.flatnonzero((d.site[lo:hi] == site) & self.alive[lo:hi] & self.is_p[lo:hi])
        return [int(x) for x in j if x != drv]

    def _depth_phase_detections(self, hyp: NdcHypothesis) -> IntArray:
        """Alive P-type detections at teleseismic sites that fit the pP or sP of ``hyp``
        (deeper than 15 km) within ``later_tolerance``, from its direction where an
        azimuth is measured: at arrays they have the P's azimuth and nearly its slowness,
        and three of them made a false event."""
        none = np.zeros(0, dtype=np.int64)
        if hyp.depth < 15.0:
            return none
        d, tol = self.d, self.cfg.later_tolerance
        lo = int(np.searchsorted(d.t, hyp.t0))
        hi = int(np.searchsorted(d.t, hyp.t0 + self.cfg.ndc_max_travel_time + 300.0))
        idx = lo + np.flatnonzero(self.alive[lo:hi] & self.p_or_later[lo:hi])
        if idx.size == 0:
            return none
        s = d.site[idx]
        dist, _, baz = distance_azimuth(hyp.latitude, hyp.longitude, d.site_lat[s], d.site_lon[s])
        dist = np.atleast_1d(np.asarray(dist, float))
        baz = np.atleast_1d(np.asarray(baz, float))
        b = self.baz[idx]
        ok = (dist >= _DEPTH_PHASE_MIN_DISTANCE) & ~(
            np.isfinite(b) & (_angle(b, baz) > self.btol[idx])
        )
        fit = np.zeros(idx.size, dtype=np.bool_)
        for ph in ("pP", "sP"):
            try:
                t, _, _ = self.source.derivatives(ph, dist, np.full(dist.shape, hyp.depth))
            except ConfigError:
                continue  # a phase this model lacks
            fit |= np.abs(d.t[idx] - hyp.t0 - np.asarray(t, float)) <= tol
        return idx[ok & fit]

    def _build(
        self, drv: int, lat: float, lon: float, depth: float, t0: float, half: float
    ) -> NdcHypothesis | None:
        """Grow the hypothesis of driver ``drv`` from its best node; where that node is
        deep, also from the surface node above it (P times alone trade depth against
        origin time) and keep the one with more defining data, the shallower on a tie."""
        grown = self._grow(drv, lat, lon, depth, t0, half)
        if depth > 0.0:
            alt = self._grow(drv, lat, lon, 0.0, self._driver_origin(drv, lat, lon, 0.0), half)
            if alt is not None and (grown is None or alt[1] >= grown[1]):
                grown = alt
        if grown is None:
            return None
        hyp = self._accept(*grown)
        if hyp is None:
            # one detection that does not belong (a noise detection fitting the P times by
            # chance, gathered in place of the event's own): the hypothesis again without it,
            # where it keeps the other P detections (else it is another hypothesis)
            out = self._outlier(grown[0])
            if out is not None and out != drv:
                self.alive[out] = False
                try:
                    again = self._grow(drv, lat, lon, depth, t0, half)
                finally:
                    self.alive[out] = True
                kept = set(self._p_members(grown[0].members, grown[0].phases).tolist()) - {out}
                if again is not None and kept <= set(again[0].members):
                    hyp = self._accept(*again)
        if hyp is None and self._depth_in_doubt(grown[0]):
            hyp = self._at_other_depths(drv, lat, lon, half, grown[0])
        elif hyp is not None and self._depth_in_question(hyp):
            # accepted deep, where depth trades for distance at a close station and no depth
            # phase tells: the other depths too, and the one that fits its data best (times
            # and station magnitudes) keeping all of its P (regional station magnitudes
            # scatter too much to reject the wrong depth as they did: IMS-style set, seed 4
            # ev53, placed 150 km deep and 1.3 deg off by a node at the lattice's edge)
            other = self._at_other_depths(drv, lat, lon, half, hyp)
            own = set(self._p_members(hyp.members, hyp.phases).tolist())
            if (other is not None and own <= set(other.members)
                    and self._misfit_of(other) < self._misfit_of(hyp)):  # fmt: skip
                hyp = other
        if hyp is not None:
            hyp = self._at_the_surface(drv, hyp, half) or hyp
        return hyp

    def _at_the_surface(self, drv: int, hyp: NdcHypothesis, half: float) -> NdcHypothesis | None:
        """The accepted surface hypothesis with as many defining P data (:meth:`_p_weights`)
        as the accepted ``hyp`` of driver ``drv``, where ``hyp`` is deeper than
        ``ndc_small_max_free_depth`` with a depth its data do not support
        (:meth:`_depth_supported`: no depth phase, no P station within twice its depth);
        else ``None``. P times alone trade depth against origin time and distance, and the
        surface node above the search's deep node may not find the P again (the epicentre
        moves with the depth: the ISC's readings of the 2002-05-01 M 3.8 in Tunisia, P at
        eight stations 13-85 deg away, were placed 150 km deep, 152 km off and 11 s late);
        so the surface epicentre is refined from the hypothesis's own P (within the
        distance the depth trades for) and the hypothesis grown there. As the IDC fixes a
        depth its data do not resolve at the surface, a deep solution must explain more
        than the surface one. Only the depth of an accepted hypothesis is so questioned: a
        rejected deep one does not become an event here."""
        p_idx = self._p_members(hyp.members, hyp.phases)
        if self._depth_supported(hyp, p_idx):
            return None
        reach = max(half, hyp.depth / DEG_KM)
        lat, lon, t0 = self.refine(hyp.latitude, hyp.longitude, 0.0, p_idx, reach, True)
        grown = self._grow(drv, lat, lon, 0.0, t0, half, True)
        alt = self._accept(*grown) if grown is not None else None
        if alt is None:
            return None
        n_alt = float(np.sum(self._p_weights(alt, self._p_members(alt.members, alt.phases))))
        return alt if n_alt >= float(np.sum(self._p_weights(hyp, p_idx))) else None

    def _depth_in_question(self, hyp: NdcHypothesis) -> bool:
        """Whether an accepted hypothesis's depth is one its data cannot tell from another:
        deeper than ``ndc_small_max_free_depth``, no depth phase among its members, at most
        ``ndc_spread_max_stations`` P stations (whose station magnitudes' spread is asked),
        one of them within ``_CLOSE_DISTANCE`` (where P times trade depth against distance),
        and amplitudes to judge the alternatives (:meth:`_misfit_of`)."""
        if hyp.depth <= self.cfg.ndc_small_max_free_depth:
            return False
        if any(ph in ("pP", "sP") for ph in hyp.phases):
            return False
        p_idx = self._p_members(hyp.members, hyp.phases)
        if self._n_p_sites(hyp) > self.cfg.ndc_spread_max_stations:
            return False
        if not self._close_station(hyp, p_idx):
            return False
        return self._amplitude_evidence(hyp, p_idx) is not None

    def _driver_origin(self, drv: int, lat: float, lon: float, depth: float) -> float:
        """Origin time [s] that puts driver ``drv``'s P on the first P from (lat, lon,
        ``depth``)."""
        tp, _, _, _ = self._p_times(lat, lon, depth, np.array([drv], dtype=np.int64))
        return float(self.d.t[drv] - tp[0])

    def _depth_in_doubt(self, hyp: NdcHypothesis) -> bool:
        """Whether a failed hypothesis's depth may be what failed it: its amplitudes
        disagree (the station magnitudes or the silences) and one of its P stations is
        within ``_CLOSE_DISTANCE``, where P times trade depth against distance (a 122-km
        event 0.8 deg from a station gives the P time of a surface one 1.3 deg away, and
        the teleseismic P times fit both), while the station's magnitude (Q depends on both)
        tells them apart."""
        p_idx = self._p_members(hyp.members, hyp.phases)
        if not self._close_station(hyp, p_idx):
            return False
        ev = self._amplitude_evidence(hyp, p_idx)
        return ev is not None and not ev.consistent

    def _close_station(self, hyp: NdcHypothesis, p_idx: IntArray) -> bool:
        """Whether one of the P detections ``p_idx`` of ``hyp`` is at a site within
        ``_CLOSE_DISTANCE`` of it."""
        if p_idx.size == 0:
            return False
        _, _, _, dist = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        return float(np.min(dist)) <= _CLOSE_DISTANCE

    def _at_other_depths(
        self, drv: int, lat: float, lon: float, half: float, failed: NdcHypothesis
    ) -> NdcHypothesis | None:
        """The hypothesis of driver ``drv`` grown from the node (lat, lon) at each other
        depth (the depth levels and the depths tried for depth phases,
        ``ndc_depth_phase_depths``: 5-25 km apart; the levels alone are 35-150 km apart),
        its epicentre refined at that depth (:meth:`_grow` with ``fixed_depth``), and grown
        again from where the failed hypothesis's own P detections place it at that depth
        (within the distance the change of depth trades for: the node's gather at that
        depth may miss them all); of those
        accepted, the one that keeps most of the failed hypothesis's P detections, then the
        one that fits best, the station magnitudes' spread included (:meth:`_misfit_of`;
        not the one that gathers most detections: at some depths noise detections at other
        sites fit too)."""
        own_idx = self._p_members(failed.members, failed.phases)
        own = set(own_idx.tolist())
        ok = []
        for h in sorted({*self.levels, *(float(x) for x in self.phase_depths)}):
            if h == failed.depth:
                continue
            grown = self._grow(drv, lat, lon, h, self._driver_origin(drv, lat, lon, h), half, True)
            if grown is not None and (acc := self._accept(*grown)) is not None:
                ok.append(acc)
            # also from the failed hypothesis's own P: its epicentre at this depth, as far
            # from its place as the change of depth trades for distance at the close
            # station (a node at the lattice's edge fitted a three-station event 2.2 deg from
            # KEST only 150 km deep, 1.3 deg from it: IMS-style set, seed 4 ev53)
            reach = max(half, abs(failed.depth - h) / DEG_KM)
            la, lo, t0 = self.refine(failed.latitude, failed.longitude, h, own_idx, reach, True)
            grown = self._grow(drv, la, lo, h, t0, half, True)
            if grown is not None and (acc := self._accept(*grown)) is not None:
                ok.append(acc)
        return (
            min(ok, key=lambda h: (-len(own & set(h.members)), self._misfit_of(h))) if ok else None
        )

    def _fit_residuals(
        self, x: FloatArray, depth: float, idx: IntArray,
        sigma: tuple[FloatArray, FloatArray, FloatArray],
        s_times: tuple[IntArray, npt.NDArray[np.bool_], FloatArray] | None = None,
        defining_only: bool = False,
    ) -> FloatArray:  # fmt: skip
        """Residuals of the P data ``idx`` over their ``sigma`` (times, then the measured
        back-azimuths, then the measured slownesses) at trial origins ``x`` (rows of
        latitude, longitude [deg] and origin time [s]): (rows, data); 1e3 off the
        travel-time table (no P there: far from any fit). ``s_times``: S-type detections,
        whether each is an Lg, and their sigmas, whose time residuals follow the P
        times'. Every measured back-azimuth counts (``baz_loc``), the defining ones only
        (``baz``) with ``defining_only``."""
        d = self.d
        ts, bs, ss = sigma
        b, sl = (self.baz if defining_only else self.baz_loc)[idx], self.slow[idx]
        ok_b, ok_s = np.isfinite(b), np.isfinite(sl)
        lat = np.clip(x[:, 0], -90.0, 90.0)
        t, p, baz = self._predicted(lat, x[:, 1], depth, idx)
        parts = [(d.t[idx][None, :] - x[:, 2][:, None] - t) / ts]
        if s_times is not None:
            s_idx, lg, s_sig = s_times
            t_s = self._s_predicted(lat, x[:, 1], depth, s_idx, lg)
            parts.append((d.t[s_idx][None, :] - x[:, 2][:, None] - t_s) / s_sig)
        db = (b[ok_b][None, :] - baz[:, ok_b] + 180.0) % 360.0 - 180.0
        parts += [db / bs[ok_b], (sl[ok_s][None, :] - p[:, ok_s]) / ss[ok_s]]
        return np.asarray(np.nan_to_num(np.concatenate(parts, axis=1), nan=1e3), float)

    def _s_predicted(
        self, lat: FloatArray, lon: FloatArray, depth: float, s_idx: IntArray,
        lg: npt.NDArray[np.bool_],
    ) -> FloatArray:  # fmt: skip
        """S-type travel times [s] at the sites of ``s_idx`` from trial epicentres (1-D
        ``lat``, ``lon`` [deg]): Lg (where ``lg``) or the first S; (trials, detections), NaN
        beyond ``_REGIONAL_DISTANCE``."""
        d = self.d
        s = d.site[s_idx]
        dist, _, _ = distance_azimuth(lat[:, None], lon[:, None], d.site_lat[s][None, :],
                                      d.site_lon[s][None, :])  # fmt: skip
        dist = np.asarray(dist, float).reshape(lat.size, s.size)
        t, _, _ = self._first_s(dist.ravel(), depth)
        t = t.reshape(dist.shape)
        if lg.any():
            t_lg, _, _ = self.source.derivatives("Lg", dist[:, lg].ravel(), depth)
            t[:, lg] = np.asarray(t_lg, float).reshape(lat.size, int(lg.sum()))
        return np.asarray(np.where(dist <= _REGIONAL_DISTANCE, t, np.nan), float)

    def _fit(
        self, lat: float, lon: float, t0: float, depth: float, idx: IntArray,
        sigma: tuple[FloatArray, FloatArray, FloatArray], loss: str,
        box: tuple[FloatArray, FloatArray] | None = None,
        s_times: tuple[IntArray, npt.NDArray[np.bool_], FloatArray] | None = None,
        defining_only: bool = False,
    ) -> tuple[float, float, float, float]:  # fmt: skip
        """Epicentre [deg] and origin time [s] of the P data ``idx`` at the least sum of
        ``loss`` over their residuals (:meth:`_fit_residuals`): 'linear' (r^2, the
        chi-square) or 'cauchy' (log(1 + r^2), scipy's robust losses), depth fixed, from
        (``lat``, ``lon``, ``t0``) within ``box`` (lower, upper bounds of the three), and
        that sum; with ``s_times`` (:meth:`_fit_residuals`) S times too, with ``defining_only``
        the defining back-azimuths alone.
        Levenberg-Marquardt on iteratively reweighted least squares, the derivatives by
        finite differences evaluated together (one call per iteration); tested against
        scipy's ``least_squares``, which is ~10 times slower here."""
        h = 1e-4
        ts = sigma[0] if s_times is None else np.concatenate([sigma[0], s_times[2]])
        rho = (lambda z: z) if loss == "linear" else np.log1p
        lo = np.array([-90.0, -np.inf, -np.inf]) if box is None else box[0]
        hi = np.array([90.0, np.inf, np.inf]) if box is None else box[1]
        x = np.clip(np.array([lat, lon, t0], float), lo, hi)
        n_t = ts.size
        step = np.array([[0.0, 0.0, 0.0], [h, 0.0, 0.0], [0.0, h, 0.0]])
        rows = self._fit_residuals(x[None, :] + step, depth, idx, sigma, s_times, defining_only)
        cost = float(np.sum(rho(rows[0] ** 2)))
        lam = 1e-3
        for _ in range(30):
            r = rows[0]
            jac = np.empty((r.size, 3))
            jac[:, :2] = ((rows[1:] - r) / h).T
            jac[:, 2] = 0.0
            jac[:n_t, 2] = -1.0 / ts
            w = np.ones_like(r) if loss == "linear" else 1.0 / (1.0 + r**2)
            a = jac.T @ (w[:, None] * jac)
            g = jac.T @ (w * r)
            # at a bound, a parameter the descent would push out of the box stays there
            free = ~(((x <= lo) & (g > 0.0)) | ((x >= hi) & (g < 0.0)))
            af = a[np.ix_(free, free)]
            moved = False
            while lam < 1e8:
                dx = np.zeros(3)
                dx[free] = np.linalg.solve(af + lam * np.diag(np.diag(af) + 1e-12), -g[free])
                x_new = np.clip(x + dx, lo, hi)
                new_rows = self._fit_residuals(
                    x_new[None, :] + step, depth, idx, sigma, s_times, defining_only
                )
                new_cost = float(np.sum(rho(new_rows[0] ** 2)))
                if new_cost < cost:
                    moved = bool(np.any(np.abs(x_new - x) > np.array([1e-3, 1e-3, 1e-2])))
                    x, rows, cost = x_new, new_rows, new_cost
                    lam = max(lam / 3.0, 1e-9)
                    break
                lam *= 4.0
            if not moved:
                break
        return float(x[0]), (float(x[1]) + 180.0) % 360.0 - 180.0, float(x[2]), cost

    def _outlier(self, hyp: NdcHypothesis) -> int | None:
        """The P detection of a rejected hypothesis that spoils it most: the station
        magnitude farthest from the event's where its amplitudes disagree (the spread test
        of :func:`~openndc.association.evidence.small_event_evidence`), else the largest
        time residual over its uncertainty where the P times do not fit them
        (:meth:`_fits_within_errors`); ``None`` where neither test fails."""
        d = self.d
        p_idx = self._p_members(hyp.members, hyp.phases)
        ev = self._amplitude_evidence(hyp, p_idx)
        if ev is not None and not ev.consistent:
            first = self._first_at_sites(p_idx)
            _, _, _, dist = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, first)
            mb = station_mb(d.log_at[first], dist, hyp.depth)
            if np.isfinite(mb).any():
                return int(first[int(np.nanargmax(np.abs(mb - ev.magnitude)))])
        if p_idx.size and not self._fits_within_errors(hyp, p_idx):
            t, _, _, _ = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
            r = np.abs(d.t[p_idx] - hyp.t0 - t) / self._time_sigma(p_idx)
            return int(p_idx[int(np.argmax(r))])
        return None

    def _first_at_sites(self, p_idx: IntArray) -> IntArray:
        """The first of the detections ``p_idx`` at each of their sites, in time order."""
        d = self.d
        p_idx = p_idx[np.argsort(d.t[p_idx], kind="stable")]
        return p_idx[np.sort(np.unique(d.site[p_idx], return_index=True)[1])]

    def _time_sigma(self, p_idx: IntArray) -> FloatArray:
        """P time uncertainty [s] of detections ``p_idx``: the detection's (``p_tolerance``
        / 2 where none) and ``p_tolerance`` / 4 for the model."""
        tol = self.cfg.p_tolerance
        return np.asarray(np.hypot(np.nan_to_num(self.d.tsig[p_idx], nan=tol / 2), tol / 4), float)

    def _grow(
        self, drv: int, lat: float, lon: float, depth: float, t0: float, half: float,
        fixed_depth: bool = False,
    ) -> tuple[NdcHypothesis, float] | None:  # fmt: skip
        """Gather, refine the epicentre and the depth (with ``fixed_depth`` the epicentre
        only), gather again (twice; three times where the depth phases set the depth)."""
        members, phases, n_data = self.gather(lat, lon, depth, t0, cell=half)
        if drv not in members:
            members.append(drv)
            phases.append("P")
        rounds, by_phases = 0, False
        while rounds < 2 or (by_phases and rounds < 3):
            # a third round where the depth phases set the depth: the gathers at the node's
            # depth may have taken a pP for the P
            rounds += 1
            p_idx = self._p_members(members, phases)
            if p_idx.size < 2:
                return None
            # from the node (the first round), also a local fit: refine's `fit`
            lat, lon, t0 = self.refine(lat, lon, depth, p_idx, max(half, 0.1), rounds == 1)
            if fixed_depth:
                members, phases, n_data = self.gather(lat, lon, depth, t0)
                half = max(half / 4.0, 0.05)
                continue
            # depth among the table depths for the refined epicentre: the shallowest whose
            # misfit is within 1 of the best (most events are shallow; a deep node must earn
            # it)
            fits = [self._misfit(lat, lon, h, p_idx) for h in self.levels]
            mis = [m - self._depth_phases(lat, lon, h, o, members)
                   for h, (m, o) in zip(self.levels, fits, strict=True)]  # fmt: skip
            k = next(k for k, m in enumerate(mis) if m <= min(mis) + 1.0)
            depth, t0 = self.levels[k], fits[k][1]
            phase_depth = self._depth_from_phases(lat, lon, p_idx, members)
            by_phases = False
            if phase_depth is not None:
                # the depth the pP/sP delays call for, unless the P times contradict it
                m_h, o_h = self._misfit(lat, lon, phase_depth[0], p_idx)
                if m_h - phase_depth[1] <= min(mis) + 1.0:
                    by_phases = True
                    depth, t0 = phase_depth[0], o_h
                    if phase_depth[2]:
                        # the P before a depth phase taken for it: refine from those P
                        swap = phase_depth[2]
                        p_new = np.array([swap.get(int(j), int(j)) for j in p_idx])
                        lat, lon, t0 = self.refine(lat, lon, depth, p_new, max(half, 0.1))
            members, phases, n_data = self.gather(lat, lon, depth, t0)
            half = max(half / 4.0, 0.05)
        return NdcHypothesis(t0, lat, lon, depth, members, phases), n_data

    def _depth_from_phases(
        self, lat: float, lon: float, p_idx: IntArray, members: list[int]
    ) -> tuple[float, float, dict[int, int]] | None:
        """The depth [km] of ``ndc_depth_phase_depths`` whose pP / sP delays after P best
        fit the free detections around the P detections ``p_idx`` at teleseismic sites of
        the epicentre (lat, lon), the number of sites they fit, and the P detections that
        are the depth phase of an earlier free detection at their site (taken for the P:
        member -> the earlier one); ``None`` when fewer than two sites fit or chance
        explains them.

        Delays after the observed P do not depend on the origin time (which P times alone
        trade against depth), and the path's error mostly cancels in them. A site fits when
        a free detection lies within half ``later_tolerance`` of its predicted pP or sP
        delay. Chance: each site has its own rate of detections (the larger of its rate
        over the input and that around this P, the fitting detection left out); the number
        of fitting sites must be improbable (Poisson tail) below ``_DEPTH_PHASE_FAP`` times
        the number of distinct delays the depths tried (their span over the window)."""
        grid = self.phase_depths
        if grid.size == 0 or p_idx.size < 2:
            return None
        d, tol = self.d, 0.5 * self.cfg.later_tolerance  # a delay: the origin time cancels
        s = d.site[p_idx]
        dist, _, _ = distance_azimuth(lat, lon, d.site_lat[s], d.site_lon[s])
        dist = np.atleast_1d(np.asarray(dist, float))
        far = dist >= _DEPTH_PHASE_MIN_DISTANCE
        if int(far.sum()) < 2:
            return None
        s, t_p, dist, mem = s[far], d.t[p_idx][far], dist[far], p_idx[far]
        w = float(self._depth_delay_max) + tol
        after, before = self._free_around(s, t_p, members, w)
        if sum(1 for a, b in zip(after, before, strict=True) if a.size or b.size) < 2:
            return None
        res_a = np.full((s.size, grid.size), np.inf)  # a detection after P as the phase
        res_b = np.full((s.size, grid.size), np.inf)  # the taken "P" as the phase
        arg_b = np.full((s.size, grid.size), -1, dtype=np.int64)
        n_win = np.zeros((s.size, grid.size))
        delays, span = self._depth_delays(dist, grid)
        for delay in delays:
            ok = np.isfinite(delay)
            n_win += ok
            for k in range(s.size):
                if after[k].size:
                    obs = d.t[after[k]] - t_p[k]
                    r = np.min(np.abs(obs[:, None] - delay[k][None, :]), axis=0)
                    res_a[k] = np.fmin(res_a[k], np.where(ok[k], r, np.inf))
                if before[k].size:
                    rr = np.abs((t_p[k] - d.t[before[k]])[:, None] - delay[k][None, :])
                    r = np.where(ok[k], np.min(rr, axis=0), np.inf)
                    better = r < res_b[k]
                    res_b[k] = np.where(better, r, res_b[k])
                    arg_b[k] = np.where(better, before[k][np.argmin(rr, axis=0)], arg_b[k])
        res = np.fmin(res_a, res_b)
        hit = res <= tol
        n = hit.sum(axis=0)
        top = int(n.max())
        if top < 2:
            return None
        cand = np.flatnonzero(n == top)
        best = int(cand[np.argmin(np.where(hit[:, cand], res[:, cand], 0.0).sum(axis=0))])
        # the rate around this P: the detections after and before it that were looked at
        rate = np.array([max(self.site_rate[s[k]],
                             (after[k].size + before[k].size - hit[k, best]) / (2.0 * w))
                         for k in range(s.size)])  # fmt: skip
        chance = float(np.sum(1.0 - np.exp(-rate * n_win[:, best] * 2.0 * tol)))
        fap = max(1.0, span / (2.0 * tol)) * _poisson_tail(top, chance)
        log.debug("ndc: depth phases at %d sites fit %.0f km (chance %.3g)", top, grid[best], fap)
        if fap >= _DEPTH_PHASE_FAP:
            return None
        swaps = {int(mem[k]): int(arg_b[k, best]) for k in range(s.size)
                 if hit[k, best] and res_b[k, best] < res_a[k, best]}  # fmt: skip
        return float(grid[best]), float(top), swaps

    def _free_around(
        self, sites: IntArray, t_p: FloatArray, members: list[int], w: float
    ) -> tuple[list[IntArray], list[IntArray]]:
        """Free P-type / later-phase detections (alive, not ``members``) at each of
        ``sites`` within ``w`` [s] after and before its P time ``t_p`` (1 s apart)."""
        d = self.d
        taken = np.zeros(len(d.t), dtype=np.bool_)
        taken[np.asarray(members, dtype=np.int64)] = True
        free = self.alive & ~taken & self.p_or_later
        after: list[IntArray] = []
        before: list[IntArray] = []
        for k in range(sites.size):
            for a, b, out in ((1.0, w, after), (-w, -1.0, before)):
                lo = int(np.searchsorted(d.t, t_p[k] + a))
                hi = int(np.searchsorted(d.t, t_p[k] + b, side="right"))
                out.append(lo + np.flatnonzero((d.site[lo:hi] == sites[k]) & free[lo:hi]))
        return after, before

    def _depth_delays(self, dist: FloatArray, grid: FloatArray) -> tuple[list[FloatArray], float]:
        """Delays [s] of pP and sP after the first P (P or PKP), sites ``dist`` [deg] x
        depths ``grid`` [km] (NaN where the model has none), and the largest span of one
        phase's delays over them."""
        dd = np.repeat(dist, grid.size)
        hh = np.tile(grid, dist.size)
        first = np.full(dd.shape, np.inf)
        for ph in ("P", "PKP"):
            try:
                t, _, _ = self.source.derivatives(ph, dd, hh)
            except ConfigError:
                continue  # a phase this model lacks
            first = np.fmin(first, np.where(np.isfinite(t), np.asarray(t, float), np.inf))
        out: list[FloatArray] = []
        span = 0.0
        for ph in ("pP", "sP"):
            try:
                t, _, _ = self.source.derivatives(ph, dd, hh)
            except ConfigError:
                continue  # a phase this model lacks
            delay = (np.asarray(t, float) - first).reshape(dist.size, grid.size)
            if np.isfinite(delay).any():
                span = max(span, float(np.nanmax(delay) - np.nanmin(delay)))
            out.append(delay)
        return out, span

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
        if int(far.sum()) < 2:
            return 0.0  # hits count from two sites on (below)
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

    def _site_mb(
        self, lat: float, lon: float, depth: float, node: int | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Distances [deg] from (lat, lon) to every site and the sites' threshold magnitudes
        (:func:`station_mb` of ``threshold``) for an event at ``depth`` there; kept per
        search ``node`` when one is named (the small-event search asks the same nodes again
        and again)."""
        got = self._node_sites.get(node) if node is not None else None
        if got is None:
            d = self.d
            dist, _, _ = distance_azimuth(lat, lon, d.site_lat, d.site_lon)
            dist = np.atleast_1d(np.asarray(dist, float))
            got = (dist, station_mb(self.threshold, dist, depth))
            if node is not None:
                self._node_sites[node] = got
        return got

    def _sensitive_sites(
        self, lat: float, lon: float, depth: float, idx: IntArray, node: int | None = None
    ) -> set[int] | None:
        """PyOcto's distance criterion weighed by sensitivity, per station, for a small
        hypothesis at (lat, lon, depth) with P detections ``idx``: the detecting sites it
        keeps. A station detects an event above its threshold magnitude (its threshold
        log10(A/T) + Q at its distance), so an event seen by a station of threshold ``t`` is
        seen by those at least as sensitive: a detecting site is kept where the detecting
        sites of threshold magnitude at most its own are ``ndc_min_detecting_fraction`` of
        them and the silent operating sites within 100 deg as sensitive; the others' P are
        not the event's (PyOcto's ``min_pick_fraction``: "if for a station, less than this
        fraction of closer stations have at least one pick, the station picks are
        discarded"). A station seen with a station magnitude well above its threshold
        magnitude by chance, far away, is so discarded, not the event (before, the least
        sensitive detecting site's test decided for the whole hypothesis). A site beyond the mb
        table's 100 deg is weighed at a lower bound of its threshold magnitude
        (:func:`threshold_mb_beyond`: as P at 100 deg, or in the PKP caustic at 142-152 deg as
        mantle P at its best); sites without one (no amplitude) are kept. :meth:`_nearest_sites`
        counts every P-detecting site alike, however noisy, and drops a quiet distant
        array's P while noisier closer sites are silent; this one does not, and still drops
        noise detections at noisy distant sites while as sensitive ones are silent. A site
        the count drops is kept where a later phase of the event there corroborates its P
        (:meth:`_corroborated`), and with it the detecting sites as sensitive as it: the
        event reached that site's threshold.
        ``None`` (no verdict): amplitude evidence off, or fewer than
        ``_EVIDENCE_MIN_STATIONS`` detecting sites with a threshold magnitude (one or two
        cannot tell; PKP beyond 100 deg has none)."""
        if not self.cfg.ndc_amplitude_evidence:
            return None
        d = self.d
        det_sites = np.unique(d.site[idx])
        dist_all, t_all = self._site_mb(lat, lon, depth, node)
        dist, t_det = dist_all[det_sites], t_all[det_sites]
        with_amp = np.isin(det_sites, d.site[idx[np.isfinite(d.log_at[idx])]])
        ok = np.isfinite(t_det) & (dist <= 100.0) & with_amp
        if int(ok.sum()) < _EVIDENCE_MIN_STATIONS:
            return None
        # a site beyond the mb table is judged at a bound of its threshold magnitude (a
        # noise P at 109 deg held a three-array M 3.4 event 355 km off: IMS-style set)
        beyond = threshold_mb_beyond(self.threshold[det_sites], dist, depth)
        far = np.isfinite(beyond) & with_amp
        t_det = np.where(far, beyond, t_det)
        ok |= far
        cand = np.flatnonzero(self.p_site & np.isfinite(self.threshold)
                              & self._operating(float(np.min(d.t[idx]))))  # fmt: skip
        cand = cand[~np.isin(cand, det_sites)]
        t_c = t_all[cand][dist_all[cand] <= 100.0]
        t_ok = t_det[ok]
        n_det = np.sum(t_ok[None, :] <= t_ok[:, None], axis=1)
        n_silent = np.sum(t_c[None, :] <= t_ok[:, None], axis=1)
        keep = n_det >= self.cfg.ndc_min_detecting_fraction * (n_det + n_silent)
        if not keep.all():
            # a dropped site that recorded the event after all; so did, then, the detecting
            # sites at least as sensitive as it
            gone = np.flatnonzero(~keep)
            kept_sites = np.append(det_sites[~ok], det_sites[ok][keep])
            sure = gone[self._recorded(lat, lon, depth, det_sites[ok][gone], idx, kept_sites)]
            if sure.size:
                keep |= t_ok <= float(t_ok[sure].max())
        return {int(x) for x in det_sites[~ok]} | {int(x) for x in det_sites[ok][keep]}

    def _recorded(
        self, lat: float, lon: float, depth: float, sites: IntArray, idx: IntArray,
        kept: IntArray,
    ) -> npt.NDArray[np.bool_]:  # fmt: skip
        """Whether each of ``sites``, whose P (among ``idx``) a consistency count drops,
        recorded the event at (lat, lon, depth) after all: a later phase there corroborates
        its P (:meth:`_corroborated`), or the ``kept`` sites predict it closer than its noise
        fits by chance (:meth:`_predicted_by_others`)."""
        out = self._corroborated(lat, lon, depth, sites, idx)
        rest = np.flatnonzero(~out)
        if rest.size:
            out[rest] = self._predicted_by_others(lat, lon, depth, sites[rest], idx, kept)
        return out

    def _corroborated(
        self, lat: float, lon: float, depth: float, sites: IntArray, idx: IntArray
    ) -> npt.NDArray[np.bool_]:
        """Whether each of ``sites`` (whose P, among ``idx``, the sensitivity test drops) also
        recorded a later phase of the event at (lat, lon, depth): an alive detection other
        than ``idx`` at the site, the closest there to one of ``later_phases`` (its delay
        after the site's P) within ``later_tolerance``, its slowness and back-azimuth (where
        measured) fitting. A noise detection at a distant station fits an event's P by
        chance; that a second one fits its PcP or pP at that station too, in time, direction
        and slowness, chance rarely explains: the station recorded the event (an upward
        scatter of its amplitudes)."""
        d, cfg = self.d, self.cfg
        out = np.zeros(sites.size, dtype=np.bool_)
        if sites.size == 0 or not cfg.later_phases:
            return out
        dist, _, baz = distance_azimuth(lat, lon, d.site_lat[sites], d.site_lon[sites])
        dist = np.atleast_1d(np.asarray(dist, float))
        baz = np.atleast_1d(np.asarray(baz, float))
        tol = cfg.later_tolerance
        # each phase's time from the site's P (its delay after P changes slowly with the
        # place: a node a cell off predicts it as well as the hypothesis)
        tp, _ = self.src.p_time(dist, depth)
        later = self._later_times(dist, depth)
        delay = np.array([tt - tp for tt, _ in later.values()])  # phase x site [s]
        slow = np.array([pp for _, pp in later.values()])
        delay[~(delay > tol)] = np.nan  # (a pP of a shallow source is the P itself)
        for k in np.flatnonzero(np.isfinite(delay).any(axis=0)):
            at_site = idx[d.site[idx] == sites[k]]
            t_p = float(d.t[at_site].min())
            lo = int(np.searchsorted(d.t, t_p + np.nanmin(delay[:, k]) - tol))
            hi = int(np.searchsorted(d.t, t_p + np.nanmax(delay[:, k]) + tol, side="right"))
            j = lo + np.flatnonzero((d.site[lo:hi] == sites[k]) & self.alive[lo:hi])
            j = j[~np.isin(j, at_site)]
            if j.size == 0:
                continue
            b = self.baz[j]
            b_ok = ~(np.isfinite(b) & (_angle(b, np.full(j.size, baz[k])) > self.btol[j]))
            for ph, dl, sl in zip(later, delay[:, k], slow[:, k], strict=True):
                if not np.isfinite(dl):
                    continue
                at = np.full(j.size, t_p + dl)
                ok = b_ok & (np.abs(d.t[j] - at) <= tol) & self._slow_fits(j, np.full(j.size, sl))
                if ok.any() and self._closest(j[ok], at[ok], tol).any():
                    log.debug("ndc: far site %d's P kept: its %s fits too", int(sites[k]), ph)
                    out[k] = True
                    break
        return out

    def _predicted_by_others(
        self, lat: float, lon: float, depth: float, sites: IntArray, idx: IntArray,
        kept: IntArray,
    ) -> npt.NDArray[np.bool_]:  # fmt: skip
        """Whether the P of each of ``sites`` (among ``idx``; the sensitivity count drops
        them) is what the P at the ``kept`` sites predict, closer than chance would fit.

        The kept sites' first P (times, and back-azimuths and slownesses where measured, over
        their uncertainties) fix the epicentre and origin time by one linearized
        least-squares step from (lat, lon) (a weak ``_PREDICTION_PRIOR_KM`` prior keeps the
        step bounded where they do not); that solution predicts each dropped site's P time,
        back-azimuth and slowness with a variance of its own (the solution's covariance
        carried through the derivatives, plus the detection's uncertainty). The site's P
        must fit within ``_PREDICTION_SIGMAS`` of every prediction, and a noise detection
        there fit so by chance with probability at most ``ndc_far_site_chance``: the site's
        detection rate about that time (:meth:`_local_rate`) over the time window, from any
        direction (the window's share of 360 deg) with a slowness within the span of the
        site's own (:meth:`_slowness_span`). A 3-C station's broad azimuths fit by chance
        often, an array's rarely; kept sites that do not pin the epicentre (two stations in
        line, no azimuths) predict with a large variance and keep nothing."""
        d, cfg = self.d, self.cfg
        out = np.zeros(sites.size, dtype=np.bool_)
        if sites.size == 0 or cfg.ndc_far_site_chance <= 0.0:
            return out
        first = self._first_at_sites(idx)
        k_idx = first[np.isin(d.site[first], kept)]
        if k_idx.size < 2:
            return out
        by_site = {int(d.site[i]): int(i) for i in first}
        drop = np.array([by_site[s] for s in sites.tolist()], dtype=np.int64)
        every = np.concatenate([k_idx, drop])
        # predictions at (lat, lon) and 10 km north and east of it: derivatives per km
        step = 10.0 / DEG_KM
        east = step / max(math.cos(math.radians(lat)), 0.05)
        t, p, b = self._predicted(np.array([lat, lat + step, lat]),
                                  np.array([lon, lon, lon + east]), depth, every)  # fmt: skip
        grad_t, grad_p = (t[1:] - t[0]) / 10.0, (p[1:] - p[0]) / 10.0
        grad_b = ((b[1:] - b[0] + 180.0) % 360.0 - 180.0) / 10.0
        ts, bs, ss = self._p_sigmas(every)
        k_t = ts[: k_idx.size] ** -2
        t0 = float(np.sum((d.t[k_idx] - t[0, : k_idx.size]) * k_t) / np.sum(k_t))

        def data(i: int, j: int) -> list[tuple[str, FloatArray, float, float]]:
            """Detection ``i``'s (kind, gradient in (north km, east km, origin time s),
            residual, sigma) of its time, and its azimuth and slowness where measured
            (``j``: its column in the predictions)."""
            rows = [("t", np.array([grad_t[0, j], grad_t[1, j], 1.0]),
                     float(d.t[i] - t0 - t[0, j]), float(ts[j]))]  # fmt: skip
            if np.isfinite(self.baz[i]):
                rows.append(("b", np.array([grad_b[0, j], grad_b[1, j], 0.0]),
                             float((self.baz[i] - b[0, j] + 180.0) % 360.0 - 180.0),
                             float(bs[j])))  # fmt: skip
            if np.isfinite(self.slow[i]):
                rows.append(("s", np.array([grad_p[0, j], grad_p[1, j], 0.0]),
                             float(self.slow[i] - p[0, j]), float(ss[j])))  # fmt: skip
            return rows

        rows = [r for j, i in enumerate(k_idx.tolist()) for r in data(i, j)]
        sig = np.array([r[3] for r in rows])
        g = np.array([r[1] for r in rows]) / sig[:, None]
        prior = _PREDICTION_PRIOR_KM**-2
        try:
            cov = np.linalg.inv(g.T @ g + np.diag([prior, prior, 0.0]))
        except np.linalg.LinAlgError:
            return out
        shift = cov @ (g.T @ (np.array([r[2] for r in rows]) / sig))
        for n, i in enumerate(drop.tolist()):
            s = int(d.site[i])
            frac = 1.0
            window = 0.0
            for kind, grad, r, sd in data(i, k_idx.size + n):
                half = _PREDICTION_SIGMAS * math.sqrt(float(grad @ cov @ grad) + sd**2)
                if abs(r - float(grad @ shift)) > half:
                    break
                if kind == "t":
                    window = 2.0 * half
                elif kind == "b":
                    frac *= min(1.0, 2.0 * half / 360.0)
                else:
                    frac *= min(1.0, 2.0 * half / self._slowness_span(s))
            else:
                chance = 1.0 - math.exp(-self._local_rate(s, float(d.t[i]), i) * window * frac)
                log.debug("ndc: site %d's P, dropped, is what the others predict: %.2g by "
                          "chance", s, chance)  # fmt: skip
                out[n] = chance <= cfg.ndc_far_site_chance
        return out

    def _local_rate(self, site: int, t: float, own: int) -> float:
        """Noise detections per second at ``site`` about time ``t`` [s]: its P-type and
        later-phase detections within ``_LOCAL_RATE_WINDOW`` either side that no accepted
        event has taken, other than ``own`` (plus one half: none seen is not a rate of 0),
        over the part of that window the input covers (at least ``_MIN_RATE_SPAN``). About
        the time, not over the input (noise comes and goes with the hour; an input of
        readings around events years apart has a rate over its span that says nothing of
        the noise about each one); not the events' (a station recording a sequence detects
        its events many times an hour, and none of those fits this one by chance)."""
        d, w = self.d, _LOCAL_RATE_WINDOW
        lo = int(np.searchsorted(d.t, t - w))
        hi = int(np.searchsorted(d.t, t + w, side="right"))
        mine = (d.site[lo:hi] == site) & self.p_or_later[lo:hi] & self.alive[lo:hi]
        n = int(np.count_nonzero(lo + np.flatnonzero(mine) != own))
        return (n + 0.5) / self._covered(t, w)

    def _covered(self, t: float, half: float) -> float:
        """The span [s] of ``half`` either side of time ``t`` that the input covers (at
        least ``_MIN_RATE_SPAN``): what a count of detections about ``t`` is a rate over."""
        d = self.d
        covered = min(t + half, float(d.t[-1])) - max(t - half, float(d.t[0]))
        return max(covered, _MIN_RATE_SPAN)

    def _slowness_span(self, site: int) -> float:
        """The span [s/deg] of the slownesses measured at ``site`` (5-95 %; at least
        ``_MIN_SLOWNESS_SPAN``): where a noise detection's slowness falls."""
        cache = self.__dict__.setdefault("_slow_span", {})
        if site not in cache:
            v = self.slow[(self.d.site == site) & np.isfinite(self.slow)]
            span = float(np.subtract(*np.percentile(v, [95.0, 5.0]))) if v.size >= 5 else 0.0
            cache[site] = max(span, _MIN_SLOWNESS_SPAN)
        return float(cache[site])

    def _later_times(
        self, dist: FloatArray, depth: float
    ) -> dict[str, tuple[FloatArray, FloatArray]]:
        """:func:`phase_times` of ``later_phases`` at ``dist`` [deg] for ``depth`` [km],
        interpolated in tables over the first-P distances (tabulated once per depth)."""
        cache = self.__dict__.setdefault("_later_cache", {})
        key = float(depth)
        if key not in cache:
            cache[key] = phase_times(self.source, self.cfg.later_phases, self.src.dist, key)
        return {ph: (np.interp(dist, self.src.dist, t), np.interp(dist, self.src.dist, p))
                for ph, (t, p) in cache[key].items()}  # fmt: skip

    def _consistent_sites(
        self, lat: float, lon: float, depth: float, idx: IntArray, p_sites: set[int],
        node: int | None = None, need_amplitudes: bool = True,
    ) -> set[int]:  # fmt: skip
        """The network-consistency test of a hypothesis (at search ``node``, where one):
        the P sites it keeps, by sensitivity where the amplitudes allow
        (:meth:`_sensitive_sites`), else by distance (:meth:`_nearest_sites`, with the sites
        it drops that the event recorded after all: :meth:`_taken_back`) or, for a small
        one (``need_amplitudes``) with ``ndc_small_needs_amplitudes``, none."""
        kept = self._sensitive_sites(lat, lon, depth, idx, node)
        if kept is None:
            # no amplitudes to judge it: by distance, unless small events need them
            if need_amplitudes and self.cfg.ndc_small_needs_amplitudes:
                return set()
            kept = self._nearest_sites(
                lat, lon, depth, p_sites, node, float(np.min(self.d.t[idx])) if idx.size else None
            )
            if kept != p_sites:
                kept |= self._taken_back(lat, lon, depth, idx, p_sites - kept, kept, node)
        return kept

    def _taken_back(
        self, lat: float, lon: float, depth: float, idx: IntArray, gone: set[int],
        kept: set[int], node: int | None = None,
    ) -> set[int]:  # fmt: skip
        """Of the P sites ``gone`` that the distance count (:meth:`_nearest_sites`) drops
        from a small hypothesis with P detections ``idx``, those it keeps after all: a site
        that recorded the event (:meth:`_recorded`, from the ``kept`` sites), and the dropped
        sites closer than it (as :meth:`_sensitive_sites` keeps those as sensitive)."""
        lost = np.array(sorted(gone), dtype=np.int64)
        sure = lost[self._recorded(lat, lon, depth, lost, idx,
                                   np.array(sorted(kept), dtype=np.int64))]  # fmt: skip
        if sure.size == 0:
            return set()
        dist, _ = self._site_mb(lat, lon, depth, node)
        return {int(s) for s in lost if dist[s] <= float(dist[sure].max())}

    def _consistent(
        self, lat: float, lon: float, depth: float, idx: IntArray, p_sites: set[int],
        node: int | None = None,
    ) -> bool:  # fmt: skip
        """Whether the network-consistency test keeps P at ``ndc_min_p_stations`` sites
        (:meth:`_consistent_sites`)."""
        kept = self._consistent_sites(lat, lon, depth, idx, p_sites, node)
        return len(kept) >= self.cfg.ndc_min_p_stations

    def _operating(self, t: float) -> npt.NDArray[np.bool_]:
        """Per site: whether it made any detection within ``ndc_operating_window`` of time
        ``t`` [s] (every site where the window is 0). A station down or not sending makes
        none, and its silence is no evidence against an event; an operating one makes
        noise detections at a few per hour (real readings without noise, such as a
        bulletin's, make every site silent but those that read the event)."""
        w = self.cfg.ndc_operating_window
        if w <= 0.0:
            return np.ones(self.p_site.size, dtype=np.bool_)
        d = self.d
        lo = int(np.searchsorted(d.t, t - w))
        hi = int(np.searchsorted(d.t, t + w, side="right"))
        out = np.zeros(self.p_site.size, dtype=np.bool_)
        out[d.site[lo:hi]] = True
        return out

    def _nearest_sites(
        self, lat: float, lon: float, depth: float, p_sites: set[int], node: int | None = None,
        t: float | None = None,
    ) -> set[int]:  # fmt: skip
        """The sites of ``p_sites`` that are at least ``ndc_min_detecting_fraction`` of the
        P-detecting sites (operating about time ``t`` [s] where given: :meth:`_operating`)
        out to their own distance from (lat, lon), counting ``p_sites`` (PyOcto's distance
        criterion, per station: an event seen far away is seen close by)."""
        dist_all, _ = self._site_mb(lat, lon, depth, node)
        counted = self.p_site if t is None else self.p_site & self._operating(t)
        dist = np.sort(dist_all[counted])
        mine = np.sort(np.array([float(dist_all[s]) for s in p_sites]))
        frac = self.cfg.ndc_min_detecting_fraction
        return {
            s for s in p_sites
            if np.searchsorted(mine, dist_all[s], side="right")
            >= frac * np.searchsorted(dist, dist_all[s], side="right")
        }  # fmt: skip

    def _depth_supported(self, hyp: NdcHypothesis, p_idx: IntArray) -> bool:
        """Whether the depth of a hypothesis (a small one's, or one grown deep:
        :meth:`_at_the_surface`) is one its data can tell: at most
        ``ndc_small_max_free_depth``, or a depth phase (a pP / sP member, or a free detection
        fitting one at a teleseismic site: :meth:`_depth_phase_detections`), or a P station
        within twice the depth (at least 2 deg), where the P times' curvature resolves it.
        With three distant stations depth trades against origin time, and three chance
        detections fit a 450-km source as well as a shallow one."""
        if hyp.depth <= self.cfg.ndc_small_max_free_depth:
            return True
        if any(ph in ("pP", "sP") for ph in hyp.phases):
            return True
        _, _, _, dist = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        if dist.size and float(np.min(dist)) <= max(2.0, 2.0 * hyp.depth / DEG_KM):
            return True
        return bool(self._depth_phase_detections(hyp).size)

    def _fits_within_errors(self, hyp: NdcHypothesis, p_idx: IntArray) -> bool:
        """Whether ``hyp`` fits its P data within their errors (:meth:`_non_defining`)."""
        return self._non_defining(hyp, p_idx) is not None

    def _non_defining(self, hyp: NdcHypothesis, p_idx: IntArray) -> float | None:
        """Chi-square test of a small event: its P times, back-azimuths and slownesses,
        and its defining S times (:meth:`_s_data`), must fit within their own
        uncertainties (time: the detection's, at least ``p_tolerance`` / 4 for the model,
        ``s_tolerance`` / 4 for an S; azimuth, slowness: theirs), at 99 % for the data
        beyond the 4 unknowns, at their least-squares origin (:meth:`_least_squares`).
        With little redundancy the tolerances' floors would accept chance combinations of
        detections; measured uncertainties do not.

        Where it fails, the azimuth or slowness off the most at the search's (robust)
        location, by more than ``ndc_non_defining_sigma`` of its uncertainty (where set),
        is made non-defining and the rest tested again there (one gross error: an
        analyst's practice, one array azimuth 3 sigma off does not undo an event its times
        define; several would free a chance combination, whose location fits some of its
        data and not the others; a least-squares fit would spread the gross error over
        the others). Returns the defining data so given up (its weight in
        :meth:`_p_weights`; 0 where all fit or it was beyond its tolerance already),
        ``None`` where the data cannot fit."""
        from scipy.stats import chi2

        z_t, z_b, z_s = self._normalized_residuals(hyp, p_idx)
        x2 = float(np.sum(z_t**2) + np.nansum(z_b**2) + np.nansum(z_s**2))
        n = int(z_t.size + np.isfinite(z_b).sum() + np.isfinite(z_s).sum())
        if n > 4 and x2 <= float(chi2.ppf(_FIT_LEVEL, n - 4)):
            return 0.0
        if n > 4:
            # the least-squares origin (its chi-square is at most the search location's)
            fit = self._normalized_residuals(self._least_squares(hyp, p_idx), p_idx)
            if sum(float(np.nansum(z**2)) for z in fit) <= float(chi2.ppf(_FIT_LEVEL, n - 4)):
                return 0.0
        z = np.nan_to_num(np.abs(np.concatenate([z_b, z_s])), nan=0.0)
        k = int(np.argmax(z)) if z.size else 0
        limit = self.cfg.ndc_non_defining_sigma
        if not (limit and z.size and z[k] > limit and n > 5):
            return None
        if x2 - float(z[k]) ** 2 > float(chi2.ppf(_FIT_LEVEL, n - 5)):
            return None
        w_b, w_s = self._p_weight_parts(hyp, p_idx)
        return float(np.concatenate([w_b, w_s])[k])

    def _least_squares(self, hyp: NdcHypothesis, p_idx: IntArray) -> NdcHypothesis:
        """``hyp`` moved to the epicentre and origin time (its depth fixed, within 1 deg)
        where its P data ``p_idx`` and its defining S times (:meth:`_s_data`) fit best,
        each over its uncertainty (:meth:`_normalized_residuals`): the chi-square's
        minimum. The search's location fits P alone; an S-P interval at the closest
        station places a small event better."""
        s_times = self._s_data(hyp)
        start = np.array([hyp.latitude, hyp.longitude, hyp.t0])
        reach = np.array([1.0, 1.0 / max(math.cos(math.radians(hyp.latitude)), 0.05), np.inf])
        lat, lon, t0, _ = self._fit(hyp.latitude, hyp.longitude, hyp.t0, hyp.depth, p_idx,
                                    self._p_sigmas(p_idx), "linear",
                                    (start - reach, start + reach),
                                    s_times if s_times[0].size else None)  # fmt: skip
        return replace(hyp, latitude=lat, longitude=lon, t0=t0)

    def _normalized_residuals(
        self, hyp: NdcHypothesis, p_idx: IntArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The residuals of ``hyp`` over their uncertainties (:meth:`_non_defining`): time,
        back-azimuth and slowness per P detection ``p_idx`` (NaN where unmeasured), the
        times followed by those of its S-type arrivals within ``_REGIONAL_DISTANCE``
        (:meth:`_s_data`: defining S times, as an analyst's location uses them)."""
        d = self.d
        t, p, baz, _ = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        ts, bs, ss = self._p_sigmas(p_idx)
        z_t = (d.t[p_idx] - hyp.t0 - t) / ts
        s_idx, lg, s_sig = self._s_data(hyp)
        if s_idx.size:
            t_s = self._s_predicted(np.array([hyp.latitude]), np.array([hyp.longitude]),
                                    hyp.depth, s_idx, lg)[0]  # fmt: skip
            z_t = np.concatenate([z_t, (d.t[s_idx] - hyp.t0 - t_s) / s_sig])
        z_b = _angle(self.baz[p_idx], baz) / bs
        z_s = (self.slow[p_idx] - p) / ss
        return np.asarray(z_t, float), np.asarray(z_b, float), np.asarray(z_s, float)

    def _p_sigmas(self, p_idx: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The uncertainties of P detections ``p_idx``: time (:meth:`_time_sigma`) [s],
        back-azimuth [deg] and slowness [s/deg] (theirs, the configured defaults where
        none)."""
        d, cfg = self.d, self.cfg
        bs = np.where(np.isfinite(d.bsig[p_idx]), d.bsig[p_idx], cfg.ndc_default_baz_sigma)
        ss = np.where(np.isfinite(d.ssig[p_idx]), d.ssig[p_idx], cfg.ndc_default_slowness_sigma)
        return self._time_sigma(p_idx), np.asarray(bs, float), np.asarray(ss, float)

    def _s_data(self, hyp: NdcHypothesis) -> tuple[IntArray, npt.NDArray[np.bool_], FloatArray]:
        """The S-type arrivals of ``hyp`` within ``_REGIONAL_DISTANCE`` (the sites
        :meth:`_s_sites` counts as defining data), whether each is an Lg, and their time
        uncertainty [s]: the detection's (``s_tolerance`` / 2 where none) and
        ``s_tolerance`` / 4 for the model."""
        d, tol = self.d, self.cfg.s_tolerance
        pairs = [(m, ph == "Lg") for m, ph in zip(hyp.members, hyp.phases, strict=True)
                 if ph in _S_TYPE]  # fmt: skip
        s_idx = np.array([m for m, _ in pairs], dtype=np.int64)
        lg = np.array([g for _, g in pairs], dtype=np.bool_)
        if s_idx.size:
            dist, _, _ = distance_azimuth(hyp.latitude, hyp.longitude, d.site_lat[d.site[s_idx]],
                                          d.site_lon[d.site[s_idx]])  # fmt: skip
            near = np.atleast_1d(np.asarray(dist, float)) <= _REGIONAL_DISTANCE
            s_idx, lg = s_idx[near], lg[near]
        sigma = np.hypot(np.nan_to_num(d.tsig[s_idx], nan=tol / 2), tol / 4)
        return s_idx, lg, np.asarray(sigma, float)

    def _chi2(self, hyp: NdcHypothesis, p_idx: IntArray) -> float:
        """Sum of the squared P residuals of ``hyp`` over their uncertainties
        (:meth:`_normalized_residuals`)."""
        return float(sum(np.nansum(z**2) for z in self._normalized_residuals(hyp, p_idx)))

    def _misfit_of(self, hyp: NdcHypothesis) -> float:
        """How badly ``hyp`` fits its data, to choose between hypotheses explaining as many
        detections: the chi-square of its P residuals (:meth:`_chi2`) plus that of its
        station magnitudes (the amplitude spread) where they are known, and that of the
        back-azimuths too uncertain to constrain (``ndc_ignore_baz_sigma``: a 3-C
        station's), each at most ``_SOFT_AZIMUTH_SIGMAS`` sigmas (a reversed 3-C azimuth
        weighs no more than one just out of its tolerance): with few data, hypotheses on a
        valley of fitting times explain as much and fit as well but for them (an event close
        to a 3-C station with two far arrays to one side: its time and theirs trade distance
        for origin time, and the 3-C azimuth, however broad, tells which side)."""
        p_idx = self._p_members(hyp.members, hyp.phases)
        ev = self._amplitude_evidence(hyp, p_idx)
        soft = p_idx[np.isfinite(self.baz_loc[p_idx]) & ~np.isfinite(self.baz[p_idx])]
        z2 = 0.0
        if soft.size:
            _, _, baz, _ = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, soft)
            z = _angle(self.baz_loc[soft], baz) / self._p_sigmas(soft)[1]
            z2 = float(np.sum(np.minimum(z, _SOFT_AZIMUTH_SIGMAS) ** 2))
        return self._chi2(hyp, p_idx) + z2 + (ev.spread if ev is not None else 0.0)

    def _amplitude_evidence(self, hyp: NdcHypothesis, p_idx: IntArray) -> AmplitudeEvidence | None:
        """Amplitude and negative evidence of a small hypothesis
        (:func:`~openndc.association.evidence.small_event_evidence`): its P detections'
        A/T (the first at each site), and the operating sites (a threshold from their own
        detections) without any detection within ``SILENT_WINDOW`` of their predicted P,
        outside the codas of accepted events seen there. ``None``: no verdict (off, or no
        amplitudes)."""
        if not self.cfg.ndc_amplitude_evidence or not np.isfinite(self.d.log_at[p_idx]).any():
            return None
        d = self.d
        p_idx = self._first_at_sites(p_idx)
        _, _, _, dist = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        cand = np.flatnonzero(self.p_site & np.isfinite(self.threshold)
                              & self._operating(float(np.min(d.t[p_idx]))))  # fmt: skip
        cand = cand[~np.isin(cand, d.site[p_idx])]
        dc, _, _ = distance_azimuth(hyp.latitude, hyp.longitude, d.site_lat[cand],
                                    d.site_lon[cand])  # fmt: skip
        dc = np.atleast_1d(np.asarray(dc, float))
        tp, _ = self.src.p_time(dc, hyp.depth)
        at = hyp.t0 + tp
        silent = np.isfinite(tp) & (dc <= 100.0)
        lo = np.searchsorted(d.t, at - SILENT_WINDOW)
        hi = np.searchsorted(d.t, at + SILENT_WINDOW, side="right")
        for k in np.flatnonzero(silent):
            silent[k] = not bool(np.any(d.site[lo[k] : hi[k]] == cand[k]))
        if self.coda_lo.shape[0]:
            # while the coda of an accepted event seen at the site rings there
            # (_coda_ringing), the site is deaf: masked
            c_at = np.broadcast_to(at, (self.coda_lo.shape[0], at.size))
            inside = (c_at >= self.coda_lo[:, cand]) & (c_at <= self.coda_hi[:, cand])
            ringing, _ = self._coda_ringing(at, cand, inside)
            silent &= ~ringing.any(axis=0)
        ev = small_event_evidence(d.log_at[p_idx], self.threshold[d.site[p_idx]], dist,
                                  self.threshold[cand[silent]], dc[silent],
                                  hyp.depth, self.cfg.ndc_regional_mb_sigma)  # fmt: skip
        if ev is not None and p_idx.size > self.cfg.ndc_spread_max_stations:  # one P a site
            # P at so many stations is no chance combination of times: where its station
            # magnitudes scatter more than the model's, the amplitudes are at fault
            # (mixed agencies' or filters' amplitudes), not the event
            ev = replace(ev, spread_limit=math.inf)
        return ev

    def _p_weights(self, hyp: NdcHypothesis, p_idx: IntArray) -> FloatArray:
        """Defining data of each P detection ``p_idx`` of ``hyp``: its time, plus its
        back-azimuth and slowness weights where they fit (as counted by :meth:`gather`)."""
        w_b, w_s = self._p_weight_parts(hyp, p_idx)
        return np.asarray(1.0 + w_b + w_s, float)

    def _p_weight_parts(self, hyp: NdcHypothesis, p_idx: IntArray) -> tuple[FloatArray, FloatArray]:
        """The back-azimuth and the slowness weights of :meth:`_p_weights`."""
        _, p, baz, _ = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        b = self.baz[p_idx]
        w_b = np.where(np.isfinite(b) & (_angle(b, baz) <= self.btol[p_idx]), self.bw[p_idx], 0.0)
        sl = self.slow[p_idx]
        ok = np.isfinite(sl) & np.isfinite(p)
        ok[ok] = np.abs(sl[ok] - p[ok]) <= self.stol[p_idx][ok]
        return np.asarray(w_b, float), np.asarray(np.where(ok, self.sw[p_idx], 0.0), float)

    def _p_rms(self, hyp: NdcHypothesis) -> float:
        """RMS [s] of the P residuals of ``hyp``."""
        p_idx = self._p_members(hyp.members, hyp.phases)
        t, _, _, _ = self._p_times(hyp.latitude, hyp.longitude, hyp.depth, p_idx)
        return float(np.sqrt(np.mean((self.d.t[p_idx] - hyp.t0 - t) ** 2)))

    @staticmethod
    def _p_members(members: list[int], phases: list[str]) -> IntArray:
        return np.array([m for m, ph in zip(members, phases, strict=True)
                         if ph not in _S_TYPE], dtype=np.int64)  # fmt: skip

    def _accept(self, hyp: NdcHypothesis, n_data: float) -> NdcHypothesis | None:
        """The acceptance rules (module docstring) for ``n_data`` defining data; ``None``
        when one fails."""
        cfg = self.cfg
        p_idx = self._p_members(hyp.members, hyp.phases)
        p_sites = set(self.d.site[p_idx].tolist())
        if len(p_sites) < cfg.ndc_min_p_stations:
            return None
        # P detections in the coda of an accepted event (a better one: best first) are
        # explained by it, and those riding a stronger detection's coda at their station
        # (coda_of) by that one: they do not count as this event's stations (nor, with
        # ndc_coda_not_defining, as its data)
        coda = self._in_coda(p_idx) | (self.coda_of[p_idx] >= 0)
        if coda.any() and not self._coda_by_chance(hyp, p_idx[coda]):
            # more P in codas than their detections make by chance: a new event in the
            # coda of another (an aftershock, a doublet), its P are its own
            coda = np.zeros_like(coda)
        if len(set(self.d.site[p_idx[~coda]].tolist())) < cfg.ndc_min_p_stations:
            log.debug("ndc: hypothesis at %.1f s made of coda detections: dropped", hyp.t0)
            return None
        if cfg.ndc_coda_not_defining and coda.any():
            n_data = min(n_data, float(np.sum(self._p_weights(hyp, p_idx)[~coda])))
        # a small event must fit its data within their errors, and so must one with P at
        # up to ndc_fit_max_stations stations: arrays' azimuths and slownesses (and 3-C ones,
        # weighted) make ndc_min_defining from three or four stations, and the tolerances'
        # floors let a chance combination through as they would a small event's; an
        # azimuth or slowness it cannot fit is not defining (ndc_non_defining_sigma)
        if n_data < cfg.ndc_min_defining or len(p_sites) <= cfg.ndc_fit_max_stations:
            given_up = self._non_defining(hyp, p_idx)
            if given_up is None:
                return None
            n_data -= given_up
        small = n_data < cfg.ndc_min_defining
        if small and not self._depth_supported(hyp, p_idx):
            log.debug("ndc: small hypothesis at %.1f s, %.0f km deep without depth data: "
                      "dropped", hyp.t0, hyp.depth)  # fmt: skip
            return None
        if small and n_data + self._s_sites(hyp) < cfg.ndc_min_defining_small:
            # S times count as defining data of a small event
            return None
        ev = None
        if small or len(p_sites) <= cfg.ndc_evidence_max_stations:
            ev = self._amplitude_evidence(hyp, p_idx)
            if ev is not None and not ev.consistent:
                log.debug("ndc: hypothesis at %.1f s rejected by its amplitudes: %s",
                          hyp.t0, ev)  # fmt: skip
                return None
        if small or len(p_sites) <= cfg.ndc_consistency_max_stations:
            kept = self._consistent_sites(hyp.latitude, hyp.longitude, hyp.depth, p_idx, p_sites,
                                          need_amplitudes=small)  # fmt: skip
            if len(kept) < cfg.ndc_min_p_stations:
                return None
            if kept != p_sites:
                # the P of the sites the test drops are not the event's (PyOcto discards
                # them): the hypothesis without them, tested again
                gone = p_idx[~np.isin(self.d.site[p_idx], list(kept))]
                rest = self._without(hyp, set(gone.tolist()))
                return self._accept(rest, n_data - float(np.sum(self._p_weights(hyp, gone))))
        if self._p_rms(hyp) > cfg.ndc_max_rms:
            return None
        held_off = self._held_off(hyp, p_idx)
        if held_off is not None:
            # where its data fit better, or the station's P held the event where the
            # others' data do not fit (not the event's): the event there (without it),
            # tested again
            site, (lat, lon, t0) = held_off
            held = set() if site is None else set(p_idx[self.d.site[p_idx] == site].tolist())
            rest = replace(self._without(hyp, held), latitude=lat, longitude=lon, t0=t0)
            rest_p = self._p_members(rest.members, rest.phases)
            return self._accept(rest, float(np.sum(self._p_weights(rest, rest_p))))
        if cfg.ndc_chance_combinations > 0.0:
            expected = self._chance_combinations(hyp)
            if expected > cfg.ndc_chance_combinations:
                log.debug("ndc: hypothesis at %.1f s: %.3g such combinations by chance",
                          hyp.t0, expected)  # fmt: skip
                return None
        return hyp

    @staticmethod
    def _without(hyp: NdcHypothesis, gone: set[int]) -> NdcHypothesis:
        """``hyp`` less its member detections ``gone``."""
        kept = [(m, ph) for m, ph in zip(hyp.members, hyp.phases, strict=True) if m not in gone]
        return replace(hyp, members=[m for m, _ in kept], phases=[ph for _, ph in kept])

    def _noise_fits(self, hyp: NdcHypothesis, first: IntArray) -> FloatArray:
        """Natural log of the chance that the noise at the site of each first P ``first`` of
        ``hyp`` fits it as well by chance (:meth:`_chance_combinations`): ``1 - exp(-rate x
        window)``, the site's rate about that time (:meth:`_local_rate`), the window its
        P's time tolerance (:meth:`_p_tolerance`) times the share of directions and
        slownesses within tolerance where its back-azimuth and slowness define, times the
        same for its S time (``s_tolerance``) where one fits."""
        d, cfg = self.d, self.cfg
        w_b, w_s = self._p_weight_parts(hyp, first)
        s = d.site[first]
        dist, _, _ = distance_azimuth(hyp.latitude, hyp.longitude, d.site_lat[s], d.site_lon[s])
        tol = self._p_tolerance(np.asarray(dist, float), first)
        rate = np.array([self._local_rate(int(s[k]), float(d.t[i]), int(i))
                         for k, i in enumerate(first.tolist())])  # fmt: skip
        window = 2.0 * tol
        window = window * np.where(w_b > 0.0, np.minimum(2.0 * self.btol[first] / 360.0, 1.0), 1.0)
        spans = np.array([self._slowness_span(int(x)) for x in s.tolist()])
        window = window * np.where(w_s > 0.0, np.minimum(2.0 * self.stol[first] / spans, 1.0), 1.0)
        log_p = np.log(-np.expm1(-rate * window))
        s_sites = {int(d.site[m]) for m, ph in zip(hyp.members, hyp.phases, strict=True)
                   if ph in _S_TYPE}  # fmt: skip
        for k, site in enumerate(s.tolist()):
            if site in s_sites:
                log_p[k] += math.log(-math.expm1(-rate[k] * 2.0 * cfg.s_tolerance))
        return np.asarray(log_p, float)

    def _held_off(
        self, hyp: NdcHypothesis, p_idx: IntArray
    ) -> tuple[int | None, tuple[float, float, float]] | None:
        """Whether ``hyp`` (P at 3 to ``ndc_drag_max_stations`` sites, detections ``p_idx``)
        is held where its P data do not put it: ``(None, origin)`` where they all fit
        better elsewhere, ``(site, origin)`` where one site's P holds it where the others
        do not fit, with the origin (latitude, longitude [deg], time [s]) where they (the
        others) fit best; ``None`` where neither.

        The first P at each site (times, defining back-azimuths and slownesses over their
        uncertainties: :meth:`_p_sigmas`) are fitted at the event's epicentre (origin
        time free) and where they fit best (:meth:`_fit` from the event's epicentre and
        from the lattice's best, :meth:`_lattice_best`), depth fixed. Where the best
        lowers their chi-square by more than the 99 % quantile (``_FIT_LEVEL``) of a
        chi-square with 2 degrees of freedom (the epicentre), the search's location is a
        valley the data do not choose. Else each site whose P gives its time alone (no
        defining back-azimuth or slowness that fits: a 3-C station's) is left out in turn,
        the same for the others: a site whose leaving out lowers theirs by more than that
        holds the event (for data of the event the drop is such a chi-square); of those,
        the one whose P is likeliest noise drags it: the largest half drop (the
        log-likelihood the others gain) plus the log chance that its site's noise fits as
        well (:meth:`_noise_fits`). A time alone fits any event that moves to meet it, and
        a noise P at such a station held four arrays' event 400 km off, where its time
        fitted and the arrays' azimuths 3 sigma off (IMS-style set, seed 9 ev70): the
        search tries every station's noise. A site with an azimuth or a slowness that fits
        is not left out: one datum off (an array's azimuth 3 sigma off) is made
        non-defining (:meth:`_non_defining`), and two stations left always fit well."""
        d, cfg = self.d, self.cfg
        first = self._first_at_sites(p_idx)
        if first.size < 3 or first.size > cfg.ndc_drag_max_stations:
            return None
        from scipy.stats import chi2

        limit = float(chi2.ppf(_FIT_LEVEL, 2))
        ts, bs, ss = self._p_sigmas(first)
        start = (hyp.latitude, hyp.longitude, hyp.t0)
        here = np.array([[hyp.latitude, hyp.longitude, 0.0]])

        def gain(keep: npt.NDArray[np.bool_]) -> tuple[float, tuple[float, float, float]]:
            # the defining azimuths only (a 3-C station's, too uncertain to count, not)
            o, sig = first[keep], (ts[keep], bs[keep], ss[keep])
            z = self._fit_residuals(here, hyp.depth, o, sig, defining_only=True)
            at = float(_time_free_chi2(z[:, : o.size] * sig[0], sig[0])[1][0]
                       + np.sum(z[:, o.size :] ** 2))  # fmt: skip
            fits = [self._fit(*x, hyp.depth, o, sig, "linear", defining_only=True)
                    for x in (start, self._lattice_best(o, hyp.depth, sig))]  # fmt: skip
            la, lo, t0, best = min(fits, key=lambda f: f[3])
            return at - best, (la, lo, t0)

        drop, where = gain(np.ones(first.size, dtype=np.bool_))
        if drop > limit:
            log.debug("ndc: hypothesis at %.1f s moved where its P fit (chi-square %.1f "
                      "lower)", hyp.t0, drop)  # fmt: skip
            return None, where
        log_noise = self._noise_fits(hyp, first)
        w_b, w_s = self._p_weight_parts(hyp, first)
        worst: tuple[float, float, int, tuple[float, float, float]] | None = None
        for j in np.flatnonzero(w_b + w_s == 0.0).tolist():
            drop, where = gain(np.arange(first.size) != j)
            odds = 0.5 * drop + float(log_noise[j])
            if drop > limit and (worst is None or odds > worst[0]):
                worst = (odds, drop, j, where)
        if worst is None:
            return None
        log.debug("ndc: hypothesis at %.1f s held by the P at %s (chi-square of the others "
                  "%.1f lower without it)", hyp.t0, d.items[first[worst[2]]].station,
                  worst[1])  # fmt: skip
        return int(d.site[first[worst[2]]]), worst[3]

    def _lattice_best(
        self, idx: IntArray, depth: float, sigma: tuple[FloatArray, FloatArray, FloatArray]
    ) -> tuple[float, float, float]:
        """The search lattice's epicentre where P data ``idx`` fit best (the chi-square of
        their times, origin time fitted, and defining back-azimuths and slownesses over
        ``sigma``; the node tables' predictions at the node depth closest to ``depth``
        [km]), and that origin time [s]: a start for :meth:`_fit` beyond the valleys of a
        local one."""
        n, d = self.nodes, self.d
        levels = np.unique(n.depth)
        rows = np.flatnonzero(n.depth == levels[np.argmin(np.abs(levels - depth))])
        cols = d.site[idx]
        ts, bs, ss = sigma
        t0, cost = _time_free_chi2(d.t[idx][None, :] - n.tp[np.ix_(rows, cols)].astype(float), ts)
        b, sl = self.baz[idx], self.slow[idx]
        ok = np.isfinite(b)
        if ok.any():
            baz = n.baz[np.ix_(rows, cols[ok])].astype(float)
            cost += np.sum((_angle(b[ok][None, :], baz) / bs[ok]) ** 2, axis=1)
        ok = np.isfinite(sl)
        if ok.any():
            p = n.slow[np.ix_(rows, cols[ok])].astype(float)
            cost += np.sum(((sl[ok][None, :] - p) / ss[ok]) ** 2, axis=1)
        k = int(np.argmin(np.nan_to_num(cost, nan=np.inf)))
        return float(n.latitude[rows[k]]), float(n.longitude[rows[k]]), float(t0[k])

    def _chance_combinations(self, hyp: NdcHypothesis) -> float:
        """Expected number of combinations of the hour's noise that fit a node as well as
        ``hyp``'s stations do (``ndc_chance_combinations``).

        Each free detection within ``_HOUR`` / 2 either side of the origin that the site
        rates count (P-type and later phases) may drive the search (counted per hour of the
        input there); at a node, the event's ``k`` P stations less one (the least specific,
        as the driver) are any ``k - 1`` of the other operating sites, each fitting by
        chance with ``1 - exp(-rate x window)``: the site's rate about that time
        (:meth:`_local_rate`), the window its first P's time tolerance (:meth:`_p_tolerance`,
        as :meth:`gather`) times the share of directions and slownesses within tolerance
        where its back-azimuth and slowness define, and its S time's (``s_tolerance``) where
        one fits. The product of those chances, times the drivers and the ways to choose the
        sites (``C(n_operating - 1, k - 1)``): the counts of defining data were set at a few
        noise detections per station-hour and do not scale with the noise; this does
        (rate^(k - 1) x the drivers)."""
        d = self.d
        p_idx = self._p_members(hyp.members, hyp.phases)
        first = self._first_at_sites(p_idx)
        if first.size < 2:
            return 0.0
        log_p = self._noise_fits(hyp, first)
        # the least specific station plays the driver
        log_chance = float(np.sum(log_p) - np.max(log_p))
        # drivers per hour about the origin (over the part of the hour the input covers: a
        # short window's few detections are not a quiet hour)
        half = _HOUR / 2.0
        lo = int(np.searchsorted(d.t, hyp.t0 - half))
        hi = int(np.searchsorted(d.t, hyp.t0 + half, side="right"))
        n_free = int(np.count_nonzero(self.p_or_later[lo:hi] & self.alive[lo:hi]))
        drivers = max(n_free, 1) * _HOUR / self._covered(hyp.t0, half)
        n_operating = max(int(np.count_nonzero(self._operating(hyp.t0))), first.size)
        n, k = n_operating - 1, first.size - 1
        log_ways = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        return math.exp(min(math.log(drivers) + log_ways + log_chance, 700.0))


def search_ndc(
    dets: Any, config: AssociationConfig, source: Any, known: Sequence[Event] = (),
    sites: tuple[FloatArray, FloatArray] | None = None,
) -> list[NdcHypothesis]:  # fmt: skip
    """Run the NDC association on ingested detections (see the module docstring).

    ``sites``: latitudes and longitudes [deg] of the whole network's sites that record P,
    around which the search's nodes are laid out where the network spreads over the globe
    (else around the sites with detections; :func:`build_node_tables`): a window's events
    must not depend on which stations were quiet in it (IMS-style set, seed 9: the lattice
    of one hour's detecting sites and that of the whole day's differed, and an event found
    in the one was split in two in the other).

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
    return _Ndc(dets, config, source, sites).run(prior)
