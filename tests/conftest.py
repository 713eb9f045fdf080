"""Real PostgreSQL and Redis for the whole test session, and a fresh database per test.

By default both are the project's embedded servers, started once in a temporary directory
on free ports. TEST_DATABASE_URL / TEST_REDIS_URL point the suite at external servers instead
(the database user must be allowed to create databases).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from control.db.migrate import migrate
from deploy.embedded import EmbeddedPostgres, EmbeddedRedis
from deploy.infra import Endpoints
from tests.support import free_port


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """URLs of the session's PostgreSQL and Redis."""
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    data_dir = tmp_path_factory.mktemp("infra")
    postgres = None if database_url else EmbeddedPostgres(data_dir, free_port())
    redis = None if redis_url else EmbeddedRedis(data_dir, free_port())
    try:
        yield Endpoints(
            database_url or postgres.start(),  # type: ignore[union-attr]
            redis_url or redis.start(),  # type: ignore[union-attr]
        )
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture
async def empty_database_url(infra: Endpoints) -> AsyncIterator[str]:
    """A new, empty database of its own for one test; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(infra.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield _with_database(infra.database_url, name)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def database_url(empty_database_url: str) -> str:
    """A fresh database with every migration applied."""
    await migrate(empty_database_url)
    return empty_database_url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def redis(infra: Endpoints) -> AsyncIterator[Redis]:
    """A Redis client on a database flushed before the test."""
    client = Redis.from_url(infra.redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def data_env(tmp_path: Path, infra: Endpoints, database_url: str) -> dict[str, str]:
    """Environment for a `wsoptv` child process: own data dir, roots and migrated database."""
    nas, ssd = tmp_path / "nas", tmp_path / "ssd"
    nas.mkdir()
    ssd.mkdir()
    return {
        "WSOPTV_DATA_DIR": str(tmp_path / "data"),
        "NAS_ROOT": str(nas),
        "SSD_CACHE_ROOT": str(ssd),
        "THUMBNAIL_ROOT": str(tmp_path / "thumbnails"),
        "DATABASE_URL": database_url,
        "REDIS_URL": infra.redis_url,
    }
