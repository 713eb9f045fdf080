"""Open media files by relative path, SSD tier first, with a short-lived cache of open fds.

The per-request cost of `stat` + `open` + `realpath` dominates small ranges, so an opened
file is kept for `ttl` seconds and shared by every request for it (`sendfile` takes an
explicit offset, so concurrent readers never move a shared file position). A reference
count keeps a descriptor open while any response still streams from it: the hot cache may
delete or replace the SSD copy at any time, and a stream that has the old inode open keeps
reading it. Entries idle for longer than `ttl` are closed by a periodic sweep; past
`max_entries`, the least recently used entry makes room.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import stat
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from edge.errors import FileMissing, PathForbidden
from edge.preconditions import http_date

CONTENT_TYPES = {
    ".mp4": b"video/mp4",
    ".m4v": b"video/mp4",
    ".mov": b"video/quicktime",
    ".mkv": b"video/x-matroska",
    ".mxf": b"application/mxf",
    ".m3u8": b"application/vnd.apple.mpegurl",
    ".m4s": b"video/iso.segment",
    ".ts": b"video/mp2t",
    ".jpg": b"image/jpeg",
    ".jpeg": b"image/jpeg",
    ".png": b"image/png",
    ".webp": b"image/webp",
    ".vtt": b"text/vtt; charset=utf-8",
    ".json": b"application/json",
}


def content_type(name: str) -> bytes:
    """The Content-Type for a media file name (by extension, case-insensitive)."""
    suffix = os.path.splitext(name)[1].lower()
    known = CONTENT_TYPES.get(suffix)
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(name)
    return (guessed or "application/octet-stream").encode("ascii")


@dataclass(eq=False, slots=True)
class OpenFile:
    """An open regular file with the validators a response needs."""

    fd: int
    tier: str
    size: int
    mtime: int
    etag: bytes
    last_modified: bytes
    content_type: bytes
    identity: tuple[int, int, int, int]
    checked_at: float
    relative: str = ""  # the path asked for (the hot cache's name for an SSD copy)
    refs: int = field(default=1)
    # The response headers that depend on the file alone, made once per open file.
    headers: tuple[tuple[bytes, bytes], ...] = field(default=())

    def __post_init__(self) -> None:
        self.headers = (
            (b"content-type", self.content_type),
            (b"accept-ranges", b"bytes"),
            (b"etag", self.etag),
            (b"last-modified", self.last_modified),
            (b"x-cache-tier", b"ssd" if self.tier == "ssd" else b"nas"),
        )

    def acquire(self) -> OpenFile:
        self.refs += 1
        return self

    def release(self) -> None:
        self.refs -= 1
        if self.refs == 0:
            os.close(self.fd)


class FileCache:
    """Open files by relative path, re-checked against the file system every `ttl` seconds."""

    def __init__(self, ssd_root: Path, nas_root: Path, ttl: float = 1.0, max_entries: int = 1024):
        self._tiers = (("ssd", os.path.realpath(ssd_root)), ("nas", os.path.realpath(nas_root)))
        self._ttl = ttl
        self._max_entries = max_entries
        # Least recently used first: a hit moves its entry to the end.
        self._entries: OrderedDict[str, OpenFile] = OrderedDict()

    def open(self, relative: str) -> OpenFile:
        """The file for `relative`, with a reference the caller must release."""
        now = time.monotonic()
        entries = self._entries
        cached = entries.get(relative)
        if cached is not None and now - cached.checked_at < self._ttl:
            entries.move_to_end(relative)
            return cached.acquire()
        fresh = self._open_uncached(relative, now, cached)
        if fresh is cached:
            entries.move_to_end(relative)
        else:
            if cached is not None:
                del entries[relative]
                cached.release()
            if len(entries) >= self._max_entries:
                entries.popitem(last=False)[1].release()
            entries[relative] = fresh
        return fresh.acquire()

    def sweep(self) -> int:
        """Close cached files no response holds and no request re-checked for `ttl` seconds.

        Without this a hot-cache copy deleted from the SSD would stay open (and its disk space
        allocated) until a request for the same path or a push-out by newer entries. Returns
        how many were closed.
        """
        stale_before = time.monotonic() - self._ttl
        stale = [
            relative
            for relative, entry in self._entries.items()
            if entry.refs == 1 and entry.checked_at <= stale_before
        ]
        for relative in stale:
            self._entries.pop(relative).release()
        return len(stale)

    async def sweep_forever(self, every: float) -> None:
        """sweep() every `every` seconds (a lifespan task)."""
        while True:
            await asyncio.sleep(every)
            self.sweep()

    def close(self) -> None:
        for entry in self._entries.values():
            entry.release()
        self._entries.clear()

    def _open_uncached(self, relative: str, now: float, cached: OpenFile | None) -> OpenFile:
        for tier, root in self._tiers:
            candidate = os.path.join(root, relative)
            try:
                info = os.stat(candidate)
            except OSError:
                continue  # absent or unreadable in this tier: try the next one
            if not stat.S_ISREG(info.st_mode):
                continue
            identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            if cached is not None and cached.tier == tier and cached.identity == identity:
                cached.checked_at = now
                return cached
            try:
                return self._open(candidate, tier, now, relative)
            except FileMissing:
                continue  # removed between stat and open (hot-cache eviction): next tier
        raise FileMissing("no such file")

    def _open(self, candidate: str, tier: str, now: float, relative: str) -> OpenFile:
        real = os.path.realpath(candidate)
        if not any(real.startswith(root + os.sep) for _, root in self._tiers):
            raise PathForbidden("the file resolves outside the media roots")
        try:
            fd = os.open(real, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise FileMissing("no such file") from None
        except OSError as exc:
            raise FileMissing(f"file cannot be opened ({exc.strerror})") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise FileMissing("not a regular file")
        # Strong validator from size and mtime (ns) only, not the inode: the hot cache's SSD
        # copy keeps the NAS file's mtime (copystat), so the same bytes keep the same ETag
        # when they move between tiers and a player's If-Range still gets its 206.
        etag = b'"%x-%x"' % (info.st_size, info.st_mtime_ns)
        return OpenFile(
            fd=fd,
            tier=tier,
            size=info.st_size,
            mtime=int(info.st_mtime),
            etag=etag,
            last_modified=http_date(info.st_mtime),
            content_type=content_type(candidate),
            identity=(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns),
            checked_at=now,
            relative=relative,
        )
