"""Store and load screening results and alerts in a bulletin database.

The tables are in :mod:`openndc.bulletin.schema_screening`. A result belongs to an event
stored in the same database (:class:`~openndc.bulletin.store.BulletinStore`) and records
the origin version that was screened (the event's preferred origin when it is stored).
Each :func:`store_screening` call is one transaction. The workspace and notifiers read
:func:`load_alerts` and mark alerts read with :func:`acknowledge_alerts`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

from obspy import UTCDateTime
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from openndc.bulletin.schema import EventRow, ProvenanceRow
from openndc.bulletin.schema_screening import (
    ScreeningAlertRow,
    ScreeningEvidenceRow,
    ScreeningResultRow,
)
from openndc.bulletin.store import BulletinStore
from openndc.model.errors import BulletinError
from openndc.model.provenance import Provenance
from openndc.model.screening import (
    CriterionEvidence,
    ScreeningAlert,
    ScreeningResult,
    StationValue,
)

__all__ = ["acknowledge_alerts", "load_alerts", "load_screening", "store_screening"]

_STATION_FIELDS = (
    "station",
    "ratio",
    "freq_min_hz",
    "freq_max_hz",
    "distance_km",
    "log10_ratio",
    "corrected",
    "z",
    "snr",
    "calibration",
)


def _f(value: float) -> float | None:
    v = float(value)
    return None if math.isnan(v) else v


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _station_json(v: StationValue) -> dict[str, Any]:
    return {k: _json(getattr(v, k)) for k in _STATION_FIELDS}


def _station_value(d: dict[str, Any]) -> StationValue:
    vals = {k: d.get(k) for k in _STATION_FIELDS}
    for k in _STATION_FIELDS:
        if k not in ("station", "ratio", "calibration"):
            vals[k] = _nan(vals[k])
    vals["calibration"] = vals["calibration"] or ""
    return StationValue(**cast(dict[str, Any], vals))


def _fail(store: BulletinStore, action: str, exc: SQLAlchemyError) -> BulletinError:
    return BulletinError(f"{store.engine.url!r}: cannot {action}: {exc}")


def store_screening(store: BulletinStore, results: Sequence[ScreeningResult]) -> int:
    """Store results (and their alerts) in one transaction; returns how many.

    Every result's ``event_id`` must name an event stored in ``store``.
    """
    now = UTCDateTime().ns
    try:
        with Session(store.engine) as session, session.begin():
            for res in results:
                event = session.scalars(
                    select(EventRow).where(EventRow.evname == res.event_id)
                ).first()
                if event is None:
                    raise BulletinError(
                        f"{store.engine.url!r}: no event {res.event_id!r} to attach its "
                        "screening to; store the event first (BulletinStore.store)"
                    )
                row = ScreeningResultRow(
                    event=event,
                    origin_id=event.prefor_id,
                    outcome=res.outcome,
                    event_type=res.event_type,
                    type_certainty=res.type_certainty,
                    summary=res.summary(),
                    stored_ns=now,
                    provenance=_provenance_row(res.provenance),
                )
                for idx, ev in enumerate(res.evidence):
                    row.evidence.append(_evidence_row(ev, idx))
                if res.alert is not None:
                    a = res.alert
                    row.alerts.append(
                        ScreeningAlertRow(
                            evname=a.event_id,
                            site=a.site,
                            distance_km=float(a.distance_km),
                            origin_time_ns=int(a.origin_time.ns),
                            outcome=a.outcome,
                            message=a.message,
                            created_ns=now,
                            acknowledged=False,
                        )
                    )
                session.add(row)
    except SQLAlchemyError as exc:
        raise _fail(store, f"store {len(results)} screening results", exc) from exc
    return len(results)


def _provenance_row(prov: Provenance | None) -> ProvenanceRow | None:
    if prov is None:
        return None
    return ProvenanceRow(
        method=prov.method,
        software_version=prov.software_version,
        parameters=_json(dict(prov.parameters)),
        author=prov.author,
        created_ns=int(prov.created.ns),
    )


def _evidence_row(ev: CriterionEvidence, idx: int) -> ScreeningEvidenceRow:
    return ScreeningEvidenceRow(
        idx=idx,
        name=ev.name,
        indicates=ev.indicates,
        value=_f(ev.value),
        threshold=_f(ev.threshold),
        uncertainty=_f(ev.uncertainty),
        unit=ev.unit,
        decided=bool(ev.decided),
        p_value=_f(ev.p_value),
        source=ev.source,
        detail=ev.detail,
        station_values=[_station_json(v) for v in ev.station_values],
    )


def _alert(row: ScreeningAlertRow) -> ScreeningAlert:
    return ScreeningAlert(
        event_id=row.evname,
        site=row.site,
        distance_km=row.distance_km,
        origin_time=UTCDateTime(ns=row.origin_time_ns),
        outcome=cast(Any, row.outcome),
        message=row.message,
    )


def _result(row: ScreeningResultRow) -> ScreeningResult:
    prov = None
    if row.provenance is not None:
        p = row.provenance
        prov = Provenance(
            method=p.method,
            software_version=p.software_version,
            parameters=dict(p.parameters or {}),
            author=p.author,
            created=UTCDateTime(ns=p.created_ns),
        )
    evidence = tuple(
        CriterionEvidence(
            name=e.name,
            indicates=cast(Any, e.indicates),
            value=_nan(e.value),
            threshold=_nan(e.threshold),
            uncertainty=_nan(e.uncertainty),
            unit=e.unit,
            decided=e.decided,
            p_value=_nan(e.p_value),
            source=e.source,
            detail=e.detail,
            station_values=tuple(_station_value(d) for d in e.station_values or []),
        )
        for e in row.evidence
    )
    return ScreeningResult(
        event_id=row.event.evname,
        outcome=cast(Any, row.outcome),
        event_type=cast(Any, row.event_type),
        type_certainty=cast(Any, row.type_certainty),
        evidence=evidence,
        alert=_alert(row.alerts[0]) if row.alerts else None,
        provenance=prov,
    )


def load_screening(
    store: BulletinStore, event_id: str, *, all_versions: bool = False
) -> tuple[ScreeningResult, ...]:
    """The newest screening result of an event (or all, oldest first); empty if none."""
    query = (
        select(ScreeningResultRow)
        .join(EventRow, EventRow.id == ScreeningResultRow.event_id)
        .where(EventRow.evname == event_id)
        .options(
            selectinload(ScreeningResultRow.evidence),
            selectinload(ScreeningResultRow.alerts),
            selectinload(ScreeningResultRow.provenance),
            selectinload(ScreeningResultRow.event),
        )
        .order_by(ScreeningResultRow.id)
    )
    try:
        with Session(store.engine) as session:
            rows = session.scalars(query).all()
            results = tuple(_result(r) for r in rows)
    except SQLAlchemyError as exc:
        raise _fail(store, f"load the screening of {event_id!r}", exc) from exc
    return results if all_versions else results[-1:]


def load_alerts(
    store: BulletinStore,
    *,
    since: UTCDateTime | None = None,
    unacknowledged: bool = False,
) -> tuple[ScreeningAlert, ...]:
    """Alerts stored since a time (all when None), oldest first."""
    query = select(ScreeningAlertRow).order_by(ScreeningAlertRow.id)
    if since is not None:
        query = query.where(ScreeningAlertRow.created_ns >= UTCDateTime(since).ns)
    if unacknowledged:
        query = query.where(ScreeningAlertRow.acknowledged.is_(False))
    try:
        with Session(store.engine) as session:
            return tuple(_alert(r) for r in session.scalars(query).all())
    except SQLAlchemyError as exc:
        raise _fail(store, "load screening alerts", exc) from exc


def acknowledge_alerts(store: BulletinStore, event_id: str) -> int:
    """Mark an event's alerts as read; returns how many were changed."""
    try:
        with Session(store.engine) as session, session.begin():
            rows = session.scalars(
                select(ScreeningAlertRow).where(
                    ScreeningAlertRow.evname == event_id,
                    ScreeningAlertRow.acknowledged.is_(False),
                )
            ).all()
            for r in rows:
                r.acknowledged = True
            return len(rows)
    except SQLAlchemyError as exc:
        raise _fail(store, f"acknowledge the alerts of {event_id!r}", exc) from exc
