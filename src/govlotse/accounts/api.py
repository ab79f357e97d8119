"""JSON API: log in and out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Response

from govlotse.accounts import service
from govlotse.accounts.schemas import LoginIn, UserRead
from govlotse.config import settings
from govlotse.core.openapi import errors
from govlotse.deps import LoggedInDep, LoginDep, SessionDep
from govlotse.errors import AppError

router = APIRouter(prefix="/auth", tags=["accounts"])


class LoginFailed(AppError):
    def __init__(self) -> None:
        # One message whether the e-mail exists or not (no account enumeration).
        super().__init__("e-mail or password is wrong", status_code=401, code="login_failed")


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        settings.session_cookie,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


@router.post("/login", response_model=UserRead, responses=errors(401, 422))
def login(credentials: LoginIn, response: Response, session: SessionDep, current: LoginDep) -> object:
    """Log in with e-mail and password; sets the session cookie."""
    user = service.authenticate(session=session, email=credentials.email, password=credentials.password)
    if user is None:
        raise LoginFailed()
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
