"""The case dossier (Falldossier): a case's whole way through the pipeline, for the procurement file."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.core.actor import Actor
from govlotse.core.audit import AuditEvent
from govlotse.core.documents import Document
from govlotse.core.models import utcnow
from govlotse.exploration.models import Candidate, ExplorationRun
from govlotse.i18n import translate
from govlotse.knowledge import service as knowledge
from govlotse.pipeline import service
from govlotse.pipeline.models import Case
from govlotse.policy import Action, can
from govlotse.procurement import service as procurement
from govlotse.web.labels import label


def _when(value: datetime | None) -> str:
    return value.strftime("%d.%m.%Y, %H:%M UTC") if value else "–"


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "–"


def _euro(value: int | None) -> str:
    return "–" if value is None else f"{value:,} €".replace(",", ".")


def build(*, session: Session, actor: Actor, case: Case, lang: str = "de") -> Document:
    """History, exploration, evaluation matrix, pilot, decision, legal advice and audit trail of a case."""

    def t(text: str, **params: object) -> str:
        return translate(text, lang, **params)

    c = case.challenge
    doc = Document(
        title=t("Falldossier"),
        subtitle=f"{c.title} – {case.solution.title} ({case.organisation.name})",
        footer=t("GovLotse · Fall {case} · erzeugt {when}", case=case.id, when=_when(utcnow())),
        lang=lang,
    )
    doc.facts(
        [
            (t("Bedarf"), f"{c.title} (Nr. {c.id})"),
            (t("Bedarfsträger"), c.organisation.name),
            (t("Start-up"), case.organisation.name),
            (t("Lösung"), case.solution.title),
            (t("Aktuelle Phase"), label("stage", case.stage, lang)),
            (t("Seit"), _when(case.stage_since)),
        ]
    )

    doc.h(t("Verlauf"))
    doc.table(
        [t("Zeitpunkt"), t("Von"), t("Nach"), t("Durch"), t("Begründung")],
        [
            [
                _when(s.at),
                label("stage", s.from_stage, lang) if s.from_stage else "–",
                label("stage", s.to_stage, lang),
                s.actor_label,
                t(s.reason) if s.reason else "–",
            ]
            for s in service.history(session=session, case=case)
        ],
    )

    run = session.get(ExplorationRun, case.run_id) if case.run_id else None
    if run is not None:
        cand = session.scalar(
            select(Candidate).where(Candidate.run_id == run.id, Candidate.solution_id == case.solution_id)
        )
        doc.h(t("Markterkundung"))
        doc.facts(
            [
                (t("Markterkundung"), t("Nr. {number} vom {when}", number=run.number, when=_when(run.searched_at))),
                (t("Sprachmodell"), run.model),
                (t("Regelwerk"), run.rules_version),
                (
                    t("Rang auf der Longlist"),
                    (cand.rank if cand.rank is not None else t("von Hand aufgenommen")) if cand else "–",
                ),
                (t("Score"), f"{cand.score:.3f}" if cand and cand.score is not None else "–"),
            ]
        )
        doc.p(
            t(
                "Die vollständige Longlist mit ausgeschlossenen Lösungen und Gründen steht im "
                "Markterkundungsbericht dieser Markterkundung."
            ),
            small=True,
        )

    crits, rows = service.matrix(session=session, actor=actor, challenge=c)
    if crits and any(r.mean is not None for r in rows):
        doc.h(t("Bewertungsmatrix"))
        doc.p(
            t("Kriterien und Gewichte: {items}.", items="; ".join(f"{k.name} {k.weight} %" for k in crits)), small=True
        )
        doc.table(
            [t("Rang"), t("Start-up"), *[k.name for k in crits], t("Mittelwert"), t("Spannweite"), t("Bewertende")],
            [
                [
                    (f"{r.rank} ({t('gleichauf')})" if r.tied else r.rank) if r.rank else "–",
                    r.case.organisation.name + (" ◀" if r.case.id == case.id else ""),
                    *[r.by_criterion.get(k.id) for k in crits],
                    r.mean,
                    r.spread,
                    r.evaluators,
                ]
                for r in rows
            ],
            numeric=tuple(range(2, len(crits) + 5)),
        )
        comments = service.comments(session=session, case=case)
        if comments:
            doc.h(t("Kommentare der Bewertenden"), 3)
            doc.items(comments)

    pilot = service.pilot_of(session=session, case=case)
    if pilot is not None:
        doc.h(t("Pilotvereinbarung"))
        doc.facts(
            [
                (t("Leistungsumfang"), pilot.scope),
                (t("Preis (netto)"), _euro(pilot.price)),
                (t("Laufzeit"), f"{_day(pilot.start)} – {_day(pilot.end)}"),
                (t("Go/No-Go-Termin"), _day(pilot.go_no_go)),
                (t("Letzte Aktualisierung"), _when(pilot.last_update_at)),
            ]
        )
        doc.table(
            [t("Kennzahl"), t("Einheit"), t("Ausgangswert"), t("Ziel"), t("Ergebnis")],
            [[k.name, k.unit, k.baseline, k.target, k.result] for k in pilot.kpis],
            numeric=(2, 3, 4),
        )
        if pilot.milestones:
            doc.table(
                [t("Meilenstein"), t("Fällig"), t("Erreicht")],
                [[m.title, _day(m.due), _day(m.done_on)] for m in pilot.milestones],
            )

    decision = service.decision_of(session=session, case=case)
    if decision is not None:
        doc.h(t("Entscheidung"))
        follow = decision.follow_up or {}
        doc.facts(
            [
                (t("Ergebnis"), label("outcome", decision.outcome, lang)),
                (t("Begründung"), decision.reason),
                (t("Entschieden"), f"{_when(decision.decided_at)}, {decision.decided_by_label}"),
                *(
                    [
                        (
                            t("Anschlussbeschaffung"),
                            t(
                                "{procedure}, geschätzter Auftragswert {value}",
                                procedure=label("procedure", follow.get("procedure"), lang),
                                value=_euro(follow.get("value_eur", follow.get("value"))),
                            ),
                        )
                    ]
                    if decision.outcome == "go"
                    else []
                ),
            ]
        )
        if follow.get("note"):
            doc.p(str(follow["note"]))
        doc.h(t("Erkenntnisse"), 3)
        doc.p(decision.lessons)
        articles = knowledge.articles_for_case(session=session, actor=actor, case_id=case.id)
        if articles:
            doc.p(t("Wissensartikel: {titles}", titles="; ".join(a.title for a in articles)), small=True)

    if can(actor, Action.update, c):
        records = procurement.records_for(session=session, actor=actor, challenge=c)
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

    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "case", AuditEvent.entity_id == case.id)
            .order_by(AuditEvent.seq)
        )
    )
    doc.h(t("Audit-Protokoll"))
    doc.p(
        t(
            "Einträge des hash-verketteten Audit-Protokolls zu diesem Fall; die Prüfsumme belegt den Stand. "
            "Prüfen mit: govlotse audit verify"
        ),
        small=True,
    )
    doc.table(
        [t("Nr."), t("Zeitpunkt"), t("Aktion"), t("Durch"), t("Prüfsumme")],
        [[e.seq, _when(e.at), e.action, e.actor_label, e.hash[:16]] for e in events],
        numeric=(0,),
    )
    doc.h(t("Hinweis"), 3)
    doc.p(
        t(
            "Automatisch erzeugt aus GovLotse. Empfehlungen des Vergabeberaters sind keine Rechtsberatung; "
            "sie sind von der Vergabestelle zu prüfen."
        ),
        small=True,
    )
    return doc
