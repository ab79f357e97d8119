"""The ``govlotse`` command line: database, demo data, import/export, users, server."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from govlotse.config import Settings, settings
from govlotse.core.actor import SYSTEM, Role
from govlotse.core.cli import audit_app, progress
from govlotse.db import db, unit_of_work
from govlotse.errors import AppError, Invalid
from govlotse.matching.cli import eval_app, index_app
from govlotse.procurement.cli import procurement_app

app = typer.Typer(
    help="GovLotse – venture-client platform for public administrations.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold passwords or personal data
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(users_app, name="users")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")
app.add_typer(procurement_app, name="procurement")
app.add_typer(audit_app, name="audit")

console = Console()
err = Console(stderr=True)

Kind = typer.Argument(help="organisations | solutions | challenges | usecases")


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def _progress() -> Progress:
    return progress(err)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the schema migrations (SQLite or PostgreSQL, from GOVLOTSE_DATABASE_URL)."""
    from govlotse.core.migrate import upgrade

    upgrade(db.url, revision)
    console.print(f"database at revision {revision}: {_redact(db.url)}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from govlotse.core.migrate import current_revision, head_revision

    console.print(f"current: {current_revision(db.engine)}  head: {head_revision()}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _check_schema() -> None:
    from govlotse.core.migrate import require_current_schema

    try:
        require_current_schema(db.engine)
    except AppError as exc:
        fail(exc.detail)


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo data (idempotent: a second run adds nothing) and create demo logins."""
    from govlotse.dataio import service as dataio
    from govlotse.demo import service as demo

    _check_schema()
    with _progress() as progress:

        def step(name: str, total: int, _done: int) -> Callable[[int], None]:
            task = progress.add_task(name, total=total)
            return lambda n: progress.advance(task, n)

        try:
            with unit_of_work() as session:
                reports = demo.load(session=session, progress=step)
        except dataio.ImportFailed as exc:
            for e in exc.report.errors:
                err.print(f"{exc.report.entity}: {e}", highlight=False, markup=False)
            fail("the demo data is inconsistent; nothing was loaded")
            return
    for name, r in reports.items():
        console.print(f"{name}: {r.created} created, {r.updated} updated, {r.unchanged} unchanged")
    _index_demo()
    with unit_of_work() as session:
        cases = demo.seed_pipeline(session=session)
    if cases:
        console.print(f"demo pipeline: one need through exploration, pitch and a finished pilot ({cases} cases)")


def _index_demo() -> None:
    """Index the demo for search; vectors shipped with the demo make this take seconds, not minutes."""
    import govlotse.services  # noqa: F401 - registers every searchable kind
    from govlotse.demo import service as demo
    from govlotse.matching import index
    from govlotse.matching.cli import _stepper
    from govlotse.matching.embedder import get_embedder

    embedder = get_embedder()
    with unit_of_work() as session:
        added = demo.prefill_embedding_cache(session=session, model=embedder.name)
    if added:
        console.print(f"{added} demo vectors loaded into the embedding cache")
    with _progress() as progress:
        report = index.rebuild(embedder=embedder, progress=_stepper(progress))
    console.print(
        f"search index: {report.indexed} indexed, {report.unchanged} unchanged, "
        f"{report.embedded_passages} passages embedded"
    )


@demo_app.command("logins")
def demo_logins() -> None:
    """Print the demo logins (one per role)."""
    from govlotse.demo.service import DEMO_LOGINS
    from govlotse.web.labels import label

    # Plain lines, not a table: they must stay whole in any terminal width and in logs.
    print(f"Demo-Zugänge (demo logins) · http://{settings.host}:{settings.port}/anmelden")
    width = max(len(label("role", d.role)) for d in DEMO_LOGINS)
    for d in DEMO_LOGINS:
        print(f"  {label('role', d.role):<{width}}  {d.email:<34}  {d.password}")


@app.command("import")
def import_(
    kind: Annotated[str, Kind],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or JSONL file")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row, write nothing")] = False,
) -> None:
    """Import a CSV or JSONL file all-or-nothing; bad rows are listed with line, field and reason."""
    from govlotse.dataio import service as dataio

    if kind not in dataio.ENTITIES:
        fail(f"unknown kind {kind!r}; choose one of {', '.join(dataio.ENTITIES)}", 2)
    _check_schema()
    try:
        with _progress() as progress, unit_of_work() as session:
            task = progress.add_task(file.name, total=None)
            report = dataio.import_file(
                session=session,
                actor=SYSTEM,
                kind=kind,
                path=file,
                dry_run=dry_run,
                progress=lambda n: progress.advance(task, n),
            )
    except dataio.ImportFailed as exc:
        for e in exc.report.errors:
            err.print(f"{file.name}:{e}", highlight=False, markup=False)
        fail(f"{len(exc.report.errors)} error(s) in {exc.report.rows} row(s); nothing was imported")
        return
    except Invalid as exc:
        fail("; ".join(e.as_dict("en")["msg"] for e in exc.errors))
        return
    verb = "checked (dry run, nothing written)" if dry_run else "imported"
    console.print(
        f"{report.rows} rows {verb}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    )


@app.command("export")
def export(
    kind: Annotated[str, Kind],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl")] = "jsonl",
) -> None:
    """Export every record of a kind in the import format."""
    from govlotse.dataio import service as dataio

    if kind not in dataio.ENTITIES:
        fail(f"unknown kind {kind!r}; choose one of {', '.join(dataio.ENTITIES)}", 2)
    if fmt not in ("csv", "jsonl"):
        fail("--format must be csv or jsonl", 2)
    _check_schema()
    with unit_of_work() as session:
        rows = dataio.export_rows(session=session, actor=SYSTEM, kind=kind)
        lists = dataio.ENTITIES[kind].list_fields
        if output is None:
            n = dataio.write_export(rows, sys.stdout, fmt, lists)
        else:
            with output.open("w", encoding="utf-8", newline="") as fh:
                n = dataio.write_export(rows, fh, fmt, lists)
    err.print(f"{n} {kind} exported")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Login e-mail")],
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[Role, typer.Option(help="unit | agency | startup | expert | admin")],
    organisation: Annotated[list[str] | None, typer.Option(help="external_id of an organisation (repeatable)")] = None,
    password: Annotated[str | None, typer.Option(help="Password (asked for if not given)")] = None,
) -> None:
    """Create a user account with memberships."""
    from pydantic import ValidationError

    from govlotse.accounts import service as accounts
    from govlotse.accounts.schemas import UserCreate
    from govlotse.core.crud import by_external_id
    from govlotse.core.validation import translate_errors
    from govlotse.organisations.models import Organisation

    _check_schema()
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work() as session:
            ids = []
            for ext in organisation or []:
                org = by_external_id(session, Organisation, ext)
                if org is None:
                    fail(f"unknown organisation {ext!r}", 2)
                ids.append(org.id)
            user_in = UserCreate(email=email, name=name, role=role, password=password, organisation_ids=ids)
            user = accounts.create_user(session=session, actor=SYSTEM, user_in=user_in)
            console.print(f"created user {user.id} <{user.email}> as {user.role}")
    except ValidationError as exc:
        fail("; ".join(f"{e['field']}: {e['msg']}" for e in translate_errors(exc.errors(), "en")), 2)
    except AppError as exc:
        fail(exc.detail, 2)


@users_app.command("logout")
def users_logout(
    email: Annotated[str | None, typer.Option(help="Only this person (every device)")] = None,
    everyone: Annotated[bool, typer.Option("--all", help="Everyone (e.g. after a security incident)")] = False,
) -> None:
    """End login sessions: of one person, or with --all of everyone. API tokens stay valid (revoke them apart)."""
    from govlotse.accounts import service as accounts

    if (email is None) == (not everyone):
        fail("give either --email ADDRESS or --all", 2)
    _check_schema()
    with unit_of_work() as session:
        user = None
        if email is not None:
            user = accounts.get_user_by_email(session=session, email=email)
            if user is None:
                fail(f"no account with e-mail {email!r}", 2)
        ended = accounts.end_sessions(session=session, actor=SYSTEM, user=user)
    console.print(f"{ended} login session(s) ended", highlight=False)


@users_app.command("list")
def users_list() -> None:
    """List user accounts."""
    from govlotse.accounts import service as accounts

    with unit_of_work() as session:
        table = Table()
        for col in ("id", "email", "name", "role", "active"):
            table.add_column(col)
        for u in accounts.list_users(session=session, actor=SYSTEM):
            table.add_row(str(u.id), u.email, u.name, u.role, "yes" if u.is_active else "no")
    console.print(table)


@app.command("backup")
def backup_(
    file: Annotated[Path, typer.Argument(help="File to write (SQLite database or pg_dump custom-format archive)")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists")] = False,
) -> None:
    """Back up the database into FILE while the application keeps serving (SQLite online backup or pg_dump)."""
    from rich.markup import escape

    from govlotse.core import backup

    try:
        info = backup.backup(file, force=force)
    except backup.BackupError as exc:
        fail(escape(str(exc)))  # file names may hold [brackets]
        return
    console.print(
        f"backup written: {info.path} ({backup.human_size(info.size)}, {info.tables} tables, "
        f"schema revision {info.revision})",
        highlight=False,
        markup=False,
    )


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `govlotse backup`")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data")] = False,
) -> None:
    """Replace the database's content with a backup, migrate it to this version and verify the audit log."""
    from rich.markup import escape

    from govlotse.core import backup

    try:
        report = backup.restore(file, force=force)
    except backup.BackupError as exc:
        fail(escape(str(exc)))
        return
    console.print(f"restored {file} into {_redact(db.url)}", highlight=False, markup=False)
    if report.upgraded:
        console.print(
            f"the backup was at schema revision {report.backup_revision}; migrated to {report.revision}",
            highlight=False,
            markup=False,
        )
    if not report.verification.ok:
        fail(str(report.verification))
    console.print(str(report.verification), highlight=False, markup=False)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (more than 1 needs PostgreSQL)")] = 1,
) -> None:
    """Serve the web UI and the API."""
    import uvicorn

    if workers > 1 and settings.is_sqlite:
        fail("several workers need PostgreSQL (GOVLOTSE_DATABASE_URL=postgresql+psycopg://…); SQLite has one writer")
    if workers > 1 and reload:
        fail("--reload and --workers cannot be combined", 2)
    if not settings.is_sqlite and settings.secret_key == Settings.model_fields["secret_key"].default:
        fail("GOVLOTSE_SECRET_KEY is the development default; set a long random value for a production database")
    _check_schema()
    from govlotse.core import logs, metrics

    logs.configure(settings.log_format, settings.log_level)
    if workers > 1:  # request metrics of every worker go to files that /metrics adds up
        folder = Path(settings.var_dir) / "metrics"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ[metrics.MULTIPROC_ENV] = str(folder.resolve())
    uvicorn.run(
        "govlotse.app:serve_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,  # logging is configured by govlotse.logs (JSON lines or text)
        access_log=False,  # one line per request comes from the app, with its request id
    )


def main() -> None:
    try:
        app()
    except AppError as exc:
        err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
        sys.exit(1)
