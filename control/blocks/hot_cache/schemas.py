"""Request and response bodies of the hot-cache admin API (SPEC §4.3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from control.orchestration.contracts import L1Summary

BIGINT_MAX = 2**63 - 1
ContentId = Annotated[int, msgspec.Meta(ge=1, le=BIGINT_MAX)]


class WarmRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Copy a content's file to the SSD now (a `hot_copy` job)."""

    content_id: ContentId


class SsdState(msgspec.Struct):
    """The SSD tier: `used_bytes` is the size of every file under SSD_CACHE_ROOT (partial
    copies included), watermarks are shares of `capacity_bytes`. Bytes the edges sent per
    tier (summed over every edge process) give `hit_ratio_bytes` (null before any byte)."""

    used_bytes: int
    capacity_bytes: int
    files: int
    high_watermark: float
    low_watermark: float
    ssd_bytes_sent: int
    nas_bytes_sent: int
    hit_ratio_bytes: float | None


class HotEntry(msgspec.Struct):
    """A verified copy on the SSD. `last_access_at`: its last read by a player (null: none
    since it was copied)."""

    content_id: int
    title: str | None  # null: the content was deleted since
    file_path: str
    size_bytes: int
    views_7d: int
    cached_at: datetime
    last_access_at: datetime | None


class Candidate(msgspec.Struct):
    """A content with at least HOT_VIEWS started streams in 7 days, not on the SSD."""

    content_id: int
    title: str | None
    views_7d: int


class CacheOverview(msgspec.Struct):
    ssd: SsdState
    l1: L1Summary
    hot: list[HotEntry]
    candidates: list[Candidate]
