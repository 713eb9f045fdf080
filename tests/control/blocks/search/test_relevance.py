"""Relevance over the real archive's names (a sparse replica of the listing, scanned).

Each case is a query a viewer types and what must come back; the replica is built once per
module (conftest.archive_url) and only read here.
"""

from __future__ import annotations

from typing import Any

import pytest

from control.blocks.search.text import words
from tests.control.blocks.search.conftest import Search

ENSAN = "Hossein Ensan Wins Main Event 2019 WSOP"
PPC_FINAL = (
    "WSOP 2024 Event #58 $50K Poker Players Championship \u2013 Final Table \u2013 Negreanu Wins"
)
AGUERO_CLIP = "Sergio Agüero Spider-Man Bluff vs Hellmuth"
LEON_CLIP = "Léon Tsoukernik Spider Man Hero Call"
KORNUTH = (
    "WSOP Paradise 2024 Super Main Event \u2013 Day 1B \u2013 Hand 29: "
    "Chance Kornuth Qd9h vs Jiang A9s"
)
HIGH_ROLLER = "WSOP 2021 Event #84 $50K High Roller Pot-Limit Omaha \u2013 Final Table"


def titles(body: dict[str, Any]) -> list[str]:
    return [hit["title"] for hit in body["hits"]]


def every_hit_says(body: dict[str, Any], *wanted: str) -> bool:
    """Each hit has each wanted word in one of its fields (the highlights show which)."""
    for hit in body["hits"]:
        marked = " ".join(hit["highlights"].values()).replace("<mark>", " ").replace("</mark>", " ")
        found = set(words(marked))
        if not all(any(w.startswith(x) for w in found) for x in wanted):
            return False
    return bool(body["hits"])


# (query, a title that must be among the hits, the corrected query)
FINDS = [
    # exact words, as the archive spells them
    ("colossus", "WSOP 2025 Event #19 $500 Colossus", None),
    ("ensan", ENSAN, None),
    (
        "kornuth",
        KORNUTH,
        None,
    ),
    (
        "ladies",
        "WSOP 2024 Event #71 $1K Ladies \u2013 Final Table \u2013 Liao Eliminated 3rd KK vs QQs",
        None,
    ),
    ("poker after dark", "Poker After Dark \u2013 Season 13, Episode 9", None),
    ("game of gold", "Game of Gold 2023 \u2013 Episode 8", None),
    # one edit (4+ letters): deleted, inserted, replaced, two neighbours swapped
    ("colosus", "WSOP 2025 Event #19 $500 Colossus", "colossus"),
    (
        "kornnuth",
        KORNUTH,
        "kornuth",
    ),
    (
        "ladeis",
        "WSOP 2024 Event #71 $1K Ladies \u2013 Final Table \u2013 Liao Eliminated 3rd KK vs QQs",
        "ladies",
    ),
    ("ensna", ENSAN, "ensan"),
    ("hellmuht", AGUERO_CLIP, "hellmuth"),
    # two edits (8+ letters)
    ("negraneu", PPC_FINAL, "negreanu"),
    (
        "parradsie 2023 aguero",
        "WSOP Paradise 2023 Main Event \u2013 Day 1A \u2013 Sergio Aguero & Ryan Riess",
        "paradise 2023 aguero",
    ),
    # accents, case and punctuation
    ("aguero", AGUERO_CLIP, None),
    ("Agüero", AGUERO_CLIP, None),
    (
        "AGUERO",
        "WSOP Paradise 2023 Main Event \u2013 Day 1A \u2013 Sergio Aguero & Ryan Riess",
        None,
    ),
    ("leon", LEON_CLIP, None),
    ("Léon", LEON_CLIP, None),
    ("hellmuth's", "Epic Hellmuth Rant They Don't Even Know How to Spell Poker", None),
    ("spider-man", AGUERO_CLIP, None),
    ("spider-man", LEON_CLIP, None),
    ("spider man", AGUERO_CLIP, None),
    ("spider man", LEON_CLIP, None),
    ("spiderman", AGUERO_CLIP, None),
    ("spiderman", LEON_CLIP, None),
    ("holdem", "WSOP 2021 Event #25 $5K No-Limit Hold'em 6-Handed \u2013 Final Table", None),
    (
        "hold'em 6-handed",
        "WSOP 2021 Event #25 $5K No-Limit Hold'em 6-Handed \u2013 Final Table",
        None,
    ),
    ("no limit", "WSOP 2021 Event #25 $5K No-Limit Hold'em 6-Handed \u2013 Final Table", None),
    # several words, and words from players, events and hands
    ("negreanu wins", PPC_FINAL, None),
    ("main event 2019", ENSAN, None),
    (
        "paradise 2023 aguero",
        "WSOP Paradise 2023 Main Event \u2013 Day 1A \u2013 Sergio Aguero & Ryan Riess",
        None,
    ),
    ("aces full", PPC_FINAL, None),
    ("jason koon", HIGH_ROLLER, None),
    ("pot limit omaha high roller", HIGH_ROLLER, None),
    # the last word is a prefix while typing
    ("negrea", PPC_FINAL, None),
    ("hossein en", ENSAN, None),
]


@pytest.mark.parametrize(("q", "title", "corrected"), FINDS)
async def test_a_query_finds_the_title(
    search: Search, q: str, title: str, corrected: str | None
) -> None:
    body = await search(q, limit=100)
    assert title in titles(body), (q, titles(body)[:10])
    assert body["corrected_query"] == corrected
    assert body["total"] >= len(body["hits"]) > 0


@pytest.mark.parametrize(
    "q",
    [
        "zzzzqqq",  # nothing like it
        "helmuht",  # 7 letters, two edits from "hellmuth": one typo allowed
        "ivy ",  # 3 letters: no typo allowed ("ivey" is one edit away)
        "colossus 1999",  # numbers are never corrected ("colossus" is there, 1999 is not)
        "...!!!",  # nothing but punctuation
    ],
)
async def test_what_nothing_matches_is_an_empty_200(search: Search, q: str) -> None:
    body = await search(q)
    assert body["hits"] == [] and body["total"] == 0


async def test_years_do_not_match_neighbouring_years(search: Search) -> None:
    body = await search("wsop 2022 ", limit=100)
    assert body["hits"] and body["corrected_query"] is None
    assert all("2022" in hit["title"] or hit["year"] == 2022 for hit in body["hits"])


async def test_accents_case_and_punctuation_give_the_same_answers(search: Search) -> None:
    assert titles(await search("Agüero")) == titles(await search("aguero"))
    assert titles(await search("SPIDER-MAN")) == titles(await search("spider man "))
    assert titles(await search("Hellmuth's ")) == titles(await search("hellmuth hellmuths"[:8]))


async def test_matches_in_the_title_rank_before_matches_among_players(search: Search) -> None:
    found = titles(await search("ivey", limit=100))
    in_title = [t for t in found if "Ivey" in t or "ivey" in t]
    assert found.index(HIGH_ROLLER) == len(in_title)  # right after every title match
    assert found[: len(in_title)] == in_title


async def test_highlights_mark_the_matched_words_html_escaped(search: Search) -> None:
    body = await search("aguero hellmuth")
    hit = next(h for h in body["hits"] if h["title"] == AGUERO_CLIP)
    assert (
        hit["highlights"]["title"]
        == "Sergio <mark>Agüero</mark> Spider-Man Bluff vs <mark>Hellmuth</mark>"
    )
    body = await search("holdem")
    marked = body["hits"][0]["highlights"]["title"]
    assert "<mark>Hold&#x27;em</mark>" in marked and "'" not in marked
    body = await search("negraneu")
    assert all("<mark>" in "".join(h["highlights"].values()) for h in body["hits"])


@pytest.mark.parametrize(
    ("q", "filters", "check"),
    [
        ("main event", {"year": 2024}, lambda h: h["year"] == 2024),
        ("negreanu", {"brand": "WSOP Paradise"}, lambda h: h["brand"] == "WSOP Paradise"),
        ("negreanu", {"brand": "wsop-PARADISE"}, lambda h: h["brand"] == "WSOP Paradise"),
        (
            "colossus",
            {"event_type": "bracelet_event"},
            lambda h: h["event_type"] == "bracelet_event",
        ),
        (
            "kornuth",
            {"event_type": "hand_clip", "year": 2024},
            lambda h: h["event_type"] == "hand_clip",
        ),
    ],
)
async def test_filters_keep_only_matching_contents(
    search: Search, q: str, filters: dict[str, Any], check: Any
) -> None:
    filtered = await search(q, limit=100, **filters)
    everything = await search(q, limit=100)
    assert filtered["hits"] and all(check(hit) for hit in filtered["hits"])
    assert filtered["total"] <= everything["total"]
    if everything["total"] <= 100:  # every match is on the page: the same ones, filtered
        assert {h["id"] for h in filtered["hits"]} == {
            h["id"] for h in everything["hits"] if check(h)
        }


async def test_a_filter_nothing_has_is_an_empty_result(search: Search) -> None:
    body = await search("negreanu", year=1999)
    assert body["hits"] == [] and body["total"] == 0


async def test_pages_do_not_overlap_and_add_up(search: Search) -> None:
    first = await search("wsop", limit=20)
    second = await search("wsop", limit=20, offset=20)
    both = await search("wsop", limit=40)
    assert titles(first) + titles(second) == titles(both)
    assert {h["id"] for h in first["hits"]}.isdisjoint(h["id"] for h in second["hits"])
    assert first["total"] == second["total"] == both["total"] > 40


async def test_every_hit_says_what_it_matched(search: Search) -> None:
    assert every_hit_says(
        await search("paradise super main", limit=100), "paradise", "super", "main"
    )
    assert every_hit_says(await search("negraneu", limit=100), "negr")


async def test_hits_have_the_contract_shape(search: Search) -> None:
    body = await search("colossus")
    assert set(body) == {"hits", "total", "processing_time_ms", "corrected_query"}
    assert body["processing_time_ms"] >= 0
    for hit in body["hits"]:
        assert set(hit) == {
            "id",
            "title",
            "short_title",
            "year",
            "brand",
            "event_type",
            "duration_seconds",
            "thumbnail_url",
            "highlights",
        }
        assert hit["thumbnail_url"] is None  # no thumbnails made yet (the worker makes them)


# suggestions --------------------------------------------------------------------------------


async def suggest(archive: Any, q: str, **params: Any) -> list[dict[str, Any]]:
    response = await archive.get("/api/search/suggest", params={"q": q, **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["suggestions"]
    return found


@pytest.mark.parametrize("letter", ["n", "k", "w", "z", "é"])
async def test_one_letter_suggests_what_it_begins(archive: Any, letter: str) -> None:
    found = await suggest(archive, letter)
    assert 0 < len(found) <= 8
    folded = words(letter)[0]
    for suggestion in found:
        assert set(suggestion) == {"text", "kind", "content_id"}
        assert any(w.startswith(folded) for w in words(suggestion["text"])), suggestion
        assert (suggestion["kind"] == "title") == (suggestion["content_id"] is not None)


@pytest.mark.parametrize(
    ("q", "wanted"),
    [
        ("ko", {"text": "Jason Koon", "kind": "player", "content_id": None}),
        ("chance k", {"text": "Chance Kornuth", "kind": "player", "content_id": None}),
        ("colo", {"text": "Colossus", "kind": "event", "content_id": None}),
        ("gog", {"text": "GOG 2023", "kind": "series", "content_id": None}),
        (
            "paradise 2024 super m",
            {"text": "WSOP Paradise 2024 Super Main Event", "kind": "series", "content_id": None},
        ),
        ("hossein", {"text": ENSAN, "kind": "title"}),
    ],
)
async def test_suggestions_name_players_events_series_and_titles(
    archive: Any, q: str, wanted: dict[str, Any]
) -> None:
    found = await suggest(archive, q, limit=20)
    assert any(wanted.items() <= s.items() for s in found), found


async def test_suggestions_stop_at_the_limit(archive: Any) -> None:
    assert len(await suggest(archive, "w", limit=3)) == 3
    assert len(await suggest(archive, "w", limit=20)) == 20
