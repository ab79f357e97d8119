"""JSON API: taxonomy tags."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from govlotse.core.openapi import errors
from govlotse.deps import SessionDep
from govlotse.taxonomy import service
from govlotse.taxonomy.schemas import TagRead

router = APIRouter(prefix="/tags", tags=["taxonomy"])


@router.get("", response_model=list[TagRead], responses=errors(422))
def list_tags(session: SessionDep, kind: Literal["capability", "sector", "technology"] | None = None) -> object:
    """All tags (capabilities, sectors, technologies)."""
    return service.list_tags(session=session, kind=kind)
