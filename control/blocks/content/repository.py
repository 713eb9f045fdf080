"""Contents, series and best hands in PostgreSQL: typed objects in, typed objects out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import asyncpg

from control.db.pool import Connection

CONTENT_COLUMNS = (
    "id, series_id, title, short_title, description, duration_seconds, file_path, file_size, "
    "brand, event_type, year, quality, thumbnail_path, metadata, title_source, "
    "title_confidence, missing_since, created_at, updated_at"
)
SortKey = Literal["newest", "oldest", "title", "year"]
Availability = Literal["available", "missing", "all"]
_AVAILABILITY: dict[str, str] = {
    "available": "missing_since IS NULL",
    "missing": "missing_since IS NOT NULL",
    "all": "true",
}
_ORDER_BY: dict[str, str] = {
    # Every ordering ends in the primary key, so pages are stable under equal values.
    "newest": "created_at DESC, id DESC",
    "oldest": "created_at ASC, id ASC",
    "title": "lower(title) ASC, id ASC",
    "year": "year DESC NULLS LAST, created_at DESC, id DESC",
}


@dataclass(frozen=True, slots=True)
class Content:
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
    title_source: str
    title_confidence: float | None
    missing_since: datetime | None  # set by a scan that no longer found the file
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | Mapping[str, Any]) -> Content:
        values = dict(row)
        if isinstance(values["metadata"], str):
            values["metadata"] = json.loads(values["metadata"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    slug: str
    title: str
    brand: str | None
    year: int | None
    description: str
    content_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Hand:
    id: int
    content_id: int
    hand_index: int
    start_seconds: float
    end_seconds: float
    category: str | None
    title: str
    players: list[str]
    pot_size: float | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Hand:
        values = dict(row)
        pot = values["pot_size"]
        values["pot_size"] = float(pot) if isinstance(pot, Decimal) else pot
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ContentFilter:
    series_id: int | None = None
    brand: str | None = None
    event_type: str | None = None
    year: int | None = None
    quality: str | None = None
    # Entries whose file a scan no longer found cannot be played: only admins list them.
    availability: Availability = "available"

    def where(self) -> tuple[str, list[Any]]:
        """A WHERE clause with numbered parameters for the set filters."""
        clauses: list[str] = [_AVAILABILITY[self.availability]]
        args: list[Any] = []
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name != "availability" and value is not None:
                args.append(value)
                clauses.append(f"{field.name} = ${len(args)}")
        return " WHERE " + " AND ".join(clauses), args


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Content]
    total: int
    limit: int
    offset: int


async def list_contents(
    conn: Connection,
    filters: ContentFilter,
    *,
    sort: SortKey = "newest",
    limit: int = 20,
    offset: int = 0,
) -> Page:
    where, args = filters.where()
    n = len(args)
    rows = await conn.fetch(
        f"SELECT {CONTENT_COLUMNS}, count(*) OVER () AS total FROM contents{where} "
        f"ORDER BY {_ORDER_BY[sort]} LIMIT ${n + 1} OFFSET ${n + 2}",
        *args,
        limit,
        offset,
    )
    if rows:
        total = rows[0]["total"]
    else:
        total = await conn.fetchval(f"SELECT count(*) FROM contents{where}", *args)
    items = [Content.from_row(_without(row, "total")) for row in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


def _without(row: asyncpg.Record, *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


async def get_content(conn: Connection, content_id: int) -> Content | None:
    row = await conn.fetchrow(f"SELECT {CONTENT_COLUMNS} FROM contents WHERE id = $1", content_id)
    return None if row is None else Content.from_row(row)


async def get_contents(conn: Connection, ids: Sequence[int]) -> list[Content]:
    """Contents by id, in the order of `ids` (unknown ids are skipped)."""
    rows = await conn.fetch(
        f"SELECT {CONTENT_COLUMNS} FROM contents WHERE id = ANY($1::bigint[])", list(ids)
    )
    by_id = {row["id"]: Content.from_row(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


EDITABLE = (
    "series_id",
    "title",
    "short_title",
    "description",
    "duration_seconds",
    "file_path",
    "file_size",
    "brand",
    "event_type",
    "year",
    "quality",
    "thumbnail_path",
    "metadata",
)


# Fields an editor sets that a rescan must then leave alone (see library.py): editing any of
# them makes the entry's title_source 'manual'.
DESCRIPTIVE = frozenset(
    {"title", "short_title", "brand", "event_type", "year", "series_id", "metadata"}
)


async def insert_content(
    conn: Connection,
    values: dict[str, Any],
    *,
    title_source: str = "manual",
    missing_since: datetime | None = None,
) -> Content:
    """Insert (an admin's re-creation of a deleted path lifts its exclusion from scans);
    asyncpg.UniqueViolationError when the file path is already catalogued."""
    names = [name for name in EDITABLE if name in values]
    extra: dict[str, Any] = {"title_source": title_source, "missing_since": missing_since}
    if "title_confidence" in values:
        extra["title_confidence"] = values["title_confidence"]
    columns = [*names, *extra]
    async with conn.transaction():
        row = await conn.fetchrow(
            f"INSERT INTO contents ({', '.join(columns)}) "
            f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))}) "
            f"RETURNING {CONTENT_COLUMNS}",
            *[db_value(name, values[name]) for name in names],
            *extra.values(),
        )
        assert row is not None
        await _include(conn, values["file_path"])
    return Content.from_row(row)


async def _include(conn: Connection, file_path: str) -> None:
    await conn.execute("DELETE FROM library_exclusions WHERE file_path = $1", file_path)


async def update_content(
    conn: Connection, content_id: int, values: dict[str, Any]
) -> Content | None:
    """Apply the given fields; edited descriptive fields are never replaced by a rescan."""
    names = [name for name in EDITABLE if name in values]
    if not names:
        return await get_content(conn, content_id)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
    manual = ", title_source = 'manual'" if DESCRIPTIVE.intersection(names) else ""
    async with conn.transaction():
        row = await conn.fetchrow(
            f"UPDATE contents SET {assignments}{manual}, updated_at = now() WHERE id = $1 "
            f"RETURNING {CONTENT_COLUMNS}",
            content_id,
            *[db_value(name, values[name]) for name in names],
        )
        if row is not None and "file_path" in values:
            await _include(conn, values["file_path"])
    return None if row is None else Content.from_row(row)


def db_value(name: str, value: Any) -> Any:
    """A column value as asyncpg takes it (metadata is JSON text)."""
    return json.dumps(value, ensure_ascii=False, default=str) if name == "metadata" else value


async def delete_content(conn: Connection, content_id: int) -> bool:
    """Delete the entry and keep later scans from adding its file again."""
    async with conn.transaction():
        file_path = await conn.fetchval(
            "DELETE FROM contents WHERE id = $1 RETURNING file_path", content_id
        )
        if file_path is None:
            return False
        await conn.execute(
            "INSERT INTO library_exclusions (file_path) VALUES ($1) "
            "ON CONFLICT (file_path) DO UPDATE SET excluded_at = now()",
            file_path,
        )
    return True


_SERIES = (
    "SELECT s.id, s.slug, s.title, s.brand, s.year, s.description, "
    "       count(c.id)::int AS content_count, s.created_at, s.updated_at "
    "FROM series s LEFT JOIN contents c ON c.series_id = s.id AND c.missing_since IS NULL "
)


@dataclass(frozen=True, slots=True)
class SeriesPage:
    items: list[Series]
    total: int
    limit: int
    offset: int


async def list_series(
    conn: Connection,
    *,
    brand: str | None = None,
    year: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> SeriesPage:
    """Series newest year first (then title, id: a stable order), with their content counts."""
    rows = await conn.fetch(
        f"{_SERIES} WHERE ($1::text IS NULL OR s.brand = $1) AND ($2::int IS NULL OR s.year = $2) "
        "GROUP BY s.id ORDER BY s.year DESC NULLS LAST, s.title, s.id LIMIT $3 OFFSET $4",
        brand,
        year,
        limit,
        offset,
    )
    total = await conn.fetchval(
        "SELECT count(*) FROM series WHERE ($1::text IS NULL OR brand = $1) "
        "AND ($2::int IS NULL OR year = $2)",
        brand,
        year,
    )
    return SeriesPage([Series(**dict(row)) for row in rows], total, limit, offset)


async def get_series(conn: Connection, series_id: int) -> Series | None:
    row = await conn.fetchrow(f"{_SERIES} WHERE s.id = $1 GROUP BY s.id", series_id)
    return None if row is None else Series(**dict(row))


async def series_exists(conn: Connection, series_id: int) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM series WHERE id = $1)", series_id)
    )


HAND_COLUMNS = (
    "id, content_id, hand_index, start_seconds, end_seconds, category, title, "
    "players, pot_size, created_at"
)


async def list_hands(conn: Connection, content_id: int) -> list[Hand]:
    rows = await conn.fetch(
        f"SELECT {HAND_COLUMNS} FROM best_hands WHERE content_id = $1 ORDER BY hand_index",
        content_id,
    )
    return [Hand.from_row(row) for row in rows]


async def replace_hands(
    conn: Connection, content_id: int, hands: Sequence[dict[str, Any]]
) -> list[Hand]:
    """Set a content's hands to exactly `hands` (bulk edit), in one transaction."""
    async with conn.transaction():
        await conn.execute("DELETE FROM best_hands WHERE content_id = $1", content_id)
        await conn.executemany(
            "INSERT INTO best_hands (content_id, hand_index, start_seconds, end_seconds, "
            "category, title, players, pot_size) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (
                    content_id,
                    h["hand_index"],
                    h["start_seconds"],
                    h["end_seconds"],
                    h.get("category"),
                    h.get("title", ""),
                    list(h.get("players", [])),
                    h.get("pot_size"),
                )
                for h in hands
            ],
        )
    return await list_hands(conn, content_id)
