"""Keeping the index current: content events in, documents out, within a second or two.

Every `content.created|updated|deleted {content_id}` queues its content; a burst (a library
scan publishes one event per file) is applied in batches. A content is read again from the
catalog: available, it is (re)indexed; deleted or gone missing, it leaves the index. Changes
MeiliSearch could not take are kept and sent again with the next batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from control.blocks.search import catalog
from control.blocks.search.documents import build_document
from control.blocks.search.errors import SearchBackendDown
from control.blocks.search.meili import MeiliSearch
from control.blocks.search.pg_index import PostgresIndex
from control.orchestration.bus import Event

log = logging.getLogger("wsoptv.control.block.search.indexer")
CONTENT_EVENTS = "content.*"
BATCH = 500


def _content_id(payload: dict[str, Any]) -> int | None:
    value = payload.get("content_id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return int(value)
    except ValueError:
        return None


class Indexer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        index: PostgresIndex,
        meili: MeiliSearch | None,
        changed: Callable[[], Awaitable[None]],
    ) -> None:
        self._pool = pool
        self._index = index
        self._meili = meili
        self._changed = changed
        self._pending: set[int] = set()
        self._meili_pending: set[int] = set()
        self._flusher: asyncio.Task[None] | None = None

    async def on_content_event(self, event: Event) -> None:
        """Bus handler: returns once the content is (re)indexed."""
        content_id = _content_id(event.payload)
        if content_id is None:
            return  # content.library_scanned: its entries had their own events
        self._pending.add(content_id)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # one loop turn: the rest of a burst joins this round
        while self._pending:
            batch = sorted(self._pending)[:BATCH]
            self._pending.difference_update(batch)
            try:
                await self.reindex(batch)
            except BaseException:
                self._pending.update(batch)  # tried again with the next event or retry()
                raise

    async def retry(self) -> None:
        """Apply what failed before (PostgreSQL or MeiliSearch was down)."""
        if (self._pending or self._meili_pending) and (
            self._flusher is None or self._flusher.done()
        ):
            self._pending |= self._meili_pending
            self._flusher = asyncio.create_task(self._flush())
            await asyncio.shield(self._flusher)

    async def reindex(self, ids: Sequence[int]) -> None:
        """Read `ids` from the catalog and bring the index (and MeiliSearch) in line."""
        async with self._pool.acquire() as conn:
            found = await catalog.entries(conn, ids)
        documents = [build_document(e) for e in found.values() if e.available]
        removed = [i for i in ids if i not in found or not found[i].available]
        await self._index.apply(documents, removed)
        if self._meili is not None:
            try:
                await self._meili.apply(documents, removed, await self._index.popularity(ids))
            except SearchBackendDown as exc:
                if not self._meili_pending:
                    log.error("search: MeiliSearch missed index changes, kept to resend: %s", exc)
                self._meili_pending.update(ids)
            else:
                self._meili_pending.difference_update(ids)
        await self._changed()

    async def settled(self) -> None:
        """Return once every event received so far is applied (for tests and shutdown)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
