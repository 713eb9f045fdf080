"""event_type: one filterable word per entry, from the title generator's metadata."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from control.blocks.content.event_types import EVENT_TYPES, event_type
from control.blocks.title_generator import ParserTitleGenerator

TITLES = ParserTitleGenerator()
_LV = "ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-LAS VEGAS/2025 WSOP-LAS VEGAS"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            f"{_LV}/WSOP 2025 MAIN EVENT/WSOP 2025 Main Event _ Day 2A_B_C (Part 2).mp4",
            "main_event",
        ),
        ("ARCHIVE/WSOP/WSOP ARCHIVE (PRE-2016)/WSOP 2012/WS12_Show_10_ME06_NB.mp4", "main_event"),
        (
            "ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-PARADISE/2024 WSOP-PARADISE SUPER MAIN EVENT/"
            "Hand Clip/Final Day/1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4",
            "hand_clip",
        ),
        (
            f"{_LV}/WSOP 2025 BRACELET SIDE  EVENT/WSOP 2025 Bracelet Events _ Event #19 $500 "
            "COLOSSUS/WSOP 2025 Bracelet Events _ Event #19 $500 COLOSSUS.mp4",
            "bracelet_event",
        ),
        (
            "ARCHIVE/MPP/2025 MPP Cyprus/$1M GTD   $1K PokerOK Mystery Bounty/"
            "$1M GTD   $1K PokerOK Mystery Bounty \u2013 Day 1A.mp4",
            "side_event",
        ),
        ("ARCHIVE/PAD/PAD S12/pad-s12-ep14-014.mp4", "show"),
        (
            "Clips/WSOP Main Event Final Table   A Champion is Crowned! [FULL HIGHLIGHTS].mp4",
            "highlight",
        ),
    ],
)
def test_event_type_of_real_archive_names(path: str, expected: str) -> None:
    generated = TITLES.generate(PurePosixPath(path).name, path)
    assert event_type(generated["metadata"]) == expected


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"content_type": "hand clip", "event_name": "Main Event"}, "hand_clip"),
        ({"content_type": "player emotion", "series": "WSOP"}, "highlight"),
        (
            {"content_type": "stream", "event_name": "Mini Main Event", "series": "MPP"},
            "main_event",
        ),
        ({"content_type": "stream", "series": "WSOP Circuit", "event_number": 4}, "side_event"),
        ({"content_type": "stream", "series": "WSOP Europe", "event_number": 4}, "bracelet_event"),
        (
            {"content_type": "full episode", "series": "WSOP", "extra_tags": ["bracelet event"]},
            "bracelet_event",
        ),
        ({}, "show"),
    ],
)
def test_event_type_rules(metadata: dict[str, object], expected: str) -> None:
    assert event_type(metadata) == expected
    assert expected in EVENT_TYPES
