"""CONTENT_READER: what the stream and home blocks read of the catalog."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import httpx
from litestar import Litestar

from control.orchestration.contracts import CONTENT_READER, CatalogCounts, PlayableContent


async def test_reader_serves_playable_files_hands_and_titles(
    app: Litestar, client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    reader = app.state.registry.provided(CONTENT_READER)
    here, gone = [
        await db.fetchval(
            "INSERT INTO contents (title, file_path, duration_seconds, file_size, missing_since) "
            "VALUES ($1, $2, 120.5, 1000, $3) RETURNING id",
            title,
            f"lib/{title}.mp4",
            missing,
        )
        for title, missing in (("Here", None), ("Gone", datetime(2026, 1, 1, tzinfo=UTC)))
    ]
    await db.execute(
        "INSERT INTO best_hands (content_id, hand_index, start_seconds, end_seconds, title) "
        "VALUES ($1, 3, 10, 20, 'big pot'), ($1, 1, 1, 5, 'first')",
        here,
    )
    assert await reader.playable(here) == PlayableContent(here, "Here", "lib/Here.mp4", 120.5, 1000)
    assert await reader.playable(gone) is None  # the file is not there to stream
    assert await reader.playable(999_999) is None
    hands = await reader.hands(here)
    assert [
        (h.content_id, h.hand_index, h.start_seconds, h.end_seconds, h.title) for h in hands
    ] == [
        (here, 1, 1.0, 5.0, "first"),
        (here, 3, 10.0, 20.0, "big pot"),
    ]
    assert await reader.titles([gone, 999_999, here]) == {here: "Here", gone: "Gone"}
    assert await reader.counts() == CatalogCounts(
        total=2, available=1, missing=1, series=0, best_hands=2
    )
