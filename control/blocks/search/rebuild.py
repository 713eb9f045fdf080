"""`wsoptv search reindex`: every document derived from the catalog again.

PostgreSQL is rebuilt in place (each content re-indexed through the same diff as an event,
then the lexicon and suggestions recounted), so searches keep their answers throughout.
MeiliSearch gets a new index, filled and then swapped in at once; what content events changed
in the live index meanwhile is sent to the new one after the swap.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from control.blocks.search import catalog
from control.blocks.search.documents import Entity, build_document
from control.blocks.search.indexer import Indexer
from control.blocks.search.meili import MeiliSearch, meili_document
from control.blocks.search.pg_index import PostgresIndex

BATCH = 500
Progress = Callable[[int, int], Awaitable[None]]  # (done, total)
# Advisory lock (first key) of the start-up fill: one control process does it.
_FILL_LOCK = 0x5346
_INDEX_EMPTY = """
SELECT NOT EXISTS (SELECT 1 FROM search_documents)
       AND EXISTS (SELECT 1 FROM contents WHERE missing_since IS NULL)
"""
# Contents the index is behind on: available and not indexed since their last change, or
# indexed and since deleted or gone missing.
_STALE = """
SELECT c.id FROM contents c LEFT JOIN search_documents d ON d.content_id = c.id
WHERE c.missing_since IS NULL AND (d.content_id IS NULL OR d.indexed_at < c.updated_at)
UNION ALL
SELECT d.content_id AS id FROM search_documents d LEFT JOIN contents c ON c.id = d.content_id
WHERE c.id IS NULL OR c.missing_since IS NOT NULL
"""


@dataclass(frozen=True, slots=True)
class RebuildReport:
    indexed: int
    removed: int


async def rebuild(
    pool: asyncpg.Pool,
    meili: MeiliSearch | None,
    changed: Callable[[], Awaitable[None]],
    progress: Progress | None = None,
) -> RebuildReport:
    started = datetime.now(UTC)
    index = PostgresIndex(pool)
    building = None if meili is None else await meili.start_rebuild()
    entities: dict[str, Entity] = {}
    seen: set[int] = set()
    async with pool.acquire() as conn:
        total = await catalog.count_available(conn)
        if progress is not None:
            await progress(0, total)
        async for batch in catalog.available_batches(conn, BATCH):
            documents = [build_document(entry) for entry in batch]
            await index.apply(documents, [])
            for document in documents:
                entities.update((e.key, e) for e in document.entities)
            seen.update(d.content_id for d in documents)
            if meili is not None and building is not None:
                views = await index.popularity([d.content_id for d in documents])
                rows = [meili_document(d, views.get(d.content_id, 0)) for d in documents]
                await meili.add_to(building, rows)
            if progress is not None:
                await progress(len(seen), max(total, len(seen)))
    stale = sorted(await index.document_ids() - seen)
    await index.apply([], stale)
    await index.recount(entities)
    if meili is not None and building is not None:
        await meili.swap_in(building)
        # Events that reached the live index during the rebuild reached the old one.
        indexer = Indexer(pool, index, meili, changed)
        current = await index.document_ids()
        await indexer.reindex(sorted(set(await index.changed_since(started)) | (seen - current)))
    await changed()
    return RebuildReport(indexed=len(seen), removed=len(stale))


async def catch_up(
    pool: asyncpg.Pool, meili: MeiliSearch | None, changed: Callable[[], Awaitable[None]]
) -> None:
    """Bring the index in line with what happened while no control process listened (a
    `wsoptv scan` while control was down, a new install, an upgrade, a new MeiliSearch):
    an empty index is built, otherwise the contents added, changed or gone since they were
    indexed are indexed again; an empty MeiliSearch index is filled. One control process at
    a time does it, at start-up and when MeiliSearch comes up; searches answer meanwhile."""
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1, 0)", _FILL_LOCK):
            return
        try:
            index = PostgresIndex(pool)
            if await conn.fetchval(_INDEX_EMPTY):
                await rebuild(pool, None, changed)
            else:
                stale = sorted({r["id"] for r in await conn.fetch(_STALE)})
                indexer = Indexer(pool, index, meili, changed)
                for start in range(0, len(stale), BATCH):
                    await indexer.reindex(stale[start : start + BATCH])
                    # Seen now, changed or not: not looked at again at the next start.
                    await index.touch(stale[start : start + BATCH])
            if meili is not None and meili.ready and await meili.document_count() == 0:
                async for batch in catalog.available_batches(conn, BATCH):
                    documents = [build_document(entry) for entry in batch]
                    views = await index.popularity([d.content_id for d in documents])
                    await meili.apply(documents, [], views)
                await changed()
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1, 0)", _FILL_LOCK)
