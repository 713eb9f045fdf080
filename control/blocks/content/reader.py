"""The CONTENT_READER contract: what other blocks (stream, admin) read of the catalog."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from control.blocks.content import repository as repo
from control.orchestration.contracts import CatalogCounts, Hand, PlayableContent


class CatalogReader:
    def __init__(self, db: asyncpg.Pool) -> None:
        self._db = db

    async def playable(self, content_id: int) -> PlayableContent | None:
        """The file to stream; None for an unknown content or one whose file went missing."""
        async with self._db.acquire() as conn:
            content = await repo.get_content(conn, content_id)
        if content is None or not content.available:
            return None
        return PlayableContent(
            content.id,
            content.title,
            content.file_path,
            content.duration_seconds,
            content.file_size,
        )

    async def hands(self, content_id: int) -> list[Hand]:
        async with self._db.acquire() as conn:
            return await repo.list_hands(conn, content_id)

    async def titles(self, content_ids: Sequence[int]) -> dict[int, str]:
        async with self._db.acquire() as conn:
            return await repo.content_titles(conn, content_ids)

    async def counts(self) -> CatalogCounts:
        async with self._db.acquire() as conn:
            return await repo.count_catalog(conn)
