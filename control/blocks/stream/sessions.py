"""The caller's live streams as the edge's limiter holds them, and ending one at once.

The limiter's keys belong to the edge; shared/streams.py is the one place that knows them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from redis.asyncio import Redis

from control.blocks.stream.errors import StreamNotFound
from control.blocks.stream.schemas import StreamSessionOut, StreamSessionsOut
from control.orchestration.contracts import ContentReader
from shared import streams


def _time(ms: int) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms > 0 else None


def _content_id(cid: str) -> int | None:
    # Tokens minted here carry numeric content ids; anything else is not one of ours.
    return int(cid) if cid.isdigit() else None


class StreamSessions:
    def __init__(
        self,
        redis: Redis,
        content: ContentReader,
        *,
        per_user_limit: int,
        ended_for_seconds: int,
    ) -> None:
        self.redis = redis
        self.content = content
        self.per_user_limit = per_user_limit
        self.ended_for_ms = ended_for_seconds * 1000

    async def list(self, user_id: int) -> StreamSessionsOut:
        """The user's live leases, oldest first, with the content's title."""
        live = await streams.user_leases(self.redis, str(user_id))
        ids = sorted({cid for lease in live if (cid := _content_id(lease.content_id))})
        titles = await self.content.titles(ids) if ids else {}
        sessions = []
        for lease in live:
            content_id = _content_id(lease.content_id)
            sessions.append(
                StreamSessionOut(
                    sid=lease.sid,
                    content_id=content_id,
                    title=titles.get(content_id) if content_id is not None else None,
                    started_at=_time(lease.started_ms),
                    last_seen_at=_time(lease.last_seen_ms),
                    edge=lease.edge or None,
                    expires_at=_time(lease.expires_ms),
                )
            )
        return StreamSessionsOut(sessions=sessions, count=len(sessions), limit=self.per_user_limit)

    async def end(self, user_id: int, sid: str) -> None:
        """End the user's stream `sid` now: its slot is free and its token is spent.

        One atomic step in the limiter's own script, whether the sid is live, issued but not
        played yet, or idle: no edge can start it afterwards, and the script publishes
        `stream.ended` (reason "control"). StreamNotFound otherwise: someone else's sid looks
        exactly like an unknown one.
        """
        released = await streams.release(
            self.redis, str(user_id), sid, self.ended_for_ms, reason="control"
        )
        if released is None:
            raise StreamNotFound("no stream session with this id is yours", details={"sid": sid})
