"""radionuclide samples and results

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "rn_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("station", sa.String(length=20), nullable=False),
        sa.Column("acquisition_start_ns", sa.BigInteger(), nullable=True),
        sa.Column("collection_start_ns", sa.BigInteger(), nullable=True),
        sa.Column("collection_stop_ns", sa.BigInteger(), nullable=True),
        sa.Column("real_time", sa.Double(), nullable=True),
        sa.Column("live_time", sa.Double(), nullable=True),
        sa.Column("air_volume", sa.Double(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=16), nullable=True),
        sa.Column("alarm", sa.Boolean(), nullable=True),
        sa.Column("provenance_id", sa.Integer(), nullable=True),
        sa.Column("stored_ns", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_rn_sample_provenance_id_provenance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rn_sample")),
    )
    with op.batch_alter_table("rn_sample", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rn_sample_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_rn_sample_station"), ["station"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rn_sample_acquisition_start_ns"), ["acquisition_start_ns"], unique=False
        )
    op.create_table(
        "rn_nuclide",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("energy_kev", sa.Double(), nullable=True),
        sa.Column("activity_bq", sa.Double(), nullable=True),
        sa.Column("activity_unc_bq", sa.Double(), nullable=True),
        sa.Column("concentration_mbq_m3", sa.Double(), nullable=True),
        sa.Column("concentration_unc_mbq_m3", sa.Double(), nullable=True),
        sa.Column("mdc_mbq_m3", sa.Double(), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("detected", sa.Boolean(), nullable=False),
        sa.Column("ctbt_relevant", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["rn_sample.id"], name=op.f("fk_rn_nuclide_sample_id_rn_sample")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rn_nuclide")),
    )
    with op.batch_alter_table("rn_nuclide", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rn_nuclide_sample_id"), ["sample_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rn_nuclide_nuclide"), ["nuclide"], unique=False)
    op.create_table(
        "rn_peak",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("energy_kev", sa.Double(), nullable=False),
        sa.Column("energy_unc_kev", sa.Double(), nullable=True),
        sa.Column("fwhm_kev", sa.Double(), nullable=True),
        sa.Column("area", sa.Double(), nullable=False),
        sa.Column("area_unc", sa.Double(), nullable=True),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["rn_sample.id"], name=op.f("fk_rn_peak_sample_id_rn_sample")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rn_peak")),
    )
    with op.batch_alter_table("rn_peak", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rn_peak_sample_id"), ["sample_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rn_peak", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rn_peak_sample_id"))
    op.drop_table("rn_peak")
    with op.batch_alter_table("rn_nuclide", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rn_nuclide_nuclide"))
        batch_op.drop_index(batch_op.f("ix_rn_nuclide_sample_id"))
    op.drop_table("rn_nuclide")
    with op.batch_alter_table("rn_sample", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rn_sample_acquisition_start_ns"))
        batch_op.drop_index(batch_op.f("ix_rn_sample_station"))
        batch_op.drop_index(batch_op.f("ix_rn_sample_kind"))
    op.drop_table("rn_sample")
