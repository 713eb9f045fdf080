"""Popularity (the edge's started streams over 7 days) ranks equally relevant results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from redis.asyncio import Redis

from tests.control.blocks.flat_catalog.edge_streams import edge_limiter, end_stream, start_stream
from tests.control.blocks.search.conftest import add_content, indexed, search_services


async def watch(redis: Redis, content_id: int, times: int) -> None:
    limiter = edge_limiter(redis)
    for viewer in range(times):
        await end_stream(limiter, await start_stream(limiter, 5000 + viewer, content_id))


async def ranked(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, q: str
) -> list[Any]:
    response = await client.get(path, params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return [h["id"] for h in body["hits"]] if "hits" in body else body["suggestions"]


async def test_more_viewed_contents_rank_first_then_newer_ones(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
    redis: Redis,
) -> None:
    ids = [
        await add_content(
            client, admin_headers, nas_root, f"{day}.mp4", title=f"Colossus Day {day}"
        )
        for day in (1, 2, 3)
    ]
    await indexed(app)
    # No views yet: the newest first.
    assert await ranked(client, user_headers, "/api/search", "colossus") == ids[::-1]

    await watch(redis, ids[0], 3)
    await watch(redis, ids[1], 1)
    changed = await search_services(app).popularity.refresh()
    assert changed == {ids[0]: 3, ids[1]: 1}
    # (A new query: cached answers are not dropped for views, they live 5 minutes.)
    assert await ranked(client, user_headers, "/api/search", "colossus day") == ids
    suggestions = await ranked(client, user_headers, "/api/search/suggest", "colo")
    assert [s["content_id"] for s in suggestions if s["kind"] == "title"] == ids
