"""analyst workspace: accounts, sessions, review intervals, audit

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ws_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=64), nullable=False),
        sa.Column("password_hash", sa.LargeBinary(length=128), nullable=False),
        sa.Column("kdf", sa.String(length=100), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_user")),
        sa.UniqueConstraint("name", name=op.f("uq_ws_user_name")),
    )
    op.create_table(
        "ws_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("expires_ns", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["ws_user.id"], name=op.f("fk_ws_session_user_id_ws_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ws_session_token_hash")),
    )
    with op.batch_alter_table("ws_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ws_session_user_id"), ["user_id"])
    op.create_table(
        "ws_interval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=False),
        sa.Column("end_ns", sa.BigInteger(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("time_ns", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_interval")),
    )
    with op.batch_alter_table("ws_interval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ws_interval_start_ns"), ["start_ns"])
    op.create_table(
        "ws_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time_ns", sa.BigInteger(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_audit")),
    )
    with op.batch_alter_table("ws_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ws_audit_time_ns"), ["time_ns"])
        batch_op.create_index(batch_op.f("ix_ws_audit_user"), ["user"])
        batch_op.create_index(batch_op.f("ix_ws_audit_event_id"), ["event_id"])


def downgrade() -> None:
    with op.batch_alter_table("ws_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ws_audit_event_id"))
        batch_op.drop_index(batch_op.f("ix_ws_audit_user"))
        batch_op.drop_index(batch_op.f("ix_ws_audit_time_ns"))
    op.drop_table("ws_audit")
    with op.batch_alter_table("ws_interval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ws_interval_start_ns"))
    op.drop_table("ws_interval")
    with op.batch_alter_table("ws_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ws_session_user_id"))
    op.drop_table("ws_session")
    op.drop_table("ws_user")
