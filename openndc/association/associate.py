"""The association stage: detections of a network -> event hypotheses with arrivals.

Algorithm (details in ``docs/association.md``):

1. *Ingest*: each detection is tied to a site (an array's reference point for beams, the
   station otherwise); its initial phase gives a class hint (P type, S type, or either when
   empty or ``N``); bad rows are warned about (:class:`DataQualityWarning`) and skipped.
2. *Candidate grid*: a regional lattice around the network (and a coarse global one) of
   nodes x depths with precomputed first-P, first-S and Lg travel times to every site.
3. *Windows of origin time*: per window, every live detection is back-projected to every
   node (:func:`kernels.backproject`); cells where enough distinct stations agree are
   candidates, best first.
4. *Hypothesis*: a candidate is refined by a local grid search (:func:`kernels.refine`)
   that assigns phases (P/Pn/Pg/PKP, S/Sn/Sg/Lg) within time, back-azimuth and slowness
   tolerances, one phase per detection and one detection per phase and station.
5. *Acceptance*: enough stations (arrays with fitting back-azimuth and slowness count
   double), arrivals and P arrivals. An accepted event takes its detections out of the
   pool (so a detection belongs to one event) and the window is back-projected again.
"""

from __future__ import annotations

import logging
import math
import time as _time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from obspy import UTCDateTime

from openndc.association.config import AssociationConfig
from openndc.association.evidence import log_amplitude_period
from openndc.association.kernels import (
    DetectionArrays,
    Hypothesis,
    PhaseTables,
    Rules,
    Trial,
    backproject,
    geocentric_rad,
    refine,
)
from openndc.association.later import CLASS_HYDRO, CLASS_INFRA, CLASS_LATER
from openndc.association.tables import (
    COARSE_CLASSES,
    P_PHASES,
    S_PHASES,
    NodeGrid,
    PhaseGrid,
    TravelTimeSource,
    build_node_grid,
    build_phase_grid,
    interp_table,
    network_extent,
    travel_time_source,
)
from openndc.model.config import to_mapping
from openndc.model.detection import Detection
from openndc.model.errors import AssociationError, ConfigError, DataQualityWarning
from openndc.model.event import Arrival, Event, Origin
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import MonitoringNetwork, Station
from openndc.model.phases import LATER_UNIDENTIFIED, UNIDENTIFIED
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem
from openndc.model.sasc import SascTable

__all__ = ["AssociationResult", "DetectionUnitError", "associate", "lookback_seconds"]

log = logging.getLogger(__name__)

#: Phase names of detections that only join events (openndc.association.later).
LATER_NAMES = frozenset(
    {"pP", "sP", "pS", "sS", "PcP", "ScP", "PcS", "ScS", "PKiKP", "PKIKP", "PKPab", "PKPbc",
     "PKPdf", "PKKP", "SKP", "SKS", "PP", "SS", "PS", "SP", "Rg", "LR", "LQ"}
)  # fmt: skip
HYDRO_NAMES = frozenset({"T", "H", "HT"})
INFRA_NAMES = frozenset({"I", "Iw", "Is", "It"})


@dataclass
class AssociationResult:
    """What association hands on: events (preliminary origins with arrivals), the
    detections no event took, the problems found in the input, provenance and run
    statistics (``stats``: counts and wall times [s])."""

    events: list[Event]
    unassociated: list[Detection]
    provenance: Provenance
    problems: list[DataProblem] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)


@dataclass
class _Detections:
    """Parallel arrays of usable detections, sorted by time [s after ``ref``]."""

    ref: UTCDateTime
    items: list[Detection]
    t: npt.NDArray[np.float64]
    site: npt.NDArray[np.int64]
    cls: npt.NDArray[np.int8]
    tsig: npt.NDArray[np.float64]
    baz: npt.NDArray[np.float64]
    bsig: npt.NDArray[np.float64]
    slow: npt.NDArray[np.float64]
    ssig: npt.NDArray[np.float64]
    site_lat: npt.NDArray[np.float64]
    site_lon: npt.NDArray[np.float64]
    site_names: list[str]
    site_elev_km: npt.NDArray[np.float64]
    #: log10(A/T) [nm/s] of detections with an amplitude in nm and a period, else NaN
    log_at: npt.NDArray[np.float64]


def _finite(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def _phase_class(phase: str) -> int:
    """1: P type, 2: S type, 3: either (no name, the IDC's ``N``, the IASPEI's unidentified
    ``x`` / ``rx`` / ``tx``), 4: a later phase (``Px`` / ``Sx`` too), 8: hydroacoustic, 16:
    infrasound (4-16 only join events, :mod:`openndc.association.later`), 0: unknown code."""
    p = (phase or "").strip()
    if p in ("", "N", "?") or p in UNIDENTIFIED:
        return 3
    if p in LATER_NAMES or p in LATER_UNIDENTIFIED:
        return CLASS_LATER
    if p in HYDRO_NAMES:
        return CLASS_HYDRO
    if p in INFRA_NAMES:
        return CLASS_INFRA
    if p in P_PHASES or p.upper() == "P":
        return 1
    if p in S_PHASES or p.upper() == "S":
        return 2
    return 0


def _ingest(
    detections: Sequence[Detection], network: MonitoringNetwork, problems: list[DataProblem]
) -> _Detections:
    arrays = {a.code: a for a in network.arrays}
    site_index: dict[str, int] = {}
    site_lat: list[float] = []
    site_lon: list[float] = []
    site_elev: list[float] = []
    missing: dict[str, int] = {}
    rows: list[tuple[float, Detection, int, int]] = []
    ref: UTCDateTime | None = None

    def warn(kind: str, stream: str, when: UTCDateTime | None, msg: str) -> None:
        warnings.warn(f"{stream} {when or ''}: {msg}", DataQualityWarning, stacklevel=3)
        problems.append(DataProblem("no_metadata" if kind == "meta" else "corrupt",
                                    "detections", stream, when, None, msg))  # fmt: skip

    for det in detections:
        code = (det.station or "").strip()
        when = det.time if isinstance(det.time, UTCDateTime) else None
        if when is None:
            warn("bad", det.seed_id, None, f"detection {det.id!r} has no valid time; skipped")
            continue
        if not code:
            warn("bad", det.seed_id, when, f"detection {det.id!r} names no station; skipped")
            continue
        cls = _phase_class(det.phase)
        if cls == 0:
            known = sorted(P_PHASES | S_PHASES | LATER_NAMES | HYDRO_NAMES | INFRA_NAMES
                           | {*UNIDENTIFIED, *LATER_UNIDENTIFIED})  # fmt: skip
            warn("bad", det.seed_id, when,
                 f"unknown phase code {det.phase!r} (detection {det.id!r}); skipped. Known: "
                 f"{', '.join(known)}, N or empty")  # fmt: skip
            continue
        key = code
        if key not in site_index:
            lat = lon = math.nan
            elev = 0.0
            if code in arrays:
                lat, lon = arrays[code].reference_latitude, arrays[code].reference_longitude
            else:
                sta = network.find_station(code, det.network or None) or network.find_station(code)
                if sta is not None:
                    lat, lon = sta.latitude, sta.longitude
                    elev = _finite(getattr(sta, "elevation", 0.0)) / 1000.0
            if not (math.isfinite(lat) and math.isfinite(lon)):
                missing[code] = missing.get(code, 0) + 1
                continue
            site_index[key] = len(site_lat)
            site_lat.append(float(lat))
            site_lon.append(float(lon))
            site_elev.append(elev if math.isfinite(elev) else 0.0)
        ref = when if ref is None or when < ref else ref
        rows.append((0.0, det, site_index[key], cls))
    for code, n in missing.items():
        warnings.warn(
            f"station {code} is not in inventory {network.name!r} (or has no coordinates): "
            f"its {n} detection(s) are skipped; add the station to the inventory",
            DataQualityWarning,
            stacklevel=2,
        )
        msg = f"{n} detection(s) skipped: station not in inventory"
        problems.append(DataProblem("no_metadata", network.name, code, None, None, msg))
    if ref is None:
        ref = UTCDateTime(0)
    times = np.array([r[1].time - ref for r in rows], dtype=np.float64)
    # time, then id, station and phase: the same input in any order gives the same result
    keys = [(r[1].id, r[1].station, r[1].phase, r[1].channel) for r in rows]
    order = np.array(sorted(range(len(rows)), key=lambda i: (times[i], keys[i])), dtype=np.int64)
    items = [rows[i][1] for i in order]

    def col(name: str) -> npt.NDArray[np.float64]:
        return np.array([_finite(getattr(d, name)) for d in items], dtype=np.float64)

    cls_arr = np.array([rows[i][3] for i in order], dtype=np.int8)
    _check_units(items, col("slowness"), cls_arr)
    baz = col("backazimuth")
    baz = np.where((baz >= -360.0) & (baz <= 720.0), baz % 360.0, np.nan)
    slow = col("slowness")
    slow = np.where(slow > 0.0, slow, np.nan)
    bsig = col("backazimuth_uncertainty")
    ssig = col("slowness_uncertainty")
    tsig = col("time_uncertainty")
    return _Detections(
        ref,
        items,
        times[order],
        np.array([rows[i][2] for i in order], dtype=np.int64),
        cls_arr,
        np.where(tsig > 0, tsig, np.nan),
        baz,
        np.where(bsig > 0, bsig, np.nan),
        slow,
        np.where(ssig > 0, ssig, np.nan),
        np.array(site_lat, dtype=np.float64),
        np.array(site_lon, dtype=np.float64),
        sorted(site_index, key=site_index.__getitem__),
        np.array(site_elev, dtype=np.float64),
        log_amplitude_period(col("amplitude"), [d.amplitude_unit for d in items], col("period")),
    )


class DetectionUnitError(AssociationError):
    """Detections whose measurements are in the wrong unit (slowness in s/km, not s/deg):
    they would associate nothing, so the run stops instead of reporting no event."""


def _check_units(items: list[Detection], slow: npt.NDArray[np.float64], cls: Any) -> None:
    """Seismic slownesses are in s/deg (P 4-20, S 8-35): a set whose values all lie below
    1 is in s/km (or s/m) and would associate nothing; say so
    (:class:`DetectionUnitError`)."""
    seismic = np.isfinite(slow) & (slow > 0) & ((cls & (1 | 2 | CLASS_LATER)) != 0)
    vals = slow[seismic]
    if vals.size >= 5 and float(np.quantile(vals, 0.9)) < 1.0:
        stations = sorted({items[i].station for i in np.flatnonzero(seismic)})[:5]
        raise DetectionUnitError(
            f"the slownesses of {vals.size} seismic detections (stations {', '.join(stations)}"
            f", ...) lie between {vals.min():.3g} and {vals.max():.3g}: that is s/km (or "
            f"s/m), but association expects s/deg; multiply s/km by {DEG_KM:.2f}"
        )


_GRID_CACHE: dict[tuple[Any, ...], PhaseGrid] = {}


def _phase_grid(source: TravelTimeSource, *args: Any) -> PhaseGrid:
    """:func:`build_phase_grid`, cached per model object and parameters."""
    key = (id(source), source.model, *args)
    if key not in _GRID_CACHE:
        if len(_GRID_CACHE) > 16:
            _GRID_CACHE.clear()
        _GRID_CACHE[key] = build_phase_grid(source, *args)
    return _GRID_CACHE[key]


def _auto_spacing(radius: float) -> float:
    return float(np.clip(2.0 * radius / 15.0, 0.02, 1.0))


@dataclass
class _Setup:
    phases: PhaseGrid
    nodes: NodeGrid
    window: float
    dt: float
    max_tt: float
    slow_max: float


def _setup(dets: _Detections, config: AssociationConfig, source: TravelTimeSource) -> _Setup:
    _, _, radius = network_extent(dets.site_lat, dets.site_lon)
    spacing = config.grid_spacing if config.grid_spacing is not None else _auto_spacing(radius)
    if config.grid_margin is not None:
        margin = config.grid_margin
    else:
        margin = max(0.3, 0.5 * radius) if config.teleseismic else max(0.3, radius)
    max_dist = 180.0 if config.teleseismic else min(2.0 * (radius + margin) + spacing, 180.0)
    phases = _phase_grid(
        source,
        config.phases,
        max_dist,
        config.max_depth,
        config.p_tolerance,
        config.s_tolerance,
        config.lg_min_distance,
    )
    nodes = build_node_grid(
        dets.site_lat,
        dets.site_lon,
        phases,
        spacing=spacing,
        margin=margin,
        depths=config.grid_depths,
        teleseismic=config.teleseismic,
        global_spacing=config.global_spacing,
        global_depths=config.global_depths,
    )
    tt = nodes.tt[np.isfinite(nodes.tt)]
    max_tt = float(tt.max()) if tt.size else 60.0
    tol = nodes.tol[np.isfinite(nodes.tol)]
    window = config.window if config.window is not None else float(np.clip(max_tt, 60.0, 1200.0))
    dt = (
        config.time_bin
        if config.time_bin is not None
        else float(np.median(tol))
        if tol.size
        else 2.0
    )
    slow = phases.slowness[phases.classes == 1]
    slow_max = float(np.nanmax(slow)) if np.isfinite(slow).any() else 20.0
    return _Setup(phases, nodes, window, max(dt, 0.05), max_tt, slow_max)


def lookback_seconds(
    config: AssociationConfig | None = None, network: MonitoringNetwork | None = None
) -> float:
    """How far [s] before a window's start association must see detections so that an
    event whose origin lies in the window gets all its arrivals, and one whose origin lies
    before it is recognised as such: the longest time from an origin to the last detection
    the method associates, plus its margins.

    - 'ndc' / 'grid': ``ndc_max_travel_time`` + 1,000 s for later phases (SS, PKP
      branches), or the hydroacoustic / infrasound reach where longer
      (:func:`openndc.association.later.later_window`);
    - 'local': the slowest first-S travel time across the search box of ``network`` (its
      sites' extent plus ``grid_margin``, depth ``max_depth``) plus ``local_tolerance``;
      without ``network`` a 300 s bound (a 900 km box at 3 km/s).
    """
    from openndc.association.later import later_window

    config = config or AssociationConfig()
    if config.method != "local":
        return later_window(config) + config.ndc_coda
    if network is None:
        return 300.0
    lats = [s.latitude for s in network.stations] + [a.reference_latitude for a in network.arrays]
    lons = [s.longitude for s in network.stations]
    lons += [a.reference_longitude for a in network.arrays]
    margin = config.grid_margin if config.grid_margin is not None else 0.1
    lat_span = max(lats) - min(lats) + 2 * margin
    lon_span = (max(lons) - min(lons) + 2 * margin) * math.cos(math.radians(float(np.mean(lats))))
    reach_deg = math.hypot(lat_span, lon_span)
    source = travel_time_source(config.model)
    worst = 0.0
    for ph in config.phases:
        if ph not in S_PHASES:
            continue
        try:
            t, _, _ = source.derivatives(ph, np.array([reach_deg]), np.array([config.max_depth]))
        except ConfigError:
            continue  # a phase this model lacks
        if np.isfinite(t[0]):
            worst = max(worst, float(t[0]))
    return (worst if worst > 0 else 300.0) + config.local_tolerance


def associate(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    config: AssociationConfig | None = None,
    travel_times: TravelTimeSource | None = None,
    reference: Sequence[Event] | None = None,
    known: Sequence[Event] = (),
) -> AssociationResult:
    """Group ``detections`` of ``network`` into events with preliminary origins.

    ``reference``: events of a reference bulletin (the IDC's REB); detections fitting
    their predicted arrivals join them first (:mod:`openndc.association.reference`).

    ``known`` ('ndc' method): events already in the bulletin whose detections are not
    given (a windowed run's events closed before its look-back); their later arrivals in
    the window make no new event (:func:`openndc.association.ndc.search_ndc`).

    ``travel_times`` overrides ``config.model`` (an :class:`openndc.traveltime.TravelTimes`
    or a :class:`~openndc.association.tables.ConstantVelocity`). Detections whose station
    is not in ``network``, whose phase code is unknown or whose time is missing are
    reported with a :class:`DataQualityWarning` and skipped. Raises
    :class:`AssociationError` only when no detection is usable at all while some were given.
    """
    import openndc

    config = config or AssociationConfig()
    if config.sasc:
        return _sasc_corrected(detections, network, config, travel_times, reference, known)
    if config.self_calibrate:
        return _self_calibrated(detections, network, config, travel_times, reference, known)
    if reference:
        from openndc.association.reference import associate_with_reference

        return associate_with_reference(
            detections, network, config, travel_times, reference, known=known
        )
    t_start = _time.perf_counter()
    problems: list[DataProblem] = []
    dets = _ingest(detections, network, problems)
    prov = Provenance(
        f"openndc.association {_PROVENANCE_NAMES.get(config.method, config.method)}",
        getattr(openndc, "__version__", "0"),
        to_mapping(config),
    )
    if len(dets.items) == 0:
        if len(detections) > 0:
            raise AssociationError(
                f"none of the {len(detections)} detections can be associated with inventory "
                f"{network.name!r} (stations unknown, times or phases invalid); see the warnings"
            )
        return AssociationResult([], [], prov, problems, {"n_detections": 0.0})
    source = travel_times if travel_times is not None else travel_time_source(config.model)
    if config.method in ("ndc", "local"):
        sites = _network_sites(network, p_only=config.method == "ndc")
        return _associate_hypotheses(dets, config, source, prov, problems, t_start,
                                     len(detections), sites, known)  # fmt: skip
    if config.method != "grid":
        raise AssociationError(
            f"unknown association method {config.method!r}: use 'ndc', 'local' or 'grid'"
        )
    setup = _setup(dets, config, source)
    t_setup = _time.perf_counter() - t_start
    events, alive = _search(dets, setup, config, prov)
    unassociated = [d for d, a in zip(dets.items, alive, strict=True) if a]
    stats = {
        "n_detections": float(len(detections)),
        "n_usable": float(len(dets.items)),
        "n_events": float(len(events)),
        "n_associated": float(sum(len(e.arrivals) for e in events)),
        "n_nodes": float(len(setup.nodes)),
        "time_bin_s": setup.dt,
        "window_s": setup.window,
        "setup_s": t_setup,
        "total_s": _time.perf_counter() - t_start,
    }
    log.info(
        "associated %d of %d detections into %d events in %.2f s",
        stats["n_associated"], len(detections), len(events), stats["total_s"],
    )  # fmt: skip
    return AssociationResult(events, unassociated, prov, problems, stats)


def _self_calibrated(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    config: AssociationConfig,
    travel_times: TravelTimeSource | None,
    reference: Sequence[Event] | None,
    known: Sequence[Event],
) -> AssociationResult:
    """``config.self_calibrate``: associate, correct each station's back-azimuths and
    slownesses by the first pass's residuals where they differ from 0 at 99 %
    (:func:`~openndc.association.corrections.significant_corrections`),
    associate again; the events and unassociated detections carry the measured
    detections (their residuals are the corrected ones). Without corrections, the first
    pass is the result."""
    from openndc.association.corrections import (
        apply_station_corrections,
        estimate_station_corrections,
        significant_corrections,
    )

    once = replace(config, self_calibrate=False)
    first = associate(detections, network, once, travel_times, reference, known)
    source = travel_times if travel_times is not None else travel_time_source(config.model)
    estimated = estimate_station_corrections(
        first.events, source, config.self_calibrate_min_stations,
        config.self_calibrate_min_residuals,
    )  # fmt: skip
    corrections = significant_corrections(estimated)
    first.provenance = replace(first.provenance, parameters=to_mapping(config))
    first.stats["n_station_corrections"] = float(len(corrections))
    if not corrections:
        return first
    log.info("self-calibration: corrections at %d stations from %d events; associating again",
             len(corrections), len(first.events))  # fmt: skip
    for c in corrections.values():
        log.debug("station correction %s: back-azimuth %+.1f deg (%d), slowness %+.2f s/deg "
                  "(%d)", c.station, c.backazimuth, c.n_backazimuth, c.slowness,
                  c.n_slowness)  # fmt: skip
    corrected = apply_station_corrections(detections, corrections)
    second = associate(corrected, network, once, travel_times, reference, known)
    second = _as_measured(second, corrected, detections, config)
    second.stats["n_station_corrections"] = float(len(corrections))
    return second


def _as_measured(
    result: AssociationResult,
    corrected: Sequence[Detection],
    measured: Sequence[Detection],
    config: AssociationConfig,
) -> AssociationResult:
    """``result`` of associating ``corrected`` (each the correction of the detection of
    ``measured`` at its place) with its events and unassociated detections carrying the
    measured detections (their residuals stay the corrected ones) and ``config`` in its
    provenance."""
    # association hands on the detection objects it was given
    raw_of = {id(c): d for c, d in zip(corrected, measured, strict=True)}

    def raw(d: Detection) -> Detection:
        return raw_of.get(id(d), d)

    prov = replace(result.provenance, parameters=to_mapping(config))
    result.events = [
        replace(e, arrivals=tuple(replace(a, detection=raw(a.detection)) for a in e.arrivals),
                provenance=prov if e.provenance is result.provenance else e.provenance)
        for e in result.events
    ]  # fmt: skip
    result.unassociated = [raw(d) for d in result.unassociated]
    result.provenance = prov
    return result


def _sasc_corrected(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    config: AssociationConfig,
    travel_times: TravelTimeSource | None,
    reference: Sequence[Event] | None,
    known: Sequence[Event],
) -> AssociationResult:
    """``config.sasc``: the detections corrected by the stations' SASC tables
    (:func:`openndc.association.corrections.apply_sasc`) associated; the events and
    unassociated detections carry the measured ones."""
    from openndc.association.corrections import apply_sasc

    tables = _sasc_tables(config.sasc)
    corrected = apply_sasc(detections, tables)
    n = sum(1 for c, d in zip(corrected, detections, strict=True) if c is not d)
    log.info("SASC tables of %d stations corrected %d of %d detections", len(tables), n,
             len(detections))  # fmt: skip
    result = associate(corrected, network, replace(config, sasc=""), travel_times, reference,
                       known)  # fmt: skip
    result = _as_measured(result, corrected, detections, config)
    result.stats["n_sasc_corrected"] = float(n)
    return result


def _sasc_tables(prefix: str) -> dict[str, SascTable]:
    """The SASC tables of ``prefix`` (:func:`openndc.io.sasc.read_sasc_tables`), read once
    per process while their files do not change (a windowed run asks for every window)."""
    from openndc.io.sasc import read_sasc_tables

    root = Path(prefix)
    folder = root if root.is_dir() else root.parent
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*")
                         if p.is_file()))  if folder.is_dir() else ()  # fmt: skip
    key = (str(root.resolve()), stamp)
    if key not in _SASC_CACHE:
        _SASC_CACHE.clear()
        _SASC_CACHE[key] = read_sasc_tables(root)
    return _SASC_CACHE[key]


_SASC_CACHE: dict[tuple[str, tuple[tuple[str, int], ...]], dict[str, SascTable]] = {}


_PROVENANCE_NAMES = {
    "ndc": "P-driven association",
    "local": "octree search",
    "grid": "grid back-projection",
}

#: Phases that join an event without defining it (later phases, T, I) ...
_JOINING = LATER_NAMES | {"T", "I"}
#: ... except depth phases at teleseismic distances of a deep event (time-defining).
_DEPTH_PHASES = frozenset({"pP", "sP"})

_METHOD_NAMES = {
    "ndc": "P-driven association (openndc.association.ndc)",
    "local": "octree search (openndc.association.local)",
}


#: SEED instrument codes of ground-motion sensors (high- and low-gain seismometers,
#: accelerometers); a site with none of them records no P (infrasound microbarometers and
#: hydrophones are 'D', their state-of-health channels 'E', 'K', 'W', ...)
_SEISMIC_INSTRUMENTS = frozenset("HLN")


def _records_p(station: Station) -> bool:
    """Whether ``station`` records seismic P: a channel of a ground-motion sensor
    (:data:`_SEISMIC_INSTRUMENTS`), or no channel codes known (a bare site table: taken as
    seismic)."""
    codes = [ch.code for ch in station.channels if len(ch.code) == 3]
    return not codes or any(c[1] in _SEISMIC_INSTRUMENTS for c in codes)


def _network_sites(
    network: MonitoringNetwork, p_only: bool = False
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitudes and longitudes [deg] of the network's stations and array reference points
    (with ``p_only``, of those that record seismic P: :func:`_records_p`, seismic arrays)."""
    stations = [s for s in network.stations if not p_only or _records_p(s)]
    arrays = [a for a in network.arrays if not p_only or a.kind == "seismic"]
    lats = [s.latitude for s in stations] + [a.reference_latitude for a in arrays]
    lons = [s.longitude for s in stations] + [a.reference_longitude for a in arrays]
    lat, lon = np.asarray(lats, np.float64), np.asarray(lons, np.float64)
    ok = np.isfinite(lat) & np.isfinite(lon)  # a station without coordinates is skipped
    return lat[ok], lon[ok]


def _associate_hypotheses(
    dets: _Detections,
    config: AssociationConfig,
    source: TravelTimeSource,
    prov: Provenance,
    problems: list[DataProblem],
    t_start: float,
    n_in: int,
    sites: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None,
    known: Sequence[Event] = (),
) -> AssociationResult:
    hyps: list[Any]
    if config.method == "local":
        from openndc.association.local import search_local

        # the search frame and box come from the network, not from the stations that
        # happen to have detections in this window: a window's result must not depend on
        # which stations were quiet
        hyps = search_local(dets, config, source, sites=sites)
    else:
        from openndc.association.later import attach_later_phases
        from openndc.association.ndc import search_ndc

        # the nodes too are laid out around the network's sites that record P where it
        # spreads over the globe (as the local search's box around the network's), else
        # (or none known) around the detecting sites
        hyps = search_ndc(dets, config, source, known, sites if sites and sites[0].size else None)
        attach_later_phases(dets, hyps, config, source)
    events: list[Event] = []
    taken = np.zeros(len(dets.t), dtype=np.bool_)
    method = _METHOD_NAMES[config.method]
    ordered: list[Any] = sorted(hyps, key=lambda x: (x.t0, x.latitude, x.longitude))
    for k, h in enumerate(ordered):
        events.append(_hypothesis_event(dets, h, k, prov, source.model, method))
        taken[h.members] = True
    unassociated = [d for d, a in zip(dets.items, taken, strict=True) if not a]
    stats = {
        "n_detections": float(n_in),
        "n_usable": float(len(dets.items)),
        "n_events": float(len(events)),
        "n_associated": float(taken.sum()),
        "total_s": _time.perf_counter() - t_start,
    }
    log.info("associated %d of %d detections into %d events in %.2f s",
             stats["n_associated"], n_in, len(events), stats["total_s"])  # fmt: skip
    return AssociationResult(events, unassociated, prov, problems, stats)


def _hypothesis_event(
    dets: _Detections, h: Any, number: int, prov: Provenance, model: str, method: str
) -> Event:
    idx = np.asarray(h.members, dtype=np.int64)
    sites = dets.site[idx]
    dist, az, baz_pred = distance_azimuth(
        h.latitude, h.longitude, dets.site_lat[sites], dets.site_lon[sites]
    )
    dist = np.atleast_1d(np.asarray(dist, float))
    az = np.atleast_1d(np.asarray(az, float))
    baz_pred = np.atleast_1d(np.asarray(baz_pred, float))
    arrivals = []
    for j, (i, ph) in enumerate(zip(idx, h.phases, strict=True)):
        rb = float((dets.baz[i] - baz_pred[j] + 180.0) % 360.0 - 180.0)
        first = ph not in _JOINING
        # a teleseismic depth phase of a deep hypothesis defines its time: the location
        # stage frees the depth with it (else it fixes a far event's depth at 0 km and
        # moves its origin 10-16 s early for a 50-km teleseism)
        depth_phase = ph in _DEPTH_PHASES and float(h.depth) >= 15.0 and float(dist[j]) >= 20.0
        arrivals.append(
            Arrival(
                dets.items[i],
                ph,
                distance=float(dist[j]),
                azimuth=float(az[j]),
                backazimuth_residual=rb,
                time_defining=first or depth_phase,
                backazimuth_defining=first and bool(np.isfinite(rb)),
                slowness_defining=first and bool(np.isfinite(dets.slow[i])),
            )
        )
    arrivals.sort(key=lambda a: (a.detection.time, a.detection.id))
    azs = np.sort(np.unique(np.round(az, 6)))
    gap = float(np.max(np.diff(np.concatenate([azs, azs[:1] + 360.0])))) if azs.size > 1 else 360.0
    origin_time = dets.ref + h.t0
    origin = Origin(
        time=origin_time,
        latitude=float(h.latitude),
        longitude=float(h.longitude),
        depth_km=float(h.depth),
        n_defining=sum(1 for a in arrivals if a.time_defining),
        n_stations=len(np.unique(sites)),
        gap=gap,
        min_distance=float(dist.min()),
        max_distance=float(dist.max()),
        method=method,
        model=model,
        provenance=prov,
    )
    eid = f"assoc-{origin_time.strftime('%Y%m%dT%H%M%S')}-{number:05d}"
    return Event(eid, origin, tuple(arrivals), provenance=prov)


def _search(
    dets: _Detections, setup: _Setup, config: AssociationConfig, prov: Provenance
) -> tuple[list[Event], npt.NDArray[np.bool_]]:
    nodes, ph = setup.nodes, setup.phases
    n_det = len(dets.t)
    alive = np.ones(n_det, dtype=np.bool_)
    btol = np.where(
        np.isfinite(dets.bsig),
        np.maximum(config.backazimuth_tolerance, 3 * dets.bsig),
        config.backazimuth_tolerance,
    )
    stol = np.where(
        np.isfinite(dets.ssig),
        np.maximum(config.slowness_tolerance, 3 * dets.ssig),
        config.slowness_tolerance,
    )
    site_phi = geocentric_rad(dets.site_lat)
    site_lam = np.radians(dets.site_lon)
    data = DetectionArrays(
        dets.t, dets.site, dets.cls, dets.tsig, dets.baz, dets.bsig, dets.slow, dets.ssig,
        alive,
    )  # fmt: skip
    tab = PhaseTables(
        site_phi, site_lam, ph.time, ph.slowness, ph.classes, ph.tolerances, ph.d_step,
        ph.h_step,
    )  # fmt: skip
    rules = Rules(
        config.pick_sigma_factor, config.backazimuth_tolerance, config.slowness_tolerance,
        config.array_weight,
    )  # fmt: skip
    pad = float(np.nanmax(ph.tolerances)) + 2 * setup.dt
    nbins = math.ceil(setup.window / setup.dt)
    events: list[Event] = []
    t_first, t_last = float(dets.t[0]), float(dets.t[-1])
    w0 = t_first - setup.max_tt - pad
    max_tt_all = float(np.nanmax(ph.time)) if np.isfinite(ph.time).any() else setup.max_tt
    while w0 <= t_last:
        w1 = w0 + nbins * setup.dt
        lo = int(np.searchsorted(dets.t, w0 - pad))
        hi = int(np.searchsorted(dets.t, w1 + setup.max_tt + pad))
        attempts = 0
        recompute = True
        cand: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        flat: npt.NDArray[np.float32] = np.empty(0, dtype=np.float32)
        failed_rounds = 0
        while attempts < config.max_attempts and failed_rounds < config.max_failed_rounds:
            if recompute:
                recompute = False
                idx = lo + np.flatnonzero(alive[lo:hi])
                if len(np.unique(dets.site[idx])) < config.min_distinct_stations:
                    break
                order = idx[np.argsort(dets.site[idx], kind="stable")]
                score = backproject(
                    dets.t, dets.site, dets.cls, dets.baz, btol, dets.slow, stol, order,
                    nodes.tt, nodes.tol, nodes.baz, nodes.baz_cell, nodes.slowness,
                    COARSE_CLASSES, w0, setup.dt, nbins, config.array_weight,
                )  # fmt: skip
                flat = score.ravel()
                cand = np.flatnonzero(flat >= config.min_stations - 1e-6)
                if cand.size > 2000:
                    cand = cand[np.argpartition(-flat[cand], 2000)[:2000]]
                failed_rounds = 0
                cand = cand[np.argsort(-flat[cand], kind="stable")]
            if cand.size == 0:
                break
            # Refine the best few distinct candidates; keep the best acceptable one.
            top = float(flat[cand[0]])
            best: Any = None
            tried = 0
            while cand.size and tried < config.candidates_per_event:
                c = int(cand[0])
                if tried and flat[c] < config.candidate_fraction * top:
                    break
                n, b = divmod(c, nbins)
                tried += 1
                attempts += 1
                t0 = w0 + (b + 0.5) * setup.dt
                r_lo = int(np.searchsorted(dets.t, t0 - 2 * pad - setup.dt))
                r_hi = int(np.searchsorted(dets.t, t0 + max_tt_all + 2 * pad + setup.dt))
                found = refine(
                    Trial(float(nodes.latitude[n]), float(nodes.longitude[n]),
                          float(nodes.depth[n]), t0),
                    0.5 * nodes.spacing[n], 0.5 * nodes.depth_step[n], config.refine_levels,
                    float(np.nanmax(nodes.tol[n])) + setup.dt, setup.slow_max,
                    config.max_depth, data, r_lo, r_hi, tab, rules,
                )  # fmt: skip
                hyp = found.hypothesis
                if _acceptable(hyp, config) and (best is None or hyp.score > best.hypothesis.score):
                    best = found
                cand = cand[~_near(cand, n, b, nbins, nodes, setup.dt)]
            if best is not None:
                lat, lon, dep, hyp = best
                events.append(_make_event(dets, setup, lat, lon, dep, hyp, len(events), prov))
                alive[hyp.detections] = False
                recompute = True
            else:
                failed_rounds += 1
        w0 = w1
    return events, alive


def _near(
    cand: npt.NDArray[np.int64], n: int, b: int, nbins: int, nodes: NodeGrid, dt: float
) -> npt.NDArray[np.bool_]:
    """Candidates in the neighbourhood (space and origin time) of cell (n, b)."""
    cn, cb = np.divmod(cand, nbins)
    near = (nodes.xyz[cn] @ nodes.xyz[n]) > math.cos(math.radians(1.5 * nodes.spacing[n]))
    near &= np.abs(cb - b) <= max(1, round(float(np.nanmax(nodes.tol[n])) / dt))
    near[cand == n * nbins + b] = True
    return near


def _acceptable(hyp: Hypothesis, config: AssociationConfig) -> bool:
    return bool(
        hyp.n_eff >= config.min_stations - 1e-9
        and hyp.n_stations >= config.min_distinct_stations
        and hyp.n_arrivals >= config.min_arrivals
        and hyp.n_p >= config.min_p_arrivals
    )


def _make_event(
    dets: _Detections,
    setup: _Setup,
    lat: float,
    lon: float,
    depth: float,
    hyp: Hypothesis,
    number: int,
    prov: Provenance,
) -> Event:
    ph = setup.phases
    t0 = float(hyp.t0)
    det_idx: npt.NDArray[np.int64] = hyp.detections
    ph_idx: npt.NDArray[np.int64] = hyp.phases
    sites = dets.site[det_idx]
    dist, az, baz_pred = distance_azimuth(lat, lon, dets.site_lat[sites], dets.site_lon[sites])
    arrivals = []
    residuals = []
    for j, (i, k) in enumerate(zip(det_idx, ph_idx, strict=True)):
        tt = float(
            interp_table(ph.time, int(k), ph.d_step, ph.h_step, dist[j : j + 1], np.array([depth]))[
                0
            ]
        )
        sp = float(
            interp_table(
                ph.slowness, int(k), ph.d_step, ph.h_step, dist[j : j + 1], np.array([depth])
            )[0]
        )
        r = float(dets.t[i] - t0 - tt)
        rb = float((dets.baz[i] - baz_pred[j] + 180.0) % 360.0 - 180.0)
        rs = float(dets.slow[i] - sp)
        residuals.append(r)
        arrivals.append(
            Arrival(
                dets.items[i],
                ph.names[int(k)],
                distance=float(dist[j]),
                azimuth=float(az[j]),
                time_residual=r,
                backazimuth_residual=rb,
                slowness_residual=rs,
                time_defining=True,
                backazimuth_defining=bool(np.isfinite(rb)),
                slowness_defining=bool(np.isfinite(rs)),
            )
        )
    arrivals.sort(key=lambda a: a.detection.time)
    azs = np.sort(np.unique(np.round(az, 6)))
    gap = float(np.max(np.diff(np.concatenate([azs, azs[:1] + 360.0])))) if azs.size else 360.0
    if azs.size == 1:
        gap = 360.0
    origin_time = dets.ref + t0
    origin = Origin(
        time=origin_time,
        latitude=float(lat),
        longitude=float(lon),
        depth_km=float(depth),
        rms=float(np.sqrt(np.mean(np.square(residuals)))),
        n_defining=len(arrivals),
        n_stations=len(np.unique(sites)),
        gap=gap,
        min_distance=float(dist.min()),
        max_distance=float(dist.max()),
        method="grid search (openndc.association)",
        model=ph.model,
        provenance=prov,
    )
    eid = f"assoc-{origin_time.strftime('%Y%m%dT%H%M%S')}-{number:05d}"
    return Event(eid, origin, tuple(arrivals), provenance=prov)
