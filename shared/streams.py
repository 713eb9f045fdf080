"""The stream limiter's Redis layout, and the reads and releases the control plane needs.

The edge's limiter.lua writes it; control lists and ends a user's streams and reads view
counts from it. Every key carries the `{wsoptv:streams}` hash tag, so one Lua script can
touch all of them in a single Redis Cluster slot:

    {wsoptv:streams}:leases         zset  sid -> lease expiry (ms, Redis server time)
    {wsoptv:streams}:user:<sub>     zset  that user's sids -> expiry
    {wsoptv:streams}:queue          zset  sids waiting for a global slot -> enqueue time
    {wsoptv:streams}:ended:<sid>    str   the player ended this stream; it may not restart
    {wsoptv:streams}:lease:<sid>    hash  sub, cid, edge, started, last_seen (ms)
    {wsoptv:streams}:views:<cid>    zset  sids that started on this content -> start time
    {wsoptv:streams}:viewed         zset  cid -> time of its latest started stream
    {wsoptv:streams}:released       pub/sub channel: sids just ended (edges forget them)

View sets keep a 7-day window (VIEW_WINDOW_MS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

KEY_PREFIX = "{wsoptv:streams}"
VIEW_WINDOW_MS = 7 * 24 * 3600 * 1000

LEASES = f"{KEY_PREFIX}:leases"
# Pub/sub channel: sids ended by a player or the control plane. Edge processes drop their
# local memory of the lease at once instead of trusting it until the next renewal.
RELEASED_CHANNEL = f"{KEY_PREFIX}:released"
QUEUE = f"{KEY_PREFIX}:queue"
VIEWED = f"{KEY_PREFIX}:viewed"


def user_key(sub: str) -> str:
    return f"{KEY_PREFIX}:user:{sub}"


def ended_key(sid: str) -> str:
    return f"{KEY_PREFIX}:ended:{sid}"


def lease_key(sid: str) -> str:
    return f"{KEY_PREFIX}:lease:{sid}"


def views_key(cid: str) -> str:
    return f"{KEY_PREFIX}:views:{cid}"


def script_keys(sub: str, sid: str, cid: str) -> list[str]:
    """The KEYS of limiter.lua, in its order."""
    return [LEASES, user_key(sub), QUEUE, ended_key(sid), views_key(cid), VIEWED, lease_key(sid)]


@dataclass(frozen=True, slots=True)
class Lease:
    """A live stream as the limiter sees it (times in ms of Redis server time)."""

    sid: str
    user_id: str
    content_id: str
    edge: str
    started_ms: int
    last_seen_ms: int
    expires_ms: int


async def server_time_ms(redis: Redis) -> int:
    """Redis server time: the clock every lease is scored by."""
    seconds, micros = await redis.time()
    return int(seconds) * 1000 + int(micros) // 1000


async def _describe(redis: Redis, scored: list[tuple[bytes, float]]) -> list[Lease]:
    async with redis.pipeline(transaction=False) as pipe:
        for sid, _ in scored:
            pipe.hgetall(lease_key(sid.decode()))
        descriptions = await pipe.execute()
    leases = []
    for (sid, expires), info in zip(scored, descriptions, strict=True):
        if not info:  # released or expired between the two reads
            continue
        leases.append(
            Lease(
                sid=sid.decode(),
                user_id=info[b"sub"].decode(),
                content_id=info[b"cid"].decode(),
                edge=info.get(b"edge", b"").decode(),
                started_ms=int(info.get(b"started", 0)),
                last_seen_ms=int(info.get(b"last_seen", 0)),
                expires_ms=int(expires),
            )
        )
    return leases


async def user_leases(redis: Redis, sub: str) -> list[Lease]:
    """The user's live streams, oldest first."""
    now = await server_time_ms(redis)
    scored = await redis.zrangebyscore(user_key(sub), f"({now}", "+inf", withscores=True)
    leases = await _describe(redis, cast(list[tuple[bytes, float]], scored))
    return sorted(leases, key=lambda lease: lease.started_ms)


async def active_leases(redis: Redis) -> list[Lease]:
    """Every live stream."""
    now = await server_time_ms(redis)
    scored = await redis.zrangebyscore(LEASES, f"({now}", "+inf", withscores=True)
    return await _describe(redis, cast(list[tuple[bytes, float]], scored))


async def release(redis: Redis, sub: str, sid: str, ended_for_ms: int) -> bool:
    """End a user's stream at once: its slot is free and its token cannot restart it.

    `ended_for_ms` is how long the stream stays ended: as long as its token could start it
    again (token lifetime plus leeway). Returns False when `sid` was not a live stream of `sub`.
    """
    now = await server_time_ms(redis)
    score = await redis.zscore(user_key(sub), sid)
    if score is None or score <= now:
        return False
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zrem(LEASES, sid)
        pipe.zrem(user_key(sub), sid)
        pipe.zrem(QUEUE, sid)
        pipe.set(ended_key(sid), "1", px=ended_for_ms)
        pipe.delete(lease_key(sid))
        pipe.publish(RELEASED_CHANNEL, sid)
        await pipe.execute()
    return True


async def views_since(
    redis: Redis, since_ms: int, limit: int | None = None
) -> list[tuple[str, int]]:
    """(content id, started streams since `since_ms`), most viewed first; at most `limit`."""
    members = cast(list[bytes], await redis.zrangebyscore(VIEWED, since_ms, "+inf"))
    cids = [cid.decode() for cid in members]
    async with redis.pipeline(transaction=False) as pipe:
        for cid in cids:
            pipe.zcount(views_key(cid), since_ms, "+inf")
        counts = await pipe.execute()
    ranked = sorted(
        ((cid, int(count)) for cid, count in zip(cids, counts, strict=True) if count),
        key=lambda item: (-item[1], item[0]),
    )
    return ranked if limit is None else ranked[:limit]
