"""Review intervals: spans of time an analyst has marked as reviewed (the workflow of
GMS's analyst interface: the day is cut into intervals that are reviewed one by one)."""

from __future__ import annotations

from dataclasses import dataclass

from obspy import UTCDateTime
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from openndc.bulletin.schema_workspace import ReviewIntervalRow
from openndc.workspace.review import ReviewError

__all__ = ["MAX_INTERVAL_S", "ReviewInterval", "mark_reviewed", "review_intervals"]

#: The longest interval marked at once [s] (one week).
MAX_INTERVAL_S = 7 * 86400.0


@dataclass(frozen=True)
class ReviewInterval:
    """``[start, end)`` marked reviewed by ``user`` at ``time``."""

    start: UTCDateTime
    end: UTCDateTime
    user: str
    time: UTCDateTime
    comment: str = ""


def mark_reviewed(
    engine: Engine, user: str, start: UTCDateTime, end: UTCDateTime, comment: str = ""
) -> ReviewInterval:
    """Record that ``user`` reviewed ``[start, end)``."""
    if not end > start:
        raise ReviewError(f"interval {start} - {end}: the end must be after the start")
    if end - start > MAX_INTERVAL_S:
        raise ReviewError(
            f"interval {start} - {end} is longer than {MAX_INTERVAL_S / 86400:g} days: "
            "mark shorter intervals"
        )
    now = UTCDateTime()
    with Session(engine) as session, session.begin():
        session.add(
            ReviewIntervalRow(
                start_ns=start.ns, end_ns=end.ns, user=user, time_ns=now.ns, comment=comment[:500]
            )
        )
    return ReviewInterval(start, end, user, now, comment[:500])


def review_intervals(
    engine: Engine, start: UTCDateTime | None = None, end: UTCDateTime | None = None
) -> list[ReviewInterval]:
    """The intervals marked reviewed that overlap ``[start, end)``, by start."""
    query = select(ReviewIntervalRow).order_by(ReviewIntervalRow.start_ns, ReviewIntervalRow.id)
    if end is not None:
        query = query.where(ReviewIntervalRow.start_ns < end.ns)
    if start is not None:
        query = query.where(ReviewIntervalRow.end_ns > start.ns)
    with Session(engine) as session:
        return [
            ReviewInterval(
                UTCDateTime(ns=r.start_ns), UTCDateTime(ns=r.end_ns), r.user,
                UTCDateTime(ns=r.time_ns), r.comment,
            )
            for r in session.scalars(query)
        ]  # fmt: skip
