"""A block marked down by a short dependency outage serves again about a second after the
dependency is back, not at the next regular probe (the outside run saw 15 s of 503s after
a 4 s Redis pause)."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from control.orchestration.registry import BlockRegistry, BlockStatus, discover
from control.settings import ControlSettings
from tests.control.conftest import app_with, running

PAUSE_MS = 4000  # longer than a probe's timeout: the probe fails inside the pause


async def test_blocks_come_back_within_seconds_of_redis(
    settings: ControlSettings, redis: Redis
) -> None:
    # A regular probe only every 10 minutes: only the fast re-probe can bring them back.
    app = app_with(settings.model_copy(update={"block_health_interval": 600.0}), discover())
    async with running(app) as client:
        registry: BlockRegistry = app.state.registry
        paused_at = time.monotonic()
        await redis.client_pause(PAUSE_MS, all=True)
        await registry.check_health()  # the probe falls inside the pause
        for name in ("auth", "stream"):
            assert registry.state(name).status is BlockStatus.UNHEALTHY
        resumed_at = paused_at + PAUSE_MS / 1000
        deadline = resumed_at + 3.0
        while registry.state("auth").status is not BlockStatus.HEALTHY:
            assert time.monotonic() < deadline, "auth still down 3 s after Redis came back"
            await asyncio.sleep(0.05)
        while registry.state("stream").status is not BlockStatus.HEALTHY:
            assert time.monotonic() < deadline, "stream still down 3 s after Redis came back"
            await asyncio.sleep(0.05)
        assert (await client.get("/api/auth/me")).status_code == 401  # served, not 503
