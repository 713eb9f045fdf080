"""HTTP routes of the hot cache (SPEC §4.3: /api/admin/cache...); admin only."""

from __future__ import annotations

from litestar import delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from control.blocks.hot_cache.schemas import CacheOverview, WarmRequest
from control.blocks.hot_cache.service import HotCache
from control.orchestration.contracts import JobRecord
from control.orchestration.identity import AdminOnlyController
from control.web.openapi import error_responses
from control.web.params import Id


class HotCacheController(AdminOnlyController):
    path = "/admin/cache"
    tags = ["cache", "admin"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @get("/", responses=error_responses(401, 403))
    async def cache_overview(self, hot: NamedDependency[HotCache]) -> CacheOverview:
        """SSD usage and watermarks, the copies on the SSD (views, last player read), the
        candidates (hot, not copied yet), the L1 cache's counters."""
        return await hot.overview()

    @post("/warm", status_code=202, responses=error_responses(401, 403, 404, 409, 422))
    async def warm(self, data: JSONBody[WarmRequest], hot: NamedDependency[HotCache]) -> JobRecord:
        """Queue a `hot_copy` job for the content (CONTENT_NOT_FOUND; CACHE_TOO_SMALL when
        the file is larger than the room below the low watermark; HOT_SOURCE_MISSING when
        its NAS file cannot be read)."""
        return await hot.warm(data.content_id)

    @delete("/{content_id:int}", status_code=202, responses=error_responses(401, 403, 404))
    async def evict(self, content_id: Id, hot: NamedDependency[HotCache]) -> JobRecord:
        """Queue a `hot_evict` job removing the content's SSD copy (CONTENT_NOT_FOUND)."""
        return await hot.evict_by_hand(content_id)
