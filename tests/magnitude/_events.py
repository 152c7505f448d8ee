"""Hand-made events for the magnitude tests."""

from __future__ import annotations

import math

from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.event import Arrival, Event, Origin
from openndc.model.inventory import MonitoringNetwork, Station

T0 = UTCDateTime("2024-03-01T12:00:00")


def arrival(
    sta: str,
    phase: str,
    distance: float,
    dt: float,
    *,
    amplitude: float = math.nan,
    period: float = math.nan,
    amplitude_wa: float = math.nan,
    unit: str = "nm",
    snr: float = 10.0,
) -> Arrival:
    det = Detection(
        network="XX",
        station=sta,
        location="",
        channel="BHZ",
        time=T0 + dt,
        phase=phase,
        snr=snr,
        amplitude=amplitude,
        amplitude_unit=unit,
        period=period,
        amplitude_wa=amplitude_wa,
        id=f"{sta}-{phase}-{dt:g}",
    )
    return Arrival(detection=det, phase=phase, distance=distance)


def event(arrivals: list[Arrival], depth_km: float = 10.0) -> Event:
    origin = Origin(time=T0, latitude=0.0, longitude=0.0, depth_km=depth_km)
    return Event(id="ev1", origin=origin, arrivals=tuple(arrivals))


def network(codes_distances: dict[str, float]) -> MonitoringNetwork:
    """Stations on the equator east of the origin (0, 0) at the given distances [deg]."""
    stations = tuple(Station("XX", c, 0.0, d) for c, d in codes_distances.items())
    return MonitoringNetwork("test", stations)
