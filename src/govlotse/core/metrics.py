"""Prometheus metrics at ``/metrics``: requests, latency, and the state of the queues.

Request counts and latencies are kept per process; with several workers (``govlotse serve --workers N``)
each writes them to files in ``PROMETHEUS_MULTIPROC_DIR`` (set by ``serve``) and a scrape adds up all
workers, so it does not matter which worker answers. Queue lengths and record counts are read from the
database at scrape time. Nothing personal is exposed: routes are reported by their pattern
(``/bedarfe/{challenge_id}``), never with ids or query strings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("govlotse_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "govlotse_http_request_duration_seconds",
    "Time to answer a request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


class _DatabaseCollector(Collector):
    """Gauges read from the database when scraped."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from govlotse.accounts.models import LoginSession, User
        from govlotse.core import mail
        from govlotse.core.models import utcnow
        from govlotse.matching.index import queue_length
        from govlotse.matching.models import SearchDoc

        session = self.session
        waiting, dead = mail.outbox_counts(session)
        queued = queue_length(session)
        docs = session.scalar(select(func.count()).select_from(SearchDoc)) or 0
        users = session.scalar(select(func.count()).select_from(User).where(User.is_active.is_(True))) or 0
        live = (
            session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.expires_at > utcnow()))
            or 0
        )
        yield GaugeMetricFamily("govlotse_index_queue_length", "Records waiting to be (re-)indexed", value=queued)
        yield GaugeMetricFamily("govlotse_search_documents", "Documents in the search index", value=docs)
        yield GaugeMetricFamily("govlotse_mail_outbox_waiting", "E-mails waiting for delivery", value=waiting)
        yield GaugeMetricFamily("govlotse_mail_outbox_failed", "E-mails given up after every retry", value=dead)
        yield GaugeMetricFamily("govlotse_active_users", "Active user accounts", value=users)
        yield GaugeMetricFamily("govlotse_login_sessions", "Login sessions not yet expired", value=live)


def exposition(session: Session) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type (gauges read through ``session``)."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(_DatabaseCollector(session))
    return generate_latest(registry), CONTENT_TYPE_LATEST
