"""Events for the screening tests, built in code."""

from __future__ import annotations

import math

from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.event import Arrival, Event, NetworkMagnitude, Origin

T0 = UTCDateTime("2020-06-01T03:00:00Z")


def make_event(
    *,
    lat: float = 45.0,
    lon: float = 20.0,
    depth: float = 5.0,
    depth_unc: float = math.nan,
    depth_fixed: bool = True,
    mb: float | None = None,
    n_mb: int = 10,
    ms: float | None = None,
    n_ms: int = 5,
    phases: tuple[str, ...] = (),
    time: UTCDateTime = T0,
    event_id: str = "ev1",
) -> Event:
    mags = []
    if mb is not None:
        mags.append(NetworkMagnitude("mb", mb, 0.2, n_mb))
    if ms is not None:
        mags.append(NetworkMagnitude("Ms", ms, 0.2, n_ms))
    arrivals = tuple(
        Arrival(Detection("XX", f"S{i}", "", "BHZ", time + 600 + i), phase=p)
        for i, p in enumerate(phases)
    )
    origin = Origin(
        time=time,
        latitude=lat,
        longitude=lon,
        depth_km=depth,
        depth_uncertainty_km=depth_unc,
        depth_fixed=depth_fixed,
    )
    return Event(id=event_id, origin=origin, arrivals=arrivals, magnitudes=tuple(mags))


def synth_trace(
    network: str,
    station: str,
    distance_km: float,
    log10_ps: float,
    origin_time: UTCDateTime = T0,
    *,
    fs: float = 40.0,
    seed: int = 0,
    s_amplitude: float = 100.0,
):  # -> obspy.Trace
    """A vertical trace with white noise bursts in the P/S windows of the given log10 ratio.

    White noise has the same ratio in every band, so the measured log10 P/S should be
    ``log10_ps`` in all bands (to the sampling scatter of the noise).
    """
    import numpy as np
    from obspy import Trace

    from openndc.screening.regional import phase_windows

    rng = np.random.default_rng(seed)
    start = origin_time - 120.0
    n = int((120.0 + distance_km / 3.0 + 120.0) * fs)
    x = rng.normal(0.0, 1.0, n)
    w = phase_windows(distance_km)
    amp_p = s_amplitude * 10.0**log10_ps
    for key, amp in (("P", amp_p), ("S", s_amplitude)):
        a, b = w[key]
        i0, i1 = int((a + 120.0) * fs), int((b + 120.0) * fs)
        x[i0:i1] += rng.normal(0.0, amp, i1 - i0)
    tr = Trace(x.astype(np.float64))
    tr.stats.network, tr.stats.station, tr.stats.channel = network, station, "BHZ"
    tr.stats.sampling_rate = fs
    tr.stats.starttime = start
    return tr


def station_north(network: str, code: str, lat: float, lon: float, distance_km: float):
    """A Station ``distance_km`` due north of (lat, lon)."""
    from openndc.model.inventory import Station

    return Station(network, code, lat + distance_km / 111.195, lon)
