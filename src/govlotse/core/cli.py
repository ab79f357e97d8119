"""``govlotse audit …`` and what every command shares: the progress display."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

PLAIN_SECONDS = 10.0


class _Progress(Progress):
    """A live bar on a terminal; elsewhere (systemd, cron, CI logs) a plain line every ``PLAIN_SECONDS`` and at
    the end, so that a long import or rebuild shows in the log that it is moving."""

    def __init__(self, console: Console) -> None:
        self.plain = not console.is_terminal
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        super().__init__(*columns, TimeRemainingColumn(), console=console, disable=self.plain)
        self._said = time.monotonic()

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        if self.plain and time.monotonic() - self._said >= PLAIN_SECONDS:
            self._say(task_id)

    def _say(self, task_id: TaskID) -> None:
        self._said = time.monotonic()
        task = self._tasks[task_id]
        total = f" of {int(task.total)}" if task.total else ""
        self.console.print(f"{task.description}: {int(task.completed)}{total}", highlight=False, markup=False)

    def stop(self) -> None:
        if self.plain:
            for task_id in self.task_ids:
                self._say(task_id)
        super().stop()


def progress(console: Console) -> Progress:
    """The progress display of the command line (on stderr: ``console`` should write there)."""
    return _Progress(console)


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
