"""stage state: detections with provenance, processed windows, data problems, NULL depth

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "processing_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=False),
        sa.Column("end_ns", sa.BigInteger(), nullable=False),
        sa.Column("config_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=True),
        sa.Column("started_ns", sa.BigInteger(), nullable=False),
        sa.Column("done_ns", sa.BigInteger(), nullable=True),
        sa.Column("n_detections", sa.Integer(), nullable=False),
        sa.Column("n_events_new", sa.Integer(), nullable=False),
        sa.Column("n_events_updated", sa.Integer(), nullable=False),
        sa.Column("n_problems", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provenance_id"],
            ["provenance.id"],
            name=op.f("fk_processing_window_provenance_id_provenance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_window")),
    )
    op.create_index(op.f("ix_processing_window_config_hash"), "processing_window", ["config_hash"])
    op.create_index("ix_processing_window_span", "processing_window", ["start_ns", "end_ns"])
    op.create_table(
        "data_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=True),
        sa.Column("end_ns", sa.BigInteger(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["processing_window.id"],
            name=op.f("fk_data_problem_window_id_processing_window"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_problem")),
    )
    op.create_index(op.f("ix_data_problem_window_id"), "data_problem", ["window_id"])
    with op.batch_alter_table("detection") as batch:
        batch.add_column(sa.Column("provenance_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("window_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("superseded", sa.Boolean(), nullable=False, server_default="0"))
        batch.create_foreign_key(
            op.f("fk_detection_provenance_id_provenance"), "provenance", ["provenance_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_detection_window_id_processing_window"),
            "processing_window",
            ["window_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_detection_window_id"), ["window_id"])
        batch.create_index("ix_detection_time_ns", ["time_ns"])
    with op.batch_alter_table("origin") as batch:  # a depth not given stays missing
        batch.alter_column("depth_km", existing_type=sa.Double(), nullable=True)
    for table in ("assoc", "stamag"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("provenance_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_provenance_id_provenance"),
                "provenance",
                ["provenance_id"],
                ["id"],
            )


def downgrade() -> None:
    for table in ("stamag", "assoc"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_provenance_id_provenance"), type_="foreignkey")
            batch.drop_column("provenance_id")
    with op.batch_alter_table("origin") as batch:
        batch.alter_column("depth_km", existing_type=sa.Double(), nullable=False)
    with op.batch_alter_table("detection") as batch:
        batch.drop_index("ix_detection_time_ns")
        batch.drop_index(op.f("ix_detection_window_id"))
        batch.drop_constraint(op.f("fk_detection_window_id_processing_window"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_detection_provenance_id_provenance"), type_="foreignkey")
        batch.drop_column("superseded")
        batch.drop_column("window_id")
        batch.drop_column("provenance_id")
    op.drop_index(op.f("ix_data_problem_window_id"), table_name="data_problem")
    op.drop_table("data_problem")
    op.drop_index("ix_processing_window_span", table_name="processing_window")
    op.drop_index(op.f("ix_processing_window_config_hash"), table_name="processing_window")
    op.drop_table("processing_window")
