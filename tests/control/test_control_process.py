"""`wsoptv control` as real processes: two of them share events over the bus."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from redis.asyncio import Redis

from control.blocks.worker.presence import WorkerPresence
from control.orchestration.bus import MessageBus
from deploy.infra import Endpoints
from tests.control.conftest import PASSWORD
from tests.control.orchestration.test_bus import Inbox
from tests.support import free_port, wsoptv_process


@pytest.fixture
def two_controls(data_env: dict[str, str]) -> Iterator[tuple[str, str]]:
    ports = free_port(), free_port()
    urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
    with (
        wsoptv_process(
            ["control"],
            {**data_env, "CONTROL_PORT": str(ports[0])},
            health_url=f"{urls[0]}/api/health",
        ),
        wsoptv_process(
            ["control"],
            {**data_env, "CONTROL_PORT": str(ports[1])},
            health_url=f"{urls[1]}/api/health",
        ),
    ):
        yield urls[0], urls[1]


async def until_metric(client: httpx.AsyncClient, base: str, needle: str) -> None:
    # The observer already holds the event; the server's listener may be a moment behind
    # it, and a metrics scrape is the only window into another process: poll briefly.
    for _ in range(50):
        if needle in (await client.get(f"{base}/metrics")).text:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{base}/metrics never showed {needle}")


async def test_events_from_one_control_process_reach_every_other(
    infra: Endpoints, redis: Redis, two_controls: tuple[str, str]
) -> None:
    first, second = two_controls
    observer = MessageBus(Redis.from_url(infra.redis_url))
    inbox = Inbox()
    observer.subscribe("auth.*", inbox)
    await observer.start()
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            created = await client.post(
                f"{first}/api/auth/register",
                json={"email": "ann@example.org", "username": "ann", "password": PASSWORD},
            )
            assert created.status_code == 201, created.text
            tokens = await client.post(
                f"{second}/api/auth/login", json={"email": "ann@example.org", "password": PASSWORD}
            )
            assert tokens.status_code == 200
            # A token from one process is good at the other (shared key ring and Redis).
            access = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
            assert (await client.get(f"{first}/api/auth/me", headers=access)).status_code == 200
            await WorkerPresence(redis, 30).beat("a-worker")  # else health says degraded
            health = (await client.get(f"{second}/api/health")).json()
            assert health["status"] == "ok"
            events = await inbox.wait_for(2)
            assert [e.type for e in events] == ["auth.user_created", "auth.login.success"]
            assert events[0].payload["user_id"] == created.json()["id"]
            # Each control process received the other's event (Redis fan-out).
            await until_metric(client, second, 'received_total{channel="auth.user_created"} 1.0')
            await until_metric(client, first, 'received_total{channel="auth.login.success"} 1.0')
    finally:
        await observer.stop()
        assert observer.redis is not None
        await observer.redis.aclose()
