"""Run Alembic migrations programmatically (``govlotse db upgrade``, tests)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect


def alembic_config(url: str) -> Config:
    script_location = str(resources.files("govlotse").joinpath("migrations"))
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None


@cache
def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database whose schema is behind the code (a clear message, not a crash)."""
    from govlotse.errors import AppError

    if current_revision(engine) != head_revision():
        raise AppError("the database schema is not up to date: run `govlotse db upgrade` first", code="schema")
