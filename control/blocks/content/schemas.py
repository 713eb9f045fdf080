"""Request and response bodies of the content endpoints."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from control.blocks.content.repository import Content, Series
from control.orchestration.contracts import EventType

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


class ContentPage(msgspec.Struct):
    items: list[Content]
    total: int
    limit: int
    offset: int


class SeriesPageOut(msgspec.Struct):
    items: list[Series]
    total: int
    limit: int
    offset: int


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
