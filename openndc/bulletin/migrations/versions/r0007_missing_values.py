"""missing values: detection onset, polarity, evaluation mode; NULL Ndef, Nsta, review status

Detections get their onset quality, polarity and evaluation mode; an origin's Ndef and Nsta,
a network magnitude's Nsta and an event's review status may be NULL (missing in the source).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

A bulletin that leaves Ndef, Nsta or the review status blank kept 0 and "automatic" before
this revision; now they stay NULL. Detections get the coded columns of
``DETECTION_COLUMNS`` (NULL: not reported). Rows stored before this revision by the pipeline
(they carry a provenance or a processing window) were made by software: their evaluation
mode becomes ``automatic``; imported ones stay NULL (what their file said was not kept).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_CODED = ("onset", "polarity", "evaluation_mode")


def upgrade() -> None:
    with op.batch_alter_table("detection") as batch:
        for name in _CODED:
            batch.add_column(sa.Column(name, sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE detection SET evaluation_mode = 'automatic' "
        "WHERE provenance_id IS NOT NULL OR window_id IS NOT NULL"
    )
    with op.batch_alter_table("origin") as batch:
        batch.alter_column("n_defining", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("n_stations", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("review_status", existing_type=sa.String(length=20), nullable=True)
    with op.batch_alter_table("netmag") as batch:
        batch.alter_column("n_stations", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # The older schema has no missing value: NULL becomes 0 and "automatic" again.
    op.execute("UPDATE netmag SET n_stations = 0 WHERE n_stations IS NULL")
    op.execute("UPDATE origin SET n_defining = 0 WHERE n_defining IS NULL")
    op.execute("UPDATE origin SET n_stations = 0 WHERE n_stations IS NULL")
    op.execute("UPDATE origin SET review_status = 'automatic' WHERE review_status IS NULL")
    with op.batch_alter_table("netmag") as batch:
        batch.alter_column("n_stations", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("origin") as batch:
        batch.alter_column("review_status", existing_type=sa.String(length=20), nullable=False)
        batch.alter_column("n_stations", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("n_defining", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("detection") as batch:
        for name in reversed(_CODED):
            batch.drop_column(name)
