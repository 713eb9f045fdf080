"""The CONTENT_READER contract: what other blocks (stream, home rows) read of the catalog."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from control.blocks.content import repository as repo
from control.orchestration.contracts import HandMark, PlayableContent


class CatalogReader:
    def __init__(self, db: asyncpg.Pool) -> None:
        self._db = db

    async def playable(self, content_id: int) -> PlayableContent | None:
        """The file to stream; None for an unknown content or one whose file went missing."""
        async with self._db.acquire() as conn:
            content = await repo.get_content(conn, content_id)
        if content is None or content.missing_since is not None:
            return None
        return PlayableContent(
            content.id,
            content.title,
            content.file_path,
            content.duration_seconds,
            content.file_size,
        )

    async def hands(self, content_id: int) -> list[HandMark]:
        async with self._db.acquire() as conn:
            hands = await repo.list_hands(conn, content_id)
        return [
            HandMark(h.hand_index, h.start_seconds, h.end_seconds, h.category, h.title)
            for h in hands
        ]

    async def titles(self, content_ids: Sequence[int]) -> dict[int, str]:
        async with self._db.acquire() as conn:
            contents = await repo.get_contents(conn, content_ids)
        return {c.id: c.title for c in contents}
