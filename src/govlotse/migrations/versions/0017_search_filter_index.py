"""A covering index over the search filters on PostgreSQL.

Every search evaluates the hard filters and the caller's visibility on ``search_docs``, whose rows are wide (text,
tokens, tsvector): a sequential scan read 144 MB at 100k documents (about 100 ms) to find the allowed ones. This
index carries every filter column, so PostgreSQL answers from an index-only scan (about 20 ms, 6 MB at 100k). It
serves the exact vector scan under a selective filter, the lexical search under a selective filter and the count
of allowed documents. SQLite needs nothing (embedded mode filters vectors in memory).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILTER_COLUMNS = "id, public, org_id, hosting_bits, cert_bits, maturity, status, org_kind, entity_id"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_search_docs_filters ON search_docs (entity_type) INCLUDE ({FILTER_COLUMNS})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_docs_filters")
