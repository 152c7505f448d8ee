"""Link a radionuclide detection to seismic events of the bulletin (time screening only).

A radionuclide released by an explosion reaches a station after atmospheric transport of
hours to weeks. Without transport modelling (a later step), the plausible sources of a
detection are the events in a window before the collection: from ``max_delay`` before the
collection start to the collection stop. Events are ranked by time before the detection;
with a station position, the distance and the mean transport speed it would imply are
listed too (speeds outside ``speed_range`` [m/s] are flagged implausible).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from obspy import UTCDateTime

from openndc.model.event import Event
from openndc.model.geodesy import DEG_KM, distance_azimuth

__all__ = ["EventCandidate", "events_window", "screen_events"]


@dataclass(frozen=True)
class EventCandidate:
    event_id: str
    origin_time: UTCDateTime
    latitude: float
    longitude: float
    lead_time: float  # collection stop - origin time [s]
    distance_km: float  # NaN without station position
    speed: float  # implied mean transport speed [m/s]
    plausible: bool


def events_window(
    collection_start: UTCDateTime, collection_stop: UTCDateTime, max_delay: float = 14 * 86400.0
) -> tuple[UTCDateTime, UTCDateTime]:
    """The origin-time window [start, end) of events that may explain a sample."""
    return collection_start - max_delay, collection_stop


def screen_events(
    events: Sequence[Event],
    collection_start: UTCDateTime,
    collection_stop: UTCDateTime,
    *,
    station: tuple[float, float] | None = None,
    max_delay: float = 14 * 86400.0,
    speed_range: tuple[float, float] = (0.5, 50.0),
) -> list[EventCandidate]:
    """Events of a bulletin within the window before a detection, most recent first."""
    start, end = events_window(collection_start, collection_stop, max_delay)
    out = []
    for ev in events:
        t = ev.origin.time
        if not (start <= t < end):
            continue
        lead = float(collection_stop - t)
        dist = speed = float("nan")
        plausible = True
        if station is not None:
            d_deg, _, _ = distance_azimuth(
                station[0], station[1], ev.origin.latitude, ev.origin.longitude
            )
            dist = float(d_deg) * DEG_KM
            # Mean speed needed for air from the event to arrive by the collection stop.
            speed = dist * 1000.0 / max(lead, 1.0)
            plausible = speed_range[0] <= speed <= speed_range[1] or dist < 100.0
        out.append(
            EventCandidate(
                event_id=ev.id or "",
                origin_time=t,
                latitude=ev.origin.latitude,
                longitude=ev.origin.longitude,
                lead_time=lead,
                distance_km=dist,
                speed=speed,
                plausible=plausible,
            )
        )
    return sorted(out, key=lambda c: c.lead_time)
