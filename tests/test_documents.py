"""Documents for the procurement file: Markdown and PDF/A from the same content."""

from __future__ import annotations

import io

from pypdf import PdfReader

from govlotse.core.documents import Document


def test_control_characters_in_stored_text_do_not_break_the_pdf() -> None:
    # Found by the API fuzz run: a comment with U+0013 made the PDF/A export fail with a server error.
    doc = Document(title="Fall\x13 1").p("Bemerkung mit Steuerzeichen:\x13\x7f\x00 und Umlauten äöü ß\tTab")
    doc.table(["Spalte\x01"], [["Wert\x1f"]])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(doc.pdf())).pages)
    assert "Bemerkung mit Steuerzeichen:" in text and "äöü" in text
    assert "\x13" not in doc.typst()
