"""FastAPI dependencies shared by API and web routes: the unit of work, the actor, the language."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.accounts import tokens
from govlotse.accounts.models import ApiToken, LoginSession, User
from govlotse.config import settings
from govlotse.core.actor import ANONYMOUS, Actor, Role
from govlotse.db import get_session
from govlotse.errors import Forbidden, Unauthorized
from govlotse.experts import service as experts


@dataclass(frozen=True)
class UserView:
    """What pages show of the logged-in user."""

    id: int
    name: str
    email: str
    role: str

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(id=user.id, name=user.name, email=user.email, role=user.role)


# scope="function": commit before the response is sent, so a failed commit is never reported as success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_login(request: Request, session: SessionDep) -> LoginSession | None:
    """The login session of the request's cookie, if any and still valid."""
    if "login" not in request.state._state:
        token = request.cookies.get(settings.session_cookie)
        login = accounts.session_for_token(session=session, token=token)
        request.state.login = login
        # A plain snapshot for templates: error pages render after the transaction has ended.
        request.state.user = UserView.of(login.user) if login else None
    current: LoginSession | None = request.state.login
    return current


LoginDep = Annotated[LoginSession | None, Depends(get_login)]


def get_api_token(request: Request, session: SessionDep) -> ApiToken | None:
    """The API token of an ``Authorization: Bearer`` header on an /api/ request (401 if it does not work)."""
    if "api_token" not in request.state._state:
        token = None
        header = request.headers.get("authorization", "")
        if request.url.path.startswith("/api/") and header[:7].lower() == "bearer ":
            token = tokens.authenticate(session, header[7:].strip())
            if token is None:
                raise Unauthorized("the API token is unknown, expired or revoked")
        request.state.api_token = token
    current: ApiToken | None = request.state.api_token
    return current


ApiTokenDep = Annotated[ApiToken | None, Depends(get_api_token)]


def get_actor(request: Request, session: SessionDep, login: LoginDep, token: ApiTokenDep) -> Actor:
    """Who is acting: the holder of an API token, the logged-in user, or an anonymous visitor."""
    if token is not None:
        if token.scope != tokens.Scope.write and request.method not in ("GET", "HEAD", "OPTIONS"):
            raise Forbidden("this API token may only read")
        actor = accounts.actor_for(token.user)
        if actor.role == Role.expert and actor.user_id is not None:
            actor = replace(actor, advises=experts.advised_challenge_ids(session, actor.user_id))
        return replace(actor, label=f"{actor.label} (API-Token {token.prefix}…)")
    if login is None:
        return ANONYMOUS
    actor = accounts.actor_for(login.user)
    if actor.role == Role.expert and actor.user_id is not None:
        actor = replace(actor, advises=experts.advised_challenge_ids(session, actor.user_id))
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


def require_login(actor: ActorDep) -> Actor:
    if not actor.is_authenticated:
        raise Unauthorized()
    return actor


LoggedInDep = Annotated[Actor, Depends(require_login)]


def require_session(actor: LoggedInDep, token: ApiTokenDep) -> Actor:
    """A person logged in with password or SSO, not an API token (for managing tokens and the account)."""
    if token is not None:
        raise Forbidden("API tokens cannot manage tokens or the account; log in instead")
    return actor


SessionLoginDep = Annotated[Actor, Depends(require_session)]


def get_lang(request: Request) -> str:
    lang: str = getattr(request.state, "lang", settings.default_language)
    return lang


LangDep = Annotated[str, Depends(get_lang)]
