"""Station corrections: per station and phase, added to the predicted travel time.

A correction is what a station's observations of a phase systematically differ from the
model (observed minus predicted): the residual of a ground-truth master event at that
station (master-event location), or a station term averaged over many located events
(hypoDD, NonLinLoc, the IDC's source-specific station corrections). Applying it means
locating with ``t_obs - correction`` (likewise back-azimuth and slowness); the located
origin is then relative to the events the corrections came from.

Keys are ``(station, phase)`` where ``station`` is ``NET.STA`` (or ``STA`` when the
detection has no network code) and ``phase`` the arrival's phase name; a correction
stored for the wave type (``P`` / ``S``) is used for every P-type / S-type phase of that
station that has none of its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from openndc.location.config import LocationConfig
from openndc.location.data import (
    AZIMUTH,
    SLOWNESS,
    TIME,
    TravelTimeModel,
    build_observations,
    generic_phase,
    predict,
    wrap180,
)
from openndc.model.event import Arrival, Origin
from openndc.model.inventory import MonitoringNetwork

__all__ = [
    "CorrectionKey",
    "StationCorrections",
    "apply_corrections",
    "residuals_at",
    "restore_detections",
    "station_key",
]

#: ``(NET.STA, phase)``.
CorrectionKey = tuple[str, str]


def station_key(arrival: Arrival) -> str:
    """``NET.STA`` of an arrival's detection (``STA`` without a network code)."""
    det = arrival.detection
    return f"{det.network}.{det.station}" if det.network else det.station


def _phase(arrival: Arrival) -> str:
    return arrival.phase or arrival.detection.phase or "P"


@dataclass(frozen=True)
class StationCorrections:
    """Time [s], back-azimuth [deg] and slowness [s/deg] corrections per station and phase
    (observed minus predicted), with the number of events behind each time correction."""

    time: Mapping[CorrectionKey, float] = field(default_factory=dict)
    backazimuth: Mapping[CorrectionKey, float] = field(default_factory=dict)
    slowness: Mapping[CorrectionKey, float] = field(default_factory=dict)
    count: Mapping[CorrectionKey, int] = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return len(self.time)

    def lookup(self, table: Mapping[CorrectionKey, float], arrival: Arrival) -> float | None:
        """The correction of ``arrival`` in ``table`` (exact phase first, then wave type)."""
        sta, ph = station_key(arrival), _phase(arrival)
        value = table.get((sta, ph))
        if value is None:
            gen = generic_phase(ph)
            if gen is not None:
                value = table.get((sta, gen))
        return value

    def merged(self, other: StationCorrections) -> StationCorrections:
        """These corrections plus ``other``'s (``other`` wins where both have one)."""
        return StationCorrections(
            {**self.time, **other.time},
            {**self.backazimuth, **other.backazimuth},
            {**self.slowness, **other.slowness},
            {**self.count, **other.count},
            source="; ".join(s for s in (self.source, other.source) if s),
        )

    def rows(self) -> Iterable[tuple[str, str, float, int]]:
        """``(station, phase, time correction [s], events)`` sorted by station."""
        for (sta, ph), v in sorted(self.time.items()):
            yield sta, ph, v, int(self.count.get((sta, ph), 0))


def apply_corrections(
    arrivals: Sequence[Arrival], corrections: StationCorrections, only_corrected: bool = False
) -> list[Arrival]:
    """Arrivals with corrected observations (``time - correction`` etc.).

    With ``only_corrected`` an arrival whose time has no correction is made non-defining
    and its back-azimuth and slowness are dropped (the master-event method uses only the
    data the master also recorded).
    """
    out: list[Arrival] = []
    for arr in arrivals:
        det = arr.detection
        dt = corrections.lookup(corrections.time, arr)
        db = corrections.lookup(corrections.backazimuth, arr)
        ds = corrections.lookup(corrections.slowness, arr)
        kw: dict[str, object] = {}
        if dt is not None:
            kw["time"] = det.time - dt
        if math.isfinite(det.backazimuth):
            if db is not None:
                kw["backazimuth"] = (det.backazimuth - db) % 360.0
            elif only_corrected:
                kw["backazimuth"] = math.nan
        if math.isfinite(det.slowness):
            if ds is not None:
                kw["slowness"] = det.slowness - ds
            elif only_corrected:
                kw["slowness"] = math.nan
        new = replace(arr, detection=replace(det, **kw)) if kw else arr  # type: ignore[arg-type]
        if only_corrected and dt is None:
            new = replace(new, time_defining=False)
        out.append(new)
    return out


def residuals_at(
    arrivals: Sequence[Arrival],
    origin: Origin,
    network: MonitoringNetwork,
    config: LocationConfig,
    travel_times: TravelTimeModel,
    source: str = "",
) -> StationCorrections:
    """Residuals (observed minus predicted) of ``arrivals`` at a known ``origin``, per
    station and phase: times [s], back-azimuths [deg], slownesses [s/deg]. A phase is
    also stored under its wave type (``P``/``S``) where that has none; the first listed
    reading of a station-phase wins."""
    obs = build_observations(arrivals, network, config)
    if len(obs) == 0:
        return StationCorrections(source=source)
    t0 = float(origin.time - obs.reference)
    pred, _, _ = predict(
        obs, travel_times, config, origin.latitude, origin.longitude, origin.depth_km, t0,
        partials=False,
    )  # fmt: skip
    r = obs.value - pred[0]
    tables: dict[int, dict[CorrectionKey, float]] = {TIME: {}, AZIMUTH: {}, SLOWNESS: {}}
    for j in np.flatnonzero(np.isfinite(r)):
        sta = station_key(arrivals[int(obs.arrival[j])])
        value = float(wrap180(r[j])) if obs.kind[j] == AZIMUTH else float(r[j])
        table = tables[int(obs.kind[j])]
        table.setdefault((sta, obs.phase[j]), value)
        table.setdefault((sta, generic_phase(obs.phase[j]) or obs.phase[j]), value)
    count = dict.fromkeys(tables[TIME], 1)
    return StationCorrections(tables[TIME], tables[AZIMUTH], tables[SLOWNESS], count, source)


def restore_detections(
    located: Sequence[Arrival], original: Sequence[Arrival]
) -> tuple[Arrival, ...]:
    """Located arrivals with their original (uncorrected) detections put back; the
    residuals stay those of the corrected data (as the IDC reports residuals after SSSCs)."""
    return tuple(replace(a, detection=o.detection) for a, o in zip(located, original, strict=True))
