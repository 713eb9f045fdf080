"""GET /api/admin/cache, POST /api/admin/cache/warm, DELETE /api/admin/cache/{id} (SPEC §4.3),
with a worker in this process doing the jobs."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from control.orchestration.contracts import JOBS, Jobs
from control.settings import ControlSettings
from deploy.infra import Endpoints
from shared.hot_reads import READS, TIER_BYTES
from shared.streams import VIEWED, views_key
from tests.control.blocks.hot_cache.conftest import MIB, hot_settings
from tests.control.blocks.worker.conftest import JobWaiter, worker_running
from tests.control.conftest import bearer, error_code, login

CAPACITY = 10 * MIB  # low watermark: 9 MiB


@pytest.fixture
def settings(infra: Endpoints, database_url: str, tmp_path: Path) -> ControlSettings:
    return hot_settings(infra, database_url, tmp_path, ssd_cache_bytes=CAPACITY)


@pytest.fixture
async def admin_headers(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> dict[str, str]:
    return bearer(await login(client, await make_account("root", role="admin")))


async def add_content(db: Any, settings: ControlSettings, name: str, size: int) -> int:
    path = settings.nas_root / "archive" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    content_id: int = await db.fetchval(
        "INSERT INTO contents (title, file_path, file_size) VALUES ($1, $2, $3) RETURNING id",
        name.removesuffix(".mp4"),
        f"archive/{name}",
        size,
    )
    return content_id


async def views(redis: Redis, content_id: int, count: int) -> None:
    now = int(time.time() * 1000)
    await redis.zadd(views_key(str(content_id)), {f"sid-{n}": now - n for n in range(count)})
    await redis.zadd(VIEWED, {str(content_id): now})


async def test_warm_copies_and_the_overview_shows_it(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    db: Any,
    redis: Redis,
    settings: ControlSettings,
    infra: Endpoints,
) -> None:
    hot = await add_content(db, settings, "Hot.mp4", MIB)
    candidate = await add_content(db, settings, "Candidate.mp4", 2 * MIB)
    await views(redis, hot, 2)
    await views(redis, candidate, 6)
    await redis.hset(TIER_BYTES, mapping={"ssd": 300, "nas": 100})

    response = await client.post(
        "/api/admin/cache/warm", json={"content_id": hot}, headers=admin_headers
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["type"] == "hot_copy" and job["status"] == "queued"
    jobs: Jobs = app.state.registry.provided(JOBS)
    waiter = JobWaiter(jobs, infra.redis_url)
    try:
        async with worker_running(settings):
            done = await waiter.finished(job["id"])
    finally:
        await waiter.close()
    assert done.status == "succeeded", done
    await redis.zadd(READS, {"archive/Hot.mp4": 1_767_225_600_000})

    overview = await client.get("/api/admin/cache", headers=admin_headers)
    assert overview.status_code == 200, overview.text
    body = overview.json()
    assert body["ssd"] == {
        "used_bytes": MIB,
        "capacity_bytes": CAPACITY,
        "files": 1,
        "high_watermark": 0.95,
        "low_watermark": 0.9,
        "ssd_bytes_sent": 300,
        "nas_bytes_sent": 100,
        "hit_ratio_bytes": 0.75,
    }
    assert set(body["l1"]) == {"hits", "misses", "keys"}
    [entry] = body["hot"]
    assert entry["content_id"] == hot and entry["title"] == "Hot"
    assert entry["size_bytes"] == MIB and entry["views_7d"] == 2
    assert entry["cached_at"] and entry["last_access_at"].startswith("2026-01-01")
    assert body["candidates"] == [{"content_id": candidate, "title": "Candidate", "views_7d": 6}]

    gone = await client.delete(f"/api/admin/cache/{hot}", headers=admin_headers)
    assert gone.status_code == 202 and gone.json()["type"] == "hot_evict"

    # Control's /metrics (refreshed in the background after a scrape: poll).
    expected = (
        "wsoptv_hot_copies_total 1.0",
        "wsoptv_hot_copy_bytes_total 1.048576e+06",
        "wsoptv_hot_ssd_used_bytes 1.048576e+06",
        'wsoptv_edge_tier_bytes_total{tier="ssd"} 300.0',
    )
    deadline = time.monotonic() + 15
    while True:
        text = (await client.get("/metrics")).text
        if all(line in text for line in expected):
            break
        assert time.monotonic() < deadline, text
        await asyncio.sleep(0.5)


async def test_refusals(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_account: Callable[..., Any],
    db: Any,
    settings: ControlSettings,
) -> None:
    too_big = await add_content(db, settings, "Big.mp4", 9 * MIB + 1)
    fits = await add_content(db, settings, "Fits.mp4", 9 * MIB)
    warm = "/api/admin/cache/warm"

    response = await client.post(warm, json={"content_id": too_big}, headers=admin_headers)
    assert response.status_code == 409 and error_code(response) == "CACHE_TOO_SMALL"
    assert response.json()["error"]["details"] == {"size_bytes": 9 * MIB + 1, "room_bytes": 9 * MIB}
    response = await client.post(warm, json={"content_id": fits}, headers=admin_headers)
    assert response.status_code == 202
    response = await client.post(warm, json={"content_id": 999_999}, headers=admin_headers)
    assert response.status_code == 404 and error_code(response) == "CONTENT_NOT_FOUND"
    response = await client.delete("/api/admin/cache/999999", headers=admin_headers)
    assert response.status_code == 404 and error_code(response) == "CONTENT_NOT_FOUND"
    for body in (
        {},
        {"content_id": 0},
        {"content_id": None},
        {"content_id": 1, "x": 1},
        {"content_id": 2**63},
    ):
        response = await client.post(warm, json=body, headers=admin_headers)
        assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR", body
    response = await client.delete("/api/admin/cache/0", headers=admin_headers)
    assert response.status_code == 400

    user = bearer(await login(client, await make_account("viewer")))
    for method, path in (
        ("GET", "/api/admin/cache"),
        ("POST", warm),
        ("DELETE", f"/api/admin/cache/{fits}"),
    ):
        response = await client.request(
            method, path, json={"content_id": fits} if method == "POST" else None, headers=user
        )
        assert response.status_code == 403 and error_code(response) == "AUTH_FORBIDDEN"
        response = await client.request(method, path)
        assert response.status_code == 401
