"""``govlotse audit …``."""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="Audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Check the audit log's hash chain; exit 1 and name the first broken entry if it was tampered with."""
    from govlotse.core import audit
    from govlotse.core.migrate import require_current_schema
    from govlotse.db import db, unit_of_work

    require_current_schema(db.engine)
    with unit_of_work() as session:
        result = audit.verify(session)
    print(result)
    if not result.ok:
        raise typer.Exit(1)
