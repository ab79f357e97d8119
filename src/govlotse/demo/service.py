"""Demo data: the public use-case registers plus fictional start-ups, agencies and needs.

Loaded through the same importer as any other file, so a second run adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.accounts.schemas import UserCreate
from govlotse.core.actor import SYSTEM, Role
from govlotse.core.crud import by_external_id
from govlotse.dataio import service as dataio
from govlotse.organisations.models import Organisation
from govlotse.taxonomy import service as taxonomy
from govlotse.taxonomy.schemas import TagCreate

# (entity kind, file) in dependency order: organisations before what they own.
FILES: tuple[tuple[str, str], ...] = (
    ("organisations", "agencies.jsonl"),
    ("organisations", "startups.jsonl"),
    ("solutions", "solutions.jsonl"),
    ("challenges", "challenges.jsonl"),
    ("usecases", "usecases.jsonl"),
)


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    password: str
    name: str
    organisation: str | None  # external_id


# Demo accounts, one per role. The passwords are public on purpose: this is demo data only.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(Role.unit, "lotse@demo.govlotse.example", "demo-lotse-2026", "Lena Lotse", "demo-agency-unit"),
    DemoLogin(Role.agency, "behoerde@demo.govlotse.example", "demo-behoerde-2026", "Bernd Behrens", "demo-agency-01"),
    DemoLogin(Role.startup, "startup@demo.govlotse.example", "demo-startup-2026", "Sara Start", "demo-startup-001"),
    DemoLogin(
        Role.expert,
        "expertin@demo.govlotse.example",
        "demo-expertin-2026",
        "Dr. Eva Experte",
        "demo-research-1",
    ),
    DemoLogin(Role.admin, "admin@demo.govlotse.example", "demo-admin-2026", "Anton Admin", None),
)


def data_dir() -> Path:
    return Path(str(resources.files("govlotse").joinpath("demo/data")))


def count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


def load(
    *, session: Session, progress: Callable[[str, int, int], Callable[[int], None]] | None = None
) -> dict[str, dataio.ImportReport]:
    """Load tags, demo organisations, solutions, needs, use cases and demo users (idempotent)."""
    folder = data_dir()
    for line in (folder / "tags.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            taxonomy.upsert(session=session, actor=SYSTEM, tag_in=TagCreate.model_validate(json.loads(line)))
    reports: dict[str, dataio.ImportReport] = {}
    for kind, filename in FILES:
        path = folder / filename
        step = progress(filename, count_lines(path), 0) if progress else None
        reports[filename] = dataio.import_file(session=session, actor=SYSTEM, kind=kind, path=path, progress=step)
    _ensure_users(session)
    return reports


EMBEDDINGS_FILE = "embeddings.npz"


def prefill_embedding_cache(*, session: Session, model: str) -> int:
    """Load the shipped vectors of the demo texts into the embedding cache (if made with ``model``).

    Embedding the 4,000 demo passages takes minutes on two cores; with the cache prefilled, indexing
    the demo takes seconds. The file is built by ``scripts/build_demo_embeddings.py``.
    """
    import numpy as np
    from sqlalchemy import select

    from govlotse.matching.models import EmbeddingCache

    path = data_dir() / EMBEDDINGS_FILE
    if not path.exists():
        return 0
    with np.load(path, allow_pickle=False) as data:
        if str(data["model"]) != model:
            return 0
        keys = [str(k) for k in data["keys"]]
        vectors = data["vectors"].astype(np.float32)
    present = set(session.scalars(select(EmbeddingCache.content_hash).where(EmbeddingCache.model == model)))
    rows = [
        EmbeddingCache(model=model, content_hash=key, vector=vector)
        for key, vector in zip(keys, vectors, strict=True)
        if key not in present
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def _ensure_users(session: Session) -> None:
    for demo in DEMO_LOGINS:
        if accounts.get_user_by_email(session=session, email=demo.email):
            continue
        org = by_external_id(session, Organisation, demo.organisation)
        accounts.create_user(
            session=session,
            actor=SYSTEM,
            user_in=UserCreate(
                email=demo.email,
                name=demo.name,
                role=demo.role,
                password=demo.password,
                organisation_ids=[org.id] if org else [],
            ),
        )
