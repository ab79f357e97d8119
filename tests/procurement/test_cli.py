"""The CLI contract of the advisor: one JSON object; bad input exits 2 with one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

COMMAND = [sys.executable, "-m", "govlotse", "procurement", "advise"]
GOOD = [
    "--value",
    "90000",
    "--kind",
    "services",
    "--authority",
    "sub-central",
    "--land",
    "hamburg",
    "--date",
    "2026-09-01",
]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"GOVLOTSE_DATABASE_URL": "sqlite:////nonexistent/dir/x.sqlite3", "PATH": "/usr/bin:/bin"},
    )


def test_json_contract() -> None:
    result = _run(*GOOD, "--innovative", "--govtech-unit", "--term-months", "18", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["regime"] == "national" and data["threshold_eur"] == 216000
    assert data["recommended"] == "hh_experimentation_clause"
    assert {"public_tender", "hh_experimentation_clause"} <= set(data["permitted"])
    assert data["rules_version"] and data["sources"]
    assert len(result.stdout.strip().splitlines()) == 1


def test_eu_regime_at_the_threshold() -> None:
    data = json.loads(
        _run(
            "--value", "216000", "--kind", "services", "--authority", "sub-central", "--date", "2026-01-01", "--json"
        ).stdout
    )
    assert data["regime"] == "eu" and data["recommended"] == "open_procedure"


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--value", "-1"], "--value"),
        (["--value", "abc"], "--value"),
        (["--kind", "apples"], "--kind"),
        (["--authority", "king"], "--authority"),
        (["--date", "2026-02-30"], "--date"),
        (["--date", "2031-01-01"], "no EU threshold"),
        (["--land", "bavaria"], "--land"),
        (["--term-months", "0"], "--term-months"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], word: str) -> None:
    merged = list(GOOD)
    for i in range(0, len(args), 2):
        if args[i] in merged:
            merged[merged.index(args[i]) + 1] = args[i + 1]
        else:
            merged += args[i : i + 2]
    result = _run(*merged, "--json")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0]
    assert result.stdout == ""
