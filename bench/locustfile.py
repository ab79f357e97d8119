"""Locust users for the load test (`bench/load.py` starts the server, prepares the data and runs this file).

Three kinds of people use the portal at once:

- ``Visitor`` (anonymous, most users): start page, the lists of needs, solutions, use cases and start-ups, a
  record's page reached from a list, the search page and the search API with German and English queries.
- ``AgencyUser`` (the demo agency account, logged in through the form): lists, its own need's page with the
  candidate solutions (the heavy page), other needs, solutions and searches.
- ``Evaluator`` (fresh unit accounts made for the test, logged in through the form; a fixed number): the unit's
  dashboard and case list, a need's page with candidates, and pitch scoring: open a case in the pitch stage that
  this account has not scored, read the criteria, submit a scorecard (half through the case page's form, half
  through ``POST /api/cases/{id}/scores``; with ``--no-forms`` logins and scorecards go through the JSON API
  only), then read the evaluation matrix. Every (account, case) pair is scored at most once, so each submission
  is a real success (201, or the form's 303); when an account has scored every case in the pitch, the user logs
  in as the next unused account ("the next evaluator at the desk").

Requests are named by what a person does ("search: page", "need page: candidates", "score: API") so that the
statistics read well. Every request's time, status and outcome is also recorded here and written, when the
test stops, to the JSON file named by ``GOVLOTSE_LOAD_RAW`` (exact percentiles, status codes, server errors);
the plan (queries, accounts, think time) comes from the JSON file named by ``GOVLOTSE_LOAD_PLAN``.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from gevent import GreenletExit
from locust import FastHttpUser, events, task
from locust.contrib.fasthttp import FastHttpSession, ResponseContextManager
from locust.env import Environment

PLAN: dict[str, Any] = json.loads(Path(os.environ["GOVLOTSE_LOAD_PLAN"]).read_text(encoding="utf-8"))
RAW_PATH = os.environ["GOVLOTSE_LOAD_RAW"]
THINK_MIN, THINK_MAX = PLAN["think_seconds"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SAMPLE_FAILURES = 30  # failure messages kept for the report

rng = random.Random(PLAN.get("seed", 1))


# ---------------------------------------------------------------- recording every request


class Recorder:
    """Response times, status codes and failures per request name, for exact percentiles afterwards."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.failures: Counter[str] = Counter()
        self.statuses: dict[str, Counter[str]] = defaultdict(Counter)
        self.samples: list[dict[str, Any]] = []
        self.notes: Counter[str] = Counter()
        self.unfinished: list[dict[str, Any]] = []  # requests still waiting for an answer when the run ended
        self.started: float | None = None
        self.stopped: float | None = None

    def request(self, name: str, response_time: float, response: Any, exception: BaseException | None) -> None:
        status = getattr(response, "status_code", 0) or 0
        self.times[name].append(float(response_time))
        self.statuses[name][str(status)] += 1
        if exception is not None:
            self.failures[name] += 1
            if len(self.samples) < SAMPLE_FAILURES:
                self.samples.append(
                    {
                        "name": name,
                        "status": status,
                        "url": str(getattr(getattr(response, "request", None), "url", "") or ""),
                        "error": str(exception)[:500],
                        "request_id": (getattr(response, "headers", None) or {}).get("x-request-id", ""),
                    }
                )

    def write(self) -> None:
        data = {
            "started": self.started,
            "stopped": self.stopped or time.time(),
            "times": self.times,
            "failures": dict(self.failures),
            "statuses": {k: dict(v) for k, v in self.statuses.items()},
            "failure_samples": self.samples,
            "notes": dict(self.notes),
            "unfinished": self.unfinished,
        }
        tmp = RAW_PATH + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, RAW_PATH)


RECORDER = Recorder()
_send = FastHttpSession.request


def _request_noting_unfinished(self: FastHttpSession, method: str, url: str, name: str | None = None, **kw: Any) -> Any:
    """Locust drops a request that is still waiting when the run ends; note it (a hung server shows up here)."""
    started = time.time()
    try:
        return _send(self, method, url, name=name, **kw)
    except GreenletExit:
        RECORDER.unfinished.append({"name": name or url, "waited_s": round(time.time() - started, 1)})
        raise


setattr(FastHttpSession, "request", _request_noting_unfinished)  # noqa: B010 - wrap locust's method


@events.request.add_listener
def _on_request(
    name: str, response_time: float, response: Any = None, exception: BaseException | None = None, **_kw: Any
) -> None:
    RECORDER.request(name, response_time, response, exception)


@events.test_start.add_listener
def _on_start(environment: Environment, **_kw: Any) -> None:
    RECORDER.started = time.time()


@events.test_stop.add_listener
def _on_stop(environment: Environment, **_kw: Any) -> None:
    RECORDER.stopped = time.time()
    RECORDER.write()


@events.quitting.add_listener
def _on_quit(environment: Environment, **_kw: Any) -> None:
    RECORDER.write()  # also after Ctrl-C / SIGTERM before the time was up


# ---------------------------------------------------------------- helpers


def expect(resp: ResponseContextManager, *codes: int, contains: str | None = None) -> bool:
    """Mark the request failed unless its status is one of ``codes`` (and the body has ``contains``)."""
    error = getattr(resp, "error", None)
    if resp.status_code not in codes:
        body = (resp.text or "")[:200].replace("\n", " ") if resp.status_code else repr(error)
        resp.failure(f"HTTP {resp.status_code} (expected {'/'.join(map(str, codes))}): {body}")
        return False
    if contains is not None and contains not in (resp.text or ""):
        resp.failure(f"answer lacks {contains!r}")
        return False
    resp.success()
    return True


def ids_in(html: str | None, prefix: str) -> list[int]:
    """Record ids linked from a page, e.g. ids_in(page, "/bedarfe/") for the needs on a list page."""
    return [int(m) for m in re.findall(r'href="' + re.escape(prefix) + r'(\d+)"', html or "")]


def query() -> str:
    return rng.choice(PLAN["queries"])


class Person(FastHttpUser):
    """Common to every user: think time between steps, browsing lists and searching."""

    abstract = True
    network_timeout = 60.0  # a person gives up earlier; a hung request counts as a failure
    connection_timeout = 30.0

    def wait_time(self) -> float:
        return rng.uniform(THINK_MIN, THINK_MAX)

    def get(self, path: str, name: str, *codes: int, contains: str | None = None) -> str | None:
        """GET a page; returns its text if the answer was as expected."""
        with self.client.get(path, name=name, catch_response=True) as resp:
            return resp.text if expect(resp, *(codes or (200,)), contains=contains) else None

    def log_in(self, email: str, password: str, next_path: str = "/") -> bool:
        """Log in through the HTML form (with its CSRF token), as a person does (or the JSON API: --no-forms)."""
        if not PLAN["forms"]:
            with self.client.post(
                "/api/auth/login", json={"email": email, "password": password}, name="login: API", catch_response=True
            ) as resp:
                return expect(resp, 200)
        page = self.get("/anmelden", "login: page")
        token = CSRF.search(page or "")
        if token is None:
            return False
        with self.client.post(
            "/anmelden",
            data={"email": email, "password": password, "next": next_path, "csrf_token": token.group(1)},
            name="login: form",
            catch_response=True,
        ) as resp:
            ok = expect(resp, 200)
            if ok and "flash=logged_in" not in str(resp.url or ""):
                resp.failure("the login form did not log in")
                ok = False
        return ok

    # -- browsing, shared by every kind of user

    def browse(self, list_path: str, pages: int, prefix: str, list_name: str, detail_name: str) -> None:
        """Open a list page (a random page of it), then one of the records linked from it."""
        page = rng.randint(1, pages)
        html = self.get(f"{list_path}?page={page}" if page > 1 else list_path, list_name)
        ids = ids_in(html, prefix)
        if not ids:
            return
        self.wait()
        self.get(f"{prefix}{rng.choice(ids)}", detail_name)

    def search_page(self) -> None:
        q = query()
        extra = rng.choice(["", "", "", "&types=solution", "&types=usecase", "&hosting=on_premise&types=solution"])
        with self.client.get(f"/suche?q={quote_plus(q)}{extra}", name="search: page", catch_response=True) as resp:
            expect(resp, 200)

    def search_api(self) -> None:
        q = query()
        with self.client.get(
            f"/api/search?q={quote_plus(q)}&limit=10", name="search: API", catch_response=True
        ) as resp:
            if expect(resp, 200):
                try:
                    resp.json()["groups"]
                except (ValueError, KeyError, TypeError):
                    resp.failure("not a search answer")


# ---------------------------------------------------------------- the users


class Visitor(Person):
    """An anonymous visitor of the public portal."""

    weight = PLAN["weights"]["visitor"]

    @task(2)
    def start_page(self) -> None:
        self.get("/", "start page")

    @task(4)
    def needs(self) -> None:
        self.browse("/bedarfe", PLAN["pages"]["needs"], "/bedarfe/", "list: needs", "need page: public")

    @task(3)
    def solutions(self) -> None:
        self.browse("/loesungen", PLAN["pages"]["solutions"], "/loesungen/", "list: solutions", "solution page")

    @task(3)
    def usecases(self) -> None:
        self.browse("/wissen", PLAN["pages"]["usecases"], "/wissen/", "list: use cases", "use case page")

    @task(1)
    def startups(self) -> None:
        self.browse("/startups", PLAN["pages"]["startups"], "/organisationen/", "list: start-ups", "organisation page")

    @task(5)
    def search(self) -> None:
        self.search_page()

    @task(2)
    def search_json(self) -> None:
        self.search_api()

    @task(1)
    def statistics(self) -> None:
        self.get("/statistik", "statistics")


class AgencyUser(Person):
    """Staff of an agency (the demo agency account): its own need with candidates, the market, searches."""

    weight = PLAN["weights"]["agency"]

    def on_start(self) -> None:
        agency = PLAN["agency"]
        self.logged_in = self.log_in(agency["email"], agency["password"], "/bedarfe")

    @task(3)
    def own_need(self) -> None:
        need = PLAN["agency"]["need_id"]
        if need:
            self.get(f"/bedarfe/{need}", "need page: candidates")

    @task(2)
    def needs(self) -> None:
        self.browse("/bedarfe", PLAN["pages"]["needs"], "/bedarfe/", "list: needs", "need page: public")

    @task(2)
    def solutions(self) -> None:
        self.browse("/loesungen", PLAN["pages"]["solutions"], "/loesungen/", "list: solutions", "solution page")

    @task(1)
    def usecases(self) -> None:
        self.browse("/wissen", PLAN["pages"]["usecases"], "/wissen/", "list: use cases", "use case page")

    @task(4)
    def search(self) -> None:
        self.search_page()


class Evaluator(Person):
    """Staff of the venture-client unit who score pitches (fresh accounts, one person at a time per user)."""

    fixed_count = PLAN["evaluators"]
    accounts: list[dict[str, str]] = list(PLAN["evaluator_accounts"])  # shared by every Evaluator: taken once

    def on_start(self) -> None:
        self.queue: list[dict[str, Any]] = []
        self.account: dict[str, str] | None = None
        self.next_account()

    def next_account(self) -> bool:
        """Log in as the next unused evaluator account and list the cases it can score; False if none is left."""
        self.queue = []
        while Evaluator.accounts:
            self.account = Evaluator.accounts.pop(0)
            if self.log_in(self.account["email"], self.account["password"], "/lotsenstelle"):
                break
            self.account = None
        if self.account is None:
            RECORDER.notes["evaluator accounts exhausted"] += 1
            return False
        cases: list[dict[str, Any]] = []
        page = 1
        while True:
            with self.client.get(
                f"/api/cases?stage=pitch&per_page=100&page={page}", name="case list: API", catch_response=True
            ) as resp:
                if not expect(resp, 200):
                    break
                body = resp.json()
                cases += body["items"]
                if page * 100 >= body["total"]:
                    break
                page += 1
        rng.shuffle(cases)
        self.queue = cases
        return True

    @task(1)
    def dashboard(self) -> None:
        self.get("/lotsenstelle", "dashboard")

    @task(1)
    def case_list(self) -> None:
        html = self.get("/faelle?stage=pitch", "case list: page")
        ids = ids_in(html, "/bedarfe/")
        if ids:
            self.wait()
            self.get(f"/bedarfe/{rng.choice(ids)}", "need page: candidates")

    @task(1)
    def search(self) -> None:
        self.search_page()

    @task(4)
    def score(self) -> None:
        """Open an unscored pitch case, read the criteria, submit the scorecard, look at the matrix."""
        if not self.queue and (self.account is None or not self.next_account()):
            RECORDER.notes["score skipped: no case left"] += 1
            return
        case = self.queue.pop()
        page = self.get(f"/faelle/{case['id']}", "case page")
        with self.client.get(
            f"/api/challenges/{case['challenge_id']}/criteria", name="criteria", catch_response=True
        ) as resp:
            crits = resp.json() if expect(resp, 200) else []
        if not crits or page is None:
            return
        self.wait()  # reading the pitch notes, filling in the scorecard
        values = {c["id"]: rng.randint(3, 10) for c in crits}
        comments = {c["id"]: rng.choice(PLAN["comments"]) for c in crits}
        token = CSRF.search(page)
        if PLAN["forms"] and token and rng.random() < 0.5:
            form = {"csrf_token": token.group(1)}
            for cid, value in values.items():
                form[f"score_{cid}"] = str(value)
                form[f"comment_{cid}"] = comments[cid]
            with self.client.post(
                f"/faelle/{case['id']}/bewertung", data=form, name="score: form", catch_response=True
            ) as resp:
                if expect(resp, 200) and "flash=scores_submitted" not in str(resp.url or ""):
                    resp.failure(f"scorecard not accepted (ended at {resp.url})")
        else:
            body = {
                "scores": [{"criterion_id": cid, "value": v, "comment": comments[cid]} for cid, v in values.items()]
            }
            with self.client.post(
                f"/api/cases/{case['id']}/scores", json=body, name="score: API", catch_response=True
            ) as resp:
                expect(resp, 201)
        RECORDER.notes["scorecards sent"] += 1
        self.wait()
        self.get(f"/api/challenges/{case['challenge_id']}/matrix", "matrix")


if not PLAN["evaluators"]:
    Evaluator.abstract = True  # nothing to score (fixed_count 0 would fall back to the weight)
