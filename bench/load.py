"""Load test: the production setup (PostgreSQL, ``govlotse serve --workers N``) under a realistic mix of users.

What it does, all on this machine:

1. starts a PostgreSQL 16 with pgserver in a temporary folder, migrates it and loads the demo data with the real
   CLI (``govlotse demo load``);
2. starts ``govlotse serve --workers N`` on a free port (JSON logs into ``var/load/server.log``) and waits for
   ``/healthz``;
3. as the demo unit account, through the JSON API: runs a market exploration for every accepted need that has
   none yet, shortlists the first ``--pitch-size`` start-ups, sets the pitch criteria and moves the cases into
   the pitch stage; then creates fresh evaluator accounts (``govlotse users create``, role unit), enough that
   every scorecard sent during the run is a first submission of that person for that case;
4. runs locust headless as a subprocess on ``bench/locustfile.py`` (visitors, agency staff, evaluators; see
   there) with ``--users`` users for ``--minutes`` minutes;
5. checks that the server still answers and that no transaction is stuck in the database, stops the server;
6. writes ``bench/results/load.json``: configuration, machine, per request name and per group (search, list,
   need page, score, …) and in total the requests, failures, throughput and p50/p95/p99, the server errors
   found in its log (with their tracebacks), the server's own timings per route, and the checks "search p95 <
   300 ms", "server responsive after the run" and "0 errors"; prints a summary. Locust's own CSV and HTML
   report, its raw timings and the server log stay in ``var/load/``.

Response times are measured by the client (locust) on the same 2 cores as the server and the database, so they
include the load generator's own share of the CPU; the server's timings per route are in the results too.

Server and database are stopped on every way out, Ctrl-C and SIGTERM included (the first Ctrl-C during the run
ends locust early and still writes the results, marked ``interrupted``).

    .venv/bin/python bench/load.py                         # 50 users, 10 minutes, 2 workers
    .venv/bin/python bench/load.py --users 10 --minutes 1  # a short trial
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED, database, percentile, write

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOGS = ROOT / "var" / "load"
BIN = Path(sys.executable).parent
UNIT = {"email": "lotse@demo.govlotse.example", "password": "demo-lotse-2026"}
AGENCY = {"email": "behoerde@demo.govlotse.example", "password": "demo-behoerde-2026"}
UNIT_ORG = "demo-agency-unit"
SEARCH_P95_GOAL_MS = 300.0
PAGE_SIZE = 20  # rows of a list page (settings.page_size)
HUNG_SECONDS = 10.0  # a request still unanswered this long when the run ends counts as failed ("hung")
SCORES_PER_MINUTE = 8  # upper bound of scorecards one evaluator user sends a minute (sizes the account pool)

# What people type into the search box: short, German and English, about the demo's needs and solutions.
SEARCH_BOX = [
    "Chatbot Bürgerservice",
    "KI Posteingang Zuordnung",
    "Bauantrag Vollständigkeit prüfen",
    "Straßenschäden Kamera",
    "Baumkontrolle",
    "Wohngeld Nachweise automatisch",
    "Starkregen Frühwarnung",
    "Barrierefreiheit Webseiten prüfen",
    "Leichte Sprache Bescheide",
    "Übersetzung mehrsprachig",
    "Spracherkennung Protokoll Sitzung",
    "Anonymisierung Urteile",
    "Betrug Förderung erkennen",
    "Energieverbrauch Schulen",
    "Vertretungsplan Schule",
    "Phishing Schulung",
    "Parkraum Sensoren",
    "Müllablagerungen melden",
    "Tourenplanung Straßenreinigung",
    "Terminvergabe Prognose Kundenzentrum",
    "Handschrift Formulare erfassen",
    "Open Source on premise",
    "digitaler Zwilling Stadt",
    "document OCR",
    "voice assistant for citizens",
    "plain language rewriting",
    "computer vision road inspection",
    "fraud detection grants",
    "accessibility audit",
    "energy monitoring buildings",
    "flood early warning",
    "translation service",
    "contract analysis AI",
    "cybersecurity awareness training",
    "GDPR compliant hosting Germany",
]


def search_queries(seed: int = 5) -> list[str]:
    """Search-box queries plus the first sentence (≤ 80 characters) of the public evaluation queries."""
    out = list(SEARCH_BOX)
    for name in ("usai", "mdk", "judged_de"):
        path = SHARED / "eval" / f"queries_public_{name}.jsonl"
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                out += [json.loads(line)["query"].split(". ")[0][:80] for line in fh if line.strip()]
    rng = random.Random(seed)
    rng.shuffle(out)
    return out


COMMENTS = [
    "Überzeugende Demo, Datenschutzkonzept noch offen.",
    "Passt gut zum Bedarf; Schnittstelle zum Fachverfahren klären.",
    "Preis angemessen, Referenzen aus anderen Kommunen vorhanden.",
    "Betrieb on premise möglich, Aufwand für die IT unklar.",
    "",
]


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def govlotse_env(url: str, folder: Path, port: int) -> dict[str, str]:
    """The server's environment: production-like (PostgreSQL, JSON logs, a random secret), mails to files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVLOTSE_")}
    env.update(
        GOVLOTSE_DATABASE_URL=url,
        GOVLOTSE_VAR_DIR=str(folder / "var"),
        GOVLOTSE_HOST="127.0.0.1",
        GOVLOTSE_PORT=str(port),
        GOVLOTSE_SECRET_KEY="load-" + os.urandom(16).hex(),
        GOVLOTSE_BASE_URL=f"http://127.0.0.1:{port}",
        GOVLOTSE_LOG_FORMAT="json",
    )
    return env


def govlotse(*args: str, env: dict[str, str], cwd: Path, timeout: float = 1800) -> str:
    """Run the real CLI (cwd is the temporary folder, so that a developer's .env does not leak in)."""
    done = subprocess.run(
        [str(BIN / "govlotse"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"govlotse {' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def create_evaluators(n: int, env: dict[str, str], cwd: Path, parallel: int = 4) -> list[dict[str, str]]:
    """n fresh unit accounts (``govlotse users create``) for the pitch scoring."""
    accounts = [
        {"email": f"bewertung{i:03d}@last.govlotse.example", "password": f"last-bewertung-{i:03d}-2026"}
        for i in range(1, n + 1)
    ]
    for start in range(0, n, parallel):
        procs = []
        for i, acc in enumerate(accounts[start : start + parallel], start=start + 1):
            args = ["users", "create", "--email", acc["email"], "--name", f"Bewerterin {i:03d} (Lasttest)"]
            args += ["--role", "unit", "--organisation", UNIT_ORG, "--password", acc["password"]]
            procs.append(
                subprocess.Popen(
                    [str(BIN / "govlotse"), *args],
                    cwd=cwd,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        for p in procs:
            out, _ = p.communicate(timeout=300)
            if p.returncode != 0:
                raise SystemExit(f"govlotse users create failed:\n{out}")
    return accounts


def start_server(env: dict[str, str], cwd: Path, workers: int, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """``govlotse serve --workers N`` in its own process group (so that Ctrl-C reaches only this script)."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [str(BIN / "govlotse"), "serve", "--workers", str(workers), "--port", str(port)],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(proc: subprocess.Popen[bytes], base_url: str, log_path: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"govlotse serve exited with {proc.returncode}:\n{log_path.read_text()[-5000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"govlotse serve did not answer within {timeout:.0f} s:\n{log_path.read_text()[-5000:]}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen[Any] | None, sig: int = signal.SIGTERM, timeout: float = 30) -> bool:
    """Stop a process started here, with its process group (uvicorn's workers); kill it if it does not stop.

    Returns whether it stopped by itself within ``timeout`` seconds.
    """
    if proc is None or proc.poll() is not None:
        return True
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False
    except ProcessLookupError:
        pass
    return True


def after_run(base_url: str, url: str, probes: int = 6) -> dict[str, Any]:
    """Is the server still answering once the load is gone, and is any transaction stuck in the database?

    A worker whose event loop hangs (e.g. waiting for a lock that a request of the same process holds) answers
    nothing any more; its transactions stay open ("idle in transaction") or wait for a lock.
    """
    answered = 0
    for _ in range(probes):
        try:
            with httpx.Client(timeout=10) as client:  # a new connection each time: both workers get probes
                answered += client.get(f"{base_url}/healthz").status_code == 200
        except httpx.HTTPError:
            pass
    import psycopg

    stuck: list[dict[str, Any]] = []
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        rows = conn.execute(
            "SELECT pid, state, wait_event_type, wait_event, extract(epoch FROM now() - xact_start), left(query, 200) "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND (state = 'idle in transaction' OR wait_event_type = 'Lock') AND now() - xact_start > interval '5 s'"
        ).fetchall()
    for pid, state, wait_type, wait, seconds, query in rows:
        stuck.append(
            {"pid": pid, "state": state, "waiting_for": f"{wait_type}/{wait}" if wait_type else None}
            | {"open_s": round(float(seconds or 0), 1), "last_query": query}
        )
    return {"healthz_answered": f"{answered}/{probes}", "responsive": answered == probes, "stuck_transactions": stuck}


# ---------------------------------------------------------------- preparing the data through the API


def _ok(resp: httpx.Response, *codes: int) -> Any:
    if resp.status_code not in (codes or (200,)):
        raise SystemExit(f"{resp.request.method} {resp.request.url} → {resp.status_code}: {resp.text[:500]}")
    return resp.json() if resp.content else None


def _all(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = _ok(client.get(path, params={**(params or {}), "per_page": 100, "page": page}))
        items += body["items"]
        if page * 100 >= body["total"]:
            return items
        page += 1


def prepare_pitches(base_url: str, pitch_size: int) -> dict[str, int]:
    """As the unit: an exploration run per accepted need without one, a shortlist, criteria, cases in the pitch."""
    criteria = [
        {"name": "Wirkung auf das Problem", "description": "Löst die Lösung den Bedarf?", "weight": 40},
        {"name": "Umsetzbarkeit im Betrieb", "description": "Integration, Hosting, Datenschutz", "weight": 35},
        {"name": "Preis und Konditionen", "weight": 25},
    ]
    needs = cases = 0
    with httpx.Client(base_url=base_url, timeout=300) as unit:
        _ok(unit.post("/api/auth/login", json=UNIT))
        for need in _all(unit, "/api/challenges", {"status": "accepted"}):
            if _ok(unit.get(f"/api/challenges/{need['id']}/explorations")):
                continue  # the demo's own pipeline need (already through its pitch)
            run = _ok(unit.post(f"/api/challenges/{need['id']}/explorations", json={"limit": 30}), 201)
            for cand in run["candidates"][:pitch_size]:
                _ok(
                    unit.patch(
                        f"/api/explorations/{run['id']}/candidates/{cand['id']}",
                        json={"status": "shortlist", "version": cand["version"]},
                    )
                )
            closed = _ok(unit.post(f"/api/explorations/{run['id']}/close"))
            if not closed["case_ids"]:
                continue
            _ok(unit.put(f"/api/challenges/{need['id']}/criteria", json={"criteria": criteria}))
            for case_id in closed["case_ids"]:
                case = _ok(unit.get(f"/api/cases/{case_id}"))
                _ok(unit.post(f"/api/cases/{case_id}/transitions", json={"to": "pitch", "version": case["version"]}))
            needs += 1
            cases += len(closed["case_ids"])
    return {"needs": needs, "cases": cases}


def site_facts(base_url: str) -> dict[str, Any]:
    """Pages per list (as an anonymous visitor sees them) and the demo agency's own need."""
    with httpx.Client(base_url=base_url, timeout=60) as c:

        def pages(path: str, **params: Any) -> int:
            total = _ok(c.get(path, params={**params, "per_page": 1}))["total"]
            return max(1, math.ceil(total / PAGE_SIZE))

        facts: dict[str, Any] = {
            "pages": {
                "needs": pages("/api/challenges"),
                "solutions": pages("/api/solutions"),
                "usecases": pages("/api/usecases"),
                "startups": pages("/api/organisations", kind="startup"),
            }
        }
        _ok(c.post("/api/auth/login", json=AGENCY))
        me = _ok(c.get("/api/auth/me"))
        orgs = [m["organisation_id"] for m in me.get("memberships", [])]
        own = _ok(c.get("/api/challenges", params={"organisation_id": orgs[0]})) if orgs else {"items": []}
        facts["agency_need_id"] = own["items"][0]["id"] if own["items"] else None
    return facts


# ---------------------------------------------------------------- running locust


def run_locust(args: argparse.Namespace, base_url: str, plan: Path, raw: Path, out: Path) -> bool:
    """Run locust headless; returns False if it was interrupted (Ctrl-C) before the time was up."""
    seconds = round(args.minutes * 60)
    cmd = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", base_url]
    cmd += ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{seconds}s", "--only-summary"]
    cmd += ["--csv", str(out / "locust"), "--html", str(out / "locust.html"), "--exit-code-on-error", "0"]
    env = {**os.environ, "GOVLOTSE_LOAD_PLAN": str(plan), "GOVLOTSE_LOAD_RAW": str(raw)}
    with (out / "locust.log").open("wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    started = time.monotonic()
    try:
        while proc.poll() is None:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - started
                print(f"  … {elapsed / 60:.0f} of {args.minutes:g} minutes", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("interrupted: stopping locust, the results so far are kept", file=sys.stderr)
        stop(proc, signal.SIGINT, timeout=60)
        return False
    if proc.returncode != 0:
        raise SystemExit(f"locust exited with {proc.returncode}; see {out / 'locust.log'}")
    return True


# ---------------------------------------------------------------- results


def figures(times: list[float], failures: int, seconds: float) -> dict[str, Any]:
    return {
        "requests": len(times),
        "failures": failures,
        "throughput_rps": round(len(times) / seconds, 2) if seconds else None,
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "max_ms": round(max(times), 1) if times else None,
    }


def group_of(name: str) -> str:
    """ "search: page" → "search"; names without a colon are their own group."""
    return name.split(":", 1)[0]


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    seconds = max(1e-9, (raw["stopped"] or time.time()) - (raw["started"] or time.time()))
    times: dict[str, list[float]] = raw["times"]
    failures: dict[str, int] = raw["failures"]
    by_name = {
        name: {**figures(t, failures.get(name, 0), seconds), "statuses": raw["statuses"].get(name, {})}
        for name, t in sorted(times.items())
    }
    grouped: dict[str, list[float]] = defaultdict(list)
    group_failures: Counter[str] = Counter()
    for name, t in times.items():
        grouped[group_of(name)] += t
        group_failures[group_of(name)] += failures.get(name, 0)
    by_group = {g: figures(t, group_failures[g], seconds) for g, t in sorted(grouped.items())}
    everything = [x for t in times.values() for x in t]
    unfinished = raw.get("unfinished", [])
    hung = [u for u in unfinished if u["waited_s"] >= HUNG_SECONDS]
    return {
        "seconds": round(seconds, 1),
        "total": figures(everything, sum(failures.values()), seconds),
        "hung_at_end": len(hung),
        "unfinished_at_end": sorted(unfinished, key=lambda u: -u["waited_s"]),
        "groups": by_group,
        "requests": by_name,
        "failure_samples": raw["failure_samples"],
        "notes": raw["notes"],
    }


def server_log(path: Path) -> dict[str, Any]:
    """Server errors (5xx answers, unhandled exceptions with traceback), warnings, and the server's own timings."""
    errors: list[dict[str, Any]] = []
    warnings: Counter[str] = Counter()
    answers_5xx = 0
    server_ms: dict[str, list[float]] = defaultdict(list)
    other_lines: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            if "Traceback" in line or "Error" in line:
                other_lines.append(line[:500])
            continue
        status = rec.get("status")
        if isinstance(status, int):
            if status >= 500:
                answers_5xx += 1
            if isinstance(rec.get("ms"), int | float):
                server_ms[f"{rec.get('method')} {rec.get('route')}"].append(float(rec["ms"]))
        level = rec.get("level")
        if level in ("ERROR", "CRITICAL"):
            errors.append(
                {k: rec.get(k) for k in ("time", "logger", "message", "request_id", "exc") if rec.get(k) is not None}
            )
        elif level == "WARNING":
            warnings[str(rec.get("message", ""))[:200]] += 1
    timings = {
        route: {"requests": len(t), "p50_ms": round(percentile(t, 50), 1), "p95_ms": round(percentile(t, 95), 1)}
        for route, t in sorted(server_ms.items(), key=lambda kv: -len(kv[1]))
    }
    return {
        "answers_5xx": answers_5xx,
        "errors": len(errors),
        "error_samples": errors[:10],
        "non_json_error_lines": other_lines[:20],
        "warnings": dict(warnings.most_common(20)),
        "timings_by_route": timings,
    }


def print_summary(result: dict[str, Any]) -> None:
    load = result["load"]
    total = load["total"]
    print(
        f"\n{result['configuration']['users']} users, {load['seconds'] / 60:.1f} min, "
        f"{result['configuration']['workers']} workers: {total['requests']} requests, "
        f"{total['throughput_rps']} req/s, {total['failures']} failures"
    )
    print(f"{'group':<22} {'requests':>8} {'fail':>5} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)")
    for name, g in [*load["groups"].items(), ("total", total)]:
        print(
            f"{name:<22} {g['requests']:>8} {g['failures']:>5} {g['throughput_rps']:>7} "
            f"{g['p50_ms']:>7} {g['p95_ms']:>7} {g['p99_ms']:>7}"
        )
    srv = result["server"]
    warned = sum(srv["warnings"].values())
    print(f"server: {srv['answers_5xx']} answers 5xx, {srv['errors']} errors logged, {warned} warnings")
    for name, check in result["checks"].items():
        print(f"check {name}: {'PASS' if check['passed'] else 'FAIL'} ({check['value']})")


# ---------------------------------------------------------------- main


def _terminate(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM: the same orderly way out as Ctrl-C


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--minutes", type=float, default=10, help="duration of the load (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second (default 5)")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"), help="seconds between clicks"
    )
    parser.add_argument("--evaluators", type=int, default=None, help="users scoring pitches (default users/10)")
    parser.add_argument("--pitch-size", type=int, default=8, help="start-ups per need in the pitch (default 8)")
    parser.add_argument(
        "--no-forms",
        dest="forms",
        action="store_false",
        help="log in and score through the JSON API only, not the HTML forms (async form handlers)",
    )
    args = parser.parse_args()
    evaluators = args.evaluators if args.evaluators is not None else max(1, round(args.users / 10))
    evaluators = min(evaluators, args.users)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    signal.signal(signal.SIGTERM, _terminate)

    if LOGS.exists():
        shutil.rmtree(LOGS)
    LOGS.mkdir(parents=True)
    with database("postgresql") as url, tempfile.TemporaryDirectory(prefix="govlotse-load-") as tmp:
        server: subprocess.Popen[bytes] | None = None
        try:  # the server stops before the database does, whatever happens
            folder = Path(tmp)
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            env = govlotse_env(url, folder, port)
            timings: dict[str, float] = {}
            t0 = time.perf_counter()
            print("loading the demo data …", file=sys.stderr, flush=True)
            govlotse("demo", "load", env=env, cwd=folder)
            timings["demo_load_s"] = round(time.perf_counter() - t0, 1)

            log_path = LOGS / "server.log"
            print(f"starting govlotse serve --workers {args.workers} on {base_url} …", file=sys.stderr, flush=True)
            server = start_server(env, folder, args.workers, port, log_path)
            wait_healthy(server, base_url, log_path)
            t0 = time.perf_counter()
            pitches = prepare_pitches(base_url, args.pitch_size)
            facts = site_facts(base_url)
            # Each account scores every pitch case once; a user moves on to the next account when done.
            per_user = 1 + math.ceil(args.minutes * SCORES_PER_MINUTE / max(1, pitches["cases"]))
            accounts = create_evaluators(evaluators * per_user, env, folder) if pitches["cases"] else []
            timings["prepare_s"] = round(time.perf_counter() - t0, 1)
            print(
                f"{pitches['cases']} cases of {pitches['needs']} needs in the pitch, {len(accounts)} evaluator "
                f"accounts; list pages: {facts['pages']}",
                file=sys.stderr,
            )
            plan = {
                "think_seconds": list(args.think),
                "seed": 11,
                "weights": {"visitor": 4, "agency": 1},  # of the users who are not evaluators
                "evaluators": evaluators if accounts else 0,
                "evaluator_accounts": accounts,
                "agency": {**AGENCY, "need_id": facts["agency_need_id"]},
                "pages": facts["pages"],
                "queries": search_queries(),
                "comments": COMMENTS,
                "forms": args.forms,
            }
            plan_path, raw_path = folder / "plan.json", LOGS / "raw.json"
            plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
            print(
                f"running locust: {args.users} users ({plan['evaluators']} evaluators), {args.minutes:g} minutes …",
                file=sys.stderr,
                flush=True,
            )
            finished = run_locust(args, base_url, plan_path, raw_path, LOGS)
            health = after_run(base_url, url)
            health["stopped_on_sigterm"] = stop(server)
            server = None
        finally:
            stop(server)
    if not raw_path.exists():
        raise SystemExit(f"locust wrote no results; see {LOGS / 'locust.log'}")
    load = summarise(json.loads(raw_path.read_text(encoding="utf-8")))
    srv = server_log(log_path)
    search = load["groups"].get("search", {})
    errors = load["total"]["failures"] + load["hung_at_end"] + srv["answers_5xx"] + srv["errors"]
    result: dict[str, Any] = {
        "configuration": {
            "users": args.users,
            "evaluators": plan["evaluators"],
            "minutes": args.minutes,
            "workers": args.workers,
            "spawn_rate": args.spawn_rate,
            "think_seconds": list(args.think),
            "pitch_size": args.pitch_size,
            "html_forms": args.forms,
            "database": "PostgreSQL 16 (pgserver, same machine)",
            "load_generator": "locust (FastHttpUser, one process on the same machine)",
            "interrupted": not finished,
        },
        "setup": {**timings, **pitches, "evaluator_accounts": len(accounts), "list_pages": facts["pages"]},
        "checks": {
            "search p95 < 300 ms": {
                "passed": bool(search) and search["p95_ms"] < SEARCH_P95_GOAL_MS,
                "value": f"{search['p95_ms']} ms" if search else "no search requests answered",
            },
            "server responsive after the run": {
                "passed": health["responsive"] and not health["stuck_transactions"],
                "value": f"/healthz answered {health['healthz_answered']}, "
                f"{len(health['stuck_transactions'])} transactions stuck",
            },
            "0 errors": {
                "passed": errors == 0,
                "value": f"{load['total']['failures']} failed requests, {load['hung_at_end']} requests hung "
                f"(unanswered ≥ {HUNG_SECONDS:g} s at the end), {srv['answers_5xx']} server answers 5xx, "
                f"{srv['errors']} errors logged",
            },
        },
        "load": load,
        "server": {**health, **srv},
    }
    path = write("load", result)
    print_summary(result)
    print(f"wrote {path}; locust report and server log in {LOGS}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; server and database are stopped")
