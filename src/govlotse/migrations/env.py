"""Alembic environment: uses the engine factory of the application (SQLite pragmas included)."""

from __future__ import annotations

from alembic import context

from govlotse.db import make_engine
from govlotse.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # Tables created by migrations by hand, not mapped: PostgreSQL's postings (0015), and SQLite's FTS5 tables
    # (0002, dropped by 0018) in a database between those revisions.
    return not (type_ == "table" and name is not None and name.startswith(("search_fts", "search_postings")))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        include_object=_include,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
