"""JSON API: registration, e-mail confirmation, password reset, invitations, the unit's approvals."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from govlotse.accounts import registration
from govlotse.accounts.api import client_address, set_session_cookie
from govlotse.accounts.schemas import (
    EmailIn,
    InvitationAccept,
    InvitationRead,
    PasswordResetIn,
    PendingOrganisation,
    PendingPerson,
    Registration,
    Review,
    TokenIn,
    UserRead,
)
from govlotse.accounts.service import start_session
from govlotse.core.openapi import errors
from govlotse.core.schemas import Id
from govlotse.deps import LangDep, LoggedInDep, LoginDep, SessionDep
from govlotse.i18n import N_, translate
from govlotse.organisations.api import CurrentOrganisation
from govlotse.organisations.schemas import OrganisationRead

router = APIRouter(tags=["accounts"])

ACCEPTED = N_("Wenn die Angaben stimmen, ist eine E-Mail mit einem Link unterwegs. Bitte prüfen Sie Ihr Postfach.")


def _accepted(lang: str) -> JSONResponse:
    # The same answer for known and unknown addresses (no account enumeration).
    return JSONResponse({"detail": translate(ACCEPTED, lang)}, status_code=202)


@router.post("/auth/register", status_code=202, responses=errors(422, 429))
def register(data: Registration, request: Request, session: SessionDep, lang: LangDep) -> JSONResponse:
    """Register a start-up or research institute and its first person.

    A confirmation link goes to the e-mail address; after confirmation the unit approves the profile.
    """
    registration.register(session, data, client=client_address(request))
    return _accepted(lang)


@router.post("/auth/confirm", status_code=204, responses=errors(400, 422))
def confirm(data: TokenIn, session: SessionDep) -> Response:
    """Confirm an e-mail address with the token from the confirmation mail."""
    registration.verify_email(session, data.token)
    return Response(status_code=204)


@router.post("/auth/password-reset", status_code=202, responses=errors(422))
def password_reset(data: EmailIn, session: SessionDep, lang: LangDep) -> JSONResponse:
    """Ask for a password reset link (sent if the address has an account; the same answer either way)."""
    registration.request_password_reset(session, data.email)
    return _accepted(lang)


@router.post("/auth/password-reset/confirm", status_code=204, responses=errors(400, 422))
def password_reset_confirm(data: PasswordResetIn, session: SessionDep) -> Response:
    """Set a new password with the token from the reset mail; ends every session of the account."""
    registration.reset_password(session, data.token, data.password)
    return Response(status_code=204)


@router.post("/auth/invitations/accept", response_model=UserRead, responses=errors(400, 403, 422))
def accept_invitation(data: InvitationAccept, response: Response, session: SessionDep, current: LoginDep) -> object:
    """Join an organisation: new people send name and password; an existing account must be logged in."""
    user = registration.accept_invitation(
        session,
        token=data.token,
        current=current.user if current else None,
        name=data.name,
        password=data.password,
    )
    if current is None or current.user_id != user.id:
        if current is not None:
            session.delete(current)
        token, _login = start_session(session=session, user=user)
        set_session_cookie(response, token)
    session.refresh(user, ["memberships"])
    return user


@router.get(
    "/organisations/{organisation_id}/invitations",
    response_model=list[InvitationRead],
    responses=errors(401, 403, 404),
)
def invitations(org: CurrentOrganisation, session: SessionDep, actor: LoggedInDep) -> object:
    """Open invitations of an organisation (its owners and the unit)."""
    if not registration.may_invite(actor, org, session):
        raise registration.not_an_inviter()
    return registration.open_invitations(session, actor=actor, org=org)


@router.post(
    "/organisations/{organisation_id}/invitations",
    status_code=201,
    response_model=InvitationRead,
    responses=errors(401, 403, 404, 422),
)
def invite(data: EmailIn, org: CurrentOrganisation, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> object:
    """Invite a person by e-mail into the organisation (its owners and the unit)."""
    return registration.invite(session, actor=actor, org=org, email=data.email, lang=lang)


@router.delete(
    "/organisations/{organisation_id}/invitations/{invitation_id}",
    status_code=204,
    responses=errors(401, 403, 404),
)
def revoke(org: CurrentOrganisation, invitation_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    """Withdraw an open invitation; its link stops working."""
    registration.revoke_invitation(session, actor=actor, org=org, invitation_id=invitation_id)
    return Response(status_code=204)


@router.get("/registrations", response_model=list[PendingOrganisation], responses=errors(401, 403))
def pending(session: SessionDep, actor: LoggedInDep) -> object:
    """Registrations waiting for the unit's approval, oldest first."""
    return [
        PendingOrganisation(
            id=p.organisation.id,
            name=p.organisation.name,
            kind=p.organisation.kind,
            website=p.organisation.website,
            created_at=p.organisation.created_at,
            email_confirmed=p.confirmed,
            people=[
                PendingPerson(name=u.name, email=u.email, email_confirmed=u.email_verified_at is not None)
                for u in p.people
            ],
        )
        for p in registration.pending(session, actor=actor)
    ]


@router.post(
    "/registrations/{organisation_id}/review",
    response_model=OrganisationRead,
    responses=errors(401, 403, 404, 409, 422),
)
def review(data: Review, org: CurrentOrganisation, session: SessionDep, actor: LoggedInDep) -> object:
    """Approve a registration (the profile becomes visible) or reject it with a reason sent to its people."""
    return registration.review(session, actor=actor, org=org, approve=data.decision == "approve", reason=data.reason)
