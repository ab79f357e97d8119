"""Personal API tokens: shown once, stored as a hash, scoped to the owner's rights, revocable."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.accounts import tokens
from govlotse.accounts.models import ApiToken
from govlotse.analytics import usage
from govlotse.core.audit import AuditEvent
from tests.factories import csrf, login, make_challenge, make_org, make_user


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def new_token(client: TestClient, scope: str = "read", **extra: object) -> str:
    response = client.post("/api/auth/tokens", json={"name": "Skript", "scope": scope, **extra})
    assert response.status_code == 201, response.text
    secret = response.json()["token"]
    assert secret.startswith("glt_") and response.json()["prefix"] == secret[:12]
    return str(secret)


def test_a_token_is_made_in_the_account_and_shown_once(client: TestClient, session: Session) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    login(client, user)
    assert "API-Tokens für Programme" in client.get("/konto").text
    page = client.get("/konto/api-tokens")
    assert page.status_code == 200 and "Sie haben noch kein API-Token." in page.text
    bad = client.post("/konto/api-tokens", data={"csrf_token": csrf(client), "name": "", "scope": "read"})
    assert bad.status_code == 422 and 'id="e-name"' in bad.text
    made = client.post(
        "/konto/api-tokens",
        data={"csrf_token": csrf(client), "name": "Auswertung", "scope": "read", "expires_days": "30"},
        follow_redirects=False,
    )
    assert made.status_code == 303 and "glt_" not in made.headers["location"]
    shown = client.get("/konto/api-tokens?flash=token_created")
    secret = shown.text.split('id="new-token" class="token" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("glt_") and shown.headers["cache-control"] == "no-store"
    assert "Auswertung" in shown.text and "Nur lesen" in shown.text
    assert secret not in client.get("/konto/api-tokens").text  # only once
    stored = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored is not None and stored.token_hash != secret and secret not in stored.prefix + stored.token_hash
    assert stored.expires_at is not None and stored.expires_at - stored.created_at == timedelta(days=30)
    client.cookies.clear()
    assert client.get("/api/auth/me", headers=bearer(secret)).json()["email"] == user.email


def test_a_token_acts_with_its_owners_rights_and_scope(client: TestClient, session: Session) -> None:
    agency = make_org(session)
    other = make_org(session)
    user = make_user(session, role="agency", org=agency)
    own = make_challenge(session, org=agency, title="Eigener interner Bedarf")
    foreign = make_challenge(session, org=other, title="Fremder interner Bedarf")
    login(client, user)
    read, write = new_token(client, "read"), new_token(client, "write")
    client.cookies.clear()

    assert client.get(f"/api/challenges/{own.id}", headers=bearer(read)).status_code == 200
    assert client.get(f"/api/challenges/{foreign.id}", headers=bearer(read)).status_code == 404
    change = {"title": "Per Skript geändert", "version": own.version}
    refused = client.patch(f"/api/challenges/{own.id}", json=change, headers=bearer(read))
    assert refused.status_code == 403
    changed = client.patch(f"/api/challenges/{own.id}", json=change, headers=bearer(write))
    assert changed.status_code == 200 and changed.json()["title"] == "Per Skript geändert"
    assert client.patch(f"/api/challenges/{foreign.id}", json=change, headers=bearer(write)).status_code == 404
    # The audit log says the change came through the token.
    label = session.scalar(
        select(AuditEvent.actor_label).where(AuditEvent.entity_id == own.id).order_by(AuditEvent.seq.desc())
    )
    assert label is not None and f"API-Token {write[:12]}" in label
    # Tokens do not manage tokens, and they do not open web pages.
    assert client.post("/api/auth/tokens", json={"name": "x2"}, headers=bearer(write)).status_code == 403
    assert client.get("/api/auth/tokens", headers=bearer(write)).status_code == 403
    page = client.get("/konto", headers=bearer(write), follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/anmelden")


def test_revoked_expired_or_unknown_tokens_do_not_work(client: TestClient, session: Session) -> None:
    user = make_user(session, role="startup", org=make_org(session, kind="startup"))
    login(client, user)
    kept, revoked = new_token(client), new_token(client)
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.prefix == revoked[:12]))
    assert client.delete(f"/api/auth/tokens/{token_id}").status_code == 204
    listed = {t["prefix"]: t["revoked_at"] for t in client.get("/api/auth/tokens").json()}
    assert listed[revoked[:12]] is not None and listed[kept[:12]] is None
    client.cookies.clear()
    for secret in (revoked, "glt_unknown-token", "not-even-a-token"):
        answer = client.get("/api/auth/me", headers=bearer(secret))
        assert answer.status_code == 401, secret
    stored = session.scalar(select(ApiToken).where(ApiToken.prefix == kept[:12]))
    assert stored is not None
    stored.expires_at = stored.created_at
    session.flush()
    assert client.get("/api/auth/me", headers=bearer(kept)).status_code == 401


def test_a_deactivated_person_s_tokens_stop_working(client: TestClient, session: Session) -> None:
    user = make_user(session, role="startup", org=make_org(session, kind="startup"))
    login(client, user)
    secret = new_token(client)
    client.cookies.clear()
    session.refresh(user)
    user.is_active = False
    session.flush()
    assert client.get("/api/auth/me", headers=bearer(secret)).status_code == 401


def test_last_use_is_written_by_the_background_flush_not_by_the_request(client: TestClient, session: Session) -> None:
    user = make_user(session, role="unit", org=make_org(session))
    login(client, user)
    secret = new_token(client)
    client.cookies.clear()
    assert client.get("/api/auth/me", headers=bearer(secret)).status_code == 200
    stored = session.scalar(select(ApiToken).where(ApiToken.prefix == secret[:12]))
    assert stored is not None and stored.last_used_at is None
    usage.flush_all(session)
    session.refresh(stored)
    assert stored.last_used_at is not None
    assert tokens.flush_last_used(session) == 0
