"""A Prometheus collector over state that lives in PostgreSQL and Redis (jobs, hot copies).

Scrapes are synchronous and must not wait on the network: `collect` answers from the last
snapshot and, when that is older than SNAPSHOT_MAX_AGE, takes a new one in the background.
A failed snapshot is logged and the previous one kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

import asyncpg
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

SNAPSHOT_MAX_AGE = 5.0
S = TypeVar("S")


class SnapshotCollector(Collector, Generic[S]):
    """Subclasses say how to take a snapshot (`take`) and what it reports (`families`)."""

    def __init__(self, empty: S, log: logging.Logger) -> None:
        self._snapshot = empty
        self._taken = 0.0
        self._log = log
        self._refreshing: asyncio.Task[None] | None = None

    async def take(self) -> S:
        raise NotImplementedError

    def families(self, snapshot: S) -> Iterator[Metric]:
        raise NotImplementedError

    async def refresh(self) -> None:
        taken = time.monotonic()
        try:
            snapshot = await self.take()
        except (RedisError, OSError, asyncpg.PostgresError) as exc:
            self._log.warning("metrics not refreshed: %s", exc)
            return
        self._snapshot, self._taken = snapshot, taken

    async def close(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refreshing

    def collect(self) -> Iterator[Metric]:
        self._refresh_soon()
        yield from self.families(self._snapshot)

    def _refresh_soon(self) -> None:
        if time.monotonic() - self._taken < SNAPSHOT_MAX_AGE:
            return
        if self._refreshing is not None and not self._refreshing.done():
            return
        with contextlib.suppress(RuntimeError):  # no running loop: keep the last snapshot
            self._refreshing = asyncio.get_running_loop().create_task(self.refresh())
