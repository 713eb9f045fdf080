"""The L1 cache against real Redis: hits, stampede protection, invalidation, Redis down."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from control.blocks.cache.l1 import FILLED_CHANNEL, L1Cache
from deploy.embedded import EmbeddedRedis
from deploy.infra import Endpoints
from tests.support import free_port


class Source:
    """The source of truth: counts how often it is asked."""

    def __init__(self, value: object, gate: asyncio.Event | None = None) -> None:
        self.value, self.calls, self.gate = value, 0, gate
        self.started = asyncio.Event()

    async def __call__(self) -> object:
        self.calls += 1
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        return self.value


async def test_miss_then_hit(redis: Redis) -> None:
    cache, source = L1Cache(redis), Source({"rows": [1, 2]})
    assert await cache.get_or_compute("home:u1", 60, source) == {"rows": [1, 2]}
    assert await cache.get_or_compute("home:u1", 60, source) == {"rows": [1, 2]}
    assert source.calls == 1
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    assert 0 < await redis.ttl("wsoptv:cache:home:u1") <= 60


async def test_a_stampede_computes_once_across_processes(infra: Endpoints, redis: Redis) -> None:
    """50 concurrent misses from two independent clients (two 'processes'): one computation."""
    gate = asyncio.Event()
    source = Source(["trending"], gate)
    clients = [Redis.from_url(infra.redis_url) for _ in range(2)]
    caches = [L1Cache(client) for client in clients]
    try:
        tasks = [
            asyncio.create_task(caches[i % 2].get_or_compute("trending", 60, source))
            for i in range(50)
        ]
        await source.started.wait()
        await asyncio.sleep(0.05)  # let the losers reach their wait before the fill
        gate.set()
        assert await asyncio.gather(*tasks) == [["trending"]] * 50
        assert source.calls == 1
    finally:
        for client in clients:
            await client.aclose()


async def test_invalidation(redis: Redis) -> None:
    cache = L1Cache(redis)
    first, second = Source("v1"), Source("v2")
    await cache.get_or_compute("content:7", 600, first)
    await cache.get_or_compute("home:u1", 300, first)
    await cache.invalidate("content:7")
    assert await cache.get_or_compute("content:7", 600, second) == "v2"
    assert await cache.invalidate_prefix("home:") == 1
    assert await cache.get_or_compute("home:u1", 300, second) == "v2"


async def test_redis_down_serves_from_the_source() -> None:
    dead = Redis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    cache, source = L1Cache(dead), Source(42)
    try:
        assert await cache.get_or_compute("content:1", 600, source) == 42
        assert await cache.get_or_compute("content:1", 600, source) == 42
        assert source.calls == 2
        # The second call did not wait for Redis again: the breaker skipped it.
        assert cache.stats.errors == 1
    finally:
        await dead.aclose()


async def test_errors_reach_every_waiter_and_are_not_cached(redis: Redis) -> None:
    cache, calls = L1Cache(redis), []

    async def failing() -> object:
        calls.append(1)
        raise ValueError("source down")

    results = await asyncio.gather(
        *(cache.get_or_compute("x", 60, failing) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ValueError) for r in results)
    assert await redis.get("wsoptv:cache:x") is None


async def test_a_value_computed_across_an_invalidation_is_not_stored(redis: Redis) -> None:
    """It may predate the change that caused the invalidation: served once, never cached."""
    cache, gate = L1Cache(redis), asyncio.Event()
    before = Source("before the change", gate)
    task = asyncio.create_task(cache.get_or_compute("content:3", 600, before))
    await before.started.wait()
    await cache.invalidate("content:3")
    # A caller arriving after the invalidation does not join the older computation.
    after = Source("after the change")
    assert await cache.get_or_compute("content:3", 600, after) == "after the change"
    gate.set()
    assert await task == "before the change"
    assert await cache.get_or_compute("content:3", 600, Source("unused")) == "after the change"


async def test_prefix_invalidation_matches_literally(redis: Redis) -> None:
    cache = L1Cache(redis)
    for key in ("search:a*", "search:ab", "searchers"):
        await cache.get_or_compute(key, 60, Source(key))
    assert await cache.invalidate_prefix("search:a*") == 1
    assert await redis.exists("wsoptv:cache:search:ab", "wsoptv:cache:searchers") == 2


async def test_invalidations_missed_while_redis_was_down_drop_everything_after(
    tmp_path: Path,
) -> None:
    """Redis stops, a change is invalidated meanwhile, Redis comes back with its old keys
    (append-only file): the stale value is never served again."""
    server = EmbeddedRedis(tmp_path, free_port())
    client = Redis.from_url(
        server.start(), socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    cache = L1Cache(client, retry_after=0.0)
    try:
        await cache.get_or_compute("home:shared", 300, Source("old rows"))
        await cache.get_or_compute("content:9", 600, Source("content 9"))
        server.stop()
        # Served from the source while Redis is down.
        assert await cache.get_or_compute("home:shared", 300, Source("new rows")) == "new rows"
        await cache.invalidate("home:shared")  # cannot reach Redis
        server.start()
        assert await client.get("wsoptv:cache:home:shared") is not None  # the stale value
        assert await cache.get_or_compute("home:shared", 300, Source("new rows")) == "new rows"
        assert cache.stats.purges == 1
        assert await client.get("wsoptv:cache:content:9") is None
    finally:
        await client.aclose()
        server.stop()


async def test_waiting_longer_than_the_read_timeout_is_not_a_redis_failure(
    infra: Endpoints, redis: Redis
) -> None:
    """The block's client fails fast (short read timeout); a slow fill is still just a wait."""
    client = Redis.from_url(infra.redis_url, socket_timeout=0.1, retry=Retry(NoBackoff(), 0))
    cache, gate = L1Cache(client), asyncio.Event()
    slow = Source("rows", gate)
    other = L1Cache(client)  # a second "process": its miss waits for the first one's fill
    try:
        first = asyncio.create_task(cache.get_or_compute("home:shared", 60, slow))
        await slow.started.wait()
        second = asyncio.create_task(other.get_or_compute("home:shared", 60, slow))
        await asyncio.sleep(0.3)  # the point: three read timeouts pass while it waits
        gate.set()
        assert list(await asyncio.gather(first, second)) == ["rows", "rows"]
        assert slow.calls == 1
        assert (cache.stats.errors, other.stats.errors) == (0, 0)
    finally:
        await client.aclose()


# A lock_wait far above the bounds below: a call that waited for the lock would time out.
LONG_WAIT = 30.0
PROMPT = 2.0


async def test_a_failed_computation_frees_the_key_at_once(redis: Redis) -> None:
    """The lock of a computation that raised is released: the next miss computes at once."""
    cache = L1Cache(redis, lock_wait=LONG_WAIT)

    async def failing() -> object:
        raise LookupError("no content 999")

    for _ in range(3):
        with contextlib.suppress(LookupError):
            await asyncio.wait_for(cache.get_or_compute("content:999", 600, failing), PROMPT)
    assert await redis.exists("wsoptv:cache:content:999:lock") == 0
    source = Source("found now")
    got = await asyncio.wait_for(cache.get_or_compute("content:999", 600, source), PROMPT)
    assert (got, source.calls) == ("found now", 1)


async def test_a_waiter_of_a_failed_computation_computes_promptly(
    infra: Endpoints, redis: Redis
) -> None:
    """Another process waiting on the lock is woken by the failure and computes itself."""
    other_client = Redis.from_url(infra.redis_url)
    holder, waiter = L1Cache(redis, lock_wait=LONG_WAIT), L1Cache(other_client, lock_wait=LONG_WAIT)
    gate, started = asyncio.Event(), asyncio.Event()

    async def failing_later() -> object:
        started.set()
        await gate.wait()
        raise LookupError("source down")

    try:
        failing = asyncio.create_task(holder.get_or_compute("home:shared", 60, failing_later))
        await started.wait()
        source = Source("rows")
        waiting = asyncio.create_task(waiter.get_or_compute("home:shared", 60, source))
        await _subscribed(redis)
        gate.set()
        assert await asyncio.wait_for(waiting, PROMPT) == "rows"
        assert source.calls == 1
        with contextlib.suppress(LookupError):
            await failing
    finally:
        await other_client.aclose()


async def test_waiters_of_a_discarded_value_proceed_promptly(
    infra: Endpoints, redis: Redis
) -> None:
    """A value computed across an invalidation is not stored; the process waiting for it is
    told so and computes the fresh value itself instead of sitting out lock_wait."""
    other_client = Redis.from_url(infra.redis_url)
    holder, waiter = L1Cache(redis, lock_wait=LONG_WAIT), L1Cache(other_client, lock_wait=LONG_WAIT)
    gate = asyncio.Event()
    before = Source("before the change", gate)
    try:
        first = asyncio.create_task(holder.get_or_compute("content:5", 600, before))
        await before.started.wait()
        after = Source("after the change")
        waiting = asyncio.create_task(waiter.get_or_compute("content:5", 600, after))
        await _subscribed(redis)
        await holder.invalidate("content:5")
        gate.set()
        assert await first == "before the change"
        assert await asyncio.wait_for(waiting, PROMPT) == "after the change"
        assert await redis.get("wsoptv:cache:content:5") == b'"after the change"'
    finally:
        await other_client.aclose()


async def _subscribed(redis: Redis) -> None:
    """Return once a waiter listens for fills (it has found the lock taken)."""
    # Another connection's SUBSCRIBE raises no event here: Redis is asked until it counts one.
    while (await redis.pubsub_numsub(FILLED_CHANNEL))[0][1] < 1:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
