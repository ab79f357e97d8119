"""Taxonomy: look up and maintain the shared tags."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.core import audit
from govlotse.core.actor import Actor
from govlotse.errors import Forbidden, Invalid
from govlotse.taxonomy.models import Tag
from govlotse.taxonomy.schemas import TagCreate


def list_tags(*, session: Session, kind: str | None = None) -> list[Tag]:
    """All tags, optionally of one kind, ordered by kind and slug."""
    stmt = select(Tag).order_by(Tag.kind, Tag.slug)
    if kind:
        stmt = stmt.where(Tag.kind == kind)
    return list(session.scalars(stmt))


def resolve(*, session: Session, slugs: Iterable[str], field: str = "tags") -> list[Tag]:
    """The tags for ``slugs``; unknown slugs are an input error naming them."""
    wanted = list(dict.fromkeys(s.strip().lower() for s in slugs if s and s.strip()))
    if not wanted:
        return []
    found = {t.slug: t for t in session.scalars(select(Tag).where(Tag.slug.in_(wanted)))}
    unknown = [s for s in wanted if s not in found]
    if unknown:
        raise Invalid.on(field, "Unbekanntes Schlagwort: {slugs}", slugs=", ".join(unknown))
    return [found[s] for s in wanted]


def upsert(*, session: Session, actor: Actor, tag_in: TagCreate) -> Tag:
    """Create a tag or update its labels (admins and the CLI only)."""
    if not actor.sees_everything:
        raise Forbidden()
    tag = session.scalar(select(Tag).where(Tag.slug == tag_in.slug))
    if tag is None:
        tag = Tag(**tag_in.model_dump())
        session.add(tag)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="tag.create",
            entity_type="tag",
            entity_id=tag.id,
            data=tag_in.model_dump(),
        )
        return tag
    before = {"kind": tag.kind, "label_de": tag.label_de, "label_en": tag.label_en}
    after = tag_in.model_dump(exclude={"slug"})
    diff = audit.changes(before, after)
    if diff:
        for key, value in after.items():
            setattr(tag, key, value)
        session.flush()
        audit.record(session, actor=actor, action="tag.update", entity_type="tag", entity_id=tag.id, data=diff)
    return tag
