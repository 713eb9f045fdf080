"""The catalog tables (owned by the content block): contents, series, best_hands and
library_exclusions. Typed objects in, typed objects out; the service opens transactions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import asyncpg
import msgspec

from control.db.pool import Connection
from control.orchestration.contracts import CatalogCounts, Hand

SortOrder = Literal["newest", "oldest", "title", "year"]
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
# A real (4-byte) column: 0.85 reads back as 0.8500000238, so it leaves rounded.
_CONTENT_COLUMNS = (
    "id, series_id, title, short_title, description, duration_seconds, file_path, file_size, "
    "brand, event_type, year, quality, thumbnail_path, metadata, title_source, "
    "round(title_confidence::numeric, 3)::float8 AS title_confidence, "
    "missing_since IS NULL AS available, missing_since, created_at, updated_at, "
    "media, media_error, probed_at, storyboard_path"
)


class Content(msgspec.Struct, frozen=True):
    """A catalog entry: a video file under NAS_ROOT with its titles and descriptive fields."""

    id: int
    series_id: int | None
    title: str
    short_title: str | None
    description: str
    duration_seconds: float | None
    file_path: str  # relative to NAS_ROOT (and SSD_CACHE_ROOT)
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
    missing_since: datetime | None
    created_at: datetime
    updated_at: datetime
    # What the probe job read from the file (container, codecs, frame rate, bitrate,
    # keyframe interval, audio tracks); media_error: why it could not (MEDIA_UNREADABLE...).
    media: dict[str, Any] | None
    media_error: str | None
    probed_at: datetime | None
    storyboard_path: str | None  # WebVTT index of the storyboard, under THUMBNAIL_ROOT
    # Signed edge URLs of the poster and the storyboard index (set by the service).
    thumbnail_url: str | None = None
    storyboard_url: str | None = None


class Series(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    brand: str | None
    year: int | None
    description: str
    content_count: int  # its available contents
    created_at: datetime
    updated_at: datetime


def _content(row: asyncpg.Record) -> Content:
    values = {name: row[name] for name in Content.__struct_fields__ if name in row}
    for name in ("metadata", "media"):
        if isinstance(values[name], str):
            values[name] = json.loads(values[name])
    return Content(**values)


def _hand(row: asyncpg.Record) -> Hand:
    values = {name: row[name] for name in Hand.__struct_fields__}
    pot = values["pot_size"]
    values["pot_size"] = float(pot) if isinstance(pot, Decimal) else pot
    values["players"] = list(values["players"])
    return Hand(**values)


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


async def list_contents(
    conn: Connection, filters: ContentFilter, *, sort: SortOrder, limit: int, offset: int
) -> Page:
    where, args = filters.where()
    n = len(args)
    rows = await conn.fetch(
        f"SELECT {_CONTENT_COLUMNS}, count(*) OVER () AS total FROM contents{where} "
        f"ORDER BY {_ORDER_BY[sort]} LIMIT ${n + 1} OFFSET ${n + 2}",
        *args,
        limit,
        offset,
    )
    if rows:
        total = rows[0]["total"]
    else:
        total = await conn.fetchval(f"SELECT count(*) FROM contents{where}", *args)
    return Page([_content(row) for row in rows], total)


async def get_content(conn: Connection, content_id: int) -> Content | None:
    row = await conn.fetchrow(f"SELECT {_CONTENT_COLUMNS} FROM contents WHERE id = $1", content_id)
    return None if row is None else _content(row)


async def content_titles(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    rows = await conn.fetch(
        "SELECT id, title FROM contents WHERE id = ANY($1::bigint[])", list(ids)
    )
    return {row["id"]: row["title"] for row in rows}


async def count_catalog(conn: Connection) -> CatalogCounts:
    row = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM contents) AS total,
                  (SELECT count(*) FROM contents WHERE missing_since IS NOT NULL) AS missing,
                  (SELECT count(*) FROM series) AS series,
                  (SELECT count(*) FROM best_hands) AS best_hands"""
    )
    assert row is not None
    return CatalogCounts(
        total=row["total"],
        available=row["total"] - row["missing"],
        missing=row["missing"],
        series=row["series"],
        best_hands=row["best_hands"],
    )


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


def db_value(name: str, value: Any) -> Any:
    """A column value as asyncpg takes it (metadata is JSON text)."""
    return json.dumps(value, ensure_ascii=False, default=str) if name == "metadata" else value


async def insert_content(
    conn: Connection,
    values: Mapping[str, Any],
    *,
    title_source: str = "manual",
    missing_since: datetime | None = None,
) -> Content:
    """Insert an entry; asyncpg.UniqueViolationError when its file is already catalogued."""
    names = [name for name in EDITABLE if name in values]
    extra: dict[str, Any] = {"title_source": title_source, "missing_since": missing_since}
    if "title_confidence" in values:
        extra["title_confidence"] = values["title_confidence"]
    columns = [*names, *extra]
    row = await conn.fetchrow(
        f"INSERT INTO contents ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))}) "
        f"RETURNING {_CONTENT_COLUMNS}",
        *[db_value(name, values[name]) for name in names],
        *extra.values(),
    )
    assert row is not None
    return _content(row)


async def update_content(
    conn: Connection, content_id: int, values: Mapping[str, Any]
) -> Content | None:
    """Apply the given fields; edited descriptive fields are never replaced by a rescan."""
    names = [name for name in EDITABLE if name in values]
    if not names:
        return await get_content(conn, content_id)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
    manual = ", title_source = 'manual'" if DESCRIPTIVE.intersection(names) else ""
    row = await conn.fetchrow(
        f"UPDATE contents SET {assignments}{manual}, updated_at = now() WHERE id = $1 "
        f"RETURNING {_CONTENT_COLUMNS}",
        content_id,
        *[db_value(name, values[name]) for name in names],
    )
    return None if row is None else _content(row)


async def set_availability(conn: Connection, content_id: int, available: bool) -> Content | None:
    """Mark the entry's file found (available) or missing since now (kept if already)."""
    row = await conn.fetchrow(
        f"""UPDATE contents SET missing_since = CASE WHEN $2 THEN NULL
                                                ELSE coalesce(missing_since, now()) END
            WHERE id = $1 RETURNING {_CONTENT_COLUMNS}""",
        content_id,
        available,
    )
    return None if row is None else _content(row)


async def delete_content(conn: Connection, content_id: int) -> str | None:
    """Delete the entry; its file path, or None when there was none."""
    file_path: str | None = await conn.fetchval(
        "DELETE FROM contents WHERE id = $1 RETURNING file_path", content_id
    )
    return file_path


# library exclusions (paths an admin deleted: scans leave them out) ---------------------------


async def exclude_path(conn: Connection, file_path: str) -> None:
    await conn.execute(
        "INSERT INTO library_exclusions (file_path) VALUES ($1) "
        "ON CONFLICT (file_path) DO UPDATE SET excluded_at = now()",
        file_path,
    )


async def include_path(conn: Connection, file_path: str) -> None:
    await conn.execute("DELETE FROM library_exclusions WHERE file_path = $1", file_path)


async def excluded_paths(conn: Connection, prefix: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT file_path FROM library_exclusions WHERE starts_with(file_path, $1)", prefix
    )
    return {row["file_path"] for row in rows}


# series ------------------------------------------------------------------------------------

_SERIES = (
    "SELECT s.id, s.slug, s.title, s.brand, s.year, s.description, "
    "       count(c.id)::int AS content_count, s.created_at, s.updated_at "
    "FROM series s LEFT JOIN contents c ON c.series_id = s.id AND c.missing_since IS NULL "
)


@dataclass(frozen=True, slots=True)
class SeriesPage:
    items: list[Series]
    total: int


def _series(row: asyncpg.Record) -> Series:
    return Series(**{name: row[name] for name in Series.__struct_fields__})


async def list_series(
    conn: Connection, *, brand: str | None, year: int | None, limit: int, offset: int
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
    return SeriesPage([_series(row) for row in rows], total)


async def get_series(conn: Connection, series_id: int) -> Series | None:
    row = await conn.fetchrow(f"{_SERIES} WHERE s.id = $1 GROUP BY s.id", series_id)
    return None if row is None else _series(row)


async def series_exists(conn: Connection, series_id: int) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM series WHERE id = $1)", series_id)
    )


async def upsert_series(
    conn: Connection, *, slug: str, title: str, brand: str | None, year: int | None
) -> int:
    """The id of the series (title, brand, year), created on first sight."""
    series_id: int = await conn.fetchval(
        """INSERT INTO series (slug, title, brand, year) VALUES ($1, $2, $3, $4::int)
           ON CONFLICT (coalesce(brand, ''), coalesce(year, 0), title)
           DO UPDATE SET updated_at = series.updated_at
           RETURNING id""",
        slug,
        title,
        brand,
        year,
    )
    return series_id


# hands ---------------------------------------------------------------------------------------

_HAND_COLUMNS = (
    "id, content_id, hand_index, start_seconds, end_seconds, category, title, players, pot_size"
)


async def list_hands(conn: Connection, content_id: int) -> list[Hand]:
    rows = await conn.fetch(
        f"SELECT {_HAND_COLUMNS} FROM best_hands WHERE content_id = $1 ORDER BY hand_index",
        content_id,
    )
    return [_hand(row) for row in rows]


async def replace_hands(
    conn: Connection, content_id: int, hands: Sequence[Mapping[str, Any]]
) -> list[Hand]:
    """Set a content's hands to exactly `hands` (call it in a transaction)."""
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


# the library import ---------------------------------------------------------------------------

# The columns a scan compares and sets, with what it last saw of the file.
_SCANNED = (
    "id, file_path, file_size, file_mtime, duration_seconds, quality, title, short_title, "
    "brand, event_type, year, series_id, metadata, title_source, title_confidence, "
    "missing_since"
)
# An arbitrary constant every library import agrees on (API job and CLI alike).
IMPORT_LOCK_KEY = 0x5753_4F50_5343  # "WSOPSC"


async def lock_imports(conn: Connection) -> None:
    """Wait for, then hold, the one import lock (session-level: an import commits entry by
    entry); unlock_imports releases it."""
    await conn.execute("SELECT pg_advisory_lock($1)", IMPORT_LOCK_KEY)


async def unlock_imports(conn: Connection) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", IMPORT_LOCK_KEY)


async def scanned_entries(conn: Connection, prefix: str) -> dict[str, dict[str, Any]]:
    """{file path: {column: value}} of the entries under `prefix`, as a scan compares them."""
    entries = {}
    for row in await conn.fetch(
        f"SELECT {_SCANNED} FROM contents WHERE starts_with(file_path, $1)", prefix
    ):
        values = dict(row)
        if isinstance(values["metadata"], str):
            values["metadata"] = json.loads(values["metadata"])
        entries[values["file_path"]] = values
    return entries


async def insert_scanned(conn: Connection, path: str, values: Mapping[str, Any]) -> int | None:
    """The new entry's id; None when the path was catalogued meanwhile (an admin's POST)."""
    names = ["file_path", *values]
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    content_id: int | None = await conn.fetchval(
        f"INSERT INTO contents ({', '.join(names)}) VALUES ({placeholders}) "
        "ON CONFLICT (file_path) DO NOTHING RETURNING id",
        path,
        *(db_value(name, value) for name, value in values.items()),
    )
    return content_id


async def update_scanned(conn: Connection, content_id: int, changes: Mapping[str, Any]) -> None:
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=2))
    await conn.execute(
        f"UPDATE contents SET {assignments}, updated_at = now() WHERE id = $1",
        content_id,
        *(db_value(name, value) for name, value in changes.items()),
    )


async def mark_missing(conn: Connection, content_ids: Sequence[int]) -> None:
    await conn.execute(
        "UPDATE contents SET missing_since = now(), updated_at = now() "
        "WHERE id = ANY($1::bigint[])",
        list(content_ids),
    )


# media (the probe and thumbnails jobs) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MediaTarget:
    """A content's file as the media jobs see it."""

    id: int
    file_path: str
    available: bool
    duration_seconds: float | None
    has_video: bool


async def media_target(conn: Connection, content_id: int) -> MediaTarget | None:
    row = await conn.fetchrow(
        """SELECT id, file_path, missing_since IS NULL AS available, duration_seconds,
                  media ->> 'video_codec' IS NOT NULL AS has_video
           FROM contents WHERE id = $1""",
        content_id,
    )
    if row is None:
        return None
    return MediaTarget(
        row["id"], row["file_path"], row["available"], row["duration_seconds"], row["has_video"]
    )


async def record_media(
    conn: Connection,
    content_id: int,
    *,
    media: Mapping[str, Any] | None,
    duration_seconds: float | None,
    quality: str | None,
    error: str | None,
) -> bool:
    """Store what a probe read (or why it could not); False when the content is gone."""
    done = await conn.execute(
        """UPDATE contents SET media = $2::jsonb, media_error = $5, probed_at = now(),
                               duration_seconds = coalesce($3, duration_seconds),
                               quality = coalesce($4, quality), updated_at = now()
           WHERE id = $1""",
        content_id,
        None if media is None else json.dumps(dict(media)),
        duration_seconds,
        quality,
        error,
    )
    return bool(done != "UPDATE 0")


async def record_thumbnails(
    conn: Connection, content_id: int, *, thumbnail_path: str, storyboard_path: str
) -> bool:
    done = await conn.execute(
        """UPDATE contents SET thumbnail_path = $2, storyboard_path = $3, updated_at = now()
           WHERE id = $1""",
        content_id,
        thumbnail_path,
        storyboard_path,
    )
    return bool(done != "UPDATE 0")
