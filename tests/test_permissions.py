"""Every route of the application, API and web, called as every role and checked against the matrix.

The matrix is docs/permissions.yaml (rendered to docs/permissions.md). A route that the application
serves without a row in the matrix, or a row for a route that no longer exists, fails the suite.
Each role gets a fresh world of records (rolled back after the test): path parameters name someone
else's record, and rows marked "own" are called a second time with the role's own record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Mount

from govlotse.accounts import service as accounts
from govlotse.app import create_app
from govlotse.challenges.models import Challenge
from govlotse.config import settings
from govlotse.experts.models import ExpertProfile
from govlotse.exploration.models import Candidate
from govlotse.knowledge.models import Article, UseCase
from govlotse.organisations.models import Organisation
from govlotse.pipeline.models import Case
from govlotse.procurement import compliance
from govlotse.procurement import service as procurement
from govlotse.solutions.models import Solution
from govlotse.web.render import CSRF_COOKIE
from tests import permissions
from tests.factories import PASSWORD
from tests.world import KPIS, TODAY, World, build_world

MATRIX = permissions.load()
CSRF_TOKEN = "permission-matrix-csrf-token"
PARAM = re.compile(r"\{(\w+)\}")
# Requests that end or replace the caller's login session: the test logs in again afterwards.
SESSION_CHANGERS = {("POST", "/api/auth/login"), ("POST", "/api/auth/logout"), ("POST", "/abmelden")}


def iter_routes(routes: Iterable[BaseRoute]) -> Iterator[Any]:
    """The application's routes, included routers flattened (FastAPI ≥ 0.16x includes them lazily)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are copied into app.routes
        yield from routes
        return
    yield from iter_route_contexts(list(routes))


def served_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the application serves; static-file mounts aside."""
    app = create_app(background_indexing=False)
    served = set()
    for route in iter_routes(app.routes):
        if isinstance(getattr(route, "original_route", route), Mount):
            continue
        for method in route.methods or ():
            if method != "HEAD":
                served.add((method, route.path))
    return served


def test_every_route_has_a_rule_in_the_matrix() -> None:
    served, ruled = served_routes(), MATRIX.routes()
    missing = sorted(f"{m} {p}" for m, p in served - ruled)
    stale = sorted(f"{m} {p}" for m, p in ruled - served)
    assert not missing, f"routes without a rule in docs/permissions.yaml: {missing}"
    assert not stale, f"rules in docs/permissions.yaml for routes that do not exist: {stale}"


def test_the_permission_document_is_current() -> None:
    current = permissions.DOCUMENT.read_text(encoding="utf-8")
    assert current == permissions.render(MATRIX), "docs/permissions.md is stale: run `python -m tests.permissions`"


def test_every_row_names_known_targets() -> None:
    for rule in MATRIX.rules:
        params = PARAM.findall(rule.path)
        for param in params:
            assert param in MATRIX.targets, f"{rule.key}: no target for {param}"
        if rule.target:
            assert any(f"{p} [{rule.target}]" in MATRIX.targets for p in params), f"{rule.key}: unknown target"


# ---------------------------------------------------------------- what each route is sent


@dataclass
class Call:
    """One request: a rule called as a role, on its target or on the role's own record."""

    world: World
    rule: permissions.Rule
    role: str
    own: bool

    def id(self, param: str) -> int | str:
        return self.world.record(param, role=self.role, target=self.rule.target, own=self.own)

    def version(self, model: type[Any], param: str) -> int:
        obj = self.world.session.get(model, self.id(param))
        assert obj is not None
        return int(obj.version)

    def org(self, kind: str, fallback: str) -> int:
        """The caller's own organisation if it is of that kind (to file records for), else someone else's."""
        return self.world.orgs[kind if self.role == kind else fallback]


def _pilot_json(c: Call) -> dict[str, Any]:
    return {
        "scope": "Pilot in zwei Bezirken",
        "price": 40_000,
        "start": TODAY.isoformat(),
        "end": (TODAY + timedelta(days=120)).isoformat(),
        "go_no_go": (TODAY + timedelta(days=110)).isoformat(),
        "kpis": KPIS,
    }


def _pilot_form(c: Call) -> dict[str, Any]:
    form: dict[str, Any] = {k: v for k, v in _pilot_json(c).items() if k != "kpis"}
    for n, kpi in enumerate(KPIS):
        form |= {f"kpi_name_{n}": kpi["name"], f"kpi_unit_{n}": kpi["unit"]}
        form |= {f"kpi_baseline_{n}": str(kpi["baseline"]), f"kpi_target_{n}": str(kpi["target"])}
    return form


NEED_TEXT = "Schlaglöcher werden erst spät gemeldet; die Kontrolle zu Fuß dauert Monate."
SOLUTION_TEXT = "Computer vision on municipal vehicles detects potholes automatically."
Builder = Callable[[Call], dict[str, Any]]

# JSON bodies (API) and form fields (web) that get past validation, so that the service decides.
JSON: dict[str, Builder] = {
    "POST /api/auth/register": lambda c: {
        "organisation_name": "Neu GmbH",
        "name": "Nora Neu",
        "email": f"neu-{c.role}@example.org",
        "password": PASSWORD,
    },
    "POST /api/auth/tokens": lambda c: {"name": "Skript"},
    "POST /api/experts": lambda c: {"headline": "Neues Profil"},
    "POST /api/pitch-days": lambda c: {
        "title": "Pitch-Tag",
        "day": TODAY.isoformat(),
        "challenge_ids": [c.world.others[("challenge_id", None)]],
    },
    "POST /api/pitch-days/{day_id}/slots": lambda c: {
        "case_id": c.world.others[("case_id", None)],
        "starts_at": "15:00",
    },
    "PATCH /api/pitch-days/{day_id}/slots/{slot_id}": lambda c: {"attendance": "attended"},
    "PUT /api/experts/{profile_id}": lambda c: {
        "headline": "Geändertes Profil",
        "version": c.version(ExpertProfile, "profile_id"),
    },
    "POST /api/expert-assignments": lambda c: {
        "profile_id": c.world.others[("profile_id", None)],
        "challenge_id": c.world.others[("challenge_id", None)],
    },
    "POST /api/auth/me/delete": lambda c: {"confirmation": "falsch"},
    "POST /api/auth/confirm": lambda c: {"token": "kein-gueltiger-link"},
    "POST /api/auth/password-reset": lambda c: {"email": "niemand@example.org"},
    "POST /api/auth/password-reset/confirm": lambda c: {"token": "kein-gueltiger-link", "password": PASSWORD},
    "POST /api/auth/invitations/accept": lambda c: {"token": "kein-gueltiger-link"},
    "POST /api/organisations/{organisation_id}/invitations": lambda c: {"email": "neu@example.org"},
    "POST /api/registrations/{organisation_id}/review": lambda c: {"decision": "approve"},
    "POST /api/auth/login": lambda c: {
        "email": c.world.users.get(c.role, c.world.users["expert"]).email,
        "password": PASSWORD,
    },
    "POST /api/organisations": lambda c: {"kind": "startup", "name": "Neu GmbH"},
    "PATCH /api/organisations/{organisation_id}": lambda c: {
        "location": "Kiel",
        "version": c.version(Organisation, "organisation_id"),
    },
    "POST /api/challenges": lambda c: {
        "organisation_id": c.org("agency", "other_agency"),
        "title": "Neuer Bedarf",
        "problem": NEED_TEXT,
        "status": "draft",
    },
    "POST /api/challenges/check": lambda c: {"title": "Neuer Bedarf", "problem": NEED_TEXT},
    "PATCH /api/challenges/{challenge_id}": lambda c: {
        "title": "Geänderter Bedarf",
        "version": c.version(Challenge, "challenge_id"),
    },
    # accepted → draft is no step of the table: whoever gets past authorization gets 409, nothing changes
    "POST /api/challenges/{challenge_id}/transition": lambda c: {
        "to": "draft",
        "version": c.version(Challenge, "challenge_id"),
    },
    "POST /api/solutions": lambda c: {
        "organisation_id": c.org("startup", "other_startup"),
        "title": "Neue Lösung",
        "description": SOLUTION_TEXT,
        "maturity": "market",
    },
    "PATCH /api/solutions/{solution_id}": lambda c: {
        "title": "Geändert",
        "version": c.version(Solution, "solution_id"),
    },
    "POST /api/usecases": lambda c: {
        "title": "Chatbot für Bürgerfragen",
        "description": "Ein Chatbot beantwortet Fragen zu Genehmigungen.",
        "source": "test",
        "licence": "CC0-1.0",
    },
    "PATCH /api/usecases/{usecase_id}": lambda c: {"title": "Geändert", "version": c.version(UseCase, "usecase_id")},
    "POST /api/search/similar": lambda c: {"text": NEED_TEXT},
    "POST /api/procurement/advice": lambda c: {
        "value": 50_000,
        "kind": "services",
        "authority": "sub-central",
        "start_date": TODAY.isoformat(),
    },
    "POST /api/procurement/ai-act": lambda c: {"use_date": TODAY.isoformat()},
    "POST /api/challenges/{challenge_id}/explorations": lambda c: {},
    "PATCH /api/explorations/{run_id}/candidates/{candidate_id}": lambda c: {
        "status": "shortlist",
        "version": c.version(Candidate, "candidate_id"),
    },
    "POST /api/explorations/{run_id}/candidates/{candidate_id}/judgment": lambda c: {"grade": 2},
    "POST /api/explorations/{run_id}/candidates": lambda c: {
        "solution_id": c.world.others[("solution_id", None)],
        "reason": "Von Hand gefunden",
    },
    "POST /api/cases/{case_id}/transitions": lambda c: {"to": "shortlisted", "version": c.version(Case, "case_id")},
    "PUT /api/challenges/{challenge_id}/criteria": lambda c: {"criteria": [{"name": "Wirkung", "weight": 100}]},
    "POST /api/cases/{case_id}/scores": lambda c: {"scores": []},
    "PUT /api/cases/{case_id}/pilot": _pilot_json,
    "POST /api/cases/{case_id}/progress": lambda c: {"note": "Läuft nach Plan"},
    "POST /api/cases/{case_id}/decision": lambda c: {
        "outcome": "stop",
        "reason": "Zu teuer",
        "lessons": "Früher messen",
    },
    "POST /api/articles": lambda c: {"title": "Neuer Artikel", "body": "Was wir gelernt haben."},
    "PATCH /api/articles/{article_id}": lambda c: {"title": "Geändert", "version": c.version(Article, "article_id")},
    "POST /api/articles/{article_id}/publish": lambda c: {"version": c.version(Article, "article_id")},
}
FORMS: dict[str, Builder] = {
    "POST /anmelden": lambda c: {"email": "niemand@example.org", "password": "falsch"},
    "POST /abmelden": lambda c: {},
    "POST /experten/neu": lambda c: {"headline": "Neues Profil", "availability": "available"},
    "POST /pitchtage/neu": lambda c: {
        "title": "Pitch-Tag",
        "day": TODAY.isoformat(),
        "challenge_ids": str(c.world.others[("challenge_id", None)]),
    },
    "POST /pitchtage/{day_id}/slots": lambda c: {
        "case_id": str(c.world.others[("case_id", None)]),
        "starts_at": "15:00",
    },
    "POST /pitchtage/{day_id}/slots/{slot_id}": lambda c: {"attendance": "attended"},
    "POST /experten/{profile_id}/bearbeiten": lambda c: {
        "headline": "Geändertes Profil",
        "availability": "available",
        "version": str(c.version(ExpertProfile, "profile_id")),
    },
    "POST /bedarfe/{challenge_id}/experten": lambda c: {"profile_id": str(c.world.others[("profile_id", None)])},
    "POST /faelle/{case_id}/experten": lambda c: {"profile_id": str(c.world.others[("profile_id", None)])},
    "POST /konto/api-tokens": lambda c: {"name": "Skript", "scope": "read"},
    "POST /konto/loeschen": lambda c: {"confirmation": "falsch", "understood": "1"},
    "POST /organisationen/{organisation_id}/einladungen": lambda c: {"email": "neu@example.org"},
    "POST /lotsenstelle/freigaben/{organisation_id}": lambda c: {"decision": "approve"},
    "POST /bedarfe/neu": lambda c: {
        "organisation_id": str(c.org("agency", "other_agency")),
        "title": "Neuer Bedarf",
        "problem": NEED_TEXT,
        "visibility": "internal",
        "hosting_requirement": "none",
        "action": "draft",
    },
    "POST /bedarfe/pruefung": lambda c: {"title": "Neuer Bedarf", "problem": NEED_TEXT},
    "POST /bedarfe/{challenge_id}/bearbeiten": lambda c: {
        "title": "Geänderter Bedarf",
        "version": str(c.version(Challenge, "challenge_id")),
    },
    "POST /bedarfe/{challenge_id}/status": lambda c: {
        "to": "draft",
        "version": str(c.version(Challenge, "challenge_id")),
    },
    # merging a need into itself is refused as invalid input: gets past authorization, changes nothing
    "POST /bedarfe/{challenge_id}/zusammenfuehren": lambda c: {
        "merged_into_id": str(c.id("challenge_id")),
        "version": str(c.version(Challenge, "challenge_id")),
    },
    "POST /bedarfe/{challenge_id}/markterkundung": lambda c: {},
    "POST /bedarfe/{challenge_id}/pitch": lambda c: {"name_0": "Wirkung", "weight_0": "100"},
    "POST /markterkundung/{run_id}/kandidaten/{candidate_id}": lambda c: {
        "status": "shortlist",
        "version": str(c.version(Candidate, "candidate_id")),
    },
    "POST /markterkundung/{run_id}/kandidaten/{candidate_id}/urteil": lambda c: {"grade": "2"},
    "POST /markterkundung/{run_id}/hinzufuegen": lambda c: {
        "solution_id": str(c.world.others[("solution_id", None)]),
        "reason": "Von Hand gefunden",
    },
    "POST /markterkundung/{run_id}/abschliessen": lambda c: {},
    "POST /faelle/{case_id}/schritt": lambda c: {"to": "shortlisted", "version": str(c.version(Case, "case_id"))},
    "POST /faelle/{case_id}/bewertung": lambda c: {},
    "POST /faelle/{case_id}/pilot": _pilot_form,
    "POST /faelle/{case_id}/zwischenstand": lambda c: {"note": "Läuft nach Plan"},
    "POST /faelle/{case_id}/entscheidung": lambda c: {
        "outcome": "stop",
        "decision_reason": "Zu teuer",
        "lessons": "Früher messen",
    },
    "POST /loesungen/neu": lambda c: {
        "organisation_id": str(c.org("startup", "other_startup")),
        "title": "Neue Lösung",
        "description": SOLUTION_TEXT,
        "maturity": "market",
    },
    "POST /loesungen/{solution_id}/bearbeiten": lambda c: {
        "title": "Geändert",
        "version": str(c.version(Solution, "solution_id")),
    },
    "POST /organisationen/{organisation_id}/bearbeiten": lambda c: {
        "location": "Kiel",
        "version": str(c.version(Organisation, "organisation_id")),
    },
    "POST /wissen/artikel/neu": lambda c: {"title": "Neuer Artikel", "body": "Was wir gelernt haben."},
    "POST /wissen/artikel/{article_id}/bearbeiten": lambda c: {
        "title": "Geändert",
        "body": "Was wir gelernt haben.",
        "version": str(c.version(Article, "article_id")),
    },
    "POST /wissen/artikel/{article_id}/veroeffentlichen": lambda c: {"version": str(c.version(Article, "article_id"))},
    "POST /vergabe/speichern": lambda c: {
        "value": "50000",
        "kind": "services",
        "authority": "sub-central",
        "land": "hamburg",
        "start_date": TODAY.isoformat(),
        "challenge_id": str(c.id("challenge_id")),
    },
    "POST /vergabe/ki-verordnung/speichern": lambda c: {
        "use_date": TODAY.isoformat(),
        "challenge_id": str(c.id("challenge_id")),
    },
    "POST /vergabe/regeln": lambda c: {},
}
QUERY: dict[str, Builder] = {
    "GET /api/search": lambda c: {"q": "Schlaglöcher"},
    "GET /suche": lambda c: {"q": "Schlaglöcher"},
    "GET /bedarfe/aehnliche": lambda c: {"text": NEED_TEXT},
    "GET /api/procurement/evb-it": lambda c: {
        "service_kind": compliance.evb_it_services(procurement.active_rule_set(c.world.session))[0]
    },
}


def request_of(call: Call) -> dict[str, Any]:
    """Method, URL and payload of one call."""
    rule = call.rule
    route = f"{rule.method} {rule.path}"
    url = PARAM.sub(lambda m: str(call.id(m.group(1))), rule.path)
    kwargs: dict[str, Any] = {"method": rule.method, "url": url, "follow_redirects": False}
    if route in QUERY:
        kwargs["params"] = QUERY[route](call)
    if route == "POST /api/articles/{article_id}/attachments":
        kwargs["files"] = {"file": ("bericht.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    elif route == "POST /api/procurement/rulesets":
        kwargs["content"] = "version: x\n"
        kwargs["headers"] = {"content-type": "text/plain"}
    elif route in JSON:
        kwargs["json"] = JSON[route](call)
    elif rule.method != "GET" and not rule.is_api:
        kwargs["data"] = {"csrf_token": CSRF_TOKEN, **FORMS.get(route, lambda c: {})(call)}
    return kwargs


def test_every_form_and_body_is_for_an_existing_route() -> None:
    rows = {f"{r.method} {r.path}" for r in MATRIX.rules}
    assert not (set(JSON) | set(FORMS) | set(QUERY)) - rows


def test_every_api_route_with_a_body_is_sent_one() -> None:
    # Without a valid body FastAPI answers 422 before the service decides, and a refusal would go unnoticed.
    spec = create_app(background_indexing=False).openapi()
    with_body = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m, op in ops.items() if "requestBody" in op}
    uploads = {"POST /api/procurement/rulesets", "POST /api/articles/{article_id}/attachments"}
    assert not with_body - set(JSON) - uploads


# ---------------------------------------------------------------- calling every route


def outcome_of(rule: permissions.Rule, status: int, location: str) -> str:
    """The matrix's name for an answer (``allow`` covers every answer that got past authorization)."""
    if status >= 500:
        return f"server error {status}"
    if rule.is_api and status == 401:
        return "login"
    if not rule.is_api and status in (302, 303, 307) and location.startswith("/anmelden"):
        return "login"
    return {401: "unauthorized (web)", 403: "deny", 404: "hidden", 409: "refused"}.get(status, "allow")


def agrees(expected: str, seen: str) -> bool:
    # A workflow refusal (409) has got past authorization: it counts as allowed unless 409 is expected.
    return seen == expected or (expected == "allow" and seen == "refused")


class Login:
    """The role's login: a session cookie, renewed after calls that end or replace it."""

    def __init__(self, client: TestClient, world: World, role: str) -> None:
        self.client, self.world, self.role = client, world, role
        self.token = self._login()

    def _login(self) -> str | None:
        user = self.world.users.get(self.role)
        if user is None:
            return None
        self.world.session.expire_all()  # the app may have changed the user (last login, version)
        self.world.session.refresh(user, ["memberships"])
        token, _login = accounts.start_session(session=self.world.session, user=user)
        self.world.session.flush()
        return token

    def send(self, kwargs: dict[str, Any]) -> Any:
        self.client.cookies.clear()
        self.client.cookies.set(CSRF_COOKIE, CSRF_TOKEN)
        if self.token:
            self.client.cookies.set(settings.session_cookie, self.token)
        return self.client.request(**kwargs)

    def renew(self) -> None:
        self.token = self._login()


@pytest.mark.parametrize("role", MATRIX.roles)
def test_every_route_as_every_role(client: TestClient, session: Session, role: str) -> None:
    world = build_world(session)
    login = Login(client, world, role)
    mismatches = []
    calls = 0
    for rule in MATRIX.rules:
        cell = rule.cells[role]
        probes = [(False, cell.other)] + ([(True, cell.own)] if cell.own else [])
        for own, expected in probes:
            session.expire_all()
            call = Call(world=world, rule=rule, role=role, own=own)
            kwargs = request_of(call)
            response = login.send(kwargs)
            calls += 1
            if (rule.method, rule.path) in SESSION_CHANGERS:
                login.renew()
            seen = outcome_of(rule, response.status_code, response.headers.get("location", ""))
            if not agrees(expected, seen):
                which = "own record" if own else (f"target {rule.target}" if rule.target else "target")
                mismatches.append(
                    f"{rule.key} ({which}): expected {expected}, got {seen} "
                    f"({response.status_code} {kwargs['url']}: {response.text[:120]!r})"
                )
    assert calls >= len(MATRIX.rules)
    assert not mismatches, f"{len(mismatches)} of {calls} calls as {role} disagree with the matrix:\n" + "\n".join(
        mismatches
    )
