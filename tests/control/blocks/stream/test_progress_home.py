"""PUT progress, then GET /api/home at once: Continue Watching already shows the change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from litestar import Litestar
from redis.asyncio import Redis

from control.orchestration.bus import Event, MessageBus


async def continue_watching(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
    response = await client.get("/api/home", headers=headers)
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    return [item["id"] for row in rows if row["id"] == "continue_watching" for item in row["items"]]


async def test_home_shows_saved_progress_right_after_the_put(
    app: Litestar,
    client: httpx.AsyncClient,
    redis: Redis,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
) -> None:
    """Even while the cache's event-driven invalidation is busy (a library import publishing
    content.created events over a large keyspace), the user's own change is visible."""
    headers, _ = await auth_headers("ann")
    content_id = await make_content("ARCHIVE/Demo/clip.mp4", duration=15.0)
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(20):
            pipe.mset({f"unrelated:{i}:{j}": "x" for j in range(1000)})
        await pipe.execute()
    bus: MessageBus = app.state.bus

    for i in range(50):
        in_progress = i % 2 == 0
        await continue_watching(client, headers)  # the row is cached
        imported = Event(source="content", type="content.created", payload={"content_id": 0})
        await bus.publish("content.created", imported)  # its invalidation runs on its own
        position = 7.0 if in_progress else 14.5  # about 47% (in progress) / 97% (completed)
        saved = await client.put(
            f"/api/stream/{content_id}/progress",
            json={"position_seconds": position, "duration_seconds": 15.0},
            headers=headers,
        )
        assert saved.status_code == 200, saved.text
        shown = content_id in await continue_watching(client, headers)
        assert shown == in_progress, f"round {i}: home is stale right after the PUT"
