"""Reports SSD reads and per-tier bytes to Redis every few seconds (shared/hot_reads.py).

The hot path only adds a path to a set (`EdgeMetrics.ssd_reads`) and increments the
per-tier byte counters it already keeps; this lifespan task turns them into one pipelined
round trip per interval: ZADD of the paths read (with the flush time) and HINCRBY of the
bytes sent since the last successful flush. A failed flush keeps what it had for the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from edge.metrics import EdgeMetrics
from shared.hot_reads import READS, TIER_BYTES, TIERS

log = logging.getLogger("wsoptv.edge.hot_reads")


class HotReadReporter:
    def __init__(self, redis: Redis, metrics: EdgeMetrics) -> None:
        self._redis, self._metrics = redis, metrics
        self._reported = dict.fromkeys(TIERS, 0)
        self._failing = False

    async def flush(self) -> None:
        """Write what was read and sent since the last flush (one round trip)."""
        metrics = self._metrics
        reads, metrics.ssd_reads = metrics.ssd_reads, set()
        sent = {tier: metrics.bytes_sent[tier] for tier in TIERS}
        deltas = {tier: sent[tier] - self._reported[tier] for tier in TIERS}
        if not reads and not any(deltas.values()):
            return
        pipe = self._redis.pipeline(transaction=False)
        if reads:
            now_ms = int(time.time() * 1000)
            pipe.zadd(READS, dict.fromkeys(reads, now_ms))
        for tier, delta in deltas.items():
            if delta:
                pipe.hincrby(TIER_BYTES, tier, delta)
        try:
            await pipe.execute()
        except (RedisError, OSError) as exc:
            metrics.ssd_reads |= reads  # tell them next time
            if not self._failing:
                log.warning("hot-cache read report failed: %r", exc)
            self._failing = True
            return
        self._failing = False
        self._reported = sent

    async def run(self, every: float) -> None:
        """flush() every `every` seconds until cancelled (a final flush on the way out)."""
        try:
            while True:
                await asyncio.sleep(every)
                await self.flush()
        finally:
            # Best effort: a stopping edge reports its last reads.
            with contextlib.suppress(RedisError, OSError, asyncio.CancelledError):
                await asyncio.shield(self.flush())
