"""Production mode: `govlotse serve --workers 2` against one PostgreSQL serves the demo consistently.

The real CLI migrates a fresh PostgreSQL database and loads the demo data; two worker processes then
serve it. Each request below opens a new connection, so the kernel hands them to either worker; the test
first makes sure both workers answered. What must hold across workers: a login made on one is valid on the
other; two simultaneous edits of the same need give one success and one conflict (never a lost update);
failed logins are counted together (the lock cannot be dodged by hitting the other worker); a password
reset mails once; a change made through one worker is found by search through the other once indexed;
/metrics adds up the requests of both workers; and nothing in the log is an error.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from govlotse.db import make_engine
from tests.conftest import Mailbox
from tests.serving import environment, free_port, load_demo, serving

LOTSE = ("lotse@demo.govlotse.example", "demo-lotse-2026")
BEHOERDE = ("behoerde@demo.govlotse.example", "demo-behoerde-2026")
STARTUP = ("startup@demo.govlotse.example", "demo-startup-2026")
EXPERTIN = ("expertin@demo.govlotse.example", "demo-expertin-2026")
ADMIN = ("admin@demo.govlotse.example", "demo-admin-2026")


class Served:
    def __init__(self, base_url: str, log_path: Path) -> None:
        self.base_url = base_url
        self.log_path = log_path

    def client(self, **kw: Any) -> httpx.Client:
        """A client that opens a new connection for every request (so either worker may answer)."""
        return httpx.Client(base_url=self.base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0), **kw)

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                lines.append({"level": "RAW", "message": raw})
        return lines


@pytest.fixture(scope="module")
def served(pg_url: str, tmp_path_factory: pytest.TempPathFactory, smtp_server: Mailbox) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("workers")
    name = f"workers_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    port = free_port()
    env = environment(folder, database_url=url, port=port, smtp_port=smtp_server.port)
    try:
        load_demo(folder, env)
        probe = httpx.Client(base_url=f"http://127.0.0.1:{port}", limits=httpx.Limits(max_keepalive_connections=0))
        seen: set[int] = set()

        def both_ready() -> bool:
            try:
                r = probe.get("/readyz", timeout=5)
                if r.status_code == 200:
                    seen.add(r.json()["process"])
            except httpx.TransportError:
                pass
            return len(seen) == 2

        with probe, serving(folder, env, args=("--workers", "2"), ready=both_ready) as log_path:
            served = Served(f"http://127.0.0.1:{port}", log_path)
            yield served
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    errors = [line for line in served.log_lines() if line.get("level") in ("ERROR", "CRITICAL", "RAW")]
    assert not errors, f"the workers logged errors: {errors[:5]}"


def _both_workers_answer(client: httpx.Client, check: Callable[[], bool] = lambda: True) -> bool:
    """Ask until both workers have answered (the kernel's choice of worker is not round-robin), running
    ``check`` after each; False if one worker never answered in 200 requests (the test would prove nothing)."""
    seen: set[int] = set()
    for _ in range(200):
        seen.add(client.get("/readyz").json()["process"])
        assert check()
        if len(seen) == 2:
            return True
    return False


def _login(client: httpx.Client, who: tuple[str, str]) -> None:
    r = client.post("/api/auth/login", json={"email": who[0], "password": who[1]})
    assert r.status_code == 200, r.text


def test_a_login_made_on_one_worker_is_valid_on_the_other(served: Served) -> None:
    with served.client() as c:
        _login(c, LOTSE)
        for _ in range(20):
            assert c.get("/api/auth/me").json()["email"] == LOTSE[0]
        assert _both_workers_answer(c, check=lambda: c.get("/api/auth/me").json()["email"] == LOTSE[0])
        c.post("/api/auth/logout")
        assert c.get("/api/auth/me").status_code == 401


def test_many_simultaneous_form_logins_are_all_answered(served: Served) -> None:
    """Regression: form handlers ran their database work on the event loop; a few logins at once (each
    locking the audit chain's head row) froze every worker for good."""
    people = [LOTSE, BEHOERDE, EXPERTIN, ADMIN] * 3
    outcomes: list[int | str] = []
    barrier = threading.Barrier(len(people))

    def log_in(who: tuple[str, str]) -> None:
        with served.client() as c:
            c.get("/anmelden")
            token = c.cookies["govlotse_csrf"]
            barrier.wait()
            try:
                r = c.post("/anmelden", data={"email": who[0], "password": who[1], "csrf_token": token}, timeout=30)
                outcomes.append(r.status_code)
            except httpx.TimeoutException:
                outcomes.append("timeout")

    threads = [threading.Thread(target=log_in, args=(who,)) for who in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == [303] * len(people)
    with served.client() as c:
        assert c.get("/healthz", timeout=5).status_code == 200


def test_simultaneous_edits_through_two_workers_give_one_success_and_one_conflict(served: Served) -> None:
    with served.client() as setup:
        _login(setup, LOTSE)
        need = setup.get("/api/challenges", params={"limit": 1}).json()["items"][0]
        cookies = dict(setup.cookies)
    outcomes: list[int] = []
    barrier = threading.Barrier(2)

    def edit(title: str) -> None:
        with served.client(cookies=cookies) as c:
            barrier.wait()
            r = c.patch(f"/api/challenges/{need['id']}", json={"title": title, "version": need["version"]})
            outcomes.append(r.status_code)

    threads = [threading.Thread(target=edit, args=(f"Bearbeitung {n} des Bedarfs",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [200, 409]
    with served.client(cookies=cookies) as c:
        after = c.get(f"/api/challenges/{need['id']}").json()
    assert after["version"] == need["version"] + 1
    assert after["title"] in ("Bearbeitung 1 des Bedarfs", "Bearbeitung 2 des Bedarfs")


def test_failed_logins_are_counted_across_workers(served: Served) -> None:
    address, password = STARTUP
    with served.client() as c:
        answers = [
            c.post("/api/auth/login", json={"email": address, "password": "falsch-falsch"}).status_code
            for _ in range(5)
        ]
        assert _both_workers_answer(c)
        # The fifth failure locks the address, whichever worker counted which attempt; the right password waits too.
        assert answers == [401, 401, 401, 401, 429]
        assert c.post("/api/auth/login", json={"email": address, "password": password}).status_code == 429


def test_a_password_reset_is_mailed_exactly_once(served: Served, mailbox: Mailbox) -> None:
    with served.client() as c:
        assert c.post("/api/auth/password-reset", json={"email": BEHOERDE[0]}).status_code == 202
        deadline = time.monotonic() + 10
        while not mailbox.to(BEHOERDE[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # a second delivery would arrive now
        assert len(mailbox.to(BEHOERDE[0])) == 1
        deadline = time.monotonic() + 90  # the worker forgets delivered rows within its bookkeeping minute
        while c.get("/readyz").json()["mail_waiting"] and time.monotonic() < deadline:
            time.sleep(1)
        assert c.get("/readyz").json()["mail_waiting"] == 0


def test_a_change_through_one_worker_is_found_by_search_on_both(served: Served) -> None:
    word = "Glasfaserzählwerk"
    with served.client() as c:
        _login(c, LOTSE)
        need = c.get("/api/challenges", params={"limit": 1}).json()["items"][0]
        r = c.patch(
            f"/api/challenges/{need['id']}", json={"title": f"{word} für Bezirksämter", "version": need["version"]}
        )
        assert r.status_code == 200, r.text
        found_by: set[int] = set()
        deadline = time.monotonic() + 60
        while len(found_by) < 2 and time.monotonic() < deadline:
            found = c.get("/api/search", params={"q": word, "types": "challenge", "mode": "lexical"}).json()
            if any(h["entity_id"] == need["id"] for g in found["groups"] for h in g["hits"]):
                found_by.add(c.get("/readyz").json()["process"])
            time.sleep(0.2)
        assert len(found_by) == 2, f"found through workers {found_by} only"


def test_metrics_add_up_both_workers(served: Served) -> None:
    with served.client() as c:
        before = _count(c.get("/metrics").text)
        for _ in range(20):
            assert c.get("/datenquellen").status_code == 200
        after = _count(c.get("/metrics").text)
    assert after - before == 20


def _count(metrics: str) -> int:
    prefix = 'govlotse_http_requests_total{method="GET",route="/datenquellen",status="200"} '
    for line in metrics.splitlines():
        if line.startswith(prefix):
            return int(float(line.removeprefix(prefix)))
    return 0
