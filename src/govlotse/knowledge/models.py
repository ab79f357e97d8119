"""Knowledge base: public-sector AI use cases from own pilots and public registers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govlotse.core.models import Base, Provenance, StringList, Timestamped, UTCDateTime
from govlotse.organisations.models import Organisation
from govlotse.taxonomy.models import Tag

usecase_tags = Table(
    "usecase_tags",
    Base.metadata,
    Column("usecase_id", ForeignKey("usecases.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class UseCase(Timestamped, Provenance, Base):
    __tablename__ = "usecases"

    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    organisation_name: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    sector: Mapped[str] = mapped_column(String(200), default="")
    technology: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(2), default="en")
    source_url: Mapped[str | None] = mapped_column(String(500))

    tags: Mapped[list[Tag]] = relationship(secondary=usecase_tags, lazy="raise", order_by=Tag.slug)


class ArticleStatus:
    draft = "draft"
    published = "published"


def author_name_of(label: str) -> str:
    """The name in an author label ``Name <email>``: pages and the API show no e-mail addresses."""
    return label.split(" <", 1)[0].strip() if label else ""


article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


article_usecases = Table(
    "article_usecases",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("usecase_id", ForeignKey("usecases.id", ondelete="CASCADE"), primary_key=True),
)
article_startups = Table(
    "article_startups",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Article(Timestamped, Base):
    """Best practice or lessons learned, written by staff and experts, linked to a case."""

    __tablename__ = "articles"

    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # Markdown
    status: Mapped[str] = mapped_column(String(12), default=ArticleStatus.draft, index=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    challenge_id: Mapped[int | None] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the agency whose case it is
    author_id: Mapped[int | None] = mapped_column(Integer)
    author_label: Mapped[str] = mapped_column(String(200))

    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, lazy="raise", order_by=Tag.slug)
    # What the article is about: known use cases and start-ups (best practices linked to the market).
    usecases: Mapped[list[UseCase]] = relationship(secondary=article_usecases, lazy="raise", order_by="UseCase.title")
    startups: Mapped[list[Organisation]] = relationship(
        secondary=article_startups, lazy="raise", order_by=Organisation.name
    )

    @property
    def usecase_ids(self) -> list[int]:
        return [u.id for u in self.usecases]

    @property
    def startup_ids(self) -> list[int]:
        return [o.id for o in self.startups]

    @property
    def author_name(self) -> str:
        return author_name_of(self.author_label)


class ArticleRevision(Base):
    """One saved state of an article: who changed it and what it said then (version history)."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(StringList, default=list)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(Integer)
    changed_by_label: Mapped[str] = mapped_column(String(200))


class ArticleAttachment(Base):
    """A file attached to an article (types and size limited; see knowledge.attachments)."""

    __tablename__ = "article_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_by_label: Mapped[str] = mapped_column(String(200))
