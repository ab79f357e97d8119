"""Web pages: my data (download as JSON) and deleting my account."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from govlotse.accounts.models import User
from govlotse.accounts.service import user_of
from govlotse.config import settings
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.errors import Conflict, Invalid
from govlotse.i18n import translate
from govlotse.privacy import service
from govlotse.web.forms import from_invalid, read_form
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, user: User, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "privacy/data.html",
        {"has_password": user.password_hash is not None, "errors": errors or {}},
        status_code=status_code,
    )


@router.get("/konto/daten", response_class=HTMLResponse)
def data_page(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    return _page(request, user_of(session, actor))


@router.get("/konto/daten.json")
def download(session: SessionDep, actor: LoggedInDep) -> Response:
    data = service.export(session, user=user_of(session, actor))
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="govlotse-meine-daten.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/konto/loeschen")
def delete(request: Request, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    data = read_form(request)
    user = user_of(session, actor)
    errors: dict[str, str] = {}
    if data.get("understood") not in ("1", "on", "true"):
        errors["understood"] = translate("Bitte bestätigen Sie, dass Sie das Konto löschen möchten.", lang)
    else:
        try:
            service.delete_account(session, user=user, confirmation=str(data.get("confirmation", "")))
        except Invalid as exc:
            errors = from_invalid(exc, data, lang).errors
        except Conflict as exc:
            errors = {"__root__": translate(exc.detail, lang)}
    if errors:
        return _page(request, user, errors=errors, status_code=422)
    response = RedirectResponse("/?flash=account_deleted", status_code=303)
    response.delete_cookie(settings.session_cookie)
    return response
