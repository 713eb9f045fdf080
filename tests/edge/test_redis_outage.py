"""A Redis outage longer than the idle TTL does not cut streams that played through it.

Real edge processes and a Redis of the test's own, paused with `CLIENT PAUSE ... ALL` for
longer than the lease TTL: every lease lapses in Redis while the streams keep playing from
the edges' memory, and streams the fallback admits meanwhile compete for the same slots
once Redis is back. The streams that played through must keep playing (one of them on a
token that expires during the outage), and Redis never counts more than the limits.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from redis.asyncio import Redis

from deploy.embedded import EmbeddedRedis
from deploy.infra import Endpoints
from shared import streams
from tests.edge.conftest import Edge, run_edges
from tests.edge.test_limiter import DATA, FILE, play

TTL = 3
PAUSE_SECONDS = 5  # longer than the TTL: every lease lapses in Redis
PER_USER, GLOBAL = 2, 4


class Player:
    """Reads a stream every 200 ms from the given edges in turn, recording each status."""

    def __init__(self, edges: list[Edge], token: str) -> None:
        self.edges = edges
        self.token = token
        self.statuses: list[int] = []
        self.started = asyncio.Event()
        self.task = asyncio.ensure_future(self._play())

    async def _play(self) -> None:
        turn = 0
        while True:
            edge = self.edges[turn % len(self.edges)]
            self.statuses.append(await play(edge, self.token, (turn * 1000) % len(DATA)))
            self.started.set()
            turn += 1
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def live_counts(redis: Redis, user: str) -> tuple[int, int]:
    """(live leases of `user`, all live leases) as Redis counts them now."""
    now = await streams.server_time_ms(redis)
    mine = await redis.zcount(streams.user_key(user), f"({now}", "+inf")
    total = await redis.zcount(streams.LEASES, f"({now}", "+inf")
    return int(mine), int(total)


async def test_streams_that_played_through_an_outage_keep_playing(
    tmp_path: Path, own_redis: EmbeddedRedis
) -> None:
    limits = {
        "STREAM_IDLE_TTL": str(TTL),
        "STREAM_LIMIT_PER_USER": str(PER_USER),
        "STREAM_LIMIT_GLOBAL": str(GLOBAL),
        "STREAM_QUEUE_SIZE": "0",
        "REDIS_FAILURE_POLICY": "open",
        "STREAM_FALLBACK_LIMIT": "10",
    }
    infra = Endpoints("postgresql://unused/none", own_redis.url)
    redis = Redis.from_url(own_redis.url)
    with run_edges(tmp_path, infra, 3, env=limits) as group:
        a, b, c = group
        a.write(FILE, DATA)
        # alice's first stream plays on a token that expires during the outage (its `exp`
        # passes the 30 s leeway 3 s from now); her second moves between two edges.
        expiring = a.token(FILE, sub="alice", sid="alice-1", ttl=600, issued=time.time() - 627)
        players = [
            Player([a], expiring),
            Player([b, c], a.token(FILE, sub="alice", sid="alice-2")),
            Player([c], a.token(FILE, sub="bob", sid="bob-1")),
        ]
        try:
            await asyncio.wait_for(
                asyncio.gather(*(player.started.wait() for player in players)), 10
            )
            assert await live_counts(redis, "alice") == (2, 3)
            await redis.client_pause(PAUSE_SECONDS * 1000, all=True)
            paused_at = time.monotonic()
            # New streams during the outage: the fallback admits them on each edge's own
            # count. alice's third would be over her limit once Redis counts again.
            assert await play(c, a.token(FILE, sub="alice", sid="alice-3")) == 206
            assert await play(a, a.token(FILE, sub="carol", sid="carol-1")) == 206
            over_limit = []
            while time.monotonic() - paused_at < PAUSE_SECONDS + 2 * TTL:
                mine, total = await live_counts(redis, "alice")  # waits out the pause
                if mine > PER_USER or total > GLOBAL:
                    over_limit.append((mine, total))
                await asyncio.sleep(0.05)
            assert over_limit == []  # no over-admission, ever
            # alice's two established streams hold her slots; her fallback stream lost.
            leases = {lease.sid for lease in await streams.user_leases(redis, "alice")}
            assert leases == {"alice-1", "alice-2"}
            assert await play(c, a.token(FILE, sub="alice", sid="alice-3")) == 429
        finally:
            for player in players:
                await player.stop()
        for player in players:
            assert set(player.statuses) == {206}, player.statuses
    await redis.aclose()
