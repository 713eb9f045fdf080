"""GET /api/search and GET /api/search/suggest (SPEC §4.1), for any signed-in account."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from control.blocks.search.backend import Filters
from control.blocks.search.schemas import SearchResults, Suggestions
from control.blocks.search.service import SearchService
from control.orchestration.contracts import EventType
from control.orchestration.identity import SignedInController
from control.web.openapi import error_responses

MAX_OFFSET = 1000
Query = Annotated[
    str,
    QueryParameter(
        min_length=1,
        max_length=200,
        description="Free text (1..200 characters): case-, accent- and punctuation-"
        "insensitive, typo-tolerant, the last word a prefix; operators and quotes are "
        "plain punctuation.",
    ),
]
YearFilter = Annotated[int | None, QueryParameter(ge=1970, le=2100)]
BrandFilter = Annotated[
    str | None,
    QueryParameter(min_length=1, max_length=100, description="Case- and accent-insensitive."),
]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Hits per page (1..100).")]
Offset = Annotated[
    int,
    QueryParameter(
        ge=0, le=MAX_OFFSET, description=f"Hits to skip (0..{MAX_OFFSET}): the first pages."
    ),
]
SuggestLimit = Annotated[int, QueryParameter(ge=1, le=20, description="Suggestions (1..20).")]

SEARCH_DESCRIPTION = (
    "Contents matching every word of `q` in their title, players, event, series, year or "
    "hands; ranked by relevance (all words in the title first, then in the title, players, "
    "event, series and year, then anywhere), then popularity (started streams over 7 days), "
    "then recency. A word of 4+ letters may be one edit off, of 8+ letters two (a swap of "
    "neighbouring letters is one edit); `corrected_query` then says what was searched. "
    "`total` is exact up to 1,000 matches and an estimate past that. No match: 200 with "
    "`hits: []`."
)
SUGGEST_DESCRIPTION = (
    "Titles, players, events and series whose words complete `q` (from one letter on), most "
    "popular first."
)


class SearchController(SignedInController):
    path = "/search"
    tags = ["search"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @get("", responses=error_responses(401), description=SEARCH_DESCRIPTION)
    async def search(
        self,
        search: NamedDependency[SearchService],
        q: Query,
        year: YearFilter = None,
        brand: BrandFilter = None,
        event_type: Annotated[EventType | None, QueryParameter()] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> SearchResults:
        """Full-text search of the catalog (see SEARCH_DESCRIPTION)."""
        found = await search.search(q, Filters(year, brand, event_type), limit, offset)
        return msgspec.convert(found, SearchResults)

    @get("/suggest", responses=error_responses(401), description=SUGGEST_DESCRIPTION)
    async def suggest(
        self, search: NamedDependency[SearchService], q: Query, limit: SuggestLimit = 8
    ) -> Suggestions:
        """Suggestions while typing (see SUGGEST_DESCRIPTION)."""
        return msgspec.convert(await search.suggest(q, limit), Suggestions)
