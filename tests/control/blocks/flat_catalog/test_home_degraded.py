"""GET /api/home when its inputs misbehave: view counts unreachable, long tails of rows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from control.blocks.flat_catalog.rows import ROW_LENGTH, SERIES_ROWS
from control.blocks.flat_catalog.service import HomeService
from control.orchestration.registry import BlockRegistry
from tests.control.blocks.flat_catalog.catalog_data import add_content, add_series, watch
from tests.control.blocks.flat_catalog.edge_streams import edge_limiter, start_stream
from tests.control.blocks.flat_catalog.test_home import home, row_ids, titles
from tests.control.conftest import login
from tests.support import free_port


def use_view_redis(app: Litestar, view_redis: Redis, **options: Any) -> None:
    """The home service reads its view counts from `view_redis`; everything else is as is."""
    registry: BlockRegistry = app.state.registry
    old: HomeService = registry.services("flat_catalog").home
    new = HomeService(old._pool, view_redis, old._cache, old._urls, **options)
    object.__setattr__(registry.services("flat_catalog"), "home", new)


@pytest.fixture
async def silent_redis() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never answers (a hung Redis)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("failure", ["refused", "hung"])
async def test_home_is_served_from_postgresql_when_view_counts_are_unreachable(
    failure: str,
    silent_redis: str,
    home_app: Litestar,
    home_client: httpx.AsyncClient,
    db: asyncpg.Connection,
    redis: Redis,
    make_account: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ann = await make_account("ann")
    content = await add_content(db, "Day 1", day=1)
    await watch(db, ann.id, content, 1000, minutes_ago=0)
    tokens = await login(home_client, ann)
    url = f"redis://127.0.0.1:{free_port()}/0" if failure == "refused" else silent_redis
    unreachable = Redis.from_url(url)
    try:
        use_view_redis(
            home_app, unreachable, **({"views_timeout": 0.3} if failure == "hung" else {})
        )
        with caplog.at_level(logging.WARNING, "wsoptv.control.flat_catalog"):
            body = await home(home_client, tokens)
            assert row_ids(body) == ["continue_watching", "recently_added"]
            assert titles(body, "recently_added") == ["Day 1"]
            await redis.delete("wsoptv:cache:home:shared")
            await home(home_client, tokens)  # recomputed: the view read fails again
        outage_logs = [r for r in caplog.records if "Trending left out" in r.getMessage()]
        assert len(outage_logs) == 1  # once per outage, not once per request
    finally:
        await unreachable.aclose()


async def test_trending_is_cut_after_deleted_and_missing_contents_are_dropped(
    home_client: httpx.AsyncClient,
    db: asyncpg.Connection,
    redis: Redis,
    make_account: Callable[..., Any],
) -> None:
    contents = [await add_content(db, f"Viewed {i:02}", day=i) for i in range(ROW_LENGTH + 5)]
    limiter = edge_limiter(redis)
    user = 1000
    # The 5 most viewed contents get 3 views each, the others 1: those 5 rank first.
    for rank, content in enumerate(contents):
        for _ in range(3 if rank < 5 else 1):
            user += 1
            await start_stream(limiter, user, content)
    gone = contents[:5]
    await db.execute("DELETE FROM contents WHERE id = ANY($1::bigint[])", gone[:3])
    await db.execute("UPDATE contents SET missing_since = now() WHERE id = ANY($1)", gone[3:])

    body = await home(home_client, await login(home_client, await make_account("ann")))
    trending = next(r for r in body["rows"] if r["id"] == "trending")["items"]
    assert len(trending) == ROW_LENGTH
    assert {item["id"] for item in trending} == set(contents[5:])
    assert {item["views_7d"] for item in trending} == {1}


async def test_there_is_one_row_for_each_of_many_series(
    home_client: httpx.AsyncClient, db: asyncpg.Connection, make_account: Callable[..., Any]
) -> None:
    series = [await add_series(db, f"s-{i}", f"Series {i}") for i in range(12)]
    for day, series_id in enumerate(series):
        await add_content(db, f"Episode {day}", day=day, series_id=series_id)
    body = await home(home_client, await login(home_client, await make_account("ann")))
    assert [r for r in row_ids(body) if r.startswith("series:")] == [
        f"series:{s}" for s in reversed(series)
    ]


async def test_the_series_cap_is_documented(home_client: httpx.AsyncClient) -> None:
    schema = (await home_client.get("/schema/openapi.json")).json()
    description = schema["paths"]["/api/home"]["get"]["description"]
    assert f"{SERIES_ROWS} series" in description
