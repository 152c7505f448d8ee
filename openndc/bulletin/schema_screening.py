"""Database tables of the screening part, on the bulletin schema's ``Base``.

=========================  ==============================================================
table                      content
=========================  ==============================================================
``screening_result``       one screening of one event version (the origin screened):
                           outcome, suggested event type and certainty, summary line,
                           provenance
``screening_evidence``     one criterion's finding in a result: value, threshold,
                           uncertainty, unit, which way it points, whether it decided,
                           p-value, source, detail, station values (JSON list)
``screening_alert``        an event near a known test site that was not screened out;
                           ``acknowledged`` is set by the workspace or a notifier
=========================  ==============================================================

Times are integer nanoseconds (``*_ns``), missing floats NULL, as in :mod:`schema`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Double, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openndc.bulletin.schema import Base, EventRow, ProvenanceRow

__all__ = ["ScreeningAlertRow", "ScreeningEvidenceRow", "ScreeningResultRow"]


class ScreeningResultRow(Base):
    """The screening of one event version (:class:`openndc.model.screening.ScreeningResult`)."""

    __tablename__ = "screening_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    # origin.id of the version screened (the preferred origin when stored).
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("origin.id"))
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    type_certainty: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    stored_ns: Mapped[int] = mapped_column(BigInteger, index=True)
    provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))

    event: Mapped[EventRow] = relationship()
    provenance: Mapped[ProvenanceRow | None] = relationship()
    evidence: Mapped[list[ScreeningEvidenceRow]] = relationship(
        back_populates="result",
        order_by="ScreeningEvidenceRow.idx",
        cascade="all, delete-orphan",
    )
    alerts: Mapped[list[ScreeningAlertRow]] = relationship(
        back_populates="result", cascade="all, delete-orphan"
    )


class ScreeningEvidenceRow(Base):
    """One criterion's finding (:class:`openndc.model.screening.CriterionEvidence`)."""

    __tablename__ = "screening_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("screening_result.id"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    indicates: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Double)
    threshold: Mapped[float | None] = mapped_column(Double)
    uncertainty: Mapped[float | None] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(String(40))
    decided: Mapped[bool] = mapped_column(Boolean)
    p_value: Mapped[float | None] = mapped_column(Double)
    source: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    # [{station, ratio, freq_min_hz, freq_max_hz, distance_km, log10_ratio, corrected, z,
    #   snr, calibration}], NaN as null.
    station_values: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    result: Mapped[ScreeningResultRow] = relationship(back_populates="evidence")


class ScreeningAlertRow(Base):
    """An alert (:class:`openndc.model.screening.ScreeningAlert`)."""

    __tablename__ = "screening_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("screening_result.id"), index=True)
    evname: Mapped[str] = mapped_column(String(100), index=True)
    site: Mapped[str] = mapped_column(String(100))
    distance_km: Mapped[float] = mapped_column(Double)
    origin_time_ns: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    created_ns: Mapped[int] = mapped_column(BigInteger, index=True)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)

    result: Mapped[ScreeningResultRow] = relationship(back_populates="alerts")
