"""The Markterkundungsbericht (market exploration report) of a run, for the procurement file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from govlotse.core.actor import Actor
from govlotse.core.documents import Document
from govlotse.core.models import utcnow
from govlotse.exploration import service
from govlotse.exploration.models import CandidateStatus, ExplorationRun, RunStatus
from govlotse.i18n import translate
from govlotse.procurement import service as procurement
from govlotse.web.labels import label


def _when(value: datetime | None) -> str:
    return value.strftime("%d.%m.%Y, %H:%M UTC") if value else "–"


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def build(*, session: Session, actor: Actor, run: ExplorationRun, lang: str = "de") -> Document:
    """What was searched, when and how; the long list with scores; shortlist, exclusions and their reasons."""

    def t(text: str, **params: object) -> str:
        return translate(text, lang, **params)

    c = run.challenge
    candidates = list(run.candidates)
    shortlist = [x for x in candidates if x.status == CandidateStatus.shortlist]
    excluded = [x for x in candidates if x.status == CandidateStatus.excluded]
    manual = [x for x in candidates if x.added_manually]
    doc = Document(
        title=t("Markterkundungsbericht"),
        subtitle=t("{title} – Markterkundung Nr. {number}", title=c.title, number=run.number),
        footer=t("GovLotse · Markterkundung {run} · erzeugt {when}", run=f"{c.id}/{run.number}", when=_when(utcnow())),
        lang=lang,
    )
    if run.status != RunStatus.closed:
        doc.p(t("Entwurf: Diese Markterkundung ist noch nicht abgeschlossen; Angaben können sich noch ändern."))
    doc.h(t("Gegenstand"))
    filters = run.filters or {}
    filter_text = "; ".join(
        part
        for part in (
            ", ".join(label("hosting", h, lang) for h in filters.get("hosting", [])),
            ", ".join(label("certification", x, lang) for x in filters.get("certifications", [])),
            ", ".join(label("maturity", m, lang) for m in filters.get("maturity", [])),
            t("nur Lösungen, die alle Rahmenbedingungen des Bedarfs erfüllen") if filters.get("strict") else "",
        )
        if part
    )
    settings = run.search_settings or {}
    doc.facts(
        [
            (t("Bedarf"), f"{c.title} (Nr. {c.id})"),
            (t("Bedarfsträger"), c.organisation.name),
            (t("Durchgeführt am"), _when(run.searched_at)),
            (t("Durchgeführt von"), run.created_by_label),
            (t("Status"), label("run_status", run.status, lang)),
            (t("Abgeschlossen"), f"{_when(run.closed_at)}, {run.closed_by_label}" if run.closed_at else "–"),
            (
                t("Suchverfahren"),
                t(
                    "Hybride Suche: lexikalisch (BM25) und semantisch (Vektoren), "
                    "zusammengeführt per Reciprocal Rank Fusion; Anteil semantisch {weight}",
                    weight=settings.get("semantic_weight", "–"),
                ),
            ),
            (t("Sprachmodell"), run.model),
            (t("Regelwerk"), run.rules_version),
            (t("Harte Kriterien"), filter_text or t("keine")),
            (
                t("Ergebnis"),
                t(
                    "{n} Lösungen auf der Longlist, {s} auf der Shortlist, {e} ausgeschlossen, "
                    "{m} von Hand aufgenommen",
                    n=len(candidates),
                    s=len(shortlist),
                    e=len(excluded),
                    m=len(manual),
                ),
            ),
        ]
    )
    doc.h(t("Suchanfrage"), 3)
    doc.p(t("Die Suche verwendete den Text des Bedarfs:"), small=True)
    doc.p(run.query, small=True)

    doc.h(t("Marktübersicht"))
    doc.table(
        [t("Segment"), t("Anzahl"), t("Lösungen")],
        [[seg, len(items), ", ".join(x.solution.title for x in items)] for seg, items in service.market_map(run)],
        numeric=(1,),
    )

    doc.h(t("Longlist"))
    doc.p(t("Geordnet nach Rang der Suche; von Hand aufgenommene Lösungen haben keinen Rang."), small=True)
    rows = []
    for x in candidates:
        crit = (x.explanation or {}).get("criteria", [])
        met = sum(1 for k in crit if k.get("met") is True)
        rows.append(
            [
                x.rank if x.rank is not None else t("von Hand"),
                x.solution.title,
                x.solution.organisation.name,
                x.segment,
                _score(x.score),
                f"{met}/{len(crit)}" if crit else "–",
                label("candidate_status", x.status, lang),
            ]
        )
    doc.table(
        [t("Rang"), t("Lösung"), t("Anbieter"), t("Segment"), t("Score"), t("Kriterien erfüllt"), t("Status")],
        rows,
        numeric=(0, 4),
    )

    doc.h(t("Shortlist"))
    doc.table(
        [t("Lösung"), t("Anbieter"), t("Rang"), t("Entschieden von")],
        [
            [
                x.solution.title,
                x.solution.organisation.name,
                x.rank if x.rank is not None else t("von Hand"),
                x.decided_by_label or "–",
            ]
            for x in shortlist
        ],
        empty=t("Keine Lösung auf der Shortlist."),
    )

    doc.h(t("Ausgeschlossene Lösungen und Gründe"))
    doc.table(
        [t("Lösung"), t("Anbieter"), t("Grund"), t("Entschieden von")],
        [[x.solution.title, x.solution.organisation.name, x.reason, x.decided_by_label or "–"] for x in excluded],
        empty=t("Keine Lösung ausgeschlossen."),
    )

    if manual:
        doc.h(t("Von Hand aufgenommene Lösungen"))
        doc.table(
            [t("Lösung"), t("Anbieter"), t("Begründung")],
            [
                [x.solution.title, x.solution.organisation.name, (x.explanation or {}).get("added_because", "–")]
                for x in manual
            ],
        )

    previous = service.previous_run(session=session, run=run)
    if previous is not None:
        diff = service.compare(previous, run)
        doc.h(t("Vergleich mit Markterkundung Nr. {number}", number=previous.number))
        doc.facts(
            [
                (t("Neu"), ", ".join(x.solution.title for x in diff.new) or t("keine")),
                (t("Nicht mehr gefunden"), ", ".join(x.solution.title for x in diff.dropped) or t("keine")),
            ]
        )

    records = procurement.records_for(session=session, actor=actor, challenge=c) if _may_see_advice(actor, c) else []
    if records:
        doc.h(t("Vergabe und Recht"))
        doc.table(
            [t("Datum"), t("Prüfung"), t("Ergebnis"), t("Regelwerk"), t("Erstellt von")],
            [
                [
                    _when(r.created_at),
                    t("Vergabeberatung") if r.kind == "procurement" else t("KI-Verordnung"),
                    label("procedure", r.result.get("recommended"), lang)
                    if r.kind == "procurement"
                    else label("risk_class", r.result.get("risk_class"), lang),
                    r.rules_version,
                    r.created_by_label,
                ]
                for r in records
            ],
        )
    doc.h(t("Hinweis"), 3)
    doc.p(
        t(
            "Automatisch erzeugt aus den unveränderlichen Daten der Markterkundung in GovLotse. "
            "Die Ergebnisse der Suche sind eine Vorauswahl; die Entscheidung und ihre Begründung liegen bei "
            "der Vergabestelle. Keine Rechtsberatung."
        ),
        small=True,
    )
    return doc


def _may_see_advice(actor: Actor, challenge: object) -> bool:
    from govlotse.policy import Action, can

    return can(actor, Action.update, challenge)
