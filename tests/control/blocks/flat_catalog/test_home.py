"""GET /api/home against real PostgreSQL and Redis: rows, order, privacy, freshness."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from litestar import Litestar
from redis.asyncio import Redis

from tests.control.blocks.flat_catalog.catalog_data import add_content, add_hand, add_series, watch
from tests.control.blocks.flat_catalog.conftest import publish
from tests.control.blocks.flat_catalog.edge_streams import edge_limiter, start_stream
from tests.control.conftest import bearer, error_code, login


async def home(client: httpx.AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = await client.get("/api/home", headers=bearer(tokens))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def row_ids(body: dict[str, Any]) -> list[str]:
    return [row["id"] for row in body["rows"]]


def titles(body: dict[str, Any], row_id: str) -> list[str]:
    row = next(r for r in body["rows"] if r["id"] == row_id)
    return [item["title"] for item in row["items"]]


async def test_home_needs_a_token(home_client: httpx.AsyncClient) -> None:
    response = await home_client.get("/api/home")
    assert response.status_code == 401
    assert error_code(response) == "AUTH_REQUIRED"


async def test_an_empty_catalog_has_no_rows(
    home_client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    tokens = await login(home_client, await make_account("ann"))
    assert await home(home_client, tokens) == {"rows": []}


async def test_rows_in_the_contract_order_with_their_items_in_order(
    home_client: httpx.AsyncClient,
    db: asyncpg.Connection,
    redis: Redis,
    make_account: Callable[..., Any],
) -> None:
    ann = await make_account("ann")
    old_series = await add_series(db, "wsop-2019", "WSOP 2019 Main Event")
    new_series = await add_series(db, "wsop-2024", "WSOP 2024 Main Event")
    day1 = await add_content(db, "2019 Day 1", day=1, series_id=old_series)
    day2 = await add_content(db, "2019 Day 2", day=2, series_id=old_series)
    final = await add_content(db, "2024 Final Table", day=5, series_id=new_series)
    clip = await add_content(db, "Hand clip", day=4)
    await add_content(db, "Gone from the NAS", day=6, missing=True)
    await add_hand(db, final, 0, 600.0, pot=2_500_000)
    await add_hand(db, day1, 3, 90.0, pot=400_000)
    # Continue Watching: in progress only (>= 10%, < 90%), most recent first.
    await watch(db, ann.id, day1, 1800, minutes_ago=30)
    await watch(db, ann.id, final, 900, minutes_ago=5)
    await watch(db, ann.id, day2, 60, minutes_ago=1)  # under 10%: not in progress
    await watch(db, ann.id, clip, 3500, minutes_ago=2)  # 97%: completed
    # Trending: streams started through the edge's limiter (one view each).
    limiter = edge_limiter(redis)
    for user, content in [(1, day2), (2, day2), (3, day2), (1, clip)]:
        await start_stream(limiter, user, content)

    body = await home(home_client, await login(home_client, ann))

    assert row_ids(body) == [
        "continue_watching",
        "recently_added",
        "trending",
        f"series:{new_series}",
        f"series:{old_series}",
        "best_hands",
    ]
    assert titles(body, "continue_watching") == ["2024 Final Table", "2019 Day 1"]
    progress = body["rows"][0]["items"][0]["progress"]
    assert (progress["position_seconds"], progress["ratio"]) == (900, 0.25)
    assert titles(body, "recently_added") == [
        "2024 Final Table",
        "Hand clip",
        "2019 Day 2",
        "2019 Day 1",
    ]
    trending = body["rows"][2]["items"]
    assert [(i["title"], i["views_7d"]) for i in trending] == [("2019 Day 2", 3), ("Hand clip", 1)]
    assert titles(body, f"series:{new_series}") == ["2024 Final Table"]
    assert titles(body, f"series:{old_series}") == ["2019 Day 2", "2019 Day 1"]
    hands = body["rows"][-1]["items"]
    assert [(i["id"], i["hand"]["start_seconds"], i["hand"]["end_seconds"]) for i in hands] == [
        (final, 600.0, 720.0),
        (day1, 90.0, 210.0),
    ]
    assert hands[0]["hand"]["players"] == ["Negreanu", "Ivey"]
    # Only the rows that carry them have the extra fields.
    assert "progress" not in body["rows"][1]["items"][0]


async def test_continue_watching_is_never_served_to_another_user(
    home_client: httpx.AsyncClient,
    db: asyncpg.Connection,
    make_account: Callable[..., Any],
) -> None:
    ann, bob = await make_account("ann"), await make_account("bob")
    first = await add_content(db, "Ann watches this", day=1)
    second = await add_content(db, "Bob watches this", day=2)
    await watch(db, ann.id, first, 1200, minutes_ago=1)
    ann_tokens, bob_tokens = await login(home_client, ann), await login(home_client, bob)

    ann_home = await home(home_client, ann_tokens)  # fills home:user:<ann> and home:shared
    assert titles(ann_home, "continue_watching") == ["Ann watches this"]
    bob_home = await home(home_client, bob_tokens)
    assert "continue_watching" not in row_ids(bob_home)
    assert row_ids(bob_home) == ["recently_added"]

    await watch(db, bob.id, second, 1200, minutes_ago=0)
    await db.execute("DELETE FROM watch_progress WHERE user_id = $1", ann.id)
    # Each user's cached row stays their own, whatever the other one does.
    assert titles(await home(home_client, ann_tokens), "continue_watching") == ["Ann watches this"]
    assert "continue_watching" not in row_ids(await home(home_client, bob_tokens))


async def test_a_content_event_makes_the_next_home_fresh(
    home_app: Litestar,
    home_client: httpx.AsyncClient,
    db: asyncpg.Connection,
    make_account: Callable[..., Any],
) -> None:
    tokens = await login(home_client, await make_account("ann"))
    await add_content(db, "First", day=1)
    assert titles(await home(home_client, tokens), "recently_added") == ["First"]

    added = await add_content(db, "Second", day=2)
    # Cached: the row is served from Redis until an event says it changed.
    assert titles(await home(home_client, tokens), "recently_added") == ["First"]
    await publish(home_app, "content.created", content_id=added)
    assert titles(await home(home_client, tokens), "recently_added") == ["Second", "First"]

    await db.execute("UPDATE contents SET title = 'Renamed' WHERE id = $1", added)
    await publish(home_app, "content.updated", content_id=added)
    assert titles(await home(home_client, tokens), "recently_added") == ["Renamed", "First"]


async def test_a_progress_event_refreshes_only_that_users_row(
    home_app: Litestar,
    home_client: httpx.AsyncClient,
    db: asyncpg.Connection,
    redis: Redis,
    make_account: Callable[..., Any],
) -> None:
    ann, bob = await make_account("ann"), await make_account("bob")
    content = await add_content(db, "Day 1", day=1)
    ann_tokens, bob_tokens = await login(home_client, ann), await login(home_client, bob)
    assert row_ids(await home(home_client, ann_tokens)) == ["recently_added"]
    await home(home_client, bob_tokens)

    await watch(db, ann.id, content, 1000, minutes_ago=0)
    await watch(db, bob.id, content, 1000, minutes_ago=0)
    await publish(home_app, "stream.progress_updated", user_id=ann.id, content_id=content)

    assert row_ids(await home(home_client, ann_tokens)) == ["continue_watching", "recently_added"]
    # Bob's row was not touched by Ann's event: still his cached one.
    assert row_ids(await home(home_client, bob_tokens)) == ["recently_added"]
    assert await redis.exists("wsoptv:cache:home:shared") == 1
