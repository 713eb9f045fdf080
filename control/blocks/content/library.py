"""Importing the NAS into the catalog: walk, filter, title, probe, upsert by relative path.

A rescan is idempotent: known files are updated only where something changed (an entry an
editor touched keeps its title and descriptive fields), new files are added, and files that
disappeared are marked missing, never deleted (their hands and watch history stay).
Blocking work (walking the NAS, probing media) runs in threads: the import may run inside
the control process's event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from control.blocks.content.errors import LibraryRootMissing
from control.blocks.content.event_types import event_type
from control.blocks.content.media import VIDEO_SUFFIXES, MediaInfo, probe_media
from control.db.pool import Connection

log = logging.getLogger("wsoptv.control.block.content.library")
# Generates {display_title, short_title, confidence, metadata} from (file name, relative path).
TitleFunction = Callable[[str, str | None], Mapping[str, Any]]
Probe = Callable[[Path], MediaInfo | None]
Progress = Callable[[int, int, str], Awaitable[None]]  # (done, total, relative path)
SeriesKey = tuple[str, str | None, int | None]

# Folders a NAS fills with its own housekeeping (Synology, Windows, macOS, QNAP).
_SYSTEM_DIRS = frozenset(
    {
        "@eaDir",
        "#recycle",
        "#snapshot",
        "$RECYCLE.BIN",
        "@Recycle",
        "System Volume Information",
        "lost+found",
        ".AppleDouble",
    }
)
_SYSTEM_FILES = frozenset({"Thumbs.db", "desktop.ini", ".DS_Store"})
# What the generator decides for an entry nobody edited; an edit freezes these.
_DESCRIPTIVE = ("title", "short_title", "brand", "event_type", "year", "series_id")
_KNOWN = (
    "SELECT id, file_path, file_size, file_mtime, duration_seconds, quality, title, "
    "short_title, brand, event_type, year, series_id, metadata, title_source, "
    "title_confidence, missing_since FROM contents"
)


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
    unchanged: int = 0
    missing: int = 0
    added_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    missing_ids: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "found": self.found,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "missing": self.missing,
        }


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
            if not _utf8(path.relative_to(root).as_posix()):
                log.warning("skipped %r: its name is not UTF-8 (rename it to list it)", path)
                continue
            try:
                stat = path.lstat()
            except OSError:
                continue
            if not path.is_symlink() and stat.st_size > 0:
                yield FoundFile(
                    path.relative_to(root).as_posix(),
                    path,
                    stat.st_size,
                    datetime.fromtimestamp(stat.st_mtime, UTC),
                )


def _utf8(text: str) -> bool:
    # os.walk hands undecodable bytes over as surrogates: PostgreSQL cannot store them, and
    # no stream URL could name the file.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def series_key(metadata: Mapping[str, Any]) -> SeriesKey | None:
    """(title, brand, year) of the series a file belongs to, when the title says enough."""
    brand, year, event = metadata.get("series"), metadata.get("year"), metadata.get("event_name")
    if not brand or not year:
        return None
    title = f"{brand} {year}" + (f" {event}" if event else "")
    return title, brand, year


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "series"


async def _series_id(conn: Connection, key: SeriesKey, cache: dict[SeriesKey, int]) -> int:
    """The id of the series `key`, created on first sight (found again by its natural key)."""
    if key not in cache:
        title, brand, year = key
        # A short hash of the natural key keeps slugs unique across brands and years.
        digest = hashlib.md5(f"{title}|{brand}|{year}".encode(), usedforsecurity=False)
        cache[key] = await conn.fetchval(
            """INSERT INTO series (slug, title, brand, year) VALUES ($1, $2, $3, $4::int)
               ON CONFLICT (coalesce(brand, ''), coalesce(year, 0), title)
               DO UPDATE SET updated_at = series.updated_at
               RETURNING id""",
            f"{slugify(title)}-{digest.hexdigest()[:6]}",
            title,
            brand,
            year,
        )
    return cache[key]


def _target(
    known: Mapping[str, Any] | None,
    found: FoundFile,
    media: MediaInfo | None,
    generated: Mapping[str, Any],
    series_id: int | None,
) -> dict[str, Any]:
    """The column values the entry of `found` should have after this scan."""
    metadata = dict(generated.get("metadata") or {})
    values: dict[str, Any] = {
        "file_size": found.size,
        "file_mtime": found.mtime,
        "missing_since": None,
        "title": generated["display_title"],
        "short_title": generated.get("short_title"),
        "brand": metadata.get("series"),
        "event_type": event_type(metadata),
        "year": metadata.get("year"),
        "series_id": series_id,
        "title_confidence": float(generated.get("confidence", 0.0)),
        "metadata": metadata,
    }
    if media is not None:
        values["duration_seconds"] = media.duration_seconds
        values["quality"] = media.quality
    if known is None:
        return values
    if media is None:  # not probed again: the file did not change
        values["duration_seconds"] = known["duration_seconds"]
        values["quality"] = known["quality"]
    if known["title_source"] == "manual":
        # An editor's choices win over the generator's, on every later scan.
        values.update({name: known[name] for name in _DESCRIPTIVE})
        values["metadata"] = {**metadata, **known["metadata"]}
    else:
        values["metadata"] = {**known["metadata"], **metadata}
    return values


async def _insert(conn: Connection, path: str, values: dict[str, Any]) -> int:
    names = ["file_path", *values]
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    content_id: int = await conn.fetchval(
        f"INSERT INTO contents ({', '.join(names)}) VALUES ({placeholders}) RETURNING id",
        path,
        *(_db(name, value) for name, value in values.items()),
    )
    return content_id


async def _update(conn: Connection, content_id: int, changes: dict[str, Any]) -> None:
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=2))
    await conn.execute(
        f"UPDATE contents SET {assignments}, updated_at = now() WHERE id = $1",
        content_id,
        *(_db(name, value) for name, value in changes.items()),
    )


def _differs(name: str, old: Any, new: Any) -> bool:
    if name == "title_confidence" and old is not None and new is not None:
        return bool(
            abs(old - new) > 1e-6
        )  # stored as a 4-byte real: 0.85 comes back as 0.8500000238
    return bool(old != new)


def _db(name: str, value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False, default=str) if name == "metadata" else value


def _known_row(row: asyncpg.Record) -> dict[str, Any]:
    values = dict(row)
    if isinstance(values["metadata"], str):
        values["metadata"] = json.loads(values["metadata"])
    return values


async def import_library(
    conn: Connection,
    root: Path,
    generate_title: TitleFunction,
    *,
    probe: Probe | None = probe_media,
    on_progress: Progress | None = None,
) -> ScanReport:
    """Bring the catalog in line with the videos under `root`; LibraryRootMissing if absent.

    New and changed files (size or mtime) are probed; an unchanged file is only re-titled.
    A root with no videos at all marks nothing missing: an unmounted NAS looks empty.
    """
    if not await asyncio.to_thread(root.is_dir):
        raise LibraryRootMissing(
            f"the library root {str(root)!r} is not a directory", details={"root": str(root)}
        )
    files = await asyncio.to_thread(lambda: list(walk_videos(root)))
    known = {row["file_path"]: _known_row(row) for row in await conn.fetch(_KNOWN)}
    report = ScanReport(found=len(files))
    series_cache: dict[SeriesKey, int] = {}
    if on_progress is not None:
        await on_progress(0, len(files), "")
    for done, found in enumerate(files, start=1):
        previous = known.pop(found.relative_path, None)
        changed_file = previous is None or (previous["file_size"], previous["file_mtime"]) != (
            found.size,
            found.mtime,
        )
        media = await asyncio.to_thread(probe, found.path) if probe and changed_file else None
        generated = generate_title(found.path.name, found.relative_path)
        # An edited entry keeps its series: do not create one it will not use.
        edited = previous is not None and previous["title_source"] == "manual"
        key = None if edited else series_key(generated.get("metadata") or {})
        series_id = None if key is None else await _series_id(conn, key, series_cache)
        target = _target(previous, found, media, generated, series_id)
        if previous is None:
            report.added_ids.append(await _insert(conn, found.relative_path, target))
        else:
            changes = {k: v for k, v in target.items() if _differs(k, previous[k], v)}
            if changes:
                await _update(conn, previous["id"], changes)
                report.updated_ids.append(previous["id"])
            else:
                report.unchanged += 1
        if on_progress is not None:
            await on_progress(done, len(files), found.relative_path)
    gone = [row["id"] for row in known.values() if row["missing_since"] is None]
    if files and gone:
        await conn.execute(
            "UPDATE contents SET missing_since = now(), updated_at = now() "
            "WHERE id = ANY($1::bigint[])",
            gone,
        )
        report.missing_ids = gone
    report.added, report.updated = len(report.added_ids), len(report.updated_ids)
    report.missing = len(report.missing_ids)
    return report
