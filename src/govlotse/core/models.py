"""Declarative base, column types and mixins shared by every domain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    false,
    func,
    literal,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both databases (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSON that is JSONB (indexable, containment) on PostgreSQL and JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class StringList(TypeDecorator[list[str]]):
    """A list of short codes (hosting options, languages …) stored as JSON."""

    impl = JSONType
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> Any:
        return list(value or [])

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str]:
        return list(value or [])


class Timestamped:
    """``id``, ``created_at``, ``updated_at`` and an optimistic-locking ``version``."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # SQLAlchemy bumps `version` on every UPDATE and raises StaleDataError when the row
        # changed underneath us: the last line of defence against lost updates.
        return {"version_id_col": cls.version}


class Provenance:
    """Where a record comes from and under which licence; kept with every imported record."""

    external_id: Mapped[str | None] = mapped_column(String(100), unique=True, index=True)
    source: Mapped[str | None] = mapped_column(String(500))
    licence: Mapped[str | None] = mapped_column(String(100))
    is_fictional: Mapped[bool] = mapped_column(default=False, server_default=false())


class json_contains(ColumnElement[bool]):
    """SQL condition: the JSON array in ``column`` contains the string ``value`` (both databases)."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, column: Any, value: str) -> None:
        self.column = column
        self.value = value


@compiles(json_contains, "sqlite")
def _json_contains_sqlite(element: json_contains, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    value = compiler.process(literal(element.value), **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


@compiles(json_contains, "postgresql")
def _json_contains_pg(element: json_contains, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    value = compiler.process(literal(json.dumps([element.value])), **kw)
    return f"({column} @> CAST({value} AS JSONB))"
