"""The PostgreSQL index's incremental upkeep: the lexicon, the typo variants and the
suggestions always say what a full recount would say, however changes arrive."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from control.blocks.search.documents import CatalogEntry, Document, build_document
from control.blocks.search.pg_index import PostgresIndex
from control.blocks.search.text import deletions, typo_budget

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NAMES = ["Negreanu", "Hellmuth", "Agüero", "Ivey", "Kornuth", "Koon", "Mizzi", "Ensan"]
EVENTS = ["Main Event", "Colossus", "Super Main Event", "Ladies", None]


def entry(content_id: int, rng: random.Random) -> CatalogEntry:
    players = rng.sample(NAMES, rng.randint(0, 3))
    event = rng.choice(EVENTS)
    return CatalogEntry(
        id=content_id,
        title=f"WSOP {rng.choice(['2023', '2024'])} {event or 'Show'} {' vs '.join(players)}",
        short_title=None,
        description="",
        year=2024,
        brand="WSOP",
        event_type="main_event",
        duration_seconds=None,
        thumbnail_path=None,
        created_at=T0,
        available=True,
        metadata={"event_name": event} if event else {},
        series_title=f"WSOP 2024 {event}" if event else None,
        hands=[("Hand 1", None, players)] if players else [],
    )


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()


async def state(pool: asyncpg.Pool) -> dict[str, Any]:
    async with pool.acquire() as conn:
        return {
            "lexicon": {
                r["word"]: r["documents"]
                for r in await conn.fetch("SELECT word, documents FROM search_lexicon")
            },
            "deletions": {
                (r["variant"], r["word"])
                for r in await conn.fetch("SELECT variant, word FROM search_deletions")
            },
            "suggestions": {
                r["key"]: (r["kind"], r["text"], r["documents"], r["popularity"])
                for r in await conn.fetch("SELECT * FROM search_suggestions")
            },
        }


def expected(documents: dict[int, Document], popularity: dict[int, int]) -> dict[str, Any]:
    """What the tables must hold for `documents`, computed from scratch."""
    lexicon: dict[str, int] = {}
    suggestions: dict[str, Any] = {}
    for document in documents.values():
        for word in document.words():
            lexicon[word] = lexicon.get(word, 0) + 1
        for entity in document.entities:
            kind, text, count, views = suggestions.get(entity.key, (entity.kind, entity.text, 0, 0))
            suggestions[entity.key] = (
                kind,
                text,
                count + 1,
                views + popularity.get(document.content_id, 0),
            )
    variants = {
        (variant, word)
        for word in lexicon
        if typo_budget(word)
        for variant in deletions(word, typo_budget(word))
    }
    return {"lexicon": lexicon, "deletions": variants, "suggestions": suggestions}


def same_suggestions(found: dict[str, Any], wanted: dict[str, Any]) -> bool:
    # The text of a key is the first spelling indexed; counts must match exactly.
    return {k: v[2:] for k, v in found.items()} == {k: v[2:] for k, v in wanted.items()}


async def test_random_changes_keep_every_count_exact(pool: asyncpg.Pool) -> None:
    rng = random.Random(11)
    index = PostgresIndex(pool)
    live: dict[int, Document] = {}
    for _ in range(40):
        ids = rng.sample(range(1, 30), rng.randint(1, 6))
        changed = [build_document(entry(i, rng)) for i in ids[: len(ids) // 2 + 1]]
        removed = ids[len(ids) // 2 + 1 :]
        await index.apply(changed, removed)
        live.update({d.content_id: d for d in changed})
        for content_id in removed:
            live.pop(content_id, None)
    found, wanted = await state(pool), expected(live, {})
    assert found["lexicon"] == wanted["lexicon"]
    assert found["deletions"] == wanted["deletions"]
    assert same_suggestions(found["suggestions"], wanted["suggestions"])


async def test_applying_a_change_twice_or_from_two_processes_at_once_counts_it_once(
    pool: asyncpg.Pool, database_url: str
) -> None:
    rng = random.Random(5)
    documents = [build_document(entry(i, rng)) for i in range(1, 40)]
    other_pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:
        # Every control process hears every content event and applies it.
        await asyncio.gather(
            *(
                PostgresIndex(p).apply(documents[i::3], [])
                for p in (pool, other_pool)
                for i in range(3)
            )
        )
        await PostgresIndex(pool).apply(documents, [])
    finally:
        await other_pool.close()
    found, wanted = await state(pool), expected({d.content_id: d for d in documents}, {})
    assert found["lexicon"] == wanted["lexicon"]
    assert same_suggestions(found["suggestions"], wanted["suggestions"])


async def test_popularity_moves_the_suggestions_with_it(pool: asyncpg.Pool) -> None:
    rng = random.Random(3)
    index = PostgresIndex(pool)
    documents = {i: build_document(entry(i, rng)) for i in range(1, 12)}
    await index.apply(list(documents.values()), [])
    views = {2: 7, 5: 3, 9: 1}
    assert await index.set_popularity(views) == views
    assert await index.set_popularity(views) == {}  # nothing changed since
    assert await index.set_popularity({2: 7, 9: 1}) == {5: 0}
    documents[2] = build_document(entry(2, rng))  # an edit keeps the views
    del documents[9]  # a deletion takes them away
    await index.apply([documents[2]], [9])
    found = await state(pool)
    assert same_suggestions(found["suggestions"], expected(documents, {2: 7})["suggestions"])
    await index.recount({})  # a recount from the documents agrees
    assert (await state(pool))["suggestions"] == found["suggestions"]


async def test_a_recount_repairs_drift(pool: asyncpg.Pool) -> None:
    rng = random.Random(8)
    index = PostgresIndex(pool)
    documents = [build_document(entry(i, rng)) for i in range(1, 20)]
    await index.apply(documents, [])
    before = await state(pool)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE search_lexicon SET documents = documents + 5")
        await conn.execute("DELETE FROM search_deletions WHERE word = 'negreanu'")
        await conn.execute("INSERT INTO search_lexicon VALUES ('ghost', 3)")
        await conn.execute("UPDATE search_suggestions SET popularity = 99")
    await index.recount({e.key: e for d in documents for e in d.entities})
    assert await state(pool) == before
