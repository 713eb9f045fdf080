"""Skip zones (pure) and GET /api/stream/{content_id}/info."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest

from control.blocks.stream.info import SkipZone, skip_zones
from control.orchestration.contracts import Hand
from tests.control.conftest import error_code


def hands(*spans: tuple[float, float]) -> list[Hand]:
    return [
        Hand(i + 1, 1, i, start, end, None, f"hand {i}", [], None)
        for i, (start, end) in enumerate(spans)
    ]


@pytest.mark.parametrize(
    ("spans", "duration", "zones"),
    [
        ((), 600, []),
        (((0, 600),), 600, []),
        (((100, 200),), 600, [(0, 100), (200, 600)]),
        (((100, 200), (300, 400)), 600, [(0, 100), (200, 300), (400, 600)]),
        # unordered, overlapping and touching hands merge into one
        (((300, 400), (100, 250), (200, 300)), 600, [(0, 100), (400, 600)]),
        # a hand inside another does not reopen a gap
        (((100, 500), (200, 300)), 600, [(0, 100), (500, 600)]),
        # a gap under a second is a cut, not a zone
        (((0, 100), (100.5, 200)), 200, []),
        # no duration: no tail zone
        (((100, 200),), None, [(0, 100)]),
        # a hand past the end is clipped to the duration
        (((100, 700),), 600, [(0, 100)]),
    ],
)
def test_skip_zones(
    spans: tuple[tuple[float, float], ...],
    duration: float | None,
    zones: list[tuple[float, float]],
) -> None:
    assert skip_zones(hands(*spans), duration) == [SkipZone(a, b) for a, b in zones]


async def test_info_lists_hands_zones_and_best_hands(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
) -> None:
    headers, _ = await auth_headers("ann")
    content_id = await make_content(
        "ARCHIVE/x/Final Table.mp4", duration=3600.0, title="Final Table"
    )
    await db.executemany(
        "INSERT INTO best_hands (content_id, hand_index, start_seconds, end_seconds, category, "
        "title) VALUES ($1, $2, $3, $4, $5, $6)",
        [
            (content_id, 2, 1800.0, 2000.0, "bluff", "River bluff"),
            (content_id, 1, 600.0, 900.0, "cooler", "Aces vs kings"),
        ],
    )
    response = await client.get(f"/api/stream/{content_id}/info", headers=headers)
    assert response.status_code == 200, response.text
    info = response.json()
    for hand in info["hands"]:
        assert hand.pop("content_id") == content_id and hand.pop("id") > 0
        assert (hand.pop("players"), hand.pop("pot_size")) == ([], None)
    assert info == {
        "content_id": content_id,
        "title": "Final Table",
        "duration_seconds": 3600.0,
        "hands": [
            {
                "hand_index": 1,
                "start_seconds": 600.0,
                "end_seconds": 900.0,
                "category": "cooler",
                "title": "Aces vs kings",
            },
            {
                "hand_index": 2,
                "start_seconds": 1800.0,
                "end_seconds": 2000.0,
                "category": "bluff",
                "title": "River bluff",
            },
        ],
        "skip_zones": [
            {"start_seconds": 0.0, "end_seconds": 600.0},
            {"start_seconds": 900.0, "end_seconds": 1800.0},
            {"start_seconds": 2000.0, "end_seconds": 3600.0},
        ],
        "best_hands": 2,
    }


async def test_info_without_hands_and_for_unknown_content(
    client: httpx.AsyncClient, auth_headers: Callable[..., Any], make_content: Callable[..., Any]
) -> None:
    headers, _ = await auth_headers("ann")
    content_id = await make_content("ARCHIVE/x/Plain.mp4", duration=None)
    body = (await client.get(f"/api/stream/{content_id}/info", headers=headers)).json()
    assert (body["duration_seconds"], body["hands"], body["skip_zones"], body["best_hands"]) == (
        None,
        [],
        [],
        0,
    )
    missing = await client.get("/api/stream/424242/info", headers=headers)
    assert missing.status_code == 404 and error_code(missing) == "CONTENT_NOT_FOUND"
    anonymous = await client.get(f"/api/stream/{content_id}/info")
    assert anonymous.status_code == 401
