"""GET /api/admin/dashboard: accounts and catalog (through their blocks' contracts), the
limiter's Redis keys, the SSD cache directory, Redis INFO and this process's request counters."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from control.blocks.admin import schemas
from control.blocks.admin.activity import ContentViews, read_activity
from control.blocks.admin.http_rates import RequestRates
from control.orchestration.contracts import AccountDirectory, ContentReader
from shared.hot_reads import TIER_BYTES, TierBytes
from shared.ssd_usage import SsdUsage

TOP_CONTENTS = 10


class DashboardService:
    def __init__(
        self,
        accounts: AccountDirectory,
        catalog: ContentReader,
        redis: Redis,
        ssd: SsdUsage,
        capacity_bytes: int,
        rates: RequestRates,
    ) -> None:
        self._accounts, self._catalog = accounts, catalog
        self._redis, self._ssd = redis, ssd
        self._capacity, self._rates = capacity_bytes, rates

    async def build(self, registry: CollectorRegistry) -> schemas.Dashboard:
        users, contents, (streams, top, views), ssd, memory = await asyncio.gather(
            self._accounts.account_counts(),
            self._catalog.counts(),
            self._streams(),
            self._ssd_cache(),
            self._redis_memory(),
        )
        ids = [v.content_id for v in top]
        titles = await self._catalog.titles(ids) if ids else {}
        return schemas.Dashboard(
            generated_at=datetime.now(UTC),
            users=users,
            contents=contents,
            streams=streams,
            views=views,
            top_contents=[
                schemas.TopContent(v.content_id, titles.get(v.content_id), v.week, v.today)
                for v in top
            ],
            ssd_cache=ssd,
            redis_memory=memory,
            http=self._http(registry),
        )

    async def _streams(
        self,
    ) -> tuple[schemas.StreamCounts, list[ContentViews], schemas.ViewCounts]:
        found = await read_activity(self._redis)
        totals = schemas.ViewCounts(
            today=sum(v.today for v in found.by_content),
            last_7_days=sum(v.week for v in found.by_content),
        )
        streams = schemas.StreamCounts(found.active_streams, found.active_users)
        return streams, found.by_content[:TOP_CONTENTS], totals

    async def _ssd_cache(self) -> schemas.SsdCache:
        (usage, age), sent = await asyncio.gather(
            self._ssd.usage(), self._redis.hgetall(TIER_BYTES)
        )
        tiers = TierBytes.parse(sent)
        return schemas.SsdCache(
            root=str(self._ssd.root),
            root_exists=usage.root_exists,
            used_bytes=usage.used_bytes,
            file_bytes=usage.file_bytes,
            files=usage.files,
            capacity_bytes=self._capacity,
            used_ratio=round(usage.used_bytes / self._capacity, 6) if self._capacity else 0.0,
            measured_seconds_ago=round(age, 3),
            ssd_bytes_sent=tiers.ssd,
            nas_bytes_sent=tiers.nas,
            hit_ratio_bytes=tiers.hit_ratio,
        )

    async def _redis_memory(self) -> schemas.RedisMemory:
        info: dict[str, Any] = await self._redis.info("memory")
        ratio = info.get("mem_fragmentation_ratio")
        return schemas.RedisMemory(
            used_bytes=int(info["used_memory"]),
            peak_bytes=int(info.get("used_memory_peak", 0)),
            max_bytes=int(info.get("maxmemory", 0)),
            fragmentation_ratio=None if ratio is None else float(ratio),
        )

    def _http(self, registry: CollectorRegistry) -> schemas.HttpRates:
        rates = self._rates.measure(registry)
        return schemas.HttpRates(
            window_seconds=rates.window_seconds,
            requests=rates.requests,
            requests_per_second=round(rates.requests_per_second, 3),
            server_errors=rates.server_errors,
            error_rate=round(rates.error_rate, 4),
            client_errors=rates.client_errors,
            client_error_rate=round(rates.client_error_rate, 4),
        )
