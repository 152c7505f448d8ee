"""screening results

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "screening_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("origin_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("type_certainty", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("stored_ns", sa.BigInteger(), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_screening_result_event_id_event")
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"], ["origin.id"], name=op.f("fk_screening_result_origin_id_origin")
        ),
        sa.ForeignKeyConstraint(
            ["provenance_id"],
            ["provenance.id"],
            name=op.f("fk_screening_result_provenance_id_provenance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_result")),
    )
    with op.batch_alter_table("screening_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_result_event_id"), ["event_id"])
        batch_op.create_index(batch_op.f("ix_screening_result_outcome"), ["outcome"])
        batch_op.create_index(batch_op.f("ix_screening_result_stored_ns"), ["stored_ns"])

    op.create_table(
        "screening_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("indicates", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("threshold", sa.Double(), nullable=True),
        sa.Column("uncertainty", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("decided", sa.Boolean(), nullable=False),
        sa.Column("p_value", sa.Double(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("station_values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["screening_result.id"],
            name=op.f("fk_screening_evidence_result_id_screening_result"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_evidence")),
    )
    with op.batch_alter_table("screening_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_evidence_result_id"), ["result_id"])

    op.create_table(
        "screening_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("evname", sa.String(length=100), nullable=False),
        sa.Column("site", sa.String(length=100), nullable=False),
        sa.Column("distance_km", sa.Double(), nullable=False),
        sa.Column("origin_time_ns", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["screening_result.id"],
            name=op.f("fk_screening_alert_result_id_screening_result"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_alert")),
    )
    with op.batch_alter_table("screening_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_alert_result_id"), ["result_id"])
        batch_op.create_index(batch_op.f("ix_screening_alert_evname"), ["evname"])
        batch_op.create_index(batch_op.f("ix_screening_alert_created_ns"), ["created_ns"])


def downgrade() -> None:
    with op.batch_alter_table("screening_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_alert_created_ns"))
        batch_op.drop_index(batch_op.f("ix_screening_alert_evname"))
        batch_op.drop_index(batch_op.f("ix_screening_alert_result_id"))
    op.drop_table("screening_alert")
    with op.batch_alter_table("screening_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_evidence_result_id"))
    op.drop_table("screening_evidence")
    with op.batch_alter_table("screening_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_result_stored_ns"))
        batch_op.drop_index(batch_op.f("ix_screening_result_outcome"))
        batch_op.drop_index(batch_op.f("ix_screening_result_event_id"))
    op.drop_table("screening_result")
