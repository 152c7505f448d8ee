"""Master-event relocation relative to ground-truth events.

The classic master-event method (e.g. Evernden 1969; Bondár & McLaughlin 2009 for its
use on explosions): the travel-time residuals of a master event whose hypocentre is
known (ground truth, GT) are the path corrections of every station that recorded it;
applied to a nearby event's data they remove the model error common to both paths,
and the event is located relative to the master with the small relative-picking
uncertainties (:data:`openndc.location.config.RELATIVE_PHASE_UNCERTAINTIES`).

Ground truth comes from a small catalogue (:func:`read_ground_truth`), TOML::

    [[event]]
    id = "dprk-2016-01-06"
    time = "2016-01-06T01:30:01.038"      # UTC
    latitude = 41.2980                     # deg
    longitude = 129.0715                   # deg
    depth = 0.69                           # km
    gt_level = "GT1"                       # GTx: epicentre known to x km (95 %)
    source = "Yao et al. (2018), SRL"

or CSV with the header ``id,time,latitude,longitude,depth,gt_level,source``.
A bulletin event is the master of a GT entry when its origin is within
``master_match_time`` [s] and ``master_match_distance`` [km] of it
(:func:`match_ground_truth`).
"""

from __future__ import annotations

import csv
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from obspy import UTCDateTime

from openndc.location.config import LocationConfig, PhaseUncertainties, RelocationConfig
from openndc.location.corrections import (
    StationCorrections,
    apply_corrections,
    residuals_at,
    restore_detections,
)
from openndc.location.data import TravelTimeModel
from openndc.location.locator import LocationResult, locate
from openndc.location.xcorr import XCORR_KEY
from openndc.model.errors import ConfigError, LocationError
from openndc.model.event import Event, Origin
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import MonitoringNetwork

__all__ = [
    "GroundTruthEvent",
    "master_corrections",
    "match_ground_truth",
    "read_ground_truth",
    "relocate_with_masters",
]

_GT = re.compile(r"^GT(\d+(?:\.\d+)?)$", re.IGNORECASE)


@dataclass(frozen=True)
class GroundTruthEvent:
    """A ground-truth hypocentre: ``gt_level`` ``GTx`` means the epicentre is known to
    ``x`` km at 95 % confidence (Bondár et al. 2004); ``source`` cites where it is from."""

    id: str
    time: UTCDateTime
    latitude: float
    longitude: float
    depth_km: float
    gt_level: str
    source: str

    @property
    def accuracy_km(self) -> float:
        """The GT level's epicentre accuracy [km] (GT0: 0)."""
        m = _GT.match(self.gt_level.strip())
        return float(m.group(1)) if m else math.nan

    def as_origin(self) -> Origin:
        return Origin(
            self.time, self.latitude, self.longitude, self.depth_km,
            depth_fixed=True, method=f"ground truth {self.gt_level} ({self.source})",
        )  # fmt: skip


def _gt_event(row: dict[str, object], where: str) -> GroundTruthEvent:
    missing = [k for k in ("id", "time", "latitude", "longitude", "gt_level") if k not in row]
    if missing:
        raise ConfigError(f"{where}: ground-truth event lacks {', '.join(missing)}")
    level = str(row["gt_level"]).strip()
    if not _GT.match(level):
        raise ConfigError(f"{where}: gt_level {level!r} is not GTx (e.g. GT0, GT1, GT5)")
    try:
        return GroundTruthEvent(
            id=str(row["id"]),
            time=UTCDateTime(str(row["time"])),
            latitude=float(str(row["latitude"])),
            longitude=float(str(row["longitude"])),
            depth_km=float(str(row.get("depth", 0.0) or 0.0)),
            gt_level=level.upper(),
            source=str(row.get("source", "")),
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: bad value in ground-truth event ({exc})") from exc


def read_ground_truth(path: str | Path) -> list[GroundTruthEvent]:
    """A ground-truth catalogue (TOML ``[[event]]`` tables or CSV; see the module doc)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"ground-truth catalogue {p} not found")
    rows: list[dict[str, object]]
    if p.suffix.lower() == ".csv":
        try:
            with p.open(newline="", encoding="utf-8") as fh:
                rows = [dict(r) for r in csv.DictReader(fh)]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ConfigError(f"{p}: not a readable CSV table ({exc})") from exc
    else:
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{p}: not valid TOML ({exc})") from exc
        rows = list(data.get("event", []))
    events = [_gt_event(r, f"{p} event {i + 1}") for i, r in enumerate(rows)]
    if not events:
        raise ConfigError(f"{p}: no ground-truth events (TOML [[event]] tables or CSV rows)")
    return events


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(distance_azimuth(lat1, lon1, lat2, lon2)[0]) * DEG_KM


def match_ground_truth(
    events: Sequence[Event],
    catalogue: Sequence[GroundTruthEvent],
    config: RelocationConfig | None = None,
) -> list[tuple[GroundTruthEvent, Event]]:
    """Each GT event with the bulletin event that is it (nearest in time within
    ``master_match_time`` and ``master_match_distance``); unmatched GT events are left out."""
    cfg = config or RelocationConfig()
    out = []
    for gt in catalogue:
        best: tuple[float, Event] | None = None
        for ev in events:
            dt = abs(ev.origin.time - gt.time)
            if dt > cfg.master_match_time:
                continue
            km = _km(gt.latitude, gt.longitude, ev.origin.latitude, ev.origin.longitude)
            if km <= cfg.master_match_distance and (best is None or dt < best[0]):
                best = (dt, ev)
        if best is not None:
            out.append((gt, best[1]))
    return out


def master_corrections(
    master: Event,
    gt: GroundTruthEvent,
    network: MonitoringNetwork,
    config: LocationConfig | None = None,
    travel_times: TravelTimeModel | None = None,
) -> StationCorrections:
    """The master's residuals (observed minus predicted at the GT hypocentre) per station
    and phase: times [s], back-azimuths [deg] and slownesses [s/deg]."""
    cfg = config or LocationConfig()
    if travel_times is None:
        from openndc.traveltime import load_travel_times

        travel_times = load_travel_times(cfg.model)
    corr = residuals_at(
        master.arrivals, gt.as_origin(), network, cfg, travel_times,
        source=f"master {gt.id} ({gt.gt_level})",
    )  # fmt: skip
    if not len(corr):
        raise LocationError(
            f"master {gt.id}: none of its arrival times is at a station of {network.name!r}"
        )
    return corr


def relocate_with_masters(
    event: Event,
    masters: Sequence[tuple[GroundTruthEvent, Event]],
    network: MonitoringNetwork,
    config: LocationConfig | None = None,
    travel_times: TravelTimeModel | None = None,
    relocation: RelocationConfig | None = None,
) -> LocationResult:
    """Relocate ``event`` relative to the ground-truth ``masters`` (GT entry and its
    bulletin event with arrivals).

    Each station's correction comes from the nearest master (to ``event``'s own origin,
    within ``master_max_distance``) that recorded the phase; only corrected data are
    defining. The depth, where the data do not resolve it, is fixed at the nearest
    master's. Where ``event``'s picks were aligned on the master's waveforms
    (:func:`openndc.location.xcorr.align_to_master`), only those are defining, with
    ``xcorr_model_uncertainty`` as the model error. Raises :class:`LocationError` when
    no master is near enough or fewer than ``master_min_common`` times are in common.
    """
    cfg = config or LocationConfig()
    rcfg = relocation or RelocationConfig()
    if travel_times is None:
        from openndc.traveltime import load_travel_times

        travel_times = load_travel_times(cfg.model)
    o = event.origin
    near = sorted(
        (_km(o.latitude, o.longitude, gt.latitude, gt.longitude), i)
        for i, (gt, ev) in enumerate(masters)
        if ev.id != event.id
    )
    near = [(d, i) for d, i in near if d <= rcfg.master_max_distance]
    if not near:
        raise LocationError(
            f"event {event.id} at {o.time}: no ground-truth master within "
            f"{rcfg.master_max_distance:g} km; add one to the catalogue or raise "
            "master_max_distance"
        )
    corrections = StationCorrections()
    for _, i in reversed(near):  # nearest last: it wins
        gt, ev = masters[i]
        corrections = corrections.merged(master_corrections(ev, gt, network, cfg, travel_times))
    arrivals = list(event.arrivals)
    aligned = any(XCORR_KEY in a.detection.extra for a in arrivals)
    if aligned:  # only the waveform-aligned times are defining (their own uncertainties)
        arrivals = [
            a if XCORR_KEY in a.detection.extra else replace(a, time_defining=False)
            for a in arrivals
        ]
    corrected = apply_corrections(arrivals, corrections, only_corrected=True)
    n_common = sum(1 for a in corrected if a.time_defining)
    if n_common < rcfg.master_min_common:
        raise LocationError(
            f"event {event.id} at {o.time}: {n_common} arrival time(s) in common with the "
            f"masters, need {rcfg.master_min_common}"
        )
    nearest = masters[near[0][1]][0]
    uncertainty = rcfg.master_uncertainty
    if aligned:
        u = rcfg.xcorr_model_uncertainty
        uncertainty = PhaseUncertainties(u, u, u, u, u, u, u, u, u)
    rel_cfg = replace(
        cfg,
        phase_uncertainty=uncertainty,
        fixed_depth=min(max(nearest.depth_km, 0.0), cfg.max_depth),
        grid_radius=rcfg.master_grid_radius,
    )
    result = locate(corrected, network, rel_cfg, travel_times=travel_times, initial=o)
    method = (
        f"openndc.location: master-event relocation relative to {corrections.source} "
        f"({n_common} corrected times{', aligned by cross-correlation' if aligned else ''})"
    )
    origin = replace(result.origin, method=method)
    notes = (*result.notes, f"relative to {corrections.source}")
    return replace(
        result,
        origin=origin,
        arrivals=restore_detections(result.arrivals, event.arrivals),
        notes=notes,
    )
