"""Hybrid search on both databases: indexing, cross-lingual hits, filters inside, permissions, reasons."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govlotse.config import settings
from govlotse.core.actor import ANONYMOUS, SYSTEM
from govlotse.errors import Invalid
from govlotse.matching import engine, index, service
from govlotse.matching import text as textmod
from govlotse.matching.models import EmbeddingCache, SearchChunk, SearchDoc
from tests.factories import login, make_challenge, make_org, make_solution, make_usecase, make_user

ROAD = "Computer vision on garbage trucks and buses detects potholes, cracks and road damage automatically."
CHAT = "A multilingual chatbot answers citizen questions about permits around the clock, in 20 languages."
PLAIN = "Übersetzt Bescheide und Behördenbriefe automatisch in Leichte Sprache und prüft die Verständlichkeit."
FOREST = "Satellite images and lidar estimate the carbon stored in urban forests and parks."


@pytest.fixture
def market(session: Session, index_now) -> dict:
    startup = make_org(session, kind="startup", name="Street Sense")
    other = make_org(session, kind="startup", name="Klartext GmbH")
    agency = make_org(session, kind="agency", name="Bezirksamt West")
    items = {
        "road": make_solution(
            session,
            org=startup,
            title="RoadEye",
            description=ROAD,
            hosting_options=["saas_eu"],
            certifications=["iso_27001"],
            tags=["computer-vision"],
        ),
        "chat": make_solution(
            session,
            org=startup,
            title="CivicChat",
            description=CHAT,
            hosting_options=["saas_non_eu"],
            maturity="prototype",
        ),
        "plain": make_solution(
            session,
            org=other,
            title="Klartext",
            description=PLAIN,
            hosting_options=["on_premise"],
            certifications=["bsi_c5"],
        ),
        "forest": make_solution(session, org=other, title="CanopyCarbon", description=FOREST),
        "need": make_challenge(
            session,
            org=agency,
            title="Straßenschäden früher erkennen",
            visibility="published",
            problem="Schlaglöcher und Risse in Straßen werden zu spät gemeldet.",
            hosting_requirement="eu",
            personal_data=True,
        ),
        "secret": make_challenge(
            session,
            org=agency,
            title="Interne Schlaglochkarte",
            visibility="internal",
            problem="Schlaglöcher intern kartieren.",
        ),
        "usecase": make_usecase(session, title="Pothole reporting app", description="Citizens report potholes."),
        "agency": agency,
        "startup": startup,
    }
    index_now()
    return items


def _titles(results: service.Results, kind: str) -> list[str]:
    return [h.title for h in results.groups[kind]]


def test_every_record_is_indexed_with_the_model_name(session: Session, market: dict) -> None:
    counts = Counter(session.scalars(select(SearchDoc.entity_type)))
    assert counts["solution"] >= 4 and counts["challenge"] >= 2 and counts["usecase"] >= 1
    models = set(session.scalars(select(SearchChunk.model)))
    assert models == {service.get_embedder().name}


def test_german_need_finds_english_profile(session: Session, market: dict) -> None:
    results = service.search(
        session=session,
        actor=SYSTEM,
        query="Schlaglöcher auf Straßen automatisch erkennen",
        types=("solution",),
    )
    assert _titles(results, "solution")[0] == "RoadEye"


def test_english_query_finds_german_profile(session: Session, market: dict) -> None:
    results = service.search(
        session=session,
        actor=SYSTEM,
        query="plain language translation of official letters",
        types=("solution",),
    )
    assert _titles(results, "solution")[0] == "Klartext"


def test_compound_query_matches_spelled_out_words_lexically(session: Session, market: dict) -> None:
    results = service.search(
        session=session, actor=SYSTEM, query="Bescheidübersetzung", types=("solution",), mode="lexical"
    )
    assert _titles(results, "solution") == ["Klartext"]


def test_hard_filters_apply_inside_the_search(session: Session, market: dict) -> None:
    filters = engine.Filters(entity_types=("solution",), hosting_any=("on_premise",))
    results = service.search(
        session=session, actor=SYSTEM, query="pothole detection", types=("solution",), filters=filters
    )
    # the only on-premises solution is found although it is far from the query
    assert _titles(results, "solution") == ["Klartext"]
    certified = engine.Filters(entity_types=("solution",), certifications_all=("iso_27001",))
    assert _titles(
        service.search(session=session, actor=SYSTEM, query="chatbot", types=("solution",), filters=certified),
        "solution",
    ) == ["RoadEye"]


def test_hidden_needs_never_appear(session: Session, market: dict) -> None:
    public = service.search(session=session, actor=ANONYMOUS, query="Schlaglöcher", types=("challenge",))
    assert "Interne Schlaglochkarte" not in _titles(public, "challenge")
    assert "Straßenschäden früher erkennen" in _titles(public, "challenge")
    unit = service.search(session=session, actor=SYSTEM, query="Schlaglöcher", types=("challenge",))
    assert "Interne Schlaglochkarte" in _titles(unit, "challenge")


def test_hits_are_explained(session: Session, market: dict) -> None:
    results = service.search(session=session, actor=SYSTEM, query="potholes detection trucks", types=("solution",))
    top = results.groups["solution"][0]
    assert top.title == "RoadEye" and top.subtitle == "Street Sense"
    assert {"potholes", "detects", "trucks"} <= set(top.matched_terms)
    assert "potholes" in top.highlights
    assert any(matched for _part, matched in top.passage_parts())
    assert top.semantic is not None and top.lexical is not None and 0 < top.semantic_share < 1


def test_candidates_for_a_need_with_criteria(session: Session, market: dict) -> None:
    hits = service.solutions_for_challenge(session=session, actor=SYSTEM, challenge=market["need"])
    assert hits[0].title == "RoadEye"
    criteria = {c.code: c.met for c in hits[0].criteria}
    assert criteria == {"hosting": True, "security": True, "maturity": True}
    chat = next(h for h in hits if h.title == "CivicChat")
    assert {c.code: c.met for c in chat.criteria} == {"hosting": False, "security": False, "maturity": False}
    strict = service.solutions_for_challenge(session=session, actor=SYSTEM, challenge=market["need"], strict=True)
    assert "CivicChat" not in [h.title for h in strict]


def test_reverse_matching_finds_open_needs(session: Session, market: dict) -> None:
    hits = service.challenges_for_solution(session=session, actor=ANONYMOUS, solution=market["road"])
    assert [h.title for h in hits] == ["Straßenschäden früher erkennen"]


def test_unchanged_text_is_never_embedded_twice(session: Session, market: dict, embedder) -> None:
    cached = session.scalar(select(func.count()).select_from(EmbeddingCache))
    report = index.refresh(session, "solution", [market["road"].id])
    assert report.unchanged == 1 and report.embedded_passages == 0
    assert session.scalar(select(func.count()).select_from(EmbeddingCache)) == cached


def test_an_edit_reembeds_after_commit(session: Session, market: dict, index_now) -> None:
    from govlotse.solutions import service as solutions
    from govlotse.solutions.schemas import SolutionUpdate

    road = market["road"]
    solutions.update_solution(
        session=session,
        actor=SYSTEM,
        solution=road,
        solution_in=SolutionUpdate(description=ROAD + " Also detects graffiti.", version=road.version),
    )
    assert index_now() == 1
    doc = session.scalar(select(SearchDoc).where(SearchDoc.entity_type == "solution", SearchDoc.entity_id == road.id))
    assert "graffiti" in doc.tokens


def test_visibility_change_updates_the_index(session: Session, market: dict, index_now) -> None:
    from govlotse.challenges import service as challenges
    from govlotse.challenges.schemas import ChallengeUpdate

    need = market["need"]
    challenges.update_challenge(
        session=session,
        actor=SYSTEM,
        challenge=need,
        challenge_in=ChallengeUpdate(visibility="internal", version=need.version),
    )
    index_now()
    public = service.search(session=session, actor=ANONYMOUS, query="Straßenschäden", types=("challenge",))
    assert "Straßenschäden früher erkennen" not in _titles(public, "challenge")


def test_bad_queries_get_clear_answers(session: Session, market: dict) -> None:
    with pytest.raises(Invalid) as empty:
        service.search(session=session, actor=SYSTEM, query="   ")
    assert empty.value.errors[0].field == "q"
    huge = service.search(session=session, actor=SYSTEM, query="Schlagloch " * 12_000, types=("solution",))
    assert huge.notice and huge.groups["solution"]
    for query in (
        "道路の穴を検出する",
        "كشف الحفر في الطرق",
        "🚧🕳️",
        "'; DROP TABLE search_docs; --",
        '"*OR" NEAR',
    ):
        results = service.search(session=session, actor=SYSTEM, query=query, types=("solution",))
        assert isinstance(results.groups["solution"], list)


def _places(session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where searches run, each in turn: in process (embedded mode, and PostgreSQL's default for small indexes) and,
    on PostgreSQL, also in the database (BM25 in SQL, pgvector). Iterating sets the place."""
    places = ["in process"] + (["in the database"] if session.get_bind().dialect.name == "postgresql" else [])
    for place in places:
        monkeypatch.setattr(settings, "search_in_process_passages", 200_000 if place == "in process" else 0)
        assert engine.in_process(session) == (place == "in process")
        yield place


def _bm25(session: Session, terms: dict[str, int]) -> dict[int, float]:
    """Every document's BM25 score for weighted query terms, computed here from the indexed tokens."""
    docs = session.scalars(select(SearchDoc)).all()
    n = len(docs)
    avgdl = sum(d.n_tokens for d in docs) / n
    df = Counter(t for d in docs for t in set(d.tokens.split()))
    scores = {}
    for d in docs:
        tf = Counter(d.tokens.split())
        score = sum(
            terms[t]
            * engine.idf(n, df[t])
            * tf[t]
            * (engine.K1 + 1)
            / (tf[t] + engine.K1 * (1 - engine.B + engine.B * d.n_tokens / avgdl))
            for t in terms
            if tf[t]
        )
        if score:
            scores[d.id] = score
    return scores


def test_lexical_scores_are_bm25_on_both_databases(
    session: Session, market: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process postings and our PostgreSQL SQL compute the same BM25, so rankings agree across databases and
    places; a term's weight (its frequency in the query) multiplies its contribution."""
    terms = {"pothol": 2, "detect": 1, "chatbot": 3, "sprach": 1}
    filters = engine.Filters(entity_types=("solution", "challenge", "usecase"))
    expected = _bm25(session, terms)
    for place in _places(session, monkeypatch):
        got = dict(engine.lexical(session, terms, filters, SYSTEM, 50))
        assert got.keys() == expected.keys(), place
        for doc_id, score in expected.items():
            assert math.isclose(got[doc_id], score, rel_tol=1e-6), (place, doc_id)


def test_lexical_top_k_within_a_selective_filter(
    session: Session, market: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exact best k within the filters, also when the best documents overall fail them (PostgreSQL then
    looks past the first PROBE × k documents), and with document lengths that changed on a re-index."""
    road = market["road"]
    road.description = ROAD + " Potholes and cracks, mapped on every street of the city, every day."
    session.flush()
    index.refresh(session, "solution", [road.id])
    monkeypatch.setattr(engine, "PROBE", 1)
    terms = {"pothol": 1, "road": 1, "citizen": 1, "question": 1, "street": 1}
    expected = _bm25(session, terms)
    kinds = dict(session.execute(select(SearchDoc.id, SearchDoc.entity_type)).all())
    for place in _places(session, monkeypatch):
        for kinds_wanted in (("solution", "challenge", "usecase"), ("usecase",), ("challenge", "usecase")):
            filters = engine.Filters(entity_types=kinds_wanted)
            got = engine.lexical(session, terms, filters, SYSTEM, 1)
            within = sorted((-score, doc_id) for doc_id, score in expected.items() if kinds[doc_id] in kinds_wanted)
            assert [doc_id for doc_id, _ in got] == [doc_id for _, doc_id in within[:1]], (place, kinds_wanted)
            assert math.isclose(got[0][1], -within[0][0], rel_tol=1e-6)


def test_lexical_breaks_ties_by_id_and_sees_every_change(
    session: Session, market: dict, index_now, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Equal scores come in document order on both databases, also at the k-th place; a document indexed after a
    search is found by the next one (the in-process postings are reloaded for the new index generation)."""
    filters = engine.Filters(entity_types=("solution",))
    solutions = select(SearchDoc.entity_id, SearchDoc.id).where(SearchDoc.entity_type == "solution")
    texts = {
        "in process": ("Harbour cranes unload container ships by remote control.", "harbour cranes remote"),
        "in the database": ("Lighthouse beacons guide barges by radio signals.", "lighthouse beacons radio"),
    }
    for place in _places(session, monkeypatch):
        text, words = texts[place]
        terms = dict.fromkeys(textmod.analyze(words, "en"), 1)
        twins = [make_solution(session, org=market["startup"], title="Twin", description=text) for _ in range(3)]
        index_now()
        doc_of = {int(e): int(i) for e, i in session.execute(solutions)}
        ids = sorted(doc_of[t.id] for t in twins)
        got = engine.lexical(session, terms, filters, SYSTEM, 2)
        assert [doc_id for doc_id, _ in got] == ids[:2], place
        assert got[0][1] == got[1][1] > 0
        late = make_solution(session, org=market["startup"], title="Late twin", description=text)
        index_now()
        got = dict(engine.lexical(session, terms, filters, SYSTEM, 10))
        doc_of = {int(e): int(i) for e, i in session.execute(solutions)}
        assert set(got) == {*ids, doc_of[late.id]}, place


def test_the_worker_reloads_the_in_process_index_before_a_search_needs_it(
    session: Session, market: dict, index_now, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After indexing, the worker's round reloads the postings and vectors this process searched with, so the next
    search does not wait for it; it also runs every few seconds, for edits made through other processes. Once
    searches run in the database (a PostgreSQL index grown past the limit), the copies are dropped."""
    from govlotse.core import worker as core_worker
    from govlotse.matching import worker

    url = str(session.get_bind().engine.url)
    service.search(session=session, actor=SYSTEM, query="potholes", types=("solution",))
    assert engine.refresh_memory(session) == 0  # nothing changed
    make_solution(session, org=market["startup"], title="Quay crane", description="Remote control for quay cranes.")
    index_now()
    assert engine._lexicons[url].generation != index.generation(session)
    assert engine.refresh_memory(session) == 2  # postings and the vectors of the one model
    assert engine._lexicons[url].generation == index.generation(session)
    assert all(m.generation == index.generation(session) for (u, _), m in engine._matrices.items() if u == url)
    assert worker.refresh_round() == 0  # the worker's job: one round per wake-up, in its own transaction
    engine._lexicons.pop(url), engine._matrices.clear()  # as in a process that just started
    warmed: list[str] = []
    warm_up = engine.warm_up
    monkeypatch.setattr(engine, "warm_up", lambda _session, model: warmed.append(model))
    monkeypatch.setattr(textmod, "warm_up", lambda: warmed.append("German word list"))
    monkeypatch.setattr(worker, "_warm", True)
    worker.refresh_round(), worker.refresh_round()
    # The process's first round loads the index and the word list compounds are split with, once.
    assert warmed == [service.get_embedder().name, "German word list"]
    assert warm_up(session, service.get_embedder().name)
    assert engine._lexicons[url].generation == index.generation(session)  # loaded before any search
    assert (url, service.get_embedder().name) in engine._matrices
    assert core_worker._chores["search-memory"].seconds == worker.REFRESH_SECONDS <= 10
    if session.get_bind().dialect.name == "postgresql":
        monkeypatch.setattr(settings, "search_in_process_passages", 1)  # as if the index had grown past it
        index.bump_generation(session)
        assert engine.refresh_memory(session) == 0
        assert url not in engine._lexicons and all(u != url for u, _model in engine._matrices)


def test_the_index_round_takes_the_sqlite_write_lock_when_it_begins(
    fresh_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the worker's index round holds its transaction, no other connection can start writing: a request that
    commits meanwhile waits for it instead of making the round's first write fail with "database is locked"."""
    from govlotse.matching import worker
    from tests.conftest import another_connection_begins_writing

    if not fresh_db.startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows, not the database")
    others: list[str] = []

    def process_queue(session: Session) -> int:
        session.connection()  # the transaction begins
        others.append(another_connection_begins_writing(fresh_db))
        return 0

    monkeypatch.setattr(index, "process_queue", process_queue)
    assert worker.index_round() == 0
    assert others == ["database is locked"]


def test_search_api_page_and_partial(client: TestClient, session: Session, market: dict) -> None:
    response = client.get("/api/search", params={"q": "Schlaglöcher erkennen"})
    assert response.status_code == 200
    groups = {g["entity_type"]: g["hits"] for g in response.json()["groups"]}
    assert groups["solution"][0]["title"] == "RoadEye"
    assert all(h["title"] != "Interne Schlaglochkarte" for h in groups["challenge"])
    assert client.get("/api/search", params={"q": ""}).json()["detail"][0]["field"] == "q"
    assert client.get("/api/search", params={"q": "x", "types": "planets"}).status_code == 422
    page = client.get("/suche", params={"q": "Schlaglöcher erkennen"})
    assert page.status_code == 200 and "RoadEye" in page.text and "<mark>" in page.text
    assert "Warum dieser Treffer?" in page.text
    partial = client.get("/bedarfe/aehnliche", params={"text": "Schlaglöcher in Straßen früher erkennen und melden"})
    assert partial.status_code == 200 and "Pothole reporting app" in partial.text and "<html" not in partial.text


def test_matches_api_respects_permissions(client: TestClient, session: Session, market: dict) -> None:
    need, secret = market["need"], market["secret"]
    login(client, make_user(session, role="agency", org=market["agency"]))
    matches = client.get(f"/api/challenges/{need.id}/matches")
    assert matches.status_code == 200 and matches.json()[0]["title"] == "RoadEye"
    assert {c["code"] for c in matches.json()[0]["criteria"]} == {"hosting", "security", "maturity"}
    page = client.get(f"/bedarfe/{need.id}")
    assert "Passende Lösungen" in page.text and "RoadEye" in page.text
    login(client, make_user(session, role="startup", org=market["startup"]))
    assert client.get(f"/api/challenges/{secret.id}/matches").status_code == 404
    assert "Passende Lösungen" not in client.get(f"/bedarfe/{need.id}").text
    reverse = client.get(f"/api/solutions/{market['road'].id}/matches").json()
    assert [h["title"] for h in reverse] == ["Straßenschäden früher erkennen"]
    assert "Straßenschäden früher erkennen" in client.get(f"/loesungen/{market['road'].id}").text


def test_postgresql_walks_the_vector_index_only_when_the_filters_leave_enough(
    session: Session, market: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL walks the HNSW index when the filters leave a large enough share of the documents for k, and
    otherwise scans the allowed documents exactly; on a small index both give the same ranking."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the embedded mode keeps its vectors in process (see the test of its shortlist)")
    monkeypatch.setattr(settings, "search_in_process_passages", 0)  # searches in the database
    q = service.prepare(session, "potholes and cracks in roads", mode="semantic")
    kinds = {"every": ("solution", "challenge", "usecase"), "needs": ("challenge",), "use cases": ("usecase",)}
    # (filter, k, path): 7 documents, 2 needs, 1 use case; the walk reads max(3 × (1.2 k + 20), 200) passages
    cases = [("every", 20, "_nearest"), ("needs", 20, "_nearest"), ("needs", 50, "_semantic_pg_exact")]
    cases.append(("use cases", 20, "_semantic_pg_exact"))
    scanned = {
        (kind, k): engine.semantic(session, q.vector, q.model, engine.Filters(entity_types=kinds[kind]), SYSTEM, k)
        for kind, k, _path in cases
    }
    routes: list[str] = []
    for name in ("_nearest", "_semantic_pg_exact"):
        original = getattr(engine, name)
        monkeypatch.setattr(engine, name, lambda *a, _f=original, _n=name, **kw: routes.append(_n) or _f(*a, **kw))
    monkeypatch.setattr(engine, "EXACT_BELOW", 0)  # as if the index were large
    for kind, k, path in cases:
        routes.clear()
        hits = engine.semantic(session, q.vector, q.model, engine.Filters(entity_types=kinds[kind]), SYSTEM, k)
        assert routes == [path], (kind, k)
        assert [h[0] for h in hits] == [h[0] for h in scanned[kind, k]]
        assert all(math.isclose(a[1], b[1], rel_tol=1e-5) for a, b in zip(hits, scanned[kind, k], strict=True))


def test_in_memory_filters_equal_the_sql_filters(session: Session, market: dict) -> None:
    """Embedded mode filters vectors in numpy; it must select exactly what the SQL condition selects."""
    import itertools

    import numpy as np

    from govlotse.core.actor import Actor, Role

    docs = session.scalars(select(SearchDoc)).all()
    doc_ids = np.array(sorted(d.id for d in docs), dtype=np.int64)
    columns = engine._load_columns(session, doc_ids)
    actors = [
        SYSTEM,
        ANONYMOUS,
        Actor(user_id=1, role=Role.agency, organisation_ids=frozenset({market["agency"].id})),
    ]
    variants = [
        {},
        {"hosting_any": ("on_premise", "saas_eu")},
        {"certifications_all": ("iso_27001",)},
        {"certifications_any": ("bsi_c5", "iso_27001")},
        {"maturity_in": ("market",)},
        {"statuses": ("submitted",)},
        {"exclude": frozenset({("solution", market["road"].id)})},
        {"org_kinds": ("startup",)},
    ]
    for actor, variant, types in itertools.product(actors, variants, [("solution",), ("challenge", "usecase")]):
        filters = engine.Filters(entity_types=types, **variant)
        in_sql = set(session.scalars(select(SearchDoc.id).where(engine.sql_conditions(filters, actor))))
        in_numpy = set(doc_ids[engine.mask(filters, actor, columns)].tolist())
        assert in_sql == in_numpy, (actor.label, variant, types)


def test_a_hit_found_by_its_words_shows_its_passage_nearest_the_query(
    session: Session, market: dict, index_now, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The semantic side names the passage it found a hit by; for a hit only its words found, the explanation shows
    its passage nearest the query, chosen in memory or by PostgreSQL without loading vectors (both places alike)."""
    topics = [
        "The invoicing module books incoming invoices and reminds debtors of open payments.",
        "Cameras on buses detect potholes, cracks and other road damage and place them on a city map.",
        "Staff training covers the first steps, reporting and the administration of user accounts.",
    ]
    description = "\n\n".join(" ".join([sentence] * 8) for sentence in topics)  # a passage or two per topic
    solution = make_solution(session, org=market["startup"], title="Omnibus Suite", description=description)
    index_now()
    doc = session.scalars(
        select(SearchDoc).where(SearchDoc.entity_type == "solution", SearchDoc.entity_id == solution.id)
    ).one()
    chunks = session.scalars(select(SearchChunk).where(SearchChunk.doc_id == doc.id)).all()
    assert len(chunks) >= 3
    q = service.prepare(session, "Schlaglöcher und Straßenschäden automatisch erkennen")
    assert q.vector is not None
    nearest = max(chunks, key=lambda c: float(q.vector @ c.vector))
    assert "potholes" in nearest.text
    for _place in _places(session, monkeypatch):
        assert engine.best_passages(session, q.model, q.vector, [doc.id, 999_999]) == {doc.id: nearest.id}
        (hit,) = service.explain(session, [engine.Candidate(doc.id, lexical=1.0, lexical_rank=1)], q)
        assert hit.passage == nearest.text
    words_only = service.prepare(session, "training reporting accounts", mode="lexical")
    (hit,) = service.explain(session, [engine.Candidate(doc.id, lexical=1.0, lexical_rank=1)], words_only)
    assert "Staff training" in hit.passage and "training" in hit.highlights


def test_both_places_rank_alike(session: Session, market: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL searches small indexes in process and large ones in the database: the same hits, scores and
    explanations either way, for every kind, several people and filters."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the embedded mode always searches in process")
    from govlotse.core.actor import Actor, Role

    people = [SYSTEM, ANONYMOUS, Actor(user_id=1, role=Role.agency, organisation_ids=frozenset({market["agency"].id}))]
    queries = ["Schlaglöcher in Straßen erkennen", "chatbot for citizens", "Leichte Sprache", "carbon in parks"]
    every = ("solution",)  # each kind in turn: search() sets it
    filters = [
        None,
        engine.Filters(entity_types=every, hosting_any=("on_premise", "saas_eu")),
        engine.Filters(entity_types=every, org_kinds=("startup",)),
    ]
    results: dict[str, list] = {}
    for place in _places(session, monkeypatch):
        results[place] = []
        for actor, query, f in [(a, q, f) for a in people for q in queries for f in filters]:
            found = service.search(session=session, actor=actor, query=query, filters=f)
            for kind, hits in sorted(found.groups.items()):
                results[place].append(
                    [(kind, h.title, round(h.score, 6), h.passage, tuple(h.matched_terms)) for h in hits]
                )
    assert results["in process"] == results["in the database"]
    assert any(results["in process"])


def test_words_a_query_repeats_weigh_more_up_to_a_cap(session: Session, market: dict) -> None:
    q = service.prepare(session, "Schlaglöcher erkennen, Schlaglöcher melden und Schlaglöcher beheben. " * 2)
    assert q.term_weights["schlagloch"] == service.MAX_QUERY_TF  # said six times
    assert q.term_weights["erkenn"] == 2 and q.term_weights["beheb"] == 2


def test_the_generation_is_read_once_per_transaction(session: Session) -> None:
    """A search asks for the index generation several times: one read per transaction, and a transaction that
    changes the index sees its own new generation."""
    from sqlalchemy import update

    from govlotse.matching import index
    from govlotse.matching.models import SearchMeta

    index.bump_generation(session)
    first = index.generation(session)
    session.execute(update(SearchMeta).where(SearchMeta.key == "generation").values(value="changed-elsewhere"))
    assert index.generation(session) == first  # taken from this transaction's first read
    index.bump_generation(session)
    assert index.generation(session) not in (first, "changed-elsewhere")


def test_a_large_embedded_index_ranks_as_the_exact_search(
    session: Session, market: dict, monkeypatch, index_now
) -> None:
    """Above EXACT_PASSAGES passages the in-process search shortlists along the main directions and precomputes
    every passage's hubness when it loads the vectors; the results are those of the exact search and the hubness
    that of the search-time computation (on both databases: PostgreSQL loads the vectors in their binary form)."""
    import numpy as np

    for n, topic in enumerate(
        [
            "traffic lights",
            "school meals",
            "waste collection",
            "tax forms",
            "river levels",
            "parking permits",
            "library loans",
            "street lighting",
            "noise maps",
            "tree care",
        ]
    ):
        make_solution(session, org=market["startup"], title=f"Tool {n}", description=f"Software for {topic}.")
    index_now()
    key = (str(session.get_bind().engine.url), service.get_embedder().name)
    queries = ["Schlaglöcher automatisch erkennen", "chatbot for citizens", "Leichte Sprache", "urban forest carbon"]

    def results() -> list[list[tuple[str, int, float | None]]]:
        engine._matrices.pop(key, None)
        return [
            [(h.entity_type, h.entity_id, h.semantic) for hits in found.groups.values() for h in hits]
            for found in (service.search(session=session, actor=SYSTEM, query=q) for q in queries)
        ]

    exact = results()
    assert engine._matrices[key].projected is None
    monkeypatch.setattr(engine, "EXACT_PASSAGES", 0)
    monkeypatch.setattr(engine, "SHORTLIST", 0)
    assert results() == exact
    m = engine._matrices[key]
    assert m.projected is not None and m.passage_hubness is not None
    assert np.allclose(m.passage_hubness, engine.hubness(m.vectors, m.reference), atol=1e-6)
    engine._matrices.pop(key, None)
