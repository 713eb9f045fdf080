"""The Redis stream limiter (SPEC §3): one lease per stream `sid`, renewed while it is read.

Redis holds the truth (shared/limiter.lua, atomic, Redis server time; it also publishes the
`stream.started` and `stream.ended` bus events). Each process remembers the leases it
holds, so that a player's many Range requests cost no Redis round trip.

- Trust. A remembered lease is trusted for two thirds of its TTL after Redis confirmed it,
  and only while this process provably hears of releases: on its subscription to the
  released channel, a heartbeat PING sent less than HEARTBEAT_TRUST ago was answered. A
  background task renews, once every TTL/3, the leases read since the last round; leases
  nobody read for a TTL are forgotten (and expire in Redis on their own).
- Releases. A release (`DELETE /v/{token}` here, or control's) publishes the sid; every
  edge process forgets the lease and acknowledges, and the release answers once all have,
  or after RELEASE_ACK_WAIT (shared/streams.py). A process that had not acknowledged by then
  has had no heartbeat answered for longer than HEARTBEAT_TRUST (on its connection the
  release comes before any later PONG), so it trusts nothing it remembers and asks Redis,
  which answers 410: once a release has answered, no edge process serves that sid again.
- Outages. While Redis is unreachable the process keeps serving the streams it holds and
  admits new ones under a local fallback limit (policy `open`) or refuses them (`closed`),
  without waiting on Redis: the listener probes it. When Redis answers again, the process
  first re-registers the streams it was serving before the outage, then, RECOVERY_GRACE
  later (time for every other process to do the same), those the fallback admitted, and
  only then admits new streams. Re-registration goes through the limits like any new
  stream: nothing is ever over-admitted in Redis.
- Expired tokens. A token whose `exp` has passed serves its own sid while the lease lives.
  For this process a lease lives while its stream is read (last read less than a TTL ago),
  whether Redis confirmed it lately or an outage kept Redis from hearing of it: the read
  path and the renewer both re-register such a lease, and neither starts a sid this
  process does not hold for an expired token.
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
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from edge.errors import Capacity, LeaseGone, LimiterUnavailable, StreamEnded, UserLimit
from edge.metrics import EdgeMetrics
from shared import streams
from shared.streams import LIMITER_SCRIPT, RELEASE_ACK_WAIT, RELEASED_CHANNEL, script_args
from shared.token import StreamClaims

logger = logging.getLogger("wsoptv.edge.limiter")

# While Redis is unreachable the listener tries it again this often.
REDIS_RETRY_SECONDS = 1.0
QUEUE_POLL_SECONDS = 0.1
# Heartbeats on the released channel. HEARTBEAT_TRUST must not exceed RELEASE_ACK_WAIT (see
# the module's docstring); a heartbeat unanswered for HEARTBEAT_TIMEOUT means Redis is gone.
HEARTBEAT_EVERY = RELEASE_ACK_WAIT / 4
HEARTBEAT_TRUST = RELEASE_ACK_WAIT * 3 / 4
HEARTBEAT_TIMEOUT = RELEASE_ACK_WAIT
# After an outage, how long fallback-admitted and new streams wait for the streams that
# played through it to be re-registered first, on every process: each notices Redis is back
# within REDIS_RETRY_SECONDS (its listener retries that often), with room for a busy loop.
RECOVERY_GRACE = 3 * REDIS_RETRY_SECONDS
# Script calls in flight at once: a burst of new streams queues here, not in Redis.
REDIS_CONCURRENCY = 32
# Leases renewed (or re-registered after an outage) per pipelined round trip.
CONFIRM_BATCH = 256
# Names this process in the lease descriptions the control plane lists.
EDGE_ID = f"{socket.gethostname()}:{os.getpid()}"
# The bus events this process publishes (through the script) come from here.
EVENT_SOURCE = "edge"
EVENT_ORIGIN = f"edge:{EDGE_ID}"
_NEVER = -math.inf


@dataclass(slots=True)
class LocalLease:
    """A lease this process holds: who it is for, when Redis confirmed it, who reads it."""

    sid: str
    sub: str
    cid: str
    confirmed_at: float  # monotonic; -inf: not since it was admitted or last suspected
    last_read: float
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
        self._round_at = time.monotonic()
        # Redis unreachable since (None: reachable); a recovery re-registers after it.
        self._failed_at: float | None = None
        self._recovery: asyncio.Task[None] | None = None
        # When the newest answered heartbeat on the released channel was sent.
        self._heard_at = _NEVER
        # Releases heard lately: sid -> (ordinal of the release, when), for admissions that
        # were in flight while it arrived.
        self._releases_heard = 0
        self._released: dict[str, tuple[int, float]] = {}
        self._redis_slots = asyncio.Semaphore(REDIS_CONCURRENCY)
        self._tasks: list[asyncio.Task[None]] = []
        # Set while subscribed to releases (tests await it).
        self.hears_releases = asyncio.Event()
        metrics.active_leases = lambda: len(self._leases)
        metrics.redis_up = lambda: self.redis_up

    async def ping(self) -> bool:
        """Whether Redis answers now (for /healthz)."""
        return bool(await self._redis.ping())

    @property
    def redis_up(self) -> bool:
        return self._failed_at is None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._renew_forever()),
            loop.create_task(self._listen_for_releases()),
        ]

    async def stop(self) -> None:
        for task in (*self._tasks, self._recovery):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # Admission.

    def admit_now(self, claims: StreamClaims, *, token_expired: bool) -> LocalLease | None:
        """The stream's lease if it is decided without Redis, else None (ask `admit`).

        Raises the contract's 410/429/503 errors for streams refused without Redis.
        """
        now = time.monotonic()
        lease = self._leases.get(claims.sid)
        if lease is not None:
            if (
                now - lease.confirmed_at < self._trust_seconds
                and now - self._heard_at < HEARTBEAT_TRUST
            ):
                lease.last_read = now
                return lease
            if (self._failed_at is not None or self._recovery is not None) and (
                now - lease.last_read < self._policy.idle_ttl or lease.inflight
            ):
                lease.last_read = now  # played on through the outage: kept until re-registered
                return lease
        if self._recovery is not None:
            return None  # new streams wait for the recovery (`admit`)
        if self._failed_at is not None:
            return self._admit_without_redis(claims, token_expired)
        return None

    async def admit(self, claims: StreamClaims, *, token_expired: bool) -> LocalLease:
        """The stream's lease, acquired or renewed; raises the contract's 410/429/503 errors."""
        lease = self.admit_now(claims, token_expired=token_expired)
        if lease is not None:
            return lease
        recovery = self._recovery
        if recovery is not None:
            await asyncio.wait((recovery,), timeout=RECOVERY_GRACE + self._policy.queue_wait)
            if not recovery.done():
                raise self._capacity(len(self._leases))
            lease = self.admit_now(claims, token_expired=token_expired)
            if lease is not None:
                return lease
        try:
            return await self._admit_with_redis(claims, token_expired)
        except RedisError as exc:
            self._redis_failed(exc)
            lease = self.admit_now(claims, token_expired=token_expired)
            return lease or self._admit_without_redis(claims, token_expired)

    async def _admit_with_redis(self, claims: StreamClaims, token_expired: bool) -> LocalLease:
        held = self._leases.get(claims.sid)
        # A lease this process holds and whose stream is being read may be re-registered
        # whatever its token's age, as the renewer does: Redis may have lost it in an outage
        # the stream played through. Anything else needs a live token to start.
        allow_new = not token_expired or (held is not None and self._alive(held))
        deadline: float | None = None
        while True:
            heard = self._releases_heard
            status, count, extra = await self._call(
                "acquire", claims, allow_new=allow_new, queue_size=self._policy.queue_size
            )
            if self._released_since(claims.sid, heard):
                status = -4  # ended while the call was in flight: the release wins
            if status in (1, 2):
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

    def _admit_without_redis(self, claims: StreamClaims, token_expired: bool) -> LocalLease:
        self._leases.pop(claims.sid, None)  # held but idle for a TTL: gone, as in Redis
        if token_expired:
            self._metrics.limiter_rejections["lease_gone"] += 1
            raise LeaseGone("the token has expired and its stream is no longer active")
        if self._policy.failure_policy == "closed":
            self._metrics.limiter_rejections["limiter_down"] += 1
            raise Capacity(
                "the stream limiter is unavailable; try again shortly",
                details={"retry_after": 1, "limiter": "unavailable"},
            )
        mine = sorted(held.sid for held in self._leases.values() if held.sub == claims.sub)
        if len(mine) >= self._policy.per_user_limit:
            self._metrics.limiter_rejections["user_limit"] += 1
            raise UserLimit(
                "this account already has the maximum number of streams",
                details={
                    "current": len(mine),
                    "limit": self._policy.per_user_limit,
                    "sessions": mine,
                },
            )
        if len(self._leases) >= self._policy.fallback_limit:
            raise self._capacity(len(self._leases))
        self._metrics.fallback_admissions += 1
        return self._remember(claims, registered=False)

    def _remember(self, claims: StreamClaims, *, registered: bool) -> LocalLease:
        now = time.monotonic()
        confirmed = now if registered else _NEVER
        lease = self._leases.get(claims.sid)
        if lease is None:
            lease = LocalLease(claims.sid, claims.sub, claims.cid, confirmed, now, 0, registered)
            self._leases[claims.sid] = lease
        else:
            lease.confirmed_at = max(lease.confirmed_at, confirmed)
            lease.last_read = now
            lease.registered = lease.registered or registered
        return lease

    def _alive(self, lease: LocalLease) -> bool:
        """Whether the lease's stream is being read (within a TTL, or a response is open)."""
        return bool(lease.inflight) or time.monotonic() - lease.last_read < self._policy.idle_ttl

    def _capacity(self, count: int) -> Capacity:
        self._metrics.limiter_rejections["capacity"] += 1
        return Capacity(
            "all streaming slots are busy; try again shortly",
            details={
                "current": count,
                "limit": self._policy.global_limit,
                "retry_after": max(1, math.ceil(self._policy.queue_wait)),
            },
        )

    # Release.

    async def release(self, claims: StreamClaims, token_lifetime: float) -> None:
        """End the stream at once (DELETE /v/{token}); the token cannot restart it.

        Answers once every edge process has forgotten the lease (shared/streams.py). Only
        Redis can end a stream for every process: while it is unreachable this raises
        LimiterUnavailable (503, the player retries) and the stream is left as it was.
        """
        if self._failed_at is not None and self._recovery is None:
            raise self._unavailable()
        marker_ms = int(max(self._policy.idle_ttl * 2, token_lifetime) * 1000)
        try:
            await streams.release(
                self._redis,
                claims.sub,
                claims.sid,
                marker_ms,
                reason="player",
                source=EVENT_SOURCE,
                origin=EVENT_ORIGIN,
                cid=claims.cid,
                proven=True,  # the signed token proves the sid is the sub's
                edge=EDGE_ID,
            )
        except RedisError as exc:
            self._redis_failed(exc)
            raise self._unavailable() from None
        self._forget(claims.sid)

    def _unavailable(self) -> LimiterUnavailable:
        return LimiterUnavailable(
            "the stream limiter is unavailable; try again shortly",
            details={"retry_after": math.ceil(REDIS_RETRY_SECONDS)},
        )

    def _forget(self, sid: str) -> None:
        self._leases.pop(sid, None)
        self._releases_heard += 1
        self._released[sid] = (self._releases_heard, time.monotonic())

    def _released_since(self, sid: str, ordinal: int) -> bool:
        heard = self._released.get(sid)
        return heard is not None and heard[0] > ordinal

    async def _listen_for_releases(self) -> None:
        """Hear releases (and heartbeats) on the released channel; probe Redis when it is gone."""
        while True:
            pubsub = self._redis.pubsub()
            failure: Exception | None = None
            try:
                await self._listen(pubsub)
            except (RedisError, OSError) as exc:
                failure = exc
            finally:
                self._heard_at = _NEVER
                self.hears_releases.clear()
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            if failure is not None:
                logger.debug("release listener lost Redis: %s", failure)
                self._redis_failed(failure)
            await asyncio.sleep(REDIS_RETRY_SECONDS)

    async def _listen(self, pubsub: PubSub) -> None:
        await pubsub.subscribe(RELEASED_CHANNEL)
        deadline = time.monotonic() + HEARTBEAT_TIMEOUT
        while (message := await pubsub.get_message(timeout=HEARTBEAT_TIMEOUT)) is None or (
            message["type"] != "subscribe"
        ):
            if time.monotonic() > deadline:
                raise RedisTimeoutError("no answer to SUBSCRIBE")
        self.hears_releases.set()
        # Releases published while this process was not subscribed were missed: what it
        # remembers is confirmed with Redis again before it is trusted.
        for lease in self._leases.values():
            lease.confirmed_at = _NEVER
        pinged_at: float | None = None
        next_ping = time.monotonic()
        resubscribed = True
        while True:
            now = time.monotonic()
            if pinged_at is None and now >= next_ping:
                pinged_at, next_ping = now, now + HEARTBEAT_EVERY
                await pubsub.ping()
            if pinged_at is not None:
                if now - pinged_at > HEARTBEAT_TIMEOUT:
                    raise RedisTimeoutError("heartbeats on the released channel go unanswered")
                wait = pinged_at + HEARTBEAT_TIMEOUT - now
            else:
                wait = next_ping - now
            message = await pubsub.get_message(timeout=max(wait, 0.0))
            if message is None:
                continue
            if message["type"] == "pong" and pinged_at is not None:
                self._heard_at, pinged_at = pinged_at, None
                self._redis_answers(resubscribed)
                resubscribed = False
            elif message["type"] == "message":
                ack_id, sid = streams.parse_released(message["data"])
                self._forget(sid)
                if ack_id:
                    with contextlib.suppress(RedisError, OSError):
                        await self._redis.publish(streams.ack_channel(ack_id), EDGE_ID)

    # Outages.

    def _redis_failed(self, exc: Exception) -> None:
        if self._failed_at is None:
            logger.warning(
                "Redis unreachable (%s): fallback policy %r", exc, self._policy.failure_policy
            )
        self._failed_at = time.monotonic()

    def _redis_answers(self, resubscribed: bool) -> None:
        """A heartbeat came back: after an outage, start the recovery (once).

        At once on a new subscription (the listener waited REDIS_RETRY_SECONDS to make it);
        on a subscription that never broke, once a call failed at least that long ago.
        """
        failed_at = self._failed_at
        if (
            failed_at is not None
            and self._recovery is None
            and (resubscribed or time.monotonic() - failed_at >= REDIS_RETRY_SECONDS)
        ):
            self._failed_at = None
            self._recovery = asyncio.get_running_loop().create_task(self._recover())

    async def _recover(self) -> None:
        """Re-register what played through the outage, established streams first."""
        try:
            await self._confirm_all([lease for lease in self._leases.values() if lease.registered])
            await asyncio.sleep(RECOVERY_GRACE)
            fallback = [lease for lease in self._leases.values() if not lease.registered]
            await self._confirm_all(fallback)
            logger.warning(
                "Redis reachable again: %d streams re-registered (%d admitted in the outage)",
                len(self._leases),
                len(fallback),
            )
        except RedisError as exc:
            self._redis_failed(exc)
        finally:
            self._recovery = None

    # Renewal.

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
        previous, self._round_at = self._round_at, now
        due: list[LocalLease] = []
        for lease in list(self._leases.values()):
            if lease.inflight or lease.last_read >= previous:
                due.append(lease)
            elif now - lease.last_read >= self._policy.idle_ttl:
                del self._leases[lease.sid]
        forget_before = now - max(60.0, 2 * self._policy.queue_wait + 10)
        for sid, (_, at) in list(self._released.items()):
            if at < forget_before:
                del self._released[sid]
        if self._failed_at is None and self._recovery is None:
            await self._confirm_all(due)

    async def _confirm_all(self, leases: list[LocalLease]) -> None:
        """Renew, or re-register, leases this process holds while their streams are read.

        In pipelined batches: one round trip per batch, and no coroutine per lease (10,000
        of them at once would be a burst of memory every renewal round).
        """
        for first in range(0, len(leases), CONFIRM_BATCH):
            await self._confirm_batch(leases[first : first + CONFIRM_BATCH])

    async def _confirm_batch(self, leases: list[LocalLease]) -> None:
        batch = []
        for lease in leases:
            if self._leases.get(lease.sid) is not lease:
                continue  # released meanwhile
            if self._alive(lease):
                batch.append(lease)
            else:
                del self._leases[lease.sid]
        if not batch:
            return
        heard, asked_at = self._releases_heard, time.monotonic()
        async with self._redis_slots, self._redis.pipeline(transaction=False) as pipe:
            for lease in batch:
                # Through the limits like a new stream, without waiting: never over-admits.
                claims = StreamClaims(lease.sub, lease.cid, lease.sid, "", 0, 0)
                await self._script(
                    keys=streams.script_keys(lease.sub, lease.sid, lease.cid),
                    args=self._args("acquire", claims, allow_new=True, queue_size=0),
                    client=pipe,
                )
            results = await pipe.execute()
        for lease, (status, _, _) in zip(batch, results, strict=True):
            if self._leases.get(lease.sid) is not lease or self._released_since(lease.sid, heard):
                continue
            if int(status) in (1, 2):
                lease.confirmed_at = asked_at
                lease.registered = True
            else:
                del self._leases[lease.sid]  # its next request hears why from Redis

    async def _call(
        self,
        op: str,
        claims: StreamClaims,
        *,
        allow_new: bool = False,
        queue_size: int = 0,
    ) -> tuple[int, int, Any]:
        async with self._redis_slots:
            status, count, extra = await self._script(
                keys=streams.script_keys(claims.sub, claims.sid, claims.cid),
                args=self._args(op, claims, allow_new=allow_new, queue_size=queue_size),
            )
        return int(status), int(count), extra

    def _args(
        self, op: str, claims: StreamClaims, *, allow_new: bool, queue_size: int
    ) -> list[str | int]:
        policy = self._policy
        return script_args(
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
        )
