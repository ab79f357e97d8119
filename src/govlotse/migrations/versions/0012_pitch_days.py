"""Pitch days: events with several needs and an agenda of start-up pitches.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from govlotse.core.models import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pitch_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pitch_days")),
    )
    op.create_index(op.f("ix_pitch_days_day"), "pitch_days", ["day"])
    op.create_table(
        "pitch_day_challenges",
        sa.Column("pitch_day_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pitch_day_id"],
            ["pitch_days.id"],
            name=op.f("fk_pitch_day_challenges_pitch_day_id_pitch_days"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_pitch_day_challenges_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pitch_day_id", "challenge_id", name=op.f("pk_pitch_day_challenges")),
    )
    op.create_table(
        "pitch_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pitch_day_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.String(length=5), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("attendance", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["pitch_day_id"], ["pitch_days.id"], name=op.f("fk_pitch_slots_pitch_day_id_pitch_days"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_pitch_slots_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pitch_slots")),
        sa.UniqueConstraint("pitch_day_id", "case_id", name=op.f("uq_pitch_slots_pitch_day_id")),
    )
    op.create_index(op.f("ix_pitch_slots_pitch_day_id"), "pitch_slots", ["pitch_day_id"])
    op.create_index(op.f("ix_pitch_slots_case_id"), "pitch_slots", ["case_id"])


def downgrade() -> None:
    op.drop_table("pitch_slots")
    op.drop_table("pitch_day_challenges")
    op.drop_table("pitch_days")
