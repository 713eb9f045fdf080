"""The search endpoints' answers (SPEC §4.1), for validation-free output and OpenAPI."""

from __future__ import annotations

import msgspec

from control.blocks.search.backend import SuggestionKind


class SearchHit(msgspec.Struct):
    id: int
    title: str
    short_title: str | None
    year: int | None
    brand: str | None
    event_type: str | None
    duration_seconds: float | None
    # A signed edge URL of the poster; null while the content has no thumbnail.
    thumbnail_url: str | None
    # Matched fields (title, players, event, series, hands), HTML-escaped, the matching words
    # wrapped in <mark>...</mark>.
    highlights: dict[str, str]


class SearchResults(msgspec.Struct):
    hits: list[SearchHit]
    # Exact up to 1,000 matches; past that an estimate (two significant digits).
    total: int
    processing_time_ms: float
    # The query as searched when a word was corrected ("negraneu" -> "negreanu"), else null.
    corrected_query: str | None


class Suggestion(msgspec.Struct):
    text: str
    kind: SuggestionKind
    content_id: int | None  # the content of a title suggestion; null for the other kinds


class Suggestions(msgspec.Struct):
    suggestions: list[Suggestion]
