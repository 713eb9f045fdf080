"""The asyncpg pool of one control process."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# What repositories take: a plain connection (CLI, tests) or one lent by the pool.
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy


async def create_pool(dsn: str, max_size: int) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(dsn, min_size=1, max_size=max_size)
    return pool
