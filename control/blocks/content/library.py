"""Importing the NAS into the catalog: walk, filter, title, probe, upsert by relative path.

A rescan is idempotent: known files are updated only where something changed (an entry an
editor touched keeps its title, descriptive fields and metadata), new files are added, files
an admin deleted stay out (library_exclusions), and files that disappeared are marked
missing, never deleted (their hands and watch history stay). Paths are always relative to
NAS_ROOT, also when only a folder inside it is scanned (then only that folder's entries can
go missing). Imports take one PostgreSQL advisory lock, so the API's scan job and
`wsoptv scan` never interleave, whichever process runs them.
Blocking work (walking the NAS, probing media) runs in threads: the import may run inside
the control process's event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from control.blocks.content import repository as repo
from control.blocks.content.errors import LibraryRootMissing, ScanRootOutside
from control.blocks.content.event_types import event_type
from control.blocks.content.media import VIDEO_SUFFIXES, MediaInfo
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
    # Added entries and entries whose file changed (size or mtime): what must be probed.
    changed_file_ids: list[int] = field(default_factory=list)
    probes_queued: int = 0

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


def _skipped_dir(name: str) -> bool:
    return name.startswith(".") or name in _SYSTEM_DIRS


def scan_start(root: Path, under: Path | None = None) -> tuple[Path, Path, str]:
    """(NAS root, folder to walk, its catalog prefix) for a scan of `under` (default: all).

    LibraryRootMissing when either is not a directory; ScanRootOutside when `under` is not
    NAS_ROOT or a listable folder inside it (paths are stored relative to NAS_ROOT).
    """
    if not root.is_dir():
        raise LibraryRootMissing(
            "the library root is not a directory", details={"setting": "NAS_ROOT"}
        )
    base = root.resolve()
    if under is None:
        return base, base, ""
    if not under.is_dir():
        raise LibraryRootMissing(
            f"the scan root {str(under)!r} is not a directory", details={"root": str(under)}
        )
    start = under.resolve()
    if not start.is_relative_to(base):
        raise ScanRootOutside(
            f"the scan root {str(under)!r} is not NAS_ROOT ({str(root)!r}) or a folder inside it",
            details={"root": str(under)},
        )
    parts = start.relative_to(base).parts
    if any(_skipped_dir(part) for part in parts):
        raise ScanRootOutside(
            f"the scan root {str(under)!r} is a hidden or housekeeping folder",
            details={"root": str(under)},
        )
    return base, start, "".join(f"{part}/" for part in parts)


def walk_videos(root: Path, start: Path | None = None) -> Iterator[FoundFile]:
    """Every catalog video under `start` (default: `root`) with its path relative to `root`,
    in a stable order; symlinks are not followed."""
    for dirpath, dirnames, filenames in os.walk(start or root):
        dirnames[:] = sorted(d for d in dirnames if not _skipped_dir(d))
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
        slug = f"{slugify(title)}-{digest.hexdigest()[:6]}"
        cache[key] = await repo.upsert_series(conn, slug=slug, title=title, brand=brand, year=year)
    return cache[key]


def generated_columns(generated: Mapping[str, Any]) -> dict[str, Any]:
    """The content columns a title generator's answer sets (the scan's and a POST's)."""
    metadata = dict(generated.get("metadata") or {})
    return {
        "title": generated["display_title"],
        "short_title": generated.get("short_title"),
        "brand": metadata.get("series"),
        "event_type": event_type(metadata),
        "year": metadata.get("year"),
        "title_confidence": float(generated.get("confidence", 0.0)),
        "metadata": metadata,
    }


def _target(
    known: Mapping[str, Any] | None,
    found: FoundFile,
    media: MediaInfo | None,
    generated: Mapping[str, Any],
    series_id: int | None,
) -> dict[str, Any]:
    """The column values the entry of `found` should have after this scan."""
    values: dict[str, Any] = {
        "file_size": found.size,
        "file_mtime": found.mtime,
        "missing_since": None,
        "series_id": series_id,
        **generated_columns(generated),
    }
    metadata = values["metadata"]
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
        values.update({name: known[name] for name in repo.DESCRIPTIVE})
        values["metadata"] = {**metadata, **known["metadata"]}
    else:
        values["metadata"] = {**known["metadata"], **metadata}
    return values


def _differs(name: str, old: Any, new: Any) -> bool:
    if name == "title_confidence" and old is not None and new is not None:
        return bool(
            abs(old - new) > 1e-6
        )  # stored as a 4-byte real: 0.85 comes back as 0.8500000238
    return bool(old != new)


async def import_library(
    conn: Connection,
    root: Path,
    generate_title: TitleFunction,
    *,
    under: Path | None = None,
    probe: Probe | None = None,
    on_progress: Progress | None = None,
) -> ScanReport:
    """Bring the catalog in line with the videos under `under` (default: all of `root`, the
    NAS root); LibraryRootMissing / ScanRootOutside as scan_start says.

    New and changed files (size or mtime) are listed in `changed_file_ids` for the probe job
    (or probed inline with `probe`); an unchanged file is only re-titled.
    A root with no videos at all marks nothing missing: an unmounted NAS looks empty.
    """
    base, start, prefix = await asyncio.to_thread(scan_start, root, under)
    # Session-level: the import commits entry by entry; a pool resets it on release anyway.
    await repo.lock_imports(conn)
    try:
        return await _import(conn, base, start, prefix, generate_title, probe, on_progress)
    finally:
        await repo.unlock_imports(conn)


async def _import(
    conn: Connection,
    root: Path,
    start: Path,
    prefix: str,
    generate_title: TitleFunction,
    probe: Probe | None,
    on_progress: Progress | None,
) -> ScanReport:
    excluded = await repo.excluded_paths(conn, prefix)
    walked = await asyncio.to_thread(lambda: list(walk_videos(root, start)))
    files = [found for found in walked if found.relative_path not in excluded]
    known = await repo.scanned_entries(conn, prefix)
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
            added = await repo.insert_scanned(conn, found.relative_path, target)
            if added is None:
                report.unchanged += 1
            else:
                report.added_ids.append(added)
                report.changed_file_ids.append(added)
        else:
            changes = {k: v for k, v in target.items() if _differs(k, previous[k], v)}
            if changes:
                await repo.update_scanned(conn, previous["id"], changes)
                report.updated_ids.append(previous["id"])
            if changed_file:
                report.changed_file_ids.append(previous["id"])
            else:
                report.unchanged += 1
        if on_progress is not None:
            await on_progress(done, len(files), found.relative_path)
    gone = [row["id"] for row in known.values() if row["missing_since"] is None]
    if files and gone:
        await repo.mark_missing(conn, gone)
        report.missing_ids = gone
    report.added, report.updated = len(report.added_ids), len(report.updated_ids)
    report.missing = len(report.missing_ids)
    return report
