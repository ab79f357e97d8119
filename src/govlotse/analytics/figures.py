"""The figures as people see them: for each, a definition, key numbers, chart(s) and the table, in one language.

The same :class:`Figure` feeds the page and the CSV/XLSX download of its table, so a download always has
exactly the rows the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from govlotse.analytics import charts
from govlotse.analytics.export import Column, Kind, Table, money, number, percent
from govlotse.analytics.models import Metric
from govlotse.analytics.service import FUNNEL_STEPS, FunnelStep, PublicFigures, UnitFigures, UsageWeek
from govlotse.i18n import N_, translate
from govlotse.web.labels import label

METRIC_LABELS = {
    Metric.page_views: N_("Seitenaufrufe"),
    Metric.searches: N_("Suchen"),
    Metric.registrations: N_("Registrierungen"),
}


@dataclass
class Figure:
    key: str  # anchor on the page and name of the download
    title: str
    definition: str
    table: Table
    charts: list[Markup] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, formatted value)
    subtitles: list[str] = field(default_factory=list)  # one per chart where a figure has several


def _table(key: str, title: str, definition: str, columns: list[Column], rows: list[list[object]]) -> Table:
    return Table(key=key, caption=title, columns=columns, rows=[list(r) for r in rows], definition=definition)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def funnel_figure(funnel: list[FunnelStep], lang: str, *, key: str = "trichter", public: bool = False) -> Figure:
    title = translate("Trichter: vom Bedarf zur Übernahme", lang)
    definition = translate(
        "Jede Stufe zählt Bedarfe. Bedarfe: alle bei der Lotsenstelle eingereichten Bedarfe (ohne Entwürfe und "
        "ohne zusammengeführte Duplikate). Markterkundung: davon mit mindestens einer Markterkundung. Pitch, "
        "Pilot, Übernahme: davon mit mindestens einem Fall, der diese oder eine spätere Phase erreicht hat "
        "(laut Historie der Fälle).",
        lang,
    )
    if public:
        definition += " " + translate("Interne Bedarfe werden mitgezählt, aber nie einzeln gezeigt.", lang)
    first = funnel[0].needs if funnel else 0
    rows: list[list[object]] = []
    bars = []
    previous = first
    for step in funnel:
        name = translate(FUNNEL_STEPS[step.key], lang)
        rows.append([name, step.needs, _share(step.needs, previous), _share(step.needs, first)])
        share = percent(_share(step.needs, first), lang)
        text = number(step.needs, lang) + (f" ({share})" if step.key != "needs" and first else "")
        bars.append(charts.Bar(name, step.needs, text))
        previous = step.needs
    table = _table(
        key,
        title,
        definition,
        [
            Column(translate("Stufe", lang), Kind.text),
            Column(translate("Bedarfe", lang)),
            Column(translate("Anteil an der Vorstufe", lang), Kind.share),
            Column(translate("Anteil an allen Bedarfen", lang), Kind.share),
        ],
        rows,
    )
    chart = charts.bar_chart(
        chart_id=f"chart-{key}",
        title=title,
        desc=translate("Balkendiagramm: Bedarfe je Stufe, in Klammern der Anteil an allen Bedarfen.", lang),
        bars=bars,
    )
    return Figure(key, title, definition, table, [chart])


def stage_time_figure(figures: UnitFigures, lang: str) -> Figure:
    key, title = "phasen", translate("Tage in jeder Phase", lang)
    definition = translate(
        "Tage vom Eintritt eines Falls in eine Phase bis zu seinem nächsten Schritt, aus der Historie der Fälle. "
        "Gezählt werden abgeschlossene Aufenthalte; Fälle, die noch in der Phase sind, stehen in der letzten "
        "Spalte. Die mittlere Hälfte der Aufenthalte liegt zwischen dem 1. und dem 3. Quartil (inklusive "
        "Methode, wie QUARTILE.INKL in Excel).",
        lang,
    )
    rows: list[list[object]] = []
    ranges = []
    for s in figures.stage_times:
        name = label("stage", s.stage, lang)
        rows.append([name, s.completed, s.median, s.q1, s.q3, s.minimum, s.maximum, s.ongoing])
        text = (
            translate("Median {days} Tage (n = {n})", lang, days=number(s.median, lang, 1), n=s.completed)
            if s.median is not None
            else translate("noch kein abgeschlossener Aufenthalt", lang)
        )
        ranges.append(charts.Range(name, s.minimum, s.q1, s.median, s.q3, s.maximum, text))
    table = _table(
        key,
        title,
        definition,
        [
            Column(translate("Phase", lang), Kind.text),
            Column(translate("Abgeschlossene Aufenthalte", lang)),
            Column(translate("Median (Tage)", lang), Kind.days),
            Column(translate("1. Quartil (Tage)", lang), Kind.days),
            Column(translate("3. Quartil (Tage)", lang), Kind.days),
            Column(translate("Minimum (Tage)", lang), Kind.days),
            Column(translate("Maximum (Tage)", lang), Kind.days),
            Column(translate("Fälle derzeit in der Phase", lang)),
        ],
        rows,
    )
    chart = charts.range_chart(
        chart_id=f"chart-{key}",
        title=title,
        desc=translate("Spannweite, mittlere Hälfte und Median der Tage je Phase.", lang),
        rows=ranges,
        legend=(translate("Minimum bis Maximum", lang), translate("mittlere Hälfte", lang), translate("Median", lang)),
        axis_label=translate("Tage", lang),
        fmt=lambda v: number(v, lang, 0 if v >= 10 or v == int(v) else 1),
    )
    return Figure(key, title, definition, table, [chart])


def decisions_figure(figures: UnitFigures, lang: str) -> Figure:
    key, title = "entscheidungen", translate("Übernahmequote", lang)
    d = figures.decisions
    definition = translate(
        "Übernahmequote: übernommene Fälle (Go) geteilt durch alle nach dem Piloten entschiedenen Fälle "
        "(Go oder Stopp).",
        lang,
    )
    adopted, stopped = label("stage", "adopted", lang), label("stage", "stopped", lang)
    table = _table(
        key,
        title,
        definition,
        [
            Column(translate("Ergebnis", lang), Kind.text),
            Column(translate("Fälle", lang)),
            Column(translate("Anteil an den entschiedenen Fällen", lang), Kind.share),
        ],
        [
            [adopted, d.adopted, _share(d.adopted, d.decided)],
            [stopped, d.stopped, _share(d.stopped, d.decided)],
        ],
    )
    bars = [
        charts.Bar(adopted, d.adopted, f"{number(d.adopted, lang)} ({percent(_share(d.adopted, d.decided), lang)})"),
        charts.Bar(stopped, d.stopped, f"{number(d.stopped, lang)} ({percent(_share(d.stopped, d.decided), lang)})"),
    ]
    chart = charts.bar_chart(
        chart_id=f"chart-{key}",
        title=title,
        desc=translate("Balkendiagramm: entschiedene Piloten nach Ergebnis.", lang),
        bars=bars,
    )
    summary = [
        (translate("Übernahmequote", lang), percent(d.adoption_rate, lang)),
        (translate("Entschiedene Piloten", lang), number(d.decided, lang)),
    ]
    return Figure(key, title, definition, table, [chart], summary)


def startups_figure(figures: UnitFigures, lang: str) -> Figure:
    key, title = "startups", translate("Eingebundene Start-ups und Erstlieferanten", lang)
    s = figures.startups
    definition = translate(
        "Eingebunden: Start-ups (Organisationen der Art Start-up) mit mindestens einem Fall in der Pipeline, "
        "gezählt im Jahr ihres ersten Falls. Erstlieferanten: Start-ups, die über GovLotse ihren ersten "
        "Pilotauftrag erhalten haben, gezählt im Jahr, in dem ihr erster Fall die Phase Pilot erreichte. "
        "Aufträge außerhalb von GovLotse kennt die Plattform nicht.",
        lang,
    )
    engaged, suppliers = translate("Neu eingebunden", lang), translate("Erstlieferanten", lang)
    table = _table(
        key,
        title,
        definition,
        [Column(translate("Jahr", lang), Kind.year), Column(engaged), Column(suppliers)],
        [[y.year, y.engaged, y.first_time_suppliers] for y in s.by_year],
    )
    chart = charts.column_chart(
        chart_id=f"chart-{key}",
        title=title,
        desc=translate(
            "Säulendiagramm je Jahr: neu eingebundene Start-ups (voll) und Erstlieferanten (schraffiert).", lang
        ),
        categories=[str(y.year) for y in s.by_year],
        series=[
            charts.Series(engaged, [y.engaged for y in s.by_year], [number(y.engaged, lang) for y in s.by_year]),
            charts.Series(
                suppliers,
                [y.first_time_suppliers for y in s.by_year],
                [number(y.first_time_suppliers, lang) for y in s.by_year],
            ),
        ],
    )
    summary = [
        (translate("Eingebundene Start-ups", lang), number(s.engaged, lang)),
        (translate("Erstlieferanten", lang), number(s.first_time_suppliers, lang)),
    ]
    return Figure(key, title, definition, table, [chart], summary)


def spend_figure(figures: UnitFigures, lang: str) -> Figure:
    key, title = "ausgaben", translate("Ausgaben bei Start-ups", lang)
    definition = translate(
        "Summe der vereinbarten Pilotpreise (netto) aller Piloten, die begonnen haben, nach dem Jahr des "
        "Pilotbeginns. Folgeaufträge nach einer Übernahme sind nicht enthalten.",
        lang,
    )
    table = _table(
        key,
        title,
        definition,
        [
            Column(translate("Jahr", lang), Kind.year),
            Column(translate("Piloten", lang)),
            Column(translate("Summe (netto)", lang), Kind.money),
        ],
        [[y.year, y.pilots, y.total] for y in figures.spend],
    )
    chart = charts.column_chart(
        chart_id=f"chart-{key}",
        title=title,
        desc=translate("Säulendiagramm: Summe der Pilotpreise je Jahr.", lang),
        categories=[str(y.year) for y in figures.spend],
        series=[
            charts.Series(
                translate("Summe (netto)", lang),
                [y.total for y in figures.spend],
                [money(y.total, lang) for y in figures.spend],
            )
        ],
    )
    summary = [(translate("Ausgaben insgesamt (netto)", lang), money(figures.spend_total, lang))]
    return Figure(key, title, definition, table, [chart], summary)


def _week(w: UsageWeek, lang: str) -> str:
    year, week = w.iso
    return translate("KW {week}/{year}", lang, week=week, year=year)


def usage_figure(figures: UnitFigures, lang: str) -> Figure:
    key, title = "nutzung", translate("Nutzung der Plattform je Woche", lang)
    definition = translate(
        "Gezählt wird ohne personenbezogene Daten: je Tag eine Zahl je Art, keine IP-Adressen, keine "
        "Nutzerkennungen, keine Browserkennungen, keine Cookies. Deshalb zählen wir Seitenaufrufe, nicht "
        "Besuche einzelner Personen. Seitenaufrufe: aufgerufene Seiten (ohne Downloads, API und Dateien). "
        "Suchen: Suchanfragen mit Suchbegriff, auf der Suchseite und über die API. Registrierungen: neu "
        "angelegte Konten. Wochen nach ISO 8601 (Montag bis Sonntag, UTC).",
        lang,
    )
    weeks = figures.usage
    table = _table(
        key,
        title,
        definition,
        [Column(translate("Woche", lang), Kind.text), Column(translate("Beginn", lang), Kind.day)]
        + [Column(translate(text, lang)) for text in METRIC_LABELS.values()],
        [[_week(w, lang), w.start, *(w.counts[str(m)] for m in METRIC_LABELS)] for w in weeks],
    )
    categories = [translate("KW {week}", lang, week=w.iso[1]) for w in weeks]
    subtitles = [translate("{metric} je Woche", lang, metric=translate(text, lang)) for text in METRIC_LABELS.values()]
    chart_list = [
        charts.column_chart(
            chart_id=f"chart-{key}-{metric}",
            title=subtitle,
            desc=translate("Säulendiagramm der letzten {n} Wochen.", lang, n=len(weeks)),
            categories=categories,
            series=[
                charts.Series(
                    translate(text, lang),
                    [w.counts[str(metric)] for w in weeks],
                    [number(w.counts[str(metric)], lang) for w in weeks],
                )
            ],
        )
        for (metric, text), subtitle in zip(METRIC_LABELS.items(), subtitles, strict=True)
    ]
    summary = [
        (
            translate("{metric} in den letzten {n} Wochen", lang, metric=translate(text, lang), n=len(weeks)),
            number(sum(w.counts[str(m)] for w in weeks), lang),
        )
        for m, text in METRIC_LABELS.items()
    ]
    return Figure(key, title, definition, table, chart_list, summary, subtitles)


def unit_page(figures: UnitFigures, lang: str) -> list[Figure]:
    """Every figure of the unit's analytics page, in page order."""
    return [
        funnel_figure(figures.funnel, lang),
        stage_time_figure(figures, lang),
        decisions_figure(figures, lang),
        startups_figure(figures, lang),
        spend_figure(figures, lang),
        usage_figure(figures, lang),
    ]


# ---------------------------------------------------------------- public statistics


def published_needs_figure(figures: PublicFigures, lang: str) -> Figure:
    key, title = "bedarfe", translate("Veröffentlichte Bedarfe nach Status", lang)
    definition = translate(
        "Bedarfe, die Behörden öffentlich gemacht haben und die auf dieser Plattform für alle sichtbar sind, "
        "nach ihrem Status.",
        lang,
    )
    named = [(label("challenge_status", status, lang), n) for status, n in figures.needs_by_status]
    table = _table(
        key,
        title,
        definition,
        [Column(translate("Status", lang), Kind.text), Column(translate("Bedarfe", lang))],
        [[name, n] for name, n in named],
    )
    chart = charts.bar_chart(
        chart_id=f"chart-{key}",
        title=title,
        desc=translate("Balkendiagramm: veröffentlichte Bedarfe je Status.", lang),
        bars=[charts.Bar(name, n, number(n, lang)) for name, n in named],
    )
    summary = [(translate("Veröffentlichte Bedarfe", lang), number(figures.published_needs, lang))]
    return Figure(key, title, definition, table, [chart], summary)


def pilots_figure(figures: PublicFigures, lang: str) -> Figure:
    key, title = "piloten", translate("Piloten und ihre Ergebnisse", lang)
    p = figures.pilots
    definition = translate(
        "Alle Piloten mit Start-ups, auch zu internen Bedarfen (nur Anzahlen). Laufend: im Piloten oder in der "
        "Auswertung. Übernommen: nach dem Piloten mit Go entschieden. Gestoppt: nach dem Piloten mit Stopp "
        "entschieden.",
        lang,
    )
    named = [
        (translate("Laufend", lang), p.running),
        (label("stage", "adopted", lang), p.adopted),
        (label("stage", "stopped", lang), p.stopped),
    ]
    table = _table(
        key,
        title,
        definition,
        [Column(translate("Stand", lang), Kind.text), Column(translate("Piloten", lang))],
        [[name, n] for name, n in named],
    )
    chart = charts.bar_chart(
        chart_id=f"chart-{key}",
        title=title,
        desc=translate("Balkendiagramm: Piloten nach Stand.", lang),
        bars=[charts.Bar(name, n, number(n, lang)) for name, n in named],
    )
    d_rate = _share(p.adopted, p.adopted + p.stopped)
    summary = [
        (translate("Begonnene Piloten", lang), number(p.started, lang)),
        (translate("Übernahmequote", lang), percent(d_rate, lang)),
    ]
    return Figure(key, title, definition, table, [chart], summary)


def public_page(figures: PublicFigures, lang: str) -> list[Figure]:
    """Every figure of the public statistics page, in page order."""
    return [
        published_needs_figure(figures, lang),
        pilots_figure(figures, lang),
        funnel_figure(figures.funnel, lang, public=True),
    ]
