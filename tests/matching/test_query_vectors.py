"""A need's and a solution's own text is embedded as a query when indexed, so their pages never wait for the model."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from govlotse.core.actor import SYSTEM
from govlotse.matching import index, service
from govlotse.organisations.models import OrganisationKind
from tests.conftest import MemoEmbedder
from tests.factories import make_challenge, make_org, make_solution


def _no_model(monkeypatch: pytest.MonkeyPatch, embedder: MemoEmbedder) -> None:
    def refuse(texts: list[str]) -> Any:
        raise AssertionError(f"embedded at request time: {texts[0][:60]!r}")

    monkeypatch.setattr(embedder, "embed_queries", refuse)
    service._QUERY_VECTORS.clear()  # as in a freshly started worker


def test_candidates_and_fitting_needs_use_vectors_made_at_indexing(
    session: Session, index_now: Any, embedder: MemoEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = make_org(session, kind=OrganisationKind.agency)
    startup = make_org(session, kind=OrganisationKind.startup)
    need = make_challenge(session, org=agency, title="Schlaglöcher automatisch aus Kamerabildern erkennen")
    offer = make_solution(session, org=startup, title="Straßenzustand per KI-Bildanalyse")
    report = index.IndexReport()
    index_now()
    index.refresh(session, "challenge", [need.id], report=report)
    assert report.embedded_queries == 0  # unchanged: nothing embedded again

    _no_model(monkeypatch, embedder)
    hits = service.solutions_for_challenge(session=session, actor=SYSTEM, challenge=need)
    assert offer.id in [h.entity_id for h in hits]
    service.challenges_for_solution(session=session, actor=SYSTEM, solution=offer)


def test_an_edited_need_gets_a_new_query_vector(
    session: Session, index_now: Any, embedder: MemoEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = make_org(session, kind=OrganisationKind.agency)
    need = make_challenge(session, org=agency)
    index_now()
    need.title = "Digitale Terminvergabe für Bürgerämter mit Warteschlangenanzeige"
    session.flush()
    report = index.refresh(session, "challenge", [need.id])
    assert report.embedded_queries == 2  # its text, and its word-by-word English rendering (crosslingual)

    _no_model(monkeypatch, embedder)
    service.solutions_for_challenge(session=session, actor=SYSTEM, challenge=need)


def test_a_typed_search_is_still_embedded_at_request_time(
    session: Session, embedder: MemoEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    real = embedder.embed_queries

    def spy(texts: list[str]) -> Any:
        asked.extend(texts)
        return real(texts)

    monkeypatch.setattr(embedder, "embed_queries", spy)
    service._QUERY_VECTORS.clear()
    query = service.prepare(session, "Quallen an Badestellen zählen")
    assert asked == ["Quallen an Badestellen zählen"]
    assert query.vector is not None
