"""What a search backend does, whichever it is (PostgreSQL or MeiliSearch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from control.blocks.search.documents import filter_lexemes
from control.blocks.search.highlight import Matcher
from control.blocks.search.query import Term
from control.blocks.search.text import key

SuggestionKind = Literal["title", "player", "event", "series"]


@dataclass(frozen=True, slots=True)
class Filters:
    year: int | None = None
    brand: str | None = None
    event_type: str | None = None

    @property
    def brand_key(self) -> str | None:
        """The brand as documents store it ("WSOP-Paradise" → "wsop paradise")."""
        return None if self.brand is None else key(self.brand)

    def lexemes(self) -> list[str]:
        return filter_lexemes(self.year, self.brand_key, self.event_type)


@dataclass(frozen=True, slots=True)
class Ranked:
    """A page of results: content ids in rank order, the number of matches, and how the
    query was read (the words to highlight, the corrected query)."""

    ids: list[int]
    total: int
    matcher: Matcher
    corrected_query: str | None = None


@dataclass(frozen=True, slots=True)
class Suggested:
    text: str | None  # None for a title: the caller reads it from the catalog
    kind: SuggestionKind
    content_id: int | None
    popularity: int
    documents: int


class SearchBackend(Protocol):
    """Ranks contents for a query (PostgreSQL, or MeiliSearch when configured)."""

    name: str

    async def search(
        self, terms: Sequence[Term], filters: Filters, offset: int, limit: int
    ) -> Ranked: ...

    async def suggest(self, terms: Sequence[Term], limit: int) -> list[Suggested]:
        """Titles, players, events and series completing what was typed (unranked)."""
        ...

    async def probe(self) -> None:
        """Raise when the backend cannot answer."""
        ...


def rank_suggestions(found: Sequence[Suggested], limit: int) -> list[Suggested]:
    """Most popular first; then players, events and series before single titles; then the
    ones naming more contents."""
    order = {"series": 0, "event": 1, "player": 2, "title": 3}
    return sorted(found, key=lambda s: (-s.popularity, order[s.kind], -s.documents, s.text or ""))[
        :limit
    ]
