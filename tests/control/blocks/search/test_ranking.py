"""Tiered ranking reads little and answers exactly: whichever path a query takes (all matches
read and ranked, tiers walked in popularity order, sparse tiers read through GIN), the
page is the one a full ranking gives."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from control.blocks.search import pg_search
from control.blocks.search.backend import Filters
from control.blocks.search.documents import CatalogEntry, build_document
from control.blocks.search.pg_index import PostgresIndex
from control.blocks.search.pg_search import PostgresSearch
from control.blocks.search.query import parse

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ["colossus", "paradise", "negreanu", "ivey", "main", "event", "final", "table", "aces"]


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    rng = random.Random(1)
    documents = []
    for content_id in range(1, 121):
        title = " ".join(rng.choices(WORDS, k=3))
        players = rng.sample(["Phil Ivey", "Jason Koon", "Daniel Negreanu"], rng.randint(0, 2))
        documents.append(
            build_document(
                CatalogEntry(
                    id=content_id,
                    title=title,
                    short_title=None,
                    description="",
                    year=rng.choice([2023, 2024]),
                    brand="WSOP",
                    event_type=None,
                    duration_seconds=None,
                    thumbnail_path=None,
                    created_at=T0 + timedelta(days=rng.randrange(30)),
                    available=True,
                    metadata={"event_name": rng.choice(WORDS)},
                    series_title=None,
                    hands=[("Hand 1", None, players)] if players else [],
                )
            )
        )
    index = PostgresIndex(pool)
    await index.apply(documents, [])
    await index.set_popularity({i: rng.choice([0, 0, 1, 2, 5]) for i in range(1, 121)})
    try:
        yield pool
    finally:
        await pool.close()


QUERIES = ["colossus ", "ivey ", "negreanu", "main event ", "aces ", "fin", "p", "table ivey "]


@pytest.mark.parametrize("walk", [(2000, 100), (3, 1)])  # walks that fill pages, or give up
async def test_every_path_gives_the_full_ranking(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, walk: tuple[int, int]
) -> None:
    monkeypatch.setattr(pg_search, "WALK_ROWS", walk[0])
    monkeypatch.setattr(pg_search, "WALK_ROWS_PER_HIT", walk[1])
    full = PostgresSearch(pool)  # 120 documents: every query is read whole and ranked
    tiered = PostgresSearch(pool, exact_total=4)
    for q in QUERIES:
        for filters in (Filters(), Filters(year=2024)):
            for offset, limit in ((0, 5), (3, 7), (10, 20)):
                expected = await full.search(parse(q), filters, offset, limit)
                found = await tiered.search(parse(q), filters, offset, limit)
                assert found.ids == expected.ids, (q, filters, offset, limit)
                # Past the cap the total is an estimate; this sample reads every page.
                assert found.total == expected.total or found.total > 4 < expected.total
