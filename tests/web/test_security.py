"""Web security: headers on every answer, cookie flags, CSRF on forms, JSON bodies only as JSON."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.challenges.models import Challenge
from govlotse.config import settings
from govlotse.web.render import CSRF_COOKIE
from tests.factories import PASSWORD, csrf, login, make_org, make_user

PATHS = ["/", "/bedarfe", "/anmelden", "/api/challenges", "/gibt-es-nicht", "/api/challenges/999999"]


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"  # links in mails carry tokens: never leak them
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # only behind TLS


def test_behind_tls_cookies_are_secure_and_hsts_is_sent(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "secure_cookies", True)
    user = make_user(session, role="agency", org=make_org(session))
    response = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(f"{settings.session_cookie}="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "samesite=lax" in session_cookie.lower()


def test_the_csrf_cookie_is_httponly_and_strict(client: TestClient) -> None:
    cookie = next(c for c in client.get("/anmelden").headers.get_list("set-cookie") if c.startswith(CSRF_COOKIE))
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()


def test_a_form_without_the_csrf_token_changes_nothing(client: TestClient, session: Session) -> None:
    agency = make_org(session)
    login(client, make_user(session, role="agency", org=agency))
    form = {"organisation_id": str(agency.id), "title": "Ohne Token", "problem": "x" * 40, "action": "draft"}
    for token in (None, "falsch"):
        data = form | ({"csrf_token": token} if token else {})
        response = client.post("/bedarfe/neu", data=data)
        assert response.status_code == 403 and "Das Formular ist abgelaufen" in response.text
    assert session.scalar(select(Challenge).where(Challenge.title == "Ohne Token")) is None
    csrf(client)  # with the token the same form gets past the check (and is then validated)


def test_json_api_bodies_are_only_read_as_json(client: TestClient, session: Session) -> None:
    # A cross-site HTML form can send text/plain but not application/json without a CORS preflight.
    agency = make_org(session)
    login(client, make_user(session, role="agency", org=agency))
    body = json.dumps({"organisation_id": agency.id, "title": "Per Formular", "problem": "x" * 40})
    response = client.post("/api/challenges", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 422
    assert session.scalar(select(Challenge).where(Challenge.title == "Per Formular")) is None
