"""Market exploration (Markterkundung): frozen, documented runs with a long list, shortlist and exclusions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from govlotse.challenges import service as challenges
from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.config import settings
from govlotse.core import audit
from govlotse.core.actor import Actor, Role
from govlotse.core.crud import check_version
from govlotse.core.models import utcnow
from govlotse.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from govlotse.exploration.models import Candidate, CandidateStatus, ExplorationRun, RunStatus
from govlotse.i18n import N_
from govlotse.matching import engine
from govlotse.matching import service as matching
from govlotse.procurement import service as procurement
from govlotse.solutions.models import Solution
from govlotse.taxonomy.models import Tag

LONG_LIST = 30
OTHER_SEGMENT = N_("Weitere Angebote")


@dataclass(frozen=True)
class RunFilters:
    """Hard criteria of a run, frozen with it."""

    hosting: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    maturity: tuple[str, ...] = ()
    strict: bool = False  # only solutions that meet every criterion of the need

    def as_dict(self) -> dict[str, Any]:
        return {
            "hosting": list(self.hosting),
            "certifications": list(self.certifications),
            "maturity": list(self.maturity),
            "strict": self.strict,
        }


def _may_run(actor: Actor) -> bool:
    return actor.sees_everything


def _may_view(actor: Actor, challenge: Challenge) -> bool:
    return actor.sees_everything or (actor.role == Role.agency and actor.member_of(challenge.organisation_id))


def _load(session: Session, run_id: int) -> ExplorationRun | None:
    return session.scalar(
        select(ExplorationRun)
        .where(ExplorationRun.id == run_id)
        .options(
            selectinload(ExplorationRun.challenge).selectinload(Challenge.organisation),
            selectinload(ExplorationRun.challenge).selectinload(Challenge.tags),
            selectinload(ExplorationRun.candidates)
            .selectinload(Candidate.solution)
            .selectinload(Solution.organisation),
        )
        .execution_options(populate_existing=True)
    )


def get_run(*, session: Session, actor: Actor, run_id: int) -> ExplorationRun:
    """A run, for the unit and the agency that owns the need (404 for everyone else)."""
    run = _load(session, run_id)
    if run is None or not _may_view(actor, run.challenge):
        raise NotFound("exploration run", run_id)
    return run


def runs_for(*, session: Session, actor: Actor, challenge: Challenge) -> list[ExplorationRun]:
    if not _may_view(actor, challenge):
        return []
    return list(
        session.scalars(
            select(ExplorationRun)
            .where(ExplorationRun.challenge_id == challenge.id)
            .order_by(ExplorationRun.number.desc())
        )
    )


def open_runs(*, session: Session, actor: Actor) -> list[ExplorationRun]:
    """Runs not yet closed (for the unit's dashboard)."""
    if not _may_run(actor):
        return []
    stmt = (
        select(ExplorationRun)
        .where(ExplorationRun.status == RunStatus.open)
        .options(selectinload(ExplorationRun.challenge).selectinload(Challenge.organisation))
        .order_by(ExplorationRun.searched_at)
    )
    return list(session.scalars(stmt))


def _segments(session: Session, solution_ids: list[int]) -> dict[int, str]:
    """A readable market-map segment per solution: its capability that is most common on the list."""
    rows = session.execute(
        select(Solution.id, Tag.label_de)
        .join(Solution.tags)
        .where(Solution.id.in_(solution_ids), Tag.kind == "capability")
    ).all()
    by_solution: dict[int, list[str]] = {}
    for sid, label in rows:
        by_solution.setdefault(sid, []).append(label)
    frequency = Counter(label for labels in by_solution.values() for label in labels)
    return {sid: max(labels, key=lambda lab: (frequency[lab], lab)) for sid, labels in by_solution.items()}


def start_run(
    *, session: Session, actor: Actor, challenge: Challenge, filters: RunFilters, limit: int = LONG_LIST
) -> ExplorationRun:
    """Search the market for an accepted need and freeze what was searched and found."""
    if not _may_run(actor):
        raise Forbidden("market exploration is run by the venture-client unit")
    if challenge.status != ChallengeStatus.accepted:
        raise IllegalTransition(
            entity="challenge",
            from_state=challenge.status,
            to_state=N_("Markterkundung"),
            reason=N_("Eine Markterkundung setzt einen angenommenen Bedarf voraus."),
        )
    base = matching.hard_filters_for(challenge) if filters.strict else engine.Filters(entity_types=("solution",))
    hard = engine.Filters(
        entity_types=("solution",),
        hosting_any=tuple(filters.hosting) or base.hosting_any,
        certifications_all=tuple(filters.certifications),
        certifications_any=base.certifications_any,
        maturity_in=tuple(filters.maturity) or base.maturity_in,
    )
    query = matching.challenge_query(challenge)
    hits = matching.search(
        session=session, actor=actor, query=query, types=("solution",), filters=hard, limit=limit
    ).groups["solution"]
    number = (
        session.scalar(select(func.max(ExplorationRun.number)).where(ExplorationRun.challenge_id == challenge.id)) or 0
    ) + 1
    run = ExplorationRun(
        challenge_id=challenge.id,
        number=number,
        status=RunStatus.open,
        query=query,
        filters=filters.as_dict(),
        model=matching.get_embedder().name,
        rules_version=procurement.ensure_stored(session).version,
        search_settings={
            "semantic_weight": settings.search_semantic_weight,
            "limit": limit,
            "candidates_per_ranking": matching.CANDIDATES,
            "fusion": "reciprocal rank (k=60)",
        },
        searched_at=utcnow(),
        created_by_id=actor.user_id,
        created_by_label=actor.label,
    )
    session.add(run)
    session.flush()
    organisations = dict(
        session.execute(
            select(Solution.id, Solution.organisation_id).where(Solution.id.in_([h.entity_id for h in hits]))
        ).all()
    )
    segments = _segments(session, [h.entity_id for h in hits])
    for position, hit in enumerate(hits, start=1):
        criteria = [
            {"code": c.code, "label": c.label, "met": c.met, "detail": c.detail}
            for c in matching.criteria_for(challenge, _doc(session, hit.entity_id))
        ]
        session.add(
            Candidate(
                run_id=run.id,
                solution_id=hit.entity_id,
                organisation_id=organisations[hit.entity_id],
                position=position,
                rank=position,
                score=hit.score,
                semantic=hit.semantic,
                lexical=hit.lexical,
                explanation={
                    "matched_terms": hit.matched_terms,
                    "translations": hit.translations,
                    "passage": hit.passage,
                    "highlights": hit.highlights,
                    "semantic_share": hit.semantic_share,
                    "criteria": criteria,
                },
                segment=segments.get(hit.entity_id, OTHER_SEGMENT),
            )
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exploration.start",
        entity_type="challenge",
        entity_id=challenge.id,
        data={
            "run": run.id,
            "number": number,
            "candidates": len(hits),
            "filters": filters.as_dict(),
            "model": run.model,
            "rules_version": run.rules_version,
        },
    )
    loaded = _load(session, run.id)
    assert loaded is not None
    return loaded


def _doc(session: Session, solution_id: int) -> Any:
    from govlotse.matching.models import SearchDoc

    return session.scalar(
        select(SearchDoc).where(SearchDoc.entity_type == "solution", SearchDoc.entity_id == solution_id)
    )


def _open(run: ExplorationRun) -> None:
    if run.status != RunStatus.open:
        raise Conflict(
            N_(
                "Diese Markterkundung ist abgeschlossen und für die Vergabeakte eingefroren. "
                "Für Änderungen bitte eine neue Markterkundung starten."
            )
        )


def set_status(
    *,
    session: Session,
    actor: Actor,
    run: ExplorationRun,
    candidate_id: int,
    status: CandidateStatus,
    reason: str = "",
    version: int | None = None,
) -> Candidate:
    """Move a candidate to the shortlist, back to the long list, or exclude it (with a reason)."""
    if not _may_run(actor):
        raise Forbidden()
    _open(run)
    candidate = next((c for c in run.candidates if c.id == candidate_id), None)
    if candidate is None:
        raise NotFound("candidate", candidate_id)
    if version is not None:
        check_version(candidate, version, name="candidate")
    if status == CandidateStatus.excluded and not reason.strip():
        raise Invalid.on("reason", "Bitte den Grund für den Ausschluss angeben (er kommt in die Vergabeakte).")
    before = candidate.status
    candidate.status, candidate.reason, candidate.decided_by_label = status, reason.strip(), actor.label
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exploration.candidate",
        entity_type="exploration_run",
        entity_id=run.id,
        data={
            "candidate": candidate.id,
            "solution": candidate.solution_id,
            "from": before,
            "to": status,
            "reason": reason.strip(),
        },
    )
    return candidate


def add_manually(
    *, session: Session, actor: Actor, run: ExplorationRun, solution_id: int | None, reason: str
) -> Candidate:
    """Add a solution the search did not find; recorded as added by hand, with why."""
    if not _may_run(actor):
        raise Forbidden()
    _open(run)
    solution = session.get(Solution, solution_id) if solution_id else None
    if solution is None:
        raise Invalid.on("solution_id", "Bitte eine Lösung aus dem Verzeichnis wählen.")
    if any(c.solution_id == solution_id for c in run.candidates):
        raise Invalid.on("solution_id", "Diese Lösung steht schon auf der Liste.")
    if not reason.strip():
        raise Invalid.on("reason", "Bitte begründen, warum die Lösung von Hand aufgenommen wird.")
    doc = _doc(session, solution.id)
    candidate = Candidate(
        run_id=run.id,
        solution_id=solution.id,
        organisation_id=solution.organisation_id,
        position=max((c.position for c in run.candidates), default=0) + 1,
        rank=None,
        added_manually=True,
        decided_by_label=actor.label,
        status=CandidateStatus.longlist,
        segment=_segments(session, [solution.id]).get(solution.id, OTHER_SEGMENT),
        explanation={
            "added_because": reason.strip(),
            "criteria": [
                {"code": c.code, "label": c.label, "met": c.met, "detail": c.detail}
                for c in matching.criteria_for(run.challenge, doc)
            ]
            if doc is not None
            else [],
        },
    )
    session.add(candidate)
    session.flush()
    session.refresh(run, ["candidates"])
    audit.record(
        session,
        actor=actor,
        action="exploration.add",
        entity_type="exploration_run",
        entity_id=run.id,
        data={"solution": solution.id, "reason": reason.strip()},
    )
    return candidate


def judge(*, session: Session, actor: Actor, run: ExplorationRun, candidate_id: int, grade: int | None) -> Candidate:
    """Record whether a candidate fits the need (2 fits, 1 partly, 0 does not) for measuring search quality."""
    if not _may_run(actor):
        raise Forbidden()
    if grade not in (None, 0, 1, 2):
        raise Invalid.on("grade", "Bitte 0, 1 oder 2 angeben.")
    candidate = next((c for c in run.candidates if c.id == candidate_id), None)
    if candidate is None:
        raise NotFound("candidate", candidate_id)
    candidate.judgment = grade
    session.flush()
    return candidate


def close_run(*, session: Session, actor: Actor, run: ExplorationRun) -> list[int]:
    """Freeze the run; every shortlisted start-up gets a case in the pipeline. Returns the case ids."""
    from govlotse.pipeline import service as pipeline

    if not _may_run(actor):
        raise Forbidden()
    _open(run)
    shortlist = [c for c in run.candidates if c.status == CandidateStatus.shortlist]
    if not shortlist:
        raise Invalid.on("shortlist", "Vor dem Abschluss mindestens eine Lösung auf die Shortlist setzen.")
    run.status, run.closed_at, run.closed_by_label = RunStatus.closed, utcnow(), actor.label
    session.flush()
    case_ids = [
        pipeline.open_case(
            session=session, actor=actor, challenge=run.challenge, solution_id=c.solution_id, run_id=run.id
        ).id
        for c in shortlist
    ]
    audit.record(
        session,
        actor=actor,
        action="exploration.close",
        entity_type="exploration_run",
        entity_id=run.id,
        data={
            "shortlist": [c.solution_id for c in shortlist],
            "excluded": {str(c.solution_id): c.reason for c in run.candidates if c.status == CandidateStatus.excluded},
        },
    )
    return case_ids


def previous_run(*, session: Session, run: ExplorationRun) -> ExplorationRun | None:
    """The run of the same need before this one, with its candidates (for the comparison)."""
    earlier = session.scalar(
        select(ExplorationRun.id)
        .where(ExplorationRun.challenge_id == run.challenge_id, ExplorationRun.number < run.number)
        .order_by(ExplorationRun.number.desc())
        .limit(1)
    )
    return _load(session, earlier) if earlier else None


@dataclass
class Comparison:
    new: list[Candidate]
    dropped: list[Candidate]
    moved: list[tuple[Candidate, int, int]]  # candidate, old position, new position


def compare(older: ExplorationRun, newer: ExplorationRun) -> Comparison:
    """Who is new on the long list, who dropped out, who moved."""
    before = {c.solution_id: c for c in older.candidates}
    after = {c.solution_id: c for c in newer.candidates}
    return Comparison(
        new=[c for sid, c in after.items() if sid not in before],
        dropped=[c for sid, c in before.items() if sid not in after],
        moved=[
            (c, before[sid].position, c.position)
            for sid, c in after.items()
            if sid in before and before[sid].position != c.position
        ],
    )


def market_map(run: ExplorationRun) -> list[tuple[str, list[Candidate]]]:
    """The long list grouped into segments, largest first."""
    groups: dict[str, list[Candidate]] = {}
    for c in run.candidates:
        groups.setdefault(c.segment or OTHER_SEGMENT, []).append(c)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def export_judgments(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The unit's relevance judgments in the evaluation format (../shared/eval): one query per run."""
    if not _may_run(actor):
        raise Forbidden()
    out = []
    runs = session.scalars(
        select(ExplorationRun).options(selectinload(ExplorationRun.candidates)).order_by(ExplorationRun.id)
    )
    for run in runs:
        judged = {f"solution:{c.solution_id}": c.judgment for c in run.candidates if c.judgment is not None}
        if judged:
            out.append(
                {
                    "id": f"run:{run.id}",
                    "set": "govlotse_runs",
                    "lang": "de",
                    "query": run.query,
                    "relevant": {k: v for k, v in judged.items() if v > 0},
                    "exclude": [],
                    "pooled": sorted(judged),
                    "label_basis": "judged by the venture-client unit in GovLotse",
                }
            )
    return out


def challenge_of(*, session: Session, actor: Actor, challenge_id: int) -> Challenge:
    return challenges.get_challenge(session=session, actor=actor, challenge_id=challenge_id)
