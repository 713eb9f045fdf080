"""The cache block in the app: metrics on /metrics, health, and Redis down for the cache."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from control.settings import ControlSettings
from deploy.infra import Endpoints
from tests.control.blocks.flat_catalog.catalog_data import add_content, watch
from tests.control.blocks.flat_catalog.conftest import HOME_BLOCKS, publish
from tests.control.conftest import app_with, bearer, login, running, settings_for
from tests.support import free_port


def sample(metrics: str, name: str, **labels: str) -> float:
    selector = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = "^" + re.escape(f"{name}{{{selector}}}" if labels else name) + r" ([0-9.e+-]+)$"
    match = re.search(pattern, metrics, re.MULTILINE)
    return float(match[1]) if match else 0.0


async def test_hits_and_misses_by_namespace_on_metrics(
    home_client: httpx.AsyncClient, db: asyncpg.Connection, make_account: Callable[..., Any]
) -> None:
    tokens = await login(home_client, await make_account("ann"))
    await add_content(db, "Day 1", day=1)
    for _ in range(3):
        assert (await home_client.get("/api/home", headers=bearer(tokens))).status_code == 200
    metrics = (await home_client.get("/metrics")).text
    lookups = "wsoptv_cache_lookups_total"
    # Two keys per home (shared rows and the user's row): missed once, then hit twice.
    assert sample(metrics, lookups, namespace="home", outcome="misses") == 2
    assert sample(metrics, lookups, namespace="home", outcome="hits") == 4
    assert sample(metrics, lookups, namespace="home", outcome="bypassed") == 0
    assert sample(metrics, "wsoptv_cache_redis_up") == 1


async def test_the_cache_block_reports_healthy(home_client: httpx.AsyncClient) -> None:
    body = (await home_client.get("/api/health")).json()
    assert body["blocks"]["cache"]["status"] == "healthy"


async def test_with_the_cache_redis_dead_home_is_served_from_postgres(
    infra: Endpoints,
    database_url: str,
    redis: Any,
    db: asyncpg.Connection,
    make_account: Callable[..., Any],
) -> None:
    """The cache's Redis is unreachable (a dead port); the API answers correctly, uncached."""
    settings: ControlSettings = settings_for(
        database_url, infra.redis_url, cache_redis_url=f"redis://127.0.0.1:{free_port()}/0"
    )
    app: Litestar = app_with(settings, HOME_BLOCKS)
    ann = await make_account("ann")
    first = await add_content(db, "Day 1", day=1)
    async with running(app) as client:
        tokens = await login(client, ann)
        home = await client.get("/api/home", headers=bearer(tokens))
        assert home.status_code == 200
        assert [r["id"] for r in home.json()["rows"]] == ["recently_added"]

        await watch(db, ann.id, first, 1800, minutes_ago=0)
        second = await add_content(db, "Day 2", day=2)
        # Invalidation cannot reach the cache either; every answer is computed fresh.
        await publish(app, "content.created", content_id=second)
        home = await client.get("/api/home", headers=bearer(tokens))
        assert home.status_code == 200
        rows = {r["id"]: [i["title"] for i in r["items"]] for r in home.json()["rows"]}
        assert rows == {"continue_watching": ["Day 1"], "recently_added": ["Day 2", "Day 1"]}

        health = (await client.get("/api/health")).json()
        # Still serving (from PostgreSQL), so degraded rather than down: its consumers serve.
        assert (health["status"], health["blocks"]["cache"]["status"]) == ("degraded", "degraded")
        assert health["blocks"]["flat_catalog"]["status"] == "healthy"
        metrics = (await client.get("/metrics")).text
        assert sample(metrics, "wsoptv_cache_redis_up") == 0
        assert sample(metrics, "wsoptv_cache_lookups_total", namespace="home", outcome="hits") == 0
        assert (
            sample(metrics, "wsoptv_cache_lookups_total", namespace="home", outcome="bypassed") == 4
        )
