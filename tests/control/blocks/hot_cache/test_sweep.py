"""The periodic sweep: it queues what missed events would have (pub/sub has no history),
and replaces a copy whose NAS file changed since it was made."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from control.settings import ControlSettings
from deploy.infra import Endpoints
from tests.control.blocks.hot_cache.conftest import MIB, BusEvents, hot_settings
from tests.control.blocks.hot_cache.test_admin_api import add_content, views
from tests.control.blocks.worker.conftest import worker_running


@pytest.fixture
def settings(infra: Endpoints, database_url: str, tmp_path: Path) -> ControlSettings:
    return hot_settings(infra, database_url, tmp_path, hot_sweep_interval=0.3)


async def test_the_sweep_copies_what_no_event_announced_and_replaces_stale_copies(
    client: httpx.AsyncClient, db: object, redis: Redis, settings: ControlSettings
) -> None:
    content_id = await add_content(db, settings, "Quiet.mp4", MIB)
    nas, ssd = (
        settings.nas_root / "archive/Quiet.mp4",
        settings.ssd_cache_root / "archive/Quiet.mp4",
    )
    async with (
        BusEvents(redis, "cache.*") as events,
        worker_running(settings),
        asyncio.timeout(60),
    ):
        await views(redis, content_id, 5)  # counted, but no stream.started reached anyone
        cached = await events.next("cache.content_cached", lambda p: p["content_id"] == content_id)
        assert cached["size_bytes"] == MIB
        assert ssd.read_bytes() == nas.read_bytes()

        changed = os.urandom(2 * MIB)  # the NAS file is replaced: the copy is stale
        nas.write_bytes(changed)
        evicted = await events.next(
            "cache.content_evicted", lambda p: p["content_id"] == content_id
        )
        assert evicted["reason"] == "stale"
        again = await events.next("cache.content_cached", lambda p: p["content_id"] == content_id)
        assert again["size_bytes"] == 2 * MIB
        assert ssd.read_bytes() == changed
        assert ssd.stat().st_mtime_ns == nas.stat().st_mtime_ns
