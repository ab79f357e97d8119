"""``govlotse index …`` and ``govlotse eval rank``."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from govlotse.core.cli import progress

index_app = typer.Typer(help="Search index.", no_args_is_help=True)
eval_app = typer.Typer(help="Retrieval evaluation.", no_args_is_help=True)
err = Console(stderr=True)


def progress_bar() -> Progress:
    return progress(err)


def _stepper(progress: Progress) -> Callable[[str, int], Callable[[int], None]]:
    def step(name: str, total: int) -> Callable[[int], None]:
        task = progress.add_task(name, total=total)
        return lambda n: progress.advance(task, n)

    return step


@index_app.command("rebuild")
def rebuild(
    only: Annotated[list[str] | None, typer.Option(help="solution | challenge | usecase (repeatable)")] = None,
) -> None:
    """Bring the search index up to date; only new or changed text is embedded (cache by content hash)."""
    import govlotse.services  # noqa: F401 - registers every searchable kind
    from govlotse.core.migrate import require_current_schema
    from govlotse.db import db
    from govlotse.matching import index

    require_current_schema(db.engine)
    with progress_bar() as progress:
        report = index.rebuild(entity_types=only or None, progress=_stepper(progress))
    err.print(
        f"{report.indexed} indexed, {report.unchanged} unchanged, {report.removed} removed, "
        f"{report.embedded_passages} passages embedded"
    )


@index_app.command("status")
def status() -> None:
    """What is indexed, what waits in the queue, and with which model."""
    import govlotse.services  # noqa: F401
    from govlotse.core.migrate import require_current_schema
    from govlotse.db import db, unit_of_work
    from govlotse.matching import index
    from govlotse.matching.embedder import get_embedder

    require_current_schema(db.engine)
    with unit_of_work() as session:
        s = index.status(session)
    print(f"model in use: {get_embedder().name}")
    for kind, records in s.records.items():
        print(f"  {kind:<10} {s.documents.get(kind, 0):>7} indexed of {records:>7} records")
    print(f"  passages: {s.passages}  queued: {s.queued}  cached vectors: {s.cached_vectors}")
    for model, n in s.models.items():
        print(f"  vectors by model: {model}: {n}")


@eval_app.command("rank")
def eval_rank(
    corpus: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="JSONL: id, title, text, lang")],
    queries: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="JSONL: id, query, exclude")],
    top: Annotated[int, typer.Option(min=1, max=1000, help="Ranking length per query")] = 100,
    mode: Annotated[str, typer.Option(help="hybrid | lexical | semantic")] = "hybrid",
    database: Annotated[
        str, typer.Option(help="sqlite (default) or a PostgreSQL URL for the throwaway store")
    ] = "sqlite",
) -> None:
    """Index a corpus with the production pipeline into a throwaway store; print one ranking per query."""
    from govlotse.matching import evaluation

    if mode not in ("hybrid", "lexical", "semantic"):
        raise typer.BadParameter("mode must be hybrid, lexical or semantic")
    with progress_bar() as progress:
        rankings = evaluation.rank_corpus(
            corpus, queries, top=top, mode=mode, database=database, progress=_stepper(progress)
        )
    for query_id, ranking in rankings:
        sys.stdout.write(json.dumps({"id": query_id, "ranking": ranking}) + "\n")


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
