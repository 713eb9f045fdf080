"""The hot cache's background jobs (queue `hot`): hot_copy and hot_evict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from control.orchestration.jobs import Job, JobContext, JobResult

if TYPE_CHECKING:
    from control.blocks.hot_cache import HotCacheServices

QUEUE = "hot"


async def hot_copy(ctx: JobContext[HotCacheServices], *, content_id: int) -> JobResult:
    """Copy the content's NAS file to the SSD: throttled, verified, renamed into place."""
    return await ctx.services.hot.place(content_id, ctx.progress)


async def hot_evict(
    ctx: JobContext[HotCacheServices], *, content_id: int | None = None, reason: str = "admin"
) -> JobResult:
    """Remove a content's SSD copy, or (no content) bring the SSD under its watermarks."""
    return await ctx.services.hot.evict(content_id, reason, ctx.progress)


# A copy cut short by a dying worker runs again: its attempts allow a few such deaths.
JOBS: tuple[Job[HotCacheServices], ...] = (
    Job("hot_copy", hot_copy, queue=QUEUE, max_attempts=5),
    Job("hot_evict", hot_evict, queue=QUEUE, max_attempts=3),
)
