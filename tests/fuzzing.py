"""API fuzzing with schemathesis: schema-valid requests to every operation of the OpenAPI schema.

Used by tests/test_fuzz.py (a bounded run in `make test`) and bench/fuzz.py (a longer run). Every answer
is checked: no server error, a documented status code, a documented content type, and a body that
matches the documented schema. Requests go to the ASGI application in process (no server, no network).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_FAILURES = 3  # distinct failures kept per operation


@dataclass
class Result:
    """One operation fuzzed as one role."""

    operation: str
    role: str
    examples: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def load_schema(app: Any) -> Any:
    """The application's OpenAPI schema as schemathesis sees it."""
    return schemathesis.openapi.from_dict(app.openapi())


def operations(schema: Any) -> list[Any]:
    """Every operation of the schema, in schema order (a broken definition fails loudly)."""
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(
    operation: Any,
    app: Any,
    *,
    role: str,
    cookies: Callable[[Any], dict[str, str]],
    examples: int,
    random_seed: int | None = None,
    path_parameters: dict[str, Any] | None = None,
) -> Result:
    """Send up to ``examples`` generated requests; collect failed checks instead of stopping at the first.

    ``cookies(case)`` gives the cookies of each request (the role's login session). Without
    ``random_seed`` the run is derandomized: the same examples every time. ``path_parameters`` fixes
    them (to ids of existing records, so that answers other than 404 get checked too).
    """
    result = Result(operation=operation.label + (" (known ids)" if path_parameters else ""), role=role)
    started = time.perf_counter()

    def check(case: Any) -> None:
        result.examples += 1
        try:
            response = case.call(app=app, cookies=cookies(case))
        except Exception as exc:  # the application raised: a server error (500) behind a real server
            note(f"server error: {type(exc).__name__}: {exc}\n{case.as_curl_command()}")
            return
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as exc:  # names every failed check, with a curl line to reproduce
            note(str(exc).strip())

    def note(message: str) -> None:
        if message not in result.failures and len(result.failures) < MAX_FAILURES:
            result.failures.append(message)

    test = given(case=operation.as_strategy(path_parameters=path_parameters))(check)
    test = settings(
        max_examples=examples,
        derandomize=random_seed is None,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )(test)
    if random_seed is not None:
        test = seed(random_seed)(test)
    test()
    result.seconds = time.perf_counter() - started
    return result


def path_parameters(operation: Any) -> list[str]:
    """The names of the operation's path parameters."""
    return re.findall(r"\{(\w+)\}", operation.path)


def report(results: list[Result]) -> str:
    """The failures, one block per operation and role."""
    blocks = []
    for r in results:
        for failure in r.failures:
            blocks.append(f"--- {r.role}: {r.operation}\n{failure}")
    return "\n\n".join(blocks)
