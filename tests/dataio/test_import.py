"""Import is all-or-nothing, reports every bad row, and re-imports without duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govlotse.core.actor import SYSTEM
from govlotse.dataio import service as dataio
from govlotse.organisations.models import Organisation
from govlotse.solutions.models import Solution

CSV_ORGS = """external_id,kind,name,agency_type,founded_year,size,tags,website,is_fictional
t-org-1,startup,Alpha Vision,,2021,1-10,computer-vision;gis,https://alpha.example,ja
t-org-2,startup,Beta Docs,,2019,11-50,document-ai,,nein
t-org-3,agency,Bezirksamt Test,bezirksamt,,,,,
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_csv_imports_and_reimport_creates_no_duplicates(session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, "orgs.csv", CSV_ORGS)
    before = _count(session, Organisation)
    report = dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=path)
    assert (report.rows, report.created) == (3, 3)
    alpha = session.scalar(select(Organisation).where(Organisation.external_id == "t-org-1"))
    assert alpha is not None and alpha.is_fictional and alpha.founded_year == 2021
    again = dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=path)
    assert (again.created, again.unchanged) == (0, 3)
    assert _count(session, Organisation) == before + 3


def test_changed_row_updates_the_existing_record(session: Session, tmp_path: Path) -> None:
    dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=_write(tmp_path, "a.csv", CSV_ORGS))
    changed = CSV_ORGS.replace("Alpha Vision", "Alpha Vision GmbH")
    report = dataio.import_file(
        session=session, actor=SYSTEM, kind="organisations", path=_write(tmp_path, "b.csv", changed)
    )
    assert (report.updated, report.unchanged) == (1, 2)
    alpha = session.scalar(select(Organisation).where(Organisation.external_id == "t-org-1"))
    assert alpha.name == "Alpha Vision GmbH"


def test_one_bad_row_imports_nothing_and_names_the_line(session: Session, tmp_path: Path) -> None:
    bad = CSV_ORGS + "t-org-4,startup,Gamma,,1700,huge,no-such-tag,ftp://x,\n"
    before = _count(session, Organisation)
    with pytest.raises(dataio.ImportFailed) as info:
        dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=_write(tmp_path, "bad.csv", bad))
    errors = info.value.report.errors
    assert {e.line for e in errors} == {5}
    assert {e.field for e in errors} >= {"founded_year", "size", "website"}
    assert _count(session, Organisation) == before


def test_every_bad_row_is_listed(session: Session, tmp_path: Path) -> None:
    rows = [
        {"external_id": "j-1", "kind": "startup", "name": "Ok One"},
        {"external_id": "j-2", "kind": "planet", "name": "Bad kind"},
        {"external_id": "j-1", "kind": "startup", "name": "Duplicate id"},
    ]
    text = "\n".join(json.dumps(r) for r in rows) + "\n{not json}\n"
    with pytest.raises(dataio.ImportFailed) as info:
        dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=_write(tmp_path, "x.jsonl", text))
    by_line = {(e.line, e.field) for e in info.value.report.errors}
    assert (2, "kind") in by_line and (3, "external_id") in by_line and (4, "__line__") in by_line


def test_dry_run_writes_nothing(session: Session, tmp_path: Path) -> None:
    before = _count(session, Organisation)
    report = dataio.import_file(
        session=session,
        actor=SYSTEM,
        kind="organisations",
        path=_write(tmp_path, "orgs.csv", CSV_ORGS),
        dry_run=True,
    )
    assert report.rows == 3 and report.created == 0
    assert _count(session, Organisation) == before


def test_solution_must_reference_a_startup(session: Session, tmp_path: Path) -> None:
    dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=_write(tmp_path, "o.csv", CSV_ORGS))
    rows = [
        {
            "external_id": "s-1",
            "organisation": "t-org-3",
            "title": "Offer",
            "description": "A long enough text here.",
            "maturity": "market",
        },
        {
            "external_id": "s-2",
            "organisation": "nobody",
            "title": "Offer",
            "description": "A long enough text here.",
            "maturity": "market",
        },
    ]
    path = _write(tmp_path, "s.jsonl", "\n".join(json.dumps(r) for r in rows))
    with pytest.raises(dataio.ImportFailed) as info:
        dataio.import_file(session=session, actor=SYSTEM, kind="solutions", path=path)
    messages = {(e.line, e.field): e.reason for e in info.value.report.errors}
    assert "expected startup or research" in messages[(1, "organisation")]
    assert "unknown organisation" in messages[(2, "organisation")]
    assert _count(session, Solution) == 0


def test_export_reimports_unchanged(session: Session, tmp_path: Path) -> None:
    dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=_write(tmp_path, "o.csv", CSV_ORGS))
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"export.{fmt}"
        with out.open("w", encoding="utf-8", newline="") as fh:
            n = dataio.write_export(
                dataio.export_rows(session=session, actor=SYSTEM, kind="organisations"),
                fh,
                fmt,
                dataio.ENTITIES["organisations"].list_fields,
            )
        assert n >= 3
        report = dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=out)
        assert report.created == 0 and report.updated == 0


def test_not_utf8_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("external_id,kind,name\nx,startup,Müller\n".encode("latin-1"))
    from govlotse.errors import Invalid

    with pytest.raises(Invalid) as info:
        dataio.import_file(session=session, actor=SYSTEM, kind="organisations", path=path)
    assert "UTF-8" in info.value.errors[0].msg
