"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:

    op.create_table(
        "detection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detname", sa.String(length=100), nullable=False),
        sa.Column("network", sa.String(length=10), nullable=False),
        sa.Column("station", sa.String(length=10), nullable=False),
        sa.Column("location", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("time_ns", sa.BigInteger(), nullable=False),
        sa.Column("time_uncertainty", sa.Double(), nullable=True),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("snr", sa.Double(), nullable=True),
        sa.Column("amplitude", sa.Double(), nullable=True),
        sa.Column("amplitude_unit", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Double(), nullable=True),
        sa.Column("amplitude_wa", sa.Double(), nullable=True),
        sa.Column("backazimuth", sa.Double(), nullable=True),
        sa.Column("backazimuth_uncertainty", sa.Double(), nullable=True),
        sa.Column("slowness", sa.Double(), nullable=True),
        sa.Column("slowness_uncertainty", sa.Double(), nullable=True),
        sa.Column("fstat", sa.Double(), nullable=True),
        sa.Column("rectilinearity", sa.Double(), nullable=True),
        sa.Column("incidence", sa.Double(), nullable=True),
        sa.Column("freq_min", sa.Double(), nullable=True),
        sa.Column("freq_max", sa.Double(), nullable=True),
        sa.Column("dominant_frequency", sa.Double(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection")),
    )
    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detection_detname"), ["detname"], unique=False)
        batch_op.create_index("ix_detection_station_time", ["station", "time_ns"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evname", sa.String(length=100), nullable=False),
        sa.Column("prefor_id", sa.Integer(), nullable=True),
        sa.Column("time_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("evname", name=op.f("uq_event_evname")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_time_ns"), ["time_ns"], unique=False)

    op.create_table(
        "provenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("software_version", sa.String(length=100), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenance")),
    )
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provenance_author"), ["author"], unique=False)

    op.create_table(
        "run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=True),
        sa.Column("stored_ns", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_run_provenance_id_provenance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run")),
    )
    op.create_table(
        "origin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("orname", sa.String(length=100), nullable=False),
        sa.Column("time_ns", sa.BigInteger(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("depth_km", sa.Double(), nullable=False),
        sa.Column("time_uncertainty", sa.Double(), nullable=True),
        sa.Column("depth_uncertainty_km", sa.Double(), nullable=True),
        sa.Column("depth_fixed", sa.Boolean(), nullable=False),
        sa.Column("semi_major_km", sa.Double(), nullable=True),
        sa.Column("semi_minor_km", sa.Double(), nullable=True),
        sa.Column("ellipse_azimuth", sa.Double(), nullable=True),
        sa.Column("ellipse_confidence", sa.Double(), nullable=True),
        sa.Column("rms", sa.Double(), nullable=True),
        sa.Column("n_defining", sa.Integer(), nullable=False),
        sa.Column("n_stations", sa.Integer(), nullable=False),
        sa.Column("gap", sa.Double(), nullable=True),
        sa.Column("min_distance", sa.Double(), nullable=True),
        sa.Column("max_distance", sa.Double(), nullable=True),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=True),
        sa.Column("review_status", sa.String(length=20), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("event_provenance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_origin_event_id_event")),
        sa.ForeignKeyConstraint(
            ["event_provenance_id"],
            ["provenance.id"],
            name=op.f("fk_origin_event_provenance_id_provenance"),
        ),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_origin_provenance_id_provenance")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_origin_run_id_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin")),
    )
    with op.batch_alter_table("origin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_origin_review_status"), ["review_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_origin_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_origin_time_ns"), ["time_ns"], unique=False)

    op.create_table(
        "assoc",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin_id", sa.Integer(), nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("distance", sa.Double(), nullable=True),
        sa.Column("azimuth", sa.Double(), nullable=True),
        sa.Column("time_residual", sa.Double(), nullable=True),
        sa.Column("backazimuth_residual", sa.Double(), nullable=True),
        sa.Column("slowness_residual", sa.Double(), nullable=True),
        sa.Column("time_defining", sa.Boolean(), nullable=False),
        sa.Column("backazimuth_defining", sa.Boolean(), nullable=False),
        sa.Column("slowness_defining", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["detection_id"], ["detection.id"], name=op.f("fk_assoc_detection_id_detection")
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"], ["origin.id"], name=op.f("fk_assoc_origin_id_origin")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assoc")),
    )
    with op.batch_alter_table("assoc", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assoc_detection_id"), ["detection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assoc_origin_id"), ["origin_id"], unique=False)

    op.create_table(
        "netmag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("magtype", sa.String(length=10), nullable=False),
        sa.Column("magnitude", sa.Double(), nullable=True),
        sa.Column("uncertainty", sa.Double(), nullable=True),
        sa.Column("n_stations", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["origin_id"], ["origin.id"], name=op.f("fk_netmag_origin_id_origin")
        ),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_netmag_provenance_id_provenance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_netmag")),
    )
    with op.batch_alter_table("netmag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_netmag_origin_id"), ["origin_id"], unique=False)

    op.create_table(
        "stamag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("netmag_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("magtype", sa.String(length=10), nullable=False),
        sa.Column("magnitude", sa.Double(), nullable=True),
        sa.Column("network", sa.String(length=10), nullable=False),
        sa.Column("station", sa.String(length=10), nullable=False),
        sa.Column("amplitude", sa.Double(), nullable=True),
        sa.Column("amplitude_unit", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Double(), nullable=True),
        sa.Column("distance", sa.Double(), nullable=True),
        sa.Column("detname", sa.String(length=100), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["netmag_id"], ["netmag.id"], name=op.f("fk_stamag_netmag_id_netmag")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stamag")),
    )
    with op.batch_alter_table("stamag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stamag_netmag_id"), ["netmag_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("stamag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stamag_netmag_id"))

    op.drop_table("stamag")
    with op.batch_alter_table("netmag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_netmag_origin_id"))

    op.drop_table("netmag")
    with op.batch_alter_table("assoc", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assoc_origin_id"))
        batch_op.drop_index(batch_op.f("ix_assoc_detection_id"))

    op.drop_table("assoc")
    with op.batch_alter_table("origin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_time_ns"))
        batch_op.drop_index(batch_op.f("ix_origin_run_id"))
        batch_op.drop_index(batch_op.f("ix_origin_review_status"))
        batch_op.drop_index(batch_op.f("ix_origin_event_id"))

    op.drop_table("origin")
    op.drop_table("run")
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provenance_author"))

    op.drop_table("provenance")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_time_ns"))

    op.drop_table("event")
    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.drop_index("ix_detection_station_time")
        batch_op.drop_index(batch_op.f("ix_detection_detname"))

    op.drop_table("detection")
