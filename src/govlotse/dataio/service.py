"""Import and export of organisations, solutions, challenges and use cases (CSV or JSONL).

An import is all-or-nothing: every row is checked first and every bad row is reported with its
line number, field and reason; only a file without errors is written, in one transaction.
``external_id`` is the stable key: importing the same file twice creates no duplicates.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from govlotse.challenges import service as challenges
from govlotse.challenges.models import Challenge
from govlotse.challenges.schemas import ChallengeCreate, ChallengeUpdate
from govlotse.core.actor import Actor
from govlotse.core.validation import translate_errors
from govlotse.errors import AppError, Invalid
from govlotse.knowledge import service as knowledge
from govlotse.knowledge.models import UseCase
from govlotse.knowledge.schemas import UseCaseCreate, UseCaseUpdate
from govlotse.organisations import service as organisations
from govlotse.organisations.models import Organisation
from govlotse.organisations.schemas import OrganisationCreate, OrganisationUpdate
from govlotse.solutions import service as solutions
from govlotse.solutions.models import Solution
from govlotse.solutions.schemas import SolutionCreate, SolutionUpdate
from govlotse.taxonomy.models import Tag

MAX_FILE_BYTES = 200 * 1024 * 1024
TRUE_WORDS = {"true", "1", "yes", "ja", "y", "j", "x", "on", "wahr"}
FALSE_WORDS = {"false", "0", "no", "nein", "n", "off", "falsch", ""}


@dataclass(frozen=True)
class Entity:
    """How one kind of record is imported and exported."""

    name: str
    model: type[Any]
    create_schema: type[BaseModel]
    update_schema: type[BaseModel]
    create: Callable[..., Any]
    update: Callable[..., Any]
    arg: str  # keyword of the record in the update service, and prefix of its schema argument
    owner_kinds: tuple[str, ...] = ()  # kinds the referenced "organisation" may have
    fixed_on_update: tuple[str, ...] = ()  # fields an import may not change on an existing record
    list_fields: tuple[str, ...] = ("tags",)
    bool_fields: tuple[str, ...] = ("is_fictional",)


ENTITIES: dict[str, Entity] = {
    "organisations": Entity(
        name="organisation",
        model=Organisation,
        create_schema=OrganisationCreate,
        update_schema=OrganisationUpdate,
        create=organisations.create_organisation,
        update=organisations.update_organisation,
        arg="org",
        fixed_on_update=("kind",),
    ),
    "solutions": Entity(
        name="solution",
        model=Solution,
        create_schema=SolutionCreate,
        update_schema=SolutionUpdate,
        create=solutions.create_solution,
        update=solutions.update_solution,
        arg="solution",
        owner_kinds=("startup", "research"),
        fixed_on_update=("organisation_id",),
        list_fields=("tags", "hosting_options", "certifications", "languages"),
    ),
    "challenges": Entity(
        name="challenge",
        model=Challenge,
        create_schema=ChallengeCreate,
        update_schema=ChallengeUpdate,
        create=challenges.create_challenge,
        update=challenges.update_challenge,
        arg="challenge",
        owner_kinds=("agency",),
        fixed_on_update=("organisation_id",),
        bool_fields=("is_fictional", "personal_data", "special_categories"),
    ),
    "usecases": Entity(
        name="usecase",
        model=UseCase,
        create_schema=UseCaseCreate,
        update_schema=UseCaseUpdate,
        create=knowledge.create_usecase,
        update=knowledge.update_usecase,
        arg="usecase",
    ),
}

# Fields the import file may carry that the create schema knows under another name.
_CREATE_ARG = {
    "organisation": "org_in",
    "solution": "solution_in",
    "challenge": "challenge_in",
    "usecase": "usecase_in",
}


@dataclass
class RowError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    entity: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(AppError):
    """The file has bad rows; nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"{len(report.errors)} bad row(s); nothing was imported", status_code=422, code="import_failed"
        )
        self.report = report


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, row or None, parse error or None) for every data line of a CSV or JSONL file."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise Invalid.on("file", "Die Datei ist größer als 200 MB.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid.on("file", "Die Datei ist nicht UTF-8-kodiert (Byte {pos}).", pos=exc.start) from None
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
                continue
            if not isinstance(row, dict):
                yield number, None, "each line must be a JSON object"
                continue
            yield number, row, None
    elif path.suffix.lower() in {".csv", ".tsv"}:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        if not reader.fieldnames:
            return
        for row in reader:
            if None in row:
                yield reader.line_num, None, "more cells than header columns"
                continue
            # An empty cell means "not given", so that the field's default applies.
            yield (
                reader.line_num,
                {k.strip(): v for k, v in row.items() if k and v is not None and v.strip() != ""},
                None,
            )
    else:
        raise Invalid.on("file", "Unbekanntes Dateiformat „{suffix}“: bitte .csv oder .jsonl.", suffix=path.suffix)


def _normalise(entity: Entity, row: dict[str, Any]) -> dict[str, Any]:
    for name in entity.bool_fields:
        value = row.get(name)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE_WORDS:
                row[name] = True
            elif word in FALSE_WORDS:
                row[name] = False
    return row


def import_file(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    path: Path,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a file of ``kind`` all-or-nothing; raises :class:`ImportFailed` listing every bad row."""
    entity = ENTITIES[kind]
    report = ImportReport(entity=kind, dry_run=dry_run)
    rows = _check(session=session, entity=entity, path=path, report=report)
    if report.errors:
        raise ImportFailed(report)
    if dry_run:
        return report
    for line, record in rows:
        try:
            with session.begin_nested():
                _write(session=session, actor=actor, entity=entity, record=record, report=report)
        except Invalid as exc:
            report.errors.extend(RowError(line, e.field, e.as_dict("en")["msg"]) for e in exc.errors)
        except AppError as exc:
            report.errors.append(RowError(line, "external_id", exc.detail))
        if progress:
            progress(1)
    if report.errors:
        raise ImportFailed(report)
    return report


def _check(*, session: Session, entity: Entity, path: Path, report: ImportReport) -> list[tuple[int, BaseModel]]:
    known_tags = set(session.scalars(select(Tag.slug)))
    owners = {
        ext: (oid, okind)
        for ext, oid, okind in session.execute(select(Organisation.external_id, Organisation.id, Organisation.kind))
        if ext
    }
    seen: dict[str, int] = {}
    good: list[tuple[int, BaseModel]] = []
    for line, row, problem in read_rows(path):
        report.rows += 1
        if row is None:
            report.errors.append(RowError(line, "__line__", problem or "unreadable"))
            continue
        row = _normalise(entity, dict(row))
        errors_before = len(report.errors)
        ext = row.get("external_id")
        if not ext or not isinstance(ext, str):
            report.errors.append(RowError(line, "external_id", "required: a stable id for this record"))
        elif ext in seen:
            report.errors.append(RowError(line, "external_id", f"duplicate of line {seen[ext]}"))
        else:
            seen[ext] = line
        if entity.owner_kinds:
            ref = row.pop("organisation", None)
            owner = owners.get(ref) if isinstance(ref, str) else None
            if owner is None:
                report.errors.append(RowError(line, "organisation", f"unknown organisation external_id {ref!r}"))
            elif owner[1] not in entity.owner_kinds:
                expected = " or ".join(entity.owner_kinds)
                report.errors.append(RowError(line, "organisation", f"{ref} is a {owner[1]}, expected {expected}"))
            # A placeholder keeps the schema from reporting the same problem a second time.
            row["organisation_id"] = owner[0] if owner else 0
        try:
            model = entity.create_schema.model_validate(row)
        except ValidationError as exc:
            report.errors.extend(RowError(line, e["field"], e["msg"]) for e in translate_errors(exc.errors(), "en"))
            continue
        unknown = [t for t in getattr(model, "tags", []) if t not in known_tags]
        if unknown:
            report.errors.append(RowError(line, "tags", f"unknown tag(s): {', '.join(unknown)}"))
        if len(report.errors) == errors_before:
            good.append((line, model))
    return good


def _write(*, session: Session, actor: Actor, entity: Entity, record: BaseModel, report: ImportReport) -> None:
    data = record.model_dump()
    existing = session.scalar(
        select(entity.model)
        .where(entity.model.external_id == data["external_id"])
        .options(selectinload(entity.model.tags))
    )
    if existing is None:
        entity.create(session=session, actor=actor, **{_CREATE_ARG[entity.name]: record})
        report.created += 1
        return
    for name in entity.fixed_on_update:
        if getattr(existing, name) != data.get(name):
            raise Invalid.on(name, "Kann bei einem bestehenden Datensatz nicht geändert werden.")
    allowed = set(entity.update_schema.model_fields)
    changes = {k: v for k, v in data.items() if k in allowed and k != "version"}
    version_before = existing.version
    schema_in = entity.update_schema.model_validate({**changes, "version": existing.version})
    entity.update(session=session, actor=actor, **{entity.arg: existing, _CREATE_ARG[entity.name]: schema_in})
    if existing.version != version_before:
        report.updated += 1
    else:
        report.unchanged += 1


def export_rows(*, session: Session, actor: Actor, kind: str) -> Iterator[dict[str, Any]]:
    """Every record of ``kind`` in the import format (so an export re-imports unchanged)."""
    entity = ENTITIES[kind]
    fields = [f for f in entity.create_schema.model_fields if f != "organisation_id"]
    stmt = select(entity.model).order_by(entity.model.id).options(selectinload(entity.model.tags))
    if entity.owner_kinds:
        stmt = stmt.options(selectinload(entity.model.organisation))
    for obj in session.scalars(stmt):
        row: dict[str, Any] = {}
        if entity.owner_kinds:
            row["organisation"] = obj.organisation.external_id
        for name in fields:
            value = getattr(obj, name)
            if name == "tags":
                value = [t.slug for t in value]
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            row[name] = value
        yield row


def write_export(
    rows: Iterator[dict[str, Any]], out: io.TextIOBase | Any, fmt: str, list_fields: tuple[str, ...]
) -> int:
    """Write rows as CSV or JSONL to ``out``; returns the number of rows."""
    count = 0
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        if fmt == "jsonl":
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            flat = {k: (";".join(v) if k in list_fields and isinstance(v, list) else v) for k, v in row.items()}
            flat = {
                k: ("true" if v is True else "false" if v is False else "" if v is None else v) for k, v in flat.items()
            }
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(flat))
                writer.writeheader()
            writer.writerow(flat)
        count += 1
    return count
