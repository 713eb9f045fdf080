"""Search documents: what the index knows of one content, built from the catalog's rows.

Both backends index the same documents: the fields a query matches (title; players, event,
series and year; hands and description, in falling order of relevance), the filters (year,
brand, event_type), what ranks equally relevant documents (popularity, then recency), and
the suggestions a content yields (its players, event and series).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from control.blocks.search.text import key, words

# The relevance tiers, best first: a query all of whose words are in the title ranks before
# one matched among the "main" fields, which ranks before one that needs the hands or the
# description. Lexemes of a tier carry its prefix in PostgreSQL ("t:negreanu").
TITLE_FIELDS = ("title",)
MAIN_FIELDS = ("title", "players", "event", "series", "year")
ALL_FIELDS = (*MAIN_FIELDS, "hands", "description")
TITLE_TIER, MAIN_TIER = "t:", "m:"
YEAR_PREFIX, BRAND_PREFIX, EVENT_TYPE_PREFIX, SUGGESTION_PREFIX = "y:", "b:", "e:", "x:"
EntityKind = Literal["player", "event", "series"]


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One content as the search block reads it from the catalog (contents, series and
    best_hands)."""

    id: int
    title: str
    short_title: str | None
    description: str
    year: int | None
    brand: str | None
    event_type: str | None
    duration_seconds: float | None
    thumbnail_path: str | None
    created_at: datetime
    available: bool
    metadata: Mapping[str, Any]
    series_title: str | None
    hands: Sequence[tuple[str, str | None, Sequence[str]]] = ()  # (title, category, players)


@dataclass(frozen=True, slots=True)
class Entity:
    """A suggestion other than a title: a player, an event or a series."""

    kind: EntityKind
    text: str

    @property
    def key(self) -> str:
        """Its identity: kind and folded words ("Negreanu" and "NEGREANU" are one)."""
        return f"{self.kind}:{key(self.text)}"


@dataclass(frozen=True, slots=True)
class Document:
    content_id: int
    fields: dict[str, list[str]]
    year: int | None
    brand_key: str | None
    event_type: str | None
    created_at: datetime
    entities: tuple[Entity, ...] = ()

    def field_words(self, names: Sequence[str]) -> set[str]:
        return {w for name in names for text in self.fields.get(name, ()) for w in words(text)}

    def words(self) -> set[str]:
        """Every distinct word of every field (the lexicon's entries)."""
        return self.field_words(ALL_FIELDS)

    def lexemes(self) -> list[str]:
        """The document as PostgreSQL indexes it (see migration 0005): plain words, tier
        words, filters and suggestion keys, sorted."""
        found = self.words()
        found |= {MAIN_TIER + w for w in self.field_words(MAIN_FIELDS)}
        found |= {TITLE_TIER + w for w in self.field_words(TITLE_FIELDS)}
        found |= {f"{SUGGESTION_PREFIX}{entity.key}" for entity in self.entities}
        found |= set(filter_lexemes(self.year, self.brand_key, self.event_type))
        return sorted(found)


def filter_lexemes(year: int | None, brand_key: str | None, event_type: str | None) -> list[str]:
    """The lexemes a document carries for its filters (and a filtered query requires)."""
    found = []
    if year is not None:
        found.append(f"{YEAR_PREFIX}{year}")
    if brand_key is not None:
        found.append(f"{BRAND_PREFIX}{brand_key}")
    if event_type is not None:
        found.append(f"{EVENT_TYPE_PREFIX}{event_type}")
    return found


def _texts(*values: Any) -> list[str]:
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _players(entry: CatalogEntry) -> list[str]:
    names: list[Any] = [name for _, _, players in entry.hands for name in players]
    listed = entry.metadata.get("players")
    if isinstance(listed, list):
        names.extend(listed)
    return _texts(*names)


def document_fields(entry: CatalogEntry) -> dict[str, list[str]]:
    """The texts of each field of a content (those it has)."""
    fields = {
        "title": _texts(entry.title, entry.short_title),
        "players": _players(entry),
        "event": _texts(entry.metadata.get("event_name"), entry.brand),
        "series": _texts(entry.series_title),
        "year": [str(entry.year)] if entry.year is not None else [],
        "hands": _texts(*(text for hand in entry.hands for text in hand[:2])),
        "description": _texts(entry.description),
    }
    return {name: texts for name, texts in fields.items() if texts}


def build_document(entry: CatalogEntry) -> Document:
    """The document of one content."""
    fields = document_fields(entry)
    entities = [Entity("player", name) for name in fields.get("players", ())]
    entities += [Entity("event", text) for text in _texts(entry.metadata.get("event_name"))]
    entities += [Entity("series", text) for text in fields.get("series", ())]
    unique: dict[str, Entity] = {}
    for entity in entities:
        if key(entity.text):
            unique.setdefault(entity.key, entity)
    brand_key = key(entry.brand) if entry.brand else None
    return Document(
        content_id=entry.id,
        fields=fields,
        year=entry.year,
        brand_key=brand_key or None,
        event_type=entry.event_type,
        created_at=entry.created_at,
        entities=tuple(unique.values()),
    )
