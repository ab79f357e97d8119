"""Password login, logout and sessions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.accounts.models import LoginSession
from govlotse.config import settings
from tests.factories import PASSWORD, csrf, login, make_org, make_user


def test_api_login_me_logout(client: TestClient, session: Session) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    assert client.get("/api/auth/me").status_code == 401
    login(client, user)
    me = client.get("/api/auth/me").json()
    assert me["email"] == user.email and me["role"] == "agency"
    assert client.post("/api/auth/logout", json={}).status_code == 204
    assert client.get("/api/auth/me").status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_answer(client: TestClient, session: Session) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    wrong = client.post("/api/auth/login", json={"email": user.email, "password": "nope"})
    unknown = client.post("/api/auth/login", json={"email": "ghost@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_session_cookie_is_httponly_and_only_a_hash_is_stored(client: TestClient, session: Session) -> None:
    user = make_user(session, role="startup", org=make_org(session, kind="startup"))
    response = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert f"{settings.session_cookie}=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    token = client.cookies[settings.session_cookie]
    stored = session.scalars(select(LoginSession.token_hash).where(LoginSession.user_id == user.id)).all()
    assert stored and token not in stored


def test_login_replaces_the_previous_session(client: TestClient, session: Session) -> None:
    user = make_user(session, role="unit", org=make_org(session))
    login(client, user)
    first = client.cookies[settings.session_cookie]
    login(client, user)
    assert client.cookies[settings.session_cookie] != first
    count = len(session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all())
    assert count == 1


def test_web_login_with_redirect_and_error_message(client: TestClient, session: Session) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    token = csrf(client)
    bad = client.post("/anmelden", data={"csrf_token": token, "email": user.email, "password": "falsch"})
    assert bad.status_code == 400
    assert "E-Mail-Adresse oder Passwort ist falsch." in bad.text
    assert f'value="{user.email}"' in bad.text
    ok = client.post(
        "/anmelden",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD, "next": "/bedarfe/neu"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/bedarfe/neu")
    assert user.name in client.get("/konto").text


def test_login_never_redirects_off_site(client: TestClient, session: Session) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
        response = client.post(
            "/anmelden",
            data={"csrf_token": csrf(client), "email": user.email, "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"].startswith("/?"), target


def test_web_logout(client: TestClient, session: Session) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    login(client, user)
    response = client.post("/abmelden", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/auth/me").status_code == 401
