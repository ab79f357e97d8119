"""Web pages and JSON API: an article's versions and attachments."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile as StarletteUploadFile

from govlotse.config import settings
from govlotse.core.openapi import errors
from govlotse.core.schemas import Id
from govlotse.deps import ActorDep, LangDep, LoggedInDep, SessionDep
from govlotse.errors import Forbidden, Invalid
from govlotse.i18n import N_
from govlotse.knowledge import history, service
from govlotse.knowledge.articles_api import CurrentArticle
from govlotse.knowledge.models import ArticleAttachment
from govlotse.knowledge.web import article_page
from govlotse.web.forms import from_invalid, posted_form, read_form
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/articles", tags=["knowledge"])

NO_FILE = N_("Bitte wählen Sie eine Datei.")


def download(found: ArticleAttachment) -> Response:
    """The file as a download, never displayed inline (no content sniffing, no scripts)."""
    ascii_name = found.filename.encode("ascii", "replace").decode().replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.filename)}"
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )


def _upload_of(request: Request) -> tuple[str, bytes] | None:
    """The uploaded file of a form, refused before reading when the request is far too large."""
    length = int(request.headers.get("content-length") or 0)
    if length > history.max_bytes() + 1_000_000:
        raise Invalid.on("file", history.TOO_LARGE, mb=settings.attachment_max_mb)
    form = posted_form(request)
    upload = form.get("file")
    if not isinstance(upload, StarletteUploadFile) or not upload.filename:
        return None
    data = upload.file.read(history.max_bytes() + 1)
    return upload.filename, data


# ---------------------------------------------------------------- pages


@router.get("/wissen/artikel/{article_id}/versionen", response_class=HTMLResponse)
def versions(request: Request, article: CurrentArticle, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    return render(
        request,
        "knowledge/article_versions.html",
        {"section": "knowledge", "a": article, "revisions": history.revisions(session, article=article)},
    )


@router.get("/wissen/artikel/{article_id}/versionen/{number}", response_class=HTMLResponse)
def version(
    request: Request, article: CurrentArticle, number: Id, session: SessionDep, actor: LoggedInDep
) -> HTMLResponse:
    current, before = history.revision(session, article=article, number=number)
    changes = history.diff(before.body if before else "", current.body)
    return render(
        request,
        "knowledge/article_version.html",
        {"section": "knowledge", "a": article, "r": current, "before": before, "changes": changes},
    )


@router.post("/wissen/artikel/{article_id}/anhaenge")
def attach(
    request: Request, article: CurrentArticle, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    data = read_form(request)  # checks the CSRF token (the file itself is read below)
    if not service.may_edit_article(actor, article):
        raise Forbidden(history.NOT_EDITOR)
    try:
        upload = _upload_of(request)
        if upload is None:
            raise Invalid.on("file", NO_FILE)
        history.add_attachment(
            session,
            actor=actor,
            article=article,
            filename=upload[0],
            data=upload[1],
            may_edit=service.may_edit_article(actor, article),
        )
    except Invalid as exc:
        return article_page(
            request, session, actor, article, errors=from_invalid(exc, data, lang).errors, status_code=422
        )
    return RedirectResponse(f"/wissen/artikel/{article.id}?flash=attached#attachments-title", status_code=303)


@router.get("/wissen/artikel/{article_id}/anhaenge/{attachment_id}")
def attachment_file(article: CurrentArticle, attachment_id: Id, session: SessionDep) -> Response:
    return download(history.attachment(session, article=article, attachment_id=attachment_id, with_data=True))


@router.post("/wissen/artikel/{article_id}/anhaenge/{attachment_id}/loeschen")
def detach(
    request: Request, article: CurrentArticle, attachment_id: Id, session: SessionDep, actor: LoggedInDep
) -> Response:
    read_form(request)
    history.remove_attachment(
        session,
        actor=actor,
        article=article,
        attachment_id=attachment_id,
        may_edit=service.may_edit_article(actor, article),
    )
    return RedirectResponse(f"/wissen/artikel/{article.id}?flash=detached#attachments-title", status_code=303)


# ---------------------------------------------------------------- API


class RevisionRead(BaseModel):
    number: int
    title: str
    body: str
    tags: list[str]
    changed_at: datetime
    changed_by: str


class AttachmentRead(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


@api.get("/{article_id}/revisions", response_model=list[RevisionRead], responses=errors(401, 404, 422))
def revisions_api(article: CurrentArticle, session: SessionDep, actor: LoggedInDep) -> object:
    """Every version of an article, newest first, with who saved it."""
    return [
        RevisionRead(
            number=r.number,
            title=r.title,
            body=r.body,
            tags=r.tags,
            changed_at=r.changed_at,
            changed_by=r.changed_by_label.split(" <", 1)[0],
        )
        for r in history.revisions(session, article=article)
    ]


@api.get("/{article_id}/attachments", response_model=list[AttachmentRead], responses=errors(404, 422))
def attachments_api(article: CurrentArticle, session: SessionDep) -> object:
    return [
        AttachmentRead.model_validate(a, from_attributes=True) for a in history.attachments(session, article=article)
    ]


@api.post(
    "/{article_id}/attachments", status_code=201, response_model=AttachmentRead, responses=errors(401, 403, 404, 422)
)
def attach_api(article: CurrentArticle, file: UploadFile, session: SessionDep, actor: LoggedInDep) -> object:
    """Attach a file (PDF, images, office documents, CSV, text; size limited) — the author and the unit."""
    data = file.file.read(history.max_bytes() + 1)
    found = history.add_attachment(
        session,
        actor=actor,
        article=article,
        filename=file.filename or "",
        data=data,
        may_edit=service.may_edit_article(actor, article),
    )
    return AttachmentRead.model_validate(found, from_attributes=True)


FILE_TYPES: dict[str, dict[str, object]] = {content_type: {} for content_type, _magic in history.ALLOWED.values()}


@api.get(
    "/{article_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={**errors(404, 422), 200: {"content": FILE_TYPES, "description": "The file, as a download"}},
)
def attachment_api(article: CurrentArticle, attachment_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    return download(history.attachment(session, article=article, attachment_id=attachment_id, with_data=True))


@api.delete("/{article_id}/attachments/{attachment_id}", status_code=204, responses=errors(401, 403, 404, 422))
def detach_api(article: CurrentArticle, attachment_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    history.remove_attachment(
        session,
        actor=actor,
        article=article,
        attachment_id=attachment_id,
        may_edit=service.may_edit_article(actor, article),
    )
    return Response(status_code=204)
