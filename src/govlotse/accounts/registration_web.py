"""Web pages: register a start-up, confirm the address, reset a password, invitations, the unit's approvals.

Links from e-mails open a page with a button (GET never changes anything: mail scanners open links too);
the POST behind the button uses the token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from govlotse.accounts import registration
from govlotse.accounts.api import client_address, set_session_cookie
from govlotse.accounts.models import Membership, TokenPurpose, User
from govlotse.accounts.registration import InvalidLink, TooManyAttempts
from govlotse.accounts.schemas import EmailIn, PasswordResetIn, Registration, Review
from govlotse.accounts.service import start_session
from govlotse.config import settings
from govlotse.core.schemas import Id
from govlotse.core.security import MIN_PASSWORD_LENGTH
from govlotse.deps import LangDep, LoggedInDep, LoginDep, SessionDep
from govlotse.errors import Conflict, Invalid
from govlotse.i18n import N_, translate
from govlotse.organisations.api import CurrentOrganisation
from govlotse.organisations.models import Organisation
from govlotse.web.forms import FormError, from_invalid, read_form, validate
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, template, {"values": {}, "errors": {}} | context, status_code=status_code)


def _invalid_link(request: Request, exc: InvalidLink, lang: str) -> HTMLResponse:
    return _page(request, "accounts/link_invalid.html", status_code=400, message=translate(exc.detail, lang))


def _too_many(request: Request, template: str, values: dict[str, Any], lang: str) -> HTMLResponse:
    message = translate(TooManyAttempts.MESSAGE, lang)
    return _page(request, template, status_code=429, values=values, errors={"__root__": message})


# ---------------------------------------------------------------- registration


@router.get("/registrieren", response_class=HTMLResponse)
def register_form(request: Request, lang: LangDep) -> HTMLResponse:
    return _page(request, "accounts/register.html", values={"language": lang, "organisation_kind": "startup"})


@router.post("/registrieren")
def register(request: Request, session: SessionDep, lang: LangDep) -> Response:
    data = read_form(request)
    try:
        registration.register(session, validate(Registration, data, lang), client=client_address(request))
    except FormError as exc:
        exc.values.pop("password", None)
        return _page(request, "accounts/register.html", status_code=422, values=exc.values, errors=exc.errors)
    except TooManyAttempts:
        data.pop("password", None)
        return _too_many(request, "accounts/register.html", data, lang)
    return RedirectResponse("/registrieren/gesendet", status_code=303)


@router.get("/registrieren/gesendet", response_class=HTMLResponse)
def register_sent(request: Request) -> HTMLResponse:
    return _page(request, "accounts/register_sent.html", hours=settings.token_hours)


@router.get("/registrieren/bestaetigen", response_class=HTMLResponse)
def confirm_form(request: Request, session: SessionDep, lang: LangDep, token: str = "") -> HTMLResponse:
    try:
        registration.valid_token(session, token, TokenPurpose.verify_email)
    except InvalidLink as exc:
        return _invalid_link(request, exc, lang)
    return _page(request, "accounts/confirm.html", token=token)


@router.post("/registrieren/bestaetigen")
def confirm(request: Request, session: SessionDep, current: LoginDep, lang: LangDep) -> Response:
    data = read_form(request)
    try:
        registration.verify_email(session, str(data.get("token", "")))
    except InvalidLink as exc:
        return _invalid_link(request, exc, lang)
    target = "/konto?flash=email_confirmed" if current else "/anmelden?next=/konto&flash=email_confirmed"
    return RedirectResponse(target, status_code=303)


# ---------------------------------------------------------------- password reset


@router.get("/passwort-vergessen", response_class=HTMLResponse)
def forgot_form(request: Request) -> HTMLResponse:
    return _page(request, "accounts/forgot.html")


@router.post("/passwort-vergessen")
def forgot(request: Request, session: SessionDep, lang: LangDep) -> Response:
    data = read_form(request)
    try:
        email_in = validate(EmailIn, {"email": data.get("email", "")}, lang)
    except FormError as exc:
        return _page(request, "accounts/forgot.html", status_code=422, values=exc.values, errors=exc.errors)
    registration.request_password_reset(session, email_in.email)
    return RedirectResponse("/anmelden?flash=reset_sent", status_code=303)


@router.get("/passwort-neu", response_class=HTMLResponse)
def reset_form(request: Request, session: SessionDep, lang: LangDep, token: str = "") -> HTMLResponse:
    try:
        registration.valid_token(session, token, TokenPurpose.reset_password)
    except InvalidLink as exc:
        return _invalid_link(request, exc, lang)
    return _page(request, "accounts/reset.html", token=token)


@router.post("/passwort-neu")
def reset(request: Request, session: SessionDep, lang: LangDep) -> Response:
    data = read_form(request)
    token = str(data.get("token", ""))
    try:
        if data.get("password") != data.get("password_repeat"):
            raise Invalid.on("password_repeat", N_("Die beiden Passwörter stimmen nicht überein."))
        reset_in = validate(PasswordResetIn, {"token": token, "password": data.get("password", "")}, lang)
        registration.reset_password(session, reset_in.token, reset_in.password)
    except InvalidLink as exc:
        return _invalid_link(request, exc, lang)
    except (FormError, Invalid) as exc:
        errors = exc.errors if isinstance(exc, FormError) else from_invalid(exc, data, lang).errors
        errors.pop("token", None)
        return _page(request, "accounts/reset.html", status_code=422, token=token, errors=errors)
    response = RedirectResponse("/anmelden?flash=password_reset", status_code=303)
    response.delete_cookie(settings.session_cookie)  # every session of the account has ended
    return response


# ---------------------------------------------------------------- invitations


def _members_page(
    request: Request,
    session: SessionDep,
    actor: Any,
    org: Organisation,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    people = session.execute(
        select(User, Membership.org_role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == org.id)
        .order_by(User.name)
    ).all()
    return _page(
        request,
        "accounts/members.html",
        status_code=status_code,
        section="solutions",
        o=org,
        people=people,
        invitations=registration.open_invitations(session, actor=actor, org=org),
        values=values or {},
        errors=errors or {},
    )


def _require_inviter(session: SessionDep, actor: Any, org: Organisation) -> None:
    if not registration.may_invite(actor, org, session):
        raise registration.not_an_inviter()


@router.get("/organisationen/{organisation_id}/mitglieder", response_class=HTMLResponse)
def members(request: Request, org: CurrentOrganisation, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    _require_inviter(session, actor, org)
    return _members_page(request, session, actor, org)


@router.post("/organisationen/{organisation_id}/einladungen")
def invite(
    request: Request, org: CurrentOrganisation, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    data = read_form(request)
    _require_inviter(session, actor, org)
    try:
        email_in = validate(EmailIn, {"email": data.get("email", "")}, lang)
        registration.invite(session, actor=actor, org=org, email=email_in.email, lang=lang)
    except (FormError, Invalid) as exc:
        errors = exc.errors if isinstance(exc, FormError) else from_invalid(exc, data, lang).errors
        return _members_page(request, session, actor, org, values=data, errors=errors, status_code=422)
    return RedirectResponse(f"/organisationen/{org.id}/mitglieder?flash=invited", status_code=303)


@router.post("/organisationen/{organisation_id}/einladungen/{invitation_id}/widerrufen")
def revoke(
    request: Request, org: CurrentOrganisation, invitation_id: Id, session: SessionDep, actor: LoggedInDep
) -> Response:
    read_form(request)
    registration.revoke_invitation(session, actor=actor, org=org, invitation_id=invitation_id)
    return RedirectResponse(f"/organisationen/{org.id}/mitglieder?flash=invitation_revoked", status_code=303)


@router.get("/einladung", response_class=HTMLResponse)
def invitation_page(
    request: Request, session: SessionDep, current: LoginDep, lang: LangDep, token: str = ""
) -> HTMLResponse:
    try:
        view = registration.invitation(session, token)
    except InvalidLink as exc:
        return _invalid_link(request, exc, lang)
    return _page(
        request,
        "accounts/invitation.html",
        token=token,
        invitation=view,
        current_email=current.user.email if current else None,
        min_length=MIN_PASSWORD_LENGTH,
    )


@router.post("/einladung")
def accept(request: Request, session: SessionDep, current: LoginDep, lang: LangDep) -> Response:
    data = read_form(request)
    token = str(data.get("token", ""))
    try:
        view = registration.invitation(session, token)
        user = registration.accept_invitation(
            session,
            token=token,
            current=current.user if current else None,
            name=str(data.get("name", "")) or None,
            password=str(data.get("password", "")) or None,
        )
    except InvalidLink as exc:
        return _invalid_link(request, exc, lang)
    except Invalid as exc:
        data.pop("password", None)
        return _page(
            request,
            "accounts/invitation.html",
            status_code=422,
            token=token,
            invitation=view,
            current_email=current.user.email if current else None,
            min_length=MIN_PASSWORD_LENGTH,
            values=data,
            errors=from_invalid(exc, data, lang).errors,
        )
    response = RedirectResponse("/konto?flash=joined", status_code=303)
    if current is None or current.user_id != user.id:
        if current is not None:
            session.delete(current)
        cookie, _login = start_session(session=session, user=user)
        set_session_cookie(response, cookie)
    return response


# ---------------------------------------------------------------- the unit's approvals


def _approvals_page(
    request: Request, session: SessionDep, actor: Any, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> HTMLResponse:
    return _page(
        request,
        "accounts/approvals.html",
        status_code=status_code,
        section="unit",
        pending=registration.pending(session, actor=actor),
        errors=errors or {},
    )


@router.get("/lotsenstelle/freigaben", response_class=HTMLResponse)
def approvals(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    return _approvals_page(request, session, actor)


@router.post("/lotsenstelle/freigaben/{organisation_id}")
def decide(
    request: Request, org: CurrentOrganisation, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    data = read_form(request)
    try:
        review = validate(Review, {"decision": data.get("decision"), "reason": data.get("reason", "")}, lang)
        registration.review(session, actor=actor, org=org, approve=review.decision == "approve", reason=review.reason)
    except (FormError, Invalid, Conflict) as exc:
        if isinstance(exc, Conflict):
            errors = {"__root__": translate(exc.detail, lang)}
        elif isinstance(exc, FormError):
            errors = exc.errors
        else:
            errors = from_invalid(exc, data, lang).errors
        errors = {f"{k}-{org.id}" if not k.startswith("__") else k: v for k, v in errors.items()}
        return _approvals_page(
            request, session, actor, errors=errors, status_code=409 if isinstance(exc, Conflict) else 422
        )
    flash = "approved" if review.decision == "approve" else "rejected"
    return RedirectResponse(f"/lotsenstelle/freigaben?flash={flash}", status_code=303)
