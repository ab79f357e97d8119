"""Crash safety: the real CLI is killed with SIGKILL in the middle of its work, then run again.

A bulk import is one transaction: after the kill nothing of the file is visible, the database opens and
checks out, the audit chain verifies, the index queue names no missing record, and a rerun imports every
row exactly once. An index rebuild commits batch by batch: after the kill only whole batches are there
(documents, passages, term statistics and queue in step), a restarted rebuild embeds only what is missing,
and a further rebuild embeds nothing.

Every command runs as a subprocess (``python -m govlotse``) against a throwaway database of each kind: a
SQLite file, and a new database on the test session's PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from govlotse.core.actor import SYSTEM
from govlotse.core.migrate import upgrade
from govlotse.core.models import Base
from govlotse.dataio import service as dataio
from govlotse.db import make_engine
from govlotse.matching.index import BATCH, MAX_TERM
from govlotse.matching.sources import LISTERS

IMPORT_ROWS = 300  # 3-5 ms a row: the rows are written for a second or two, long enough to be caught in the middle
REBUILD_ROWS = BATCH + 32  # two batches: the first commits, the second is killed while it embeds
ORG = "crash-org-1"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SUMMARY = re.compile(r"(\d+) indexed, (\d+) unchanged, (\d+) removed, (\d+) passages embedded")


@dataclass
class CrashDb:
    """A migrated throwaway database, an engine for the test's own checks, and a working folder."""

    url: str
    engine: Engine
    folder: Path

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def _create_pg_database(admin: Engine, name: str, template: str | None = None) -> None:
    """CREATE DATABASE (outside a transaction, as PostgreSQL requires), optionally as a copy of ``template``."""
    suffix = f' TEMPLATE "{template}"' if template else ""
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))


def _drop_pg_database(admin: Engine, name: str) -> None:
    """Drop a database even if a killed command's server process still hangs on to it."""
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def migrated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(URL of an empty database migrated by Alembic, URL to create databases from); copied for each test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('crash') / 'template.sqlite3'}"
        upgrade(url)
        yield url, ""
        return
    pg_url: str = request.getfixturevalue("pg_url")
    admin = make_engine(pg_url)
    name = f"crash_template_{uuid.uuid4().hex[:8]}"
    _create_pg_database(admin, name)
    try:
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url, pg_url
    finally:
        _drop_pg_database(admin, name)
        admin.dispose()


@pytest.fixture
def crash_db(migrated: tuple[str, str], tmp_path: Path) -> Iterator[CrashDb]:
    """A new, migrated database: a SQLite file in ``tmp_path`` or a new database on the session PostgreSQL."""
    template, admin_url = make_url(migrated[0]), migrated[1]
    admin: Engine | None = None
    if template.get_backend_name() == "sqlite":
        path = tmp_path / "crash.sqlite3"
        with closing(sqlite3.connect(str(template.database))) as src, closing(sqlite3.connect(path)) as dst:
            src.backup(dst)
        url = f"sqlite:///{path}"
    else:
        admin = make_engine(admin_url)
        name = f"crash_{uuid.uuid4().hex[:12]}"
        _create_pg_database(admin, name, template=template.database)
        url = template.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        yield CrashDb(url=url, engine=engine, folder=tmp_path)
    finally:
        engine.dispose()
        if admin is not None:
            _drop_pg_database(admin, str(make_url(url).database))
            admin.dispose()


# --- running the CLI -------------------------------------------------------------------------------------


def _env(url: str) -> dict[str, str]:
    """The environment of a CLI run: the throwaway database, and rich's progress bar drawn into a file."""
    env = dict(os.environ)
    env.update(
        GOVLOTSE_DATABASE_URL=url,
        TTY_COMPATIBLE="1",  # rich draws its live progress although stderr is a file ...
        TTY_INTERACTIVE="1",  # ... and refreshes it while the command runs
        NO_COLOR="1",
        TERM="xterm",
        COLUMNS="160",
    )
    return env


def _plain(output: str) -> str:
    """Output without terminal control sequences (a redrawn progress line becomes a line of its own)."""
    return ANSI.sub("", output).replace("\r", "\n")


def cli(db: CrashDb, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``govlotse ARGS`` to its end in a subprocess; fail the test on a non-zero exit if ``check``."""
    result = subprocess.run(
        [sys.executable, "-m", "govlotse", *args],
        env=_env(db.url),
        cwd=db.folder,  # a developer's .env in the repository must not apply
        capture_output=True,
        text=True,
        timeout=300,
    )
    result.stdout, result.stderr = _plain(result.stdout), _plain(result.stderr)
    if check:
        assert result.returncode == 0, f"govlotse {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
    return result


def kill_midway(db: CrashDb, args: list[str], midway: Callable[[str], bool], *, timeout: float = 120) -> str:
    """Start ``govlotse ARGS``, SIGKILL it as soon as ``midway(stderr so far)`` holds; returns its stderr.

    Fails if the command ends by itself first (the test would then prove nothing about a crash).
    """
    err_path = db.folder / f"{args[0]}-{uuid.uuid4().hex[:6]}.err"
    with err_path.open("wb") as err, (db.folder / "killed.out").open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "govlotse", *args], env=_env(db.url), cwd=db.folder, stdout=out, stderr=err
        )
    try:
        deadline = time.monotonic() + timeout
        while not midway(_plain(err_path.read_text(encoding="utf-8", errors="replace"))):
            if proc.poll() is not None:
                pytest.fail(
                    f"govlotse {' '.join(args)} ended (exit {proc.returncode}) before it was seen in the middle; "
                    f"make the data bigger:\n{_plain(err_path.read_text(errors='replace'))[-3000:]}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"govlotse {' '.join(args)} was not seen in the middle within {timeout} s")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == -signal.SIGKILL, f"govlotse {' '.join(args)} finished (exit {code}) before the kill arrived"
    return _plain(err_path.read_text(encoding="utf-8", errors="replace"))


# --- data and checks -------------------------------------------------------------------------------------


def write_solutions(path: Path, n: int) -> Path:
    """A JSONL file of ``n`` solutions of the start-up ``ORG``, each with a short, distinct text."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            row = {
                "external_id": f"crash-sol-{i:05d}",
                "organisation": ORG,
                "title": f"Lösung {i}",
                "description": f"Variante {i} einer Lösung.",  # short: embedding costs time per token
                "maturity": "market",
                "is_fictional": True,
                "source": "GovLotse crash test (fictional)",
                "licence": "CC0-1.0",
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def import_organisation(db: CrashDb) -> None:
    """The start-up every solution belongs to, imported by the product's importer in a normal run."""
    path = db.folder / "orgs.jsonl"
    row = {"external_id": ORG, "kind": "startup", "name": "Crash GmbH", "source": "test", "licence": "CC0-1.0"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with Session(db.engine) as session:
        report = dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=path)
        session.commit()
    assert report.created == 1


def scalar(db: CrashDb, sql: str) -> int:
    """The single number a query returns."""
    with db.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def reopen(db: CrashDb) -> None:
    """Start over as after a restart: close the test's own connections too (SQLite then recovers the
    write-ahead log on the next open); on PostgreSQL wait until the killed client's server process rolled
    back and ended."""
    db.engine.dispose()
    if db.is_sqlite:
        return  # the lock of a dead process is released by the operating system at once
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 15
    while (left := scalar(db, sql)) > 0:
        assert time.monotonic() < deadline, f"{left} server process(es) of the killed command still open"
        time.sleep(0.05)


def assert_database_sound(db: CrashDb) -> None:
    """The database opens, passes its own integrity check and every table can be read."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        for table in Base.metadata.sorted_tables:
            conn.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one()


def audit_chain(db: CrashDb) -> int:
    """The audit chain is whole: numbered 1..n, each entry links to its predecessor, the head names the last
    entry; returns n. (The keyed hashes themselves are checked by ``govlotse audit verify``.)"""
    entries = scalar(db, "SELECT count(*) FROM audit_events")
    assert scalar(db, "SELECT coalesce(max(seq), 0) FROM audit_events") == entries
    broken = "SELECT count(*) FROM audit_events a JOIN audit_events b ON b.seq = a.seq - 1 WHERE a.prev_hash <> b.hash"
    assert scalar(db, broken) == 0
    head = "SELECT count(*) FROM audit_head h JOIN audit_events e ON e.seq = h.seq AND e.hash = h.hash"
    assert scalar(db, head) == (1 if entries else 0), "the audit head does not name the last entry"
    return entries


def audit_verify(db: CrashDb) -> int:
    """``govlotse audit verify`` passes over every entry; returns their number."""
    entries = audit_chain(db)
    result = cli(db, "audit", "verify", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    word = "entry" if entries == 1 else "entries"
    assert f"audit log intact: {entries} {word}, chain unbroken" in result.stdout
    return entries


def queued(db: CrashDb) -> Counter[str]:
    """Index queue entries by kind; fails if one names a record that does not exist."""
    with Session(db.engine) as session:
        rows = session.execute(text("SELECT entity_type, entity_id FROM index_queue")).all()
        existing = {kind: set(LISTERS[kind](session)) for kind in {r[0] for r in rows}}
    orphans = [(kind, ident) for kind, ident in rows if ident not in existing[kind]]
    assert orphans == [], f"index queue entries for missing records: {orphans[:10]}"
    return Counter(kind for kind, _ in rows)


def assert_index_consistent(db: CrashDb) -> tuple[int, int]:
    """Documents are unique, every passage has its document and every document a passage, and the term
    statistics are exactly what the stored documents say; returns (documents, passages)."""
    docs = scalar(db, "SELECT count(*) FROM search_docs")
    pairs = scalar(db, "SELECT count(*) FROM (SELECT DISTINCT entity_type, entity_id FROM search_docs) AS d")
    assert pairs == docs, "two search documents for the same record"
    assert scalar(db, "SELECT count(*) FROM search_chunks WHERE doc_id NOT IN (SELECT id FROM search_docs)") == 0
    assert scalar(db, "SELECT count(*) FROM search_docs WHERE id NOT IN (SELECT doc_id FROM search_chunks)") == 0
    with db.engine.connect() as conn:
        expected: Counter[str] = Counter()
        for (tokens,) in conn.execute(text("SELECT tokens FROM search_docs")):
            expected.update({t[:MAX_TERM] for t in tokens.split()})
        stored: dict[str, int] = dict(conn.execute(text("SELECT term, df FROM search_terms")).all())
    assert stored == dict(expected), "search_terms document frequencies differ from the stored documents"
    if not db.is_sqlite:  # the trigger's postings: every document, each with its length
        assert scalar(db, "SELECT count(DISTINCT doc_id) FROM search_postings") == docs
        stale = "SELECT count(*) FROM search_postings p JOIN search_docs d ON d.id = p.doc_id WHERE p.dl <> d.n_tokens"
        assert scalar(db, stale) == 0
    return docs, scalar(db, "SELECT count(*) FROM search_chunks")


# --- the tests -------------------------------------------------------------------------------------------


def test_killed_import_leaves_nothing_and_a_rerun_imports_each_row_once(crash_db: CrashDb) -> None:
    """``govlotse import solutions`` killed while writing rows: nothing of the file is visible, the database
    and the audit chain are sound; a rerun creates every row once, a third run changes nothing."""
    db = crash_db
    import_organisation(db)
    path = write_solutions(db.folder / "solutions.jsonl", IMPORT_ROWS)
    audit_before = scalar(db, "SELECT count(*) FROM audit_events")
    queue_before = queued(db)

    def midway(err: str) -> bool:  # rich shows "rows written/?" while the rows are written
        done = [int(n) for n in re.findall(r"(\d+)/\?", err)]
        return bool(done) and IMPORT_ROWS // 10 <= done[-1] < IMPORT_ROWS

    err = kill_midway(db, ["import", "solutions", str(path)], midway)
    assert "imported" not in (db.folder / "killed.out").read_text(encoding="utf-8"), err
    reopen(db)

    assert_database_sound(db)
    assert scalar(db, "SELECT count(*) FROM solutions") == 0, "a half-finished import is visible"
    assert scalar(db, "SELECT count(*) FROM audit_events") == audit_before
    assert queued(db) == queue_before
    assert audit_verify(db) == audit_before

    rerun = cli(db, "import", "solutions", str(path))
    assert f"{IMPORT_ROWS} rows imported: {IMPORT_ROWS} created, 0 updated, 0 unchanged" in rerun.stdout
    assert scalar(db, "SELECT count(*) FROM solutions") == IMPORT_ROWS
    assert scalar(db, "SELECT count(DISTINCT external_id) FROM solutions WHERE external_id LIKE 'crash-sol-%'") == (
        IMPORT_ROWS
    )
    assert queued(db) == queue_before + Counter({"solution": IMPORT_ROWS})
    audit_after = audit_chain(db)
    assert audit_after > audit_before

    third = cli(db, "import", "solutions", str(path))
    assert f"{IMPORT_ROWS} rows imported: 0 created, 0 updated, {IMPORT_ROWS} unchanged" in third.stdout
    assert scalar(db, "SELECT count(*) FROM solutions") == IMPORT_ROWS
    assert audit_chain(db) == audit_after, "an unchanged row was audited"
    assert_database_sound(db)


def test_killed_index_rebuild_resumes_and_a_further_rebuild_embeds_nothing(crash_db: CrashDb) -> None:
    """``govlotse index rebuild`` killed after its first batch committed: only whole batches are indexed, in
    step with the queue and the term statistics; a restart indexes the rest, embedding only what is missing;
    ``index status`` agrees and a further rebuild embeds nothing."""
    db = crash_db
    import_organisation(db)
    with Session(db.engine) as session:
        path = write_solutions(db.folder / "solutions.jsonl", REBUILD_ROWS)
        report = dataio.import_file(session=session, actor=SYSTEM, kind="solutions", path=path)
        session.commit()
    assert report.created == REBUILD_ROWS
    assert scalar(db, "SELECT count(*) FROM search_docs") == 0
    assert queued(db)["solution"] == REBUILD_ROWS

    def midway(_err: str) -> bool:  # at least one batch committed
        return scalar(db, "SELECT count(*) FROM search_docs") > 0

    kill_midway(db, ["index", "rebuild"], midway)
    reopen(db)

    assert_database_sound(db)
    committed, passages = assert_index_consistent(db)
    assert 0 < committed < REBUILD_ROWS, f"{committed} documents: the rebuild was not killed in the middle"
    assert committed % BATCH == 0, f"{committed} documents: a batch was half committed"
    assert queued(db)["solution"] == REBUILD_ROWS - committed, "queue and index of a batch are not in step"
    assert scalar(db, "SELECT count(*) FROM embedding_cache") >= passages

    output = cli(db, "index", "rebuild").stderr
    resumed = SUMMARY.search(output)
    assert resumed is not None, output
    indexed, unchanged, removed, embedded = map(int, resumed.groups())
    assert (indexed, unchanged, removed) == (REBUILD_ROWS - committed, committed, 0)
    docs, total = assert_index_consistent(db)
    assert embedded == total - passages, "passages of the committed batch were embedded again"
    passages = total
    assert docs == REBUILD_ROWS
    assert scalar(db, "SELECT count(*) FROM search_docs WHERE entity_type = 'solution'") == REBUILD_ROWS
    assert sum(queued(db).values()) == 0
    if not db.is_sqlite:  # ready for index-only scans of the postings (index.tidy)
        vacuumed = "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'search_postings'"
        assert scalar(db, vacuumed)

    status = cli(db, "index", "status").stdout
    model = re.search(r"model in use: (\S+)", status)
    assert model is not None, status
    kinds = {kind: (int(n), int(of)) for kind, n, of in re.findall(r"(\w+)\s+(\d+) indexed of\s+(\d+) records", status)}
    assert kinds["solution"] == (REBUILD_ROWS, REBUILD_ROWS), status
    assert all(n == of for n, of in kinds.values()), status
    cached = scalar(db, "SELECT count(*) FROM embedding_cache")
    assert f"passages: {passages}  queued: 0  cached vectors: {cached}" in status, status
    assert f"vectors by model: {model.group(1)}: {passages}" in status, status

    output = cli(db, "index", "rebuild").stderr
    again = SUMMARY.search(output)
    assert again is not None, output
    assert again.groups() == ("0", str(REBUILD_ROWS), "0", "0"), again.group(0)
    assert assert_index_consistent(db) == (docs, passages)
