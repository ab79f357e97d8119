"""Procurement advisor: stored rule-set versions and the advice given with them.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import govlotse.core.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONColumn = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "rule_set_versions",
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("loaded_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_rule_set_versions")),
    )
    with op.batch_alter_table("rule_set_versions") as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_set_versions_active"), ["active"], unique=False)
    op.create_table(
        "advice_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("rules_version", sa.String(length=50), nullable=False),
        sa.Column("created_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.Column("input", JSONColumn, nullable=False),
        sa.Column("result", JSONColumn, nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_advice_records_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_advice_records_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rules_version"],
            ["rule_set_versions.version"],
            name=op.f("fk_advice_records_rules_version_rule_set_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advice_records")),
    )
    with op.batch_alter_table("advice_records") as batch_op:
        batch_op.create_index(batch_op.f("ix_advice_records_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_advice_records_kind"), ["kind"], unique=False)


def downgrade() -> None:
    op.drop_table("advice_records")
    op.drop_table("rule_set_versions")
