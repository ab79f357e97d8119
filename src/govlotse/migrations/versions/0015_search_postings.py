"""Search postings on PostgreSQL: (term, document, term frequency) rows kept by a trigger from the tsvector.

BM25 on PostgreSQL read the term frequencies by unnesting the whole tsvector of every document that matched
any query term; with common words that is most of the index. The postings table gives the lexical search only
the rows of the query's terms (bench/latency.py). SQLite keeps its FTS5 index and needs nothing.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE search_postings ("
        " term text NOT NULL,"
        " doc_id integer NOT NULL REFERENCES search_docs(id) ON DELETE CASCADE,"
        " tf smallint NOT NULL,"
        " CONSTRAINT pk_search_postings PRIMARY KEY (term, doc_id))"
    )
    op.execute("CREATE INDEX ix_search_postings_doc_id ON search_postings (doc_id)")
    op.execute(
        """
        CREATE FUNCTION search_postings_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM search_postings WHERE doc_id = OLD.id;
            END IF;
            INSERT INTO search_postings (term, doc_id, tf)
                SELECT lexeme, NEW.id, cardinality(positions) FROM unnest(NEW.tsv);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER search_docs_postings AFTER INSERT OR UPDATE OF tokens ON search_docs "
        "FOR EACH ROW EXECUTE FUNCTION search_postings_sync()"
    )
    op.execute(
        "INSERT INTO search_postings (term, doc_id, tf) "
        "SELECT u.lexeme, d.id, cardinality(u.positions) FROM search_docs d, unnest(d.tsv) u"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS search_docs_postings ON search_docs")
    op.execute("DROP FUNCTION IF EXISTS search_postings_sync()")
    op.execute("DROP TABLE IF EXISTS search_postings")
