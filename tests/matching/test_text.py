"""German-aware analysis: compounds, stems, passages."""

from __future__ import annotations

from govlotse.matching import text


def test_compounds_match_their_parts() -> None:
    compound = set(text.analyze("Straßenschäden", "de"))
    spelled_out = set(text.analyze("Schäden an Straßen", "de"))
    assert spelled_out <= compound
    assert set(text.analyze("Wohngeldanträge", "de")) >= set(text.analyze("Anträge auf Wohngeld", "de"))


def test_suffixes_are_not_compound_parts() -> None:
    assert text.split_compound("automatisch") == ()
    assert text.split_compound("verständlich") == ()


def test_tokens_are_folded_ascii_words() -> None:
    tokens = text.analyze("Prüfung der Größe – don't", None)
    assert all(t.isalnum() and t == t.lower() for t in tokens)
    assert "prufung" in tokens or "pruf" in tokens


def test_language_detection() -> None:
    assert text.detect_language("Die Behörde erhält jährlich viele Anträge und bearbeitet sie.") == "de"
    assert text.detect_language("The agency receives many applications and processes them.") == "en"


def test_short_queries_are_analysed_in_both_languages() -> None:
    terms = text.query_terms("Schlaglöcher detection")
    assert "schlagloch" in terms and "detect" in terms


def test_a_word_a_query_repeats_counts_more() -> None:
    need = "Die Stadt sucht eine Lösung für ihr Baumkataster: das Baumkataster wird digital, Bäume zählen."
    counts = text.query_counts(need)
    assert counts["baumkatast"] == 2 and counts["baum"] == 3 and counts["digital"] == 1  # "Bäume" and two parts
    assert list(counts) == text.query_terms(need)


def test_long_texts_become_overlapping_passages_that_keep_the_end() -> None:
    body = " ".join(f"Satz Nummer {i} beschreibt etwas." for i in range(200)) + " Das Ende nennt Drohnen."
    parts = list(text.passages(body, max_words=60))
    assert len(parts) > 5
    assert "Drohnen" in parts[-1]
    assert all(len(p.split()) <= 60 for p in parts)


def test_surface_matches_find_the_words_to_highlight() -> None:
    terms = text.query_terms("Straßenschäden")
    assert text.surface_matches("Wir erkennen Schäden an Straßen.", terms, "de") == {"Schäden", "Straßen"}


def test_markup_is_removed_before_indexing() -> None:
    assert text.clean("<ul><li>Bäume &amp; Sträucher</li></ul>") == "Bäume & Sträucher"
    assert text.clean("a  \t b") == "a b"


def test_overlong_tokens_are_dropped() -> None:
    url = "https://example.org/" + "a" * 150
    assert all(len(t) <= text.MAX_TOKEN for t in text.analyze(f"Siehe {url} und {'x' * 120}", "de"))


def test_threads_do_not_share_a_stemmer() -> None:
    # Snowball stemmers keep state while stemming; requests and the indexing worker run in parallel threads.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: id(text._stemmer("de")), range(2), timeout=10)
    mine = text._stemmer("de")
    assert mine is text._stemmer("de")  # kept per thread
    assert len({id(mine), first, second}) >= 2
    words = [f"Straßenschäden{i}" for i in range(2000)] + ["Wohngeldanträge", "Bearbeitungszeiten"] * 500
    expected = [text._stemmer("de").stemWord(w) for w in words]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: [text._stemmer("de").stemWord(w) for w in words], range(4)))
    assert all(r == expected for r in results)


def test_the_stemmers_are_the_c_ones() -> None:
    """PyStemmer (Snowball in C) is installed and used: the same stems as the Python port, 15x faster."""
    from snowballstemmer import german_stemmer

    assert type(text._stemmer("de")).__module__ == "Stemmer"
    for word in ("straßenschäden", "anträge", "bürgerbeteiligung", "verkehrsüberwachung"):
        assert text._stemmer("de").stemWord(word) == german_stemmer.GermanStemmer().stemWord(word)
