"""The worker process (`wsoptv worker`): the registry's blocks without HTTP, running jobs.

Every block starts as in control (their services are what the jobs use); then the
JOB_RUNNER contract consumes the queues and runs each block's declared jobs until SIGTERM
or SIGINT, after which running jobs are handed back to the queue and the blocks stop.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from typing import Any

from control.orchestration.block import Block
from control.orchestration.bus import MessageBus
from control.orchestration.contracts import JOB_RUNNER
from control.orchestration.registry import BlockRegistry, discover
from control.runtime import started_blocks
from control.settings import ControlSettings
from control.web.logging import configure_logging

log = logging.getLogger("wsoptv.worker")


async def serve_worker(
    settings: ControlSettings,
    *,
    concurrency: int,
    queues: Sequence[str] | None = None,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
    blocks: Sequence[Block[Any]] | None = None,
) -> None:
    """Run jobs until `stop` is set (`ready` once consuming); `blocks` defaults to every
    block under control/blocks."""
    registry = BlockRegistry(discover() if blocks is None else blocks)
    registry.validate()
    bus = MessageBus(handler_timeout=settings.bus_handler_timeout)
    async with started_blocks(settings, registry, bus):
        runner = registry.provided(JOB_RUNNER)
        await runner.run(
            registry.bound_jobs(), concurrency=concurrency, queues=queues, stop=stop, ready=ready
        )


def run_worker(
    settings: ControlSettings,
    *,
    concurrency: int,
    queues: Sequence[str] | None = None,
    blocks: Sequence[Block[Any]] | None = None,
) -> None:
    """The process: serve_worker on uvloop, stopped cleanly by SIGTERM or SIGINT."""
    import uvloop

    configure_logging(settings.log_level)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve_worker(
            settings, concurrency=concurrency, queues=queues, stop=stop, blocks=blocks
        )

    uvloop.run(main())
