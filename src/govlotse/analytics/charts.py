"""Charts as inline SVG, drawn in Python: no script, no style attribute (the CSP allows neither), no library.

Readable without colour: every bar carries its value as text, series differ by pattern (solid, hatched,
dotted) and are named in a legend, the stage-time chart explains its marks in a legend. Colours are the
site's ink and harbour blue on white (contrast far above 3:1). Each SVG is ``role="img"`` with a
``<title>`` and a ``<desc>`` that lists every value; the data table next to each chart has the same data.
Texts come in translated and formatted; widths are estimated from the number of characters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#1b1f24"
MUTED = "#4a5360"
BRAND = "#003063"
GRID = "#c9d1dc"
PAPER = "#ffffff"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
WIDTH = 640
CHAR = 8.8  # generous average width of a character at 14 px (fonts differ between systems)
BOLD = 9.4  # the same for bold text


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown next to the bar


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    texts: Sequence[str]


@dataclass(frozen=True)
class Range:
    """One row of the stage-time chart; ``median`` None means no data (``text`` says why)."""

    label: str
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None
    text: str


def _attrs(**attrs: object) -> str:
    return " ".join(f'{k.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 14, weight: str = "normal") -> str:
    return (
        f"<text {_attrs(x=_n(x), y=_n(y), text_anchor=anchor, font_size=size, font_weight=weight, fill=INK)}>"
        f"{escape(content)}</text>"
    )


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _defs(chart_id: str) -> str:
    """Patterns that tell series apart without colour: hatched and dotted, in harbour blue on white."""
    return (
        "<defs>"
        f'<pattern id="{chart_id}-p1" patternUnits="userSpaceOnUse" width="8" height="8" '
        'patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="{PAPER}"/><rect width="3" height="8" fill="{BRAND}"/></pattern>'
        f'<pattern id="{chart_id}-p2" patternUnits="userSpaceOnUse" width="7" height="7">'
        f'<rect width="7" height="7" fill="{PAPER}"/><circle cx="3.5" cy="3.5" r="2" fill="{BRAND}"/></pattern>'
        "</defs>"
    )


def _fill(chart_id: str, index: int) -> str:
    return BRAND if index % 3 == 0 else f"url(#{chart_id}-p{index % 3})"


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    head = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {_n(height)}",
        width=WIDTH,
        height=_n(height),
        role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
        font_family=FONT,
        font_size=14,
        class_="chart",
    )
    return Markup(  # safe: every text and attribute value above is escaped
        f'<svg id="{escape(chart_id)}" {head}>'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f"{_defs(escape(chart_id))}{''.join(body)}</svg>"
    )


def _listing(pairs: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{label}: {text}" for label, text in pairs) + "."


def _text_width(texts: Sequence[str], *, low: float, high: float, per_char: float = CHAR) -> float:
    longest = max((len(t) for t in texts), default=0)
    return min(high, max(low, longest * per_char + 20))


def tick_step(value: float, ticks: int = 4) -> float:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten, at least 1) whose ``ticks`` reach ``value``."""
    if value <= ticks:
        return 1
    magnitude = 10 ** math.floor(math.log10(value / ticks))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude * ticks >= value)


def bar_chart(*, chart_id: str, title: str, desc: str, bars: Sequence[Bar]) -> Markup:
    """Horizontal bars, one per row, label on the left and the value written after the bar."""
    row, bar_h, top = 34, 22, 8
    label_w = _text_width([b.label for b in bars], low=60, high=230)
    value_w = _text_width([b.text for b in bars], low=40, high=200, per_char=BOLD)
    area = WIDTH - label_w - value_w - 8
    top_value = max((b.value for b in bars), default=0) or 1
    height = top + row * len(bars) + 8
    body = []
    for i, b in enumerate(bars):
        y = top + i * row
        length = area * b.value / top_value
        body.append(_text(label_w - 8, y + bar_h / 2 + 5, b.label, anchor="end"))
        if length > 0:
            rect = _attrs(x=_n(label_w), y=y, width=_n(max(length, 2)), height=bar_h, fill=BRAND, stroke=BRAND)
            body.append(f"<rect {rect}/>")
        body.append(_text(label_w + length + 6, y + bar_h / 2 + 5, b.text, weight="bold"))
    axis = _attrs(x1=_n(label_w), x2=_n(label_w), y1=top - 4, y2=_n(height - 4), stroke=INK, stroke_width=1)
    body.append(f"<line {axis}/>")
    return _svg(chart_id, title, f"{desc} {_listing([(b.label, b.text) for b in bars])}", height, body)


def column_chart(
    *, chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series]
) -> Markup:
    """Vertical bars per category; several series side by side, told apart by pattern and a legend."""
    legend_h = 28 if len(series) > 1 else 0
    top, plot_h, bottom = 26 + legend_h, 170, 30
    left, right = 8, 8
    height = top + plot_h + bottom
    group_w = (WIDTH - left - right) / max(1, len(categories))
    bar_w = min(46.0, group_w * 0.8 / max(1, len(series)))
    top_value = max((v for s in series for v in s.values), default=0) or 1
    value_size = 13 if bar_w >= 30 else 11
    body = []
    x: float = left
    for index, s in enumerate(series if legend_h else []):
        swatch = _attrs(x=_n(x), y=6, width=16, height=16, fill=_fill(chart_id, index), stroke=BRAND)
        body.append(f"<rect {swatch}/>")
        body.append(_text(x + 22, 19, s.name))
        x += 22 + len(s.name) * CHAR + 24
    base_y = top + plot_h
    for c, category in enumerate(categories):
        gx = left + c * group_w + (group_w - bar_w * len(series)) / 2
        for index, s in enumerate(series):
            value, label = s.values[c], s.texts[c]
            h = plot_h * value / top_value
            bx = gx + index * bar_w
            if h > 0:
                rect = _attrs(
                    x=_n(bx + 1),
                    y=_n(base_y - max(h, 2)),
                    width=_n(bar_w - 2),
                    height=_n(max(h, 2)),
                    fill=_fill(chart_id, index),
                    stroke=BRAND,
                )
                body.append(f"<rect {rect}/>")
            body.append(_text(bx + bar_w / 2, base_y - h - 5, label, anchor="middle", size=value_size, weight="bold"))
        body.append(_text(left + c * group_w + group_w / 2, base_y + 20, category, anchor="middle", size=13))
    axis = _attrs(x1=left, x2=WIDTH - right, y1=base_y, y2=base_y, stroke=INK, stroke_width=1)
    body.append(f"<line {axis}/>")
    listing = [
        (f"{category} – {s.name}" if len(series) > 1 else category, s.texts[c])
        for c, category in enumerate(categories)
        for s in series
    ]
    return _svg(chart_id, title, f"{desc} {_listing(listing)}", height, body)


def range_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[Range],
    legend: tuple[str, str, str],
    axis_label: str,
    fmt: Callable[[float], str],
) -> Markup:
    """Per row: a line from minimum to maximum, a hatched box for the middle half, a bold median mark.

    ``legend`` names the three marks (range, middle half, median); the median is also written as text.
    """
    row, top, legend_h = 40, 34, 0
    label_w = _text_width([r.label for r in rows], low=60, high=200)
    text_w = _text_width([r.text for r in rows], low=60, high=250, per_char=BOLD)
    left, right = label_w, WIDTH - text_w
    top_value = 4 * tick_step(max((r.maximum or 0 for r in rows), default=0))
    height = top + legend_h + row * len(rows) + 40

    def x_of(value: float) -> float:
        return left + (right - left) * value / top_value

    whisker, box, median = legend
    body = [
        f"<line {_attrs(x1=8, x2=28, y1=14, y2=14, stroke=INK, stroke_width=2)}/>",
        _text(34, 19, whisker, size=13),
    ]
    x = 34 + len(whisker) * CHAR + 18
    body += [
        f"<rect {_attrs(x=_n(x), y=6, width=22, height=16, fill=_fill(chart_id, 1), stroke=BRAND)}/>",
        _text(x + 28, 19, box, size=13),
    ]
    x += 28 + len(box) * CHAR + 18
    body += [
        f"<line {_attrs(x1=_n(x + 6), x2=_n(x + 6), y1=4, y2=24, stroke=BRAND, stroke_width=5)}/>",
        _text(x + 16, 19, median, size=13),
    ]
    for tick in range(5):
        value = top_value * tick / 4
        tx = x_of(value)
        y_end = top + row * len(rows)
        body.append(f"<line {_attrs(x1=_n(tx), x2=_n(tx), y1=top, y2=y_end, stroke=GRID, stroke_width=1)}/>")
        body.append(_text(tx, y_end + 18, fmt(value), anchor="middle", size=12))
    body.append(_text((left + right) / 2, top + row * len(rows) + 36, axis_label, anchor="middle", size=13))
    for i, r in enumerate(rows):
        cy = top + i * row + row / 2
        body.append(_text(label_w - 8, cy + 5, r.label, anchor="end"))
        if r.median is None or r.minimum is None or r.maximum is None or r.q1 is None or r.q3 is None:
            body.append(
                f"<text {_attrs(x=_n(left + 6), y=_n(cy + 5), fill=MUTED, font_size=13)}>{escape(r.text)}</text>"
            )
            continue
        x1, x2 = x_of(r.minimum), x_of(r.maximum)
        body.append(f"<line {_attrs(x1=_n(x1), x2=_n(x2), y1=_n(cy), y2=_n(cy), stroke=INK, stroke_width=2)}/>")
        for end in (x1, x2):
            body.append(
                f"<line {_attrs(x1=_n(end), x2=_n(end), y1=_n(cy - 7), y2=_n(cy + 7), stroke=INK, stroke_width=2)}/>"
            )
        bx1, bx2 = x_of(r.q1), x_of(r.q3)
        rect = _attrs(
            x=_n(bx1), y=_n(cy - 10), width=_n(max(bx2 - bx1, 2)), height=20, fill=_fill(chart_id, 1), stroke=BRAND
        )
        body.append(f"<rect {rect}/>")
        mx = x_of(r.median)
        body.append(
            f"<line {_attrs(x1=_n(mx), x2=_n(mx), y1=_n(cy - 14), y2=_n(cy + 14), stroke=BRAND, stroke_width=5)}/>"
        )
        body.append(_text(right + 10, cy + 5, r.text, weight="bold"))
    return _svg(chart_id, title, f"{desc} {_listing([(r.label, r.text) for r in rows])}", height, body)
