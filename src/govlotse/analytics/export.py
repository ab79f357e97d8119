"""The data behind every chart as a table: shown as HTML (German number formats), downloaded as CSV or XLSX.

CSV is plain RFC 4180 (UTF-8, comma, decimal point, shares as fractions 0–1) for programs; XLSX has
typed cells with number formats, so a spreadsheet shows them in its user's locale.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from govlotse.i18n import translate


class Kind(StrEnum):
    text = "text"
    year = "year"
    integer = "integer"
    days = "days"  # one decimal
    share = "share"  # a fraction 0–1, shown as percent
    money = "money"  # whole euros
    day = "day"  # a date


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.integer


@dataclass
class Table:
    key: str
    caption: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    definition: str = ""

    def cells(self, lang: str) -> list[list[str]]:
        """Every row formatted for the page (the first cell is the row header)."""
        return [[fmt(v, c.kind, lang) for v, c in zip(row, self.columns, strict=True)] for row in self.rows]


# ---------------------------------------------------------------- formats for people


def number(value: float | None, lang: str, digits: int = 0) -> str:
    """1.234,5 in German, 1,234.5 in English; – for no value."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "de" else text


def percent(share: float | None, lang: str) -> str:
    if share is None:
        return "–"
    return number(share * 100, lang, 1) + (" %" if lang == "de" else "%")


def money(value: float | None, lang: str) -> str:
    return "–" if value is None else number(value, lang) + " €"


def fmt(value: Any, kind: Kind, lang: str) -> str:
    if value is None:
        return "–"
    if kind == Kind.integer:
        return number(value, lang)
    if kind == Kind.days:
        return number(value, lang, 1)
    if kind == Kind.share:
        return percent(value, lang)
    if kind == Kind.money:
        return money(value, lang)
    if kind == Kind.day and isinstance(value, date):
        return value.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")
    return str(value)


# ---------------------------------------------------------------- files


def _raw(value: Any, kind: Kind) -> Any:
    if value is None:
        return ""
    if kind == Kind.share:
        return round(float(value), 4)
    if kind == Kind.days:
        return round(float(value), 1)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([_raw(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    return out.getvalue().encode("utf-8")


XLSX_FORMATS = {
    Kind.integer: "#,##0",
    Kind.days: "0.0",
    Kind.share: "0.0%",
    Kind.money: '#,##0 "€"',
    Kind.year: "0",
}


def to_xlsx(table: Table, *, lang: str, generated_at: datetime) -> bytes:
    """A workbook: the table on the first sheet (header in row 1), caption and definition on a second."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.key[:31]
    sheet.append([c.label for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([None if v is None else v for v in row])
    for index, column in enumerate(table.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(48, len(column.label) + 2))
        number_format = XLSX_FORMATS.get(column.kind) or ("DD.MM.YYYY" if lang == "de" else "YYYY-MM-DD")
        if column.kind == Kind.text:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(translate("Hinweise", lang)[:31])
    notes.append([table.caption])
    notes["A1"].font = Font(bold=True)
    if table.definition:
        notes.append([table.definition])
    notes.append([translate("Stand: {date}", lang, date=generated_at.strftime("%Y-%m-%d %H:%M UTC"))])
    notes.append([translate("Quelle: GovLotse", lang)])
    notes.column_dimensions["A"].width = 120
    book.properties.title = table.caption
    book.properties.creator = "GovLotse"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
