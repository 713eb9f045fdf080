"""Request and response bodies of the content endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from control.blocks.content.repository import Content, Hand, Series

EventType = Literal["hand_clip", "highlight", "main_event", "bracelet_event", "side_event", "show"]
SortOrder = Literal["newest", "oldest", "title", "year"]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
ShortText = Annotated[str, msgspec.Meta(max_length=300)]
Description = Annotated[str, msgspec.Meta(max_length=10_000)]
RelativePath = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
Year = Annotated[int, msgspec.Meta(ge=1970, le=2100)]
BIGINT_MAX = 2**63 - 1  # PostgreSQL's bigint: past it, asyncpg fails (a 500, not a 400)
# A video or a hand time: at most about 11.5 days, which no archive recording comes near.
MAX_SECONDS = 1_000_000.0
Seconds = Annotated[float, msgspec.Meta(ge=0, le=MAX_SECONDS)]
Bytes = Annotated[int, msgspec.Meta(ge=0, le=BIGINT_MAX)]
Id = Annotated[int, msgspec.Meta(ge=1, le=BIGINT_MAX)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType


class ContentOut(msgspec.Struct):
    id: int
    series_id: int | None
    title: str
    short_title: str | None
    description: str
    duration_seconds: float | None
    file_path: str
    file_size: int | None
    brand: str | None
    event_type: str | None
    year: int | None
    quality: str | None
    thumbnail_path: str | None
    metadata: dict[str, Any]
    title_source: Literal["generated", "manual"]
    title_confidence: float | None
    # False once a scan no longer finds the file: kept (hands, history), not playable.
    available: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, content: Content) -> ContentOut:
        confidence = content.title_confidence
        return cls(
            id=content.id,
            series_id=content.series_id,
            title=content.title,
            short_title=content.short_title,
            description=content.description,
            duration_seconds=content.duration_seconds,
            file_path=content.file_path,
            file_size=content.file_size,
            brand=content.brand,
            event_type=content.event_type,
            year=content.year,
            quality=content.quality,
            thumbnail_path=content.thumbnail_path,
            metadata=content.metadata,
            title_source=content.title_source,  # type: ignore[arg-type]
            title_confidence=None if confidence is None else round(confidence, 3),
            available=content.missing_since is None,
            created_at=content.created_at,
            updated_at=content.updated_at,
        )


class ContentPage(msgspec.Struct):
    items: list[ContentOut]
    total: int
    limit: int
    offset: int


class SeriesOut(msgspec.Struct):
    id: int
    slug: str
    title: str
    brand: str | None
    year: int | None
    description: str
    content_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, series: Series) -> SeriesOut:
        return cls(**{name: getattr(series, name) for name in cls.__struct_fields__})


class SeriesPageOut(msgspec.Struct):
    items: list[SeriesOut]
    total: int
    limit: int
    offset: int


class HandOut(msgspec.Struct):
    hand_index: int
    start_seconds: float
    end_seconds: float
    category: str | None
    title: str
    players: list[str]
    pot_size: float | None

    @classmethod
    def of(cls, hand: Hand) -> HandOut:
        return cls(**{name: getattr(hand, name) for name in cls.__struct_fields__})


class ContentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A catalog entry for a file under NAS_ROOT; without a title, the generator names it."""

    file_path: RelativePath
    title: Title | None = None
    short_title: ShortText | None = None
    description: Description = ""
    duration_seconds: Seconds | None = None
    file_size: Bytes | None = None
    series_id: Id | None = None
    brand: Label | None = None
    event_type: EventType | None = None
    year: Year | None = None
    quality: Label | None = None
    thumbnail_path: RelativePath | None = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class ContentUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields present change; null clears a nullable field."""

    file_path: RelativePath | Unset = UNSET
    title: Title | Unset = UNSET
    short_title: ShortText | Unset | None = UNSET
    description: Description | Unset = UNSET
    duration_seconds: Seconds | Unset | None = UNSET
    file_size: Bytes | Unset | None = UNSET
    series_id: Id | Unset | None = UNSET
    brand: Label | Unset | None = UNSET
    event_type: EventType | Unset | None = UNSET
    year: Year | Unset | None = UNSET
    quality: Label | Unset | None = UNSET
    thumbnail_path: RelativePath | Unset | None = UNSET
    metadata: dict[str, Any] | Unset = UNSET

    def changes(self) -> dict[str, Any]:
        return {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not UNSET
        }


class HandIn(msgspec.Struct, forbid_unknown_fields=True):
    hand_index: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    start_seconds: Seconds
    end_seconds: Seconds
    title: ShortText = ""
    category: Label | None = None
    players: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(max_length=20)
    ] = msgspec.field(default_factory=list)
    pot_size: Annotated[float, msgspec.Meta(ge=0, lt=1e12)] | None = None


class HandsReplace(msgspec.Struct, forbid_unknown_fields=True):
    """The complete new list of a content's hands (an empty list removes them all)."""

    hands: list[HandIn]


class ScanProgress(msgspec.Struct):
    done: int
    total: int


class ScanCounts(msgspec.Struct):
    found: int
    added: int
    updated: int
    unchanged: int
    missing: int


class ScanJobOut(msgspec.Struct):
    id: str
    status: Literal["running", "succeeded", "failed"]
    root: str
    progress: ScanProgress
    started_at: datetime
    finished_at: datetime | None = None
    report: ScanCounts | None = None
    error: str | None = None
    # A stable code for a failed job (LIBRARY_ROOT_MISSING, LIBRARY_SCAN_FAILED, ...).
    error_code: str | None = None
