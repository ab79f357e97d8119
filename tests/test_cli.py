"""The command line, against a fresh database of each kind."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from govlotse.cli import app

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_commands_refuse_an_unmigrated_database(fresh_db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "organisations"])
    assert result.exit_code == 1
    assert "govlotse db upgrade" in result.output


def test_import_with_a_bad_row_changes_nothing_and_names_the_line(fresh_db: str, tmp_path: Path) -> None:
    _ok("db", "upgrade")
    good = tmp_path / "orgs.csv"
    good.write_text("external_id,kind,name\ncli-1,startup,Alpha\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "external_id,kind,name,founded_year\ncli-2,startup,Beta,2020\ncli-3,startup,Gamma,3020\n",
        encoding="utf-8",
    )
    assert "1 created" in _ok("import", "organisations", str(good))
    result = runner.invoke(app, ["import", "organisations", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv:line 3: founded_year" in result.output
    assert "nothing was imported" in result.output
    exported = _ok("export", "organisations", "--format", "csv")
    assert "cli-1" in exported and "cli-2" not in exported and "cli-3" not in exported


def test_dry_run_and_reimport(fresh_db: str, tmp_path: Path) -> None:
    _ok("db", "upgrade")
    path = tmp_path / "orgs.jsonl"
    path.write_text('{"external_id": "cli-9", "kind": "research", "name": "Institut"}\n', encoding="utf-8")
    assert "dry run" in _ok("import", "organisations", str(path), "--dry-run")
    assert "cli-9" not in _ok("export", "organisations")
    assert "1 created" in _ok("import", "organisations", str(path))
    assert "1 unchanged" in _ok("import", "organisations", str(path))


def test_unknown_kind_and_missing_file_exit_2(fresh_db: str, tmp_path: Path) -> None:
    _ok("db", "upgrade")
    path = tmp_path / "x.csv"
    path.write_text("a\n", encoding="utf-8")
    assert runner.invoke(app, ["import", "planets", str(path)]).exit_code == 2
    assert runner.invoke(app, ["import", "organisations", str(tmp_path / "missing.csv")]).exit_code == 2


def test_users_create(fresh_db: str) -> None:
    _ok("db", "upgrade")
    out = _ok(
        "users",
        "create",
        "--email",
        "Neu@Example.org",
        "--name",
        "Neue Person",
        "--role",
        "unit",
        "--password",
        "lange-passphrase-1",
    )
    assert "neu@example.org" in out
    dup = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "neu@example.org",
            "--name",
            "Xaver",
            "--role",
            "unit",
            "--password",
            "lange-passphrase-1",
        ],
    )
    assert dup.exit_code == 2 and "exists already" in dup.output
    short = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "b@example.org",
            "--name",
            "Xaver",
            "--role",
            "unit",
            "--password",
            "kurz",
        ],
    )
    assert short.exit_code == 2 and "password" in short.output


def test_demo_logins_print_whole_lines() -> None:
    from govlotse.demo.service import DEMO_LOGINS

    out = _ok("demo", "logins")
    for login in DEMO_LOGINS:
        assert f"{login.email}" in out and login.password in out


def test_users_logout_ends_sessions_of_one_person_or_everyone(fresh_db: str) -> None:
    from sqlalchemy import func, select

    from govlotse.accounts import service as accounts
    from govlotse.accounts.models import LoginSession
    from govlotse.db import unit_of_work

    _ok("db", "upgrade")
    for who in ("a@example.org", "b@example.org"):
        _ok("users", "create", "--email", who, "--name", who, "--role", "unit", "--password", "lange-passphrase-1")
    with unit_of_work() as session:
        for who in ("a@example.org", "a@example.org", "b@example.org"):
            user = accounts.get_user_by_email(session=session, email=who)
            assert user is not None
            accounts.start_session(session=session, user=user)

    def live() -> int:
        with unit_of_work() as session:
            return session.scalar(select(func.count()).select_from(LoginSession)) or 0

    assert "2 login session(s) ended" in _ok("users", "logout", "--email", "a@example.org")
    assert live() == 1
    assert "1 login session(s) ended" in _ok("users", "logout", "--all")
    assert live() == 0
    assert runner.invoke(app, ["users", "logout"]).exit_code == 2
    unknown = runner.invoke(app, ["users", "logout", "--email", "nobody@example.org"])
    assert unknown.exit_code == 2 and "no account" in unknown.output
