"""The content block's use cases: catalog reads through the L1 cache, edits with events.

Every write publishes `content.created|updated|deleted` {content_id} and drops the entry's
L1 key, so no reader (this process or another) serves a stale entry after the edit returns.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from stat import S_ISREG
from typing import Any

import asyncpg
import msgspec

from control.blocks.content import repository as repo
from control.blocks.content.errors import (
    ContentInvalid,
    ContentPathTaken,
    HandsInvalid,
    SeriesNotFound,
)
from control.blocks.content.library import ScanReport, generated_columns, import_library
from control.blocks.content.media import probe_media
from control.blocks.content.media_jobs import MediaCatalog
from control.blocks.content.repository import Content, ContentFilter, Series, SortOrder
from control.blocks.content.schemas import (
    ContentCreate,
    ContentPage,
    ContentUpdate,
    HandIn,
    SeriesPageOut,
)
from control.db.pool import Connection
from control.orchestration.bus import Event, MessageBus
from control.orchestration.contracts import (
    CacheKeys,
    ContentNotFound,
    Hand,
    L1Cache,
    TitleGenerator,
)
from shared.thumbnails import ThumbnailUrls

SOURCE = "content"
MAX_HANDS = 500
# A hand may end a little after the probed duration (containers round their last frame).
_DURATION_SLACK_SECONDS = 1.0
# Linux's limits on one path component and on a whole path (bytes).
NAME_MAX = 255
PATH_MAX = 4096
ScanProgressFn = Callable[[int, int, str], Awaitable[None]]


def catalog_path(text: str, field: str = "file_path") -> str:
    """A file path as the catalog stores it (relative to NAS_ROOT); ContentInvalid if unsafe
    or longer than a filesystem allows."""
    path = PurePosixPath(text)
    parts = path.parts
    bad = (
        path.is_absolute()
        or "\\" in text
        or "\x00" in text
        or not parts
        or any(part in ("..", ".") or part.startswith(".") for part in parts)
        or text != path.as_posix()
    )
    if bad:
        raise ContentInvalid(
            f"{field} must be a normalised relative path under NAS_ROOT with no hidden or "
            "'..' parts",
            details={"field": field},
        )
    if len(text.encode()) >= PATH_MAX or any(len(p.encode()) > NAME_MAX for p in parts):
        raise ContentInvalid(
            f"{field} is longer than a filesystem allows ({NAME_MAX} bytes per name, "
            f"{PATH_MAX} in all)",
            details={"field": field},
        )
    return text


def _not_found(content_id: int) -> ContentNotFound:
    return ContentNotFound(f"no content {content_id}", details={"id": content_id})


async def content_changed(bus: MessageBus, cache: L1Cache, channel: str, content_id: int) -> None:
    """After a write: drop the entry's L1 key, then publish `channel` {content_id}."""
    await cache.invalidate(CacheKeys.content(content_id))
    await bus.publish(
        channel, Event(source=SOURCE, type=channel, payload={"content_id": content_id})
    )


class ContentService:
    def __init__(
        self,
        db: asyncpg.Pool,
        bus: MessageBus,
        cache: L1Cache,
        titles: TitleGenerator,
        nas_root: Path,
        *,
        media: MediaCatalog,
        urls: ThumbnailUrls,
    ) -> None:
        self.db = db
        self.bus = bus
        self.cache = cache
        self.titles = titles
        self.nas_root = nas_root
        self.media = media
        self.urls = urls

    async def _changed(self, channel: str, content_id: int) -> None:
        await content_changed(self.bus, self.cache, channel, content_id)

    def public(self, content: Content) -> Content:
        """The entry as the API shows it: with the signed URLs of its poster and storyboard."""
        return msgspec.structs.replace(
            content,
            thumbnail_url=self.urls(content.thumbnail_path),
            storyboard_url=self.urls(content.storyboard_path),
        )

    # reads ----------------------------------------------------------------------------------

    async def list_contents(
        self, filters: ContentFilter, sort: SortOrder, limit: int, offset: int
    ) -> ContentPage:
        async with self.db.acquire() as conn:
            page = await repo.list_contents(conn, filters, sort=sort, limit=limit, offset=offset)
        return ContentPage([self.public(item) for item in page.items], page.total, limit, offset)

    async def content(self, content_id: int) -> Content:
        """One content, from L1 when cached; ContentNotFound otherwise."""

        async def load() -> dict[str, Any]:
            async with self.db.acquire() as conn:
                found = await repo.get_content(conn, content_id)
            if found is None:
                raise _not_found(content_id)
            return msgspec.to_builtins(found)  # type: ignore[no-any-return]

        cached = await self.cache.get_or_compute(
            CacheKeys.content(content_id), CacheKeys.CONTENT_TTL, load
        )
        return self.public(msgspec.convert(cached, Content, strict=False))

    async def hands(self, content_id: int) -> list[Hand]:
        async with self.db.acquire() as conn:
            if await repo.get_content(conn, content_id) is None:
                raise _not_found(content_id)
            return await repo.list_hands(conn, content_id)

    async def list_series(
        self, brand: str | None, year: int | None, limit: int, offset: int
    ) -> SeriesPageOut:
        async with self.db.acquire() as conn:
            page = await repo.list_series(conn, brand=brand, year=year, limit=limit, offset=offset)
        return SeriesPageOut(page.items, page.total, limit, offset)

    async def series(self, series_id: int) -> Series:
        async with self.db.acquire() as conn:
            found = await repo.get_series(conn, series_id)
        if found is None:
            raise SeriesNotFound(f"no series {series_id}", details={"id": series_id})
        return found

    # writes ---------------------------------------------------------------------------------

    async def create(self, body: ContentCreate) -> Content:
        values = {k: v for k, v in msgspec.structs.asdict(body).items() if v not in (None, {})}
        values["file_path"] = catalog_path(body.file_path)
        if body.thumbnail_path is not None:
            catalog_path(body.thumbnail_path, "thumbnail_path")  # under THUMBNAIL_ROOT
        title_source = "manual" if body.title else "generated"
        if not body.title:
            values = {**self._generated(values["file_path"]), **values}
        wanted = body.duration_seconds is None or body.quality is None
        on_nas, probed = await self._probed(values["file_path"], probe=wanted)
        values = {**probed, **values}
        # Like a scan that does not find the file: listed for admins, not playable.
        missing_since = None if on_nas else datetime.now(UTC)
        async with self.db.acquire() as conn:
            await self._check_series(conn, body.series_id)
            try:
                async with conn.transaction():
                    created = await repo.insert_content(
                        conn, values, title_source=title_source, missing_since=missing_since
                    )
                    # An admin cataloguing a deleted path again lifts its exclusion.
                    await repo.include_path(conn, created.file_path)
            except asyncpg.UniqueViolationError:
                raise ContentPathTaken(
                    "this file is already in the catalog", details={"file_path": body.file_path}
                ) from None
        await self._changed("content.created", created.id)
        if on_nas:
            await self.media.enqueue_probes([created.id])
        return self.public(created)

    def _generated(self, file_path: str) -> dict[str, Any]:
        generated = self.titles.generate(PurePosixPath(file_path).name, file_path)
        return {k: v for k, v in generated_columns(generated).items() if v is not None}

    async def _probed(self, file_path: str, *, probe: bool) -> tuple[bool, dict[str, Any]]:
        """Whether the file is on the NAS, and then (if `probe`) its duration, quality, size."""
        stat = await asyncio.to_thread(_stat_file, self.nas_root / file_path)
        if stat is None:
            return False, {}
        values: dict[str, Any] = {"file_size": stat.st_size}
        if probe:
            media = await asyncio.to_thread(probe_media, self.nas_root / file_path)
            if media is not None:
                values |= {"duration_seconds": media.duration_seconds, "quality": media.quality}
        return True, {k: v for k, v in values.items() if v is not None}

    async def _check_series(self, conn: Connection, series_id: int | None) -> None:
        if series_id is not None and not await repo.series_exists(conn, series_id):
            raise ContentInvalid(f"no series {series_id}", details={"field": "series_id"})

    async def update(self, content_id: int, body: ContentUpdate) -> Content:
        changes = body.changes()
        moved = "file_path" in changes
        on_nas = False
        if moved:
            changes["file_path"] = catalog_path(changes["file_path"])
            # A new path is checked like a POST's: a file that is not there makes the entry
            # missing (unplayable) until a scan finds it.
            on_nas, probed = await self._probed(changes["file_path"], probe=False)
            changes = {**probed, **changes}
        if changes.get("thumbnail_path") is not None:
            catalog_path(changes["thumbnail_path"], "thumbnail_path")
        async with self.db.acquire() as conn:
            await self._check_series(conn, changes.get("series_id"))
            try:
                async with conn.transaction():
                    updated = await repo.update_content(conn, content_id, changes)
                    if updated is not None and moved:
                        updated = await repo.set_availability(conn, content_id, on_nas)
                        await repo.include_path(conn, changes["file_path"])
            except asyncpg.UniqueViolationError:
                raise ContentPathTaken(
                    "another entry has this file", details={"file_path": changes["file_path"]}
                ) from None
        if updated is None:
            raise _not_found(content_id)
        if changes:
            await self._changed("content.updated", content_id)
        if moved and on_nas:
            await self.media.enqueue_probes([content_id])
        return self.public(updated)

    async def delete(self, content_id: int) -> None:
        """Delete the entry; later scans leave its file out."""
        async with self.db.acquire() as conn, conn.transaction():
            file_path = await repo.delete_content(conn, content_id)
            if file_path is None:
                raise _not_found(content_id)
            await repo.exclude_path(conn, file_path)
        await self._changed("content.deleted", content_id)

    async def replace_hands(self, content_id: int, hands: Sequence[HandIn]) -> list[Hand]:
        async with self.db.acquire() as conn:
            content = await repo.get_content(conn, content_id)
            if content is None:
                raise _not_found(content_id)
            check_hands(hands, content.duration_seconds)
            async with conn.transaction():
                saved = await repo.replace_hands(
                    conn, content_id, [msgspec.structs.asdict(h) for h in hands]
                )
        await self._changed("content.updated", content_id)
        return saved

    # the library ----------------------------------------------------------------------------

    async def scan_library(
        self, on_progress: ScanProgressFn | None, *, under: Path | None = None
    ) -> ScanReport:
        """Import NAS_ROOT or the folder `under` inside it (events follow with announce_scan
        once the caller recorded the outcome)."""
        async with self.db.acquire() as conn:
            return await import_library(
                conn, self.nas_root, self.titles.generate, under=under, on_progress=on_progress
            )

    async def announce_scan(self, report: ScanReport, job_id: str | None) -> None:
        await announce_scan(self.bus, report, self.cache, job_id=job_id)


def _stat_file(path: Path) -> os.stat_result | None:
    """The file's stat when `path` is a regular file; None when it is not there.

    A path no filesystem can hold is the client's mistake (ContentInvalid); any other OS
    error (permissions, a loop of links, an unmounted share) means the file is not usable
    there now, which the catalog records as missing.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise ContentInvalid(
                "file_path is longer than the filesystem allows", details={"field": "file_path"}
            ) from None
        return None
    return stat if S_ISREG(stat.st_mode) else None


async def announce_scan(
    bus: MessageBus, report: ScanReport, cache: L1Cache | None, *, job_id: str | None = None
) -> None:
    """A finished scan's events: one per changed entry, then `content.library_scanned`.

    `cache` is None outside the control process (the CLI): the cache block drops the keys
    when the events reach it.
    """
    changed = [*report.updated_ids, *report.missing_ids]
    if cache is not None and changed:
        await cache.invalidate(*(CacheKeys.content(i) for i in changed))
    for channel, ids in (("content.created", report.added_ids), ("content.updated", changed)):
        for content_id in ids:
            await bus.publish(
                channel, Event(source=SOURCE, type=channel, payload={"content_id": content_id})
            )
    summary: dict[str, Any] = {
        "added": report.added,
        "updated": report.updated,
        "missing": report.missing,
        "job_id": job_id,
    }
    await bus.publish(
        "content.library_scanned",
        Event(source=SOURCE, type="content.library_scanned", payload=summary),
    )


def check_hands(hands: Sequence[HandIn], duration: float | None) -> None:
    """HandsInvalid listing every broken rule: count, order of times, unique index, length."""
    problems: list[dict[str, Any]] = []
    if len(hands) > MAX_HANDS:
        problems.append({"rule": "too_many", "limit": MAX_HANDS, "count": len(hands)})
    seen: set[int] = set()
    for position, hand in enumerate(hands):
        if hand.end_seconds <= hand.start_seconds:
            problems.append({"rule": "end_not_after_start", "position": position})
        if hand.hand_index in seen:
            problems.append(
                {
                    "rule": "duplicate_hand_index",
                    "position": position,
                    "hand_index": hand.hand_index,
                }
            )
        seen.add(hand.hand_index)
        if duration is not None and hand.end_seconds > duration + _DURATION_SLACK_SECONDS:
            problems.append(
                {"rule": "after_end_of_video", "position": position, "duration_seconds": duration}
            )
    if problems:
        raise HandsInvalid(
            f"{len(problems)} problem(s) in the hands", details={"problems": problems[:50]}
        )
