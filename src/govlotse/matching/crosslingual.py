"""Cross-language words: a German need finds English profiles by their words too, and the other way round.

Words cannot match across languages, so on its own the lexical side of the hybrid search gives an English
profile nothing for a German need and leaves the whole ranking to the embedding, which is weak across
languages (see the README's quality table). The project's own term list (``lexicon/de_en.tsv``: public
administration, GovTech and procurement) translates the words of a query into the other language; their
tokens are searched next to the query's own, and the explanation of a hit names the translations that
matched ("Ampelschaltung → traffic signal timing").

Lookup is by stem, so inflected forms match ("Anträge" finds "Antrag"); a German compound missing from the
list is translated by its parts ("Heizungsdaten" → heating, data); phrases of up to four words are matched
first ("künstliche Intelligenz" → artificial intelligence).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from govlotse.matching import text as textmod

LANGUAGES = ("de", "en")
MAX_TARGETS = 2  # translations used per word: the list is ordered best first, later ones drift in meaning
MAX_PHRASE = 4
MIN_PART = 5  # shorter compound parts are often not words of their own ("zuge|ordnet")


@dataclass(frozen=True)
class Translation:
    source: str  # the query's word or phrase, as written
    target: str  # its translation as the list writes it ("traffic light")
    lang: str  # the translation's language
    tokens: tuple[str, ...]  # the translation's index tokens


# key: the stems of a word or phrase in the source language → [(translation, its tokens)] best first
Lexicon = dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]]


def _other(lang: str) -> str:
    """The language words of ``lang`` are translated into."""
    return "en" if lang == "de" else "de"


def key(phrase: str, lang: str) -> tuple[str, ...]:
    """The lookup key of a word or phrase: the stem of each word (compounds are not split)."""
    return tuple(textmod.stem(w.lower(), lang) for w in textmod.words(phrase))


def tokens(phrase: str, lang: str) -> tuple[str, ...]:
    """The index tokens a translation is searched with: the stems of its words that are not stop words."""
    stop = textmod.stopwords(lang)
    return tuple(
        dict.fromkeys(
            t for w in textmod.words(phrase) if w.lower() not in stop and len(t := textmod.stem(w.lower(), lang)) >= 2
        )
    )


def entries() -> Iterator[tuple[str, list[str]]]:
    """(German word or phrase, English translations best first) from the shipped term list."""
    source = files("govlotse.matching") / "lexicon" / "de_en.tsv"
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        german, sep, english = line.partition("\t")
        targets = [t.strip() for t in english.split(";") if t.strip()]
        if not sep or not german.strip() or not targets:
            raise ValueError(f"lexicon/de_en.tsv line {number}: expected 'German<TAB>English; English'")
        yield german.strip(), targets


@cache
def lexicon(source_lang: str) -> Lexicon:
    """German → English, or (built from the same list) English → German."""
    out: Lexicon = {}
    target_lang = _other(source_lang)
    for german, english in entries():
        pairs = [(german, e) for e in english[:MAX_TARGETS]] if source_lang == "de" else [(e, german) for e in english]
        for source, target in pairs:
            found = out.setdefault(key(source, source_lang), [])
            target_tokens = tokens(target, target_lang)
            if target_tokens and all(set(t) != set(target_tokens) for _, t in found) and len(found) < MAX_TARGETS:
                found.append((target, target_tokens))
    return {k: v for k, v in out.items() if k and v}


def translate(text: str, source_lang: str) -> list[Translation]:
    """The translations of the words of ``text`` (in ``source_lang``) found in the term list, in text order."""
    table = lexicon(source_lang)
    target_lang = _other(source_lang)
    stop = textmod.stopwords(source_lang)
    words = textmod.words(text)
    stems = [textmod.stem(w.lower(), source_lang) for w in words]
    out: dict[tuple[str, str], Translation] = {}

    def add(source: str, found: list[tuple[str, tuple[str, ...]]]) -> None:
        for target, target_tokens in found:
            out.setdefault((source.lower(), target), Translation(source, target, target_lang, target_tokens))

    i = 0
    while i < len(words):
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            found = table.get(tuple(stems[i : i + n])) or (n == 1 and table.get((_lemma_stem(words[i], source_lang),)))
            if found and (n > 1 or words[i].lower() not in stop):
                add(" ".join(words[i : i + n]), found)
                i += n
                break
        else:
            word = words[i].lower()
            if source_lang == "de" and word not in stop:
                for part in textmod.split_compound(word):
                    if len(part) >= MIN_PART and (found := table.get((textmod.stem(part, "de"),))):
                        add(part, found)
            i += 1
    return list(out.values())


@lru_cache(maxsize=100_000)
def _lemma_stem(word: str, lang: str) -> str:
    """The stem of a word's dictionary form: German verbs and plurals stem apart from their lemma
    ("erkennt"/"erkennen", "Kameras"/"Kamera"), so a word not found by its stem is looked up by its lemma."""
    if lang != "de" or len(word) < 4:
        return ""
    import simplemma  # already loaded for German compounds

    lemma = str(simplemma.lemmatize(word, lang="de")).lower()
    if lemma == word.lower() and lemma.endswith(("iert", "ierte", "ierten")):  # "klassifiziert" → klassifizieren
        lemma = lemma[: lemma.rindex("iert")] + "ieren"
    return textmod.stem(lemma, lang)


def translate_all(text: str) -> list[Translation]:
    """The translations of ``text``'s words from its language, or from both when its words do not tell."""
    return [t for source in directions(textmod.query_language(text)) for t in translate(text, source)]


def renderings(text: str, translations: Sequence[Translation] | None = None) -> dict[str, str]:
    """``text`` rendered word by word in the other language: the translations of the words it translates (the
    same ones the lexical side searches), in text order ("central, centralized, mailroom, mail processing,
    ..."), by target language. ``translations``: ``translate_all(text)`` when the caller has it already.

    The embedding of a German need sits far from English profiles about the same thing; the embedding of its
    rendering sits close to them. A search embeds both and uses their mean (see ``service.prepare``)."""
    by_lang: dict[str, dict[str, None]] = {}
    sources: dict[str, set[str]] = {}
    for t in translate_all(text) if translations is None else translations:
        by_lang.setdefault(t.lang, {})[t.target] = None
        sources.setdefault(t.lang, set()).add(t.source.lower())
    if len(by_lang) > 1:
        # A text whose words do not tell its language was translated both ways. The language it is written in
        # is the one more of its words translate from ("Budget Request Summary": English; read as German only
        # "Budget" translates, into "budget"): rendering only that way saves embedding a text of words the query
        # already holds (an embedding is most of a search's time).
        most = max(len(found) for found in sources.values())
        by_lang = {lang: targets for lang, targets in by_lang.items() if len(sources[lang]) == most}
    return {lang: ", ".join(targets) for lang, targets in by_lang.items()}


def directions(lang: str | None) -> tuple[str, ...]:
    """The languages to translate a query from: its own, or both when its words do not tell."""
    return (lang,) if lang in LANGUAGES else LANGUAGES
