"""JSON API: log in and out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from govlotse.accounts import registration, service
from govlotse.accounts.registration import LOGIN_MESSAGES, LoginOutcome
from govlotse.accounts.schemas import LoginIn, UserRead
from govlotse.config import settings
from govlotse.core.openapi import errors
from govlotse.deps import LangDep, LoggedInDep, LoginDep, SessionDep
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
def me(actor: LoggedInDep, current: LoginDep) -> object:
    """The logged-in user."""
    assert current is not None
    return current.user
