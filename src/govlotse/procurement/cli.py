"""``govlotse procurement …``: the advisor on the command line, and rule-set versions."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

procurement_app = typer.Typer(help="Procurement and compliance advisor.", no_args_is_help=True)
rules_app = typer.Typer(help="Rule-set versions.", no_args_is_help=True)
procurement_app.add_typer(rules_app, name="rules")

KINDS = ("supplies", "services", "works", "social_services")
AUTHORITIES = ("central", "sub-central", "utility", "defence")
LANDS = ("hamburg", "none")


def bad_input(reason: str) -> NoReturn:
    """Refuse bad input: exit code 2 and one line on stderr."""
    sys.stderr.write(f"error: {reason}\n")
    raise typer.Exit(2)


def _rule_set():  # type: ignore[no-untyped-def]
    """The active stored rule set if the database is ready, else the one shipped with GovLotse."""
    from govlotse.procurement import rules

    try:
        from govlotse.core.migrate import require_current_schema
        from govlotse.db import db, unit_of_work
        from govlotse.procurement import service

        require_current_schema(db.engine)
        with unit_of_work() as session:
            return service.active_rule_set(session)
    except Exception:  # no database yet: the advisor still answers from the shipped rules
        return rules.shipped()


@procurement_app.command("advise")
def advise(
    value: Annotated[str, typer.Option(help="Estimated contract value in euros, net")],
    kind: Annotated[str, typer.Option(help="supplies | services | works | social_services")],
    authority: Annotated[str, typer.Option(help="central | sub-central | utility | defence")],
    start: Annotated[str, typer.Option("--date", help="Date the procedure starts, YYYY-MM-DD")],
    land: Annotated[str, typer.Option(help="hamburg, or none for the federal/default rules")] = "none",
    innovative: Annotated[bool, typer.Option("--innovative", help="Innovative subject")] = False,
    govtech_unit: Annotated[bool, typer.Option("--govtech-unit", help="The GovTech unit is involved")] = False,
    term_months: Annotated[str | None, typer.Option("--term-months", help="Planned term in months")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Name the procurement regime, permitted procedures and a recommendation, with sources."""
    from govlotse.procurement.advisor import AdviceInput, NoApplicableRule
    from govlotse.procurement.advisor import advise as run

    try:
        amount = float(value.replace("_", ""))
    except ValueError:
        bad_input(f"--value must be a number of euros, got {value!r}")
    if amount < 0 or amount != amount or amount > 10_000_000_000:
        bad_input(f"--value must be between 0 and 10,000,000,000 euros, got {value}")
    if kind not in KINDS:
        bad_input(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if authority not in AUTHORITIES:
        bad_input(f"--authority must be one of {', '.join(AUTHORITIES)}, got {authority!r}")
    if land not in LANDS:
        bad_input(f"--land must be hamburg or none, got {land!r}")
    try:
        day = date.fromisoformat(start)
    except ValueError:
        bad_input(f"--date {start!r} is not a valid date (YYYY-MM-DD)")
    months = None
    if term_months is not None:
        if not term_months.isdigit() or not 1 <= int(term_months) <= 600:
            bad_input(f"--term-months must be a whole number from 1 to 600, got {term_months!r}")
        months = int(term_months)
    try:
        advice_in = AdviceInput.model_validate(
            {
                "value": round(amount),
                "kind": kind,
                "authority": authority,
                "land": None if land == "none" else land,
                "start_date": day,
                "innovative": innovative,
                "govtech_unit": govtech_unit,
                "term_months": months,
            }
        )
        result = run(_rule_set(), advice_in)
    except ValidationError as exc:
        bad_input("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    except NoApplicableRule as exc:
        bad_input(str(exc))
    if as_json:
        data = result.model_dump(mode="json")
        data["reasons"] = [m.text for m in result.reasons]
        data["warnings"] = [{"code": m.code, "text": m.text, "rule": m.rule} for m in result.warnings]
        data["notes"] = [m.text for m in result.notes]
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    print(f"Regime: {result.regime.upper()} (EU-Schwellenwert {result.threshold_eur:,} €)".replace(",", "."))
    print(f"Zulässig: {', '.join(result.permitted)}")
    print(f"Empfohlen: {result.recommended}")
    for m in result.reasons:
        print(f"  – {m.text}")
    for m in result.warnings:
        print(f"  ! {m.text}")
    print(f"Regelwerk {result.rules_version}. {result.disclaimer}")


@rules_app.command("load")
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Rule set (YAML or JSON)")],
) -> None:
    """Validate a rule-set file, store it as a new version and make it active."""
    from govlotse.core.actor import SYSTEM
    from govlotse.core.migrate import require_current_schema
    from govlotse.db import db, unit_of_work
    from govlotse.errors import AppError
    from govlotse.procurement import service

    require_current_schema(db.engine)
    try:
        with unit_of_work() as session:
            row = service.load_rule_set(
                session=session, actor=SYSTEM, text=file.read_text(encoding="utf-8"), name=file.name
            )
            print(f"rule set {row.version} loaded and active ({row.sha256[:12]})")
    except AppError as exc:
        bad_input(exc.detail)


@rules_app.command("list")
def list_versions() -> None:
    """Stored rule-set versions (the active one marked)."""
    from govlotse.db import unit_of_work
    from govlotse.procurement import service

    with unit_of_work() as session:
        for row in service.list_versions(session=session):
            mark = "*" if row.active else " "
            print(f"{mark} {row.version}  {row.loaded_at:%Y-%m-%d %H:%M}  {row.loaded_by}  {row.title}")


@rules_app.command("activate")
def activate(version: str) -> None:
    """Make a stored version the active one."""
    from govlotse.core.actor import SYSTEM
    from govlotse.db import unit_of_work
    from govlotse.errors import AppError
    from govlotse.procurement import service

    try:
        with unit_of_work() as session:
            service.activate(session=session, actor=SYSTEM, version=version)
    except AppError as exc:
        bad_input(exc.detail)
    print(f"rule set {version} is active")


@rules_app.command("check")
def check(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Validate a rule-set file without loading it."""
    from govlotse.procurement import rules

    try:
        rule_set = rules.parse(file.read_text(encoding="utf-8"), name=file.name)
    except rules.RuleSetInvalid as exc:
        bad_input(exc.detail)
    print(f"{file.name}: valid, version {rule_set.version}, {len(rule_set.rules)} rules")
