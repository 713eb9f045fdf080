"""The limiter's Redis layout read back the way the control plane reads it.

Leases are made by the edge's own limiter (limiter.lua through StreamLimiter) against real
Redis, then listed, counted and released with shared.streams.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from redis.asyncio import Redis

from edge.errors import StreamEnded, UserLimit
from edge.limiter import EDGE_ID, LimiterPolicy, StreamLimiter
from edge.metrics import EdgeMetrics
from shared import streams
from shared.token import StreamClaims

POLICY = LimiterPolicy(
    global_limit=10,
    per_user_limit=2,
    idle_ttl=60,
    queue_size=0,
    queue_wait=0,
    failure_policy="closed",
    fallback_limit=1,
)


def claims(sub: str, sid: str, cid: str = "7") -> StreamClaims:
    return StreamClaims(sub=sub, cid=cid, sid=sid, p="a.mp4", iat=0, exp=2**31)


@pytest.fixture
def limiter(redis: Redis) -> StreamLimiter:
    return StreamLimiter(redis, POLICY, EdgeMetrics())


async def test_user_leases_describe_each_stream(redis: Redis, limiter: StreamLimiter) -> None:
    before = await streams.server_time_ms(redis)
    await limiter.admit(claims("u1", "s1", cid="7"), token_expired=False)
    await limiter.admit(claims("u1", "s2", cid="8"), token_expired=False)
    await limiter.admit(claims("u2", "s3"), token_expired=False)
    leases = await streams.user_leases(redis, "u1")
    assert [(lease.sid, lease.content_id, lease.user_id) for lease in leases] == [
        ("s1", "7", "u1"),
        ("s2", "8", "u1"),
    ]
    assert all(lease.edge == EDGE_ID for lease in leases)
    assert all(
        before <= lease.started_ms <= lease.last_seen_ms < lease.expires_ms for lease in leases
    )
    assert {lease.sid for lease in await streams.active_leases(redis)} == {"s1", "s2", "s3"}


async def test_release_frees_the_slot_and_ends_the_stream(
    redis: Redis, limiter: StreamLimiter
) -> None:
    await limiter.admit(claims("u1", "s1"), token_expired=False)
    await limiter.admit(claims("u1", "s2"), token_expired=False)
    with pytest.raises(UserLimit):
        await limiter.admit(claims("u1", "s3"), token_expired=False)
    assert await streams.release(redis, "u1", "s1", ended_for_ms=60_000)
    # Another edge process (no local memory of s1) admits the waiting stream now...
    other = StreamLimiter(redis, POLICY, EdgeMetrics())
    await other.admit(claims("u1", "s3"), token_expired=False)
    # ...and the ended stream cannot come back with its old token.
    with pytest.raises(StreamEnded):
        await other.admit(claims("u1", "s1"), token_expired=False)
    assert [lease.sid for lease in await streams.user_leases(redis, "u1")] == ["s2", "s3"]


async def test_release_refuses_other_users_and_unknown_sids(
    redis: Redis, limiter: StreamLimiter
) -> None:
    await limiter.admit(claims("u1", "s1"), token_expired=False)
    assert not await streams.release(redis, "u2", "s1", ended_for_ms=60_000)
    assert not await streams.release(redis, "u1", "nope", ended_for_ms=60_000)
    assert [lease.sid for lease in await streams.user_leases(redis, "u1")] == ["s1"]


async def test_views_count_started_streams_per_content(
    redis: Redis, limiter: StreamLimiter
) -> None:
    start = await streams.server_time_ms(redis)
    for sub, sid, cid in [("a", "1", "7"), ("b", "2", "7"), ("c", "3", "9"), ("a", "1", "7")]:
        await limiter.admit(claims(sub, sid, cid), token_expired=False)
    assert await streams.views_since(redis, start) == [("7", 2), ("9", 1)]
    assert await streams.views_since(redis, start, limit=1) == [("7", 2)]
    assert await streams.views_since(redis, await streams.server_time_ms(redis) + 1) == []


async def test_an_edge_forgets_a_released_lease_at_once(
    redis: Redis, limiter: StreamLimiter
) -> None:
    """The process serving a stream trusts its memory of the lease; a release must reach it."""
    limiter.start()
    try:
        await asyncio.wait_for(limiter.hears_releases.wait(), 10)
        await limiter.admit(claims("u1", "s1"), token_expired=False)
        # Remembered: a second read costs no Redis call and would pass for 40 s more.
        await limiter.admit(claims("u1", "s1"), token_expired=False)
        assert await streams.release(redis, "u1", "s1", ended_for_ms=60_000)
        for _ in range(500):
            try:
                await limiter.admit(claims("u1", "s1"), token_expired=False)
            except StreamEnded:
                break
            await asyncio.sleep(0.01)  # the release travels over pub/sub: nothing to await
        else:
            pytest.fail("the edge kept serving a released stream")
    finally:
        await limiter.stop()


async def test_release_of_an_issued_sid_without_a_lease_ends_it_for_the_edge(
    redis: Redis, limiter: StreamLimiter
) -> None:
    """Control ends a sid the player has not started yet: the edge can never start it."""
    await redis.set(streams.owner_key("s1"), "u1:7")
    assert await streams.release(redis, "u1", "s1", ended_for_ms=60_000) is False
    with pytest.raises(StreamEnded):
        await limiter.admit(claims("u1", "s1"), token_expired=False)
    assert await streams.user_leases(redis, "u1") == []
    assert await redis.exists(streams.owner_key("s1")) == 0
    # Spent: a second release finds nothing of the user's to end.
    assert await streams.release(redis, "u1", "s1", ended_for_ms=60_000) is None


async def test_release_refuses_another_users_issued_sid(
    redis: Redis, limiter: StreamLimiter
) -> None:
    await redis.set(streams.owner_key("s1"), "u1:7")
    assert await streams.release(redis, "u2", "s1", ended_for_ms=60_000) is None
    assert await redis.get(streams.owner_key("s1")) == b"u1:7"
    await limiter.admit(claims("u1", "s1"), token_expired=False)  # still startable by u1


async def test_release_and_a_starting_edge_never_leave_a_slot_taken(
    redis: Redis, limiter: StreamLimiter
) -> None:
    """Whatever the interleaving, an ended sid holds no slot and cannot (re)start."""
    for i in range(100):
        sid = f"race-{i}"
        await redis.set(streams.owner_key(sid), "u1:7")

        async def start(sid: str = sid) -> None:
            with contextlib.suppress(StreamEnded):
                await limiter.admit(claims("u1", sid), token_expired=False)

        outcome = await asyncio.gather(
            start(), streams.release(redis, "u1", sid, ended_for_ms=60_000)
        )
        assert outcome[1] is not None
        assert await redis.zscore(streams.user_key("u1"), sid) is None, sid
        assert await redis.zscore(streams.LEASES, sid) is None, sid
        # Any edge (one without a memory of the lease, too) refuses to start it again.
        with pytest.raises(StreamEnded):
            await StreamLimiter(redis, POLICY, EdgeMetrics()).admit(
                claims("u1", sid), token_expired=False
            )
