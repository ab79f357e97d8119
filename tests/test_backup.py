"""``govlotse backup`` / ``govlotse restore`` on SQLite and PostgreSQL.

A source database of each kind is filled with a record of every kind (tests/world.py: users, needs,
solutions, runs, cases in the pilot stage, articles with attachments, pitch days …), the taxonomy, the
search index (vectors, full-text index) and the audit log, and backed up once per kind with the CLI. Tests
restore that backup into fresh databases and compare every table, row by row, with the source; the ones that
expect a refusal check that the database they pointed at is unchanged.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from govlotse.cli import app
from govlotse.core import audit
from govlotse.core import backup as backup_module
from govlotse.core.actor import SYSTEM
from govlotse.core.migrate import current_revision, head_revision, upgrade
from govlotse.db import db, make_engine
from govlotse.demo.service import data_dir
from govlotse.taxonomy import service as taxonomy
from govlotse.taxonomy.schemas import TagCreate
from tests.conftest import Mailbox

runner = CliRunner()

Snapshot = dict[str, list[tuple[Any, ...]]]


# ------------------------------------------------------------------------------------------ databases


@dataclass
class Databases:
    """Creates throwaway databases of one kind; dropped when the module ends."""

    kind: str
    folder: Path
    admin: Engine | None = None  # PostgreSQL: a connection to the server for CREATE/DROP DATABASE
    created: list[str] | None = None

    def new(self, label: str) -> str:
        """The URL of a new, empty database (no schema)."""
        name = f"bk_{label}_{uuid.uuid4().hex[:8]}"
        if self.admin is None:
            return f"sqlite:///{self.folder / name}.sqlite3"
        with self.admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        assert self.created is not None
        self.created.append(name)
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.admin is None or not self.created:
            return
        with self.admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def dbs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    folder = tmp_path_factory.mktemp("backup")
    if request.param == "sqlite":
        databases = Databases("sqlite", folder)
    else:
        databases = Databases("postgresql", folder, make_engine(request.getfixturevalue("pg_url")), [])
    yield databases
    databases.drop_all()


@contextmanager
def using(url: str) -> Iterator[None]:
    """Point the application's ``db`` (what the CLI uses) at ``url`` for a while."""
    previous_url, previous_engine = db.url, db._engine
    db.configure(url)
    try:
        yield
    finally:
        db.configure(previous_url)  # disposes the engine of ``url``
        db._engine = previous_engine


def cli(url: str, *args: str) -> tuple[int, str]:
    """Run ``govlotse …`` against the database at ``url``; exit code and output (whitespace collapsed)."""
    with using(url):
        result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, " ".join(result.output.split())


# ------------------------------------------------------------------------------------------ comparing


def snapshot(url: str) -> Snapshot:
    """Every table of the database, all rows in primary-key order (PostgreSQL: the sequences too)."""
    engine = make_engine(url)
    try:
        found = inspect(engine)
        quote = engine.dialect.identifier_preparer.quote
        tables: Snapshot = {}
        with engine.connect() as conn:
            for name in sorted(found.get_table_names()):
                pk = found.get_pk_constraint(name)["constrained_columns"]
                order = f" ORDER BY {', '.join(quote(c) for c in pk)}" if pk else ""
                rows = [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {quote(name)}{order}")]
                tables[name] = rows if pk else sorted(rows, key=repr)
            if engine.dialect.name == "postgresql":
                tables["<sequences>"] = [
                    tuple(r)
                    for r in conn.exec_driver_sql(
                        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
                    )
                ]
        return tables
    finally:
        engine.dispose()


def assert_same(target: Snapshot, source: Snapshot) -> None:
    assert sorted(target) == sorted(source), "the restored database has other tables"
    for name, rows in source.items():
        assert target[name] == rows, f"table {name} differs after the restore"


def verify(url: str) -> audit.Verification:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return audit.verify(session)
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------------ the source


@dataclass(frozen=True)
class Source:
    url: str
    tables: Snapshot
    backup: Path
    output: str  # what `govlotse backup` printed


class HashEmbedder:
    """Stand-in vectors from a hash: the round trip needs vectors, not good ones (the real model takes ~20 s here)."""

    name = "test-hash"
    dim = 16

    def embed_queries(self, texts: list[str]) -> Any:
        return self.embed_passages(texts)

    def embed_passages(self, texts: list[str]) -> Any:
        import hashlib

        import numpy as np

        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[: self.dim], dtype=np.uint8) for t in texts]
        matrix = np.vstack(rows).astype(np.float32) - 127.5
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def fill(url: str, *, embedder: Any) -> None:
    """A record of every kind through the real services, the search index of them, and the audit log."""
    from govlotse.matching import index
    from govlotse.matching.embedder import use_embedder
    from tests.world import build_world

    engine = make_engine(url)
    use_embedder(HashEmbedder())
    try:
        with Session(engine, expire_on_commit=False) as session:
            for line in (data_dir() / "tags.jsonl").read_text(encoding="utf-8").splitlines():
                if line.strip():
                    tag_in = TagCreate.model_validate(json.loads(line))
                    taxonomy.upsert(session=session, actor=SYSTEM, tag_in=tag_in)
            build_world(session)
            while index.process_queue(session):
                pass
            session.commit()
    finally:
        use_embedder(embedder)  # the session's (conftest)
        engine.dispose()


@pytest.fixture(scope="module")
def source(dbs: Databases, smtp_server: Mailbox, embedder: Any) -> Source:
    """A filled database of the module's kind and its backup, written by ``govlotse backup``."""
    url = dbs.new("source")
    upgrade(url)
    fill(url, embedder=embedder)
    path = dbs.folder / "source.backup"
    code, output = cli(url, "backup", str(path))
    assert code == 0, output
    return Source(url=url, tables=snapshot(url), backup=path, output=output)


def test_the_source_is_worth_comparing(source: Source) -> None:
    # Guards the round trip against comparing two empty databases.
    filled = {name for name, rows in source.tables.items() if rows}
    assert len(source.tables) >= 40 and len(filled) >= 30, sorted(filled)
    for name in ("users", "organisations", "challenges", "cases", "pilots", "article_attachments", "search_chunks"):
        assert name in filled, name
    assert len(source.tables["audit_events"]) >= 50
    assert verify(source.url).ok


# ------------------------------------------------------------------------------------------ backup


def test_backup_says_what_it_wrote_and_leaves_one_private_file(dbs: Databases, source: Source) -> None:
    magic = b"SQLite format 3\x00" if dbs.kind == "sqlite" else b"PGDMP"
    assert source.backup.read_bytes().startswith(magic)
    assert f"backup written: {source.backup}" in source.output
    assert f"schema revision {head_revision()}" in source.output
    tables = len([n for n in source.tables if not n.startswith(("<", "search_fts"))])
    assert f"{tables} tables" in source.output
    assert f"{backup_module.human_size(source.backup.stat().st_size)}," in source.output
    assert source.backup.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    assert not [p.name for p in dbs.folder.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_backup_refuses_to_overwrite_unless_forced(dbs: Databases, source: Source, tmp_path: Path) -> None:
    before = source.backup.read_bytes()
    code, output = cli(source.url, "backup", str(source.backup))
    assert code == 1
    assert output == f"error: {source.backup} exists; use --force to overwrite it"
    assert source.backup.read_bytes() == before

    old = tmp_path / "old.backup"
    old.write_bytes(b"yesterday")
    code, output = cli(source.url, "backup", str(old), "--force")
    assert code == 0, output
    assert revision_in(source.url, old) == head_revision()


def test_leftovers_of_a_killed_backup_are_removed_by_the_next(dbs: Databases, source: Source, tmp_path: Path) -> None:
    target = tmp_path / "nightly.backup"
    killed = tmp_path / ".nightly.backup.abc123.tmp"  # what a backup killed with -9 leaves behind
    killed.write_bytes(b"half a dump")
    hour_ago = time.time() - backup_module.STALE_SECONDS - 60
    os.utime(killed, (hour_ago, hour_ago))
    running = tmp_path / ".nightly.backup.def456.tmp"  # another backup still writing: left alone
    running.write_bytes(b"in progress")
    code, output = cli(source.url, "backup", str(target))
    assert code == 0, output
    assert not killed.exists() and running.exists() and target.exists()


def test_backup_never_replaces_the_database_itself(dbs: Databases, source: Source) -> None:
    if dbs.kind != "sqlite":
        pytest.skip("only a SQLite database is a file")
    live = Path(source.url.removeprefix("sqlite:///"))
    for path in (live, Path(f"{live}-wal")):
        code, output = cli(source.url, "backup", str(path), "--force")
        assert code == 1
        assert "is the database itself (or one of its files); name another file" in output
    assert_same(snapshot(source.url), source.tables)


def test_a_failed_backup_leaves_no_file(dbs: Databases, source: Source, tmp_path: Path) -> None:
    def disk_full(_path: Path) -> None:
        raise backup_module.BackupError("No space left on device")

    target = tmp_path / "full.backup"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(backup_module, "_fsync", disk_full)  # fails after the data was written to the temporary file
        code, output = cli(source.url, "backup", str(target))
    assert (code, output) == (1, "error: No space left on device")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def blank(dbs: Databases) -> str:
    """An empty database (no schema); a test that uses it leaves it empty."""
    url = dbs.new("blank")
    if dbs.kind == "sqlite":
        sqlite3.connect(url.removeprefix("sqlite:///")).close()  # an empty file
    return url


def test_backup_of_a_database_without_schema_is_refused(dbs: Databases, blank: str, tmp_path: Path) -> None:
    code, output = cli(blank, "backup", str(tmp_path / "x.backup"))
    assert code == 1 and "has no GovLotse schema (nothing to back up)" in output
    assert list(tmp_path.iterdir()) == []
    if dbs.kind == "sqlite":  # a wrong path: said, and no empty database is made there
        missing = tmp_path / "typo.sqlite3"
        code, output = cli(f"sqlite:///{missing}", "backup", str(tmp_path / "x.backup"))
        assert (code, output) == (1, f"error: no database file at {missing}")
        assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------ restore


def test_round_trip_restores_every_table_and_the_audit_chain(dbs: Databases, source: Source) -> None:
    target = dbs.new("target")
    code, output = cli(target, "restore", str(source.backup))
    assert code == 0, output
    assert f"restored {source.backup}" in output
    checked = len(source.tables["audit_events"])
    assert f"audit log intact: {checked} entries, chain unbroken" in output
    assert "migrated" not in output

    assert_same(snapshot(target), source.tables)
    assert verify(target).ok

    # The chain goes on where it ended (its head was restored with it), and so do the sequences.
    engine = make_engine(target)
    try:
        with Session(engine) as session:
            event = audit.record(session, actor=SYSTEM, action="restore.checked", entity_type="test", entity_id=None)
            session.commit()
            assert event.seq == checked + 1
            assert audit.verify(session).ok
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET name = name || '!' WHERE id = (SELECT min(id) FROM users)"))
    finally:
        engine.dispose()
    # The comparison notices a changed cell (so the equality above means something).
    changed = snapshot(target)
    assert changed["users"] != source.tables["users"]
    assert changed["audit_events"][:-1] == source.tables["audit_events"]

    # Now the database holds data: a second restore is refused and changes nothing ...
    code, output = cli(target, "restore", str(source.backup))
    assert code == 1
    assert "already holds data" in output and "use --force to replace it with the backup" in output
    assert_same(snapshot(target), changed)
    # ... unless forced: then the database is the backup again.
    code, output = cli(target, "restore", str(source.backup), "--force")
    assert code == 0, output
    assert_same(snapshot(target), source.tables)


def _other_kind_file(kind: str, folder: Path) -> Path:
    path = folder / "other-kind.backup"
    if kind == "sqlite":
        path.write_bytes(b"PGDMP\x01\x0f\x00" + b"\x00" * 64)
    else:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.commit()
        conn.close()
    return path


def test_a_wrong_file_is_refused_with_a_clear_message_and_changes_nothing(
    dbs: Databases, source: Source, tmp_path: Path
) -> None:
    other = "PostgreSQL" if dbs.kind == "sqlite" else "SQLite"
    mine = "SQLite" if dbs.kind == "sqlite" else "PostgreSQL"
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a backup\n", encoding="utf-8")
    cases = {
        _other_kind_file(dbs.kind, tmp_path): f"is a {other} backup, but the configured database is {mine}",
        text_file: "is not a GovLotse backup (neither a SQLite database nor a pg_dump custom-format archive)",
        tmp_path / "missing.backup": "no such file:",
    }
    for path, message in cases.items():
        code, output = cli(source.url, "restore", str(path), "--force")
        assert code == 1, output
        assert output.startswith("error: ") and message in output, output
        assert "Traceback" not in output
    assert_same(snapshot(source.url), source.tables)


def test_a_backup_of_a_newer_version_is_refused(blank: str, tmp_path: Path) -> None:
    engine = make_engine(blank)
    path = tmp_path / "future.backup"
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
            conn.execute(text("INSERT INTO alembic_version VALUES ('9999_from_the_future')"))
        assert cli(blank, "backup", str(path))[0] == 0
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
    finally:
        engine.dispose()

    code, output = cli(blank, "restore", str(path))
    assert code == 1
    assert "has schema revision 9999_from_the_future, which this version of GovLotse does not know" in output
    assert [name for name in snapshot(blank) if not name.startswith("<")] == []


def test_a_corrupt_backup_with_force_changes_nothing(dbs: Databases, source: Source, tmp_path: Path) -> None:
    data = source.backup.read_bytes()
    broken = tmp_path / "broken.backup"
    # pg_dump's archive ends with the data of the last tables: pg_restore has dropped, re-created and filled
    # most tables when it fails there. A SQLite file cut short is a damaged database.
    broken.write_bytes(data[:-2048] if dbs.kind == "postgresql" else data[: len(data) * 2 // 3])
    code, output = cli(source.url, "restore", str(broken), "--force")
    assert code == 1
    assert "Traceback" not in output
    if dbs.kind == "postgresql":
        assert "pg_restore failed: pg_restore: error:" in output
        assert "nothing was changed (single transaction)" in output
    else:
        assert f"error: {broken}" in output
    assert_same(snapshot(source.url), source.tables)
    assert verify(source.url).ok


def _record(url: str, action: str) -> None:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            audit.record(session, actor=SYSTEM, action=action, entity_type="test", entity_id=1)
            session.commit()
    finally:
        engine.dispose()


def test_an_older_backup_is_restored_and_migrated(dbs: Databases, tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from govlotse.core.migrate import alembic_config

    head = head_revision()
    assert head is not None
    previous = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(head).down_revision
    assert isinstance(previous, str)
    old = dbs.new("old")
    upgrade(old, previous)
    _record(old, "in.backup")
    path = tmp_path / "old.backup"
    assert cli(old, "backup", str(path))[0] == 0
    _record(old, "after.backup")  # gone after the restore

    code, output = cli(old, "restore", str(path), "--force")
    assert code == 0, output
    assert f"the backup was at schema revision {previous}; migrated to {head}" in output
    assert "audit log intact: 1 entry," in output
    engine = make_engine(old)
    try:
        assert current_revision(engine) == head
    finally:
        engine.dispose()


def test_a_broken_audit_chain_exits_1(dbs: Databases, source: Source, tmp_path: Path) -> None:
    tampered = dbs.new("tampered")
    assert cli(tampered, "restore", str(source.backup))[0] == 0
    engine = make_engine(tampered)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET action = 'forged' WHERE seq = 3"))
    finally:
        engine.dispose()
    path = tmp_path / "tampered.backup"
    assert cli(tampered, "backup", str(path))[0] == 0

    code, output = cli(tampered, "restore", str(path), "--force")
    assert code == 1
    assert "error: audit log broken at entry 3: content was modified" in output


def revision_in(url: str, path: Path) -> str | None:
    """The schema revision a backup file holds (read with the tools restore would use for ``url``)."""
    with using(url):
        pg_restore = None
        if db.dialect == "postgresql":
            server = backup_module.pg_target().server_major
            pg_restore = backup_module.find_pg_tool("pg_restore", server_major=server)
        return backup_module.inspect_backup(path, pg_restore=pg_restore).revision


# ------------------------------------------------------------------------------------------ PostgreSQL tools


def test_the_password_goes_to_the_tools_in_the_environment_not_on_the_command_line() -> None:
    url, env = backup_module.libpq_connection(
        "postgresql+psycopg://govlotse:s3cr%40t@db.example:5433/lotse?sslmode=require"
    )
    assert url == "postgresql://govlotse@db.example:5433/lotse?sslmode=require"
    assert env["PGPASSWORD"] == "s3cr@t"


def test_pg_tools_come_from_path_or_pgserver_and_must_be_new_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = backup_module.pgserver_bin()
    assert bundled is not None, "pgserver (a test dependency) bundles the PostgreSQL binaries"
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n", encoding="utf-8")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert backup_module.find_pg_tool("pg_dump", server_major=9) == old  # PATH first
    assert backup_module.find_pg_tool("pg_dump", server_major=16) == bundled / "pg_dump"  # too old: passed over

    monkeypatch.setattr(backup_module, "pgserver_bin", lambda: None)
    with pytest.raises(backup_module.BackupError) as too_old:
        backup_module.find_pg_tool("pg_dump", server_major=16)
    assert f"pg_dump is older than the PostgreSQL 16 server: found {old} (version 9)" in str(too_old.value)
    assert "apt install postgresql-client-16" in str(too_old.value) and "pip install pgserver" in str(too_old.value)

    old.unlink()
    with pytest.raises(backup_module.BackupError) as missing:
        backup_module.find_pg_tool("pg_restore", server_major=16)
    assert str(missing.value).startswith("pg_restore not found on PATH nor in the pgserver package: install")
