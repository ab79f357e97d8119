"""The pipeline: cases move through stages by an explicit transition table; pitches, pilots, decisions."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from govlotse.challenges.models import Challenge
from govlotse.config import settings
from govlotse.core import audit
from govlotse.core.actor import Actor, Role
from govlotse.core.models import utcnow
from govlotse.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from govlotse.i18n import N_
from govlotse.pipeline.models import Case, CaseTransition, Decision, Kpi, Milestone, Pilot, PitchCriterion, Score, Stage
from govlotse.solutions.models import Solution

UNIT = frozenset({Role.unit, Role.admin})
UNIT_AND_OWNER = frozenset({Role.unit, Role.admin, Role.agency})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    reason_required: bool = False
    check: str | None = None  # name of a precondition, see _PRECONDITIONS


# The whole venture-client journey in one table: (from, to) → who may take the step and what it needs.
TRANSITIONS: dict[tuple[Stage, Stage], Rule] = {
    (Stage.shortlisted, Stage.pitch): Rule(UNIT),
    (Stage.shortlisted, Stage.withdrawn): Rule(UNIT, reason_required=True),
    (Stage.pitch, Stage.selected): Rule(UNIT, check="scored"),
    (Stage.pitch, Stage.not_selected): Rule(UNIT, reason_required=True, check="scored"),
    (Stage.pitch, Stage.withdrawn): Rule(UNIT, reason_required=True),
    (Stage.selected, Stage.pilot): Rule(UNIT_AND_OWNER, check="pilot_agreed"),
    (Stage.selected, Stage.withdrawn): Rule(UNIT, reason_required=True),
    (Stage.pilot, Stage.evaluation): Rule(UNIT_AND_OWNER),
    (Stage.evaluation, Stage.adopted): Rule(UNIT_AND_OWNER, check="decided_go"),
    (Stage.evaluation, Stage.stopped): Rule(UNIT_AND_OWNER, check="decided_stop"),
}
CLOSED = (Stage.adopted, Stage.stopped, Stage.not_selected, Stage.withdrawn)
STAGE_ORDER = [
    Stage.shortlisted,
    Stage.pitch,
    Stage.selected,
    Stage.pilot,
    Stage.evaluation,
    Stage.adopted,
    Stage.stopped,
    Stage.not_selected,
    Stage.withdrawn,
]


def _load(session: Session, case_id: int) -> Case | None:
    return session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.challenge).selectinload(Challenge.organisation),
            selectinload(Case.challenge).selectinload(Challenge.tags),
            selectinload(Case.solution),
            selectinload(Case.organisation),
            selectinload(Case.transitions),
        )
        .execution_options(populate_existing=True)
    )


def _may_view(actor: Actor, case: Case) -> bool:
    return (
        actor.sees_everything
        or actor.member_of(case.challenge.organisation_id)
        or (actor.role == Role.startup and actor.member_of(case.organisation_id))
        or case.challenge_id in actor.advises  # an expert the unit assigned to the need or the case
    )


def _may_work(actor: Actor, case: Case) -> bool:
    return actor.sees_everything or (actor.role == Role.agency and actor.member_of(case.challenge.organisation_id))


def may_view(actor: Actor, case: Case) -> bool:
    """Whether the actor may see the case (its page, and its slot on a pitch day)."""
    return _may_view(actor, case)


def may_work(actor: Actor, case: Case) -> bool:
    """Whether the actor works on the case (the unit, and the agency that owns the need)."""
    return _may_work(actor, case)


def may_evaluate(actor: Actor, case: Case) -> bool:
    """Whether the actor may score the case's pitch."""
    return _may_evaluate(actor, case)


def get_case(*, session: Session, actor: Actor, case_id: int) -> Case:
    """A case for the unit, the owning agency and the start-up concerned (404 for everyone else)."""
    case = _load(session, case_id)
    if case is None or not _may_view(actor, case):
        raise NotFound("case", case_id)
    return case


def cases_for(
    *, session: Session, actor: Actor, challenge: Challenge | None = None, stages: tuple[str, ...] = ()
) -> list[Case]:
    stmt = select(Case).options(
        selectinload(Case.challenge).selectinload(Challenge.organisation),
        selectinload(Case.solution),
        selectinload(Case.organisation),
    )
    if challenge is not None:
        stmt = stmt.where(Case.challenge_id == challenge.id)
    if stages:
        stmt = stmt.where(Case.stage.in_(stages))
    return [c for c in session.scalars(stmt.order_by(Case.id)) if _may_view(actor, c)]


def open_case(
    *, session: Session, actor: Actor, challenge: Challenge, solution_id: int, run_id: int | None = None
) -> Case:
    """Put a start-up's solution into the pipeline for a need (done when a run closes with a shortlist)."""
    existing = session.scalar(select(Case).where(Case.challenge_id == challenge.id, Case.solution_id == solution_id))
    if existing is not None:
        return existing
    solution = session.get(Solution, solution_id)
    if solution is None:
        raise NotFound("solution", solution_id)
    case = Case(
        challenge_id=challenge.id,
        solution_id=solution_id,
        organisation_id=solution.organisation_id,
        run_id=run_id,
        stage=Stage.shortlisted,
        stage_since=utcnow(),
    )
    session.add(case)
    session.flush()
    session.add(
        CaseTransition(
            case_id=case.id,
            from_stage=None,
            to_stage=Stage.shortlisted,
            actor_id=actor.user_id,
            actor_label=actor.label,
            reason=N_("Shortlist der Markterkundung"),
        )
    )
    audit.record(
        session,
        actor=actor,
        action="case.open",
        entity_type="case",
        entity_id=case.id,
        data={"challenge": challenge.id, "solution": solution_id, "run": run_id},
    )
    return case


def history(*, session: Session, case: Case) -> list[CaseTransition]:
    """Every step of a case: who moved it from where to where, when and why."""
    stmt = (
        select(CaseTransition).where(CaseTransition.case_id == case.id).order_by(CaseTransition.at, CaseTransition.id)
    )
    return list(session.scalars(stmt))


def allowed_steps(*, actor: Actor, case: Case) -> list[Stage]:
    """The stages the actor may move this case to now (preconditions are checked when the step is taken)."""
    current = Stage(case.stage)
    return [
        to
        for (frm, to), rule in TRANSITIONS.items()
        if frm == current and (actor.is_system or actor.role in rule.roles) and _may_work(actor, case)
    ]


def transition(
    *, session: Session, actor: Actor, case: Case, to: Stage, reason: str = "", version: int | None = None
) -> Case:
    """Move a case to another stage, if the table allows it; records who, when and why."""
    from govlotse.core.crud import check_version

    if not _may_work(actor, case):
        raise Forbidden()
    if version is not None:
        check_version(case, version, name="case")
    current = Stage(case.stage)
    rule = TRANSITIONS.get((current, to))
    if rule is None:
        raise IllegalTransition(
            entity="case", from_state=current, to_state=to, reason=N_("Diesen Schritt gibt es in der Pipeline nicht.")
        )
    if not (actor.is_system or actor.role in rule.roles):
        raise IllegalTransition(
            entity="case", from_state=current, to_state=to, reason=N_("Diesen Schritt geht nur die Lotsenstelle.")
        )
    if rule.reason_required and not reason.strip():
        raise Invalid.on("reason", "Bitte eine Begründung angeben.")
    problem = _PRECONDITIONS[rule.check](session, case) if rule.check else None
    if problem:
        raise IllegalTransition(entity="case", from_state=current, to_state=to, reason=problem)
    case.stage, case.stage_since = to, utcnow()
    session.add(
        CaseTransition(
            case_id=case.id,
            from_stage=current,
            to_stage=to,
            actor_id=actor.user_id,
            actor_label=actor.label,
            reason=reason.strip(),
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="case.transition",
        entity_type="case",
        entity_id=case.id,
        data={"from": current, "to": to, "reason": reason.strip()},
    )
    return case


def _scored(session: Session, case: Case) -> str | None:
    n = session.scalar(select(Score.id).where(Score.case_id == case.id, Score.submitted_at.is_not(None)).limit(1))
    return None if n else N_("Für diesen Pitch hat noch niemand eine Bewertung abgegeben.")


def _pilot_agreed(session: Session, case: Case) -> str | None:
    pilot = session.scalar(select(Pilot).where(Pilot.case_id == case.id).options(selectinload(Pilot.kpis)))
    if pilot is None:
        return N_("Die Pilotvereinbarung (Umfang, Preis, Termine, Kennzahlen, Go/No-Go-Termin) fehlt.")
    if not 3 <= len(pilot.kpis) <= 5:
        return N_("Ein Pilot braucht 3 bis 5 Kennzahlen mit Ausgangswert und Ziel.")
    return None


def _decided(outcome: str) -> Any:
    def check(session: Session, case: Case) -> str | None:
        decision = session.scalar(select(Decision).where(Decision.case_id == case.id))
        if decision is None:
            return N_("Die Go/No-Go-Entscheidung ist noch nicht erfasst.")
        return None if decision.outcome == outcome else N_("Die erfasste Entscheidung lautet anders.")

    return check


_PRECONDITIONS = {
    "scored": _scored,
    "pilot_agreed": _pilot_agreed,
    "decided_go": _decided("go"),
    "decided_stop": _decided("stop"),
}


# ---------------------------------------------------------------- pitch and selection


def criteria(*, session: Session, challenge: Challenge) -> list[PitchCriterion]:
    return list(
        session.scalars(
            select(PitchCriterion)
            .where(PitchCriterion.challenge_id == challenge.id)
            .order_by(PitchCriterion.position, PitchCriterion.id)
        )
    )


def criteria_version(crits: list[PitchCriterion]) -> str:
    """A fingerprint of a need's criteria as read, so that a save based on an older read is refused."""
    import hashlib

    text = "|".join(f"{c.id}:{c.name}:{c.description}:{c.weight}" for c in crits)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def set_criteria(
    *,
    session: Session,
    actor: Actor,
    challenge: Challenge,
    items: list[dict[str, Any]],
    version: str | None = None,
) -> list[PitchCriterion]:
    """Replace the weighted pitch criteria of a need; the weights must add up to 100 %.

    ``version`` is the :func:`criteria_version` the editor read; another save in between is refused.
    """
    if not actor.sees_everything:
        raise Forbidden("the venture-client unit sets the evaluation matrix")
    if version is not None and version != criteria_version(criteria(session=session, challenge=challenge)):
        raise Conflict(
            N_(
                "Jemand anderes hat die Bewertungskriterien inzwischen geändert. Unten stehen Ihre Eingaben; "
                "der gespeicherte Stand ist in der Liste darüber. Bitte prüfen und erneut speichern."
            )
        )
    cleaned = [i for i in items if str(i.get("name", "")).strip()]
    if not cleaned:
        raise Invalid.on("criteria", "Bitte mindestens ein Kriterium angeben.")
    try:
        weights = [int(i.get("weight", 0)) for i in cleaned]
    except (TypeError, ValueError):
        raise Invalid.on("criteria", "Gewichte sind ganze Prozentzahlen.") from None
    if any(w <= 0 for w in weights):
        raise Invalid.on("criteria", "Jedes Gewicht muss größer als 0 % sein.")
    if sum(weights) != 100:
        raise Invalid.on(
            "criteria", "Die Gewichte ergeben {total} %; sie müssen zusammen 100 % ergeben.", total=sum(weights)
        )
    scored = session.scalar(
        select(Score.id)
        .join(PitchCriterion, Score.criterion_id == PitchCriterion.id)
        .where(PitchCriterion.challenge_id == challenge.id)
        .limit(1)
    )
    if scored:
        raise Invalid.on("criteria", "Es liegen bereits Bewertungen vor; die Kriterien sind festgeschrieben.")
    for old in criteria(session=session, challenge=challenge):
        session.delete(old)
    new = [
        PitchCriterion(
            challenge_id=challenge.id,
            name=str(i["name"]).strip()[:200],
            description=str(i.get("description", "")).strip(),
            weight=w,
            position=n,
        )
        for n, (i, w) in enumerate(zip(cleaned, weights, strict=True))
    ]
    session.add_all(new)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="pitch.criteria",
        entity_type="challenge",
        entity_id=challenge.id,
        data={"criteria": [{"name": c.name, "weight": c.weight} for c in new]},
    )
    return new


def _may_evaluate(actor: Actor, case: Case) -> bool:
    return _may_work(actor, case) or (actor.role == Role.expert and case.challenge_id in actor.advises)


def submit_scores(*, session: Session, actor: Actor, case: Case, scores: dict[int, tuple[int, str]]) -> list[Score]:
    """One evaluator's scorecard for a pitch: 0–10 per criterion with a comment; submitted at once."""
    if not _may_evaluate(actor, case) or actor.user_id is None:
        raise Forbidden("only staff of the unit and the owning agency evaluate pitches")
    if case.stage != Stage.pitch:
        raise IllegalTransition(
            entity="case",
            from_state=case.stage,
            to_state=N_("Bewertung"),
            reason=N_("Bewertet wird, solange der Fall in der Pitch-Phase ist."),
        )
    crits = criteria(session=session, challenge=case.challenge)
    if not crits:
        raise Invalid.on("criteria", "Für diesen Bedarf sind noch keine Bewertungskriterien festgelegt.")
    from govlotse.errors import FieldError

    problems = [
        FieldError((f"score_{c.id}",), N_("Bitte einen Wert von 0 bis 10 angeben."))
        for c in crits
        if c.id in scores and not 0 <= scores[c.id][0] <= 10
    ]
    missing = [c.name for c in crits if c.id not in scores]
    if missing:
        problems.append(
            FieldError(
                ("scores",), N_("Bitte alle Kriterien bewerten: {missing}."), params={"missing": ", ".join(missing)}
            )
        )
    if problems:
        raise Invalid(problems)
    existing = {
        s.criterion_id: s
        for s in session.scalars(select(Score).where(Score.case_id == case.id, Score.evaluator_id == actor.user_id))
    }
    if existing and all(s.submitted_at for s in existing.values()):
        raise Conflict(N_("Sie haben Ihre Bewertung bereits abgegeben."))
    now = utcnow()
    out = []
    for c in crits:
        value, comment = scores[c.id]
        score = existing.get(c.id) or Score(
            case_id=case.id, criterion_id=c.id, evaluator_id=actor.user_id, evaluator_label=actor.label, value=value
        )
        score.value, score.comment, score.submitted_at = value, comment.strip(), now
        session.add(score)
        out.append(score)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="pitch.score",
        entity_type="case",
        entity_id=case.id,
        data={"evaluator": actor.user_id, "scores": {str(c.id): scores[c.id][0] for c in crits}},
    )
    return out


def has_submitted(*, session: Session, actor: Actor, case: Case) -> bool:
    return (
        actor.user_id is not None
        and session.scalar(
            select(Score.id)
            .where(Score.case_id == case.id, Score.evaluator_id == actor.user_id, Score.submitted_at.is_not(None))
            .limit(1)
        )
        is not None
    )


@dataclass
class CaseScore:
    case: Case
    evaluators: int
    totals: list[float]  # weighted total per evaluator (0–10)
    mean: float | None
    spread: float | None  # max − min of the evaluators' totals
    by_criterion: dict[int, float] = field(default_factory=dict)  # mean per criterion
    rank: int | None = None
    tied: bool = False


def matrix(*, session: Session, actor: Actor, challenge: Challenge) -> tuple[list[PitchCriterion], list[CaseScore]]:
    """The evaluation matrix (Wertungsmatrix) of a need's pitch: mean and spread per case, ties shown.

    Nobody sees other evaluators' scores before submitting their own; the unit sees all once it has
    scored, or when it did not take part in scoring.
    """
    crits = criteria(session=session, challenge=challenge)
    weights = {c.id: c.weight for c in crits}
    cases = [
        c
        for c in cases_for(session=session, actor=actor, challenge=challenge)
        if c.stage
        in (
            Stage.pitch,
            Stage.selected,
            Stage.not_selected,
            Stage.pilot,
            Stage.evaluation,
            Stage.adopted,
            Stage.stopped,
        )
    ]
    rows = []
    for case in cases:
        scores = list(session.scalars(select(Score).where(Score.case_id == case.id, Score.submitted_at.is_not(None))))
        if not _sees_all_scores(session, actor, case, scores):
            scores = [s for s in scores if s.evaluator_id == actor.user_id]
        per_eval: dict[int, dict[int, int]] = {}
        for s in scores:
            per_eval.setdefault(s.evaluator_id, {})[s.criterion_id] = s.value
        totals = [sum(weights.get(cid, 0) * v for cid, v in vals.items()) / 100 for vals in per_eval.values()]
        by_criterion = {
            cid: statistics.mean(vals[cid] for vals in per_eval.values() if cid in vals)
            for cid in weights
            if any(cid in vals for vals in per_eval.values())
        }
        rows.append(
            CaseScore(
                case=case,
                evaluators=len(per_eval),
                totals=totals,
                mean=round(statistics.mean(totals), 2) if totals else None,
                spread=round(max(totals) - min(totals), 2) if totals else None,
                by_criterion={k: round(v, 2) for k, v in by_criterion.items()},
            )
        )
    means = {id(r): r.mean for r in rows if r.mean is not None}
    ranked = sorted((r for r in rows if id(r) in means), key=lambda r: -means[id(r)])
    for r in ranked:
        r.rank = 1 + sum(1 for o in ranked if means[id(o)] > means[id(r)])
        r.tied = sum(1 for o in ranked if means[id(o)] == means[id(r)]) > 1
    return crits, sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.case.id))


def _sees_all_scores(session: Session, actor: Actor, case: Case, scores: list[Score]) -> bool:
    if any(s.evaluator_id == actor.user_id for s in scores):
        return True  # has submitted own scores
    if actor.sees_everything:
        return case.stage != Stage.pitch  # after the pitch stage the unit sees the result
    return False


def comments(*, session: Session, case: Case, named: bool = True) -> list[str]:
    """The evaluators' comments on a pitch (named for the file, anonymous for the start-up's debrief)."""
    rows = session.execute(
        select(Score.evaluator_label, Score.comment)
        .where(Score.case_id == case.id, Score.comment != "", Score.submitted_at.is_not(None))
        .order_by(Score.evaluator_id, Score.criterion_id)
    ).all()
    return [f"{who}: {text}" if named else text for who, text in rows]


def debrief(*, session: Session, actor: Actor, case: Case) -> dict[str, Any]:
    """For a start-up that was not selected: its scores per criterion against the best, with comments."""
    if not _may_view(actor, case):
        raise NotFound("case", case.id)
    if case.stage != Stage.not_selected:
        raise Invalid.on("stage", "Eine Rückmeldung gibt es für nicht ausgewählte Start-ups nach dem Pitch.")
    system = Actor(label="debrief", is_system=True)
    crits, rows = matrix(session=session, actor=system, challenge=case.challenge)
    own = next(r for r in rows if r.case.id == case.id)
    best = {c.id: max((r.by_criterion.get(c.id, 0) for r in rows), default=0) for c in crits}
    remarks = comments(session=session, case=case, named=False)
    reason = next(
        (t.reason for t in reversed(history(session=session, case=case)) if t.to_stage == Stage.not_selected), ""
    )
    return {
        "criteria": [
            {"name": c.name, "weight": c.weight, "score": own.by_criterion.get(c.id), "best": best[c.id]} for c in crits
        ],
        "mean": own.mean,
        "rank": own.rank,
        "of": len([r for r in rows if r.mean is not None]),
        "comments": remarks,
        "reason": reason,
    }


# ---------------------------------------------------------------- pilot


def pilot_of(*, session: Session, case: Case) -> Pilot | None:
    return session.scalar(
        select(Pilot).where(Pilot.case_id == case.id).options(selectinload(Pilot.kpis), selectinload(Pilot.milestones))
    )


def save_pilot(
    *,
    session: Session,
    actor: Actor,
    case: Case,
    scope: str,
    price: int,
    start: date,
    end: date,
    go_no_go: date,
    kpis: list[dict[str, Any]],
    milestones: list[dict[str, Any]],
    version: int | None = None,
) -> Pilot:
    """Agree (or change) the pilot: scope, price, start/end within the maximum duration, 3–5 KPIs, milestones."""
    if not _may_work(actor, case):
        raise Forbidden()
    if case.stage not in (Stage.selected, Stage.pilot):
        raise IllegalTransition(
            entity="case",
            from_state=case.stage,
            to_state=N_("Pilotvereinbarung"),
            reason=N_("Ein Pilot wird mit einem ausgewählten Start-up vereinbart."),
        )
    errors = []
    from govlotse.errors import FieldError

    if not scope.strip():
        errors.append(FieldError(("scope",), N_("Bitte den Leistungsumfang beschreiben.")))
    if price < 0:
        errors.append(FieldError(("price",), N_("Der Preis darf nicht negativ sein.")))
    if end <= start:
        errors.append(FieldError(("end",), N_("Das Ende muss nach dem Beginn liegen.")))
    elif (end - start).days > settings.pilot_max_months * 31:
        errors.append(
            FieldError(
                ("end",),
                N_("Ein Pilot dauert höchstens {months} Monate."),
                params={"months": settings.pilot_max_months},
            )
        )
    if not start <= go_no_go <= end + timedelta(days=90):
        errors.append(
            FieldError(
                ("go_no_go",),
                N_("Der Go/No-Go-Termin liegt zwischen Beginn und spätestens drei Monate nach Ende des Piloten."),
            )
        )
    clean_kpis = [k for k in kpis if str(k.get("name", "")).strip()]
    if not 3 <= len(clean_kpis) <= 5:
        errors.append(FieldError(("kpis",), N_("Bitte 3 bis 5 Kennzahlen mit Ausgangswert und Ziel angeben.")))
    for n, k in enumerate(clean_kpis):
        if k.get("baseline") is None or k.get("target") is None or not str(k.get("unit", "")).strip():
            errors.append(FieldError((f"kpi_{n}",), N_("Jede Kennzahl braucht Einheit, Ausgangswert und Ziel.")))
    if errors:
        raise Invalid(errors)
    pilot = pilot_of(session=session, case=case)
    if pilot is not None and version is not None:
        from govlotse.core.crud import check_version

        check_version(pilot, version, name="pilot")
    if pilot is None:
        pilot = Pilot(case_id=case.id, scope=scope, price=price, start=start, end=end, go_no_go=go_no_go)
        session.add(pilot)
        session.flush()
        session.refresh(pilot, ["kpis", "milestones"])
    else:
        pilot.scope, pilot.price, pilot.start, pilot.end, pilot.go_no_go = scope, price, start, end, go_no_go
    results = {k.name: k.result for k in pilot.kpis}
    pilot.kpis = [
        Kpi(
            position=n,
            name=str(k["name"]).strip()[:200],
            unit=str(k["unit"]).strip()[:40],
            baseline=float(k["baseline"]),
            target=float(k["target"]),
            result=results.get(str(k["name"]).strip()[:200]),
        )
        for n, k in enumerate(clean_kpis)
    ]
    pilot.milestones = [
        Milestone(title=str(m["title"]).strip()[:200], due=m["due"], done_on=m.get("done_on"))
        for m in milestones
        if str(m.get("title", "")).strip() and m.get("due")
    ]
    pilot.last_update_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="pilot.save",
        entity_type="case",
        entity_id=case.id,
        data={"price": price, "start": start, "end": end, "go_no_go": go_no_go, "kpis": [k.name for k in pilot.kpis]},
    )
    return pilot


def report_progress(
    *, session: Session, actor: Actor, case: Case, note: str, results: dict[int, float | None], done: list[int]
) -> Pilot:
    """A status update on a running pilot: KPI results so far, milestones reached, a note."""
    if not _may_work(actor, case):
        raise Forbidden()
    pilot = pilot_of(session=session, case=case)
    if pilot is None:
        raise NotFound("pilot", case.id)
    for k in pilot.kpis:
        if k.id in results:
            k.result = results[k.id]
    for m in pilot.milestones:
        if m.id in done and m.done_on is None:
            m.done_on = date.today()
    pilot.status_note, pilot.last_update_at = note.strip(), utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="pilot.update",
        entity_type="case",
        entity_id=case.id,
        data={"results": {str(k): v for k, v in results.items()}, "milestones_done": done},
    )
    return pilot


def stalled_pilots(*, session: Session, actor: Actor, today: date | None = None) -> list[tuple[Case, Pilot, str]]:
    """Pilots without an update for N days, or whose go/no-go date passed without a decision."""
    today = today or date.today()
    limit = utcnow() - timedelta(days=settings.pilot_stall_days)
    out = []
    for case in cases_for(session=session, actor=actor, stages=(Stage.pilot, Stage.evaluation)):
        pilot = pilot_of(session=session, case=case)
        if pilot is None:
            continue
        decided = session.scalar(select(Decision.id).where(Decision.case_id == case.id))
        if pilot.go_no_go < today and not decided:
            out.append((case, pilot, N_("Go/No-Go-Termin überschritten")))
        elif pilot.last_update_at < limit:
            out.append((case, pilot, N_("Seit {days} Tagen keine Aktualisierung")))
    return out


def decide(
    *,
    session: Session,
    actor: Actor,
    case: Case,
    outcome: str,
    reason: str,
    lessons: str,
    results: dict[int, float | None],
    follow_up: dict[str, Any] | None = None,
) -> Decision:
    """Record the go/no-go decision against the KPIs; lessons learned become a draft knowledge article."""
    from govlotse.knowledge import service as knowledge

    if not _may_work(actor, case):
        raise Forbidden()
    if case.stage != Stage.evaluation:
        raise IllegalTransition(
            entity="case",
            from_state=case.stage,
            to_state=N_("Entscheidung"),
            reason=N_("Entschieden wird in der Auswertung nach dem Piloten."),
        )
    if outcome not in ("go", "stop"):
        raise Invalid.on("outcome", "Bitte Go oder Stopp wählen.")
    if not reason.strip():
        raise Invalid.on("reason", "Bitte die Entscheidung begründen.")
    if not lessons.strip():
        raise Invalid.on("lessons", "Bitte die wichtigsten Erkenntnisse festhalten (sie gehen in die Wissensbasis).")
    pilot = pilot_of(session=session, case=case)
    if pilot is not None:
        for k in pilot.kpis:
            if k.id in results:
                k.result = results[k.id]
        missing = [k.name for k in pilot.kpis if k.result is None]
        if missing:
            raise Invalid.on(
                "results", "Bitte die Ergebnisse aller Kennzahlen eintragen: {missing}.", missing=", ".join(missing)
            )
    article = knowledge.lessons_learned_draft(
        session=session,
        actor=actor,
        case_id=case.id,
        challenge=case.challenge,
        solution=case.solution.title,
        company=case.organisation.name,
        outcome=outcome,
        reason=reason,
        lessons=lessons,
        kpis=pilot.kpis if pilot else [],
    )
    decision = Decision(
        case_id=case.id,
        outcome=outcome,
        reason=reason.strip(),
        lessons=lessons.strip(),
        follow_up=follow_up or {},
        decided_by_label=actor.label,
        article_id=article.id,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="pilot.decision",
        entity_type="case",
        entity_id=case.id,
        data={"outcome": outcome, "reason": reason.strip(), "article": article.id, "follow_up": follow_up or {}},
    )
    transition(
        session=session, actor=actor, case=case, to=Stage.adopted if outcome == "go" else Stage.stopped, reason=reason
    )
    return decision


def decision_of(*, session: Session, case: Case) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.case_id == case.id))


# ---------------------------------------------------------------- dashboard


@dataclass
class Dashboard:
    needs_by_status: dict[str, int]
    cases_by_stage: dict[str, int]
    median_days_in_stage: dict[str, float]
    pilots_due: list[tuple[Case, Pilot]]
    stalled: list[tuple[Case, Pilot, str]]
    adoption_rate: float | None
    decided: int


def dashboard(*, session: Session, actor: Actor, today: date | None = None) -> Dashboard:
    """The unit's overview: open needs, cases per stage, time in each stage, pilots due, adoption rate."""
    from sqlalchemy import func

    if not actor.sees_everything:
        raise Forbidden()
    today = today or date.today()
    needs = dict(session.execute(select(Challenge.status, func.count()).group_by(Challenge.status)).all())
    stages = dict(session.execute(select(Case.stage, func.count()).group_by(Case.stage)).all())
    durations: dict[str, list[float]] = {}
    now = utcnow()
    for case in session.scalars(select(Case).options(selectinload(Case.transitions))):
        steps = list(case.transitions)
        for here, nxt in zip(steps, [*steps[1:], None], strict=True):
            end = nxt.at if nxt else (now if here.to_stage not in CLOSED else None)
            if end is not None:
                durations.setdefault(here.to_stage, []).append((end - here.at).total_seconds() / 86400)
    due = []
    for case in cases_for(session=session, actor=actor, stages=(Stage.pilot, Stage.evaluation)):
        pilot = pilot_of(session=session, case=case)
        if pilot is not None and today <= pilot.go_no_go <= today + timedelta(days=30):
            due.append((case, pilot))
    adopted, stopped = stages.get(Stage.adopted, 0), stages.get(Stage.stopped, 0)
    return Dashboard(
        needs_by_status={str(k): int(v) for k, v in needs.items()},
        cases_by_stage={str(s): int(stages.get(s, 0)) for s in STAGE_ORDER},
        median_days_in_stage={s: round(statistics.median(v), 1) for s, v in durations.items()},
        pilots_due=due,
        stalled=stalled_pilots(session=session, actor=actor, today=today),
        adoption_rate=round(adopted / (adopted + stopped), 2) if adopted + stopped else None,
        decided=adopted + stopped,
    )
