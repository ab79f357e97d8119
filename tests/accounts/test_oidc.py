"""Single sign-on against a real OpenID Connect provider that the tests start (oidc-provider-mock)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.accounts import oidc
from govlotse.accounts.models import User
from govlotse.config import settings
from govlotse.core.audit import AuditEvent
from tests.factories import PASSWORD, make_org, make_user

ROLE_MAP = {"govlotse-lotsenstelle": "unit", "govlotse-behoerde": "agency"}


@pytest.fixture(scope="session")
def provider_url() -> Iterator[str]:
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(provider_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(settings, "oidc_issuer", provider_url)
    monkeypatch.setattr(settings, "oidc_client_id", "govlotse")
    monkeypatch.setattr(settings, "oidc_client_secret", "geheim")
    monkeypatch.setattr(settings, "oidc_role_map", ROLE_MAP)
    monkeypatch.setattr(settings, "oidc_default_role", "")
    oidc._cache.clear()
    return provider_url


def person(provider_url: str, sub: str, **claims: Any) -> str:
    """Register a person with these claims at the provider."""
    response = httpx.put(f"{provider_url}/users/{sub}", json=claims, timeout=10)
    assert response.status_code in (200, 204), response.text
    return sub


def sso_login(client: TestClient, provider_url: str, sub: str, next_path: str = "/konto") -> Any:
    """Click the button, sign in at the provider as ``sub``, come back; returns GovLotse's answer."""
    start = client.get(f"/anmelden/sso?next={next_path}", follow_redirects=False)
    assert start.status_code == 303, start.text
    assert start.headers["location"].startswith(f"{provider_url}/oauth2/authorize?")
    signed_in = httpx.post(start.headers["location"], data={"sub": sub}, follow_redirects=False, timeout=10)
    assert signed_in.status_code == 302, signed_in.text
    back = urlsplit(signed_in.headers["location"])
    assert back.path == oidc.CALLBACK_PATH
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_a_new_official_signs_in_and_gets_role_and_organisation(client: TestClient, session: Session, sso: str) -> None:
    unit_org = make_org(session, name="Lotsenstelle SSO")
    assert "Mit Dienstkonto anmelden" in client.get("/anmelden").text
    sub = person(
        sso,
        "lena-sso",
        email="Lena.SSO@example.org",
        email_verified=True,
        name="Lena Single",
        groups=["andere-gruppe", "govlotse-lotsenstelle"],
        organisation="Lotsenstelle SSO",
    )
    answer = sso_login(client, sso, sub, "/lotsenstelle")
    assert answer.status_code == 303 and answer.headers["location"] == "/lotsenstelle?flash=logged_in"
    me = client.get("/api/auth/me").json()
    assert (me["email"], me["name"], me["role"]) == ("lena.sso@example.org", "Lena Single", "unit")
    assert me["memberships"] == [{"organisation_id": unit_org.id, "org_role": "member"}]
    assert client.get("/lotsenstelle").status_code == 200
    user = session.scalar(select(User).where(User.email == "lena.sso@example.org"))
    assert user is not None and user.password_hash is None and user.oidc_subject == f"{sso}|lena-sso"
    # The second time the same account is found by its subject, not made again.
    client.cookies.clear()
    assert sso_login(client, sso, sub).status_code == 303
    assert len(session.scalars(select(User).where(User.email == "lena.sso@example.org")).all()) == 1
    # Password login does not work for an account without password.
    refused = client.post("/api/auth/login", json={"email": "lena.sso@example.org", "password": PASSWORD})
    assert refused.status_code == 401


def test_claims_without_a_mapped_role_get_no_account(client: TestClient, session: Session, sso: str) -> None:
    sub = person(sso, "besuch", email="besuch@example.org", email_verified=True, groups=["andere-gruppe"])
    answer = sso_login(client, sso, sub)
    assert answer.status_code == 400 and "nicht freigeschaltet" in answer.text
    assert session.scalar(select(User).where(User.email == "besuch@example.org")) is None
    assert client.get("/api/auth/me").status_code == 401


def test_an_existing_account_is_linked_only_with_a_verified_address(
    client: TestClient, session: Session, sso: str
) -> None:
    existing = make_user(session, role="agency", org=make_org(session), email="amt@example.org")
    unverified = person(sso, "amt-unverified", email="amt@example.org", email_verified=False)
    answer = sso_login(client, sso, unverified)
    assert answer.status_code == 400 and "Bitte melden Sie sich mit Ihrem Passwort an" in answer.text
    session.refresh(existing)
    assert existing.oidc_subject is None

    verified = person(sso, "amt", email="amt@example.org", email_verified=True, groups=["govlotse-lotsenstelle"])
    assert sso_login(client, sso, verified).status_code == 303
    session.refresh(existing)
    assert existing.oidc_subject == f"{sso}|amt" and existing.role == "unit"  # the role follows the claims
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == existing.id)))
    assert {"user.link_sso", "user.update", "user.login"} <= actions


def test_a_forged_or_replayed_callback_is_refused(client: TestClient, session: Session, sso: str) -> None:
    sub = person(sso, "lotse2", email="lotse2@example.org", email_verified=True, groups=["govlotse-behoerde"])
    start = client.get("/anmelden/sso", follow_redirects=False)
    signed_in = httpx.post(start.headers["location"], data={"sub": sub}, follow_redirects=False, timeout=10)
    back = urlsplit(signed_in.headers["location"])
    forged = client.get(f"{back.path}?{back.query.replace('state=', 'state=x')}", follow_redirects=False)
    assert forged.status_code == 400 and "fehlgeschlagen" in forged.text
    assert client.get("/api/auth/me").status_code == 401
    denied = client.get(f"{oidc.CALLBACK_PATH}?error=access_denied", follow_redirects=False)
    assert denied.status_code == 400


def test_an_unreachable_provider_gets_a_clear_message(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setattr(settings, "oidc_issuer", f"http://127.0.0.1:{closed}")
    monkeypatch.setattr(settings, "oidc_client_id", "govlotse")
    oidc._cache.clear()
    answer = client.get("/anmelden/sso", follow_redirects=False)
    assert answer.status_code == 400 and "nicht erreichbar" in answer.text


def test_without_a_provider_there_is_no_single_sign_on(client: TestClient) -> None:
    assert settings.oidc_issuer == ""
    assert "Single Sign-on" not in client.get("/anmelden").text
    assert client.get("/anmelden/sso").status_code == 404
