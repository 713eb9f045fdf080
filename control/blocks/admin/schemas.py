"""Request and response bodies of the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Role = Literal["user", "moderator", "admin"]
Status = Literal["pending", "active", "suspended"]


class UserCounts(msgspec.Struct):
    total: int
    active: int
    pending: int
    suspended: int
    new_today: int  # since 00:00 UTC


class ContentCounts(msgspec.Struct):
    total: int
    available: int
    missing: int  # no longer found on the NAS by the last scan
    series: int
    best_hands: int


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
    users: UserCounts
    contents: ContentCounts
    streams: StreamCounts
    views: ViewCounts
    top_contents: list[TopContent]
    ssd_cache: SsdCache
    redis_memory: RedisMemory
    http: HttpRates


class AdminUserOut(msgspec.Struct):
    id: int
    email: str
    username: str
    role: Role
    status: Status
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


class UserPageOut(msgspec.Struct):
    items: list[AdminUserOut]
    total: int
    limit: int
    offset: int


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    role: Role | None = None
    status: Status | None = None


SearchText = Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
