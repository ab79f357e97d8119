"""Search postings on PostgreSQL carry their document's length and are read from the index alone.

BM25 needs each posting's term frequency and its document's length. With both in the primary-key index
(``INCLUDE (tf, dl)``) PostgreSQL scores a term from an index-only scan and sums the scores before it looks at
``search_docs`` for the filters, instead of fetching each posting's heap row and its document (at 100k documents
the lexical search went from 270 / 660 ms to about 40 / 80 ms at p50 / p95; bench/latency.py). The trigger now
also follows ``n_tokens``. Nothing queries the tsvector with ``@@`` any more, so its GIN index goes; the
generated ``tsv`` column stays, the trigger reads it. SQLite keeps its FTS5 index and needs nothing.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postings(*, with_length: bool) -> None:
    """(Re)create the postings table, its trigger and its rows in the shape of this or the previous revision."""
    op.execute("DROP TRIGGER IF EXISTS search_docs_postings ON search_docs")
    op.execute("DROP TABLE IF EXISTS search_postings")
    length_column, covering, length_value, length_source, watched = (
        (" dl integer NOT NULL,", " INCLUDE (tf, dl)", ", NEW.n_tokens", ", d.n_tokens", "tokens, n_tokens")
        if with_length
        else ("", "", "", "", "tokens")
    )
    columns = "term, doc_id, tf, dl" if with_length else "term, doc_id, tf"
    op.execute(
        "CREATE TABLE search_postings ("
        " term text NOT NULL,"
        " doc_id integer NOT NULL REFERENCES search_docs(id) ON DELETE CASCADE,"
        f" tf smallint NOT NULL,{length_column}"
        f" CONSTRAINT pk_search_postings PRIMARY KEY (term, doc_id){covering})"
    )
    op.execute("CREATE INDEX ix_search_postings_doc_id ON search_postings (doc_id)")
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION search_postings_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM search_postings WHERE doc_id = OLD.id;
            END IF;
            INSERT INTO search_postings ({columns})
                SELECT lexeme, NEW.id, cardinality(positions){length_value} FROM unnest(NEW.tsv);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"CREATE TRIGGER search_docs_postings AFTER INSERT OR UPDATE OF {watched} ON search_docs "
        "FOR EACH ROW EXECUTE FUNCTION search_postings_sync()"
    )
    op.execute(
        f"INSERT INTO search_postings ({columns}) "
        f"SELECT u.lexeme, d.id, cardinality(u.positions){length_source} FROM search_docs d, unnest(d.tsv) u"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _postings(with_length=True)
    op.execute("DROP INDEX IF EXISTS ix_search_docs_tsv")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_search_docs_tsv ON search_docs USING gin (tsv)")
    _postings(with_length=False)
