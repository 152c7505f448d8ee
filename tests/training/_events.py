"""Hand-made events for the scorer tests."""

from __future__ import annotations

from obspy import UTCDateTime

from openndc.model.geodesy import destination
from openndc.training import ScoredEvent

T0 = UTCDateTime("2024-03-01T10:00:00")
LAT0, LON0 = 43.0, 77.0  # Tien Shan, near Almaty


def ev(
    id: str,
    dt: float,
    north_km: float = 0.0,
    east_km: float = 0.0,
    depth: float = 10.0,
    event_type: str = "earthquake",
    **mags: float,
) -> ScoredEvent:
    """An event ``dt`` [s] after T0, displaced north/east [km] from (LAT0, LON0)."""
    lat, lon = LAT0, LON0
    if north_km:
        lat, lon = (float(x) for x in destination(lat, lon, north_km / 111.195, 0.0))
    if east_km:
        lat, lon = (float(x) for x in destination(lat, lon, east_km / 111.195, 90.0))
    return ScoredEvent(id, T0 + dt, lat, lon, depth, dict(mags), event_type)
