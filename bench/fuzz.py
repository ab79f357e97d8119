"""A longer API fuzz run than `make test` does (bench, not a test): schemathesis against every operation.

On a throwaway database with the world of tests/world.py (a record of every kind), as an anonymous visitor
and as the unit: N generated requests per operation, plus N/2 on records that exist. Every answer is
checked (no server error, documented status code and content type, body matching the schema). Figures go
to bench/results/fuzz.json.

    python bench/fuzz.py [--examples 200] [--backends sqlite postgresql] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.world, tests.fuzzing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import database, write


def run(backend: str, examples: int, seed: int | None) -> dict[str, Any]:
    import json
    import tempfile

    from sqlalchemy.orm import Session
    from tests import fuzzing
    from tests.world import build_world

    import govlotse.services  # noqa: F401 - every searchable kind registers itself
    from govlotse.accounts import service as accounts
    from govlotse.app import create_app
    from govlotse.config import settings
    from govlotse.core.actor import SYSTEM
    from govlotse.db import db, make_engine
    from govlotse.demo.service import data_dir
    from govlotse.taxonomy import service as taxonomy
    from govlotse.taxonomy.schemas import TagCreate

    settings.var_dir = Path(tempfile.mkdtemp(prefix="govlotse-fuzz-"))  # mails (no SMTP) land there, not in ./var
    with database(backend) as url:
        engine = make_engine(url)
        db.configure(url)
        db._engine = engine
        with Session(engine, expire_on_commit=False) as session:
            for line in (data_dir() / "tags.jsonl").read_text(encoding="utf-8").splitlines():
                if line.strip():
                    taxonomy.upsert(session=session, actor=SYSTEM, tag_in=TagCreate.model_validate(json.loads(line)))
            world = build_world(session)
            session.commit()
            unit = world.users["unit"]

            def login() -> str:
                session.expire_all()
                session.refresh(unit, ["memberships"])
                token, _login = accounts.start_session(session=session, user=unit)
                session.commit()
                return token

            app = create_app(background_indexing=False)
            schema = fuzzing.load_schema(app)
            results: list[fuzzing.Result] = []
            started = time.perf_counter()
            for role in ("anonymous", "unit"):
                tokens: list[str] = []

                def cookies(case: Any, role: str = role, tokens: list[str] = tokens) -> dict[str, str]:
                    if role == "anonymous":
                        return {}
                    if case.operation.label == "POST /api/auth/logout":
                        return {settings.session_cookie: login()}
                    if not tokens:
                        tokens.append(login())
                    return {settings.session_cookie: tokens[0]}

                target = "published" if role == "anonymous" else None
                known = {p: world.others.get((p, target), world.others[(p, None)]) for p, _t in world.others}
                for operation in fuzzing.operations(schema):
                    result = fuzzing.fuzz(
                        operation, app, role=role, cookies=cookies, examples=examples, random_seed=seed
                    )
                    results.append(result)
                    params = fuzzing.path_parameters(operation)
                    if params:
                        fixed = {p: known[p] for p in params}
                        results.append(
                            fuzzing.fuzz(
                                operation,
                                app,
                                role=role,
                                cookies=cookies,
                                examples=max(1, examples // 2),
                                random_seed=seed,
                                path_parameters=fixed,
                            )
                        )
                    print(
                        f"{backend} {role:9} {result.examples:4} {result.seconds:6.1f}s {operation.label}", flush=True
                    )
            duration = time.perf_counter() - started
        engine.dispose()
    statuses: Counter[int] = Counter()
    for r in results:
        statuses.update(r.statuses)
    failed = [r for r in results if r.failures]
    return {
        "backend": backend,
        "examples_per_operation": examples,
        "operations": len({r.operation.removesuffix(" (known ids)") for r in results}),
        "runs": len(results),
        "requests": sum(r.examples for r in results),
        "failures": sum(len(r.failures) for r in failed),
        "failed_runs": [{"role": r.role, "operation": r.operation, "failures": r.failures} for r in failed],
        "duration_s": round(duration, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "slowest": [
            {"role": r.role, "operation": r.operation, "requests": r.examples, "seconds": round(r.seconds, 1)}
            for r in sorted(results, key=lambda r: -r.seconds)[:10]
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="generated requests per operation and role")
    parser.add_argument("--backends", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: derandomized)")
    args = parser.parse_args()
    # argon2id at test cost: the world has a handful of users, and the login operation hashes on every call
    from argon2 import PasswordHasher

    from govlotse.core import security

    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    results = [run(backend, args.examples, args.seed) for backend in args.backends]
    path = write("fuzz", {"tool": "schemathesis", "results": results})
    for r in results:
        print(
            f"{r['backend']}: {r['operations']} operations, {r['requests']} requests, "
            f"{r['failures']} failures, {r['duration_s']} s"
        )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
