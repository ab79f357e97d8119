"""API fuzzing: every operation of the OpenAPI schema with generated, schema-valid requests.

As an anonymous visitor and as the unit (who may do almost everything), on a world of records so that
generated small ids often hit real ones. Expected: no server error, only documented status codes and
content types, and bodies that match the documented schemas. Bounded (and derandomized) for
`make test`; `GOVLOTSE_FUZZ_EXAMPLES` raises the number of examples, `bench/fuzz.py` runs longer.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.app import create_app
from govlotse.config import settings
from tests import fuzzing
from tests.world import build_world

EXAMPLES = int(os.environ.get("GOVLOTSE_FUZZ_EXAMPLES", "10"))
KNOWN_EXAMPLES = max(1, EXAMPLES // 2)
LOGOUT = "POST /api/auth/logout"


@pytest.fixture(scope="module")
def schema() -> Any:
    return fuzzing.load_schema(create_app(background_indexing=False))


def test_the_schema_has_every_api_route(schema: Any) -> None:
    labels = {op.label for op in fuzzing.operations(schema)}
    assert {"GET /api/challenges", "POST /api/cases/{case_id}/transitions", "GET /api/analytics"} <= labels
    assert not [label for label in labels if not label.split(" ", 1)[1].startswith("/api/")]


@pytest.mark.parametrize("role", ["anonymous", "unit"])
def test_fuzz_every_operation(app: Any, session: Session, schema: Any, role: str) -> None:
    world = build_world(session)
    user = world.users.get(role)
    tokens: list[str] = []

    def login() -> str:
        assert user is not None
        session.expire_all()  # the app may have changed the user since (last login, version)
        session.refresh(user, ["memberships"])
        token, _login = accounts.start_session(session=session, user=user)
        session.flush()
        return token

    def cookies(case: Any) -> dict[str, str]:
        if user is None:
            return {}
        if case.operation.label == LOGOUT:  # a logout ends the session it is sent with: a throwaway one
            return {settings.session_cookie: login()}
        if not tokens:
            tokens.append(login())
        return {settings.session_cookie: tokens[0]}

    # Generated ids rarely exist; a few more examples per operation name records of the world (published
    # ones for visitors), so that answers other than 404 are checked against the schema too.
    target = "published" if role == "anonymous" else None
    known = {param: world.others.get((param, target), world.others[(param, None)]) for param, _t in world.others}
    results = []
    for operation in fuzzing.operations(schema):
        results.append(fuzzing.fuzz(operation, app, role=role, cookies=cookies, examples=EXAMPLES))
        params = fuzzing.path_parameters(operation)
        if params:
            fixed = {param: known[param] for param in params}
            results.append(
                fuzzing.fuzz(operation, app, role=role, cookies=cookies, examples=KNOWN_EXAMPLES, path_parameters=fixed)
            )
    assert sum(r.examples for r in results) >= len(results)
    failed = [r for r in results if r.failures]
    assert not failed, f"{len(failed)} of {len(results)} runs failed as {role}:\n\n" + fuzzing.report(failed)
