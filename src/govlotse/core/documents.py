"""Documents for the procurement file (Vergabeakte): one structure, rendered as Markdown and as PDF.

A domain builds a :class:`Document` from headings, paragraphs, facts (label/value pairs) and tables;
:meth:`Document.markdown` and :meth:`Document.pdf` render the same content. The PDF is typeset
offline by Typst (PDF/A-2b, fonts bundled with Typst, so the output is the same on every machine).
User text is passed to Typst as string literals, never as markup, so no input can change the layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

Cell = str | int | float | None


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Facts:
    rows: Sequence[tuple[str, Cell]]


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    numeric: Sequence[int] = ()  # right-aligned columns
    empty: str = "–"


@dataclass(frozen=True)
class Items:
    items: Sequence[str]


Block = Heading | Paragraph | Facts | Table | Items


@dataclass
class Document:
    title: str
    subtitle: str = ""
    footer: str = "GovLotse"
    lang: str = "de"
    blocks: list[Block] = field(default_factory=list)

    def h(self, text: str, level: int = 2) -> Document:
        self.blocks.append(Heading(text, level))
        return self

    def p(self, text: str, *, small: bool = False) -> Document:
        if text.strip():
            self.blocks.append(Paragraph(text.strip(), small))
        return self

    def facts(self, rows: Sequence[tuple[str, Cell]]) -> Document:
        self.blocks.append(Facts(list(rows)))
        return self

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[Cell]], *, numeric: Sequence[int] = (), empty: str = "–"
    ) -> Document:
        self.blocks.append(Table(list(header), [list(r) for r in rows], numeric, empty))
        return self

    def items(self, items: Sequence[str]) -> Document:
        self.blocks.append(Items([i for i in items if i.strip()]))
        return self

    # ------------------------------------------------------------ Markdown

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        if self.subtitle:
            out += [f"_{_md_inline(self.subtitle)}_", ""]
        for block in self.blocks:
            if isinstance(block, Heading):
                out += [f"{'#' * min(block.level, 6)} {_md_inline(block.text)}", ""]
            elif isinstance(block, Paragraph):
                out += [_md_text(block.text), ""]
            elif isinstance(block, Facts):
                out += [f"- **{_md_inline(k)}:** {_md_inline(_cell(v))}" for k, v in block.rows] + [""]
            elif isinstance(block, Items):
                out += [f"- {_md_inline(i)}" for i in block.items] + [""]
            elif isinstance(block, Table):
                if not block.rows:
                    out += [_md_inline(block.empty), ""]
                    continue
                out.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
                out.append(
                    "|" + "|".join("---:" if i in block.numeric else "---" for i in range(len(block.header))) + "|"
                )
                out += ["| " + " | ".join(_md_cell(_cell(c)) for c in row) + " |" for row in block.rows]
                out.append("")
        out += ["---", "", _md_inline(self.footer), ""]
        return "\n".join(out)

    # ------------------------------------------------------------ Typst / PDF

    def typst(self) -> str:
        lines = [
            f'#set document(title: {_s(self.title)}, author: "GovLotse")',
            '#set page(paper: "a4", margin: (x: 2cm, top: 2cm, bottom: 2.2cm), footer: context ['
            f"#set text(size: 8pt, fill: luma(90)); #{_s(self.footer)} #h(1fr) "
            '#counter(page).display("1 / 1", both: true)])',
            f"#set text(lang: {_s(self.lang)}, size: 10pt)",
            "#set par(justify: false)",
            "#set table(stroke: 0.5pt + luma(160), inset: 5pt)",
            "#show heading.where(level: 1): set text(size: 17pt)",
            "#show heading.where(level: 2): set text(size: 13pt)",
            f"#heading(level: 1)[#{_s(self.title)}]",
        ]
        if self.subtitle:
            lines.append(f"#text(fill: luma(70))[#{_s(self.subtitle)}]")
        for block in self.blocks:
            if isinstance(block, Heading):
                lines.append(f"#heading(level: {min(block.level, 4)})[#{_s(block.text)}]")
            elif isinstance(block, Paragraph):
                for para in block.text.split("\n\n"):
                    size = "8.5pt" if block.small else "10pt"
                    lines.append(f"#par[#text(size: {size})[#{_s(para.strip())}]]")
            elif isinstance(block, Facts):
                cells = ", ".join(f"[*#{_s(k)}*], [#{_s(_cell(v))}]" for k, v in block.rows)
                lines.append(f"#grid(columns: (auto, 1fr), column-gutter: 10pt, row-gutter: 6pt, {cells})")
            elif isinstance(block, Items):
                lines += [f"- #{_s(i)}" for i in block.items]
            elif isinstance(block, Table):
                if not block.rows:
                    lines.append(f"#par[#emph[#{_s(block.empty)}]]")
                    continue
                n = len(block.header)
                align = ", ".join("right" if i in block.numeric else "left" for i in range(n))
                header = ", ".join(f"[*#{_s(h)}*]" for h in block.header)
                body = ", ".join(f"[#{_s(_cell(c))}]" for row in block.rows for c in row)
                lines.append(
                    f"#table(columns: {n}, align: ({align},), fill: (_, y) => if y == 0 {{ luma(235) }}, "
                    f"table.header({header}), {body})"
                )
        return "\n".join(lines) + "\n"

    def pdf(self, *, at: datetime | None = None) -> bytes:
        """The document as PDF/A-2b, typeset offline."""
        import typst

        stamp = int((at or datetime.now(UTC)).timestamp())
        return bytes(
            typst.compile(self.typst().encode(), ignore_system_fonts=True, pdf_standards=["a-2b"], timestamp=stamp)
        )


def _cell(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
    return str(value)


# Control characters (other than line breaks and tabs) have no glyph: PDF/A refuses them, and they carry no
# meaning in a document. Stored text may contain them (imports, API clients); the document leaves them out.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])


def _s(text: str) -> str:
    """A Typst string literal: the text is shown as it is, never interpreted as markup."""
    text = text.translate(_CONTROL)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{escaped}"'


_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|"})


def _md_inline(text: str) -> str:
    return " ".join(text.split()).translate(_MD_SPECIAL)


def _md_cell(text: str) -> str:
    return _md_inline(text)


def _md_text(text: str) -> str:
    return "\n\n".join(_md_inline(p) for p in text.split("\n\n"))
