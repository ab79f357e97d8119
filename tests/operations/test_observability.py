"""Operations: request ids, JSON logs, readiness, Prometheus metrics, the mail outbox and the background worker."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from govlotse.config import settings
from govlotse.core import logs, mail, worker
from govlotse.core.models import utcnow
from govlotse.db import unit_of_work
from tests.conftest import Mailbox


def test_every_answer_carries_a_request_id_and_a_good_one_from_the_proxy_is_kept(client: TestClient) -> None:
    fresh = client.get("/healthz")
    assert fresh.status_code == 200
    assert len(fresh.headers["x-request-id"]) == 16
    assert client.get("/healthz").headers["x-request-id"] != fresh.headers["x-request-id"]
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-4f2a9c11"})
    assert kept.headers["x-request-id"] == "proxy-4f2a9c11"
    # Anything that could forge log lines is replaced, not echoed.
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" \\n{"level":"ERROR"}'})
    assert forged.headers["x-request-id"] != 'x" \\n{"level":"ERROR"}'


def test_a_request_writes_one_access_line_with_its_id(client: TestClient, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="govlotse.access"):
        response = client.get("/bedarfe/999999", headers={"X-Request-ID": "req-0000feed"})
    assert response.status_code == 404
    lines = [r for r in caplog.records if r.name == "govlotse.access"]
    assert len(lines) == 1
    assert lines[0].route == "/bedarfe/{challenge_id}"  # the pattern: no ids in logs or metrics
    assert lines[0].status == 404


def test_json_log_lines_carry_request_id_extras_and_exceptions() -> None:
    formatter = logs.JsonFormatter()
    token = logs.REQUEST_ID.set("abc12345")
    try:
        record = logging.LogRecord("govlotse.x", logging.ERROR, __file__, 1, "failed for %s", ("Bedarf 7",), None)
        logs._RequestIdFilter().filter(record)
        record.status = 500
        try:
            raise ValueError("kaputt")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
        line = json.loads(formatter.format(record))
    finally:
        logs.REQUEST_ID.reset(token)
    assert line["message"] == "failed for Bedarf 7"
    assert line["level"] == "ERROR"
    assert line["request_id"] == "abc12345"
    assert line["status"] == 500
    assert "ValueError: kaputt" in line["exc"]


def test_an_unexpected_error_names_its_request_id_to_the_user(client: TestClient, app: Any) -> None:
    @app.get("/kaputt-zum-test")
    def broken() -> None:
        raise RuntimeError("boom")

    page = client.get("/kaputt-zum-test", headers={"X-Request-ID": "req-00c0ffee"})
    assert page.status_code == 500
    assert "req-00c0ffee" in page.text
    assert "Traceback" not in page.text and "boom" not in page.text


def test_readiness_reports_database_schema_and_queues(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert {"index_queue", "mail_waiting", "mail_failed", "process"} <= set(body)


def test_metrics_in_prometheus_format_count_requests_by_route_pattern(client: TestClient) -> None:
    client.get("/bedarfe/424242")
    text = client.get("/metrics").text
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    assert 'govlotse_http_requests_total{method="GET",route="/bedarfe/{challenge_id}",status="404"}' in text
    assert "424242" not in text
    client.get("/api/challenges/515151")
    text = client.get("/metrics").text
    assert 'route="/api/challenges/{challenge_id}",status="404"' in text
    assert client.get("/static/app.css").status_code == 200
    assert 'route="/static",status="200"' in client.get("/metrics").text  # a mount: one label for every file
    for gauge in ("govlotse_index_queue_length", "govlotse_mail_outbox_waiting", "govlotse_active_users"):
        assert f"\n{gauge} " in text


# ------------------------------------------------------------------ mail outbox (real commits, real SMTP)


def _outbox() -> list[mail.OutboxMail]:
    with unit_of_work() as session:
        return list(session.scalars(select(mail.OutboxMail).order_by(mail.OutboxMail.id)))


def test_a_rolled_back_transaction_mails_nothing(fresh_db: str, mailbox: Mailbox) -> None:
    from govlotse.core.migrate import upgrade

    upgrade(fresh_db)
    try:
        with unit_of_work() as session:
            mail.send(session, mail.Mail("rollback@example.org", "Betreff", "Text"))
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert _outbox() == []
    assert mailbox.to("rollback@example.org") == []


def test_mail_survives_an_smtp_outage_and_is_delivered_by_the_worker(
    fresh_db: str, mailbox: Mailbox, monkeypatch: Any
) -> None:
    from govlotse.core.migrate import upgrade

    upgrade(fresh_db)
    monkeypatch.setattr(settings, "smtp_port", 9)  # nothing listens there: the SMTP server is "down"
    with unit_of_work() as session:
        mail.send(session, mail.Mail("outage@example.org", "Bitte bestätigen", "Link: …"))
    [row] = _outbox()
    assert mailbox.to("outage@example.org") == []
    assert row.attempts == 0  # the immediate try after the commit failed; the row waits for its lease

    # The worker leaves the row alone during the lease, then retries (still down) and backs off.
    assert mail.outbox_round() == 0
    with unit_of_work() as session:
        session.get(mail.OutboxMail, row.id).due_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    assert mail.outbox_round() == 1
    [row] = _outbox()
    assert row.attempts == 1
    assert row.last_error
    assert row.due_at > utcnow()
    assert mail.outbox_round() == 0  # backing off

    # The server is back: the next due round delivers it once and empties the outbox.
    monkeypatch.setattr(settings, "smtp_port", mailbox.port)
    with unit_of_work() as session:
        session.get(mail.OutboxMail, row.id).due_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    assert worker.drain("mail") == 1
    assert len(mailbox.to("outage@example.org")) == 1
    assert _outbox() == []


def test_a_delivered_mail_is_removed_from_the_outbox_by_the_worker(fresh_db: str, mailbox: Mailbox) -> None:
    from govlotse.core.migrate import upgrade

    upgrade(fresh_db)
    with unit_of_work() as session:
        mail.send(session, mail.Mail("ok@example.org", "Willkommen", "Hallo"))
    assert len(mailbox.to("ok@example.org")) == 1
    assert len(_outbox()) == 1  # delivered; the row goes with the worker's next round
    mail.forget_delivered()
    assert _outbox() == []
    mail.outbox_round()
    assert len(mailbox.to("ok@example.org")) == 1  # never twice


def test_mails_that_fail_every_attempt_are_kept_and_counted(fresh_db: str, monkeypatch: Any) -> None:
    from govlotse.core.migrate import upgrade

    upgrade(fresh_db)
    monkeypatch.setattr(settings, "smtp_port", 9)
    with unit_of_work() as session:
        mail.send(session, mail.Mail("never@example.org", "Betreff", "Text"))
    for _ in range(mail.MAX_ATTEMPTS + 2):
        with unit_of_work() as session:
            for row in session.scalars(select(mail.OutboxMail)):
                row.due_at = utcnow() - timedelta(seconds=1)
        mail.outbox_round()
    [row] = _outbox()
    assert row.attempts == mail.MAX_ATTEMPTS
    with unit_of_work() as session:
        assert mail.outbox_counts(session) == (0, 1)


def test_the_outbox_round_claims_with_the_sqlite_write_lock_taken_when_it_begins(
    fresh_db: str, monkeypatch: Any
) -> None:
    """The round reads the due rows and then claims them. On SQLite its transaction takes the write lock at once: a
    request committing between the read and the claim would otherwise make the claim fail with "database is
    locked" (a deferred transaction cannot wait for a lock once it has read)."""
    import pytest
    from sqlalchemy import event

    from govlotse.core.migrate import upgrade
    from govlotse.db import db
    from tests.conftest import another_connection_begins_writing

    if not fresh_db.startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows (FOR UPDATE SKIP LOCKED), not the database")
    upgrade(fresh_db)
    monkeypatch.setattr(settings, "smtp_port", 9)  # nobody answers: the row stays for the worker
    with unit_of_work() as session:
        mail.send(session, mail.Mail("later@example.org", "Betreff", "Text"))
    with unit_of_work() as session:
        for row in session.scalars(select(mail.OutboxMail)):
            row.due_at = utcnow() - timedelta(seconds=1)
    others: list[str] = []

    def after_the_read(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "outbox" in statement and not others:
            others.append(another_connection_begins_writing(fresh_db))

    event.listen(db.engine, "after_cursor_execute", after_the_read)
    try:
        assert mail.outbox_round() == 1
    finally:
        event.remove(db.engine, "after_cursor_execute", after_the_read)
    assert others == ["database is locked"]
    [row] = _outbox()
    assert row.attempts == 1


def test_the_configuration_reference_in_the_operations_guide_is_current() -> None:
    from tests.operations import settings_doc

    current = settings_doc.DOCUMENT.read_text(encoding="utf-8")
    assert current == settings_doc.rendered(current), "run: python -m tests.operations.settings_doc"
    assert "GOVLOTSE_LOG_FORMAT" in current


def test_no_route_handler_is_async() -> None:
    """Route handlers do blocking work (database, argon2, the embedder): as ``async def`` they would run it on
    the event loop, where one request waiting for a row lock stalls the whole worker (CONTRIBUTING, rule 11)."""
    import ast
    from pathlib import Path

    import govlotse

    offenders = []
    for path in Path(govlotse.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Attribute) and target.attr in ("get", "post", "put", "patch", "delete"):
                    offenders.append(f"{path.name}:{node.lineno} {node.name}")
    assert offenders == []
