"""Responses for downloads: documents as PDF or Markdown."""

from __future__ import annotations

from fastapi.responses import Response

from govlotse.core.documents import Document


def document_response(doc: Document, name: str, fmt: str) -> Response:
    """A document as a download (PDF) or as Markdown text shown inline."""
    if fmt == "pdf":
        return Response(
            doc.pdf(),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return Response(
        doc.markdown(),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}.md"'},
    )
