"""SQLite: the lexical search reads an in-process index instead of FTS5.

Embedded mode now scores BM25 over postings held in memory, built from ``search_docs.tokens`` once per index
generation (``matching.engine._Lexicon``), as its vector search has always done: at 100k documents a query's
lexical side takes a few milliseconds instead of FTS5's 67 / 150 ms (p50 / p95), and the ranking is computed
with the same numbers as on PostgreSQL. The FTS5 table and the triggers that kept it in step with every write
are no longer read, so they go. PostgreSQL needs nothing.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("search_docs_ai", "search_docs_ad", "search_docs_au")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
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
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")  # index the documents indexed meanwhile
