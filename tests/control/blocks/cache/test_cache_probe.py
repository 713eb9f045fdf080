"""The cache block's probe can report every state it claims: down, degraded, healthy; and a
bus that lost Redis makes the cache drop what it holds (invalidations may have been missed)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from control.blocks.cache import CacheServices
from control.blocks.cache import probe as cache_probe
from control.blocks.cache.l1 import PREFIX
from control.orchestration.block import Degraded
from control.orchestration.bus import RECONNECTED, Event
from control.orchestration.registry import BlockRegistry, BlockStatus
from control.settings import ControlSettings
from tests.control.blocks.flat_catalog.conftest import HOME_BLOCKS
from tests.control.conftest import app_with, running


async def test_the_probe_fails_without_its_subscriptions_and_degrades_without_the_bus(
    settings: ControlSettings, redis: Redis
) -> None:
    app = app_with(settings, HOME_BLOCKS)
    async with running(app) as client:
        registry: BlockRegistry = app.state.registry
        services: CacheServices = registry.services("cache")
        await cache_probe(services)  # healthy

        services.bus._listening = False  # as while the listener resubscribes after an outage
        with pytest.raises(Degraded, match="bus listener down"):
            await cache_probe(services)
        services.bus._listening = True

        services.bus.unsubscribe(services.subscriptions[0])
        with pytest.raises(RuntimeError, match="subscriptions are gone"):
            await cache_probe(services)
        health = (await client.get("/api/health")).json()
        assert health["blocks"]["cache"]["status"] == "unhealthy"
        # Its consumers cannot serve without it: their routes say which block is down.
        home = await client.get("/api/home")
        assert home.status_code == 503
        assert home.json()["error"]["details"]["block"] == "cache"
        assert registry.state("cache").status is BlockStatus.UNHEALTHY


async def test_a_bus_reconnection_drops_every_cached_key(
    settings: ControlSettings, redis: Redis
) -> None:
    app = app_with(settings, HOME_BLOCKS)
    async with running(app):
        services: CacheServices = app.state.registry.services("cache")

        async def compute() -> str:
            return "value"

        await services.l1.get_or_compute("home:shared", 60, compute)
        assert await redis.exists(PREFIX + "home:shared")
        await app.state.bus.publish(RECONNECTED, Event(source="bus", type=RECONNECTED, payload={}))
        await asyncio.sleep(0)  # the bus starts its handler task
        await services.invalidator.settled()
        # The next Redis contact purges everything cached before the gap.
        await services.l1.get_or_compute("content:1", 60, compute)
        assert not await redis.exists(PREFIX + "home:shared")
