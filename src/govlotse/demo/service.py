"""Demo data: the public use-case registers plus fictional start-ups, agencies and needs.

Loaded through the same importer as any other file, so a second run adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.accounts.schemas import UserCreate
from govlotse.core import security
from govlotse.core.actor import SYSTEM, Role
from govlotse.core.crud import by_external_id
from govlotse.dataio import service as dataio
from govlotse.organisations.models import Organisation
from govlotse.taxonomy import service as taxonomy
from govlotse.taxonomy.schemas import TagCreate

# (entity kind, file) in dependency order: organisations before what they own.
FILES: tuple[tuple[str, str], ...] = (
    ("organisations", "agencies.jsonl"),
    ("organisations", "startups.jsonl"),
    ("solutions", "solutions.jsonl"),
    ("challenges", "challenges.jsonl"),
    ("usecases", "usecases.jsonl"),
)


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    password: str
    name: str
    organisation: str | None  # external_id


# Demo accounts, one per role. The passwords are public on purpose: this is demo data only.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(Role.unit, "lotse@demo.govlotse.example", "demo-lotse-2026", "Lena Lotse", "demo-agency-unit"),
    DemoLogin(Role.agency, "behoerde@demo.govlotse.example", "demo-behoerde-2026", "Bernd Behrens", "demo-agency-01"),
    DemoLogin(Role.startup, "startup@demo.govlotse.example", "demo-startup-2026", "Sara Start", "demo-startup-001"),
    DemoLogin(
        Role.expert,
        "expertin@demo.govlotse.example",
        "demo-expertin-2026",
        "Dr. Eva Experte",
        "demo-research-1",
    ),
    DemoLogin(Role.admin, "admin@demo.govlotse.example", "demo-admin-2026", "Anton Admin", None),
)


def data_dir() -> Path:
    return Path(str(resources.files("govlotse").joinpath("demo/data")))


def count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


def load(
    *, session: Session, progress: Callable[[str, int, int], Callable[[int], None]] | None = None
) -> dict[str, dataio.ImportReport]:
    """Load tags, demo organisations, solutions, needs, use cases and demo users (idempotent)."""
    folder = data_dir()
    for line in (folder / "tags.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            taxonomy.upsert(session=session, actor=SYSTEM, tag_in=TagCreate.model_validate(json.loads(line)))
    reports: dict[str, dataio.ImportReport] = {}
    for kind, filename in FILES:
        path = folder / filename
        step = progress(filename, count_lines(path), 0) if progress else None
        reports[filename] = dataio.import_file(session=session, actor=SYSTEM, kind=kind, path=path, progress=step)
    _ensure_users(session)
    seed_experts(session=session)
    return reports


def seed_experts(*, session: Session) -> int:
    """Fictional experts with profiles (experts.jsonl); the demo expert's profile among them. Idempotent."""
    from sqlalchemy import select

    from govlotse.experts import service as experts
    from govlotse.experts.models import ExpertProfile
    from govlotse.experts.schemas import ProfileIn

    made = 0
    for line in (data_dir() / "experts.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        user = accounts.get_user_by_email(session=session, email=row["email"])
        if user is None:
            org = by_external_id(session, Organisation, row["organisation"])
            user = accounts.create_user(
                session=session,
                actor=SYSTEM,
                user_in=UserCreate(
                    email=row["email"],
                    name=row["name"],
                    role=Role.expert,
                    password=security.new_token(),  # no demo login: only the profile matters
                    organisation_ids=[org.id] if org else [],
                ),
            )
        if session.scalar(select(ExpertProfile.id).where(ExpertProfile.user_id == user.id)) is not None:
            continue
        session.refresh(user, ["memberships"])
        fields = {
            k: row[k] for k in ("headline", "expertise", "languages", "availability", "availability_note", "tags")
        }
        experts.create_profile(session=session, actor=accounts.actor_for(user), profile_in=ProfileIn(**fields))
        made += 1
    return made


EMBEDDINGS_FILE = "embeddings.npz"


def prefill_embedding_cache(*, session: Session, model: str) -> int:
    """Load the shipped vectors of the demo texts into the embedding cache (if made with ``model``).

    Embedding the 4,000 demo passages takes minutes on two cores; with the cache prefilled, indexing
    the demo takes seconds. The file is built by ``scripts/build_demo_embeddings.py``.
    """
    import numpy as np
    from sqlalchemy import select

    from govlotse.matching.models import EmbeddingCache

    path = data_dir() / EMBEDDINGS_FILE
    if not path.exists():
        return 0
    with np.load(path, allow_pickle=False) as data:
        if str(data["model"]) != model:
            return 0
        keys = [str(k) for k in data["keys"]]
        vectors = data["vectors"].astype(np.float32)
    present = set(session.scalars(select(EmbeddingCache.content_hash).where(EmbeddingCache.model == model)))
    rows = [
        EmbeddingCache(model=model, content_hash=key, vector=vector)
        for key, vector in zip(keys, vectors, strict=True)
        if key not in present
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def _ensure_users(session: Session) -> None:
    for demo in DEMO_LOGINS:
        if accounts.get_user_by_email(session=session, email=demo.email):
            continue
        org = by_external_id(session, Organisation, demo.organisation)
        accounts.create_user(
            session=session,
            actor=SYSTEM,
            user_in=UserCreate(
                email=demo.email,
                name=demo.name,
                role=demo.role,
                password=demo.password,
                organisation_ids=[org.id] if org else [],
            ),
        )


# ---------------------------------------------------------------- a finished demo pilot

DEMO_RUN_NEED_PREFIX = "Straßenschäden frühzeitig erkennen"
# Days before today at which the demo case entered each stage (fictional, to give the analytics a history).
DEMO_TIMELINE = {
    "shortlisted": 260,
    "pitch": 245,
    "selected": 230,
    "pilot": 205,
    "evaluation": 20,
    "adopted": 6,
    "not_selected": 230,
}


def seed_pipeline(*, session: Session) -> int:
    """One demo need taken through the whole pipeline: exploration, pitch, a finished pilot, a go decision.

    Idempotent: does nothing once any market exploration exists. Needs the search index (run after
    indexing). Everything is done through the services, as the unit and an expert evaluator would do it,
    so the audit log, the documents and the analytics show a real history. Returns the cases opened.
    """
    from datetime import date, timedelta

    from sqlalchemy import select, update

    from govlotse.challenges.models import Challenge, ChallengeStatus
    from govlotse.core.models import utcnow
    from govlotse.exploration import service as exploration
    from govlotse.exploration.models import CandidateStatus, ExplorationRun
    from govlotse.pipeline import service as pipeline
    from govlotse.pipeline.models import Case, CaseTransition, Stage

    if session.scalar(select(ExplorationRun.id).limit(1)) is not None:
        return 0
    # The unit runs everything; the demo expert is the second evaluator of the pitch.
    unit_user = accounts.get_user_by_email(session=session, email=DEMO_LOGINS[0].email)
    expert_user = accounts.get_user_by_email(session=session, email=DEMO_LOGINS[3].email)
    if unit_user is None or expert_user is None:
        return 0
    unit, expert = accounts.actor_for(unit_user), accounts.actor_for(expert_user)
    need_id = session.scalar(
        select(Challenge.id)
        .where(Challenge.status == ChallengeStatus.accepted)
        .order_by(Challenge.title.startswith(DEMO_RUN_NEED_PREFIX).desc(), Challenge.id)
    )
    if need_id is None:
        return 0
    need = exploration.challenge_of(session=session, actor=unit, challenge_id=need_id)
    run = exploration.start_run(session=session, actor=unit, challenge=need, filters=exploration.RunFilters())
    if len(run.candidates) < 4:
        return 0
    chosen, other, excluded = run.candidates[0], run.candidates[1], run.candidates[3]
    for cand in (chosen, other):
        exploration.set_status(
            session=session, actor=unit, run=run, candidate_id=cand.id, status=CandidateStatus.shortlist
        )
    exploration.set_status(
        session=session,
        actor=unit,
        run=run,
        candidate_id=excluded.id,
        status=CandidateStatus.excluded,
        reason="Kein Einsatz auf Fahrzeugen vorgesehen; deckt nur Brücken ab.",
    )
    for cand, grade in ((chosen, 2), (other, 2), (excluded, 0)):
        exploration.judge(session=session, actor=unit, run=run, candidate_id=cand.id, grade=grade)
    case_ids = exploration.close_run(session=session, actor=unit, run=run)
    cases = {cid: pipeline.get_case(session=session, actor=unit, case_id=cid) for cid in case_ids}
    winner = next(c for c in cases.values() if c.solution_id == chosen.solution_id)
    loser = next(c for c in cases.values() if c.solution_id == other.solution_id)
    crits = pipeline.set_criteria(
        session=session,
        actor=unit,
        challenge=need,
        items=[
            {"name": "Wirkung auf das Problem", "weight": 50},
            {"name": "Umsetzbarkeit im Betrieb", "weight": 30},
            {"name": "Preis", "weight": 20},
        ],
    )
    for case in (winner, loser):
        pipeline.transition(session=session, actor=unit, case=case, to=Stage.pitch)
    # The unit asks the demo expert to advise on the need: she then sees it and scores its pitches.
    from govlotse.experts import service as experts

    profile = experts.own_profile(session=session, actor=expert)
    if profile is not None and expert.user_id is not None:
        experts.assign(
            session=session,
            actor=unit,
            profile_id=profile.id,
            challenge_id=need.id,
            note="Zweite Bewertung im Pitch, Fehlerraten der Erkennung",
        )
        expert = replace(expert, advises=experts.advised_challenge_ids(session, expert.user_id))
    marks = {
        (winner.id, "unit"): (8, 7, 6),
        (winner.id, "expert"): (9, 6, 6),
        (loser.id, "unit"): (6, 5, 8),
        (loser.id, "expert"): (5, 6, 7),
    }
    for (case_id, who), values in marks.items():
        actor = unit if who == "unit" else expert
        pipeline.submit_scores(
            session=session,
            actor=actor,
            case=cases[case_id],
            scores={c.id: (v, "") for c, v in zip(crits, values, strict=True)},
        )
    pipeline.transition(session=session, actor=unit, case=winner, to=Stage.selected)
    pipeline.transition(
        session=session,
        actor=unit,
        case=loser,
        to=Stage.not_selected,
        reason="Geringere Wirkung im Pitch; gute Preisgestaltung.",
    )
    today = date.today()
    pipeline.save_pilot(
        session=session,
        actor=unit,
        case=winner,
        scope="Befahrung von 120 km Gemeindestraßen mit Kameras an zwei Dienstfahrzeugen; Meldung an die "
        "Straßenmeisterei.",
        price=48_000,
        start=today - timedelta(days=DEMO_TIMELINE["pilot"]),
        end=today - timedelta(days=DEMO_TIMELINE["evaluation"]),
        go_no_go=today - timedelta(days=DEMO_TIMELINE["adopted"]),
        kpis=[
            {"name": "Zeit bis zur Erkennung eines Schadens", "unit": "Tage", "baseline": 180, "target": 14},
            {"name": "Erkannte Schäden je Monat", "unit": "Anzahl", "baseline": 40, "target": 120},
            {"name": "Kosten je befahrenem Kilometer", "unit": "€", "baseline": 25, "target": 10},
        ],
        milestones=[
            {"title": "Kameras montiert", "due": today - timedelta(days=190)},
            {"title": "Erste Befahrung ausgewertet", "due": today - timedelta(days=150)},
        ],
    )
    pipeline.transition(session=session, actor=unit, case=winner, to=Stage.pilot)
    pipeline.transition(session=session, actor=unit, case=winner, to=Stage.evaluation)
    pilot = pipeline.pilot_of(session=session, case=winner)
    assert pilot is not None
    results: dict[int, float | None] = dict(zip([k.id for k in pilot.kpis], (12.0, 135.0, 9.5), strict=True))
    pipeline.decide(
        session=session,
        actor=unit,
        case=winner,
        outcome="go",
        reason="Alle drei Ziele erreicht; die Straßenmeisterei plant mit den Meldungen.",
        lessons="Die Straßenmeisterei früh einbinden: sie entscheidet, welche Meldungen sie annimmt.\n"
        "Datenschutz: Gesichter und Kennzeichen werden auf dem Fahrzeug verpixelt – das vorab prüfen lassen.",
        results=results,
        follow_up={
            "procedure": "negotiated_without_competition",
            "value_eur": 140_000,
            "note": "Rahmenvertrag 3 Jahre",
        },
    )
    # Give the fictional history its days: the steps above all happened just now.
    now = utcnow()
    for case in (winner, loser):
        for t in session.scalars(select(CaseTransition).where(CaseTransition.case_id == case.id)):
            days = DEMO_TIMELINE.get(t.to_stage)
            if days is not None:
                t.at = now - timedelta(days=days)
        last = DEMO_TIMELINE.get(case.stage)
        if last is not None:
            session.execute(update(Case).where(Case.id == case.id).values(stage_since=now - timedelta(days=last)))
    session.flush()
    return len(case_ids)
