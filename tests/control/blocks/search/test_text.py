"""One normalisation for documents, queries and highlights; edit distances with swaps."""

from __future__ import annotations

import pytest

from control.blocks.search.text import (
    deletions,
    edit_distance,
    fold,
    key,
    tokenize,
    typo_budget,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Agüero", "aguero"),
        ("LÉON", "leon"),
        ("Øster Straße", "oster strasse"),
        ("Łukasz Ðorđe", "lukasz dorde"),
        ("ﬁnal", "final"),
        ("시퀀스", "시퀀스"),  # Hangul syllables recompose (their jamo are not accents)
    ],
)
def test_fold_drops_case_accents_and_compatibility_forms(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Spider-Man", ["spider", "man", "spiderman"]),
        ("spider man", ["spider", "man"]),
        ("Hellmuth's Rant", ["hellmuth", "hellmuths", "rant"]),
        ("Hold'em", ["hold", "em", "holdem"]),
        ("Can\u2019t", ["can", "t", "cant"]),  # a typographic apostrophe
        ("$10,000 No-Limit", ["10", "000", "10000", "no", "limit", "nolimit"]),
        ("Day 1B \u2013 Hand 29", ["day", "1b", "hand", "29"]),
        ("WSOP_2005_10.mxf", ["wsop", "2005", "10", "mxf", "10mxf"]),
        ('"&|!:*()', []),  # tsquery operators are plain punctuation
        ("trailing- 'quotes' -x", ["trailing", "quotes", "x"]),
        ("nul\x00byte", ["nul", "byte"]),
        ("🏆 King's 👑 #wsop", ["king", "kings", "wsop"]),
    ],
)
def test_words_of_compounds_possessives_and_punctuation(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_tokens_keep_their_positions_in_the_text() -> None:
    text = "Sergio Agüero's Spider-Man"
    assert [text[t.start : t.end] for t in tokenize(text)] == ["Sergio", "Agüero's", "Spider-Man"]


def test_a_key_is_a_name_without_case_accents_or_punctuation() -> None:
    assert key("WSOP-Paradise") == key("wsop  paradise") == "wsop paradise"
    assert key("!!!") == ""


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("negreanu", "negreanu", 0),
        ("negraeun", "negreanu", 2),
        ("negeranu", "negreanu", 1),  # two neighbours swapped: one edit, not two
        ("aecs", "aces", 1),
        ("colosus", "colossus", 1),
        ("kolossus", "colossus", 1),
        ("negraneu", "negreanu", 2),
        ("hellmuth", "helmut", 2),
        ("ivey", "ivy", 1),
        ("abc", "xyz", 3),
    ],
)
def test_edit_distance_counts_a_swap_of_neighbours_as_one_edit(
    a: str, b: str, distance: int
) -> None:
    assert edit_distance(a, b, 3) == distance == edit_distance(b, a, 3)


def test_edit_distance_stops_past_its_limit() -> None:
    assert edit_distance("negreanu", "hellmuth", 2) == 3
    assert edit_distance("a", "abcdef", 2) == 3


@pytest.mark.parametrize(
    ("word", "budget"),
    [("ace", 0), ("aces", 1), ("colosus", 1), ("negraneu", 2), ("2024", 0), ("t9s", 0)],
)
def test_typo_budget_grows_with_the_word_and_never_touches_numbers(word: str, budget: int) -> None:
    assert typo_budget(word) == budget


def test_words_within_the_budget_share_a_deletion_variant() -> None:
    typed, meant = "negraneu", "negreanu"
    assert deletions(typed, 2) & deletions(meant, 2)
    assert "aces" in deletions("aces", 1) and "ace" in deletions("aces", 1)
    assert not deletions("ivey", 1) & deletions("wong", 1)
