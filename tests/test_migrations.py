"""The schema comes from Alembic and is the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from govlotse.core.migrate import current_revision, head_revision
from govlotse.models import Base


def test_database_is_at_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()


# Lexical-index structures native to one database, maintained by the database itself.
NATIVE_COLUMNS = {"postgresql": {"search_docs": {"tsv"}}}


def test_migrations_create_every_mapped_table_and_column(engine: Engine) -> None:
    inspector = inspect(engine)
    native = NATIVE_COLUMNS.get(engine.dialect.name, {})
    for table in Base.metadata.sorted_tables:
        assert inspector.has_table(table.name), table.name
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns} | native.get(table.name, set()), table.name


def test_native_lexical_index_exists(engine: Engine) -> None:
    inspector = inspect(engine)
    if engine.dialect.name == "sqlite":
        assert inspector.has_table("search_fts")
    else:
        assert inspector.get_pk_constraint("search_postings")["constrained_columns"] == ["term", "doc_id"]
        with engine.connect() as conn:  # BM25 reads a term's postings from the index alone
            definition = conn.scalar(text("SELECT pg_get_indexdef('pk_search_postings'::regclass)"))
        assert definition.endswith("(term, doc_id) INCLUDE (tf, dl)")
        assert not any(ix["name"] == "ix_search_docs_tsv" for ix in inspector.get_indexes("search_docs"))


def test_unique_external_ids(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in ("organisations", "challenges", "solutions", "usecases"):
        uniques = [ix for ix in inspector.get_indexes(table) if ix["unique"]]
        assert any(ix["column_names"] == ["external_id"] for ix in uniques), table
