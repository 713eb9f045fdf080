"""The Redis stream limiter (SPEC §3): one lease per stream `sid`, renewed while it is read.

Redis holds the truth (shared/limiter.lua, atomic, Redis server time; it also publishes the
`stream.started` and `stream.ended` bus events as it starts and releases leases). Each
process remembers the leases it holds so that a player's many Range requests cost no Redis
round trip: a known lease is trusted for two thirds of its TTL, and a background task
renews, once every TTL/3, the leases that were read since the last renewal; leases nobody
reads are forgotten and expire in Redis on their own. When Redis is unreachable the process
admits streams under a local fallback limit (policy `open`) or refuses new ones (`closed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from edge.errors import Capacity, LeaseGone, LimiterUnavailable, StreamEnded, UserLimit
from edge.metrics import EdgeMetrics
from shared.streams import (
    LIMITER_SCRIPT,
    RELEASED_CHANNEL,
    owner_key,
    script_args,
    script_keys,
)
from shared.token import StreamClaims

logger = logging.getLogger("wsoptv.edge.limiter")

# While Redis is failing, try it again at most this often (requests do not each pay a timeout).
REDIS_RETRY_SECONDS = 1.0
QUEUE_POLL_SECONDS = 0.1
# Names this process in the lease descriptions the control plane lists.
EDGE_ID = f"{socket.gethostname()}:{os.getpid()}"
# The bus events this process publishes (through the script) come from here.
EVENT_SOURCE = "edge"
EVENT_ORIGIN = f"edge:{EDGE_ID}"


@dataclass(slots=True)
class LocalLease:
    """A lease this process holds: who it is for, when Redis last confirmed it, who reads it."""

    sid: str
    sub: str
    cid: str
    confirmed_at: float
    read_since_renewal: bool = True
    inflight: int = 0
    registered: bool = True  # False: admitted by the fallback while Redis was unreachable


@dataclass(frozen=True, slots=True)
class LimiterPolicy:
    global_limit: int
    per_user_limit: int
    idle_ttl: float
    queue_size: int
    queue_wait: float
    failure_policy: Literal["open", "closed"]
    fallback_limit: int


class StreamLimiter:
    """Admits streams (by sid) against the per-user and global limits."""

    def __init__(self, redis: Redis, policy: LimiterPolicy, metrics: EdgeMetrics) -> None:
        self._redis = redis
        self._policy = policy
        self._metrics = metrics
        self._script = redis.register_script(LIMITER_SCRIPT)
        self._leases: dict[str, LocalLease] = {}
        self._trust_seconds = policy.idle_ttl * 2 / 3
        self._renew_every = policy.idle_ttl / 3
        self._redis_failed_at: float | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._release_listener: asyncio.Task[None] | None = None
        # Set while subscribed to releases (tests await it; /healthz could report it).
        self.hears_releases = asyncio.Event()
        metrics.active_leases = lambda: len(self._leases)
        metrics.redis_up = lambda: self.redis_up

    async def ping(self) -> bool:
        """Whether Redis answers now (for /healthz)."""
        return bool(await self._redis.ping())

    @property
    def redis_up(self) -> bool:
        return self._redis_failed_at is None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._renewer = loop.create_task(self._renew_forever())
        self._release_listener = loop.create_task(self._listen_for_releases())

    async def stop(self) -> None:
        for task in (self._renewer, self._release_listener):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _listen_for_releases(self) -> None:
        """Forget a lease as soon as its stream is ended anywhere (another worker, control).

        Without this a process would keep trusting its memory of the lease for up to two
        thirds of the idle TTL. A message missed while Redis is away costs only that delay.
        """
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(RELEASED_CHANNEL)
                self.hears_releases.set()
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        self._leases.pop(message["data"].decode(), None)
            except RedisError as exc:
                logger.debug("release listener lost Redis: %s", exc)
            finally:
                self.hears_releases.clear()
                with contextlib.suppress(RedisError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(REDIS_RETRY_SECONDS)

    async def admit(self, claims: StreamClaims, *, token_expired: bool) -> LocalLease:
        """The stream's lease, acquired or renewed; raises the contract's 410/429/503 errors."""
        lease = self._leases.get(claims.sid)
        if lease is not None and time.monotonic() - lease.confirmed_at < self._trust_seconds:
            lease.read_since_renewal = True
            return lease
        if self._redis_failed_at is not None and (
            time.monotonic() - self._redis_failed_at < REDIS_RETRY_SECONDS
        ):
            return self._admit_without_redis(claims, token_expired, lease)
        try:
            return await self._admit_with_redis(claims, token_expired)
        except RedisError as exc:
            self._redis_failed(exc)
            return self._admit_without_redis(claims, token_expired, self._leases.get(claims.sid))

    async def release(self, claims: StreamClaims, token_lifetime: float) -> None:
        """End the stream at once (DELETE /v/{token}); the token cannot restart it.

        Only Redis can end a stream for every process: while it is unreachable this raises
        LimiterUnavailable (503, the player retries) and the stream is left as it was.
        """
        if self._redis_failed_at is not None and (
            time.monotonic() - self._redis_failed_at < REDIS_RETRY_SECONDS
        ):
            raise self._unavailable()
        marker_ms = int(max(self._policy.idle_ttl * 2, token_lifetime) * 1000)
        try:
            # One atomic step frees the slot, ends the sid, tells every edge (released
            # channel) and publishes stream.ended.
            await self._script(
                keys=[*script_keys(claims.sub, claims.sid, claims.cid), owner_key(claims.sid)],
                args=script_args(
                    "release",
                    claims.sid,
                    claims.sub,
                    claims.cid,
                    ttl_ms=marker_ms,
                    flag=True,  # the signed token proves the sid is the sub's
                    edge=EDGE_ID,
                    source=EVENT_SOURCE,
                    origin=EVENT_ORIGIN,
                    reason="player",
                ),
            )
        except RedisError as exc:
            self._redis_failed(exc)
            raise self._unavailable() from None
        self._redis_ok()
        self._leases.pop(claims.sid, None)

    def _unavailable(self) -> LimiterUnavailable:
        return LimiterUnavailable(
            "the stream limiter is unavailable; try again shortly",
            details={"retry_after": math.ceil(REDIS_RETRY_SECONDS)},
        )

    async def _admit_with_redis(self, claims: StreamClaims, token_expired: bool) -> LocalLease:
        deadline: float | None = None
        while True:
            status, count, extra = await self._call(
                "acquire", claims, allow_new=not token_expired, queue_size=self._policy.queue_size
            )
            if status in (1, 2):
                self._redis_ok()
                return self._remember(claims, registered=True)
            if status == 0:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self._policy.queue_wait
                    self._metrics.queue_waits += 1
                if now >= deadline:
                    await self._call("dequeue", claims)
                    raise self._capacity(count)
                await asyncio.sleep(min(QUEUE_POLL_SECONDS, deadline - now))
                continue
            self._leases.pop(claims.sid, None)
            if status == -1:
                self._metrics.limiter_rejections["user_limit"] += 1
                sessions = sorted(s.decode() if isinstance(s, bytes) else str(s) for s in extra)
                raise UserLimit(
                    "this account already has the maximum number of streams",
                    details={
                        "current": count,
                        "limit": self._policy.per_user_limit,
                        "sessions": sessions,
                    },
                )
            if status == -2:
                raise self._capacity(count)
            if status == -4:
                self._metrics.limiter_rejections["ended"] += 1
                raise StreamEnded("this stream was ended by its player")
            self._metrics.limiter_rejections["lease_gone"] += 1
            raise LeaseGone("the token has expired and its stream is no longer active")

    def _capacity(self, count: int) -> Capacity:
        self._metrics.limiter_rejections["capacity"] += 1
        retry_after = max(1, math.ceil(self._policy.queue_wait))
        error = Capacity(
            "all streaming slots are busy; try again shortly",
            details={
                "current": count,
                "limit": self._policy.global_limit,
                "retry_after": retry_after,
            },
        )
        return error

    def _admit_without_redis(
        self, claims: StreamClaims, token_expired: bool, lease: LocalLease | None
    ) -> LocalLease:
        if lease is not None:
            lease.read_since_renewal = True
            return lease
        if token_expired:
            self._metrics.limiter_rejections["lease_gone"] += 1
            raise LeaseGone("the token has expired and its stream is no longer active")
        if self._policy.failure_policy == "closed":
            self._metrics.limiter_rejections["limiter_down"] += 1
            raise Capacity(
                "the stream limiter is unavailable; try again shortly",
                details={"retry_after": 1, "limiter": "unavailable"},
            )
        mine = sum(1 for held in self._leases.values() if held.sub == claims.sub)
        if mine >= self._policy.per_user_limit:
            self._metrics.limiter_rejections["user_limit"] += 1
            raise UserLimit(
                "this account already has the maximum number of streams",
                details={
                    "current": mine,
                    "limit": self._policy.per_user_limit,
                    "sessions": sorted(h.sid for h in self._leases.values() if h.sub == claims.sub),
                },
            )
        if len(self._leases) >= self._policy.fallback_limit:
            raise self._capacity(len(self._leases))
        self._metrics.fallback_admissions += 1
        return self._remember(claims, registered=False)

    def _remember(self, claims: StreamClaims, *, registered: bool) -> LocalLease:
        lease = self._leases.get(claims.sid)
        now = time.monotonic()
        if lease is None:
            lease = LocalLease(claims.sid, claims.sub, claims.cid, now, registered=registered)
            self._leases[claims.sid] = lease
        else:
            lease.confirmed_at = now
            lease.registered = lease.registered or registered
        lease.read_since_renewal = True
        return lease

    async def _call(
        self,
        op: str,
        claims: StreamClaims,
        *,
        allow_new: bool = False,
        queue_size: int = 0,
    ) -> tuple[int, int, Any]:
        policy = self._policy
        result = await self._script(
            keys=script_keys(claims.sub, claims.sid, claims.cid),
            args=script_args(
                op,
                claims.sid,
                claims.sub,
                claims.cid,
                ttl_ms=int(policy.idle_ttl * 1000),
                global_limit=policy.global_limit,
                per_user_limit=policy.per_user_limit,
                flag=allow_new,
                queue_size=queue_size,
                queue_entry_ms=int((policy.queue_wait + 5) * 1000),
                edge=EDGE_ID,
                source=EVENT_SOURCE,
                origin=EVENT_ORIGIN,
            ),
        )
        status, count, extra = result
        return int(status), int(count), extra

    def _redis_failed(self, exc: Exception) -> None:
        if self._redis_failed_at is None:
            logger.warning(
                "Redis unreachable (%s): fallback policy %r", exc, self._policy.failure_policy
            )
        self._redis_failed_at = time.monotonic()

    def _redis_ok(self) -> None:
        if self._redis_failed_at is not None:
            logger.warning("Redis reachable again: leases are counted in Redis")
        self._redis_failed_at = None

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self._renew_every)
            try:
                await self.renew_once()
            except RedisError as exc:
                self._redis_failed(exc)
            except Exception:  # the renewer must outlive any single bad round
                logger.exception("lease renewal failed")

    async def renew_once(self) -> None:
        """Renew every lease read since the last round; forget the idle ones."""
        now = time.monotonic()
        due: list[LocalLease] = []
        for lease in list(self._leases.values()):
            if lease.read_since_renewal or lease.inflight:
                lease.read_since_renewal = False
                due.append(lease)
            elif now - lease.confirmed_at >= self._policy.idle_ttl:
                del self._leases[lease.sid]
        for lease in due:
            claims = StreamClaims(lease.sub, lease.cid, lease.sid, "", 0, 0)
            # Renewal may re-register a lease Redis lost (restart): it goes through the limits
            # like any new stream, without waiting, so recovery never over-admits.
            status, _, _ = await self._call("acquire", claims, allow_new=True, queue_size=0)
            self._redis_ok()
            if status in (1, 2):
                lease.confirmed_at = time.monotonic()
                lease.registered = True
            else:
                self._leases.pop(lease.sid, None)
