"""Web pages: log in, log out, my account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from govlotse.accounts import oidc, registration, service, tokens
from govlotse.accounts.api import client_address, set_session_cookie
from govlotse.accounts.registration import LOGIN_MESSAGES, LoginOutcome
from govlotse.accounts.schemas import ApiTokenCreate
from govlotse.config import settings
from govlotse.core.actor import Actor
from govlotse.core.schemas import Id
from govlotse.deps import LangDep, LoggedInDep, LoginDep, SessionDep
from govlotse.errors import Invalid, NotFound
from govlotse.experts import service as experts
from govlotse.i18n import translate
from govlotse.organisations.models import Organisation
from govlotse.web.forms import FormError, from_invalid, read_form, validate
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/anmelden", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "accounts/login.html", {"next": _safe_next(next), "values": {}, "errors": {}})


@router.post("/anmelden")
def login(request: Request, session: SessionDep, current: LoginDep, lang: LangDep) -> Response:
    data = read_form(request)
    target = _safe_next(data.get("next"))
    email = str(data.get("email", ""))[:254]
    outcome, user = registration.log_in(
        session, email=email, password=str(data.get("password", "")), client=client_address(request)
    )
    if outcome != LoginOutcome.ok or user is None:
        message = translate(LOGIN_MESSAGES[outcome], lang, minutes=settings.login_lock_minutes)
        return render(
            request,
            "accounts/login.html",
            {"next": target, "values": {"email": email}, "errors": {"email": message}},
            status_code=429 if outcome == LoginOutcome.locked else 400,
        )
    if current is not None:
        session.delete(current)
    token, _login = service.start_session(session=session, user=user)
    sep = "&" if "?" in target else "?"
    response = RedirectResponse(f"{target}{sep}flash=logged_in", status_code=303)
    set_session_cookie(response, token)
    return response


@router.get("/anmelden/sso")
def sso_start(request: Request, lang: LangDep, next: str | None = None) -> Response:
    """Off to the single sign-on provider (with state, nonce and PKCE kept in a short-lived cookie)."""
    if not oidc.enabled():
        raise NotFound("page")
    try:
        url, state = oidc.start(_safe_next(next))
    except oidc.SsoError as exc:
        return _sso_failed(request, exc, lang, _safe_next(next))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        oidc.STATE_COOKIE,
        state,
        max_age=600,
        path=oidc.CALLBACK_PATH,
        httponly=True,
        samesite="lax",  # the provider sends the browser back with a top-level GET
        secure=settings.secure_cookies,
    )
    return response


@router.get(oidc.CALLBACK_PATH)
def sso_callback(
    request: Request,
    session: SessionDep,
    current: LoginDep,
    lang: LangDep,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    """Back from the provider: verify, find or make the account, log in."""
    if not oidc.enabled():
        raise NotFound("page")
    try:
        if error or not code:
            raise oidc.SsoError(oidc.FAILED)
        claims, target = oidc.claims_for(code=code, state=state, cookie=request.cookies.get(oidc.STATE_COOKIE))
        user = oidc.user_for(session, claims)
    except oidc.SsoError as exc:
        return _sso_failed(request, exc, lang, "/")
    if current is not None:
        session.delete(current)
    token, _login = service.start_session(session=session, user=user)
    target = _safe_next(target)
    sep = "&" if "?" in target else "?"
    response = RedirectResponse(f"{target}{sep}flash=logged_in", status_code=303)
    set_session_cookie(response, token)
    response.delete_cookie(oidc.STATE_COOKIE, path=oidc.CALLBACK_PATH)
    return response


def _sso_failed(request: Request, exc: oidc.SsoError, lang: str, target: str) -> HTMLResponse:
    return render(
        request,
        "accounts/login.html",
        {"next": target, "values": {}, "errors": {"__sso__": translate(exc.detail, lang)}},
        status_code=400,
    )


@router.post("/abmelden")
def logout(request: Request, session: SessionDep, current: LoginDep) -> Response:
    read_form(request)
    if current is not None:
        session.delete(current)
    response = RedirectResponse("/?flash=logged_out", status_code=303)
    response.delete_cookie(settings.session_cookie)
    return response


@router.get("/konto", response_class=HTMLResponse)
def account(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    orgs = list(session.scalars(select(Organisation).where(Organisation.id.in_(actor.organisation_ids or {-1}))))
    profile = experts.own_profile(session=session, actor=actor)
    advising = experts.assignments(session=session, profile_id=profile.id) if profile else []
    return render(
        request, "accounts/account.html", {"organisations": orgs, "expert_profile": profile, "advising": advising}
    )


NEW_TOKEN_COOKIE = "govlotse_new_token"
TOKENS_PATH = "/konto/api-tokens"


def _tokens_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    secret: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    user = service.user_of(session, actor)
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": tokens.list_tokens(session, user=user),
            "secret": secret,
            "values": values or {"scope": "read", "expires_days": "90"},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get(TOKENS_PATH, response_class=HTMLResponse)
def tokens_page(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    # A token just made is shown once: it comes in a short-lived cookie set by the POST (no secret in a URL).
    secret = request.cookies.get(NEW_TOKEN_COOKIE)
    response = _tokens_page(request, session, actor, secret=secret if secret and len(secret) < 100 else None)
    response.headers["Cache-Control"] = "no-store"
    if secret:
        response.delete_cookie(NEW_TOKEN_COOKIE, path=TOKENS_PATH)
    return response


@router.post(TOKENS_PATH)
def create_token(request: Request, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    data = read_form(request)
    if data.get("expires_days") in ("", "none"):
        data["expires_days"] = None
    try:
        token_in = validate(ApiTokenCreate, data, lang)
        user = service.user_of(session, actor)
        secret, _token = tokens.create(
            session,
            actor=actor,
            user=user,
            name=token_in.name,
            scope=tokens.Scope(token_in.scope),
            expires_days=token_in.expires_days,
        )
    except (FormError, Invalid) as exc:
        errors = exc.errors if isinstance(exc, FormError) else from_invalid(exc, data, lang).errors
        return _tokens_page(request, session, actor, values=data, errors=errors, status_code=422)
    response = RedirectResponse(f"{TOKENS_PATH}?flash=token_created", status_code=303)
    response.set_cookie(
        NEW_TOKEN_COOKIE,
        secret,
        max_age=300,
        path=TOKENS_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
    )
    return response


@router.post(TOKENS_PATH + "/{token_id}/widerrufen")
def revoke_token(request: Request, token_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    read_form(request)
    user = service.user_of(session, actor)
    tokens.revoke(session, actor=actor, user=user, token_id=token_id)
    return RedirectResponse(f"{TOKENS_PATH}?flash=token_revoked", status_code=303)
