"""Request and response bodies of the admin API."""

from __future__ import annotations

from datetime import datetime

import msgspec

from control.orchestration.contracts import (
    Account,
    AccountCounts,
    AccountStatus,
    CatalogCounts,
    Role,
)


class StreamCounts(msgspec.Struct):
    """Live leases of the edge's limiter, across every edge process."""

    active_streams: int
    active_users: int


class ViewCounts(msgspec.Struct):
    """Started streams (one view each): since 00:00 UTC and over the last 7 days."""

    today: int
    last_7_days: int


class TopContent(msgspec.Struct):
    content_id: int
    title: str | None  # None: the content was deleted since
    views_7d: int
    views_today: int


class SsdCache(msgspec.Struct):
    root: str
    root_exists: bool
    used_bytes: int
    file_bytes: int
    files: int
    capacity_bytes: int
    used_ratio: float
    measured_seconds_ago: float
    # Body bytes the edges sent from each tier (all edge processes, shared/hot_reads.py)
    # and the SSD's share of them (null before any byte was sent).
    ssd_bytes_sent: int = 0
    nas_bytes_sent: int = 0
    hit_ratio_bytes: float | None = None


class RedisMemory(msgspec.Struct):
    used_bytes: int
    peak_bytes: int
    max_bytes: int  # 0: no limit configured
    fragmentation_ratio: float | None


class HttpRates(msgspec.Struct):
    """This control process's requests over the last `window_seconds`."""

    window_seconds: float
    requests: int
    requests_per_second: float
    server_errors: int
    error_rate: float  # share answered 5xx
    client_errors: int
    client_error_rate: float  # share answered 4xx


class Dashboard(msgspec.Struct):
    generated_at: datetime
    users: AccountCounts
    contents: CatalogCounts
    streams: StreamCounts
    views: ViewCounts
    top_contents: list[TopContent]
    ssd_cache: SsdCache
    redis_memory: RedisMemory
    http: HttpRates


class UserPageOut(msgspec.Struct):
    items: list[Account]
    total: int
    limit: int
    offset: int


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    role: Role | None = None
    status: AccountStatus | None = None
