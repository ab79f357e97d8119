"""The schema comes from Alembic and is the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Engine, inspect, text
from sqlalchemy.sql import visitors

from govlotse.core.actor import Actor
from govlotse.core.migrate import current_revision, head_revision
from govlotse.matching.engine import Filters, sql_conditions
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
    if engine.dialect.name == "sqlite":  # embedded mode keeps its postings in memory (migration 0018)
        assert not inspector.has_table("search_fts")
        with engine.connect() as conn:
            assert not conn.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_docs'")
            )
    else:
        assert inspector.get_pk_constraint("search_postings")["constrained_columns"] == ["term", "doc_id"]
        with engine.connect() as conn:  # BM25 reads a term's postings from the index alone
            definition = conn.scalar(text("SELECT pg_get_indexdef('pk_search_postings'::regclass)"))
        assert definition.endswith("(term, doc_id) INCLUDE (tf, dl)")
        assert not any(ix["name"] == "ix_search_docs_tsv" for ix in inspector.get_indexes("search_docs"))


def test_passage_vectors_stay_in_the_row(engine: Engine) -> None:
    """PostgreSQL: the exact vector scan reads vectors from the rows, not from TOAST (migration 0019)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps the vectors in memory")
    with engine.connect() as conn:
        storage = conn.scalar(
            text(
                "SELECT attstorage FROM pg_attribute WHERE attrelid = 'search_chunks'::regclass AND attname = 'vector'"
            )
        )
    assert storage == "m"


def test_search_filters_come_from_one_covering_index(engine: Engine) -> None:
    """On PostgreSQL every column the search filters read is in ix_search_docs_filters (index-only scans): a new
    filter column needs a migration that adds it there."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite filters vectors in memory and needs no such index")
    every = Filters(
        entity_types=("solution",),
        hosting_any=("saas_eu",),
        certifications_all=("iso_27001",),
        certifications_any=("bsi_c5",),
        maturity_in=("pilot",),
        statuses=("published",),
        org_kinds=("startup",),
        exclude=frozenset({("solution", 1)}),
    )
    condition = sql_conditions(every, Actor(user_id=1, role="agency", organisation_ids=frozenset({1})))
    read = {c.name for c in visitors.iterate(condition) if isinstance(c, Column)}
    with engine.connect() as conn:
        definition = conn.scalar(text("SELECT pg_get_indexdef('ix_search_docs_filters'::regclass)"))
    key, included = definition.split("(", 1)[1].split(") INCLUDE (")
    assert read <= {c.strip() for c in (key + "," + included.rstrip(")")).split(",")}


def test_unique_external_ids(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in ("organisations", "challenges", "solutions", "usecases"):
        uniques = [ix for ix in inspector.get_indexes(table) if ix["unique"]]
        assert any(ix["column_names"] == ["external_id"] for ix in uniques), table
