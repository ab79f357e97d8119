"""Cross-language words: the term list, translating a query's words, and finding records by their translation."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from govlotse.core.actor import SYSTEM
from govlotse.matching import crosslingual, service
from govlotse.matching import text as textmod
from tests.factories import make_org, make_solution

ROAD = "Computer vision on garbage trucks detects potholes, cracks and road damage automatically."
PARKS = "Wir kartieren Bäume und Grünflächen mit Luftbildern und planen die Pflege."


def _targets(text: str, lang: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in crosslingual.translate(text, lang):
        out.setdefault(t.source.lower(), set()).add(t.target)
    return out


def test_the_term_list_is_well_formed() -> None:
    entries = list(crosslingual.entries())
    assert len(entries) > 1000
    duplicates = [g for g, n in Counter(g for g, _ in entries).items() if n > 1]
    assert not duplicates, f"German entries listed twice: {duplicates}"
    for german, english in entries:
        assert crosslingual.key(german, "de"), german
        assert any(crosslingual.tokens(e, "en") for e in english), german


def test_inflected_forms_compounds_and_phrases_are_translated() -> None:
    found = _targets("Die Anträge der Bürgerinnen, Heizungsdaten und künstliche Intelligenz", "de")
    assert "application" in found["anträge"]
    assert "heating" in found["heizung"] and "data" in found["daten"]  # a compound by its parts
    assert found["künstliche intelligenz"] == {"artificial intelligence", "AI"}
    assert "die" not in found and "und" not in found  # stop words are never translated


def test_english_words_are_translated_into_german() -> None:
    found = _targets("pothole detection for traffic lights", "en")
    assert "Schlagloch" in found["pothole"]
    assert {"Lichtsignalanlage", "Ampel"} & found["traffic lights"]


def test_a_query_in_either_language_is_translated_in_both_directions_when_unclear() -> None:
    assert crosslingual.directions("de") == ("de",)
    assert crosslingual.directions(None) == ("de", "en")


def test_german_words_find_an_english_profile_lexically(session: Session, index_now) -> None:
    org = make_org(session, kind="startup", name="Street Sense")
    make_solution(session, org=org, title="RoadEye", description=ROAD)
    make_solution(session, org=org, title="Baumkataster", description=PARKS)
    index_now()
    results = service.search(
        session=session, actor=SYSTEM, query="Schlaglöcher erkennen", types=("solution",), mode="lexical"
    )
    hits = results.groups["solution"]
    assert [h.title for h in hits] == ["RoadEye"]
    assert "Schlaglöcher → pothole" in hits[0].translations
    assert "potholes" in hits[0].matched_terms and "potholes" in hits[0].highlights
    # and back: English words find the German profile
    back = service.search(session=session, actor=SYSTEM, query="tree inventory", types=("solution",), mode="lexical")
    assert [h.title for h in back.groups["solution"]] == ["Baumkataster"]
    assert any(t.startswith("tree") for t in back.groups["solution"][0].translations)


def test_the_api_and_the_page_name_the_translations(client: TestClient, session: Session, index_now) -> None:
    org = make_org(session, kind="startup", name="Street Sense")
    make_solution(session, org=org, title="RoadEye", description=ROAD)
    index_now()
    body = client.get("/api/search", params={"q": "Schlaglöcher auf Straßen erkennen", "types": "solution"}).json()
    hit = next(h for g in body["groups"] for h in g["hits"] if h["title"] == "RoadEye")
    assert "Schlaglöcher → pothole" in hit["translations"]
    page = client.get("/suche", params={"q": "Schlaglöcher auf Straßen erkennen"}).text
    assert "Gefunden über Übersetzung" in page and "Schlaglöcher → pothole" in page


def test_a_rendering_carries_the_words_across() -> None:
    assert crosslingual.renderings("Die Ampelschaltung an der Kreuzung") == {
        "en": "traffic signal timing, traffic lights, intersection"
    }
    assert crosslingual.renderings("Sehr geehrte Damen") == {}


def test_a_text_of_unclear_language_is_rendered_the_way_more_of_its_words_translate() -> None:
    """Its words are searched in both directions, but only one rendering is embedded: "Budget" reads as German
    too, yet three words translate from English; with as many either way, both renderings stay."""
    text = "Pension Plan Summary Report"
    assert textmod.query_language(text) is None
    assert {t.lang for t in crosslingual.translate_all(text)} == {"de", "en"}
    assert list(crosslingual.renderings(text)) == ["de"]
    assert "Zusammenfassung" in crosslingual.renderings(text)["de"]
    assert list(crosslingual.renderings("Datenplattform KI")) == ["en"]
    assert set(crosslingual.renderings("Chatbot Service")) == {"de", "en"}


def test_queries_cross_over_only_when_the_index_holds_the_other_language(session: Session, index_now) -> None:
    org = make_org(session, kind="startup", name="Klartext GmbH")
    make_solution(session, org=org, title="Baumkataster", description=PARKS)
    index_now()
    german_only = service.prepare(session, "Schlaglöcher auf Straßen erkennen")
    assert german_only.translations == [] and german_only.translated_terms == []
    make_solution(session, org=org, title="RoadEye", description=ROAD)
    index_now()
    both = service.prepare(session, "Schlaglöcher auf Straßen erkennen")
    assert {t.target for t in both.translations} >= {"pothole", "road"}
    assert "pothol" in both.translated_terms
    # the vector is the mean of the query's own and its rendering's: closer to the English profile
    own = service.get_embedder().embed_queries(["Schlaglöcher auf Straßen erkennen"])[0]
    profile = service.get_embedder().embed_passages([ROAD])[0]
    assert both.vector is not None and float(both.vector @ profile) > float(own @ profile)


def test_translation_can_be_switched_off(session: Session, index_now, monkeypatch) -> None:
    from govlotse.config import settings

    org = make_org(session, kind="startup", name="Street Sense")
    make_solution(session, org=org, title="RoadEye", description=ROAD)
    index_now()
    monkeypatch.setattr(settings, "search_translate", False)
    q = service.prepare(session, "Schlaglöcher erkennen")
    assert q.translations == [] and q.translated_terms == []
