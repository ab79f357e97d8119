"""Matching: one search across needs, solutions and use cases, with reasons for every hit.

Used by the search page, the need form ("similar needs", "known use cases"), the challenge page
(candidate solutions) and the solution page (published needs that fit it: reverse matching).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from govlotse.challenges.models import Challenge, ChallengeStatus, HostingRequirement
from govlotse.config import settings
from govlotse.core.actor import Actor
from govlotse.errors import Invalid
from govlotse.i18n import N_
from govlotse.matching import crosslingual, engine
from govlotse.matching import index as indexmod
from govlotse.matching import text as textmod
from govlotse.matching.embedder import get_embedder
from govlotse.matching.models import EmbeddingCache, SearchChunk, SearchDoc
from govlotse.matching.schemas import ENTITY_TYPES, MAX_QUERY_CHARS
from govlotse.matching.sources import CERT_CODES, HOSTING_CODES, codes
from govlotse.policy import Action, require
from govlotse.solutions.models import Solution

CANDIDATES = 100  # taken from each of the two rankings before fusion
EMBED_CHARS = 2000  # the model reads about 512 tokens; more text only costs time

URLS = {
    "solution": "/loesungen/{id}",
    "challenge": "/bedarfe/{id}",
    "usecase": "/wissen/{id}",
    "article": "/wissen/artikel/{id}",
    "expert": "/experten/{id}",
}

# Which operating models satisfy a need's hosting requirement.
HOSTING_ACCEPTED: dict[str, tuple[str, ...]] = {
    HostingRequirement.germany: ("saas_germany", "private_cloud", "on_premise"),
    HostingRequirement.eu: ("saas_germany", "saas_eu", "private_cloud", "on_premise"),
    HostingRequirement.on_premise: ("on_premise",),
}
# Certificates that show an information-security management system (for personal data).
SECURITY_CERTS = ("bsi_c5", "iso_27001", "bsi_grundschutz")
PILOT_READY = ("pilot_ready", "market", "scaled")
OPEN_CHALLENGE_STATES = (ChallengeStatus.submitted, ChallengeStatus.accepted)


@dataclass
class Criterion:
    code: str
    label: str  # German source text, translated when shown
    met: bool | None
    detail: str = ""


@dataclass
class Hit:
    entity_type: str
    entity_id: int
    title: str
    score: float
    semantic: float | None
    semantic_rank: int | None
    lexical: float | None
    lexical_rank: int | None
    semantic_share: float
    matched_terms: list[str]
    passage: str
    highlights: list[str]
    criteria: list[Criterion] = field(default_factory=list)
    subtitle: str = ""
    translations: list[str] = field(default_factory=list)  # "Ampel → traffic light": words found across languages

    @property
    def url(self) -> str:
        return URLS.get(self.entity_type, "#").format(id=self.entity_id)

    def passage_parts(self) -> list[tuple[str, bool]]:
        """The passage split into (text, is a matching word) for safe highlighting in templates."""
        return textmod.passage_parts(self.passage, self.highlights)


@dataclass
class Results:
    query: str
    mode: str
    model: str
    groups: dict[str, list[Hit]]
    notice: str | None = None


def _cleaned(query: str) -> str:
    return " ".join(textmod.clean(query[: MAX_QUERY_CHARS * 6]).split())[:MAX_QUERY_CHARS]


def _clean_query(query: str) -> str:
    query = _cleaned(query)
    if not query:
        raise Invalid.on("q", "Bitte einen Suchbegriff eingeben.")
    return query


@dataclass
class Query:
    """A query analysed once: its text, language, lexical terms and vector."""

    text: str
    terms: list[str]
    vector: np.ndarray | None
    model: str
    lang: str | None = None
    translations: list[crosslingual.Translation] = field(default_factory=list)
    translated_terms: list[str] = field(default_factory=list)  # the translations' tokens that are searched
    counts: dict[str, int] = field(default_factory=dict)  # how often the query (or its translations) says each term

    @property
    def all_terms(self) -> list[str]:
        return list(dict.fromkeys([*self.terms, *self.translated_terms]))

    @property
    def term_weights(self) -> dict[str, int]:
        """Each searched term with its weight in BM25: its frequency in the query, capped."""
        return {t: min(self.counts.get(t, 1), MAX_QUERY_TF) for t in self.all_terms}


def prepare(session: Session, query: str, *, mode: str = "hybrid") -> Query:
    """Clean a query and compute what both rankings need (terms, and the vector unless lexical only).

    When the index holds documents in the other language, the query crosses over (:mod:`crosslingual`): its
    words are also searched in translation, and its vector is the mean of its own and that of its word-by-word
    rendering in the other language, so that a German need finds English profiles and the other way round."""
    query = _clean_query(query)
    embedder = get_embedder()
    lang = textmod.query_language(query)
    other = engine.languages(session) - ({lang} if lang else set()) if settings.search_translate else frozenset()
    found = crosslingual.translate_all(query) if other else []
    terms: list[str] = []
    translations: list[crosslingual.Translation] = []
    translated: list[str] = []
    counts: Counter[str] = Counter()
    if mode != "semantic":
        counts = textmod.query_counts(query)
        terms = list(counts)
        if len(terms) > LONG_QUERY_TERMS:  # a whole need as query: keep its most telling words
            terms = _telling_terms(session, counts, terms)
        translations = [t for t in found if t.lang in other]
        translated_counts = Counter(token for t in translations for token in t.tokens)
        translated = [t for t in translated_counts if t not in terms]
        if len(translated) > LONG_QUERY_TERMS:
            translated = _telling_terms(session, translated_counts, translated)
        counts = translated_counts | counts
    vector = None
    if mode != "lexical":
        embedded = query[:EMBED_CHARS]
        rendered = crosslingual.renderings(embedded, found if embedded == query else None) if other else {}
        texts = [embedded, *(r for target, r in rendered.items() if target in other)]
        mean = np.mean(_query_vectors(session, embedder, texts), axis=0)
        vector = mean / (np.linalg.norm(mean) or 1.0)
    return Query(query, terms, vector, embedder.name, lang, translations, translated, dict(counts))


LONG_QUERY_TERMS = 30
# A term's weight in the lexical ranking is its frequency in the query up to this (BM25 with query term
# frequency; measured in bench/quality.py: +0.03 ndcg@10 lexical on yc and mdk, whose queries are whole texts).
MAX_QUERY_TF = 5

# A page often searches several kinds with the same text (a need's candidates, similar needs, use cases,
# articles, experts): its query vector is computed once and kept for the next searches.
_QUERY_VECTORS: OrderedDict[tuple[int, str, str], np.ndarray] = OrderedDict()
_QUERY_VECTORS_MAX = 256
_query_vectors_lock = threading.Lock()


def _query_vectors(session: Session, embedder: Any, texts: Sequence[str]) -> list[np.ndarray]:
    """The texts' query vectors: from this process's recent queries, from the index (records' own texts and their
    renderings, embedded when they were indexed: see ``_vector_text``), or computed now."""
    keys = [(id(embedder), embedder.name, text) for text in texts]
    found: dict[str, np.ndarray] = {}
    with _query_vectors_lock:
        for key in keys:
            if key in _QUERY_VECTORS:
                _QUERY_VECTORS.move_to_end(key)
                found[key[2]] = _QUERY_VECTORS[key]
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    by_hash = {indexmod.query_key(t): t for t in missing}
    if by_hash:
        for row in session.scalars(
            select(EmbeddingCache).where(
                EmbeddingCache.model == embedder.name, EmbeddingCache.content_hash.in_(list(by_hash))
            )
        ):
            found[by_hash[row.content_hash]] = np.array(row.vector)
    # One call for the query and its rendering: the bundled model gives the same vectors as one text at a time,
    # 1-2 ms sooner (28 / 43 against 29 / 45 ms at p50 / p95, bench/latency.py's queries, 2026-12-06; an earlier
    # measurement that favoured single texts was taken while numpy's BLAS threads still spun), and a remote
    # embedding service answers one request instead of two.
    todo = [t for t in missing if t not in found]
    if todo:
        for text, vector in zip(todo, embedder.embed_queries(todo), strict=True):
            found[text] = np.array(vector)
    with _query_vectors_lock:
        for key in keys:
            vector = found[key[2]]
            vector.setflags(write=False)  # shared by later searches: nobody may change it in place
            _QUERY_VECTORS[key] = vector
        while len(_QUERY_VECTORS) > _QUERY_VECTORS_MAX:
            _QUERY_VECTORS.popitem(last=False)
    return [found[t] for t in texts]


def _telling_terms(session: Session, counts: Counter[str], terms: list[str]) -> list[str]:
    """The ``LONG_QUERY_TERMS`` terms with the highest tf·idf in the query (idf from the index)."""
    from govlotse.matching.models import SearchTerm

    n_docs = engine.corpus_stats(session)[0]
    dfs = dict(session.execute(select(SearchTerm.term, SearchTerm.df).where(SearchTerm.term.in_(terms))).all())
    known = [t for t in terms if dfs.get(t)]
    known.sort(key=lambda t: -counts.get(t, 1) * engine.idf(n_docs, int(dfs[t])))
    return known[:LONG_QUERY_TERMS]


def rank(
    session: Session,
    actor: Actor,
    q: Query,
    filters: engine.Filters,
    *,
    mode: str = "hybrid",
    semantic_weight: float | None = None,
    candidates: int = CANDIDATES,
) -> list[engine.Candidate]:
    """The production ranking: lexical and semantic, both within the filters, fused by rank."""
    weight = settings.search_semantic_weight if semantic_weight is None else semantic_weight
    if mode != "hybrid":
        weight = 1.0 if mode == "semantic" else 0.0
    terms = q.term_weights
    lexical = engine.lexical(session, terms, filters, actor, candidates) if terms and weight < 1 else []
    semantic = (
        engine.semantic(session, q.vector, q.model, filters, actor, candidates)
        if q.vector is not None and weight > 0
        else []
    )
    # Documents in the other language that a query's words cannot reach (none of them has a translation) get
    # their semantic rank as lexical evidence (see engine.fuse); translated words reach them like any others.
    other_language: set[int] = set()
    if q.lang and semantic and not q.translated_terms:
        ids = [doc_id for doc_id, _sim, _chunk in semantic]
        other_language = set(
            session.scalars(select(SearchDoc.id).where(SearchDoc.id.in_(ids), SearchDoc.lang != q.lang))
        )
    return engine.fuse(lexical, semantic, semantic_weight=weight, other_language=other_language)


def may_search(actor: Actor, entity_type: str) -> bool:
    """Kinds a person may search at all: the expert directory names people and is for the public sector."""
    if entity_type == "expert":
        from govlotse.experts.service import may_see_directory

        return may_see_directory(actor)
    return True


def search(
    *,
    session: Session,
    actor: Actor,
    query: str,
    types: Sequence[str] = ENTITY_TYPES,
    filters: engine.Filters | None = None,
    limit: int = 10,
    mode: str = "hybrid",
    semantic_weight: float | None = None,
) -> Results:
    """Ranked hits per kind of record, each with its explanation; hard filters inside the search."""
    q = prepare(session, query, mode=mode)
    groups: dict[str, list[Hit]] = {}
    for entity_type in [t for t in types if t in ENTITY_TYPES and may_search(actor, t)]:
        f = filters or engine.Filters(entity_types=(entity_type,))
        f = engine.Filters(**{**f.__dict__, "entity_types": (entity_type,)})
        fused = rank(session, actor, q, f, mode=mode, semantic_weight=semantic_weight)
        groups[entity_type] = explain(session, fused[:limit], q)
    notice = (
        N_("Die Anfrage war sehr lang; gesucht wurde mit ihrem Anfang.") if len(q.text) >= MAX_QUERY_CHARS else None
    )
    return Results(query=q.text, mode=mode, model=q.model, groups=groups, notice=notice)


def explain(session: Session, candidates: Sequence[engine.Candidate], q: Query) -> list[Hit]:
    """Turn fused candidates into hits: matched words (and the translations that found them), best passage,
    contributions."""
    if not candidates:
        return []
    ids = [c.doc_id for c in candidates]
    docs = {d.id: d for d in session.scalars(select(SearchDoc).where(SearchDoc.id.in_(ids)))}
    passages = _passages(session, candidates, q, docs)
    wanted = set(q.all_terms)
    subtitles = _subtitles(session, list(docs.values()))
    hits = []
    for c in candidates:
        doc = docs[c.doc_id]
        doc_terms = set(doc.tokens.split()) & wanted
        passage = passages.get(c.doc_id, "")
        matched = textmod.surface_matches(doc.body, doc_terms, doc.lang) if doc_terms else set()
        if doc.body:  # the passages are parts of the body: their matching words are among the body's
            highlights = sorted({w for w in textmod.words(passage) if w in matched})
        else:  # a record without a description is indexed by its title
            highlights = sorted(textmod.surface_matches(passage, doc_terms, doc.lang)) if doc_terms else []
        total = sum(c.parts.values()) or 1.0
        hits.append(
            Hit(
                entity_type=doc.entity_type,
                entity_id=doc.entity_id,
                title=doc.title,
                score=round(c.score, 6),
                semantic=None if c.semantic is None else round(c.semantic, 4),
                semantic_rank=c.semantic_rank,
                lexical=None if c.lexical is None else round(c.lexical, 4),
                lexical_rank=c.lexical_rank,
                semantic_share=round(c.parts.get("semantic", 0.0) / total, 3),
                matched_terms=sorted(matched)[:20],
                passage=passage,
                highlights=highlights,
                subtitle=subtitles.get(doc.id, ""),
                translations=_translations_found(q.translations, doc_terms, doc.lang),
            )
        )
    return hits


def _translations_found(translations: Sequence[crosslingual.Translation], doc_terms: set[str], lang: str) -> list[str]:
    """ "Ampelschaltung → traffic signal timing" for each translation whose words the document contains."""
    found = (f"{t.source} → {t.target}" for t in translations if t.lang == lang and doc_terms.intersection(t.tokens))
    return list(dict.fromkeys(found))[:12]


def _subtitles(session: Session, docs: Sequence[SearchDoc]) -> dict[int, str]:
    """Who a hit belongs to: the organisation's name, or the use case's organisation and country."""
    from govlotse.knowledge.models import UseCase
    from govlotse.organisations.models import Organisation

    org_ids = {d.org_id for d in docs if d.org_id}
    usecase_ids = [d.entity_id for d in docs if d.entity_type == "usecase"]
    names: dict[int, str] = {}
    if org_ids:
        names = dict(
            session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))).all()
        )
    usecases: dict[int, str] = {}
    if usecase_ids:
        usecases = {
            uid: " · ".join(p for p in (org, country) if p)
            for uid, org, country in session.execute(
                select(UseCase.id, UseCase.organisation_name, UseCase.country).where(UseCase.id.in_(usecase_ids))
            )
        }
    out: dict[int, str] = {}
    for d in docs:
        out[d.id] = usecases.get(d.entity_id, "") if d.entity_type == "usecase" else names.get(d.org_id or 0, "")
    return out


def _passages(
    session: Session, candidates: Sequence[engine.Candidate], q: Query, docs: dict[int, SearchDoc]
) -> dict[int, str]:
    """Each hit's best passage: the one the semantic side found it by; for a hit found by its words only, its
    passage nearest the query (chosen without loading the vectors: :func:`engine.best_passages`), or without a
    query vector (lexical-only search) the passage with most of the query's words."""
    chosen = {c.doc_id: c.best_chunk_id for c in candidates if c.best_chunk_id is not None}
    by_words = [c.doc_id for c in candidates if c.best_chunk_id is None]
    if by_words and q.vector is not None:
        chosen.update(engine.best_passages(session, q.model, q.vector, by_words))
    out: dict[int, str] = {}
    if chosen:
        doc_of = {chunk_id: doc_id for doc_id, chunk_id in chosen.items()}
        for chunk_id, text in session.execute(
            select(SearchChunk.id, SearchChunk.text).where(SearchChunk.id.in_(doc_of))
        ):
            out[doc_of[chunk_id]] = text
    rest = [c.doc_id for c in candidates if c.doc_id not in out]
    if rest:
        texts: dict[int, list[str]] = {}
        for doc_id, text in session.execute(
            select(SearchChunk.doc_id, SearchChunk.text)
            .where(SearchChunk.doc_id.in_(rest))
            .order_by(SearchChunk.doc_id, SearchChunk.chunk_no)
        ):
            texts.setdefault(doc_id, []).append(text)
        wanted = set(q.all_terms)
        for doc_id, passages in texts.items():
            counts = [len(set(textmod.analyze(t, docs[doc_id].lang)) & wanted) for t in passages]
            out[doc_id] = passages[int(np.argmax(counts))]
    return out


# ---------------------------------------------------------------- matching a need and its solutions


def _vector_text(query: str) -> str:
    """The part of a query that is embedded, exactly as :func:`prepare` cuts it ("" for an empty query)."""
    return _cleaned(query)[:EMBED_CHARS]


def _challenge_texts(session: Session, ids: Sequence[int]) -> dict[int, str]:
    rows = session.scalars(select(Challenge).where(Challenge.id.in_(ids)).options(selectinload(Challenge.tags)))
    return {c.id: text for c in rows if (text := _vector_text(challenge_query(c)))}


def _solution_texts(session: Session, ids: Sequence[int]) -> dict[int, str]:
    rows = session.scalars(select(Solution).where(Solution.id.in_(ids)).options(selectinload(Solution.tags)))
    return {s.id: text for s in rows if (text := _vector_text(solution_query(s)))}


# A need's page searches candidates with its text, a solution's page fitting needs with its own: the indexer
# embeds those query texts in the background, so opening the page does not wait for the model.
indexmod.QUERY_TEXTS.update(challenge=_challenge_texts, solution=_solution_texts)


def solution_query(solution: Solution) -> str:
    """What a solution is searched with when looking for needs it could serve."""
    return "\n".join([solution.title, solution.description, " ".join(t.label_de for t in solution.tags)])


def challenge_query(challenge: Challenge) -> str:
    """What a need is searched with: its problem in its own words."""
    parts = [
        challenge.title,
        challenge.problem,
        challenge.desired_outcome,
        challenge.affected_process,
        " ".join(t.label_de for t in challenge.tags),
    ]
    return "\n".join(p for p in parts if p)


def criteria_for(challenge: Challenge, doc: SearchDoc) -> list[Criterion]:
    """Which of the need's hard criteria a solution meets (for the explanation and the procurement file)."""
    out: list[Criterion] = []
    offered = codes(doc.hosting_bits, HOSTING_CODES)
    accepted = HOSTING_ACCEPTED.get(challenge.hosting_requirement)
    if accepted:
        fits = [h for h in offered if h in accepted]
        out.append(
            Criterion(
                "hosting",
                N_("Betrieb wie gefordert"),
                bool(fits) if offered else None,
                ", ".join(fits or offered),
            )
        )
    if challenge.personal_data:
        certs = [c for c in codes(doc.cert_bits, CERT_CODES) if c in SECURITY_CERTS]
        out.append(
            Criterion(
                "security",
                N_("Informationssicherheit nachgewiesen (ISO 27001, BSI C5 oder IT-Grundschutz)"),
                bool(certs),
                ", ".join(certs),
            )
        )
    if doc.maturity:
        out.append(
            Criterion("maturity", N_("Pilotfähig (mindestens pilotreif)"), doc.maturity in PILOT_READY, doc.maturity)
        )
    return out


def hard_filters_for(challenge: Challenge) -> engine.Filters:
    """The need's criteria as hard filters (when the unit wants only solutions that meet all of them)."""
    return engine.Filters(
        entity_types=("solution",),
        hosting_any=HOSTING_ACCEPTED.get(challenge.hosting_requirement, ()),
        certifications_any=SECURITY_CERTS if challenge.personal_data else (),
        maturity_in=PILOT_READY,
    )


def solutions_for_challenge(
    *, session: Session, actor: Actor, challenge: Challenge, limit: int = 10, strict: bool = False
) -> list[Hit]:
    """Candidate solutions for a need, best first, each with the criteria it meets or misses.

    Candidates are working material of the agency that owns the need and of the unit, not of competitors
    (401 for visitors, 403 for others who may see the need).
    """
    require(actor, Action.update, challenge, name="challenge", ident=challenge.id)
    filters = hard_filters_for(challenge) if strict else engine.Filters(entity_types=("solution",))
    hits = search(
        session=session,
        actor=actor,
        query=challenge_query(challenge),
        types=("solution",),
        filters=filters,
        limit=limit,
    ).groups["solution"]
    _attach(session, hits, lambda doc: criteria_for(challenge, doc))
    return hits


def challenges_for_solution(*, session: Session, actor: Actor, solution: Solution, limit: int = 10) -> list[Hit]:
    """Open needs a solution could serve (reverse matching), within what the actor may see."""
    query = solution_query(solution)
    filters = engine.Filters(entity_types=("challenge",), statuses=OPEN_CHALLENGE_STATES)
    hits = search(session=session, actor=actor, query=query, types=("challenge",), filters=filters, limit=limit).groups[
        "challenge"
    ]
    _attach(session, hits, lambda doc: [])
    return hits


def similar(
    *, session: Session, actor: Actor, text: str, exclude_challenge: int | None = None, limit: int = 5
) -> dict[str, list[Hit]]:
    """Earlier needs, known use cases and lessons learned similar to a need being written."""
    groups: dict[str, list[Hit]] = {}
    for entity_type in ("challenge", "usecase", "article"):
        exclude = frozenset({("challenge", exclude_challenge)}) if exclude_challenge else frozenset()
        filters = engine.Filters(entity_types=(entity_type,), exclude=exclude)
        groups.update(
            search(session=session, actor=actor, query=text, types=(entity_type,), filters=filters, limit=limit).groups
        )
    return groups


def _attach(session: Session, hits: list[Hit], criteria: object) -> None:
    if not hits:
        return
    docs = {
        (d.entity_type, d.entity_id): d
        for d in session.scalars(
            select(SearchDoc).where(
                SearchDoc.entity_type == hits[0].entity_type,
                SearchDoc.entity_id.in_([h.entity_id for h in hits]),
            )
        )
    }
    for hit in hits:
        doc = docs.get((hit.entity_type, hit.entity_id))
        if doc is not None and callable(criteria):
            hit.criteria = criteria(doc)
