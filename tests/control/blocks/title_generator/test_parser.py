"""Single behaviours of the title parser: buy-ins, years, noise, confidence, API shape."""
# Display titles join their parts with an en dash on purpose:
# ruff: noqa: RUF001

from __future__ import annotations

import random
import re

import pytest

from control.blocks.title_generator.parser import (
    MAX_BATCH,
    TitleResult,
    generate_title,
    generate_titles,
    strip_extensions,
)

EXTENSION = re.compile(r"\.(?:mp4|mov|mxf|mkv|avi)\b", re.IGNORECASE)
METADATA_KEYS = {
    "series",
    "year",
    "event_number",
    "event_name",
    "buy_in",
    "game_type",
    "day",
    "flight",
    "part",
    "episode",
    "season",
    "stage",
    "content_type",
    "extra_tags",
}


@pytest.mark.parametrize(
    ("name", "amount", "currency"),
    [
        ("2022 WSOP Event #2 - $100K Bounty NLH Final Table.mp4", 100_000, "USD"),
        ("WSOP 2025 Bracelet Events _ Event #13 $1.5K No-Limit Hold'em 6-Max.mp4", 1_500, "USD"),
        ("2021 WSOP Event #8 - $600 No Limit Hold'em Deepstack Final Table.mp4", 600, "USD"),
        ("2025 WSOPE #7 €1,100 No-Limit Hold'em Colossus Part1.mp4", 1_100, "EUR"),
        ("🏆€10,350 WSOPE MAIN EVENT NLH European Championship - Day 3 👑.mp4", 10_350, "EUR"),
        ("WSOP 2005 Show 13 5k NLHM_ESM000101810.mov", 5_000, "USD"),
        ("2004 WSOP Show 2 1500 7CS_ESM000100723.mov", 1_500, "USD"),
        ("wsope-2021-1650-nlh6max-ft-010.mp4", 1_650, "EUR"),
        (
            "2021 WSOP Event #82 - $250,000 Super High Roller No Limit Hold'em Final Table.mp4",
            250_000,
            "USD",
        ),
    ],
)
def test_buy_ins_are_amounts_with_currency(name: str, amount: int, currency: str) -> None:
    assert generate_title(name).metadata.buy_in == {"amount": amount, "currency": currency}


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("$1M GTD   $1K PokerOK Mystery Bounty – Day 1A.mp4", "$1M GTD"),
        (
            "WSOP Paradise Main Event (Day 2) - Daniel Negreanu & Boston Rob [$15M Prize].mp4",
            "$15M Prize",
        ),
        (
            "🥇€1,140,000 for 1st🏆€10,350 WSOPE MAIN EVENT NLH European Championship - Final Table"
            " 👑🎙️Luka Bojovic.mp4",
            "€1,140,000 for 1st",
        ),
    ],
)
def test_guarantees_and_prizes_are_tags_not_buy_ins(name: str, tag: str) -> None:
    metadata = generate_title(name).metadata
    assert tag in metadata.extra_tags
    assert metadata.buy_in is None or metadata.buy_in["amount"] < 100_000


def test_cash_game_stakes_are_not_a_buy_in() -> None:
    name = "WSOP Paradise GGMillion$ Cash Game - $500 $1,000 No Limit Hold'em.mp4"
    assert generate_title(name).metadata.buy_in is None


@pytest.mark.parametrize(
    ("name", "path", "year"),
    [
        ("WS12_Show_10_ME06_NB.mp4", None, 2012),
        ("WSOP15_ME01_FINAL_4CH_v2.mov", None, 2015),
        ("WCLA24-15.mp4", None, 2024),
        ("E02_GOG_final_edit_20231113_최종.mp4", None, 2023),
        ("250507_Super High Roller Poker FINAL TABLE with Joey ingram.mp4", None, 2025),
        (
            "WSOP_1983.mov",
            "GGPNAs/ARCHIVE/WSOP/WSOP ARCHIVE (PRE-2016)/WSOP 1983/WSOP_1983.mov",
            1983,
        ),
        ("HyperDeck_0028.mp4", "A/2025 WSOP-Europe/2025 WSOP-EUROPE #14 MAIN EVENT/Day 3/x", 2025),
        ("A9o vs Kqo ho.mp4", "A/WSOP ARCHIVE (PRE-2016)/2023 WSOP-PARADISE/SUBCLIP/x", 2023),
    ],
)
def test_year_comes_from_the_closest_reliable_source(
    name: str, path: str | None, year: int
) -> None:
    assert generate_title(name, path).metadata.year == year


def test_name_year_wins_over_folder_year() -> None:
    result = generate_title("WSOP_2004_1.mxf", "GGPNAs/WSOP ARCHIVE (PRE-2016)/WSOP 2005/x.mxf")
    assert result.metadata.year == 2004


def test_future_years_are_not_trusted() -> None:
    assert generate_title("WSOP 2999 Main Event Day 1A.mp4").metadata.year is None


@pytest.mark.parametrize(
    "name",
    [
        "WSOP15_ME01_FINAL_4CH_v2.mov",
        "1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4",
        "E02_GOG_final_edit_20231113_최종.mp4",
        "2009 WSOP ME25 Final Table Part 1.mov.mov",
        "55-wsop-2024-me-day6-Foxen-Q7-vs-Astedt-A7-clean.mp4.mp4",
        "WS11_ME01_NB.mp4",
    ],
)
def test_production_noise_is_dropped(name: str) -> None:
    title = generate_title(name).display_title
    for noise in (".mov", ".mp4", "_", "4CH", "v2", "NB", "Clean", "최종", "final edit", "  "):
        assert noise not in title


def test_strip_extensions_handles_doubled_extensions() -> None:
    assert strip_extensions("2009 WSOP ME25 Final Table Part 1.mov.mov") == (
        "2009 WSOP ME25 Final Table Part 1"
    )


def test_day_flights_and_parts() -> None:
    m = generate_title("WSOP 2025 Main Event _ Day 2A_B_C (Part 2).mp4").metadata
    assert (m.day, m.flight, m.part) == ("2A/B/C", "A/B/C", 2)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("WSOP 2025 Main Event _ Day 2A_B_C (Part 2).mp4", "Main Event Day 2A/B/C · Pt 2"),
        ("WSOP15_NC01_FINAL_4CH.mov", "National Championship · Ep 1"),
        ("ESPN 2007 WSOP SEASON 5 SHOW 30.mov", "WSOP 2007 · S5 Show 30"),
        (
            "2021 WSOP Event #9 - $10,000 Omaha Hi-Lo 8 or Better Championship Final Table.mp4",
            "#9 Omaha Hi-Lo 8 or Better Final Table",
        ),
        (
            "WSOP 2025 Bracelet Events _ Event #66 $50K Poker Players Championship _ Day 3.mp4",
            "#66 $50K PPC Day 3",
        ),
    ],
)
def test_short_title_is_compact(name: str, short: str) -> None:
    assert generate_title(name).short_title == short


def test_unrecognised_names_fall_back_with_low_confidence() -> None:
    result = generate_title("Is This The Craziest Poker Player Ever.mp4", "GGPNAs/Clips/x.mp4")
    assert result.display_title == "Is This The Craziest Poker Player Ever"
    assert result.confidence < 0.5


def test_unknown_codes_are_not_high_confidence() -> None:
    assert generate_title("WS11_GM01_NB.mp4").confidence < 0.8


def test_name_without_folder_context_is_not_high_confidence() -> None:
    # Series and year live only in the folders here; the name alone says little.
    assert (
        generate_title("1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4").confidence < 0.5
    )


def test_folder_context_raises_confidence() -> None:
    path = (
        "GGPNAs/ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-PARADISE/2024 WSOP-PARADISE SUPER MAIN EVENT"
        "/Hand Clip/Final Day/1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4"
    )
    result = generate_title("1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4", path)
    assert result.confidence >= 0.8
    assert result.metadata.content_type == "hand clip"


def test_empty_name_still_has_a_title() -> None:
    assert generate_title("").display_title == "Untitled"


def test_to_dict_has_the_contract_keys() -> None:
    body = generate_title("WSOP 2025 Main Event _ Day 1A.mp4").to_dict()
    assert set(body) == {"display_title", "short_title", "confidence", "metadata"}
    assert set(body["metadata"]) == METADATA_KEYS
    assert isinstance(body["metadata"]["extra_tags"], list)


def test_results_are_immutable() -> None:
    result = generate_title("WE24-ME-01.mp4")
    assert isinstance(result, TitleResult)
    with pytest.raises(AttributeError):
        result.display_title = "x"  # type: ignore[misc]


def test_batch_keeps_order() -> None:
    items: list[tuple[str, str | None]] = [("WE24-ME-01.mp4", None), ("WCLA24-15.mp4", None)]
    titles = [r.display_title for r in generate_titles(items)]
    assert titles == [
        "WSOP Europe 2024 Main Event – Episode 1",
        "WSOP Circuit Los Angeles 2024 – Clip 15",
    ]


@pytest.mark.parametrize("size", [0, MAX_BATCH + 1])
def test_batch_size_is_bounded(size: int) -> None:
    with pytest.raises(ValueError, match="batch size"):
        generate_titles([("WE24-ME-01.mp4", None)] * size)


def test_batch_accepts_the_maximum() -> None:
    assert len(generate_titles([("WE24-ME-01.mp4", None)] * MAX_BATCH)) == MAX_BATCH


def test_titles_stay_clean_for_arbitrary_names() -> None:
    # Seeded mixes of the archive's vocabulary and noise: no crash, no extension, no "_".
    rnd = random.Random(7)
    parts = [
        "WSOP",
        "2025",
        "Day 1A",
        "Final Table",
        "$10K",
        "€1,100",
        "Part 2",
        "ME01",
        "_",
        ".mp4",
        "GTD",
        "#12",
        "HyperDeck_0001",
        "1219_Hand_1_",
        "pad-s1-ep1",
        "WS99_ME01",
        "wsop-2024-be-ev-1-",
        "E01_GOG_",
        "(1)",
        "🏆",
        "최종",
        "  ",
        "-",
        "\u2013",
    ]
    for _ in range(2000):
        name = " ".join(rnd.choice(parts) for _ in range(rnd.randint(1, 6)))
        name += rnd.choice(["", ".mp4", ".mov.mov", ".MXF"])
        result = generate_title(name, rnd.choice([None, "", f"a/2023 WSOP-PARADISE/{name}"]))
        for title in (result.display_title, result.short_title):
            assert title and title == title.strip()
            assert "_" not in title and "  " not in title
            assert not EXTENSION.search(title), name
        assert 0.0 <= result.confidence <= 1.0
