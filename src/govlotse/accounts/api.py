"""JSON API: log in and out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from govlotse.accounts import registration, service, tokens
from govlotse.accounts.registration import LOGIN_MESSAGES, LoginOutcome
from govlotse.accounts.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenRead, LoginIn, UserRead
from govlotse.accounts.service import user_of
from govlotse.config import settings
from govlotse.core.openapi import errors
from govlotse.core.schemas import Id
from govlotse.deps import LangDep, LoggedInDep, LoginDep, SessionDep, SessionLoginDep
from govlotse.i18n import translate

router = APIRouter(prefix="/auth", tags=["accounts"])


# Status and machine-readable code of each refused login (one message whether the e-mail exists or not).
LOGIN_ERRORS = {
    LoginOutcome.failed: (401, "login_failed"),
    LoginOutcome.unconfirmed: (403, "email_unconfirmed"),
    LoginOutcome.locked: (429, "too_many_attempts"),
}


def client_address(request: Request) -> str:
    """The caller's address, counted for login throttling (behind a proxy: run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        settings.session_cookie,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


@router.post("/login", response_model=UserRead, responses=errors(401, 403, 422, 429))
def login(
    credentials: LoginIn, request: Request, response: Response, session: SessionDep, current: LoginDep, lang: LangDep
) -> object:
    """Log in with e-mail and password; sets the session cookie.

    401 for a wrong e-mail or password, 403 while the address is not confirmed (the link is sent again),
    429 after too many failures (also for unknown addresses). Failures are counted, so they are answered
    rather than raised (raising would roll the count back).
    """
    outcome, user = registration.log_in(
        session, email=credentials.email, password=credentials.password, client=client_address(request)
    )
    if outcome != LoginOutcome.ok or user is None:
        status, code = LOGIN_ERRORS[outcome]
        detail = translate(LOGIN_MESSAGES[outcome], lang, minutes=settings.login_lock_minutes)
        return JSONResponse({"error": code, "detail": detail}, status_code=status)
    if current is not None:  # a new login replaces the old session (no session fixation)
        session.delete(current)
    token, _login = service.start_session(session=session, user=user)
    set_session_cookie(response, token)
    return user


@router.post("/logout", status_code=204)
def logout(response: Response, session: SessionDep, current: LoginDep) -> Response:
    """End the current session."""
    if current is not None:
        session.delete(current)
    response.delete_cookie(settings.session_cookie)
    response.status_code = 204
    return response


@router.get("/me", response_model=UserRead, responses=errors(401))
def me(actor: LoggedInDep, session: SessionDep) -> object:
    """The logged-in user (or the holder of the API token)."""
    user = user_of(session, actor)
    session.refresh(user, ["memberships"])
    return user


@router.get("/tokens", response_model=list[ApiTokenRead], responses=errors(401, 403))
def list_tokens(actor: SessionLoginDep, session: SessionDep) -> object:
    """Your API tokens, newest first (revoked and expired ones included, marked)."""
    return tokens.list_tokens(session, user=user_of(session, actor))


@router.post("/tokens", status_code=201, response_model=ApiTokenCreated, responses=errors(401, 403, 422))
def create_token(data: ApiTokenCreate, actor: SessionLoginDep, session: SessionDep) -> object:
    """Make an API token. It acts as you, with your rights (``read``: GET only). The secret is shown once."""
    secret, token = tokens.create(
        session,
        actor=actor,
        user=user_of(session, actor),
        name=data.name,
        scope=tokens.Scope(data.scope),
        expires_days=data.expires_days,
    )
    return ApiTokenCreated(**ApiTokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204, responses=errors(401, 403, 404))
def revoke_token(token_id: Id, actor: SessionLoginDep, session: SessionDep) -> Response:
    """Revoke one of your API tokens; it stops working at once."""
    tokens.revoke(session, actor=actor, user=user_of(session, actor), token_id=token_id)
    return Response(status_code=204)
