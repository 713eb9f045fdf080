"""Importing the NAS into the catalog: walk, filter, title, upsert by relative path.

A rescan is idempotent: known files are updated in place (a title an editor changed is
kept), new ones are added, and files that disappeared are marked missing, never deleted.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from control.blocks.content.media import VIDEO_SUFFIXES, probe_duration

# Generates {display_title, short_title, confidence, metadata} from (file name, relative path).
TitleFunction = Callable[[str, str | None], Mapping[str, Any]]
Progress = Callable[[int, int, str], None]

# Folders a NAS fills with its own housekeeping (Synology, Windows, macOS, QNAP).
_SYSTEM_DIRS = frozenset({"@eaDir", "#recycle", "#snapshot", "$RECYCLE.BIN", "@Recycle",
                          "System Volume Information", "lost+found", ".AppleDouble"})
_SYSTEM_FILES = frozenset({"Thumbs.db", "desktop.ini", ".DS_Store"})


@dataclass(frozen=True, slots=True)
class FoundFile:
    relative_path: str
    path: Path
    size: int
    mtime: datetime


@dataclass(slots=True)
class ScanReport:
    found: int = 0
    added: int = 0
    updated: int = 0
    missing: int = 0


def is_catalog_video(name: str) -> bool:
    """A file the catalog lists: a video, not hidden, not AppleDouble or NAS housekeeping."""
    if name.startswith(".") or name in _SYSTEM_FILES:
        return False
    return os.path.splitext(name)[1].lower() in VIDEO_SUFFIXES


def walk_videos(root: Path) -> Iterator[FoundFile]:
    """Every catalog video under `root`, in a stable order; symlinks are not followed."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SYSTEM_DIRS)
        for name in sorted(filenames):
            if not is_catalog_video(name):
                continue
            path = Path(dirpath) / name
            try:
                stat = path.lstat()
            except OSError:
                continue
            if not path.is_symlink() and stat.st_size > 0:
                yield FoundFile(path.relative_to(root).as_posix(), path, stat.st_size,
                                datetime.fromtimestamp(stat.st_mtime, UTC))


def series_key(metadata: Mapping[str, Any]) -> tuple[str, str | None, int | None] | None:
    """(title, brand, year) of the series a file belongs to, when the title says enough."""
    brand, year, event = metadata.get("series"), metadata.get("year"), metadata.get("event_name")
    if not brand or not year:
        return None
    title = f"{brand} {year}" + (f" {event}" if event else "")
    return title, brand, year


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "series"


async def _series_id(conn: asyncpg.Connection, key: tuple[str, str | None, int | None],
                     cache: dict[tuple[str, str | None, int | None], int]) -> int:
    if key not in cache:
        title, brand, year = key
        cache[key] = await conn.fetchval(
            """INSERT INTO series (slug, title, brand, year)
               VALUES ($1 || '-' || substr(md5($2 || coalesce($3, '') || coalesce($4::text, '')), 1, 6),
                       $2, $3, $4)
               ON CONFLICT (coalesce(brand, ''), coalesce(year, 0), title)
               DO UPDATE SET updated_at = series.updated_at
               RETURNING id""",
            slugify(title), title, brand, year,
        )
    return cache[key]


_UPSERT = """
INSERT INTO contents (title, short_title, file_path, file_size, file_mtime, duration_seconds,
                      brand, event_type, year, metadata, title_confidence, series_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
ON CONFLICT (file_path) DO UPDATE SET
    file_size = EXCLUDED.file_size,
    file_mtime = EXCLUDED.file_mtime,
    missing_since = NULL,
    duration_seconds = coalesce(EXCLUDED.duration_seconds, contents.duration_seconds),
    -- An editor's title wins over the generator's, on every later scan.
    title = CASE WHEN contents.title_source = 'generated' THEN EXCLUDED.title ELSE contents.title END,
    short_title = CASE WHEN contents.title_source = 'generated'
                       THEN EXCLUDED.short_title ELSE contents.short_title END,
    metadata = contents.metadata || EXCLUDED.metadata,
    title_confidence = EXCLUDED.title_confidence,
    brand = coalesce(contents.brand, EXCLUDED.brand),
    event_type = coalesce(contents.event_type, EXCLUDED.event_type),
    year = coalesce(contents.year, EXCLUDED.year),
    series_id = coalesce(contents.series_id, EXCLUDED.series_id),
    updated_at = now()
RETURNING id, (xmax = 0) AS inserted
"""


async def import_library(
    conn: asyncpg.Connection, root: Path, generate_title: TitleFunction, *,
    probe: Callable[[Path], float | None] | None = probe_duration,
    on_progress: Progress | None = None,
) -> ScanReport:
    """Upsert every video under `root`; mark catalog entries whose file is gone as missing."""
    files = list(walk_videos(root))
    report = ScanReport(found=len(files))
    series_cache: dict[tuple[str, str | None, int | None], int] = {}
    seen: list[str] = []
    for done, found in enumerate(files, start=1):
        generated = generate_title(found.path.name, found.relative_path)
        metadata = dict(generated.get("metadata", {}))
        key = series_key(metadata)
        async with conn.transaction():
            series_id = None if key is None else await _series_id(conn, key, series_cache)
            row = await conn.fetchrow(
                _UPSERT, generated["display_title"], generated.get("short_title"),
                found.relative_path, found.size, found.mtime,
                probe(found.path) if probe is not None else None,
                metadata.get("series"), metadata.get("content_type"), metadata.get("year"),
                _json(metadata), float(generated.get("confidence", 0.0)), series_id,
            )
        assert row is not None
        if row["inserted"]:
            report.added += 1
        else:
            report.updated += 1
        seen.append(found.relative_path)
        if on_progress is not None:
            on_progress(done, len(files), found.relative_path)
    report.missing = len(await conn.fetch(
        "UPDATE contents SET missing_since = now() "
        "WHERE missing_since IS NULL AND NOT (file_path = ANY($1::text[])) RETURNING id",
        seen,
    ))
    return report


def _json(value: Mapping[str, Any]) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
