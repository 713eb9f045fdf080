"""Which worker processes are alive: a heartbeat each, in one Redis sorted set.

Control's /api/health reports the dependency "worker" as `up` while some worker was seen
within WORKER_SEEN_WITHIN seconds, `down` otherwise (scans and thumbnails would not run).
"""

from __future__ import annotations

from redis.asyncio import Redis

from control.blocks.worker.queues import WORKERS

FORGET_AFTER_MS = 24 * 3600 * 1000

# Record a heartbeat in Redis time, and forget workers silent for a day.
_BEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return now
"""

# How many workers beat within ARGV[1] ms (Redis time).
_ALIVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
"""


class WorkerDown(Exception):
    """No worker process has been seen lately."""


class WorkerPresence:
    def __init__(self, redis: Redis, seen_within: float) -> None:
        self._redis = redis
        self._seen_within_ms = int(seen_within * 1000)
        self._beat = redis.register_script(_BEAT)
        self._alive = redis.register_script(_ALIVE)

    async def beat(self, worker: str) -> None:
        await self._beat(keys=[WORKERS], args=[worker, FORGET_AFTER_MS])

    async def leave(self, worker: str) -> None:
        await self._redis.zrem(WORKERS, worker)

    async def alive(self) -> int:
        return int(await self._alive(keys=[WORKERS], args=[self._seen_within_ms]))

    async def probe(self) -> None:
        """Raises WorkerDown when no worker was seen within the window."""
        if await self.alive() == 0:
            raise WorkerDown("no worker process has been seen lately")
