"""The stream limiter's Redis layout and script, and the reads and releases control needs.

limiter.lua (next to this module) is the one implementation of acquire and release: the
edge runs it for every new stream, renewal and `DELETE /v/{token}`; control runs its
`release` op to end a user's stream. Control lists a user's streams and reads view counts
from the keys it writes. Every key carries the `{wsoptv:streams}` hash tag, so one Lua script can
touch all of them in a single Redis Cluster slot:

    {wsoptv:streams}:leases         zset  sid -> lease expiry (ms, Redis server time)
    {wsoptv:streams}:user:<sub>     zset  that user's sids -> expiry
    {wsoptv:streams}:queue          zset  sids waiting for a global slot -> enqueue time
    {wsoptv:streams}:ended:<sid>    str   the player ended this stream; it may not restart
    {wsoptv:streams}:lease:<sid>    hash  sub, cid, edge, started, last_seen (ms)
    {wsoptv:streams}:views:<cid>    zset  sids that started on this content -> start time
    {wsoptv:streams}:viewed         zset  cid -> time of its latest started stream
    {wsoptv:streams}:owner:<sid>    str   "<user id>:<content id>" (control's record of a sid)
    {wsoptv:streams}:released       pub/sub channel: "<ack id> <sid>" of each ended stream
    {wsoptv:streams}:released:ack:<ack id>   pub/sub channel: edges that forgot that sid

View sets keep a 7-day window (VIEW_WINDOW_MS).

A release answers only once every edge process that heard it has forgotten the lease: the
script's PUBLISH says how many subscribers received the sid, each edge publishes its
acknowledgement after dropping its local memory of the lease, and `release` waits for as
many (at most RELEASE_ACK_WAIT). An edge that does not acknowledge in time has also gone
that long without an answer to its heartbeats on the released channel, so it no longer
trusts anything it remembers (edge/limiter.py): once `release` returns, no edge process
serves the sid again. Pub/sub channels span a Redis server's databases; so do the counts
and the acknowledgements, which therefore always agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass
from importlib import resources
from typing import Literal, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from shared.events import BUS_CHANNEL_PREFIX

logger = logging.getLogger("wsoptv.streams")

KEY_PREFIX = "{wsoptv:streams}"
VIEW_WINDOW_MS = 7 * 24 * 3600 * 1000
# The longest a release waits for the edges' acknowledgements. edge/limiter.py derives its
# heartbeat from it: an edge stops trusting its memory sooner than this without a heartbeat.
RELEASE_ACK_WAIT = 1.0

LEASES = f"{KEY_PREFIX}:leases"
# Pub/sub channel: sids ended by a player or the control plane. Edge processes drop their
# local memory of the lease at once instead of trusting it until the next renewal.
RELEASED_CHANNEL = f"{KEY_PREFIX}:released"
QUEUE = f"{KEY_PREFIX}:queue"
VIEWED = f"{KEY_PREFIX}:viewed"

LIMITER_SCRIPT = resources.files("shared").joinpath("limiter.lua").read_text()


def user_key(sub: str) -> str:
    return f"{KEY_PREFIX}:user:{sub}"


def ended_key(sid: str) -> str:
    return f"{KEY_PREFIX}:ended:{sid}"


def lease_key(sid: str) -> str:
    return f"{KEY_PREFIX}:lease:{sid}"


def views_key(cid: str) -> str:
    return f"{KEY_PREFIX}:views:{cid}"


def owner_key(sid: str) -> str:
    return f"{KEY_PREFIX}:owner:{sid}"


def ack_channel(ack_id: str) -> str:
    """Where edges acknowledge the release published with `ack_id`."""
    return f"{RELEASED_CHANNEL}:ack:{ack_id}"


def parse_released(data: bytes) -> tuple[str, str]:
    """(ack id, sid) of a message on RELEASED_CHANNEL."""
    ack_id, _, sid = data.decode().partition(" ")
    return ack_id, sid


def script_keys(sub: str, sid: str, cid: str) -> list[str]:
    """The KEYS of limiter.lua, in its order."""
    return [LEASES, user_key(sub), QUEUE, ended_key(sid), views_key(cid), VIEWED, lease_key(sid)]


def script_args(
    op: str,
    sid: str,
    sub: str,
    cid: str,
    *,
    ttl_ms: int,
    global_limit: int = 0,
    per_user_limit: int = 0,
    flag: bool = False,
    queue_size: int = 0,
    queue_entry_ms: int = 0,
    edge: str = "",
    source: str,
    origin: str,
    reason: str = "",
    ack_id: str = "",
) -> list[str | int]:
    """The ARGV of limiter.lua, in its order (see the script's header)."""
    return [
        op,
        sid,
        ttl_ms,
        global_limit,
        per_user_limit,
        1 if flag else 0,
        queue_size,
        queue_entry_ms,
        VIEW_WINDOW_MS,
        cid,
        edge,
        sub,
        BUS_CHANNEL_PREFIX,
        source,
        origin,
        reason,
        RELEASED_CHANNEL,
        ack_id,
    ]


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


async def release(
    redis: Redis,
    sub: str,
    sid: str,
    ended_for_ms: int,
    *,
    reason: Literal["player", "control"] = "control",
    source: str = "stream",
    origin: str = "control",
    cid: str = "",
    proven: bool = False,
    edge: str = "",
) -> bool | None:
    """End a user's stream at once, atomically (limiter.lua's `release` op).

    Whether `sid` is live, only issued (control's owner record) or already idle, its slot is
    free and its token cannot start it afterwards; `stream.ended` is published. Returns once
    every edge process has forgotten the lease (see the module's docstring). `ended_for_ms`
    is how long it stays ended (as long as a token could start it again); `proven` says a
    verified stream token already shows that `sid` is `sub`'s. Returns whether a live lease
    was freed, or None when `sid` is not `sub`'s.
    """
    ack_id = secrets.token_hex(8)
    acks = redis.pubsub()
    try:
        # Subscribed (confirmed) before the release is published, so no acknowledgement is missed.
        await acks.subscribe(ack_channel(ack_id))
        await _subscribed(acks)
        status, was_live, listeners = await redis.register_script(LIMITER_SCRIPT)(
            keys=[*script_keys(sub, sid, cid), owner_key(sid)],
            args=script_args(
                "release",
                sid,
                sub,
                cid,
                ttl_ms=ended_for_ms,
                flag=proven,
                edge=edge,
                source=source,
                origin=origin,
                reason=reason,
                ack_id=ack_id,
            ),
        )
        if int(status) != 1:
            return None
        await _await_acks(acks, int(listeners), sid)
        return bool(int(was_live))
    finally:
        with contextlib.suppress(RedisError, OSError):
            await acks.aclose()  # type: ignore[no-untyped-call]


async def _subscribed(pubsub: PubSub) -> None:
    """Wait for Redis to confirm the subscription (at most RELEASE_ACK_WAIT)."""
    deadline = time.monotonic() + RELEASE_ACK_WAIT
    while (remaining := deadline - time.monotonic()) > 0:
        message = await pubsub.get_message(timeout=remaining)
        if message is not None and message["type"] == "subscribe":
            return
    raise RedisError("Redis did not confirm a subscription")


async def _await_acks(acks: PubSub, expected: int, sid: str) -> None:
    """Wait until `expected` edges acknowledged, or RELEASE_ACK_WAIT has passed."""
    deadline = time.monotonic() + RELEASE_ACK_WAIT
    heard = 0
    try:
        while heard < expected and (remaining := deadline - time.monotonic()) > 0:
            message = await acks.get_message(ignore_subscribe_messages=True, timeout=remaining)
            if message is not None and message["type"] == "message":
                heard += 1
    except (RedisError, OSError):
        # The slot is already free; what must hold is the wait: an edge that has not
        # acknowledged stops trusting its memory within RELEASE_ACK_WAIT.
        if (remaining := deadline - time.monotonic()) > 0:
            await asyncio.sleep(remaining)
    if heard < expected:
        logger.warning(
            "release of %s: %d of %d edge processes acknowledged within %.1f s",
            sid,
            heard,
            expected,
            RELEASE_ACK_WAIT,
        )


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
