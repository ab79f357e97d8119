"""Pages that belong to no single domain: start page, data sources, health."""

from __future__ import annotations

import logging
import os

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import text

from govlotse.challenges import service as challenges
from govlotse.challenges.schemas import ChallengeFilter
from govlotse.core import metrics
from govlotse.deps import ActorDep, SessionDep
from govlotse.knowledge import service as knowledge
from govlotse.knowledge.schemas import UseCaseFilter
from govlotse.organisations import service as organisations
from govlotse.organisations.models import OrganisationKind
from govlotse.organisations.schemas import OrganisationFilter
from govlotse.solutions import service as solutions
from govlotse.solutions.schemas import SolutionFilter
from govlotse.web.render import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    latest, open_needs = challenges.list_challenges(
        session=session, actor=actor, filters=ChallengeFilter(per_page=5, sort="-created_at")
    )
    _s, startups = organisations.list_organisations(
        session=session, actor=actor, filters=OrganisationFilter(per_page=1, kind=OrganisationKind.startup)
    )
    _o, offerings = solutions.list_solutions(session=session, actor=actor, filters=SolutionFilter(per_page=1))
    _u, usecases = knowledge.list_usecases(session=session, actor=actor, filters=UseCaseFilter(per_page=1))
    return render(
        request,
        "home.html",
        {
            "latest": latest,
            "counts": {
                "challenges": open_needs,
                "startups": startups,
                "solutions": offerings,
                "usecases": usecases,
            },
            "actor": actor,
        },
    )


@router.get("/datenquellen", response_class=HTMLResponse)
def data_sources(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "sources.html", {"sources": knowledge.sources(session=session)})


@router.get("/healthz")
def health(session: SessionDep) -> JSONResponse:
    """Liveness and database reachability (for load balancers)."""
    session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def ready(session: SessionDep) -> JSONResponse:
    """Readiness: the database answers, its schema is the one this code needs, the background worker runs.

    503 until all holds (e.g. during an upgrade before `govlotse db upgrade`), so a load balancer sends no
    traffic to this worker yet. Also reports the queues, for operators.
    """
    from govlotse.core import mail, migrate, worker
    from govlotse.matching.index import queue_length

    checks: dict[str, object] = {"process": os.getpid()}
    try:
        revision = session.scalar(text("SELECT version_num FROM alembic_version"))
        waiting, failed = mail.outbox_counts(session)
        checks.update(index_queue=queue_length(session), mail_waiting=waiting, mail_failed=failed)
    except Exception as exc:  # not ready: say why, without a stack trace
        session.rollback()
        log.warning("not ready: %s", exc)
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__, **checks}, status_code=503)
    if revision != migrate.head_revision():
        detail = f"schema {revision}, code needs {migrate.head_revision()}: run `govlotse db upgrade`"
        return JSONResponse({"status": "unavailable", "database": detail, **checks}, status_code=503)
    checks["database"] = "ok"
    checks["worker"] = "running" if worker.is_running() else "stopped"
    return JSONResponse({"status": "ok", **checks})


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(session: SessionDep) -> Response:
    """Prometheus metrics (no personal data; keep it behind the proxy anyway, see docs/operations.md)."""
    body, content_type = metrics.exposition(session)
    return Response(body, media_type=content_type)
