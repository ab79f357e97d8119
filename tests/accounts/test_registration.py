"""Self-registration, e-mail confirmation, unit approval, password reset, invitations and login lockout.

Mails go through a real local SMTP server (aiosmtpd, see conftest); the tests follow the links in them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.accounts.models import AccountToken, LoginSession, Membership, User
from govlotse.config import settings
from govlotse.core.audit import AuditEvent
from govlotse.organisations.models import Organisation
from tests.conftest import Mailbox
from tests.factories import PASSWORD, csrf, login, make_challenge, make_org, make_user

NEW_PASSWORD = "ein neues langes Passwort"


def form(client: TestClient, path: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client), **data}, follow_redirects=False)


def register(client: TestClient, email: str = "gruenderin@roadscan.example", **extra: Any) -> Any:
    data = {
        "organisation_name": "RoadScan GmbH",
        "organisation_kind": "startup",
        "website": "https://roadscan.example",
        "name": "Greta Gründerin",
        "email": email,
        "password": PASSWORD,
        "language": "de",
    } | extra
    return form(client, "/registrieren", **data)


def token_of(path: str) -> str:
    return path.split("token=", 1)[1]


def registered(session: Session, email: str) -> tuple[User, Organisation]:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    org_id = session.scalar(select(Membership.organisation_id).where(Membership.user_id == user.id))
    org = session.get(Organisation, org_id)
    assert org is not None
    return user, org


def test_a_start_up_registers_confirms_and_is_approved(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    page = client.get("/registrieren")
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.text
    response = register(client)
    assert response.status_code == 303 and response.headers["location"] == "/registrieren/gesendet"
    assert "Bitte prüfen Sie Ihr Postfach" in client.get("/registrieren/gesendet").text

    user, org = registered(session, "gruenderin@roadscan.example")
    assert org.status == "pending" and org.kind == "startup" and user.role == "startup"
    assert user.email_verified_at is None and user.password_hash != PASSWORD
    # Not visible to anyone else while pending: not to visitors, not in the directory.
    assert client.get(f"/organisationen/{org.id}").status_code == 404
    assert org.name not in client.get("/startups").text

    # Logging in before confirming is refused and sends the link again.
    refused = form(client, "/anmelden", email=user.email, password=PASSWORD, next="/konto")
    assert refused.status_code == 400 and "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in refused.text
    assert len(mailbox.to(user.email)) == 2

    mail = mailbox.last(user.email)
    assert mail["Subject"] == "GovLotse: Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert "RoadScan GmbH" in mail.get_content()
    link = mailbox.link(user.email)
    assert link.startswith("/registrieren/bestaetigen?token=")
    # Opening the link changes nothing (mail scanners open links); the button does.
    page = client.get(link)
    assert page.status_code == 200 and "E-Mail-Adresse bestätigen" in page.text
    session.refresh(user)
    assert user.email_verified_at is None
    confirmed = form(client, "/registrieren/bestaetigen", token=token_of(link))
    assert confirmed.status_code == 303 and "flash=email_confirmed" in confirmed.headers["location"]
    session.refresh(user)
    assert user.email_verified_at is not None
    # The link works once.
    again = form(client, "/registrieren/bestaetigen", token=token_of(link))
    assert again.status_code == 400 and "Dieser Link ist ungültig" in again.text

    # The founder logs in and sees that the profile waits for approval.
    assert form(client, "/anmelden", email=user.email, password=PASSWORD, next="/konto").status_code == 303
    account = client.get("/konto")
    assert "wartet auf die Freigabe durch die Lotsenstelle" in account.text
    assert client.get(f"/organisationen/{org.id}").status_code == 200  # their own profile

    # The unit sees the registration and approves it; the founder is told by mail.
    client.cookies.clear()
    unit = make_user(session, role="unit", org=make_org(session))
    login(client, unit)
    board = client.get("/lotsenstelle")
    assert "Registrierungen warten auf Freigabe" in board.text
    queue = client.get("/lotsenstelle/freigaben")
    assert "RoadScan GmbH" in queue.text and "https://roadscan.example" in queue.text
    assert "Greta Gründerin" in queue.text and user.email in queue.text
    approved = form(client, f"/lotsenstelle/freigaben/{org.id}", decision="approve", reason="")
    assert approved.status_code == 303 and "flash=approved" in approved.headers["location"]
    session.refresh(org)
    assert org.status == "active"
    assert mailbox.last(user.email)["Subject"] == "GovLotse: RoadScan GmbH ist freigegeben"
    assert "Keine Registrierungen offen." in client.get("/lotsenstelle/freigaben").text
    client.cookies.clear()
    assert client.get(f"/organisationen/{org.id}").status_code == 200
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id.in_([org.id, user.id]))))
    assert {"organisation.register", "user.register", "user.verify_email", "organisation.update"} <= actions


def test_registration_errors_name_the_field_and_keep_the_input(client: TestClient, session: Session) -> None:
    response = register(client, email="kein-at-zeichen", password="kurz", website="roadscan")
    assert response.status_code == 422
    for field in ("email", "password", "website"):
        assert f'id="e-{field}"' in response.text
    assert 'value="RoadScan GmbH"' in response.text and 'value="kurz"' not in response.text
    assert session.scalar(select(Organisation).where(Organisation.name == "RoadScan GmbH")) is None


def test_registering_a_known_address_looks_the_same_and_tells_its_owner(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    existing = make_user(session, role="agency", org=make_org(session))
    fresh = register(client, email="neu@example.org")
    known = register(client, email=existing.email.upper(), organisation_name="Zweitfirma")
    assert fresh.status_code == known.status_code == 303
    assert fresh.headers["location"] == known.headers["location"]
    assert session.scalar(select(Organisation).where(Organisation.name == "Zweitfirma")) is None
    assert mailbox.last(existing.email)["Subject"] == "GovLotse: Registrierung mit Ihrer E-Mail-Adresse"
    assert "/passwort-vergessen" in mailbox.body(existing.email)


def test_nothing_is_mailed_when_the_registration_fails(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    register(client, email="x@", name="")
    assert mailbox.messages == []


def test_rejection_needs_a_reason_and_mails_it(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    register(client, email="founder@example.org")
    user, org = registered(session, "founder@example.org")
    unit = make_user(session, role="unit", org=make_org(session))
    login(client, unit)
    no_reason = form(client, f"/lotsenstelle/freigaben/{org.id}", decision="reject", reason=" ")
    assert no_reason.status_code == 422 and "Bitte begründen Sie die Ablehnung" in no_reason.text
    # Approving before the address is confirmed is refused with a reason.
    early = form(client, f"/lotsenstelle/freigaben/{org.id}", decision="approve")
    assert early.status_code == 409 and "noch nicht bestätigt" in early.text
    rejected = form(client, f"/lotsenstelle/freigaben/{org.id}", decision="reject", reason="Kein Bezug zur Verwaltung.")
    assert rejected.status_code == 303
    session.refresh(org)
    assert org.status == "rejected" and org.status_note == "Kein Bezug zur Verwaltung."
    assert "Kein Bezug zur Verwaltung." in mailbox.body(user.email)
    twice = form(client, f"/lotsenstelle/freigaben/{org.id}", decision="approve")
    assert twice.status_code == 409
    client.cookies.clear()
    assert client.get(f"/organisationen/{org.id}").status_code == 404


def test_only_the_unit_reviews_registrations(client: TestClient, session: Session) -> None:
    register(client, email="founder@example.org")
    _user, org = registered(session, "founder@example.org")
    startup = make_user(session, role="startup", org=make_org(session, kind="startup"))
    login(client, startup)
    assert client.get("/lotsenstelle/freigaben").status_code == 403
    assert form(client, f"/lotsenstelle/freigaben/{org.id}", decision="approve").status_code == 404
    assert client.get("/api/registrations").status_code == 403


# ---------------------------------------------------------------- password reset


def test_password_reset_link_works_once_and_ends_every_session(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    login(client, user)
    assert session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    client.cookies.clear()

    assert "Passwort vergessen?" in client.get("/anmelden").text
    unknown = form(client, "/passwort-vergessen", email="niemand@example.org")
    known = form(client, "/passwort-vergessen", email=user.email)
    assert unknown.status_code == known.status_code == 303
    assert unknown.headers["location"] == known.headers["location"] == "/anmelden?flash=reset_sent"
    assert [m["To"] for m in mailbox.messages] == [user.email]

    link = mailbox.link(user.email)
    assert link.startswith("/passwort-neu?token=")
    assert client.get(link).status_code == 200
    mismatch = form(client, "/passwort-neu", token=token_of(link), password=NEW_PASSWORD, password_repeat="anders")
    assert mismatch.status_code == 422 and "stimmen nicht überein" in mismatch.text
    done = form(client, "/passwort-neu", token=token_of(link), password=NEW_PASSWORD, password_repeat=NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/anmelden?flash=password_reset"
    # Every session of the account has ended; the old password no longer works, the new one does.
    assert session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all() == []
    old = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401
    login(client, user, NEW_PASSWORD)
    # The link is used up.
    client.cookies.clear()
    assert client.get(link).status_code == 400
    reuse = form(client, "/passwort-neu", token=token_of(link), password=PASSWORD, password_repeat=PASSWORD)
    assert reuse.status_code == 400 and "Dieser Link ist ungültig" in reuse.text


def test_an_expired_or_superseded_reset_link_is_refused(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    user = make_user(session, role="startup", org=make_org(session, kind="startup"))
    form(client, "/passwort-vergessen", email=user.email)
    first = token_of(mailbox.link(user.email))
    form(client, "/passwort-vergessen", email=user.email)
    second = token_of(mailbox.link(user.email))
    assert client.get(f"/passwort-neu?token={first}").status_code == 400  # a newer link replaces it
    row = session.scalar(select(AccountToken).where(AccountToken.used_at.is_(None), AccountToken.user_id == user.id))
    assert row is not None
    row.expires_at = row.created_at - timedelta(seconds=1)
    session.flush()
    assert client.get(f"/passwort-neu?token={second}").status_code == 400
    api = client.post("/api/auth/password-reset/confirm", json={"token": second, "password": NEW_PASSWORD})
    assert api.status_code == 400 and api.json()["error"] == "invalid_link"


def test_reset_mails_to_one_address_are_limited(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    for _ in range(8):
        assert client.post("/api/auth/password-reset", json={"email": user.email}).status_code == 202
    assert len(mailbox.to(user.email)) == 5


# ---------------------------------------------------------------- login lockout


def test_login_locks_after_repeated_failures_without_revealing_accounts(client: TestClient, session: Session) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    answers = {}
    for email in (user.email, "ghost@example.org"):
        for _ in range(settings.login_max_failures - 1):
            assert client.post("/api/auth/login", json={"email": email, "password": "falsch"}).status_code == 401
        last = client.post("/api/auth/login", json={"email": email, "password": "falsch"})
        answers[email] = (last.status_code, last.json())
    assert answers[user.email] == answers["ghost@example.org"]
    assert answers[user.email][0] == 429 and "Bitte warten Sie" in answers[user.email][1]["detail"]
    # While locked even the right password is refused; the web form says the same.
    assert client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 429
    web = form(client, "/anmelden", email=user.email, password=PASSWORD)
    assert web.status_code == 429 and "Zu viele fehlgeschlagene Anmeldungen" in web.text


def test_a_successful_login_clears_the_failure_count(client: TestClient, session: Session) -> None:
    user = make_user(session, role="agency", org=make_org(session))
    for _ in range(settings.login_max_failures - 1):
        client.post("/api/auth/login", json={"email": user.email, "password": "falsch"})
    login(client, user)
    assert client.post("/api/auth/login", json={"email": user.email, "password": "falsch"}).status_code == 401


# ---------------------------------------------------------------- invitations


def test_an_owner_invites_a_colleague_who_joins(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    company = make_org(session, kind="startup", name="RoadScan GmbH")
    owner = make_user(session, role="startup", org=company)
    login(client, owner)
    assert "Mitglieder und Einladungen" in client.get(f"/organisationen/{company.id}").text
    page = client.get(f"/organisationen/{company.id}/mitglieder")
    assert page.status_code == 200 and owner.email in page.text
    bad = form(client, f"/organisationen/{company.id}/einladungen", email="kein-at")
    assert bad.status_code == 422 and 'id="e-email"' in bad.text
    self_invite = form(client, f"/organisationen/{company.id}/einladungen", email=owner.email)
    assert self_invite.status_code == 422 and "gehört schon zur Organisation" in self_invite.text
    sent = form(client, f"/organisationen/{company.id}/einladungen", email="kollege@example.org")
    assert sent.status_code == 303 and "flash=invited" in sent.headers["location"]
    assert "kollege@example.org" in client.get(f"/organisationen/{company.id}/mitglieder").text
    mail = mailbox.last("kollege@example.org")
    assert mail["Subject"] == "GovLotse: Einladung zu RoadScan GmbH" and owner.name in mail.get_content()

    client.cookies.clear()
    link = mailbox.link("kollege@example.org")
    page = client.get(link)
    assert page.status_code == 200 and "Einladung zu RoadScan GmbH" in page.text
    short = form(client, "/einladung", token=token_of(link), name="Karl Kollege", password="kurz")
    assert short.status_code == 422 and 'id="e-password"' in short.text
    joined = form(client, "/einladung", token=token_of(link), name="Karl Kollege", password=NEW_PASSWORD)
    assert joined.status_code == 303 and joined.headers["location"] == "/konto?flash=joined"
    me = client.get("/api/auth/me").json()
    assert me["email"] == "kollege@example.org" and me["role"] == "startup"
    assert me["memberships"] == [{"organisation_id": company.id, "org_role": "member"}]
    # A member edits the profile but does not invite.
    assert client.get(f"/organisationen/{company.id}/bearbeiten").status_code == 200
    assert client.get(f"/organisationen/{company.id}/mitglieder").status_code == 403
    assert form(client, f"/organisationen/{company.id}/einladungen", email="x@example.org").status_code == 403
    assert client.get(link).status_code == 400  # used


def test_an_invitation_can_be_revoked(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    company = make_org(session, kind="startup")
    owner = make_user(session, role="startup", org=company)
    login(client, owner)
    created = client.post(f"/api/organisations/{company.id}/invitations", json={"email": "k@example.org"})
    assert created.status_code == 201, created.text
    invitation = created.json()
    assert [i["id"] for i in client.get(f"/api/organisations/{company.id}/invitations").json()] == [invitation["id"]]
    revoked = form(client, f"/organisationen/{company.id}/einladungen/{invitation['id']}/widerrufen")
    assert revoked.status_code == 303
    assert client.get(f"/api/organisations/{company.id}/invitations").json() == []
    client.cookies.clear()
    assert client.get(mailbox.link("k@example.org")).status_code == 400


def test_an_existing_account_accepts_an_invitation_after_logging_in(
    client: TestClient, session: Session, mailbox: Mailbox
) -> None:
    company = make_org(session, kind="startup", name="Zweite GmbH")
    owner = make_user(session, role="startup", org=company)
    other = make_user(session, role="startup", org=make_org(session, kind="startup"))
    login(client, owner)
    form(client, f"/organisationen/{company.id}/einladungen", email=other.email)
    client.cookies.clear()
    link = mailbox.link(other.email)
    page = client.get(link)
    assert "Zu dieser Adresse gibt es schon ein Konto" in page.text
    refused = form(client, "/einladung", token=token_of(link))
    assert refused.status_code == 403
    login(client, other)
    assert "Einladung annehmen" in client.get(link).text
    assert form(client, "/einladung", token=token_of(link)).status_code == 303
    orgs = set(session.scalars(select(Membership.organisation_id).where(Membership.user_id == other.id)))
    assert company.id in orgs and len(orgs) == 2


def test_an_agency_member_cannot_be_invited_into_a_start_up(client: TestClient, session: Session) -> None:
    company = make_org(session, kind="startup")
    owner = make_user(session, role="startup", org=company)
    official = make_user(session, role="agency", org=make_org(session))
    login(client, owner)
    response = client.post(f"/api/organisations/{company.id}/invitations", json={"email": official.email})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "email"


# ---------------------------------------------------------------- the same through the API


def test_registration_through_the_api(client: TestClient, session: Session, mailbox: Mailbox) -> None:
    body = {
        "organisation_name": "API GmbH",
        "name": "Ada API",
        "email": "ada@api.example",
        "password": PASSWORD,
    }
    assert client.post("/api/auth/register", json=body).status_code == 202
    assert client.post("/api/auth/register", json=body).status_code == 202  # same answer again
    assert len(session.scalars(select(Organisation).where(Organisation.name == "API GmbH")).all()) == 1
    unconfirmed = client.post("/api/auth/login", json={"email": "ada@api.example", "password": PASSWORD})
    assert unconfirmed.status_code == 403 and unconfirmed.json()["error"] == "email_unconfirmed"
    token = token_of(mailbox.link("ada@api.example"))
    assert client.post("/api/auth/confirm", json={"token": token}).status_code == 204
    assert client.post("/api/auth/confirm", json={"token": token}).status_code == 400
    _user, org = registered(session, "ada@api.example")

    unit = make_user(session, role="unit", org=make_org(session))
    login(client, unit)
    pending = client.get("/api/registrations").json()
    assert [(p["name"], p["email_confirmed"]) for p in pending] == [("API GmbH", True)]
    assert pending[0]["people"] == [{"name": "Ada API", "email": "ada@api.example", "email_confirmed": True}]
    reviewed = client.post(f"/api/registrations/{org.id}/review", json={"decision": "approve"})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "active"
    assert client.get("/api/registrations").json() == []


def test_a_pending_start_up_sees_only_what_is_published(client: TestClient, session: Session) -> None:
    agency = make_org(session)
    internal = make_challenge(session, org=agency, title="Interner Bedarf Schlaglöcher")
    register(client, email="founder@example.org")
    user, _org = registered(session, "founder@example.org")
    user.email_verified_at = user.created_at
    session.flush()
    login(client, user)
    assert client.get(f"/bedarfe/{internal.id}").status_code == 404
    assert client.get(f"/api/challenges/{internal.id}").status_code == 404
    assert "Interner Bedarf" not in client.get("/bedarfe").text
