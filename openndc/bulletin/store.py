"""The bulletin repository: store events in a database and load them back.

:class:`BulletinStore` wraps one database (SQLite by default, PostgreSQL for production)
with the schema of :mod:`openndc.bulletin.schema`, created or migrated on opening. Each
:meth:`BulletinStore.store` call is one transaction: it stores all of its events or none.

Storing an event whose identifier is already in the database adds a new *version*: a new
origin with its associations and magnitudes, which becomes the event's preferred origin
(e.g. the analyst-reviewed origin after the automatic one). :meth:`BulletinStore.load`
returns the preferred versions, :meth:`BulletinStore.versions` all of them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from obspy import UTCDateTime
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from openndc.bulletin.migrate import upgrade
from openndc.bulletin.schema import (
    Assoc,
    Base,
    DataProblemRow,
    DetectionRow,
    EventRow,
    NetmagRow,
    OriginRow,
    ProcessingWindow,
    ProvenanceRow,
    RunRow,
    StamagRow,
)
from openndc.model.detection import DETECTION_COLUMNS, Detection
from openndc.model.errors import BulletinError
from openndc.model.event import (
    Arrival,
    Bulletin,
    ErrorEllipse,
    Event,
    NetworkMagnitude,
    Origin,
    StationMagnitude,
)
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem

__all__ = ["DEFAULT_URL", "BulletinStore", "EventVersion"]

log = logging.getLogger(__name__)

#: Database of ``BulletinStore()`` without a URL: a SQLite file in the working directory.
DEFAULT_URL = "sqlite:///bulletin.db"

#: The detection table's measurement columns by kind, from the one definition.
_DETECTION_FLOATS = tuple(c.name for c in DETECTION_COLUMNS if c.dtype == "float")
_DETECTION_STRINGS = tuple(
    c.name for c in DETECTION_COLUMNS if c.dtype == "str" and c.name not in ("id", "method")
)
_DET = DetectionRow.__table__.c


@dataclass(frozen=True, slots=True)
class EventVersion:
    """One stored version of an event: the event as stored, when, in which run."""

    event: Event
    origin_db_id: int
    stored: UTCDateTime
    run_name: str
    run_provenance: Provenance | None
    preferred: bool


def _f(value: float) -> float | None:
    """Model float → column value: NaN becomes NULL."""
    v = float(value)
    return None if math.isnan(v) else v


def _opt_int(value: int | None) -> int | None:
    """Model count → column value: None (not given) stays NULL."""
    return None if value is None else int(value)


def _nan(value: float | None) -> float:
    """Column value → model float: NULL becomes ``math.nan`` (the model's missing value)."""
    return math.nan if value is None else float(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _jsonable(item())
    return str(value)


def _time(ns: int) -> UTCDateTime:
    return UTCDateTime(ns=int(ns))


class _Writer:
    """Turns model objects into rows inside one session (one ``store`` call)."""

    def __init__(self, session: Session, run: RunRow) -> None:
        self.session = session
        self.run = run
        self._provenance: dict[int, ProvenanceRow] = {}
        self._detections: dict[tuple[Any, ...], DetectionRow] = {}
        self._stored: dict[str, list[DetectionRow]] = {}

    def provenance(self, prov: Provenance | None) -> ProvenanceRow | None:
        if prov is None:
            return None
        row = self._provenance.get(id(prov))
        if row is None:
            row = ProvenanceRow(
                method=prov.method,
                software_version=prov.software_version,
                parameters=_jsonable(dict(prov.parameters)),
                author=prov.author,
                created_ns=int(prov.created.ns),
            )
            self.session.add(row)
            self._provenance[id(prov)] = row
        return row

    def detection(self, det: Detection) -> DetectionRow:
        values = _detection_values(det)
        key = tuple(sorted(values.items()))
        row = self._detections.get(key)
        if row is not None:
            return row
        if det.id:  # the same detection stored earlier (by the detection stage, a version)
            row = self._find_detection(values)
        if row is None:
            row = DetectionRow(**values, provenance=self.provenance(det.provenance))
            self.session.add(row)
        self._detections[key] = row
        return row

    def _find_detection(self, values: dict[str, Any]) -> DetectionRow | None:
        """The row stored before this call with the same identifier and values, if any."""
        name = values["detname"]
        if name not in self._stored:
            return _find_detection(self.session, values)
        for old in self._stored[name]:
            if all(getattr(old, k) == v for k, v in values.items()):
                return old
        return None

    def prefetch(self, events: Iterable[Event]) -> None:
        """Look up, in one query per 500, the stored detections named by these events."""
        names = sorted(
            {a.detection.id for e in events for a in e.arrivals if a.detection.id}
            - set(self._stored)
        )
        for k in range(0, len(names), 500):
            chunk = names[k : k + 500]
            for name in chunk:
                self._stored[name] = []
            for row in self.session.scalars(select(DetectionRow).where(_DET.detname.in_(chunk))):
                self._stored[row.detname].append(row)

    def origin(self, event: Event, event_row: EventRow) -> OriginRow:
        o = event.origin
        e = o.ellipse
        row = OriginRow(
            event=event_row,
            run=self.run,
            orname=o.id,
            time_ns=int(o.time.ns),
            latitude=_f(o.latitude),
            longitude=_f(o.longitude),
            depth_km=_f(o.depth_km),
            time_uncertainty=_f(o.time_uncertainty),
            depth_uncertainty_km=_f(o.depth_uncertainty_km),
            depth_fixed=bool(o.depth_fixed),
            semi_major_km=None if e is None else _f(e.semi_major_km),
            semi_minor_km=None if e is None else _f(e.semi_minor_km),
            ellipse_azimuth=None if e is None else _f(e.azimuth),
            ellipse_confidence=None if e is None else _f(e.confidence),
            rms=_f(o.rms),
            n_defining=_opt_int(o.n_defining),
            n_stations=_opt_int(o.n_stations),
            gap=_f(o.gap),
            min_distance=_f(o.min_distance),
            max_distance=_f(o.max_distance),
            method=o.method,
            model=o.model,
            provenance=self.provenance(o.provenance),
            review_status=event.review_status,
            event_type=event.event_type,
            comment=event.comment,
            event_provenance=self.provenance(event.provenance),
        )
        self.session.add(row)
        for idx, arr in enumerate(event.arrivals):
            row.assocs.append(self.assoc(arr, idx))
        for idx, mag in enumerate(event.magnitudes):
            row.netmags.append(self.netmag(mag, idx))
        return row

    def assoc(self, arr: Arrival, idx: int) -> Assoc:
        return Assoc(
            detection=self.detection(arr.detection),
            idx=idx,
            phase=arr.phase,
            distance=_f(arr.distance),
            azimuth=_f(arr.azimuth),
            time_residual=_f(arr.time_residual),
            backazimuth_residual=_f(arr.backazimuth_residual),
            slowness_residual=_f(arr.slowness_residual),
            time_defining=bool(arr.time_defining),
            backazimuth_defining=bool(arr.backazimuth_defining),
            slowness_defining=bool(arr.slowness_defining),
            weight=_f(arr.weight),
            provenance=self.provenance(arr.provenance),
        )

    def netmag(self, mag: NetworkMagnitude, idx: int) -> NetmagRow:
        row = NetmagRow(
            idx=idx,
            magtype=mag.magnitude_type,
            magnitude=_f(mag.value),
            uncertainty=_f(mag.uncertainty),
            n_stations=_opt_int(mag.n_stations),
            method=mag.method,
            provenance=self.provenance(mag.provenance),
        )
        for i, sm in enumerate(mag.station_magnitudes):
            row.stamags.append(
                StamagRow(
                    idx=i,
                    magtype=sm.magnitude_type,
                    magnitude=_f(sm.value),
                    network=sm.network,
                    station=sm.station,
                    amplitude=_f(sm.amplitude),
                    amplitude_unit=sm.amplitude_unit,
                    period=_f(sm.period),
                    distance=_f(sm.distance),
                    detname=sm.detection_id,
                    used=bool(sm.used),
                    provenance=self.provenance(sm.provenance or mag.provenance),
                )
            )
        return row


def _provenance(row: ProvenanceRow | None) -> Provenance | None:
    if row is None:
        return None
    return Provenance(
        method=row.method,
        software_version=row.software_version,
        parameters=dict(row.parameters or {}),
        author=row.author,
        created=_time(row.created_ns),
    )


def _detection_values(det: Detection) -> dict[str, Any]:
    """Model detection → detection row values (NaN → NULL); ``detname`` is its id."""
    values: dict[str, Any] = {name: getattr(det, name) for name in _DETECTION_STRINGS}
    values.update({name: _f(getattr(det, name)) for name in _DETECTION_FLOATS})
    values.update(detname=det.id, time_ns=int(det.time.ns), method=det.method)
    return values


def _find_detection(session: Session, values: dict[str, Any]) -> DetectionRow | None:
    """The stored row with the same identifier and exactly these values, if any."""
    query = select(DetectionRow).where(
        _DET.detname == values["detname"],
        _DET.station == values["station"],
        _DET.time_ns == values["time_ns"],
    )
    for old in session.scalars(query):
        if all(getattr(old, k) == v for k, v in values.items()):
            return old
    return None


def _detection(row: DetectionRow) -> Detection:
    values: dict[str, Any] = {name: getattr(row, name) for name in _DETECTION_STRINGS}
    values.update({name: _nan(getattr(row, name)) for name in _DETECTION_FLOATS})
    method = cast(Any, row.method)
    return Detection(
        time=_time(row.time_ns),
        method=method,
        id=row.detname,
        provenance=_provenance(row.provenance),
        **values,
    )


def _event(row: OriginRow) -> Event:
    ellipse = None
    if row.semi_major_km is not None or row.semi_minor_km is not None:
        ellipse = ErrorEllipse(
            semi_major_km=_nan(row.semi_major_km),
            semi_minor_km=_nan(row.semi_minor_km),
            azimuth=_nan(row.ellipse_azimuth),
            confidence=_nan(row.ellipse_confidence),
        )
    origin = Origin(
        time=_time(row.time_ns),
        latitude=_nan(row.latitude),
        longitude=_nan(row.longitude),
        depth_km=_nan(row.depth_km),
        time_uncertainty=_nan(row.time_uncertainty),
        depth_uncertainty_km=_nan(row.depth_uncertainty_km),
        depth_fixed=row.depth_fixed,
        ellipse=ellipse,
        rms=_nan(row.rms),
        n_defining=row.n_defining,
        n_stations=row.n_stations,
        gap=_nan(row.gap),
        min_distance=_nan(row.min_distance),
        max_distance=_nan(row.max_distance),
        method=row.method,
        model=row.model,
        id=row.orname,
        provenance=_provenance(row.provenance),
    )
    arrivals = tuple(
        Arrival(
            detection=_detection(a.detection),
            phase=a.phase,
            distance=_nan(a.distance),
            azimuth=_nan(a.azimuth),
            time_residual=_nan(a.time_residual),
            backazimuth_residual=_nan(a.backazimuth_residual),
            slowness_residual=_nan(a.slowness_residual),
            time_defining=a.time_defining,
            backazimuth_defining=a.backazimuth_defining,
            slowness_defining=a.slowness_defining,
            weight=_nan(a.weight),
            provenance=_provenance(a.provenance),
        )
        for a in row.assocs
    )
    magnitudes = tuple(
        NetworkMagnitude(
            magnitude_type=cast(Any, m.magtype),
            value=_nan(m.magnitude),
            uncertainty=_nan(m.uncertainty),
            n_stations=m.n_stations,
            method=m.method,
            station_magnitudes=tuple(
                StationMagnitude(
                    magnitude_type=cast(Any, s.magtype),
                    value=_nan(s.magnitude),
                    network=s.network,
                    station=s.station,
                    amplitude=_nan(s.amplitude),
                    amplitude_unit=s.amplitude_unit,
                    period=_nan(s.period),
                    distance=_nan(s.distance),
                    detection_id=s.detname,
                    used=s.used,
                )
                for s in m.stamags
            ),
            provenance=_provenance(m.provenance),
        )
        for m in row.netmags
    )
    return Event(
        id=row.event.evname,
        origin=origin,
        arrivals=arrivals,
        magnitudes=magnitudes,
        event_type=cast(Any, row.event_type),
        review_status=cast(Any, row.review_status),
        comment=row.comment,
        provenance=_provenance(row.event_provenance),
    )


def _load_options() -> tuple[Any, ...]:
    return (
        selectinload(OriginRow.assocs)
        .selectinload(Assoc.detection)
        .selectinload(DetectionRow.provenance),
        selectinload(OriginRow.assocs).selectinload(Assoc.provenance),
        selectinload(OriginRow.netmags).selectinload(NetmagRow.stamags),
        selectinload(OriginRow.netmags).selectinload(NetmagRow.provenance),
        selectinload(OriginRow.provenance),
        selectinload(OriginRow.event_provenance),
        selectinload(OriginRow.event),
        selectinload(OriginRow.run).selectinload(RunRow.provenance),
    )


class BulletinStore:
    """A bulletin database: ``sqlite:///path.db`` (default) or ``postgresql+psycopg://...``.

    The schema is created or migrated to the newest revision on opening unless
    ``migrate=False``. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, url: str = DEFAULT_URL, *, migrate: bool = True) -> None:
        self.url = url
        try:
            make_url(url)
            self.engine: Engine = create_engine(url)
        except (ArgumentError, ImportError, ValueError) as exc:
            raise BulletinError(
                f"bad database URL {url!r}: {exc}; use sqlite:///path.db or "
                "postgresql+psycopg://user:password@host:port/database"
            ) from exc
        if migrate:
            upgrade(self.engine)

    def __enter__(self) -> BulletinStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def _fail(self, action: str, exc: SQLAlchemyError) -> BulletinError:
        return BulletinError(f"{self.engine.url!r}: cannot {action}: {exc}")

    # -- writing -----------------------------------------------------------------------

    def store(
        self,
        bulletin: Bulletin | Sequence[Event],
        provenance: Provenance | None = None,
        *,
        name: str | None = None,
    ) -> tuple[str, ...]:
        """Store events in one transaction; return their identifiers, in order.

        ``provenance`` (default: the bulletin's) and ``name`` (default: the bulletin's)
        describe this store run. An event without identifier gets ``"evN"`` (N its
        database key); an identifier already stored gets a new version that becomes
        preferred. Nothing is stored when anything fails.
        """
        if isinstance(bulletin, Bulletin):
            events: Sequence[Event] = bulletin.events
            provenance = provenance if provenance is not None else bulletin.provenance
            name = bulletin.name if name is None else name
        else:
            events = bulletin
        ids: list[str] = []
        try:
            with Session(self.engine) as session, session.begin():
                writer = _Writer(session, RunRow(name=name or "", stored_ns=UTCDateTime().ns))
                writer.run.provenance = writer.provenance(provenance)
                session.add(writer.run)
                writer.prefetch(events)
                for event in events:
                    ids.append(self._store_event(session, writer, event))
        except SQLAlchemyError as exc:
            raise self._fail(f"store {len(events)} events", exc) from exc
        log.info("stored %d events in %s", len(ids), self.engine.url)
        return tuple(ids)

    def _store_event(self, session: Session, writer: _Writer, event: Event) -> str:
        row = None
        if event.id:
            row = session.scalars(select(EventRow).where(EventRow.evname == event.id)).first()
        if row is None:
            row = EventRow(evname=event.id or "", time_ns=int(event.origin.time.ns))
            session.add(row)
        with session.no_autoflush:
            origin = _origin_row(writer, event, row)
        session.flush()
        if not row.evname:
            row.evname = f"ev{row.id}"
        row.prefor_id = origin.id
        row.time_ns = origin.time_ns
        return row.evname

    # -- reading -----------------------------------------------------------------------

    def load(
        self,
        start: UTCDateTime | None = None,
        end: UTCDateTime | None = None,
        *,
        event_ids: Iterable[str] | None = None,
        review_status: str | None = None,
        name: str | None = None,
        include_deleted: bool = False,
    ) -> Bulletin:
        """The preferred version of the events with origin time in [start, end), by time.

        ``event_ids`` restricts to those identifiers, ``review_status`` to ``"automatic"``
        or ``"reviewed"`` preferred versions. Events whose preferred version has the type
        ``"not existing"`` (merged into another event, or their detections superseded) are
        left out unless ``include_deleted``. The bulletin's provenance and name are those
        of the store run when all events come from one run.
        """
        query = (
            select(OriginRow)
            .join(EventRow, EventRow.prefor_id == OriginRow.id)
            .options(*_load_options())
            .order_by(OriginRow.time_ns, OriginRow.id)
        )
        if start is not None:
            query = query.where(OriginRow.time_ns >= UTCDateTime(start).ns)
        if end is not None:
            query = query.where(OriginRow.time_ns < UTCDateTime(end).ns)
        if event_ids is not None:
            query = query.where(EventRow.evname.in_(list(event_ids)))
        if review_status is not None:
            query = query.where(OriginRow.review_status == review_status)
        if not include_deleted:
            query = query.where(OriginRow.event_type != "not existing")
        try:
            with Session(self.engine) as session:
                rows = session.scalars(query).all()
                events = tuple(_event(r) for r in rows)
                runs = {r.run_id: r.run for r in rows}
                run = next(iter(runs.values())) if len(runs) == 1 else None
                provenance = _provenance(run.provenance) if run is not None else None
                run_name = run.name if run is not None else ""
        except SQLAlchemyError as exc:
            raise self._fail("load events", exc) from exc
        return Bulletin(
            events=events, provenance=provenance, name=run_name if name is None else name
        )

    def versions(self, event_id: str) -> tuple[EventVersion, ...]:
        """Every stored version of an event, oldest first (e.g. automatic, then reviewed)."""
        query = (
            select(OriginRow)
            .join(EventRow, EventRow.id == OriginRow.event_id)
            .where(EventRow.evname == event_id)
            .options(*_load_options())
            .order_by(OriginRow.id)
        )
        try:
            with Session(self.engine) as session:
                rows = session.scalars(query).all()
                return tuple(
                    EventVersion(
                        event=_event(r),
                        origin_db_id=r.id,
                        stored=_time(r.run.stored_ns),
                        run_name=r.run.name,
                        run_provenance=_provenance(r.run.provenance),
                        preferred=r.event.prefor_id == r.id,
                    )
                    for r in rows
                )
        except SQLAlchemyError as exc:
            raise self._fail(f"load the versions of event {event_id!r}", exc) from exc

    # -- pipeline state: detections, processed windows, data problems ---------------------

    def store_detections(
        self,
        detections: Sequence[Detection],
        *,
        window_id: int | None = None,
        span: tuple[UTCDateTime, UTCDateTime] | None = None,
        replace: bool = False,
    ) -> tuple[int, int]:
        """Store detections (each needs its stable ``id``); return ``(added, superseded)``.

        A detection already stored with the same identifier and values is kept, not
        duplicated. With ``span`` (the window the detections are complete for), the stored
        current detections in ``[start, end)`` that are not in ``detections`` are marked
        superseded (a rerun with another configuration replaced them); they stay in the
        database, since origins may refer to them. With ``replace``, a stored current
        detection with the same identifier but other values is superseded by the one given
        (a streaming detection's update: the same onset, more measurements).
        """
        missing = [d for d in detections if not d.id]
        if missing:
            raise BulletinError(
                f"{len(missing)} detection(s) without identifier (first: {missing[0].seed_id} "
                f"at {missing[0].time}); give each its stable_id before storing"
            )
        added = superseded = 0
        try:
            with Session(self.engine) as session, session.begin():
                writer = _Writer(session, RunRow(name="", stored_ns=0))
                current: dict[str, list[DetectionRow]] = {}
                if span is not None:
                    query = select(DetectionRow).where(
                        _DET.time_ns >= UTCDateTime(span[0]).ns,
                        _DET.time_ns < UTCDateTime(span[1]).ns,
                        _DET.superseded.is_(False),
                    )
                else:
                    names = sorted({d.id for d in detections})
                    query = select(DetectionRow).where(
                        _DET.detname.in_(names), _DET.superseded.is_(False)
                    )
                for row in session.scalars(query):
                    current.setdefault(row.detname, []).append(row)
                chosen: list[DetectionRow] = []
                for det in detections:
                    values = _detection_values(det)
                    same = next(
                        (
                            r
                            for r in current.get(det.id, [])
                            if all(getattr(r, k) == v for k, v in values.items())
                        ),
                        None,
                    )
                    if same is None:
                        same = DetectionRow(
                            **values,
                            provenance=writer.provenance(det.provenance),
                            window_id=window_id,
                        )
                        session.add(same)
                        current.setdefault(det.id, []).append(same)
                        added += 1
                    chosen.append(same)
                if span is not None or replace:
                    kept = {id(r) for r in chosen}
                    for rows in current.values():
                        for r in rows:
                            if id(r) not in kept:
                                r.superseded = True
                                superseded += 1
        except SQLAlchemyError as exc:
            raise self._fail(f"store {len(detections)} detections", exc) from exc
        return added, superseded

    def withdraw_detections(self, names: Iterable[str]) -> int:
        """Mark the current detections with these identifiers superseded (a live array
        arrival replaced by a stronger one re-picked near it); they stay in the database,
        since origins may refer to them. Returns how many rows were marked."""
        wanted = sorted(set(names))
        if not wanted:
            return 0
        query = select(DetectionRow).where(_DET.detname.in_(wanted), _DET.superseded.is_(False))
        try:
            with Session(self.engine) as session, session.begin():
                rows = list(session.scalars(query))
                for row in rows:
                    row.superseded = True
        except SQLAlchemyError as exc:
            raise self._fail(f"withdraw {len(wanted)} detections", exc) from exc
        return len(rows)

    def load_detections(
        self,
        start: UTCDateTime,
        end: UTCDateTime,
        *,
        include_superseded: bool = False,
        names: Iterable[str] | None = None,
    ) -> list[Detection]:
        """Stored detections with onset in ``[start, end)`` (or named ``names``), by time."""
        query = select(DetectionRow).options(selectinload(DetectionRow.provenance))
        if names is not None:
            query = query.where(_DET.detname.in_(sorted(set(names))))
        else:
            query = query.where(
                _DET.time_ns >= UTCDateTime(start).ns, _DET.time_ns < UTCDateTime(end).ns
            )
        if not include_superseded:
            query = query.where(_DET.superseded.is_(False))
        query = query.order_by(_DET.time_ns, _DET.station, _DET.id)
        try:
            with Session(self.engine) as session:
                return [_detection(r) for r in session.scalars(query)]
        except SQLAlchemyError as exc:
            raise self._fail(f"load the detections of {start} - {end}", exc) from exc

    def window_done(self, start: UTCDateTime, end: UTCDateTime, config_hash: str) -> bool:
        """Whether ``[start, end)`` was processed to the end with this configuration."""
        query = select(func.count()).where(
            ProcessingWindow.start_ns == UTCDateTime(start).ns,
            ProcessingWindow.end_ns == UTCDateTime(end).ns,
            ProcessingWindow.config_hash == config_hash,
            ProcessingWindow.done_ns.is_not(None),
        )
        try:
            with Session(self.engine) as session:
                return int(session.execute(query).scalar_one()) > 0
        except SQLAlchemyError as exc:
            raise self._fail("read the processed windows", exc) from exc

    def begin_window(
        self,
        start: UTCDateTime,
        end: UTCDateTime,
        config_hash: str,
        source: str,
        provenance: Provenance | None = None,
    ) -> int:
        """Record that ``[start, end)`` is being processed; returns the window's key."""
        try:
            with Session(self.engine) as session, session.begin():
                writer = _Writer(session, RunRow(name="", stored_ns=0))
                row = ProcessingWindow(
                    start_ns=UTCDateTime(start).ns,
                    end_ns=UTCDateTime(end).ns,
                    config_hash=config_hash,
                    source=source[:500],
                    provenance=writer.provenance(provenance),
                    started_ns=UTCDateTime().ns,
                    n_detections=0,
                    n_events_new=0,
                    n_events_updated=0,
                    n_problems=0,
                )
                session.add(row)
                session.flush()
                return int(row.id)
        except SQLAlchemyError as exc:
            raise self._fail(f"record the window {start} - {end}", exc) from exc

    def finish_window(
        self,
        window_id: int,
        *,
        n_detections: int,
        n_events_new: int,
        n_events_updated: int,
        problems: Sequence[DataProblem] = (),
    ) -> None:
        """Mark a window done, with its counts and data problems."""
        try:
            with Session(self.engine) as session, session.begin():
                row = session.get(ProcessingWindow, window_id)
                if row is None:
                    raise BulletinError(f"{self.url}: no processing window {window_id}")
                row.done_ns = UTCDateTime().ns
                row.n_detections = n_detections
                row.n_events_new = n_events_new
                row.n_events_updated = n_events_updated
                row.n_problems = len(problems)
                for p in problems:
                    session.add(
                        DataProblemRow(
                            window_id=window_id,
                            kind=p.kind,
                            source=p.source[:500],
                            stream=p.stream[:100],
                            start_ns=None if p.start is None else int(p.start.ns),
                            end_ns=None if p.end is None else int(p.end.ns),
                            message=p.message,
                        )
                    )
        except SQLAlchemyError as exc:
            raise self._fail(f"finish the window {window_id}", exc) from exc

    def windows(self) -> list[dict[str, Any]]:
        """The processed windows, oldest first (for reports)."""
        query = select(ProcessingWindow).order_by(ProcessingWindow.start_ns, ProcessingWindow.id)
        try:
            with Session(self.engine) as session:
                return [
                    {
                        "start": _time(w.start_ns),
                        "end": _time(w.end_ns),
                        "config_hash": w.config_hash,
                        "done": w.done_ns is not None,
                        "n_detections": w.n_detections,
                        "n_events_new": w.n_events_new,
                        "n_events_updated": w.n_events_updated,
                        "n_problems": w.n_problems,
                    }
                    for w in session.scalars(query)
                ]
        except SQLAlchemyError as exc:
            raise self._fail("read the processed windows", exc) from exc

    def counts(self) -> dict[str, int]:
        """Rows per table (for checks and reports)."""
        try:
            with Session(self.engine) as session:
                return {
                    table.name: int(
                        session.execute(select(func.count()).select_from(table)).scalar_one()
                    )
                    for table in Base.metadata.sorted_tables
                }
        except SQLAlchemyError as exc:
            raise self._fail("count rows", exc) from exc


def _origin_row(writer: _Writer, event: Event, row: EventRow) -> OriginRow:
    """The origin (and its associations and magnitudes) of one event version."""
    return writer.origin(event, row)
