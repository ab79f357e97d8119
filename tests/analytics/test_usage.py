"""Usage is counted per day and metric only: no column could hold personal data, and counting works."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from govlotse.analytics import usage
from govlotse.analytics.models import Metric, UsageDaily
from govlotse.core.models import utcnow
from tests.factories import make_org, make_user


def _today(session: Session) -> dict[str, int]:
    usage.flush(session)  # page views and searches are buffered in the process first
    rows = session.execute(select(UsageDaily.metric, UsageDaily.count).where(UsageDaily.day == utcnow().date()))
    return dict(rows.all())


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        m: after.get(m, 0) - before.get(m, 0) for m in set(before) | set(after) if after.get(m, 0) != before.get(m, 0)
    }


def test_the_usage_table_has_no_column_that_could_hold_personal_data(engine: Engine) -> None:
    columns = {c["name"]: c for c in inspect(engine).get_columns("usage_daily")}
    assert set(columns) == {"day", "metric", "count"}
    assert columns["metric"]["type"].length == 20  # a code such as "page_views", nothing longer
    assert {c.name for c in UsageDaily.__table__.columns} == {"day", "metric", "count"}


def test_pages_and_searches_are_counted_without_anything_about_the_visitor(
    client: TestClient, session: Session
) -> None:
    before = _today(session)
    private = {"User-Agent": "Mozilla/5.0 Erika-Mustermann-Browser", "X-Forwarded-For": "203.0.113.77"}
    assert client.get("/", headers=private).status_code == 200
    assert client.get("/bedarfe", headers=private).status_code == 200
    assert client.get("/suche?q=Schlaglöcher+erkennen", headers=private).status_code == 200  # a page and a search
    assert client.get("/suche").status_code == 200  # the empty search page: a page, no search
    assert client.get("/api/search?q=Schlaglöcher").status_code == 200  # a search, no page
    assert client.get("/statistik").status_code == 200
    assert _delta(before, _today(session)) == {"page_views": 5, "searches": 2}

    before = _today(session)
    not_pages = [
        ("/healthz", {}),
        ("/static/app.css", {}),
        ("/api/challenges", {}),
        ("/api/search?q=", {}),  # no query: nothing searched
        ("/statistik/trichter.csv", {}),  # a download
        ("/bedarfe/aehnliche?text=Schlaglöcher+werden+spät+gemeldet+und+Begehungen+dauern", {}),  # a fragment
        ("/bedarfe", {"Sec-Fetch-Dest": "empty"}),  # fetched by a script
        ("/bedarfe/999999", {}),  # not found: the handler failed
    ]
    for path, headers in not_pages:
        client.get(path, headers=headers)
    assert _delta(before, _today(session)) == {}

    stored = session.execute(select(UsageDaily.day, UsageDaily.metric, UsageDaily.count)).all()
    assert {metric for _, metric, _ in stored} <= {str(m) for m in Metric}
    assert "Erika" not in repr(stored) and "203.0.113.77" not in repr(stored)


def test_every_new_account_counts_as_a_registration(session: Session) -> None:
    before = _today(session)
    make_user(session, role="startup", org=make_org(session, kind="startup"))
    make_user(session, role="expert")
    assert _delta(before, _today(session)) == {"registrations": 2}


def test_page_views_do_not_make_the_request_write(client: TestClient, session: Session) -> None:
    """A page view only adds to the process's buffer; one short transaction writes it later (SQLite: one writer)."""

    def stored() -> int:
        rows = session.execute(select(UsageDaily.count).where(UsageDaily.day == utcnow().date())).scalars()
        return sum(rows)

    usage.flush(session)
    before = stored()
    assert client.get("/bedarfe").status_code == 200
    assert stored() == before  # nothing written by the request itself
    assert usage.flush(session) >= 1
    assert stored() == before + 1
