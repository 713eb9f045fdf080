"""The L1 cache: cache-aside in Redis with one recomputation per key at a time.

Values are JSON. A miss takes a short Redis lock for the key (SET NX PX) so that when many
requests miss together only one computes; the others wait for the holder's message (one
pub/sub message when it is done, never a busy loop). The holder always releases the lock and
sends that message, whether it stored the value or gave up (its computation failed, or its
value predates an invalidation); a waiter woken without a value takes the lock and computes
itself. Only a holder that vanished (its process died) makes waiters sit out `lock_wait`.
Within one process, concurrent misses share one in-flight computation. When Redis is
unreachable the value is computed from the source of truth: slower, still correct.
Invalidations that could not reach Redis are not forgotten: the first Redis contact after
the outage drops every cached key, because events missed meanwhile cannot be replayed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.orchestration.contracts import L1Summary

log = logging.getLogger("wsoptv.control.cache")
PREFIX = "wsoptv:cache:"
# One message per lock holder that is done with a key (filled or gave up); data: the key.
FILLED_CHANNEL = "wsoptv:cache:filled"
# Releases the lock only for the holder's token (it may have expired and been re-taken), then
# tells the waiters: those that find no value take the lock themselves.
_RELEASE_AND_NOTIFY = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end "
    "return redis.call('publish', ARGV[2], ARGV[3])"
)


OUTCOMES = ("hits", "misses", "bypassed")
# What a waiter learns when no value came: the holder gave up, or it never finished in time.
_ABANDONED = object()
_TIMED_OUT = object()


@dataclass(slots=True)
class CacheStats:
    """Counters for the metrics endpoint; `bypassed` = served from the source, Redis down."""

    hits: int = 0
    misses: int = 0
    bypassed: int = 0
    computations: int = 0
    errors: int = 0
    purges: int = 0
    by_namespace: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, key: str, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        namespace = key.split(":", 1)[0]
        counts = self.by_namespace.setdefault(namespace, dict.fromkeys(OUTCOMES, 0))
        counts[outcome] += 1


class L1Cache:
    """get_or_compute / invalidate over one Redis client."""

    def __init__(
        self,
        redis: Redis,
        *,
        lock_ttl: float = 10.0,
        lock_wait: float = 5.0,
        retry_after: float = 2.0,
    ) -> None:
        self._redis = redis
        # After a Redis failure, skip Redis for a while instead of paying its timeouts and
        # retries on every request (a small circuit breaker).
        self._retry_after = retry_after
        self._down_until = 0.0
        self._lock_ttl_ms = int(lock_ttl * 1000)
        self._lock_wait = lock_wait
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        # Set when an invalidation may have been lost; cleared by a purge of every key.
        self._stale_possible = False
        # Bumped by every invalidation: a value computed across one is returned, not stored
        # (it may predate the change that caused the invalidation).
        self._generation = 0
        self.stats = CacheStats()

    @property
    def redis_up(self) -> bool:
        """Whether the last Redis operation succeeded."""
        return self._down_until == 0.0

    def _skip_redis(self) -> bool:
        # The breaker: after a failure, Redis is not asked again for `retry_after` seconds.
        return time.monotonic() < self._down_until

    async def get_or_compute(
        self, key: str, ttl_seconds: int, compute: Callable[[], Awaitable[Any]]
    ) -> Any:
        """The cached value of `key`, computing and storing it (for `ttl_seconds`) on a miss."""
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value = await self._get_or_compute(key, ttl_seconds, compute)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the waiters (if any) re-raise it themselves
            raise
        else:
            future.set_result(value)
            return value
        finally:
            if self._inflight.get(key) is future:
                del self._inflight[key]

    async def _get_or_compute(
        self, key: str, ttl_seconds: int, compute: Callable[[], Awaitable[Any]]
    ) -> Any:
        redis_key = PREFIX + key
        if self._skip_redis():
            return await self._bypass(key, compute)
        try:
            if self._stale_possible:
                await self._purge()
            cached = await self._redis.get(redis_key)
        except RedisError as exc:
            self._redis_failed("get", exc)
            return await self._bypass(key, compute)
        self._down_until = 0.0
        if cached is not None:
            self.stats.count(key, "hits")
            return json.loads(cached)
        self.stats.count(key, "misses")
        token = secrets.token_hex(8)
        lock_key = redis_key + ":lock"
        deadline = time.monotonic() + self._lock_wait
        try:
            while not await self._redis.set(lock_key, token, nx=True, px=self._lock_ttl_ms):
                waited = await self._wait_for_fill(redis_key, lock_key, deadline)
                if waited is _TIMED_OUT:
                    break  # the holder vanished: compute without the lock
                if waited is not _ABANDONED:
                    return waited
        except RedisError as exc:
            self._redis_failed("lock", exc)
            return await self._bypass(key, compute)
        generation = self._generation
        stored = False
        try:
            value = await self._compute(compute)
            # A value computed across an invalidation may predate the change behind it:
            # returned to this caller, never stored; the waiters compute a fresh one.
            if generation == self._generation:
                stored = await self._store(redis_key, value, ttl_seconds, lock_key, token)
        finally:
            if not stored:
                await self._release_quietly(lock_key, token, redis_key)
        return value

    async def _store(
        self, redis_key: str, value: Any, ttl_seconds: int, lock_key: str, token: str
    ) -> bool:
        """Store the value, release the lock and wake the waiters at once; False on failure."""
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(redis_key, json.dumps(value, default=str), ex=ttl_seconds)
                pipe.eval(_RELEASE_AND_NOTIFY, 1, lock_key, token, FILLED_CHANNEL, redis_key)
                await pipe.execute()
        except RedisError as exc:
            self._redis_failed("set", exc)
            return False
        return True

    async def _compute(self, compute: Callable[[], Awaitable[Any]]) -> Any:
        self.stats.computations += 1
        return await compute()

    async def _bypass(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        self.stats.count(key, "bypassed")
        return await self._compute(compute)

    async def _wait_for_fill(self, redis_key: str, lock_key: str, deadline: float) -> Any:
        """The value once the lock holder is done; _ABANDONED when it gave up (or the lock is
        free), _TIMED_OUT when it does not finish by `deadline`."""
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(FILLED_CHANNEL)
            # The holder may have finished between our miss and the subscription.
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(redis_key)
                pipe.exists(lock_key)
                cached, locked = await pipe.execute()
            if cached is not None:
                return json.loads(cached)
            if not locked:
                return _ABANDONED
            # get_message with a timeout (not listen()): an idle wait is not a read timeout.
            while (remaining := deadline - time.monotonic()) > 0:
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=min(remaining, 1.0)
                )
                if message is not None and message["data"] == redis_key.encode():
                    cached = await self._redis.get(redis_key)
                    return _ABANDONED if cached is None else json.loads(cached)
            return _TIMED_OUT
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _release_quietly(self, lock_key: str, token: str, redis_key: str) -> None:
        """Give the lock up without a value: the waiters wake and take it in turn."""
        try:
            await self._redis.eval(
                _RELEASE_AND_NOTIFY, 1, lock_key, token, FILLED_CHANNEL, redis_key
            )
        except RedisError as exc:
            self._redis_failed("unlock", exc)

    async def invalidate(self, *keys: str) -> None:
        """Drop exact keys (or, Redis being down, everything at the next contact)."""
        if not keys:
            return
        self._forget_inflight()
        if self._skip_redis():
            self._stale_possible = True
            return
        try:
            await self._redis.delete(*(PREFIX + key for key in keys))
        except RedisError as exc:
            self._redis_failed("delete", exc)

    async def invalidate_prefix(self, prefix: str) -> int:
        """Drop every key starting with `prefix` (SCAN, never KEYS); how many were dropped."""
        self._forget_inflight()
        if self._skip_redis():
            self._stale_possible = True
            return 0
        try:
            return await self._delete_matching(PREFIX + _glob_escape(prefix) + "*")
        except RedisError as exc:
            self._redis_failed("delete", exc)
            return 0

    async def summary(self) -> L1Summary:
        """This process's hits and misses and the keys in Redis now (0 while it is down)."""
        keys = 0
        if not self._skip_redis():
            try:
                async for _ in self._redis.scan_iter(match=PREFIX + "*", count=1000):
                    keys += 1
            except RedisError as exc:
                self._redis_failed("scan", exc)
                keys = 0
        return L1Summary(hits=self.stats.hits, misses=self.stats.misses, keys=keys)

    def mark_stale(self) -> None:
        """Invalidations may have been missed: drop every key at the next Redis contact."""
        self._forget_inflight()
        self._stale_possible = True

    def _forget_inflight(self) -> None:
        # Callers arriving after an invalidation must not join a computation that began
        # before it; the running ones finish for their own callers without storing.
        self._generation += 1
        self._inflight.clear()

    async def _delete_matching(self, pattern: str) -> int:
        removed = 0
        batch: list[bytes] = []
        async for name in self._redis.scan_iter(match=pattern, count=500):
            batch.append(name)
            if len(batch) >= 500:
                removed += await self._redis.delete(*batch)
                batch.clear()
        if batch:
            removed += await self._redis.delete(*batch)
        return removed

    async def _purge(self) -> None:
        # Lock keys go too: at worst one more computation of a key that was being filled.
        await self._delete_matching(PREFIX + "*")
        self._stale_possible = False
        self.stats.purges += 1
        log.warning("L1 cache: dropped every key after invalidations were missed")

    def _redis_failed(self, operation: str, exc: Exception) -> None:
        self.stats.errors += 1
        self._down_until = time.monotonic() + self._retry_after
        if operation == "delete":
            self._stale_possible = True
        log.warning("L1 cache %s failed, serving from the source: %s", operation, exc)


def _glob_escape(text: str) -> str:
    """`text` matched literally in a SCAN MATCH pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
