"""GET /api/admin/dashboard: every figure checked against data the test put there."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from redis.asyncio import Redis

from control.blocks.admin.activity import DAY_MS
from shared.streams import server_time_ms, views_key
from tests.control.blocks.admin.conftest import SSD_CAPACITY
from tests.control.blocks.flat_catalog.catalog_data import add_content, add_hand, add_series
from tests.control.blocks.flat_catalog.edge_streams import edge_limiter, end_stream, start_stream
from tests.control.conftest import Account, bearer, login

Admin = tuple[Account, dict[str, str]]
MIB = 1024 * 1024


def _touch(path: Path) -> Path:
    path.touch()
    return path


async def dashboard(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/api/admin/dashboard", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_users_and_contents(
    admin_client: httpx.AsyncClient,
    admin: Admin,
    db: asyncpg.Connection,
    make_account: Callable[..., Any],
) -> None:
    await make_account("ann")
    await make_account("bob", status="pending")
    carol = await make_account("carol", status="suspended")
    await db.execute(
        "UPDATE users SET created_at = now() - interval '2 days' WHERE id = $1", carol.id
    )
    series = await add_series(db, "wsop-2024", "WSOP 2024")
    first = await add_content(db, "Day 1", day=1, series_id=series)
    await add_content(db, "Day 2", day=2, series_id=series)
    await add_content(db, "Lost", day=3, missing=True)
    await add_hand(db, first, 0, 10.0, pot=100.0)

    body = await dashboard(admin_client, admin[1])

    assert body["users"] == {
        "total": 4,
        "active": 2,
        "pending": 1,
        "suspended": 1,
        "new_today": 3,
    }
    assert body["contents"] == {
        "total": 3,
        "available": 2,
        "missing": 1,
        "series": 1,
        "best_hands": 1,
    }


async def test_streams_views_and_top_contents_from_the_edge_limiter(
    admin_client: httpx.AsyncClient, admin: Admin, db: asyncpg.Connection, redis: Redis
) -> None:
    popular = await add_content(db, "Main Event Final Table", day=1)
    other = await add_content(db, "Day 1A", day=2)
    deleted = await add_content(db, "Deleted later", day=3)
    limiter = edge_limiter(redis)
    ann_first = await start_stream(limiter, 101, popular)
    await start_stream(limiter, 101, other)
    await start_stream(limiter, 102, popular)
    await start_stream(limiter, 102, other)  # two live streams, one user
    await start_stream(limiter, 103, deleted)
    await end_stream(limiter, ann_first)  # its lease ends, its view stays
    # A view from two days ago, recorded as the limiter records one.
    now_ms = await server_time_ms(redis)
    await redis.zadd(views_key(str(other)), {"old-sid": now_ms - 2 * DAY_MS})
    await db.execute("DELETE FROM contents WHERE id = $1", deleted)

    body = await dashboard(admin_client, admin[1])

    assert body["streams"] == {"active_streams": 4, "active_users": 3}
    assert body["views"] == {"today": 5, "last_7_days": 6}
    assert body["top_contents"] == [
        {"content_id": other, "title": "Day 1A", "views_7d": 3, "views_today": 2},
        {"content_id": popular, "title": "Main Event Final Table", "views_7d": 2, "views_today": 2},
        {"content_id": deleted, "title": None, "views_7d": 1, "views_today": 1},
    ]


async def test_top_contents_are_the_ten_most_viewed(
    admin_client: httpx.AsyncClient, admin: Admin, db: asyncpg.Connection, redis: Redis
) -> None:
    limiter = edge_limiter(redis)
    ids = [await add_content(db, f"Clip {n}", day=n) for n in range(12)]
    for rank, content_id in enumerate(ids):
        for viewer in range(rank % 3 + 1):  # 1, 2 or 3 views
            claims = await start_stream(limiter, 1000 + rank * 10 + viewer, content_id)
            await end_stream(limiter, claims)
    top = (await dashboard(admin_client, admin[1]))["top_contents"]
    assert len(top) == 10
    assert [t["views_7d"] for t in top] == [3, 3, 3, 3, 2, 2, 2, 2, 1, 1]
    # Equal counts: the newer content (higher id) first.
    assert [t["content_id"] for t in top[:4]] == [ids[11], ids[8], ids[5], ids[2]]


async def test_ssd_usage_is_measured_and_cached_briefly(
    admin_client: httpx.AsyncClient, admin: Admin, ssd_root: Path
) -> None:
    folder = ssd_root / "ARCHIVE" / "WSOP 2024"
    folder.mkdir(parents=True)
    (folder / "Day 1.mp4").write_bytes(os.urandom(MIB))
    # A size without the blocks: du counts what is allocated.
    os.truncate(_touch(folder / "sparse.mp4"), 50 * MIB)
    (ssd_root / "link.mp4").symlink_to(folder / "Day 1.mp4")

    ssd = (await dashboard(admin_client, admin[1]))["ssd_cache"]
    assert ssd["root"] == str(ssd_root) and ssd["root_exists"] is True
    assert ssd["files"] == 2
    assert ssd["file_bytes"] == 51 * MIB
    assert MIB <= ssd["used_bytes"] < 2 * MIB
    assert ssd["capacity_bytes"] == SSD_CAPACITY
    assert ssd["used_ratio"] == round(ssd["used_bytes"] / SSD_CAPACITY, 6)

    (folder / "Day 2.mp4").write_bytes(os.urandom(MIB))
    again = (await dashboard(admin_client, admin[1]))["ssd_cache"]
    assert again["files"] == 2  # the walk is reused for a while
    assert again["measured_seconds_ago"] > 0


async def test_redis_memory_comes_from_info(
    admin_client: httpx.AsyncClient, admin: Admin, redis: Redis
) -> None:
    memory = (await dashboard(admin_client, admin[1]))["redis_memory"]
    info = await redis.info("memory")
    assert 0 < memory["used_bytes"] <= info["used_memory_peak"]
    assert memory["max_bytes"] == info["maxmemory"]


async def test_request_and_error_rates_from_the_apps_own_metrics(
    admin_client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    root = await make_account("root", role="admin")
    headers = bearer(await login(admin_client, root))  # 1 request, 200
    assert (await admin_client.get("/api/admin/dashboard")).status_code == 401
    assert (await admin_client.get("/api/no/such/route")).status_code == 404
    assert (await admin_client.get("/api/broken/ping")).status_code == 503
    assert (await admin_client.get("/api/auth/me", headers=headers)).status_code == 200

    http = (await dashboard(admin_client, headers))["http"]
    assert (http["requests"], http["client_errors"], http["server_errors"]) == (5, 2, 1)
    assert (http["error_rate"], http["client_error_rate"]) == (0.2, 0.4)
    assert 0 < http["window_seconds"] < 60
    assert http["requests_per_second"] == round(5 / http["window_seconds"], 3)

    # The first dashboard call is counted in the next one.
    assert (await dashboard(admin_client, headers))["http"]["requests"] == 6
