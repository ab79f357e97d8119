"""Engine, session factory and the unit of work.

The request (or CLI command) is the transaction: :func:`unit_of_work` commits on success and
rolls back on error; services only ``flush()``. Side effects that must not happen for a
rolled-back transaction (re-indexing, mail) are registered with :func:`after_commit`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from govlotse.config import settings

log = logging.getLogger(__name__)

_AFTER_COMMIT = "govlotse_after_commit"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for SQLite or PostgreSQL with the settings both need."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        database = sa_url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    if sa_url.drivername == "postgresql":
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    return create_engine(sa_url, echo=echo, pool_pre_ping=True)


# Set for requests that change data (POST, PUT, PATCH, DELETE); see _configure_sqlite.
WRITE_INTENT: ContextVar[bool] = ContextVar("govlotse_write_intent", default=False)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and breaks SAVEPOINT semantics; take over BEGIN
    # ourselves (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A request that will write takes SQLite's write lock when its transaction starts (waiting up to
        # busy_timeout for another writer). A deferred BEGIN would read first and then fail at once with
        # "database is locked" when another writer committed in between (no retry can help then).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if WRITE_INTENT.get() else "BEGIN")


class Database:
    """Holds the engine and session factory; tests and the CLI may point it elsewhere."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None
        self.url = settings.database_url

    def configure(self, url: str) -> None:
        """Use another database URL from now on (disposes the old engine)."""
        if self._engine is not None:
            self._engine.dispose()
        self.url = url
        self._engine = None
        self._factory = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url, echo=settings.sql_echo)
        return self._engine

    @property
    def factory(self) -> sessionmaker[Session]:
        if self._factory is None:
            import govlotse.models  # noqa: F401 - every mapper must be known before the first query

            self._factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        return self._factory

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.factory()


db = Database()


@contextmanager
def unit_of_work(session: Session | None = None, *, writes: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error, always close.

    ``writes``: the transaction will write after reading, as a background job that claims rows does. On SQLite it
    then takes the write lock when it begins, as a request that changes data does (see ``_configure_sqlite``);
    otherwise a commit by someone else between its first read and its first write makes that write fail at once."""
    own = session is None
    intent = WRITE_INTENT.set(True) if writes else None
    s = session if session is not None else db.session()
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        if own:
            s.close()
        if intent is not None:
            WRITE_INTENT.reset(intent)


def get_session() -> Iterator[Session]:
    """FastAPI dependency: the request's unit of work."""
    with unit_of_work() as session:
        yield session


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's transaction has committed; drop it on rollback."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_AFTER_COMMIT, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a failed side effect must not undo a committed transaction
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: Any) -> None:
    # Only the rollback of the whole unit of work drops the queue; a failed SAVEPOINT inside it
    # (e.g. one bad import row) does not cancel the side effects of what still commits.
    if previous_transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)
