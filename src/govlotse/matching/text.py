"""Text analysis for lexical search: German-aware tokens, and passages for the embedder.

German needs are full of compounds ("Straßenschäden", "Wohngeldanträge"). A need that says
"Straßenschäden" must find a profile that speaks of "Schäden an Straßen", so German words are split
into their parts (checked against a German lexicon) and every part is indexed next to the whole word.
Tokens are Snowball stems with diacritics folded, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import cache, lru_cache

import snowballstemmer

# Bump when the analysis changes: documents analysed with another version are re-analysed.
ANALYZER_VERSION = "2"

WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[A-ZÄÖÜ0-9„\"(])|\n{2,}|\n(?=[-•*]\s)")

GERMAN_STOPWORDS = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch
    auf aus b bei beim bereits bin bis bist bzw ca d da damit dann das dass dasselbe dazu dein deine dem
    den denen denn der deren derzeit des dessen desto dich die dies diese dieselbe dieselben diesem
    diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines einig einige einigem
    einigen einiger einiges einmal er es etc etwa etwas euch euer eure für gegen gewesen h hab habe
    haben hat hatte hatten heute hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im
    in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine
    keinem keinen keiner keines können könnte machen man manche manchem manchen mancher manches mein
    meine meinem meinen meiner meines mich mir mit muss musste nach nicht nichts noch nun nur ob oder
    ohne per pro rund sehr sein seine seinem seinen seiner seines selbst sich sie sind so solche solchem
    solchen solcher solches soll sollte sondern sonst soweit sowie sowohl um und uns unser unsere
    unserem unseren unserer unseres unter usw viel vom von vor wann war waren warum was weil welche
    welchem welchen welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte
    würde würden z zu zum zur zwar zwischen über
    """.split()
)

ENGLISH_STOPWORDS = frozenset(
    """
    a about above across after again against all also am an and any are as at based be because been
    before being below between both but by can could did do does doing down during e each etc few for
    from further g had has have having he her here hers him his how i if in including into is it its
    itself just may me more most my new no nor not now of off on once only or other our ours out over
    own same she should so some such than that the their theirs them then there these they this those
    through to too under until up use used uses using very via was we well were what when where which
    while who whom why will with within would you your yours
    """.split()
)

# Linking elements between the parts of a German compound (Fugenelemente): Straße-n-schäden, Arbeit-s-amt.
_LINKS = ("", "s", "es", "n", "en", "e", "er")
MAX_TOKEN = 60
MIN_PART = 4
MIN_COMPOUND = 9
# Endings that the lexicon knows as words but that are suffixes here ("automat-isch", "verständ-lich").
_NOT_HEADS = frozenset(
    "isch ische ischen ischer isches lich liche lichen licher liches ung ungen keit heit schaft schaften "
    "tion tionen ieren iert bar bare baren los lose losen ig ige igen".split()
)


_TAG = re.compile(r"<[^>]{0,500}>")


def clean(text: str) -> str:
    """Plain text from imported descriptions: markup removed, entities decoded, spaces collapsed."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()


def fold(text: str) -> str:
    """Lowercase without diacritics: "Straße" → "strasse", "Schäden" → "schaden"."""
    if text.isascii():  # most words: nothing to decompose (a third of a cold search's highlighting time)
        return text.lower()
    text = text.lower().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return WORD.findall(text)


def detect_language(text: str) -> str:
    """ "de" or "en" by the share of function words (good enough to pick a stemmer)."""
    tokens = [w.lower() for w in words(text[:4000])]
    if not tokens:
        return "de"
    german = sum(1 for t in tokens if t in GERMAN_STOPWORDS) + sum(1 for t in tokens if any(c in t for c in "äöüß"))
    english = sum(1 for t in tokens if t in ENGLISH_STOPWORDS)
    return "en" if english > german else "de"


_per_thread = threading.local()


def _stemmer(lang: str) -> snowballstemmer.stemmer:
    """This thread's stemmer: a Snowball stemmer keeps state while it stems, so threads must not share one
    (requests run in a thread pool next to the indexing worker; a shared one garbles words or raises)."""
    stemmers: dict[str, snowballstemmer.stemmer] | None = getattr(_per_thread, "stemmers", None)
    if stemmers is None:
        stemmers = _per_thread.stemmers = {}
    if lang not in stemmers:
        stemmers[lang] = snowballstemmer.stemmer("english" if lang == "en" else "german")
    return stemmers[lang]


@cache
def _lexicon_known(word: str) -> bool:
    import simplemma  # loaded on first German compound only (about 1 s, 100 MB)

    return bool(simplemma.is_known(word, lang="de"))


def warm_up() -> None:
    """Load the German word list compounds are split with (about 1 s and 100 MB), as the worker does when a process
    starts: otherwise the first search that highlights or splits a German compound waits for it."""
    _lexicon_known("haus")


@cache
def split_compound(word: str) -> tuple[str, ...]:
    """The parts of a German compound ("straßenschäden" → ("straßen", "schäden")), or () if none."""
    if len(word) < MIN_COMPOUND or "-" in word:
        return tuple(p for p in word.split("-") if len(p) >= MIN_PART) if "-" in word else ()
    # Prefer the longest known head (the last part carries the meaning in German).
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head = word[cut:]
        if head in _NOT_HEADS or not _lexicon_known(head):
            continue
        modifier = word[:cut]
        for link in _LINKS:
            if link and not modifier.endswith(link):
                continue
            stem = modifier[: len(modifier) - len(link)] if link else modifier
            if len(stem) < MIN_PART:
                continue
            # The parts, and the parts of parts: "personalbedarfsplanung" → personal, bedarfsplanung,
            # bedarfs, planung.
            head_parts = split_compound(head) if len(head) >= 12 else ()
            if _lexicon_known(stem):
                return (stem, head, *head_parts)
            inner = split_compound(stem)
            if inner:
                return (*inner, head, *head_parts)
    return ()


def analyze(text: str, lang: str | None = None, *, keep_stopwords: bool = False) -> list[str]:
    """Index tokens for ``text``: folded Snowball stems, German compounds also as their parts."""
    lang = lang or detect_language(text)
    stop = stopwords(lang)
    out: list[str] = []
    for raw in words(text):
        lower = raw.lower()
        if (lower in stop and not keep_stopwords) or len(lower) < 2:
            continue
        out.extend(word_tokens(lower, lang))
    return out


def stem(word: str, lang: str) -> str:
    """The index token of one lower-case word without its compound parts: its folded Snowball stem."""
    return fold(_stemmer(lang).stemWord(word.replace("-", "").replace("'", "")))


def stopwords(lang: str) -> frozenset[str]:
    return GERMAN_STOPWORDS if lang == "de" else ENGLISH_STOPWORDS


@lru_cache(maxsize=300_000)
def word_tokens(word: str, lang: str) -> tuple[str, ...]:
    """The tokens of one lower-case word (stem, and the stems of its compound parts); memoised."""
    parts = split_compound(word) if lang == "de" else ()
    tokens = (stem(piece, lang) for piece in (word, *parts))
    # Longer "words" are URLs, hashes or identifiers: noise for ranking.
    return tuple(t for t in tokens if 2 <= len(t) <= MAX_TOKEN)


def query_terms(text: str, lang: str | None = None) -> list[str]:
    """Distinct tokens of a search query in order (the query's language, or both if unclear)."""
    return list(query_counts(text, lang))


def query_counts(text: str, lang: str | None = None) -> Counter[str]:
    """How often each token occurs in a search query, in order of first occurrence (in the query's language, or
    the higher count of both if unclear): a word a long need repeats is what it is about."""
    counts: Counter[str] = Counter()
    for code in [lang] if lang else _query_languages(text):
        for token, n in Counter(analyze(text, code)).items():
            counts[token] = max(counts[token], n)
    return counts


def query_language(text: str) -> str | None:
    """The language a query is clearly written in, or None when its words do not tell."""
    tokens = [w.lower() for w in words(text[:4000])]
    german = sum(1 for t in tokens if t in GERMAN_STOPWORDS or any(c in t for c in "äöüß"))
    english = sum(1 for t in tokens if t in ENGLISH_STOPWORDS)
    if german == english:
        return None
    return "de" if german > english else "en"


def _query_languages(text: str) -> list[str]:
    tokens = [w.lower() for w in words(text)]
    function_words = sum(1 for t in tokens if t in GERMAN_STOPWORDS or t in ENGLISH_STOPWORDS)
    if len(tokens) >= 6 and function_words >= 2:
        return [detect_language(text)]
    return ["de", "en"]  # a few keywords: could be either language


def surface_matches(text: str, terms: Iterable[str], lang: str | None = None) -> set[str]:
    """The words of ``text`` whose tokens are among ``terms`` (for highlighting)."""
    wanted = set(terms)
    lang = lang or detect_language(text)
    return {raw for raw in set(words(text)) if len(raw) > 1 and wanted.intersection(word_tokens(raw.lower(), lang))}


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in SENTENCE_END.split(text.replace("\r\n", "\n")) if p and p.strip()]
    return parts or ([text.strip()] if text.strip() else [])


def passages(text: str, *, max_words: int = 110, overlap: int = 1) -> Iterator[str]:
    """Split a long text into overlapping passages of whole sentences, so its end counts too."""
    chunk: list[str] = []
    size = 0
    for sentence in sentences(text):
        n = len(sentence.split())
        if chunk and size + n > max_words:
            yield " ".join(chunk)
            chunk = chunk[-overlap:] if overlap else []
            size = sum(len(s.split()) for s in chunk)
        if n > max_words:  # a run-on "sentence": cut it by words
            tokens = sentence.split()
            for i in range(0, len(tokens), max_words):
                piece = " ".join(tokens[i : i + max_words])
                if chunk:
                    yield " ".join(chunk)
                    chunk, size = [], 0
                yield piece
            continue
        chunk.append(sentence)
        size += n
    if chunk:
        yield " ".join(chunk)


def passage_parts(passage: str, highlights: Sequence[str]) -> list[tuple[str, bool]]:
    """``passage`` split into (text, is a matching word), so templates can highlight without raw HTML."""
    if not highlights:
        return [(passage, False)]
    pattern = re.compile(r"\b(" + "|".join(re.escape(h) for h in sorted(highlights, key=len, reverse=True)) + r")\b")
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(passage):
        if m.start() > pos:
            parts.append((passage[pos : m.start()], False))
        parts.append((m.group(0), True))
        pos = m.end()
    if pos < len(passage):
        parts.append((passage[pos:], False))
    return parts
