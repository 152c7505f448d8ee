"""fdsnws-event: select events from the bulletin database, write QuakeML or FDSN text.

The selection is one read-only SQLAlchemy query on the bulletin tables
(:mod:`openndc.bulletin.schema`): the preferred origin of each event (``event.prefor_id``)
with its time, position and depth, the preferred magnitude (mb, else ML, else Ms: the
rule of :attr:`openndc.model.event.Event.preferred_magnitude`) or the magnitude of the
requested ``magnitudetype``, the event type, and the time the preferred version was
stored (``updatedafter``). Values are bound parameters; no SQL is built from strings.
Radius searches are filtered in Python on a latitude band pre-selected in SQL. The
selected events are then loaded with :meth:`BulletinStore.load` and written with the
bulletin's QuakeML writer (:func:`openndc.bulletin.formats.to_catalog`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from obspy import UTCDateTime
from obspy.core.event import Event as QEvent
from obspy.core.event import ResourceIdentifier
from obspy.geodetics import locations2degrees
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from openndc.bulletin import BulletinStore, to_catalog
from openndc.bulletin.schema import EventRow, NetmagRow, OriginRow, RunRow
from openndc.model.event import Bulletin, Event
from openndc.services.params import FDSNRequestError

__all__ = ["EventHit", "event_catalog", "event_text", "select_events"]

_PREFERRED_ORDER = ("mb", "ML", "Ms")


@dataclass(frozen=True)
class EventHit:
    """One selected event: identifier, preferred origin and the magnitude used."""

    event_id: str
    time_ns: int
    latitude: float
    longitude: float
    depth_km: float
    magnitude: float | None
    magnitude_type: str | None
    event_type: str
    updated_ns: int


def _magnitude_columns(magnitudetype: str | None) -> tuple[Any, Any]:
    if magnitudetype:
        cond = func.lower(NetmagRow.magtype) == magnitudetype.lower()
        order: Any = NetmagRow.idx
    else:
        cond = NetmagRow.magtype.in_(_PREFERRED_ORDER)
        order = case(
            {m: i for i, m in enumerate(_PREFERRED_ORDER)}, value=NetmagRow.magtype, else_=9
        )
    base = select(NetmagRow).where(NetmagRow.origin_id == OriginRow.id, cond).order_by(order)
    value = base.with_only_columns(NetmagRow.magnitude).limit(1).scalar_subquery()
    kind = base.with_only_columns(NetmagRow.magtype).limit(1).scalar_subquery()
    return value, kind


def _query(q: dict[str, Any], catalog: str, agency: str) -> Select[Any]:
    mag, magtype = _magnitude_columns(q["magnitudetype"])
    stmt = (
        select(
            EventRow.evname,
            OriginRow.time_ns,
            OriginRow.latitude,
            OriginRow.longitude,
            OriginRow.depth_km,
            mag.label("mag"),
            magtype.label("magtype"),
            OriginRow.event_type,
            RunRow.stored_ns,
        )
        .join(OriginRow, OriginRow.id == EventRow.prefor_id)
        .join(RunRow, RunRow.id == OriginRow.run_id)
    )
    if q["eventid"] is not None:
        return stmt.where(EventRow.evname == q["eventid"])
    if q["catalog"] is not None and q["catalog"].lower() != catalog.lower():
        return stmt.where(EventRow.id < 0)
    if q["contributor"] is not None and q["contributor"].lower() != agency.lower():
        return stmt.where(EventRow.id < 0)
    if q["starttime"] is not None:
        stmt = stmt.where(OriginRow.time_ns >= q["starttime"].ns)
    if q["endtime"] is not None:
        stmt = stmt.where(OriginRow.time_ns <= q["endtime"].ns)
    if q["updatedafter"] is not None:
        stmt = stmt.where(RunRow.stored_ns > q["updatedafter"].ns)
    lat_lo, lat_hi = q["minlatitude"], q["maxlatitude"]
    if q["latitude"] is not None and q["maxradius"] is not None:
        lat_lo = max(-90.0, q["latitude"] - q["maxradius"])
        lat_hi = min(90.0, q["latitude"] + q["maxradius"])
    if lat_lo is not None:
        stmt = stmt.where(OriginRow.latitude >= lat_lo)
    if lat_hi is not None:
        stmt = stmt.where(OriginRow.latitude <= lat_hi)
    lon_lo, lon_hi = q["minlongitude"], q["maxlongitude"]
    if lon_lo is not None and lon_hi is not None and lon_lo > lon_hi:
        stmt = stmt.where(or_(OriginRow.longitude >= lon_lo, OriginRow.longitude <= lon_hi))
    else:
        if lon_lo is not None:
            stmt = stmt.where(OriginRow.longitude >= lon_lo)
        if lon_hi is not None:
            stmt = stmt.where(OriginRow.longitude <= lon_hi)
    if q["mindepth"] is not None:
        stmt = stmt.where(OriginRow.depth_km >= q["mindepth"])
    if q["maxdepth"] is not None:
        stmt = stmt.where(OriginRow.depth_km <= q["maxdepth"])
    if q["minmagnitude"] is not None:
        stmt = stmt.where(mag >= q["minmagnitude"])
    if q["maxmagnitude"] is not None:
        stmt = stmt.where(mag <= q["maxmagnitude"])
    if q["eventtype"] is not None:
        types = [t.strip().lower() for t in q["eventtype"].split(",") if t.strip()]
        stmt = stmt.where(func.lower(OriginRow.event_type).in_(types))
    order = {
        "time": (OriginRow.time_ns.desc(), EventRow.id),
        "time-asc": (OriginRow.time_ns.asc(), EventRow.id),
        "magnitude": (mag.desc().nulls_last(), OriginRow.time_ns.desc()),
        "magnitude-asc": (mag.asc().nulls_last(), OriginRow.time_ns.desc()),
    }[q["orderby"]]
    return stmt.order_by(*order)


def select_events(
    store: BulletinStore,
    q: dict[str, Any],
    *,
    max_events: int,
    catalog: str = "OpenNDC",
    agency: str = "OpenNDC",
) -> list[EventHit]:
    """Events matching a parsed event query, in its order, after ``offset`` and ``limit``.

    Raises :class:`FDSNRequestError` (413) when more than ``max_events`` match and no
    ``limit`` at most that large was given.
    """
    offset = (q["offset"] or 1) - 1
    limit = q["limit"]
    if limit is not None and limit > max_events:
        raise FDSNRequestError(f"limit={limit} is above the server's maximum of {max_events}")
    radial = q["latitude"] is not None
    stmt = _query(q, catalog, agency)
    if not radial:
        stmt = stmt.offset(offset).limit(limit if limit is not None else max_events + 1)
    with Session(store.engine) as session:
        rows = session.execute(stmt).all()
    hits = [
        EventHit(
            r[0],
            int(r[1]),
            float(r[2]),
            float(r[3]),
            float(r[4]),
            None if r[5] is None else float(r[5]),
            r[6],
            r[7],
            int(r[8]),
        )
        for r in rows
    ]
    if radial:
        hits = [h for h in hits if _in_radius(h, q)]
        hits = hits[offset:]
        if limit is not None:
            hits = hits[:limit]
    if limit is None and len(hits) > max_events:
        raise FDSNRequestError(
            f"more than {max_events} events match: narrow the query or page with limit and offset",
            status=413,
        )
    return hits


def _in_radius(h: EventHit, q: dict[str, Any]) -> bool:
    dist = locations2degrees(q["latitude"], q["longitude"], h.latitude, h.longitude)
    lo = q["minradius"] if q["minradius"] is not None else 0.0
    hi = q["maxradius"] if q["maxradius"] is not None else 180.0
    return bool(lo <= dist <= hi)


def _load(store: BulletinStore, hits: list[EventHit]) -> list[Event]:
    bulletin = store.load(event_ids=[h.event_id for h in hits])
    by_id = {e.id: e for e in bulletin.events}
    return [by_id[h.event_id] for h in hits if h.event_id in by_id]


def event_catalog(
    store: BulletinStore,
    hits: list[EventHit],
    q: dict[str, Any],
) -> bytes:
    """QuakeML 1.2 of the selected events, with the ``include*`` options applied."""
    events = _load(store, hits)
    cat = to_catalog(Bulletin(events=tuple(events), name="fdsnws-event"))
    for ev, qe in zip(events, cat.events, strict=True):
        if q["includeallorigins"]:
            _add_other_origins(store, ev, qe)
        if not q["includeallmagnitudes"]:
            _keep_preferred_magnitude(qe)
        if not q["includearrivals"]:
            qe.picks = []
            for origin in qe.origins:
                origin.arrivals = []
    buf = io.BytesIO()
    cat.write(buf, format="QUAKEML", nsmap=getattr(cat, "nsmap", None))
    return buf.getvalue()


def _add_other_origins(store: BulletinStore, event: Event, qe: QEvent) -> None:
    """Origins of the other stored versions (oldest first), with version-unique ids."""
    seen = {str(o.resource_id) for o in qe.origins}
    for n, version in enumerate(store.versions(event.id), 1):
        if version.preferred:
            continue
        other = to_catalog(Bulletin(events=(version.event,))).events[0]
        for origin in other.origins:
            origin.arrivals = []
            rid = str(origin.resource_id)
            if rid in seen:
                origin.resource_id = ResourceIdentifier(f"{rid}/version/{n}")
            seen.add(str(origin.resource_id))
            qe.origins.append(origin)


def _keep_preferred_magnitude(qe: QEvent) -> None:
    pref = qe.preferred_magnitude_id
    qe.magnitudes = [m for m in qe.magnitudes if m.resource_id == pref]
    qe.station_magnitudes = []


def _text_time(ns: int) -> str:
    return UTCDateTime(ns=ns).strftime("%Y-%m-%dT%H:%M:%S.%f")


def event_text(hits: list[EventHit], catalog: str = "OpenNDC", agency: str = "OpenNDC") -> bytes:
    """The FDSN event text format (``|``-separated, one line per event; 1.2 adds EventType)."""
    lines = [
        "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|"
        "MagType|Magnitude|MagAuthor|EventLocationName|EventType"
    ]
    for h in hits:
        mag = "" if h.magnitude is None or not np.isfinite(h.magnitude) else f"{h.magnitude:.2f}"
        lines.append(
            "|".join(
                (
                    h.event_id,
                    _text_time(h.time_ns),
                    f"{h.latitude:.4f}",
                    f"{h.longitude:.4f}",
                    f"{h.depth_km:.1f}",
                    agency,
                    catalog,
                    agency,
                    h.event_id,
                    h.magnitude_type or "",
                    mag,
                    agency if mag else "",
                    "",
                    h.event_type,
                )
            )
        )
    return ("\n".join(lines) + "\n").encode()
