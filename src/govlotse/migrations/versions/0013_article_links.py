"""Articles link to known use cases and start-ups.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_usecases",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("usecase_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_usecases_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["usecase_id"], ["usecases.id"], name=op.f("fk_article_usecases_usecase_id_usecases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("article_id", "usecase_id", name=op.f("pk_article_usecases")),
    )
    op.create_table(
        "article_startups",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_startups_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_article_startups_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "organisation_id", name=op.f("pk_article_startups")),
    )


def downgrade() -> None:
    op.drop_table("article_startups")
    op.drop_table("article_usecases")
