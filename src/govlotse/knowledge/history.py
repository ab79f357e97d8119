"""Articles' version history (who changed what, with a line diff) and their attachments.

Attachments are kept in the database with the article (one backup holds everything). Only document and
image types officials exchange are accepted, up to ``GOVLOTSE_ATTACHMENT_MAX_MB``; the file's first bytes
must match its type (a renamed executable is refused), and downloads are always sent as attachments.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from govlotse.config import settings
from govlotse.core import audit
from govlotse.core.actor import Actor
from govlotse.core.models import utcnow
from govlotse.errors import Forbidden, Invalid, NotFound
from govlotse.i18n import N_
from govlotse.knowledge.models import Article, ArticleAttachment, ArticleRevision

# ---------------------------------------------------------------- versions


def snapshot(session: Session, *, actor: Actor, article: Article) -> ArticleRevision:
    """Record the article as it is now as its next version."""
    last = session.scalar(select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article.id))
    revision = ArticleRevision(
        article_id=article.id,
        number=(last or 0) + 1,
        title=article.title,
        body=article.body,
        tags=[t.slug for t in article.tags],
        changed_at=utcnow(),
        changed_by_id=actor.user_id,
        changed_by_label=actor.label,
    )
    session.add(revision)
    session.flush()
    return revision


def revisions(session: Session, *, article: Article) -> list[ArticleRevision]:
    """Every version, newest first."""
    return list(
        session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number.desc())
        )
    )


def revision(session: Session, *, article: Article, number: int) -> tuple[ArticleRevision, ArticleRevision | None]:
    """One version and the one before it (None for the first)."""
    rows = {
        r.number: r
        for r in session.scalars(
            select(ArticleRevision).where(
                ArticleRevision.article_id == article.id, ArticleRevision.number.in_([number, number - 1])
            )
        )
    }
    if number not in rows:
        raise NotFound("article version", number)
    return rows[number], rows.get(number - 1)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def diff(before: str, after: str) -> list[DiffLine]:
    """A line diff of two texts (a paragraph-sized context is enough to see what changed)."""
    out: list[DiffLine] = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        code, text = line[:2], line[2:]
        if code == "  ":
            out.append(DiffLine("same", text))
        elif code == "+ ":
            out.append(DiffLine("added", text))
        elif code == "- ":
            out.append(DiffLine("removed", text))
    return out


# ---------------------------------------------------------------- attachments

# Extension → (content type, accepted leading bytes; empty: text, checked to be UTF-8 without NUL).
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "csv": ("text/csv", ()),
    "txt": ("text/plain", ()),
    "md": ("text/markdown", ()),
}
MAX_PER_ARTICLE = 20

TYPE_REFUSED = N_("Dateien dieses Typs werden nicht angenommen. Erlaubt: {types}.")
CONTENT_MISMATCH = N_("Der Inhalt der Datei passt nicht zu ihrer Endung .{ext}.")
TOO_LARGE = N_("Die Datei ist zu groß (höchstens {mb} MB).")
EMPTY = N_("Die Datei ist leer.")
TOO_MANY = N_("Ein Artikel hat höchstens {n} Anhänge.")
NOT_EDITOR = N_("Anhänge fügen die Autorin oder der Autor und die Lotsenstelle hinzu.")


def max_bytes() -> int:
    return settings.attachment_max_mb * 1024 * 1024


def clean_filename(name: str) -> str:
    """The file's own name without folders or control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    name = re.sub(r"\s+", " ", name)
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 199 - len(ext)] + dot + ext) if dot else name[:200]
    return name or "anhang"


def add_attachment(
    session: Session, *, actor: Actor, article: Article, filename: str, data: bytes, may_edit: bool
) -> ArticleAttachment:
    if not may_edit:
        raise Forbidden(NOT_EDITOR)
    name = clean_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise Invalid.on("file", TYPE_REFUSED, types=", ".join(sorted({e for e in ALLOWED if e != "jpeg"})))
    if not data:
        raise Invalid.on("file", EMPTY)
    if len(data) > max_bytes():
        raise Invalid.on("file", TOO_LARGE, mb=settings.attachment_max_mb)
    content_type, magic = ALLOWED[ext]
    if magic and not any(data.startswith(m) for m in magic):
        raise Invalid.on("file", CONTENT_MISMATCH, ext=ext)
    if not magic:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid.on("file", CONTENT_MISMATCH, ext=ext) from None
        if "\x00" in text:
            raise Invalid.on("file", CONTENT_MISMATCH, ext=ext)
    count = session.scalar(select(func.count()).where(ArticleAttachment.article_id == article.id)) or 0
    if count >= MAX_PER_ARTICLE:
        raise Invalid.on("file", TOO_MANY, n=MAX_PER_ARTICLE)
    attachment = ArticleAttachment(
        article_id=article.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_at=utcnow(),
        uploaded_by_id=actor.user_id,
        uploaded_by_label=actor.label,
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="article.attach",
        entity_type="article",
        entity_id=article.id,
        data={"attachment_id": attachment.id, "filename": name, "size": len(data), "sha256": attachment.sha256},
    )
    return attachment


def attachments(session: Session, *, article: Article) -> list[ArticleAttachment]:
    return list(
        session.scalars(
            select(ArticleAttachment)
            .where(ArticleAttachment.article_id == article.id)
            .order_by(ArticleAttachment.uploaded_at, ArticleAttachment.id)
        )
    )


def attachment(session: Session, *, article: Article, attachment_id: int, with_data: bool = False) -> ArticleAttachment:
    stmt = select(ArticleAttachment).where(
        ArticleAttachment.id == attachment_id, ArticleAttachment.article_id == article.id
    )
    if with_data:
        stmt = stmt.options(undefer(ArticleAttachment.data))
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("attachment", attachment_id)
    return found


def remove_attachment(session: Session, *, actor: Actor, article: Article, attachment_id: int, may_edit: bool) -> None:
    if not may_edit:
        raise Forbidden(NOT_EDITOR)
    found = attachment(session, article=article, attachment_id=attachment_id)
    audit.record(
        session,
        actor=actor,
        action="article.detach",
        entity_type="article",
        entity_id=article.id,
        data={"attachment_id": found.id, "filename": found.filename, "sha256": found.sha256},
    )
    session.delete(found)
    session.flush()
