"""The caller's live streams as the edge's limiter holds them, and ending one at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from control.blocks.stream import leases
from control.blocks.stream.errors import StreamNotFound
from control.blocks.stream.owners import StreamOwners
from control.blocks.stream.schemas import StreamSessionOut, StreamSessionsOut
from control.orchestration.bus import Event, MessageBus
from control.orchestration.contracts import ContentReader

SOURCE = "stream"


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


class StreamSessions:
    def __init__(
        self,
        store: leases.LeaseStore,
        owners: StreamOwners,
        bus: MessageBus,
        content: Callable[[], ContentReader],
        per_user_limit: int,
    ) -> None:
        self.store = store
        self.owners = owners
        self.bus = bus
        self._content = content
        self.per_user_limit = per_user_limit

    async def list(self, user_id: int) -> StreamSessionsOut:
        """The user's live leases, oldest first, with the content's title."""
        live = [
            await self._with_content(user_id, lease)
            for lease in await self.store.user_leases(user_id)
        ]
        ids = sorted({lease.content_id for lease in live if lease.content_id is not None})
        titles = await self._content().titles(ids) if ids else {}
        sessions = [
            StreamSessionOut(
                sid=lease.sid,
                content_id=lease.content_id,
                title=titles.get(lease.content_id) if lease.content_id is not None else None,
                started_at=_time(lease.started_ms),
                last_seen_at=_time(lease.last_seen_ms),
                edge=lease.edge,
                expires_at=_time(lease.expires_ms),
            )
            for lease in live
        ]
        return StreamSessionsOut(sessions=sessions, count=len(sessions), limit=self.per_user_limit)

    async def _with_content(self, user_id: int, lease: leases.Lease) -> leases.Lease:
        # A lease that does not say its content: our own record of the sid does.
        if lease.content_id is not None:
            return lease
        owner = await self.owners.owned_by(lease.sid, user_id)
        if owner is None:
            return lease
        started = lease.started_ms or await self.store.started_ms(owner.content_id, lease.sid)
        return replace(lease, content_id=owner.content_id, started_ms=started)

    async def end(self, user_id: int, sid: str) -> None:
        """Free the user's stream `sid` now; StreamNotFound when it is not theirs."""
        owned = await self.owners.owned_by(sid, user_id) is not None
        if not owned and not await self.store.holds(user_id, sid):
            raise StreamNotFound("no stream session with this id is yours", details={"sid": sid})
        await self.store.release(user_id, sid)
        await self.owners.forget(sid)
        payload: dict[str, Any] = {"user_id": user_id, "sid": sid, "reason": "ended_by_user"}
        await self.bus.publish(
            "stream.ended", Event(source=SOURCE, type="stream.ended", payload=payload)
        )
