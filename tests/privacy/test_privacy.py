"""A person downloads their data and deletes their account; kept records name them by a pseudonym only."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import String, select
from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.accounts.models import ApiToken, LoginSession, Membership, User
from govlotse.core import audit
from govlotse.core.audit import AuditEvent
from govlotse.knowledge import service as knowledge
from govlotse.knowledge.models import Article
from govlotse.knowledge.schemas import ArticleCreate
from govlotse.models import Base
from govlotse.privacy import service as privacy
from tests.factories import PASSWORD, csrf, login, make_org, make_user


def test_every_copied_person_label_is_known_to_the_deletion() -> None:
    # A column that copies "Name <e-mail>" must be pseudonymised on deletion: name them all in LABEL_COLUMNS.
    known = {(c.label.class_.__tablename__, c.label.key) for c in privacy.LABEL_COLUMNS}
    found = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String) and (column.name.endswith("_label") or column.name.endswith("_by"))
    }
    assert found <= known, f"label columns not pseudonymised on deletion: {sorted(found - known)}"


def _expert_with_history(session: Session) -> tuple[User, Article]:
    expert = make_user(session, role="expert", org=make_org(session, kind="research"))
    article = knowledge.create_article(
        session=session,
        actor=accounts.actor_for(expert),
        article_in=ArticleCreate(title="Was wir aus dem Pilot gelernt haben", body="Früh messen."),
    )
    session.flush()
    return expert, article


def test_a_person_downloads_everything_stored_about_them(client: TestClient, session: Session) -> None:
    expert, article = _expert_with_history(session)
    login(client, expert)
    assert "Meine Daten herunterladen oder Konto löschen" in client.get("/konto").text
    assert client.get("/konto/daten").status_code == 200
    download = client.get("/konto/daten.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    data = json.loads(download.text)
    assert data["account"]["email"] == expert.email and data["account"]["name"] == expert.name
    assert [o["org_role"] for o in data["organisations"]] == ["owner"]
    assert [a["title"] for a in data["records_naming_you"]["articles.author_label"]] == [article.title]
    actions = {e["action"] for e in data["records_naming_you"]["audit_events.actor_label"]}
    assert {"user.login", "article.create"} <= actions
    assert len(data["login_sessions"]) == 1
    assert client.get("/api/auth/me/export").json()["account"]["id"] == expert.id


def test_deleting_an_account_pseudonymises_it_and_keeps_the_audit_chain(client: TestClient, session: Session) -> None:
    expert, article = _expert_with_history(session)
    label = f"{expert.name} <{expert.email}>"
    login(client, expert)
    client.post("/api/auth/tokens", json={"name": "Skript"})

    unconfirmed = client.post("/konto/loeschen", data={"csrf_token": csrf(client), "confirmation": PASSWORD})
    assert unconfirmed.status_code == 422 and 'id="e-understood"' in unconfirmed.text
    wrong = client.post(
        "/konto/loeschen", data={"csrf_token": csrf(client), "confirmation": "falsch", "understood": "1"}
    )
    assert wrong.status_code == 422 and 'id="e-confirmation"' in wrong.text
    session.refresh(expert)
    assert expert.is_active and expert.email in label

    done = client.post(
        "/konto/loeschen",
        data={"csrf_token": csrf(client), "confirmation": PASSWORD, "understood": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/?flash=account_deleted"
    alias = privacy.pseudonym(expert.id)
    session.expire_all()
    user = session.get(User, expert.id)
    assert user is not None and user.name == alias and not user.is_active and user.password_hash is None
    assert "@" in user.email and label not in user.email
    # No copy of the person's name or address is left in any record.
    for column in privacy.LABEL_COLUMNS:
        leftover = session.scalars(select(column.label).where(column.label.contains(expert.email))).all()
        assert leftover == [], column.label
    session.refresh(article)
    assert article.author_label == alias
    labels = set(session.scalars(select(AuditEvent.actor_label).where(AuditEvent.actor_id == expert.id)))
    assert labels == {alias}
    assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc())) == "user.delete"
    assert audit.verify(session).ok
    # Sessions, tokens and memberships are gone; the person cannot log in again.
    for model in (LoginSession, ApiToken, Membership):
        assert session.scalars(select(model).where(model.user_id == expert.id)).all() == []
    assert client.get("/konto", follow_redirects=False).status_code == 303
    again = client.post("/api/auth/login", json={"email": expert.email, "password": PASSWORD})
    assert again.status_code == 401


def test_deletion_through_the_api_needs_a_login_not_a_token(client: TestClient, session: Session) -> None:
    user = make_user(session, role="startup", org=make_org(session, kind="startup"))
    login(client, user)
    secret = client.post("/api/auth/tokens", json={"name": "Skript", "scope": "write"}).json()["token"]
    by_token = client.post(
        "/api/auth/me/delete", json={"confirmation": PASSWORD}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert by_token.status_code == 403
    assert client.post("/api/auth/me/delete", json={"confirmation": "falsch"}).status_code == 422
    assert client.post("/api/auth/me/delete", json={"confirmation": PASSWORD}).status_code == 204
    assert client.get("/api/auth/me").status_code == 401


def test_the_last_administrator_cannot_delete_their_account(client: TestClient, session: Session) -> None:
    for other in session.scalars(select(User).where(User.role == "admin")):
        other.is_active = False
    admin = make_user(session, role="admin")
    login(client, admin)
    response = client.post("/api/auth/me/delete", json={"confirmation": PASSWORD})
    assert response.status_code == 409 and "letzte aktive Administrationskonto" in response.json()["detail"]
