"""The home document's shape (GET /api/home), for validation-free output and OpenAPI."""

from __future__ import annotations

import msgspec

from control.orchestration.contracts import Hand


class WatchProgress(msgspec.Struct):
    position_seconds: float
    duration_seconds: float
    ratio: float
    updated_at: str


class HomeItem(msgspec.Struct, omit_defaults=True):
    id: int
    title: str
    short_title: str | None
    duration_seconds: float | None
    year: int | None
    brand: str | None
    series_id: int | None
    thumbnail_path: str | None
    created_at: str
    thumbnail_url: str | None = None  # the poster, signed: an <img> loads it as it is
    progress: WatchProgress | None = None  # Continue Watching only
    views_7d: int | None = None  # Trending only
    hand: Hand | None = None  # Best Hands only: the player jumps to start_seconds


class HomeRow(msgspec.Struct):
    """continue_watching, recently_added, trending, series:<id> or best_hands."""

    id: str
    title: str
    items: list[HomeItem]


class HomeOut(msgspec.Struct):
    rows: list[HomeRow]
