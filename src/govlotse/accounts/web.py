"""Web pages: log in, log out, my account."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from govlotse.accounts import registration, service
from govlotse.accounts.api import client_address, set_session_cookie
from govlotse.accounts.registration import LOGIN_MESSAGES, LoginOutcome
from govlotse.config import settings
from govlotse.deps import LangDep, LoggedInDep, LoginDep, SessionDep
from govlotse.i18n import translate
from govlotse.organisations.models import Organisation
from govlotse.web.forms import read_form
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
async def login(request: Request, session: SessionDep, current: LoginDep, lang: LangDep) -> Response:
    data = await read_form(request)
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


@router.post("/abmelden")
async def logout(request: Request, session: SessionDep, current: LoginDep) -> Response:
    await read_form(request)
    if current is not None:
        session.delete(current)
    response = RedirectResponse("/?flash=logged_out", status_code=303)
    response.delete_cookie(settings.session_cookie)
    return response


@router.get("/konto", response_class=HTMLResponse)
def account(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    orgs = list(session.scalars(select(Organisation).where(Organisation.id.in_(actor.organisation_ids or {-1}))))
    return render(request, "accounts/account.html", {"organisations": orgs})
