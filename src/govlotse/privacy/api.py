"""JSON API: export my data, delete my account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import StringConstraints

from govlotse.accounts.service import user_of
from govlotse.config import settings
from govlotse.core.openapi import errors
from govlotse.core.schemas import Schema
from govlotse.deps import SessionDep, SessionLoginDep
from govlotse.privacy import service

router = APIRouter(prefix="/auth/me", tags=["accounts"])


class DeleteIn(Schema):
    confirmation: Annotated[str, StringConstraints(min_length=1, max_length=254)]


@router.get("/export", responses=errors(401, 403))
def export(session: SessionDep, actor: SessionLoginDep) -> dict[str, Any]:
    """Everything GovLotse stores about you (GDPR Art. 15 and 20), as JSON."""
    return service.export(session, user=user_of(session, actor))


@router.post("/delete", status_code=204, responses=errors(401, 403, 409, 422))
def delete(data: DeleteIn, response: Response, session: SessionDep, actor: SessionLoginDep) -> Response:
    """Delete your account (GDPR Art. 17). ``confirmation``: your password (without one: your e-mail address).

    Records the administration must keep name you by a pseudonym from now on; the audit log stays intact.
    """
    service.delete_account(session, user=user_of(session, actor), confirmation=data.confirmation)
    answer = Response(status_code=204)
    answer.delete_cookie(settings.session_cookie)
    return answer
