"""The stream block's use cases: tokens, renewal, progress and playback info."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from control.blocks.stream.errors import StreamNotFound
from control.blocks.stream.info import skip_zones
from control.blocks.stream.owners import StreamOwner, StreamOwners
from control.blocks.stream.progress import Progress, get_progress, save_progress
from control.blocks.stream.schemas import (
    ProgressIn,
    ProgressOut,
    SkipZoneOut,
    StreamInfoOut,
    StreamTokenOut,
)
from control.blocks.stream.tokens import IssuedToken, StreamTokenIssuer
from control.orchestration.bus import Event, MessageBus
from control.orchestration.contracts import (
    CacheKeys,
    ContentNotFound,
    ContentReader,
    L1Cache,
    PlayableContent,
)

SOURCE = "stream"


class StreamService:
    def __init__(
        self,
        db: asyncpg.Pool,
        bus: MessageBus,
        content: ContentReader,
        issuer: StreamTokenIssuer,
        owners: StreamOwners,
        cache: L1Cache,
    ) -> None:
        self.db = db
        self.bus = bus
        self.content = content
        self.issuer = issuer
        self.owners = owners
        self.cache = cache

    async def _emit(self, channel: str, payload: dict[str, Any]) -> None:
        await self.bus.publish(channel, Event(source=SOURCE, type=channel, payload=payload))

    async def playable(self, content_id: int) -> PlayableContent:
        content = await self.content.playable(content_id)
        if content is None:
            raise ContentNotFound(
                f"no playable content with id {content_id}", details={"content_id": content_id}
            )
        return content

    # tokens -------------------------------------------------------------------------------

    async def start(self, user_id: int, content_id: int, client_ip: str | None) -> StreamTokenOut:
        """A new stream session (fresh sid) for the content, owned by the caller."""
        content = await self.playable(content_id)
        return await self._issue(user_id, content, str(uuid.uuid4()), client_ip, renewed=False)

    async def renew(self, user_id: int, sid: str, client_ip: str | None) -> StreamTokenOut:
        """A fresh token for the caller's own stream session `sid` (same sid, same slot)."""
        owner = await self.owners.renewable(sid, user_id)
        if owner is None:
            raise StreamNotFound(
                "no renewable stream session with this id is yours", details={"sid": sid}
            )
        content = await self.playable(owner.content_id)
        return await self._issue(user_id, content, sid, client_ip, renewed=True)

    async def _issue(
        self,
        user_id: int,
        content: PlayableContent,
        sid: str,
        client_ip: str | None,
        *,
        renewed: bool,
    ) -> StreamTokenOut:
        # The owner record is (re)written before the token exists, so a token never names
        # a sid that its owner could not renew or end.
        await self.owners.remember(sid, StreamOwner(user_id, content.id))
        issued = self.issuer.issue(
            user_id=user_id,
            content_id=content.id,
            sid=sid,
            file_path=content.file_path,
            client_ip=client_ip,
        )
        await self._emit(
            "stream.token_issued",
            {"user_id": user_id, "content_id": content.id, "sid": sid, "renewed": renewed},
        )
        return _token_out(issued)

    # progress -----------------------------------------------------------------------------

    async def save_progress(self, user_id: int, content_id: int, body: ProgressIn) -> ProgressOut:
        """Store a position under the 10% / 90% rules; an older player clock never wins.

        The rules measure against the content's probed duration when the catalog knows it;
        the player's `duration_seconds` only stands in when it does not.
        """
        content = await self.playable(content_id)
        known = content.duration_seconds
        duration = known if known is not None and known > 0 else body.duration_seconds
        try:
            async with self.db.acquire() as conn:
                result = await save_progress(
                    conn,
                    user_id=user_id,
                    content_id=content.id,
                    position_seconds=body.position_seconds,
                    duration_seconds=duration,
                    client_ts=body.client_ts,
                )
        except asyncpg.ForeignKeyViolationError:
            # Deleted between the lookup and the write (or the account just went away).
            result = None
        if result is None:
            raise ContentNotFound(
                f"no playable content with id {content_id}", details={"content_id": content_id}
            )
        if result.applied:
            # The caller's next GET /api/home must show this: the event's invalidation runs
            # in a task of its own (and in other processes), so drop the row here too.
            await self.cache.invalidate(CacheKeys.home_user(user_id))
            await self._emit(
                "stream.progress_updated",
                {"user_id": user_id, "content_id": content.id, "state": result.progress.state},
            )
        return _progress_out(result.progress, applied=result.applied)

    async def progress(self, user_id: int, content_id: int) -> ProgressOut:
        """The stored progress, or a not_started state at 0 when nothing was saved yet."""
        content = await self.playable(content_id)
        async with self.db.acquire() as conn:
            stored = await get_progress(conn, user_id=user_id, content_id=content.id)
        if stored is None:
            return ProgressOut(
                content_id=content.id,
                position_seconds=0.0,
                duration_seconds=content.duration_seconds,
                state="not_started",
                completed=False,
                updated_at=None,
            )
        return _progress_out(stored, applied=None)

    # info ---------------------------------------------------------------------------------

    async def info(self, content_id: int) -> StreamInfoOut:
        """Duration, hand marks, the skip zones between hands and the number of best hands."""
        content = await self.playable(content_id)
        hands = await self.content.hands(content.id)
        ordered = sorted(hands, key=lambda h: (h.start_seconds, h.hand_index))
        return StreamInfoOut(
            content_id=content.id,
            title=content.title,
            duration_seconds=content.duration_seconds,
            hands=ordered,
            skip_zones=[
                SkipZoneOut(z.start_seconds, z.end_seconds)
                for z in skip_zones(ordered, content.duration_seconds)
            ],
            best_hands=len(ordered),
        )


def _token_out(issued: IssuedToken) -> StreamTokenOut:
    return StreamTokenOut(
        url=issued.url, token=issued.token, sid=issued.sid, expires_at=issued.expires_at
    )


def _progress_out(progress: Progress, *, applied: bool | None) -> ProgressOut:
    return ProgressOut(
        content_id=progress.content_id,
        position_seconds=progress.position_seconds,
        duration_seconds=progress.duration_seconds,
        state=progress.state,  # type: ignore[arg-type]
        completed=progress.completed,
        updated_at=progress.updated_at,
        applied=applied,
    )
