"""The asyncpg pool of one control process, and the per-request connection dependency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from litestar.datastructures import State

# What repositories take: a plain connection (CLI, tests) or one lent by the pool.
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy


async def create_pool(dsn: str, max_size: int) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(dsn, min_size=1, max_size=max_size)
    return pool


async def provide_connection(state: State) -> AsyncIterator[Connection]:
    """Dependency `db_connection`: one pooled connection for the request, returned after it."""
    pool: asyncpg.Pool = state.db
    async with pool.acquire() as connection:
        yield connection
