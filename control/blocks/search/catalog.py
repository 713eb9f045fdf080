"""The search block's read model of the catalog: contents with their series and best hands,
read straight from the content block's tables (declared in Block.tables.reads)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from control.blocks.search.documents import CatalogEntry
from control.db.pool import Connection

_ENTRIES = """
SELECT c.id, c.title, c.short_title, c.description, c.year, c.brand, c.event_type,
       c.duration_seconds, c.thumbnail_path, c.created_at, c.missing_since IS NULL AS available,
       c.metadata, s.title AS series_title,
       coalesce((SELECT json_agg(json_build_array(h.title, h.category, h.players)
                                 ORDER BY h.hand_index)
                 FROM best_hands h WHERE h.content_id = c.id), '[]') AS hands
FROM contents c LEFT JOIN series s ON s.id = c.series_id
"""


def _entry(row: asyncpg.Record) -> CatalogEntry:
    metadata: Any = row["metadata"]
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    hands = row["hands"]
    if isinstance(hands, str):
        hands = json.loads(hands)
    return CatalogEntry(
        id=row["id"],
        title=row["title"],
        short_title=row["short_title"],
        description=row["description"],
        year=row["year"],
        brand=row["brand"],
        event_type=row["event_type"],
        duration_seconds=row["duration_seconds"],
        thumbnail_path=row["thumbnail_path"],
        created_at=row["created_at"],
        available=row["available"],
        metadata=metadata if isinstance(metadata, dict) else {},
        series_title=row["series_title"],
        hands=[(title or "", category, list(players or ())) for title, category, players in hands],
    )


async def entries(conn: Connection, ids: Sequence[int]) -> dict[int, CatalogEntry]:
    """The catalog entries of `ids` that exist (missing files included: `available` says)."""
    rows = await conn.fetch(f"{_ENTRIES} WHERE c.id = ANY($1::bigint[])", list(ids))
    return {row["id"]: _entry(row) for row in rows}


async def count_available(conn: Connection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM contents WHERE missing_since IS NULL")
    return count


async def available_batches(conn: Connection, size: int) -> AsyncIterator[list[CatalogEntry]]:
    """Every available entry, in id order, `size` at a time (keyset pages: no long
    transaction, no OFFSET)."""
    after = 0
    while True:
        rows = await conn.fetch(
            f"{_ENTRIES} WHERE c.id > $1 AND c.missing_since IS NULL ORDER BY c.id LIMIT $2",
            after,
            size,
        )
        if not rows:
            return
        yield [_entry(row) for row in rows]
        after = rows[-1]["id"]
