"""Station terms: travel-time corrections per station and phase from many located events.

A 1-D model leaves each station with a systematic residual (the structure under it and
along its paths). As hypoDD's station delays, NonLinLoc's ``LOCSTACORR`` and the IDC's
source-specific station corrections do, the terms are averages of the residuals:

- :func:`estimate_station_terms`: from located events (their arrivals' defining time
  residuals): ``term = mean(r) * n / (n + station_term_damping)`` per station-phase with
  at least ``station_term_min_events`` events (a station seen by few events is pulled
  towards zero rather than trusted);
- :func:`locate_with_station_terms`: the iterative scheme: locate every event, estimate
  terms from the residuals, add them to the corrections and relocate,
  ``station_term_iterations`` times;
- :func:`calibration_terms`: terms from events whose hypocentres are known (ground truth
  or a reference catalogue): the mean residual at the known origins, as the IDC derives
  its SSSCs from calibration events. Applied to other events of the region they move the
  solutions towards the reference frame.
"""

from __future__ import annotations

import logging
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from openndc.location.config import LocationConfig, RelocationConfig
from openndc.location.corrections import (
    CorrectionKey,
    StationCorrections,
    apply_corrections,
    residuals_at,
    restore_detections,
    station_key,
)
from openndc.location.data import TravelTimeModel, generic_phase
from openndc.location.locator import LocationResult, locate
from openndc.model.errors import LocationError
from openndc.model.event import Arrival, Event
from openndc.model.inventory import MonitoringNetwork

__all__ = [
    "StationTermResult",
    "calibration_terms",
    "estimate_station_terms",
    "locate_with_station_terms",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StationTermResult:
    """The final corrections, each event's final location (None where it could not be
    located), its location before any term (``uncorrected``) and the RMS [s] of all
    defining time residuals per iteration (index 0: no corrections)."""

    corrections: StationCorrections
    results: tuple[LocationResult | None, ...]
    rms: tuple[float, ...]
    uncorrected: tuple[LocationResult | None, ...] = ()


def _average(
    samples: dict[CorrectionKey, list[float]], cfg: RelocationConfig, source: str
) -> StationCorrections:
    time: dict[CorrectionKey, float] = {}
    count: dict[CorrectionKey, int] = {}
    for key, vals in samples.items():
        n = len(vals)
        if n < cfg.station_term_min_events:
            continue
        time[key] = float(np.mean(vals)) * n / (n + cfg.station_term_damping)
        count[key] = n
    return StationCorrections(time, count=count, source=source)


def estimate_station_terms(
    arrivals_per_event: Sequence[Sequence[Arrival]], config: RelocationConfig | None = None
) -> StationCorrections:
    """Terms from located events' arrivals: the damped mean of the defining time
    residuals per station and wave type (``P`` / ``S``) [s]."""
    cfg = config or RelocationConfig()
    samples: dict[CorrectionKey, list[float]] = defaultdict(list)
    for arrivals in arrivals_per_event:
        seen: set[CorrectionKey] = set()
        for a in arrivals:
            if not a.time_defining or not np.isfinite(a.time_residual):
                continue
            key = (station_key(a), generic_phase(a.phase) or a.phase)
            if key not in seen:  # one residual per event and key
                seen.add(key)
                samples[key].append(float(a.time_residual))
    return _average(samples, cfg, "station terms from located events")


def calibration_terms(
    events: Sequence[Event],
    network: MonitoringNetwork,
    config: LocationConfig | None = None,
    travel_times: TravelTimeModel | None = None,
    relocation: RelocationConfig | None = None,
) -> StationCorrections:
    """Terms from events whose origins are known (each event's ``origin`` is taken as
    its true hypocentre): the damped mean residual per station and wave type [s]."""
    cfg = config or LocationConfig()
    rcfg = relocation or RelocationConfig()
    if travel_times is None:
        from openndc.traveltime import load_travel_times

        travel_times = load_travel_times(cfg.model)
    samples: dict[CorrectionKey, list[float]] = defaultdict(list)
    for ev in events:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown stations: reported when locating
            res = residuals_at(ev.arrivals, ev.origin, network, cfg, travel_times)
        for (sta, ph), v in res.time.items():
            if ph in ("P", "S"):
                samples[(sta, ph)].append(v)
    return _average(samples, rcfg, f"calibration terms from {len(events)} reference events")


def _locate_all(
    events: Sequence[Event],
    network: MonitoringNetwork,
    cfg: LocationConfig,
    tt: TravelTimeModel,
    corrections: StationCorrections,
) -> list[LocationResult | None]:
    out: list[LocationResult | None] = []
    for ev in events:
        arrivals = apply_corrections(ev.arrivals, corrections) if len(corrections) else ev.arrivals
        try:
            out.append(locate(arrivals, network, cfg, travel_times=tt, initial=ev.origin))
        except LocationError as exc:
            log.info("station terms: event %s not located: %s", ev.id, exc)
            out.append(None)
    return out


def _rms(results: Sequence[LocationResult | None]) -> float:
    r = [
        a.time_residual
        for res in results
        if res is not None
        for a in res.arrivals
        if a.time_defining and np.isfinite(a.time_residual)
    ]
    return float(np.sqrt(np.mean(np.square(r)))) if r else float("nan")


def locate_with_station_terms(
    events: Sequence[Event],
    network: MonitoringNetwork,
    config: LocationConfig | None = None,
    travel_times: TravelTimeModel | None = None,
    relocation: RelocationConfig | None = None,
    initial: StationCorrections | None = None,
) -> StationTermResult:
    """Locate ``events`` (arrivals already grouped) with iteratively estimated station
    terms: locate, add the damped mean residuals to the terms, relocate
    (``station_term_iterations`` times). ``initial`` terms (e.g. :func:`calibration_terms`)
    are the starting corrections. The results carry the original detections, residuals
    after correction."""
    cfg = config or LocationConfig()
    rcfg = relocation or RelocationConfig()
    if travel_times is None:
        from openndc.traveltime import load_travel_times

        travel_times = load_travel_times(cfg.model)
    corrections = initial or StationCorrections(source="station terms")
    results = _locate_all(events, network, cfg, travel_times, corrections)
    first = tuple(results)
    rms = [_rms(results)]
    for it in range(rcfg.station_term_iterations):
        update = estimate_station_terms([r.arrivals for r in results if r is not None], rcfg)
        if not len(update):
            break
        time = dict(corrections.time)
        count = dict(corrections.count)
        for key, v in update.time.items():
            time[key] = time.get(key, 0.0) + v
            count[key] = max(count.get(key, 0), int(update.count.get(key, 0)))
        corrections = replace(corrections, time=time, count=count)
        results = _locate_all(events, network, cfg, travel_times, corrections)
        rms.append(_rms(results))
        log.info("station terms: iteration %d, %d terms, rms %.3f s", it + 1, len(time), rms[-1])
    final: list[LocationResult | None] = []
    for ev, res in zip(events, results, strict=True):
        if res is None:
            final.append(None)
            continue
        note = f"station terms: {len(corrections)} station-phase corrections"
        final.append(
            replace(
                res,
                arrivals=restore_detections(res.arrivals, ev.arrivals),
                notes=(*res.notes, note),
            )
        )
    return StationTermResult(corrections, tuple(final), tuple(rms), first)
