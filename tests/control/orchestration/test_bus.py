"""MessageBus: typed envelopes, patterns, isolation of bad handlers, request/response,
and fan-out between two real processes through Redis."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.orchestration.bus import CHANNEL_PREFIX, Event, MessageBus
from control.orchestration.errors import BusTimeout
from deploy.embedded import EmbeddedRedis
from deploy.infra import Endpoints
from tests.support import REPO, free_port


def event(channel: str, **payload: Any) -> Event:
    return Event(source="test", type=channel, payload=payload)


class Inbox:
    """A handler that keeps what it receives and lets a test await the n-th delivery."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Condition()

    async def __call__(self, received: Event) -> None:
        async with self._changed:
            self.events.append(received)
            self._changed.notify_all()

    async def wait_for(self, count: int) -> list[Event]:
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(lambda: len(self.events) >= count)
        return self.events


async def test_subscribers_get_typed_envelopes_by_channel_pattern() -> None:
    bus, inbox, other = MessageBus(), Inbox(), Inbox()
    bus.subscribe("content.*", inbox)
    bus.subscribe("auth.user_created", other)
    sent = event("content.created", content_id=7)
    await bus.publish("content.created", sent)
    await bus.publish("auth.login.success", event("auth.login.success"))
    [received] = await inbox.wait_for(1)
    assert received == sent and isinstance(received, Event)
    assert received.payload["content_id"] == 7 and received.source == "test"
    assert received.timestamp > 0 and received.id
    assert other.events == []


async def test_a_plain_dict_is_refused_at_the_publisher() -> None:
    with pytest.raises(TypeError, match="Event envelope"):
        await MessageBus().publish("content.created", {"content_id": 1})  # type: ignore[arg-type]


async def test_subscribing_twice_delivers_once() -> None:
    bus, inbox = MessageBus(), Inbox()
    first = bus.subscribe("x.*", inbox)
    assert bus.subscribe("x.*", inbox) == first and len(bus.subscriptions) == 1
    await bus.publish("x.y", event("x.y"))
    await bus.publish("x.z", event("x.z"))
    assert [e.type for e in await inbox.wait_for(2)] == ["x.y", "x.z"]


async def test_a_failing_handler_reaches_neither_publisher_nor_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, inbox = MessageBus(), Inbox()

    async def broken(_: Event) -> None:
        raise ValueError("handler bug")

    bus.subscribe("c.*", broken)
    bus.subscribe("c.*", inbox)
    with caplog.at_level(logging.ERROR, logger="wsoptv.control.bus"):
        await bus.publish("c.created", event("c.created"))
        await bus.publish("c.updated", event("c.updated"))
        await inbox.wait_for(2)
        await bus.stop()  # waits for the handler tasks
    assert sum(bus.stats.failed.values()) == 2
    assert bus.stats.delivered == {"c.created": 1, "c.updated": 1}
    assert "handler bug" in caplog.text and "broken" in caplog.text


async def test_a_slow_handler_is_timed_out_without_holding_up_the_others() -> None:
    bus, inbox = MessageBus(handler_timeout=0.3), Inbox()
    stuck = asyncio.Event()

    async def slow(_: Event) -> None:
        await stuck.wait()  # never set

    bus.subscribe("s.*", slow)
    bus.subscribe("s.*", inbox)
    await bus.publish("s.tick", event("s.tick"))
    await inbox.wait_for(1)
    assert not bus.stats.timed_out  # the fast one finished while the slow one still waits
    await bus.stop()
    assert list(bus.stats.timed_out.values()) == [1]


async def test_request_response_in_process_and_its_timeout() -> None:
    bus = MessageBus()

    async def double(request: Event) -> None:
        await bus.reply(request, {"value": request.payload["value"] * 2}, source="math")

    bus.subscribe("math.double", double)
    answer = await bus.request_response("math.double", {"value": 21}, source="test", timeout=2)
    assert answer.payload == {"value": 42} and answer.source == "math"
    with pytest.raises(BusTimeout) as info:
        await bus.request_response("nobody.listens", {}, source="test", timeout=0.2)
    assert info.value.status == 504 and info.value.details["channel"] == "nobody.listens"


@pytest.fixture
async def peer(infra: Endpoints, redis: Redis) -> AsyncIterator[asyncio.subprocess.Process]:
    """A second OS process with its own bus on the same Redis."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.control.orchestration.bus_peer",
        infra.redis_url,
        cwd=REPO,
        env={**os.environ},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 20)).strip() == b"ready"
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def test_events_and_replies_cross_process_boundaries(
    infra: Endpoints, peer: asyncio.subprocess.Process
) -> None:
    assert peer.stdin is not None and peer.stdout is not None
    client = Redis.from_url(infra.redis_url)
    bus, inbox = MessageBus(client), Inbox()
    bus.subscribe("demo.*", inbox)
    await bus.start()
    try:
        await bus.publish("demo.hello", event("demo.hello", n=1))
        line = await asyncio.wait_for(peer.stdout.readline(), 10)
        remote = Event.from_dict(json.loads(line))
        assert (remote.type, remote.payload, remote.source) == ("demo.hello", {"n": 1}, "test")

        answer = await bus.request_response("peer.echo", {"q": "ping"}, source="test", timeout=5)
        assert answer.payload["echo"] == {"q": "ping"} and answer.payload["pid"] == peer.pid

        peer.stdin.write(b'publish demo.back {"n": 2}\n')
        await peer.stdin.drain()
        events = await inbox.wait_for(2)
        await asyncio.sleep(0)  # let a (wrong) echo of demo.hello be dispatched, if any
        assert [(e.type, e.source) for e in events] == [
            ("demo.hello", "test"),
            ("demo.back", "peer"),
        ]
    finally:
        await bus.stop()
        await client.aclose()
        peer.stdin.close()


async def test_the_listener_resubscribes_after_redis_restarts(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path, free_port())
    url = server.start()
    listener_client, publisher = Redis.from_url(url), Redis.from_url(url)
    bus, inbox = MessageBus(listener_client), Inbox()
    bus.subscribe("demo.*", inbox)
    try:
        await bus.start()
        server.stop()
        server.start()
        # Publish until the listener is back: pub/sub keeps no history of what it missed.
        async with asyncio.timeout(15):
            while not inbox.events:
                with contextlib.suppress(RedisError):
                    wire = {"origin": "other", "event": event("demo.back").to_dict()}
                    await publisher.publish(CHANNEL_PREFIX + "demo.back", json.dumps(wire))
                await asyncio.sleep(0.1)
        assert inbox.events[0].type == "demo.back" and bus.stats.resubscribed >= 1
    finally:
        await bus.stop()
        await listener_client.aclose()
        await publisher.aclose()
        server.stop()
