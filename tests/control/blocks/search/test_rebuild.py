"""Rebuilding the index: `wsoptv search reindex`, and searches answering throughout."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import pytest

from control.blocks.search import rebuild as rebuilding
from control.blocks.search.backend import Filters
from control.blocks.search.pg_search import PostgresSearch
from control.blocks.search.query import parse
from tests.control.blocks.search.conftest import insert_contents
from tests.support import REPO


def titles(count: int) -> list[str]:
    return [f"WSOP 2024 Colossus Day {n} Negreanu" for n in range(count)]


async def count_documents(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        found: int = await conn.fetchval("SELECT count(*) FROM search_documents")
        return found
    finally:
        await conn.close()


async def test_wsoptv_search_reindex_indexes_the_catalog(
    data_env: dict[str, str], database_url: str
) -> None:
    await insert_contents(database_url, titles(30))
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "deploy.cli", "search", "reindex"],
        cwd=REPO,
        env={**os.environ, **data_env, "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "search index rebuilt: 30 content(s) indexed, 0 stale document(s) removed" in result.stdout
    )
    assert await count_documents(database_url) == 30


async def test_searches_keep_their_answers_while_the_index_is_rebuilt(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await insert_contents(
        database_url, [f"WSOP 2024 Colossus Day {n} Negreanu" for n in range(300)]
    )
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:

        async def nothing() -> None:
            return None

        await rebuilding.rebuild(pool, None, nothing)
        monkeypatch.setattr(rebuilding, "BATCH", 10)  # many small steps to search between
        search = PostgresSearch(pool)
        expected = await search.search(parse("negreanu colossus"), Filters(), 0, 20)
        assert expected.total == 300
        rebuild = asyncio.create_task(rebuilding.rebuild(pool, None, nothing))
        searched = 0
        while not rebuild.done():
            found = await search.search(parse("negreanu colossus"), Filters(), 0, 20)
            assert (found.ids, found.total) == (expected.ids, expected.total)
            searched += 1
        report = await rebuild
    finally:
        await pool.close()
    assert report.indexed == 300 and searched > 5
