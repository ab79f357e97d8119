"""A small world with a record of every kind, for tests that call every route (permissions, fuzzing).

Three agencies (the unit's, one "own" and one "other"), three start-ups (own, other, pending approval), a
user of every role, needs (internal and published), solutions, a use case, articles (published and drafts),
market exploration runs with candidates, cases carried into the pilot stage, and stored procurement advice.
``World.others`` names someone else's record per path parameter; ``World.own`` each role's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from govlotse.accounts import registration, tokens
from govlotse.accounts import service as accounts
from govlotse.accounts.models import User
from govlotse.challenges.models import Challenge
from govlotse.core.actor import SYSTEM, Actor
from govlotse.experts import service as experts
from govlotse.experts.schemas import ProfileIn
from govlotse.exploration import service as exploration
from govlotse.exploration.models import Candidate, CandidateStatus, ExplorationRun
from govlotse.knowledge import history
from govlotse.knowledge import service as knowledge
from govlotse.knowledge.models import Article
from govlotse.knowledge.schemas import ArticleCreate
from govlotse.organisations import service as organisations
from govlotse.organisations.schemas import OrganisationUpdate
from govlotse.pipeline import pitchdays
from govlotse.pipeline import service as pipeline
from govlotse.pipeline.models import Case, PitchSlot, Stage
from govlotse.procurement import service as procurement
from govlotse.procurement.advisor import AdviceInput
from govlotse.solutions.models import Solution
from tests.factories import make_challenge, make_org, make_solution, make_usecase, make_user

TODAY = date.today()


@dataclass
class World:
    """Records of every kind: someone else's (by parameter and target) and each role's own."""

    session: Session
    users: dict[str, User]
    others: dict[tuple[str, str | None], int | str]
    own: dict[tuple[str, str], int]
    orgs: dict[str, int] = field(default_factory=dict)

    def record(self, param: str, *, role: str, target: str | None, own: bool) -> int | str:
        if own:
            try:
                return self.own[(role, param)]
            except KeyError:
                pytest.fail(f"the matrix marks an 'own' outcome for {role}, but {role} owns no {param}")
        return self.others.get((param, target), self.others[(param, None)])


PDF = b"%PDF-1.4\n%%EOF\n"

KPIS = [
    {"name": "Erkennungsdauer", "unit": "Tage", "baseline": 180, "target": 14},
    {"name": "Erkannte Schäden", "unit": "Anzahl/Monat", "baseline": 40, "target": 120},
    {"name": "Kosten je Kilometer", "unit": "€", "baseline": 25, "target": 10},
]


def _case_in_pilot(
    session: Session, unit: Actor, challenge: Challenge, solution: Solution
) -> tuple[ExplorationRun, Candidate, Case]:
    """A closed run with the solution shortlisted, and its case carried through the pitch into the pilot."""
    run = exploration.start_run(session=session, actor=unit, challenge=challenge, filters=exploration.RunFilters())
    candidate = next((c for c in run.candidates if c.solution_id == solution.id), None)
    if candidate is None:
        candidate = exploration.add_manually(
            session=session, actor=unit, run=run, solution_id=solution.id, reason="Passt zum Bedarf"
        )
    exploration.set_status(
        session=session, actor=unit, run=run, candidate_id=candidate.id, status=CandidateStatus.shortlist
    )
    (case_id,) = exploration.close_run(session=session, actor=unit, run=run)
    case = pipeline.get_case(session=session, actor=unit, case_id=case_id)
    pipeline.transition(session=session, actor=unit, case=case, to=Stage.pitch)
    (criterion,) = pipeline.set_criteria(
        session=session, actor=unit, challenge=challenge, items=[{"name": "Wirkung", "weight": 100}]
    )
    pipeline.submit_scores(session=session, actor=unit, case=case, scores={criterion.id: (7, "")})
    pipeline.transition(session=session, actor=unit, case=case, to=Stage.selected)
    pipeline.save_pilot(
        session=session,
        actor=unit,
        case=case,
        scope="Pilot in zwei Bezirken",
        price=40_000,
        start=TODAY,
        end=TODAY + timedelta(days=120),
        go_no_go=TODAY + timedelta(days=110),
        kpis=KPIS,
        milestones=[{"title": "Start", "due": TODAY + timedelta(days=10)}],
    )
    pipeline.transition(session=session, actor=unit, case=case, to=Stage.pilot)
    return run, candidate, case


def build_world(session: Session) -> World:
    unit_org = make_org(session, kind="agency", name="Lotsenstelle")
    own_agency = make_org(session, kind="agency", name="Bezirksamt Eigen")
    other_agency = make_org(session, kind="agency", name="Bezirksamt Fremd")
    own_startup = make_org(session, kind="startup", name="Eigen GmbH")
    other_startup = make_org(session, kind="startup", name="Fremd GmbH")
    pending_startup = make_org(session, kind="startup", name="Wartend GmbH")
    organisations.update_organisation(
        session=session,
        actor=SYSTEM,
        org=pending_startup,
        org_in=OrganisationUpdate(version=pending_startup.version, status="pending"),
    )
    users = {
        "startup": make_user(session, role="startup", org=own_startup),
        "agency": make_user(session, role="agency", org=own_agency),
        "expert": make_user(session, role="expert"),
        "unit": make_user(session, role="unit", org=unit_org),
        "admin": make_user(session, role="admin"),
    }
    actor = {role: accounts.actor_for(user) for role, user in users.items()}
    unit = actor["unit"]
    need = make_challenge(session, org=other_agency, title="Fremder interner Bedarf", status="accepted")
    published = make_challenge(
        session, org=other_agency, title="Fremder öffentlicher Bedarf", visibility="published", status="accepted"
    )
    own_need = make_challenge(session, org=own_agency, title="Eigener Bedarf", status="accepted")
    own_solution = make_solution(session, org=own_startup)
    other_solution = make_solution(session, org=other_startup)
    pending_solution = make_solution(session, org=pending_startup)
    usecase = make_usecase(session)
    run, candidate, case = _case_in_pilot(session, unit, need, other_solution)
    own_run, own_candidate, own_case = _case_in_pilot(session, unit, own_need, own_solution)

    def article(author: Actor, title: str) -> Article:
        return knowledge.create_article(
            session=session, actor=author, article_in=ArticleCreate(title=title, body="Was wir gelernt haben.")
        )

    public_article = knowledge.publish_article(session=session, actor=unit, article=article(unit, "Öffentlich"))
    other_expert = accounts.actor_for(make_user(session, role="expert"))
    draft = article(other_expert, "Fremder Entwurf")
    own_draft = article(actor["expert"], "Eigener Entwurf")
    advice = AdviceInput(value=50_000, kind="services", authority="sub-central", start_date=TODAY)
    _r, record = procurement.advise(session=session, actor=unit, advice_in=advice, challenge_id=need.id)
    _r, own_record = procurement.advise(
        session=session, actor=actor["agency"], advice_in=advice, challenge_id=own_need.id
    )
    assert record is not None and own_record is not None
    invited = {
        org.id: registration.invite(session, actor=SYSTEM, org=org, email=f"eingeladen-{org.id}@example.org", lang="de")
        for org in (other_startup, own_startup, own_agency)
    }
    api_tokens = {
        role: tokens.create(session, actor=SYSTEM, user=user, name="Skript", scope=tokens.Scope.read, expires_days=30)[
            1
        ]
        for role, user in [*users.items(), ("other", make_user(session, role="unit"))]
    }
    own_profile = experts.create_profile(
        session=session, actor=actor["expert"], profile_in=ProfileIn(headline="Maschinelles Sehen")
    )
    other_profile = experts.create_profile(
        session=session, actor=other_expert, profile_in=ProfileIn(headline="Sprachtechnologie")
    )
    assignment = experts.assign(session=session, actor=unit, profile_id=other_profile.id, challenge_id=need.id)

    def attach(article: Article, name: str) -> int:
        return history.add_attachment(session, actor=SYSTEM, article=article, filename=name, data=PDF, may_edit=True).id

    files = {
        None: attach(draft, "entwurf.pdf"),
        "published": attach(public_article, "oeffentlich.pdf"),
        "apiremove": attach(draft, "api.pdf"),
        "webremove": attach(draft, "web.pdf"),
    }
    own_file = attach(own_draft, "eigen.pdf")

    # Pitch days: one with slots for the pilot case, the role's own case and a spare case; another for removal.
    spare = pipeline.open_case(session=session, actor=unit, challenge=need, solution_id=pending_solution.id)
    pipeline.transition(session=session, actor=unit, case=spare, to=Stage.pitch)
    day = pitchdays.create_day(
        session=session, actor=unit, title="Pitch-Tag", day=TODAY, location="", description="", challenge_ids=[need.id]
    )
    other_day = pitchdays.create_day(
        session=session, actor=unit, title="Zweiter", day=TODAY, location="", description="", challenge_ids=[need.id]
    )
    slots = {}
    for key, event, slot_case, time in (
        (None, day, case, "09:00"),
        ("own", day, own_case, "09:30"),
        ("apiremove", day, spare, "10:00"),
        ("webremove", other_day, spare, "10:00"),
    ):
        slot = PitchSlot(pitch_day_id=event.id, case_id=slot_case.id, starts_at=time, minutes=20)
        session.add(slot)
        session.flush()
        slots[key] = slot.id
    session.flush()
    return World(
        session=session,
        users=users,
        others={
            ("organisation_id", None): other_startup.id,
            ("organisation_id", "pending"): pending_startup.id,
            ("challenge_id", None): need.id,
            ("challenge_id", "published"): published.id,
            ("solution_id", None): other_solution.id,
            ("solution_id", "pending"): pending_solution.id,
            ("usecase_id", None): usecase.id,
            ("article_id", None): draft.id,
            ("article_id", "published"): public_article.id,
            ("run_id", None): run.id,
            ("candidate_id", None): candidate.id,
            ("case_id", None): case.id,
            ("record_id", None): record.id,
            ("invitation_id", None): invited[other_startup.id].id,
            ("token_id", None): api_tokens["other"].id,
            ("profile_id", None): other_profile.id,
            ("assignment_id", None): assignment.id,
            ("slug", None): "computer-vision",
            **{("attachment_id", target): file_id for target, file_id in files.items()},
            ("number", None): 1,
            ("day_id", None): day.id,
            ("day_id", "webremove"): other_day.id,
            **{("slot_id", key): slot_id for key, slot_id in slots.items() if key != "own"},
            ("key", None): "trichter",  # the funnel: a figure of the unit's and of the public page
        },
        own={
            ("startup", "organisation_id"): own_startup.id,
            ("agency", "organisation_id"): own_agency.id,
            ("agency", "challenge_id"): own_need.id,
            ("startup", "solution_id"): own_solution.id,
            ("expert", "article_id"): own_draft.id,
            ("expert", "profile_id"): own_profile.id,
            ("expert", "attachment_id"): own_file,
            ("expert", "number"): 1,
            ("agency", "run_id"): own_run.id,
            ("agency", "candidate_id"): own_candidate.id,
            ("agency", "case_id"): own_case.id,
            ("startup", "case_id"): own_case.id,
            ("agency", "record_id"): own_record.id,
            **{(role, "token_id"): api_tokens[role].id for role in users},
            ("startup", "invitation_id"): invited[own_startup.id].id,
            ("agency", "invitation_id"): invited[own_agency.id].id,
        },
        orgs={
            "agency": own_agency.id,
            "startup": own_startup.id,
            "other_agency": other_agency.id,
            "other_startup": other_startup.id,
        },
    )
