"""Job changes as a capped Redis Stream: the history behind GET /api/admin/jobs/events.

Whoever changes a job (a worker, an admin's request in any control process) appends the job
as it now stands after committing the change. The stream entry id is the SSE `id:`, so a
client that reconnects with `Last-Event-ID` reads on from there and loses nothing the stream
still holds (the last EVENTS_KEPT changes). Bus events (`worker.job_failed`,
`worker.job_dead`) are published beside it for other blocks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.blocks.worker.queues import blocking_client
from control.orchestration.contracts import JobRecord
from shared.redis_values import redis_text

EVENTS = "wsoptv:jobs:events"
EVENTS_KEPT = 10_000
_STREAM_ID = re.compile(r"\d{1,20}-\d{1,20}")
log = logging.getLogger("wsoptv.control.block.worker.events")


def valid_event_id(text: str | None) -> str | None:
    """A Last-Event-ID this stream could have sent, else None (start from now)."""
    if text is None:
        return None
    text = text.strip()
    return text if _STREAM_ID.fullmatch(text) else None


class JobEvents:
    def __init__(self, redis: Redis, redis_url: str) -> None:
        self.redis = redis
        self._url = redis_url

    def blocking(self) -> Redis:
        """A client of its own for one follower's blocking reads (close it after)."""
        return blocking_client(self._url)

    async def publish(self, job: JobRecord) -> None:
        """Append the job's new state; a Redis failure is logged (the state is in PostgreSQL)."""
        try:
            await self.redis.xadd(
                EVENTS,
                {"job": msgspec.json.encode(job)},
                maxlen=EVENTS_KEPT,
                approximate=True,
            )
        except RedisError as exc:
            log.warning("job %s: change not streamed (Redis unreachable): %s", job.id, exc)

    async def last_id(self) -> str:
        """The id of the newest change ("0-0" when there is none): where a new client starts."""
        newest = await self.redis.xrevrange(EVENTS, count=1)
        if not newest:
            return "0-0"
        return redis_text(newest[0][0])

    async def follow(
        self, blocking: Redis, after: str, *, block_ms: int
    ) -> AsyncIterator[tuple[str, bytes] | None]:
        """The changes after `after`, in order, forever; None after each idle `block_ms`
        (a keep-alive point). `blocking` must be a client without a socket timeout."""
        cursor = after
        while True:
            response: Any = await blocking.xread({EVENTS: cursor}, count=100, block=block_ms)
            if not response:
                yield None
                continue
            for entry_id, fields in response[0][1]:
                cursor = redis_text(entry_id)
                yield cursor, fields[b"job"]
