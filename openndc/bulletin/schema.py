"""The bulletin database schema (SQLAlchemy 2 typed ORM), close to the IDC's CSS3.0 tables.

=============  ===================================================================
table          CSS3.0 counterpart and content
=============  ===================================================================
``run``        one ``store`` call: bulletin name and the run's provenance
``provenance`` method, software version, parameters (JSON), author, creation time
``event``      ``event``: the event identifier and its preferred origin (``prefor``)
``origin``     ``origin`` + ``origerr``: one version of an event's hypocentre with its
               90 % ellipse, quality, review status, event type and provenance
``detection``  ``arrival``: every detection with its measurements (columns derived from
               :data:`DETECTION_COLUMNS`), provenance, processing window, superseded flag
``processing_window`` a window the pipeline processed, with its configuration's hash
``data_problem`` data problems met while processing a window
``assoc``      ``assoc``: a detection associated with an origin: phase, distance,
               azimuth, residuals, defining flags, weight
``netmag``     ``netmag``: a network magnitude of an origin
``stamag``     ``stamag``: a station magnitude contributing to a network magnitude
=============  ===================================================================

Times are stored exactly as integer nanoseconds since 1970-01-01 UTC (``*_ns`` columns,
64-bit), the representation of :class:`obspy.UTCDateTime`; floats are IEEE doubles, and a
missing value (NaN in the model) is NULL. Units are in the column names (``_km``, ``_deg``)
or as in :mod:`openndc.model.event`: distances [deg], azimuths [deg], slowness [s/deg].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from openndc.model.detection import DETECTION_COLUMNS

__all__ = [
    "Assoc",
    "Base",
    "DataProblemRow",
    "DetectionRow",
    "EventRow",
    "NetmagRow",
    "OriginRow",
    "ProcessingWindow",
    "ProvenanceRow",
    "RunRow",
    "StamagRow",
]

# Deterministic constraint names, so that migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ProvenanceRow(Base):
    """How a product was made (:class:`openndc.model.provenance.Provenance`)."""

    __tablename__ = "provenance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(200))
    software_version: Mapped[str] = mapped_column(String(100))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(100), index=True)
    created_ns: Mapped[int] = mapped_column(BigInteger)


class RunRow(Base):
    """One ``BulletinStore.store`` call: what was stored together, by whom."""

    __tablename__ = "run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))
    stored_ns: Mapped[int] = mapped_column(BigInteger)

    provenance: Mapped[ProvenanceRow | None] = relationship()


class EventRow(Base):
    """An event: its identifier and the preferred origin (the latest stored version)."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evname: Mapped[str] = mapped_column(String(100), unique=True)
    # origin.id of the preferred origin (no foreign key: event and origin refer to each other).
    prefor_id: Mapped[int | None] = mapped_column(Integer)
    # Time of the preferred origin, copied for time-window queries [ns].
    time_ns: Mapped[int] = mapped_column(BigInteger, index=True)

    origins: Mapped[list[OriginRow]] = relationship(
        back_populates="event", foreign_keys="OriginRow.event_id", order_by="OriginRow.id"
    )


class OriginRow(Base):
    """One version of an event: hypocentre, ellipse, quality, review status, event fields."""

    __tablename__ = "origin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    orname: Mapped[str] = mapped_column(String(100))
    time_ns: Mapped[int] = mapped_column(BigInteger, index=True)
    latitude: Mapped[float] = mapped_column(Double)
    longitude: Mapped[float] = mapped_column(Double)
    # NULL: depth not given (a bulletin without depth; never read as 0 km fixed).
    depth_km: Mapped[float | None] = mapped_column(Double)
    time_uncertainty: Mapped[float | None] = mapped_column(Double)
    depth_uncertainty_km: Mapped[float | None] = mapped_column(Double)
    depth_fixed: Mapped[bool] = mapped_column(Boolean)
    # Error ellipse (CSS3.0 origerr smajax, sminax, strike, conf); NULL when absent.
    semi_major_km: Mapped[float | None] = mapped_column(Double)
    semi_minor_km: Mapped[float | None] = mapped_column(Double)
    ellipse_azimuth: Mapped[float | None] = mapped_column(Double)
    ellipse_confidence: Mapped[float | None] = mapped_column(Double)
    rms: Mapped[float | None] = mapped_column(Double)
    # NULL: not given (a bulletin that leaves Ndef/Nsta blank; never read as 0).
    n_defining: Mapped[int | None] = mapped_column(Integer)
    n_stations: Mapped[int | None] = mapped_column(Integer)
    gap: Mapped[float | None] = mapped_column(Double)
    min_distance: Mapped[float | None] = mapped_column(Double)
    max_distance: Mapped[float | None] = mapped_column(Double)
    method: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))
    # Event fields as they were in this version.
    # NULL: the bulletin it came from does not say (never read as automatic).
    review_status: Mapped[str | None] = mapped_column(String(20), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text)
    event_provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))

    event: Mapped[EventRow] = relationship(back_populates="origins", foreign_keys=[event_id])
    run: Mapped[RunRow] = relationship()
    provenance: Mapped[ProvenanceRow | None] = relationship(foreign_keys=[provenance_id])
    event_provenance: Mapped[ProvenanceRow | None] = relationship(
        foreign_keys=[event_provenance_id]
    )
    assocs: Mapped[list[Assoc]] = relationship(
        back_populates="origin", order_by="Assoc.idx", cascade="all, delete-orphan"
    )
    netmags: Mapped[list[NetmagRow]] = relationship(
        back_populates="origin", order_by="NetmagRow.idx", cascade="all, delete-orphan"
    )


def _detection_columns() -> list[Column[Any]]:
    """The detection table's measurement columns, derived from :data:`DETECTION_COLUMNS`.

    Strings become ``VARCHAR`` (16 characters, station codes 10), floats ``DOUBLE`` (NULL
    for a missing value), coded strings (``choices``: onset, polarity, evaluation mode) a
    nullable ``VARCHAR(16)`` (NULL: not reported), the onset time the exact ``time_ns``;
    ``id`` is ``detname``.
    """
    cols: list[Column[Any]] = []
    for spec in DETECTION_COLUMNS:
        if spec.name == "id":
            continue
        if spec.dtype == "time":
            cols.append(Column(f"{spec.name}_ns", BigInteger, nullable=False, comment=spec.unit))
        elif spec.dtype == "float":
            cols.append(Column(spec.name, Double, nullable=True, comment=spec.unit))
        elif spec.dtype == "int":
            cols.append(Column(spec.name, Integer, nullable=True))
        else:
            width = 10 if spec.name in ("network", "station", "location", "channel") else 16
            cols.append(Column(spec.name, String(width), nullable=bool(spec.choices)))
    return cols


class DetectionRow(Base):
    """A detection (CSS3.0 ``arrival``): the columns of :data:`DETECTION_COLUMNS`, plus its
    stable identifier ``detname``, the provenance of the run that made it, the processing
    window it came from and whether a later run of that window superseded it."""

    __table__ = Table(
        "detection",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("detname", String(100), nullable=False, index=True),
        *_detection_columns(),
        Column("provenance_id", ForeignKey("provenance.id"), nullable=True),
        Column("window_id", ForeignKey("processing_window.id"), nullable=True, index=True),
        Column("superseded", Boolean, nullable=False, default=False, server_default="0"),
        Index("ix_detection_station_time", "station", "time_ns"),
        Index("ix_detection_time_ns", "time_ns"),
    )

    # Typed names of the columns used in code (the table above is the definition).
    if TYPE_CHECKING:
        id: Mapped[int]
        detname: Mapped[str]
        network: Mapped[str]
        station: Mapped[str]
        location: Mapped[str]
        channel: Mapped[str]
        time_ns: Mapped[int]
        method: Mapped[str]
        provenance_id: Mapped[int | None]
        window_id: Mapped[int | None]
        superseded: Mapped[bool]

    provenance: Mapped[ProvenanceRow | None] = relationship()


class ProcessingWindow(Base):
    """One time window processed by the pipeline, with the configuration it ran with.

    ``config_hash`` is the SHA-256 of the canonical JSON of the whole configuration; a
    window is skipped by a resumed run when the same span was done with the same hash.
    """

    __tablename__ = "processing_window"
    __table_args__ = (Index("ix_processing_window_span", "start_ns", "end_ns"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_ns: Mapped[int] = mapped_column(BigInteger)
    end_ns: Mapped[int] = mapped_column(BigInteger)
    config_hash: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(500))
    provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))
    started_ns: Mapped[int] = mapped_column(BigInteger)
    done_ns: Mapped[int | None] = mapped_column(BigInteger)
    n_detections: Mapped[int] = mapped_column(Integer, default=0)
    n_events_new: Mapped[int] = mapped_column(Integer, default=0)
    n_events_updated: Mapped[int] = mapped_column(Integer, default=0)
    n_problems: Mapped[int] = mapped_column(Integer, default=0)

    provenance: Mapped[ProvenanceRow | None] = relationship()


class DataProblemRow(Base):
    """A data problem met while processing a window (:class:`DataProblem`)."""

    __tablename__ = "data_problem"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("processing_window.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(500))
    stream: Mapped[str] = mapped_column(String(100))
    start_ns: Mapped[int | None] = mapped_column(BigInteger)
    end_ns: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text)


class Assoc(Base):
    """A detection associated with an origin (CSS3.0 ``assoc``)."""

    __tablename__ = "assoc"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id"), index=True)
    detection_id: Mapped[int] = mapped_column(ForeignKey("detection.id"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(16))
    distance: Mapped[float | None] = mapped_column(Double)
    azimuth: Mapped[float | None] = mapped_column(Double)
    time_residual: Mapped[float | None] = mapped_column(Double)
    backazimuth_residual: Mapped[float | None] = mapped_column(Double)
    slowness_residual: Mapped[float | None] = mapped_column(Double)
    time_defining: Mapped[bool] = mapped_column(Boolean)
    backazimuth_defining: Mapped[bool] = mapped_column(Boolean)
    slowness_defining: Mapped[bool] = mapped_column(Boolean)
    weight: Mapped[float | None] = mapped_column(Double)
    provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))

    origin: Mapped[OriginRow] = relationship(back_populates="assocs")
    detection: Mapped[DetectionRow] = relationship()
    provenance: Mapped[ProvenanceRow | None] = relationship()


class NetmagRow(Base):
    """A network magnitude of an origin (CSS3.0 ``netmag``)."""

    __tablename__ = "netmag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    magtype: Mapped[str] = mapped_column(String(10))
    magnitude: Mapped[float | None] = mapped_column(Double)
    uncertainty: Mapped[float | None] = mapped_column(Double)
    n_stations: Mapped[int | None] = mapped_column(Integer)  # NULL: not given
    method: Mapped[str] = mapped_column(String(100))
    provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))

    origin: Mapped[OriginRow] = relationship(back_populates="netmags")
    provenance: Mapped[ProvenanceRow | None] = relationship()
    stamags: Mapped[list[StamagRow]] = relationship(
        back_populates="netmag", order_by="StamagRow.idx", cascade="all, delete-orphan"
    )


class StamagRow(Base):
    """A station magnitude contributing to a network magnitude (CSS3.0 ``stamag``)."""

    __tablename__ = "stamag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    netmag_id: Mapped[int] = mapped_column(ForeignKey("netmag.id"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    magtype: Mapped[str] = mapped_column(String(10))
    magnitude: Mapped[float | None] = mapped_column(Double)
    network: Mapped[str] = mapped_column(String(10))
    station: Mapped[str] = mapped_column(String(10))
    amplitude: Mapped[float | None] = mapped_column(Double)
    amplitude_unit: Mapped[str] = mapped_column(String(16))
    period: Mapped[float | None] = mapped_column(Double)
    distance: Mapped[float | None] = mapped_column(Double)
    detname: Mapped[str] = mapped_column(String(100))
    used: Mapped[bool] = mapped_column(Boolean)
    provenance_id: Mapped[int | None] = mapped_column(ForeignKey("provenance.id"))

    netmag: Mapped[NetmagRow] = relationship(back_populates="stamags")
    provenance: Mapped[ProvenanceRow | None] = relationship()


# The tables of screening, radionuclide analysis and state of health live in their own modules
# on the same ``Base``; importing them here keeps ``Base.metadata`` complete wherever the
# schema is used.
from openndc.bulletin import (  # noqa: E402
    schema_radionuclide as schema_radionuclide,
)
from openndc.bulletin import (  # noqa: E402
    schema_screening as schema_screening,
)
from openndc.bulletin import (  # noqa: E402
    schema_soh as schema_soh,
)
from openndc.bulletin import schema_workspace as schema_workspace  # noqa: E402
