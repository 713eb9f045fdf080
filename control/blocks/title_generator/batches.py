"""Title batches off the event loop: parsing 500 long names is seconds of CPU, so it runs in
a small process pool (a thread would still hold the GIL against the event loop).

Bounded twice: a batch holds at most MAX_BATCH names (the request schema), and a process
runs at most `max_batches` batches at once (queued in the pool); past that a request is
refused at once (503 TITLES_BUSY with Retry-After) instead of waiting behind the others.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from control.blocks.title_generator.parser import generate_titles
from shared.errors import WsoptvError

RETRY_AFTER_SECONDS = 2


class TitlesBusy(WsoptvError):
    code = "TITLES_BUSY"
    status = 503


def _generate(items: Sequence[tuple[str, str | None]]) -> list[dict[str, Any]]:
    # Runs in a pool process: plain dicts cross the process boundary cheaply.
    return [result.to_dict() for result in generate_titles(items)]


class TitleBatches:
    def __init__(self, workers: int, max_batches: int) -> None:
        self._workers = workers
        self._slots = asyncio.Semaphore(max_batches)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        # Started on first use: most control processes never see a batch. `spawn`, not
        # fork: a forked copy of a running event loop and its threads is not safe.
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    async def generate(self, items: Sequence[tuple[str, str | None]]) -> list[dict[str, Any]]:
        """The titles of 1..MAX_BATCH names, in order; TitlesBusy when this process is full."""
        if self._slots.locked():
            raise TitlesBusy(
                "too many title batches are running; retry shortly",
                details={"retry_after": RETRY_AFTER_SECONDS},
            )
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor(), _generate, list(items))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
