"""Mail outbox: messages are written in the transaction that causes them and delivered after it commits.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govlotse.core.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(op.f("ix_mail_outbox_due_at"), "mail_outbox", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mail_outbox_due_at"), table_name="mail_outbox")
    op.drop_table("mail_outbox")
