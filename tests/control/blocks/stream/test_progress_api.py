"""PUT/GET /api/stream/{content_id}/progress: the 10% / 90% rules and player-clock ordering."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest

from control.orchestration.bus import Event
from tests.control.blocks.stream.conftest import next_event
from tests.control.conftest import error_code

FILE = "ARCHIVE/WSOP/WSOP 2024 Main Event _ Day 5.mp4"


@pytest.fixture
async def viewer(
    auth_headers: Callable[..., Any], make_content: Callable[..., Any]
) -> tuple[dict[str, str], int, int]:
    headers, account = await auth_headers("ann")
    return headers, account.id, await make_content(FILE, duration=1000.0)


async def put(
    client: httpx.AsyncClient, headers: dict[str, str], content_id: int, **body: Any
) -> httpx.Response:
    return await client.put(f"/api/stream/{content_id}/progress", json=body, headers=headers)


async def test_never_watched_is_not_started_at_zero(
    client: httpx.AsyncClient, viewer: tuple[dict[str, str], int, int]
) -> None:
    headers, _, content_id = viewer
    response = await client.get(f"/api/stream/{content_id}/progress", headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "content_id": content_id,
        "position_seconds": 0.0,
        "duration_seconds": 1000.0,
        "state": "not_started",
        "completed": False,
        "updated_at": None,
    }


# (position of 1000 s, state): under 10% is not in progress, 90% or more is completed.
RULES = [
    (0, "not_started"),
    (99.9, "not_started"),
    (100, "in_progress"),
    (899.5, "in_progress"),
    (900, "completed"),
    (1000, "completed"),
    (1500, "completed"),
]


async def test_ten_and_ninety_percent_rules(
    client: httpx.AsyncClient, viewer: tuple[dict[str, str], int, int]
) -> None:
    headers, _, content_id = viewer
    for position, state in RULES:
        response = await put(
            client, headers, content_id, position_seconds=position, duration_seconds=1000
        )
        assert response.status_code == 200, response.text
        body = response.json()
        expected = (state, state == "completed", True, min(position, 1000))
        assert (body["state"], body["completed"], body["applied"], body["position_seconds"]) == (
            expected
        ), position
        stored = (await client.get(f"/api/stream/{content_id}/progress", headers=headers)).json()
        assert stored["state"] == state and "applied" not in stored
        assert stored["updated_at"] is not None


async def test_an_older_update_never_overwrites_a_newer_one(
    client: httpx.AsyncClient,
    viewer: tuple[dict[str, str], int, int],
    stream_events: asyncio.Queue[Event],
) -> None:
    headers, user_id, content_id = viewer
    newer = await put(
        client,
        headers,
        content_id,
        position_seconds=500,
        duration_seconds=1000,
        client_ts=1_700_000_002_000,
    )
    assert newer.json()["applied"] is True
    event = await next_event(stream_events)
    assert (event.type, event.payload) == (
        "stream.progress_updated",
        {"user_id": user_id, "content_id": content_id, "state": "in_progress"},
    )
    # A request that left the player earlier but arrives later.
    late = await put(
        client,
        headers,
        content_id,
        position_seconds=950,
        duration_seconds=1000,
        client_ts=1_700_000_001_000,
    )
    assert late.status_code == 200
    assert (late.json()["applied"], late.json()["position_seconds"], late.json()["state"]) == (
        False,
        500,
        "in_progress",
    )
    stored = (await client.get(f"/api/stream/{content_id}/progress", headers=headers)).json()
    assert stored["position_seconds"] == 500
    finished = await put(
        client,
        headers,
        content_id,
        position_seconds=950,
        duration_seconds=1000,
        client_ts=1_700_000_003_000,
    )
    assert (finished.json()["applied"], finished.json()["state"]) == (True, "completed")
    # The late update published nothing: the next event is the completion.
    event = await next_event(stream_events)
    assert event.payload["state"] == "completed"


async def test_progress_is_per_user(
    client: httpx.AsyncClient,
    auth_headers: Callable[..., Any],
    viewer: tuple[dict[str, str], int, int],
) -> None:
    headers, _, content_id = viewer
    other, _ = await auth_headers("bob")
    await put(client, headers, content_id, position_seconds=400, duration_seconds=1000)
    theirs = (await client.get(f"/api/stream/{content_id}/progress", headers=other)).json()
    assert theirs["state"] == "not_started" and theirs["position_seconds"] == 0


BAD_BODIES: list[dict[str, Any]] = [
    {"position_seconds": -1, "duration_seconds": 1000},
    {"position_seconds": 10, "duration_seconds": 0},
    {"position_seconds": 10, "duration_seconds": -5},
    {"position_seconds": 10},
    {"duration_seconds": 1000},
    {"position_seconds": "ten", "duration_seconds": 1000},
    {"position_seconds": 1e300, "duration_seconds": 1e300},
    {"position_seconds": 10, "duration_seconds": 1000, "client_ts": -1},
    {"position_seconds": 10, "duration_seconds": 1000, "client_ts": 2**64},
    {"position_seconds": 10, "duration_seconds": 1000, "extra": 1},
]


async def test_bad_bodies_are_validation_errors(
    client: httpx.AsyncClient, viewer: tuple[dict[str, str], int, int]
) -> None:
    headers, _, content_id = viewer
    for body in BAD_BODIES:
        response = await put(client, headers, content_id, **body)
        assert response.status_code == 400, (body, response.text)
        assert error_code(response) == "VALIDATION_ERROR"
    not_json = await client.put(
        f"/api/stream/{content_id}/progress",
        content=b"{nope",
        headers={**headers, "content-type": "application/json"},
    )
    assert not_json.status_code == 400 and error_code(not_json) == "BAD_REQUEST"
    stored = (await client.get(f"/api/stream/{content_id}/progress", headers=headers)).json()
    assert stored["updated_at"] is None


async def test_unknown_content(
    client: httpx.AsyncClient, viewer: tuple[dict[str, str], int, int]
) -> None:
    headers, _, _ = viewer
    for response in (
        await put(client, headers, 987654, position_seconds=1, duration_seconds=10),
        await client.get("/api/stream/987654/progress", headers=headers),
    ):
        assert response.status_code == 404 and error_code(response) == "CONTENT_NOT_FOUND"


async def test_concurrent_updates_keep_the_newest_player_clock(
    client: httpx.AsyncClient, viewer: tuple[dict[str, str], int, int]
) -> None:
    headers, _, content_id = viewer
    # Twenty updates racing in shuffled order: whatever the interleaving, the stored
    # position is the one with the newest player clock.
    order = random.Random(5).sample(range(20), 20)
    responses = await asyncio.gather(
        *(
            put(
                client,
                headers,
                content_id,
                position_seconds=100 + i * 10,
                duration_seconds=1000,
                client_ts=1_700_000_000_000 + i,
            )
            for i in order
        )
    )
    assert all(r.status_code == 200 for r in responses)
    stored = (await client.get(f"/api/stream/{content_id}/progress", headers=headers)).json()
    assert stored["position_seconds"] == 100 + 19 * 10
    # The update carrying the newest clock was applied, whenever it arrived.
    newest = responses[order.index(19)].json()
    assert newest["applied"] is True and newest["position_seconds"] == 290


async def test_the_rules_measure_against_the_contents_own_duration(
    client: httpx.AsyncClient,
    make_content: Callable[..., Any],
    viewer: tuple[dict[str, str], int, int],
) -> None:
    headers, _, content_id = viewer  # probed: 1000 s
    # A player that reports a wrong duration (10000 s) cannot bend the 10% / 90% rules.
    half = await put(client, headers, content_id, position_seconds=500, duration_seconds=10_000)
    assert (half.json()["state"], half.json()["duration_seconds"]) == ("in_progress", 1000)
    near_end = await put(client, headers, content_id, position_seconds=950, duration_seconds=10_000)
    assert (near_end.json()["state"], near_end.json()["completed"]) == ("completed", True)
    # Without a probed duration the player's is all there is.
    unprobed = await make_content("ARCHIVE/WSOP/unprobed.mp4", duration=None)
    guessed = await put(client, headers, unprobed, position_seconds=500, duration_seconds=10_000)
    assert (guessed.json()["state"], guessed.json()["duration_seconds"]) == (
        "not_started",
        10_000,
    )


async def test_progress_state_and_continue_watching_agree_at_the_boundaries(
    client: httpx.AsyncClient, auth_headers: Callable[..., Any], make_content: Callable[..., Any]
) -> None:
    """One rule, one place: the PUT's state and the home row draw the same lines."""
    headers, _ = await auth_headers("cy")
    for position in (99.9, 100, 899.9, 900):
        content_id = await make_content(f"ARCHIVE/WSOP/at-{position}.mp4", duration=1000.0)
        saved = await put(
            client, headers, content_id, position_seconds=position, duration_seconds=1
        )
        rows = (await client.get("/api/home", headers=headers)).json()["rows"]
        watching = [i["id"] for r in rows if r["id"] == "continue_watching" for i in r["items"]]
        assert (saved.json()["state"] == "in_progress") == (content_id in watching), position


async def test_an_update_racing_the_contents_deletion_is_200_or_404_never_500(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
) -> None:
    headers, _ = await auth_headers("dee")
    for i in range(30):
        content_id = await make_content(f"ARCHIVE/WSOP/doomed-{i}.mp4", duration=1000.0)
        first = await put(
            client, headers, content_id, position_seconds=500, duration_seconds=1000, client_ts=2
        )
        assert first.status_code == 200
        # An older player clock: not applied, so the stored row is read back, while the
        # content (and its progress, by cascade) is deleted.
        late, _ = await asyncio.gather(
            put(
                client,
                headers,
                content_id,
                position_seconds=10,
                duration_seconds=1000,
                client_ts=1,
            ),
            db.execute("DELETE FROM contents WHERE id = $1", content_id),
        )
        assert late.status_code in (200, 404), late.text
        if late.status_code == 404:
            assert error_code(late) == "CONTENT_NOT_FOUND"
