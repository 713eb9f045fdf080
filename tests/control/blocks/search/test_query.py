"""Parsing a query and planning it against what the lexicon knows."""

from __future__ import annotations

from control.blocks.search.query import MAX_TERMS, Lexicon, Term, lookup, misspelt, parse, plan


def known(*words: str, **counts: int) -> Lexicon:
    documents = {word: 1 for word in words} | counts
    completions: dict[str, int] = {}
    for word, count in documents.items():
        for end in range(1, len(word) + 1):
            completions[word[:end]] = completions.get(word[:end], 0) + count
    return Lexicon(documents, completions)


def test_the_last_word_is_a_prefix_only_while_it_is_being_typed() -> None:
    assert [t.prefix for t in parse("daniel neg")] == [False, True]
    assert [t.prefix for t in parse("daniel neg ")] == [False, False]
    assert [t.prefix for t in parse("daniel neg.")] == [False, False]


def test_a_query_keeps_its_first_words() -> None:
    terms = parse(" ".join(f"w{i}" for i in range(30)))
    assert len(terms) == MAX_TERMS and not terms[-1].prefix


def test_operators_and_quotes_never_reach_the_query_language() -> None:
    terms = parse('"aces & kings | !queens: (jacks*')
    assert [t.text for t in terms] == ["aces", "kings", "queens", "jacks"]
    rendered = plan(terms, known("aces", "kings", "queens", "jacks")).tsquery()
    assert rendered == "'aces' & 'kings' & 'queens' & 'jacks'"


def test_a_known_word_is_searched_as_typed_and_a_prefix_completes() -> None:
    terms = parse("aces ki")
    planned = plan(terms, known("aces", "kings"))
    assert planned.tsquery() == "'aces' & 'ki':*"
    assert planned.corrected_query is None and planned.matchable


def test_a_misspelt_word_is_looked_up_by_its_deletions_and_corrected() -> None:
    terms = parse("negraneu colossus ")
    lexicon = known("colossus", negreanu=11, negraneau=2)
    variants = misspelt(terms, lexicon)
    assert set(variants) == {"negraneu"}
    near = Lexicon(lexicon.documents, lexicon.completions, {"negreanu": 11, "negraneau": 2})
    planned = plan(terms, near)
    # negraneau is one edit away but rare; negreanu, two edits away, is far more common.
    assert planned.corrected_query == "negreanu colossus"
    assert planned.tsquery() == "('negreanu' | 'negraneau') & 'colossus'"


def test_a_word_nothing_matches_makes_the_query_unmatchable() -> None:
    planned = plan(parse("zzzzqqq"), known("aces"))
    assert not planned.matchable


def test_compounds_match_their_parts_or_the_joined_word() -> None:
    planned = plan(parse("spider-man "), known("spider", "man", "spiderman"))
    assert planned.tsquery() == "(('spider' & 'man') | 'spiderman')"


def test_neighbouring_words_match_one_joined_word() -> None:
    planned = plan(parse("spider man "), known("spiderman"))
    assert planned.tsquery() == "'spiderman'"
    planned = plan(parse("spider man "), known("spider", "man", "spiderman"))
    assert planned.tsquery() == "(('spider' & 'man') | 'spiderman')"


def test_a_word_matches_its_two_known_halves() -> None:
    planned = plan(parse("spiderman "), known("spider", "man"))
    assert planned.tsquery() == "('spider' & 'man')"
    assert planned.corrected_query is None
    planned = plan(parse("spiderman "), known("spider", "man", "spiderman"))
    assert planned.tsquery() == "('spiderman' | ('spider' & 'man'))"
    # A word still being typed completes, and splits into whole words only.
    planned = plan(parse("spiderm"), known("spider", "man", "spiderman"))
    assert planned.tsquery() == "'spiderm':*"


def test_a_possessive_matches_the_name_or_the_joined_word() -> None:
    planned = plan(parse("hellmuth's"), known("hellmuth"))
    assert planned.tsquery() == "'hellmuth':*"


def test_the_lookup_asks_for_spellings_prefixes_pairs_and_halves() -> None:
    needed = lookup(parse("spider man"))
    assert "spider" in needed.exact
    assert {"man", "spiderman"} <= needed.prefixes
    assert {"sp", "ider"} <= lookup(parse("spider ")).exact


def test_tiers_prefix_every_word() -> None:
    planned = plan(parse("aces ki"), known("aces", "kings"))
    assert planned.tsquery("t:", ["y:2024"]) == "'t:aces' & 't:ki':* & 'y:2024'"


def test_terms_know_their_plain_word() -> None:
    assert [t.word for t in parse("aces spider-man king's")] == ["aces", None, None]
    assert isinstance(parse("x")[0], Term)
