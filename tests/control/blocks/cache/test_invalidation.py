"""Which events drop which L1 keys, against real Redis."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from control.blocks.cache.invalidation import Invalidator
from control.blocks.cache.l1 import PREFIX, L1Cache
from control.orchestration.bus import Event
from control.orchestration.contracts import CacheKeys

KEYS = (
    "content:1",
    "content:2",
    "home:shared",
    "home:user:7",
    "home:user:8",
)


async def filled(redis: Redis) -> L1Cache:
    cache = L1Cache(redis)
    for key in KEYS:

        async def value(key: str = key) -> str:
            return key

        await cache.get_or_compute(key, 60, value)
    return cache


async def remaining(redis: Redis) -> set[str]:
    names = await redis.keys(PREFIX + "*")
    return {str(name, "utf-8").removeprefix(PREFIX) for name in names if isinstance(name, bytes)}


def event(channel: str, **payload: object) -> Event:
    return Event(source="test", type=channel, payload=payload)


async def test_a_new_content_stales_itself_and_the_shared_rows_not_users(redis: Redis) -> None:
    invalidator = Invalidator(await filled(redis))
    await invalidator.on_content_event(event("content.created", content_id=1))
    assert await remaining(redis) == {"content:2", "home:user:7", "home:user:8"}


async def test_a_changed_content_also_stales_every_users_row(redis: Redis) -> None:
    """Continue Watching shows the content's title: every user's row may show it."""
    invalidator = Invalidator(await filled(redis))
    await invalidator.on_content_event(event("content.updated", content_id=2))
    assert await remaining(redis) == {"content:1"}


async def test_progress_stales_only_that_users_row(redis: Redis) -> None:
    invalidator = Invalidator(await filled(redis))
    await invalidator.on_progress_event(event("stream.progress_updated", user_id=7, content_id=1))
    assert await remaining(redis) == set(KEYS) - {CacheKeys.home_user(7)}


async def test_malformed_payloads_drop_nothing_they_cannot_name(redis: Redis) -> None:
    invalidator = Invalidator(await filled(redis))
    await invalidator.on_progress_event(event("stream.progress_updated", user_id="x"))
    await invalidator.on_progress_event(event("stream.progress_updated", user_id=True))
    assert await remaining(redis) == set(KEYS)


async def test_a_burst_of_events_is_one_round(redis: Redis) -> None:
    """A library import publishes an event per file: one round of deletes, not hundreds."""
    invalidator = Invalidator(await filled(redis))
    await asyncio.gather(
        *(invalidator.on_content_event(event("content.created", content_id=i)) for i in range(200))
    )
    assert invalidator.rounds == 1
    assert await remaining(redis) == {"home:user:7", "home:user:8"}
