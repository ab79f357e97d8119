"""Search index: documents, passages with vectors, embedding cache, term statistics, index queue.

The lexical index is native to each database: an FTS5 table kept in sync by triggers on SQLite, a
generated tsvector column with a GIN index on PostgreSQL (which also gets the pgvector extension).
Both index the same pre-analysed tokens, so ranking is the same.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import VECTOR

import govlotse.core.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VectorColumn = sa.LargeBinary().with_variant(VECTOR(), "postgresql")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("n_tokens", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("org_kind", sa.String(length=20), nullable=True),
        sa.Column("maturity", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("hosting_bits", sa.Integer(), nullable=False),
        sa.Column("cert_bits", sa.Integer(), nullable=False),
        sa.Column("updated_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_docs")),
        sa.UniqueConstraint("entity_type", "entity_id", name=op.f("uq_search_docs_entity_type")),
    )
    with op.batch_alter_table("search_docs") as batch_op:
        batch_op.create_index(batch_op.f("ix_search_docs_entity_type"), ["entity_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_docs_public"), ["public"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_docs_org_id"), ["org_id"], unique=False)
    op.create_table(
        "search_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("chunk_no", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("dim", sa.SmallInteger(), nullable=False),
        sa.Column("vector", VectorColumn, nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_id"],
            ["search_docs.id"],
            name=op.f("fk_search_chunks_doc_id_search_docs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_chunks")),
    )
    with op.batch_alter_table("search_chunks") as batch_op:
        batch_op.create_index(batch_op.f("ix_search_chunks_doc_id"), ["doc_id"], unique=False)
    op.create_table(
        "embedding_cache",
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("vector", VectorColumn, nullable=False),
        sa.PrimaryKeyConstraint("model", "content_hash", name=op.f("pk_embedding_cache")),
    )
    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_terms")),
    )
    op.create_table(
        "index_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", govlotse.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_queue")),
        sa.UniqueConstraint("entity_type", "entity_id", name=op.f("uq_index_queue_entity_type")),
    )
    op.create_table(
        "search_meta",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_meta")),
    )
    if postgres:
        op.execute(
            "ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED"
        )
        op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "tokens, content='search_docs', content_rowid='id', tokenize='unicode61')"
        )
        op.execute(
            "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "
            "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END"
        )
        op.execute(
            "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END"
        )
        op.execute(
            "CREATE TRIGGER search_docs_au AFTER UPDATE OF tokens ON search_docs BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
            "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    for table in (
        "search_meta",
        "index_queue",
        "search_terms",
        "embedding_cache",
        "search_chunks",
        "search_docs",
    ):
        op.drop_table(table)
