"""An app with only the blocks the home screen needs: auth, cache and flat_catalog."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from control.blocks.auth import BLOCK as AUTH
from control.blocks.cache import BLOCK as CACHE
from control.blocks.cache.invalidation import Invalidator
from control.blocks.flat_catalog import BLOCK as FLAT_CATALOG
from control.orchestration.bus import Event, MessageBus
from control.orchestration.registry import BlockRegistry
from control.settings import ControlSettings
from tests.control.conftest import app_with, running

HOME_BLOCKS = (AUTH, CACHE, FLAT_CATALOG)


@pytest.fixture
async def home_app(settings: ControlSettings, redis: Any) -> Litestar:
    return app_with(settings, HOME_BLOCKS)


@pytest.fixture
async def home_client(home_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with running(home_app) as http:
        yield http


async def publish(app: Litestar, channel: str, **payload: Any) -> None:
    """Publish an event as a block would; return once the cache applied its invalidation."""
    bus: MessageBus = app.state.bus
    await bus.publish(channel, Event(source="test", type=channel, payload=payload))
    await asyncio.sleep(0)  # one loop turn: the bus starts its handler tasks
    registry: BlockRegistry = app.state.registry
    invalidator: Invalidator = registry.services("cache").invalidator
    async with asyncio.timeout(5):
        await invalidator.settled()
