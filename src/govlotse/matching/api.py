"""JSON API: search across everything, candidate solutions for a need, needs for a solution."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from govlotse.challenges.api import CurrentChallenge
from govlotse.core.openapi import errors
from govlotse.core.schemas import Id, Schema
from govlotse.deps import ActorDep, LangDep, SessionDep
from govlotse.i18n import translate
from govlotse.matching import engine, service
from govlotse.matching.schemas import (
    ENTITY_TYPES,
    CriterionRead,
    GroupRead,
    HitRead,
    SearchParams,
    SearchRead,
)
from govlotse.matching.sources import CERT_CODES, HOSTING_CODES
from govlotse.solutions.api import CurrentSolution

router = APIRouter(tags=["matching"])


def hit_read(hit: service.Hit, lang: str) -> HitRead:
    return HitRead(
        entity_type=hit.entity_type,
        entity_id=hit.entity_id,
        title=hit.title,
        url=hit.url,
        subtitle=hit.subtitle,
        score=hit.score,
        semantic=hit.semantic,
        semantic_rank=hit.semantic_rank,
        lexical=hit.lexical,
        lexical_rank=hit.lexical_rank,
        semantic_share=hit.semantic_share,
        matched_terms=hit.matched_terms,
        translations=hit.translations,
        passage=hit.passage,
        highlights=hit.highlights,
        criteria=[
            CriterionRead(code=c.code, label=translate(c.label, lang), met=c.met, detail=c.detail) for c in hit.criteria
        ],
    )


def filters_from(params: SearchParams) -> engine.Filters:
    """The hard filters of a search request (unknown codes are refused by the caller)."""
    return engine.Filters(
        entity_types=ENTITY_TYPES,
        hosting_any=tuple(h for h in params.hosting if h in HOSTING_CODES),
        certifications_all=tuple(c for c in params.certification if c in CERT_CODES),
        maturity_in=tuple(params.maturity),
    )


def run_search(session: SessionDep, actor: ActorDep, params: SearchParams) -> service.Results:
    from govlotse.errors import Invalid

    unknown = [t for t in params.types if t not in ENTITY_TYPES]
    unknown += [h for h in params.hosting if h not in HOSTING_CODES]
    unknown += [c for c in params.certification if c not in CERT_CODES]
    if unknown:
        raise Invalid.on("types", "Unbekannter Wert: {values}.", values=", ".join(unknown))
    types = [t for t in ENTITY_TYPES if t in params.types] or list(ENTITY_TYPES)
    return service.search(
        session=session,
        actor=actor,
        query=params.q,
        types=types,
        filters=filters_from(params),
        limit=params.limit,
        mode=params.mode,
    )


@router.get("/search", response_model=SearchRead, responses=errors(422))
def search(params: Annotated[SearchParams, Query()], session: SessionDep, actor: ActorDep, lang: LangDep) -> SearchRead:
    """Hybrid search over solutions, needs and use cases you may see, grouped, with explanations."""
    results = run_search(session, actor, params)
    return SearchRead(
        query=results.query,
        mode=results.mode,
        model=results.model,
        groups=[GroupRead(entity_type=t, hits=[hit_read(h, lang) for h in hits]) for t, hits in results.groups.items()],
        notice=translate(results.notice, lang) if results.notice else None,
    )


class MatchParams(Schema):
    limit: int = Field(default=10, ge=1, le=50)
    strict: bool = Field(default=False, description="Only solutions that meet every criterion of the need")


@router.get("/challenges/{challenge_id}/matches", response_model=list[HitRead], responses=errors(401, 403, 404, 422))
def challenge_matches(
    challenge: CurrentChallenge,
    params: Annotated[MatchParams, Query()],
    session: SessionDep,
    actor: ActorDep,
    lang: LangDep,
) -> list[HitRead]:
    """Candidate solutions for a need, with the need's criteria met or unmet."""
    hits = service.solutions_for_challenge(
        session=session, actor=actor, challenge=challenge, limit=params.limit, strict=params.strict
    )
    return [hit_read(h, lang) for h in hits]


@router.get("/solutions/{solution_id}/matches", response_model=list[HitRead], responses=errors(404, 422))
def solution_matches(
    solution: CurrentSolution,
    params: Annotated[MatchParams, Query()],
    session: SessionDep,
    actor: ActorDep,
    lang: LangDep,
) -> list[HitRead]:
    """Open needs that fit a solution (reverse matching), within what you may see."""
    hits = service.challenges_for_solution(session=session, actor=actor, solution=solution, limit=params.limit)
    return [hit_read(h, lang) for h in hits]


class SimilarIn(Schema):
    text: str = Field(max_length=120_000)
    exclude_challenge: Id | None = None
    limit: int = Field(default=5, ge=1, le=20)


@router.post("/search/similar", response_model=list[GroupRead], responses=errors(422))
def similar(body: SimilarIn, session: SessionDep, actor: ActorDep, lang: LangDep) -> list[GroupRead]:
    """Earlier needs and known use cases similar to a need being written."""
    groups = service.similar(
        session=session,
        actor=actor,
        text=body.text,
        exclude_challenge=body.exclude_challenge,
        limit=body.limit,
    )
    return [GroupRead(entity_type=t, hits=[hit_read(h, lang) for h in hits]) for t, hits in groups.items()]
