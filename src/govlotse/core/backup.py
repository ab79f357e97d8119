"""Back up and restore the whole database (``govlotse backup FILE`` / ``govlotse restore FILE``).

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while the
application keeps serving; the copy is a single self-contained database file. Restoring copies the backup
into the live database with the same API in one write transaction, so readers see the old or the new
database, never a mixture.

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot as well) and ``pg_restore --clean --if-exists
--no-owner --single-transaction --exit-on-error``, so that a failed restore changes nothing. The client
tools are looked up on PATH and then among the binaries bundled with the ``pgserver`` package; the first one
at least as new as the server is used (an older pg_dump refuses to dump a newer server). The password goes to
them in the PGPASSWORD environment variable, never on the command line.

A backup is written to a temporary file next to its destination and renamed when complete, so a failed
backup leaves no half-written file. A restore refuses a backup of the other kind of database, a backup whose
schema revision this code does not know (made by a newer version), and a target database that already holds
data unless forced. A backup of an older revision is restored and then migrated to this version's schema.
Afterwards the audit log's hash chain is verified.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from govlotse.core import audit
from govlotse.db import db, unit_of_work

Kind = Literal["sqlite", "postgresql"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
_LABEL: dict[Kind, str] = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """An expected problem (missing file, wrong kind, missing tool, failed pg_restore), said in one line."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds: its kind, size, number of tables and schema revision."""

    path: Path
    kind: Kind
    size: int
    tables: int
    revision: str | None


@dataclass(frozen=True)
class RestoreReport:
    """The outcome of a restore: the backup's revision, the revision now and the audit log's verification."""

    kind: Kind
    backup_revision: str
    revision: str | None
    upgraded: bool
    verification: audit.Verification


# ------------------------------------------------------------------------------------------ helpers


def human_size(size: int) -> str:
    """``1536`` → ``1.5 KiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def configured_kind() -> Kind:
    """The kind of the configured database (GOVLOTSE_DATABASE_URL)."""
    backend = make_url(db.url).get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise BackupError(f"backup and restore support SQLite and PostgreSQL, not {backend}")


def detect_kind(path: Path) -> Kind | None:
    """The kind of backup file by its first bytes: a SQLite database or a pg_dump custom-format archive."""
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


def _redacted() -> str:
    return make_url(db.url).render_as_string(hide_password=True)


def _sqlite_path() -> Path:
    database = make_url(db.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"the configured SQLite database is not a file: {_redacted()}")
    return Path(database)


def _not_a_backup(path: Path) -> str:
    return f"{path} is not a GovLotse backup (neither a SQLite database nor a pg_dump custom-format archive)"


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))


def _open_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables that hold data: without SQLite's own tables, full-text (virtual) tables and their shadows."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return sorted(
        name for name, _sql in rows if name not in virtual and not any(name.startswith(f"{v}_") for v in virtual)
    )


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    except sqlite3.OperationalError:  # no such table: not migrated
        return None
    return str(row[0]) if row else None


STALE_SECONDS = 3600  # a temporary file untouched for this long belongs to a backup that was killed


@contextlib.contextmanager
def _temporary_next_to(target: Path) -> Iterator[Path]:
    """A temporary file in the target's folder; renamed onto the target by the caller, removed on failure.

    A backup killed hard (kill -9, power loss) cannot clean up; its leftovers are removed by the next backup
    to the same file once they have not changed for an hour (so a backup still running is left alone)."""
    now = time.time()
    for stale in target.parent.glob(f".{target.name}.*.tmp*"):
        with contextlib.suppress(OSError):
            if now - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        for leftover in (tmp, *(Path(f"{tmp}{suffix}") for suffix in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _finish(tmp: Path, target: Path, *, force: bool) -> None:
    """Make the completed temporary file the backup (atomically; durable once this returns)."""
    _fsync(tmp)
    if target.exists() and not force:  # appeared while we were writing
        raise BackupError(f"{target} exists; use --force to overwrite it")
    os.replace(tmp, target)
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _check_target(target: Path, *, force: bool) -> None:
    if target.is_dir():
        raise BackupError(f"{target} is a folder; name the file to write")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; use --force to overwrite it")


def _revision_known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from govlotse.core.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _tables_with_data(conn: Connection) -> list[str]:
    """The tables of the database that hold at least one row (the schema's version table does not count)."""
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        names = _sqlite_tables(raw)
    else:
        names = inspect(conn).get_table_names()
    quote = conn.dialect.identifier_preparer.quote
    return [
        name
        for name in sorted(names)
        if name != VERSION_TABLE and conn.exec_driver_sql(f"SELECT 1 FROM {quote(name)} LIMIT 1").first() is not None
    ]


# ------------------------------------------------------------------------------------------ PostgreSQL tools


@dataclass(frozen=True)
class PgTarget:
    """How the PostgreSQL client tools reach the database: a libpq URL without password, and their environment."""

    url: str
    env: dict[str, str]
    server_major: int


def libpq_connection(sqlalchemy_url: str) -> tuple[str, dict[str, str]]:
    """The libpq URL and the environment for the client tools.

    The URL is SQLAlchemy's without ``+psycopg`` and without the password; the password goes into PGPASSWORD,
    so that it never shows in the process list.
    """
    sa_url = make_url(sqlalchemy_url)
    env = dict(os.environ)
    if sa_url.password:
        env["PGPASSWORD"] = str(sa_url.password)
    libpq_url = URL.create(  # not URL.set: it takes password=None for "unchanged"
        "postgresql",
        username=sa_url.username,
        host=sa_url.host,
        port=sa_url.port,
        database=sa_url.database,
        query=sa_url.query,
    )
    return libpq_url.render_as_string(hide_password=False), env


def pg_target() -> PgTarget:
    """How the client tools reach the configured database, and the server's major version."""
    url, env = libpq_connection(db.url)
    try:
        with db.engine.connect() as conn:
            version = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot connect to {_redacted()}: {_first_line(exc)}") from None
    return PgTarget(url=url, env=env, server_major=version // 10000)


def pgserver_bin() -> Path | None:
    """The folder of the PostgreSQL binaries bundled with the ``pgserver`` package, if it is installed."""
    spec = importlib.util.find_spec("pgserver")  # not imported: only its folder is needed
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def _tool_candidates(name: str) -> list[Path]:
    """``name`` on PATH, then among the binaries of the ``pgserver`` package."""
    found: list[Path] = []
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    bundled_bin = pgserver_bin()
    if bundled_bin is not None:
        bundled = bundled_bin / name
        if bundled.is_file() and os.access(bundled, os.X_OK):
            found.append(bundled)
    return found


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\b(\d+)(?:\.\d+)*\b", out)  # "pg_dump (PostgreSQL) 16.2" → 16
    return int(match.group(1)) if match else None


def find_pg_tool(name: str, *, server_major: int) -> Path:
    """The first ``name`` (pg_dump, pg_restore) on PATH or bundled with pgserver that can handle the server."""
    candidates = _tool_candidates(name)
    seen: list[str] = []
    for path in candidates:
        major = _tool_major(path)
        if major is not None and major >= server_major:
            return path
        seen.append(f"{path} (version {major if major is not None else 'unknown'})")
    advice = (
        f"install the PostgreSQL {server_major} client tools (e.g. `apt install postgresql-client-{server_major}`) "
        "or the Python package pgserver (`pip install pgserver`), which bundles them"
    )
    if not seen:
        raise BackupError(f"{name} not found on PATH nor in the pgserver package: {advice}")
    raise BackupError(f"{name} is older than the PostgreSQL {server_major} server: found {', '.join(seen)}; {advice}")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _tail(stderr: str, lines: int = 4, width: int = 300) -> str:
    kept = [line.strip()[:width] for line in stderr.strip().splitlines() if line.strip()][-lines:]
    return " / ".join(kept) or "(no message)"


def _run(args: Sequence[str], *, env: dict[str, str], what: str) -> str:
    try:
        proc = subprocess.run(list(args), capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not be started: {exc}") from None
    if proc.returncode != 0:
        raise BackupError(f"{what} failed: {_tail(proc.stderr)}")
    return proc.stdout


def _pg_dump_info(path: Path, pg_restore: Path, env: dict[str, str]) -> tuple[int, str | None]:
    """Number of tables and schema revision of a pg_dump custom archive (read without touching a database)."""
    what = f"pg_restore (reading {path})"
    listing = _run([str(pg_restore), "--list", "--file=-", str(path)], env=env, what=what)
    tables = sum(1 for line in listing.splitlines() if re.match(r"^\d+; \d+ \d+ TABLE (?!DATA )\S+ \S+", line))
    script = _run(
        [str(pg_restore), "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(path)], env=env, what=what
    )
    revision: str | None = None
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and VERSION_TABLE in line:
            value = next(lines, "\\.").strip()
            revision = None if value == "\\." else value
            break
    return tables, revision


# ------------------------------------------------------------------------------------------ backup


def backup(target: Path, *, force: bool = False) -> BackupInfo:
    """Write a consistent backup of the configured database to ``target`` (refuses to overwrite unless forced)."""
    from govlotse.core.migrate import current_revision

    kind = configured_kind()
    _check_target(target, force=force)
    if kind == "sqlite":
        live = _sqlite_path()
        if not live.is_file():  # checked before connecting, which would create an empty database there
            raise BackupError(f"no database file at {live}")
        if _same_file(target, live) or target.name.startswith(f"{live.name}-"):
            raise BackupError(f"{target} is the database itself (or one of its files); name another file")
    try:
        revision = current_revision(db.engine)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database {_redacted()}: {_first_line(exc)}") from None
    if revision is None:
        raise BackupError(f"the database {_redacted()} has no GovLotse schema (nothing to back up)")
    if kind == "sqlite":
        return _backup_sqlite(target, force=force)
    return _backup_postgresql(target, force=force)


def _backup_sqlite(target: Path, *, force: bool) -> BackupInfo:
    source = _sqlite_path()
    with _temporary_next_to(target) as tmp:
        try:
            src = sqlite3.connect(source, timeout=30)
            try:
                dst = sqlite3.connect(tmp)
                try:
                    src.backup(dst)  # one step: a consistent snapshot, even while the application writes
                    dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
                    tables = len(_sqlite_tables(dst))
                    revision = _sqlite_revision(dst)
                finally:
                    dst.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise BackupError(f"the backup failed: {exc}") from None
        size = tmp.stat().st_size
        _finish(tmp, target, force=force)
    return BackupInfo(path=target, kind="sqlite", size=size, tables=tables, revision=revision)


def _backup_postgresql(target: Path, *, force: bool) -> BackupInfo:
    pg = pg_target()
    pg_dump = find_pg_tool("pg_dump", server_major=pg.server_major)
    pg_restore = find_pg_tool("pg_restore", server_major=pg.server_major)
    with _temporary_next_to(target) as tmp:
        _run(
            [str(pg_dump), "--format=custom", "--no-password", f"--file={tmp}", f"--dbname={pg.url}"],
            env=pg.env,
            what="pg_dump",
        )
        tables, revision = _pg_dump_info(tmp, pg_restore, pg.env)
        size = tmp.stat().st_size
        _finish(tmp, target, force=force)
    return BackupInfo(path=target, kind="postgresql", size=size, tables=tables, revision=revision)


# ------------------------------------------------------------------------------------------ restore


def inspect_backup(path: Path, *, pg_restore: Path | None = None) -> BackupInfo:
    """Kind, size, tables and schema revision of a backup file; refuses what is not a GovLotse backup."""
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    kind = detect_kind(path)
    if kind is None:
        raise BackupError(_not_a_backup(path))
    size = path.stat().st_size
    if kind == "postgresql":
        if pg_restore is None:
            raise BackupError("pg_restore is needed to read a PostgreSQL backup")
        tables, revision = _pg_dump_info(path, pg_restore, dict(os.environ))
        return BackupInfo(path=path, kind=kind, size=size, tables=tables, revision=revision)
    try:
        conn = _open_readonly(path)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise BackupError(f"{path} is damaged (SQLite quick_check: {check[0] if check else 'no answer'})")
            tables, revision = len(_sqlite_tables(conn)), _sqlite_revision(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be read as a SQLite database: {exc}") from None
    return BackupInfo(path=path, kind=kind, size=size, tables=tables, revision=revision)


def restore(source: Path, *, force: bool = False) -> RestoreReport:
    """Replace the configured database's content with a backup, migrate it to this version and verify the audit log.

    Refuses a backup of the other kind of database, one made by a newer version (unknown schema revision) and,
    unless ``force``, a target database that already holds data.
    """
    from govlotse.core.migrate import current_revision, head_revision, upgrade

    if not source.is_file():
        raise BackupError(f"no such file: {source}")
    kind = configured_kind()
    file_kind = detect_kind(source)
    if file_kind is None:
        raise BackupError(_not_a_backup(source))
    if file_kind != kind:
        raise BackupError(
            f"{source} is a {_LABEL[file_kind]} backup, but the configured database is {_LABEL[kind]} "
            f"({_redacted()}); restore it into a {_LABEL[file_kind]} database"
        )
    if kind == "sqlite" and _same_file(source, _sqlite_path()):
        raise BackupError(f"{source} is the configured database itself")
    pg = pg_target() if kind == "postgresql" else None
    pg_restore = find_pg_tool("pg_restore", server_major=pg.server_major) if pg else None
    info = inspect_backup(source, pg_restore=pg_restore)
    if info.revision is None:
        raise BackupError(f"{source} holds no GovLotse schema (no {VERSION_TABLE}); it is not a GovLotse backup")
    if not _revision_known(info.revision):
        raise BackupError(
            f"{source} has schema revision {info.revision}, which this version of GovLotse does not know "
            f"(it was made by a newer version; this one is at {head_revision()}): restore it with that version"
        )
    try:
        with db.engine.connect() as conn:
            filled = _tables_with_data(conn)
        target_revision = current_revision(db.engine)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database {_redacted()}: {_first_line(exc)}") from None
    if filled and not force:
        shown = ", ".join(filled[:3]) + (", …" if len(filled) > 3 else "")
        raise BackupError(
            f"the database {_redacted()} already holds data ({len(filled)} tables with rows: {shown}); "
            "use --force to replace it with the backup"
        )
    db.engine.dispose()
    if pg is not None and pg_restore is not None:
        _restore_postgresql(source, pg, pg_restore, target_revision=target_revision, backup_revision=info.revision)
    else:
        _restore_sqlite(source)
    db.engine.dispose()  # connections opened before the restore must not serve cached schema or plans
    upgraded = info.revision != head_revision()
    if upgraded:
        try:
            upgrade(db.url)
        except Exception as exc:  # the data is restored; the migration can be retried on its own
            raise BackupError(
                f"the backup was restored, but migrating it from revision {info.revision} failed: "
                f"{_first_line(exc)}; fix the cause and run `govlotse db upgrade`"
            ) from None
        db.engine.dispose()
    with unit_of_work() as session:
        verification = audit.verify(session)
    return RestoreReport(
        kind=kind,
        backup_revision=info.revision,
        revision=current_revision(db.engine),
        upgraded=upgraded,
        verification=verification,
    )


def _restore_sqlite(source: Path) -> None:
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = _open_readonly(source)
        try:
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)  # one write transaction on the target: all of the backup or nothing
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the restore failed, the database is unchanged: {exc}") from None


def _restore_postgresql(
    source: Path, pg: PgTarget, pg_restore: Path, *, target_revision: str | None, backup_revision: str
) -> None:
    args = [
        str(pg_restore),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={pg.url}",
        str(source),
    ]
    try:
        _run(args, env=pg.env, what="pg_restore")
    except BackupError as exc:
        hint = ""
        if target_revision is not None and target_revision != backup_revision:
            hint = (
                f" (the database is at schema revision {target_revision}, the backup at {backup_revision}: "
                "restore into an empty database instead)"
            )
        raise BackupError(f"{exc}; nothing was changed (single transaction){hint}") from None
