"""Counting platform usage without personal data: one number per day and metric, nothing about who.

``count`` adds to ``usage_daily`` inside the caller's transaction (in a SAVEPOINT, so that a failed count
never breaks the request or the change it belongs to); it is used for rare events (a registration).
Page views and searches happen on almost every request; writing each one in the request's transaction
would turn every page view into a write, and on SQLite (one writer at a time) that makes concurrent saves
fail. So ``note`` only adds to an in-process buffer, and ``flush`` writes the buffer in one short
transaction: the background worker (govlotse.core.worker) does that every ``FLUSH_SECONDS`` and at
shutdown, and the analytics page before it reads. Several workers each flush their own buffer; the upsert
adds, so nothing is overwritten.
A hard kill loses at most the last seconds of counts.

``metrics_of`` says what a request counts as; the app-wide dependency ``analytics.web.count_request``
applies it after a handler returned successfully. Neither looks at IP address, cookies, user or user
agent; only the path, the method, the route's response class and whether ``q`` is empty.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from govlotse.analytics.models import Metric, UsageDaily
from govlotse.core import worker
from govlotse.core.models import utcnow

log = logging.getLogger(__name__)

SEARCH_PATHS = frozenset({"/suche", "/api/search"})
# HTML fragments fetched by app.js while someone types: part of a page, not a page view of their own.
FRAGMENT_PATHS = frozenset({"/bedarfe/aehnliche"})


def _upsert(session: Session, day: date, metric: Metric, n: int) -> Insert:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(UsageDaily).values(day=day, metric=str(metric), count=n)
    return stmt.on_conflict_do_update(
        index_elements=[UsageDaily.day, UsageDaily.metric], set_={"count": UsageDaily.count + n}
    )


def count(session: Session, metric: Metric, n: int = 1, *, day: date | None = None) -> None:
    """Add ``n`` to today's (UTC) count of ``metric``; a failure is logged, never raised."""
    try:
        with session.begin_nested():
            session.execute(_upsert(session, day or utcnow().date(), metric, n))
    except SQLAlchemyError:  # e.g. SQLite busy: losing one count is better than failing the page
        log.warning("usage count %s not recorded", metric, exc_info=True)


FLUSH_SECONDS = 15
_pending: Counter[tuple[date, str]] = Counter()
_lock = threading.Lock()


def note(metric: Metric, n: int = 1) -> None:
    """Remember ``n`` more of ``metric`` for today (UTC); written by the next ``flush``."""
    with _lock:
        _pending[(utcnow().date(), str(metric))] += n


def flush(session: Session) -> int:
    """Write the buffered counts in the caller's transaction; returns how many rows were touched."""
    with _lock:
        items = list(_pending.items())
        _pending.clear()
    if not items:
        return 0
    try:
        with session.begin_nested():
            for (day, metric), n in items:
                session.execute(_upsert(session, day, Metric(metric), n))
    except SQLAlchemyError:
        with _lock:  # keep them for the next try
            for key, n in items:
                _pending[key] += n
        log.warning("usage counts not written; will retry", exc_info=True)
        return 0
    return len(items)


# Other writes that reads must not do in the request (e.g. an API token's last use) and that this thread
# writes every FLUSH_SECONDS: callables that take the session.
_flushers: list[Callable[[Session], object]] = []


def also_flush(flusher: Callable[[Session], object]) -> None:
    """Have ``flusher(session)`` run with every flush of the usage counts."""
    if flusher not in _flushers:
        _flushers.append(flusher)


def flush_all(session: Session) -> None:
    flush(session)
    for flusher in _flushers:
        flusher(session)


def flush_now() -> None:
    """Write the buffers in one short transaction (the background worker every ``FLUSH_SECONDS``, and at shutdown)."""
    from govlotse.db import unit_of_work

    try:
        with unit_of_work(writes=True) as session:
            flush_all(session)
    except Exception:  # a busy database: the counts stay in the buffer
        log.warning("usage flush failed; will retry", exc_info=True)


worker.every("usage", FLUSH_SECONDS, flush_now)


def metrics_of(request: Request) -> list[Metric]:
    """What a successfully answered request counts as (only the request line and route are looked at)."""
    if request.method != "GET":
        return []
    path = request.url.path
    found = []
    if path in SEARCH_PATHS and request.query_params.get("q", "").strip():
        found.append(Metric.searches)
    route = request.scope.get("route")
    is_page = (
        not path.startswith("/api/")
        and path not in FRAGMENT_PATHS
        and getattr(route, "response_class", None) is HTMLResponse
        # Browsers mark script requests (fetch) as "empty"; a page the user opens is a "document".
        and request.headers.get("sec-fetch-dest", "document") in ("document", "")
    )
    if is_page:
        found.append(Metric.page_views)
    return found
