"""The permission matrix (docs/permissions.yaml): loading it and rendering docs/permissions.md.

python -m tests.permissions          # rewrite docs/permissions.md from docs/permissions.yaml
python -m tests.permissions --check  # exit 1 if docs/permissions.md is not current
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

DOCS = Path(__file__).resolve().parents[1] / "docs"
SOURCE = DOCS / "permissions.yaml"
DOCUMENT = DOCS / "permissions.md"

OUTCOMES = ("allow", "login", "deny", "hidden", "refused")
# How an outcome reads in the document.
SHOWN = {"allow": "✓", "login": "login", "deny": "403", "hidden": "404", "refused": "409"}
ROW = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)(?: \[([a-z]+)\])?$")


@dataclass(frozen=True)
class Cell:
    """What one role gets on one row: ``own`` on its own record (if the row has one), ``other`` on the target."""

    other: str
    own: str | None = None

    @classmethod
    def parse(cls, token: str) -> Cell:
        own, _, other = token.rpartition("/")
        for outcome in (own, other) if own else (other,):
            if outcome not in OUTCOMES:
                raise ValueError(f"unknown outcome {outcome!r} in {token!r}")
        return cls(other=other, own=own or None)

    def shown(self) -> str:
        if self.own is None:
            return SHOWN[self.other]
        if self.own == "allow":
            return f"own ✓, else {SHOWN[self.other]}"
        return f"own {SHOWN[self.own]}, else {SHOWN[self.other]}"


@dataclass(frozen=True)
class Rule:
    """One row: a route (and which record its path parameters name) with an outcome per role."""

    key: str
    method: str
    path: str
    target: str | None
    cells: dict[str, Cell]
    note: str | None = None

    @property
    def route(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


@dataclass(frozen=True)
class Matrix:
    roles: tuple[str, ...]
    targets: dict[str, str]
    rules: list[Rule]

    def routes(self) -> set[tuple[str, str]]:
        return {r.route for r in self.rules}


def load(path: Path = SOURCE) -> Matrix:
    """Read and check the matrix: known outcomes, one per role, notes only for existing rows."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    roles = tuple(data["roles"])
    notes: dict[str, str] = data.get("notes") or {}
    rules = []
    for key, value in data["routes"].items():
        match = ROW.match(key)
        if match is None:
            raise ValueError(f"{path.name}: row {key!r} is not 'METHOD /path [target]'")
        tokens = str(value).split()
        if len(tokens) != len(roles):
            raise ValueError(f"{path.name}: row {key!r} has {len(tokens)} outcomes for {len(roles)} roles")
        method, route_path, target = match.groups()
        rules.append(
            Rule(
                key=key,
                method=method,
                path=route_path,
                target=target,
                cells={role: Cell.parse(t) for role, t in zip(roles, tokens, strict=True)},
                note=notes.get(key),
            )
        )
    unknown = set(notes) - {r.key for r in rules}
    if unknown:
        raise ValueError(f"{path.name}: notes for rows that do not exist: {sorted(unknown)}")
    return Matrix(roles=roles, targets=dict(data.get("targets") or {}), rules=rules)


def _table(matrix: Matrix, rules: list[Rule], notes: dict[str, int]) -> list[str]:
    head = ["route", *matrix.roles]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rule in rules:
        label = f"`{rule.method} {rule.path}`" + (f" [{rule.target}]" if rule.target else "")
        if rule.key in notes:
            label += f" ({notes[rule.key]})"
        lines.append("| " + " | ".join([label, *(rule.cells[role].shown() for role in matrix.roles)]) + " |")
    return lines


def render(matrix: Matrix) -> str:
    """The matrix as a Markdown document."""
    counts = Counter(
        outcome
        for rule in matrix.rules
        for cell in rule.cells.values()
        for outcome in (cell.own, cell.other)
        if outcome
    )
    cells = [cell for rule in matrix.rules for cell in rule.cells.values()]
    own_cells = sum(1 for cell in cells if cell.own)
    numbered = {rule.key: n for n, rule in enumerate((r for r in matrix.rules if r.note), start=1)}
    out = [
        "# Permission matrix",
        "",
        "<!-- Generated from docs/permissions.yaml by `python -m tests.permissions`; do not edit by hand. -->",
        "",
        "Who may call which route, by role. `tests/test_permissions.py` calls every route of the application",
        "as every role (anonymous included) and checks the answer against this table; a route without a row",
        "fails the suite. Authorization is decided in the service layer (`policy.py` and the services); hidden",
        "records answer 404 as if they did not exist.",
        "",
        f"{len(matrix.routes())} routes in {len(matrix.rules)} rows × {len(matrix.roles)} roles = "
        f"{len(cells):,} cells; {own_cells} of them are checked on a record of the caller's own as well "
        f"({len(cells) + own_cells:,} calls). "
        "Outcomes: " + ", ".join(f"{SHOWN[o]} {counts[o]}" for o in OUTCOMES) + ".",
        "",
        "| mark | meaning |",
        "|---|---|",
        "| ✓ | allowed: gets past authorization (2xx, a redirect, or a business-rule answer 409/422) |",
        "| login | must log in: 401 from the API, a redirect to `/anmelden` from a page |",
        "| 403 | forbidden: the record is visible, the action is not yours |",
        "| 404 | hidden: not visible to you, answered as if it did not exist |",
        "| 409 | refused by the workflow: the transition table does not let your role take the step |",
        "| own ✓, else 404 | allowed on a record of your own organisation (or written by you); others' are hidden |",
        "| own ✓, else 403 | allowed on your own record; others' are visible but not yours to change |",
        "| own 403, else 404 | refused on your own record, others' hidden |",
        "",
        "Roles: `unit` is the venture-client unit (Lotsenstelle), `admin` the platform administration; both",
        "see everything. An `agency` user belongs to one agency, a `startup` user to one start-up; an",
        "`expert` belongs to no organisation here.",
        "",
        "## What a path parameter names",
        "",
        "Unless a row says otherwise in brackets, a path parameter names someone else's record:",
        "",
        "| parameter | record |",
        "|---|---|",
        *(f"| `{name}` | {text} |" for name, text in matrix.targets.items()),
        "",
        "## JSON API",
        "",
        *_table(matrix, [r for r in matrix.rules if r.is_api], numbered),
        "",
        "## Web pages",
        "",
        *_table(matrix, [r for r in matrix.rules if not r.is_api], numbered),
        "",
    ]
    if numbered:
        out += ["## Notes", ""]
        out += [f"{numbered[r.key]}. `{r.key}`: {r.note}" for r in matrix.rules if r.note]
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    text = render(load())
    if "--check" in argv:
        current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
        if current != text:
            print(f"{DOCUMENT} is out of date: run `python -m tests.permissions`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(text, encoding="utf-8")
    print(f"wrote {DOCUMENT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
