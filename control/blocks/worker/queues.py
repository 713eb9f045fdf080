"""The job queues in Redis: one stream per queue with one consumer group, a delayed set.

Layout (all under `wsoptv:jobs:`):
- `stream:<queue>`: entries `{job, gen}` (a job id and its dispatch generation); consumer
  group `workers`. An entry is acknowledged and deleted once its run is over, so a stream
  holds exactly the work not yet delivered plus the work being run (pending).
- `delayed`: sorted set of `<queue>|<job>|<gen>` scored by the Redis time (ms) it is due;
  a script moves due members onto their stream atomically (a retry's backoff).
- `workers`: sorted set of worker name -> last heartbeat (Redis time, ms).
- `stats`: hash of counters every worker adds to (reclaims, retries, durations).

At least once, never twice at once: a worker keeps the claim of each message it runs alive
by re-claiming it (`XCLAIM ... JUSTID`, which leaves the delivery count alone) while
`XPENDING` shows it as its own, in one script; a message whose worker stopped renewing it
(SIGKILL, OOM, a native crash) goes idle and another worker takes it with `XAUTOCLAIM`.
This Redis is 6.2 (no Functions, no `XREADGROUP ... CLAIM`): plain EVAL scripts.
Blocking reads use a connection of their own without a socket timeout and without retries
(redis-py's defaults would cut a blocking XREADGROUP and re-send it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError
from redis.retry import Retry

from control.blocks.worker.repository import Dispatch
from shared.redis_values import redis_text

PREFIX = "wsoptv:jobs:"
STREAM_PREFIX = PREFIX + "stream:"
DELAYED = PREFIX + "delayed"
WORKERS = PREFIX + "workers"
STATS = PREFIX + "stats"
SWEEP_LOCK = PREFIX + "sweep"
GROUP = "workers"

# Re-claim our own messages, only while XPENDING still names us as their consumer.
# KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3..] message ids -> ids we lost.
_KEEP_CLAIMS = """
local lost = {}
for i = 3, #ARGV do
  local entry = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if entry[1] and entry[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
"""

# Schedule a dispatch `ARGV[2]` ms from now (Redis time). KEYS[1] delayed; ARGV[1] member.
_SCHEDULE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return now
"""

# Move due dispatches onto their streams. KEYS[1] delayed; ARGV[1] stream prefix, ARGV[2]
# batch size -> {{member, message id}, ...}. (Stream keys are built here: not for a cluster.)
_MOVE_DUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local moved = {}
for _, member in ipairs(due) do
  local queue, job, gen = string.match(member, '^([%w_]+)|(%d+)|(%d+)$')
  if queue then
    local id = redis.call('XADD', ARGV[1] .. queue, '*', 'job', job, 'gen', gen)
    moved[#moved + 1] = {member, id}
  end
  redis.call('ZREM', KEYS[1], member)
end
return moved
"""


def stream_key(queue: str) -> str:
    return STREAM_PREFIX + queue


@dataclass(frozen=True, slots=True)
class Message:
    """A delivered stream entry: which job generation it dispatches."""

    queue: str
    message_id: str
    dispatch: Dispatch | None  # None: an entry deleted while pending, or not ours to parse


def _message(queue: str, message_id: Any, fields: Any) -> Message:
    mid = redis_text(message_id)
    if not fields:
        return Message(queue, mid, None)
    values = {redis_text(k): redis_text(v) for k, v in fields.items()}
    try:
        dispatch = Dispatch(int(values["job"]), queue, int(values["gen"]))
    except (KeyError, ValueError):
        return Message(queue, mid, None)
    return Message(queue, mid, dispatch)


def blocking_client(url: str) -> Redis:
    """A client for blocking reads: no socket timeout, no retries, one connection."""
    return Redis.from_url(url, socket_timeout=None, retry=Retry(NoBackoff(), 0))


class JobQueues:
    """The Redis side of the job system (dispatch, delivery, claims, delayed retries)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._keep_claims = redis.register_script(_KEEP_CLAIMS)
        self._schedule = redis.register_script(_SCHEDULE)
        self._move_due = redis.register_script(_MOVE_DUE)

    async def ensure_groups(self, queues: Sequence[str]) -> None:
        for queue in queues:
            with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists already
                await self.redis.xgroup_create(stream_key(queue), GROUP, id="0", mkstream=True)

    async def dispatch(self, dispatch: Dispatch) -> str:
        """Put a job generation on its queue now; the message id."""
        message_id = await self.redis.xadd(
            stream_key(dispatch.queue), {"job": dispatch.job_id, "gen": dispatch.generation}
        )
        return redis_text(message_id)

    async def schedule(self, dispatch: Dispatch, delay_seconds: float) -> None:
        """Dispatch a job generation after `delay_seconds` (Redis time)."""
        member = f"{dispatch.queue}|{dispatch.job_id}|{dispatch.generation}"
        await self._schedule(keys=[DELAYED], args=[member, max(0, int(delay_seconds * 1000))])

    async def move_due(self, batch: int = 100) -> list[tuple[Dispatch, str]]:
        """Move the due delayed dispatches onto their streams; (dispatch, message id) each."""
        moved = await self._move_due(keys=[DELAYED], args=[STREAM_PREFIX, batch])
        result = []
        for member, message_id in moved:
            queue, job, generation = redis_text(member).split("|")
            result.append((Dispatch(int(job), queue, int(generation)), redis_text(message_id)))
        return result

    async def read(
        self, blocking: Redis, consumer: str, queues: Sequence[str], count: int, block_ms: int
    ) -> list[Message]:
        """New messages for `consumer` (XREADGROUP, waiting up to block_ms)."""
        response: Any = await blocking.xreadgroup(
            GROUP,
            consumer,
            {stream_key(queue): ">" for queue in queues},
            count=count,
            block=block_ms,
        )
        messages: list[Message] = []
        for key, entries in response or []:
            queue = redis_text(key).removeprefix(STREAM_PREFIX)
            messages.extend(_message(queue, mid, fields) for mid, fields in entries)
        return messages

    async def reclaim(
        self, consumer: str, queue: str, min_idle_ms: int, count: int
    ) -> list[Message]:
        """Messages idle for `min_idle_ms` (their worker stopped renewing them), now ours.
        Entries deleted while pending come back as None: they are acknowledged and dropped."""
        _cursor, claimed, *_ = await self.redis.xautoclaim(
            stream_key(queue), GROUP, consumer, min_idle_ms, "0-0", count=count
        )
        messages = []
        for entry in claimed:
            if entry is None:
                continue
            message_id, fields = entry
            if fields is None:  # redis-py hands a deleted entry over as (id, None)
                await self.ack(queue, redis_text(message_id))
                continue
            messages.append(_message(queue, message_id, fields))
        return messages

    async def deliveries(self, message: Message) -> int:
        """How many times the message was delivered (1 + the times it was reclaimed)."""
        entries = await self.redis.xpending_range(
            stream_key(message.queue), GROUP, message.message_id, message.message_id, 1
        )
        return int(entries[0]["times_delivered"]) if entries else 0

    async def keep_claims(self, consumer: str, queue: str, message_ids: Sequence[str]) -> set[str]:
        """Renew our claims on these messages; the ids that are no longer ours."""
        if not message_ids:
            return set()
        lost = await self._keep_claims(
            keys=[stream_key(queue)], args=[GROUP, consumer, *message_ids]
        )
        return {redis_text(mid) for mid in lost}

    async def ack(self, queue: str, message_id: str) -> None:
        """The run is over: acknowledge and delete the entry (the stream keeps only work)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(stream_key(queue), GROUP, message_id)
            pipe.xdel(stream_key(queue), message_id)
            await pipe.execute()

    async def present(self, queue: str, message_ids: Sequence[str]) -> set[str]:
        """Which of these entries the stream still holds (undelivered or pending)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for message_id in message_ids:
                pipe.xrange(stream_key(queue), message_id, message_id, count=1)
            found = await pipe.execute()
        return {mid for mid, entries in zip(message_ids, found, strict=True) if entries}

    async def depth(self, queue: str) -> tuple[int, int, float | None]:
        """(entries not yet delivered, entries pending, age in s of the oldest entry)."""
        key = stream_key(queue)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xlen(key)
            pipe.xpending(key, GROUP)
            pipe.xrange(key, "-", "+", count=1)
            pipe.time()
            length, pending, first, (seconds, micros) = await pipe.execute()
        waiting = int(pending["pending"]) if pending else 0
        oldest = None
        if first:
            first_ms = int(redis_text(first[0][0]).split("-")[0])
            oldest = max(0.0, (seconds * 1000 + micros // 1000 - first_ms) / 1000)
        return max(0, int(length) - waiting), waiting, oldest
