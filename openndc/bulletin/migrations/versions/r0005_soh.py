"""state of health history

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "soh_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("time_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_sample_ns", sa.BigInteger(), nullable=True),
        sa.Column("latency_s", sa.Double(), nullable=True),
        sa.Column("availability", sa.Double(), nullable=False),
        sa.Column("gaps", sa.Integer(), nullable=False),
        sa.Column("gap_s", sa.Double(), nullable=False),
        sa.Column("timing_quality", sa.Integer(), nullable=True),
        sa.Column("clipped", sa.Boolean(), nullable=False),
        sa.Column("flat", sa.Boolean(), nullable=False),
        sa.Column("noisy", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_soh_channel")),
        sa.UniqueConstraint("stream", "time_ns", name=op.f("uq_soh_channel_stream_time_ns")),
    )
    with op.batch_alter_table("soh_channel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_soh_channel_stream"), ["stream"])
        batch_op.create_index(batch_op.f("ix_soh_channel_time_ns"), ["time_ns"])
        batch_op.create_index(batch_op.f("ix_soh_channel_status"), ["status"])


def downgrade() -> None:
    with op.batch_alter_table("soh_channel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_soh_channel_status"))
        batch_op.drop_index(batch_op.f("ix_soh_channel_time_ns"))
        batch_op.drop_index(batch_op.f("ix_soh_channel_stream"))
    op.drop_table("soh_channel")
