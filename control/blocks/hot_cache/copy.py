"""One verified, throttled NAS → SSD copy, without evicting the players' pages.

`copy_verified` is blocking (run it in a thread). It reads the source in chunks into one
reusable buffer, hashes each chunk (the source hash), writes it to a hidden temporary name
in the target folder (`.<name>.part`: the edge never opens hidden names), and every
`WINDOW` bytes flushes that window to disk, re-reads it from the copy and hashes what it
reads (the copy hash), then drops both sides' pages (`posix_fadvise(DONTNEED)`): a 100 GB
copy keeps at most one window of its own pages cached and never pushes out what players
read. Then `fsync`, size and hash checks, the NAS mtime (`copystat`), `rename` into place
and an `fsync` of the folder. The temporary file is `flock`ed while it is written, so
`remove_leftovers` (run at start) only deletes partials whose writer is gone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import xxhash

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

CHUNK = 1 << 20  # bytes per read/write: the throttle's and the cancel check's granularity
WINDOW = 32 << 20  # bytes written before a flush + verify + DONTNEED round
FOLIO = 2 << 20  # the largest page-cache folio a read may land in (a PMD)
# The digest of both sides. XXH3-128 hashes at ~10 GB/s on one core here, SHA-256 (with
# the CPU's SHA extensions) at 1.8 and BLAKE2b at 1.2: with two passes per byte a hashlib
# digest held the copy at half of `cp`'s speed (benchmarks/README.md). The hash guards
# against corruption (a bad disk, a truncated write), not an adversary: non-cryptographic
# is enough. The others stay selectable for the benchmark.
HASHES: dict[str, Callable[[], Hasher]] = {
    "xxh3_128": xxhash.xxh3_128,
    "sha256": hashlib.sha256,
    "blake2b": hashlib.blake2b,
}
HASH = "xxh3_128"
PART_SUFFIX = ".part"
log = logging.getLogger("wsoptv.control.block.hot_cache")


class Hasher(Protocol):
    def update(self, data: ReadableBuffer, /) -> None: ...

    def digest(self) -> bytes: ...

    def hexdigest(self) -> str: ...


# progress(done, total) -> None; raising from it (e.g. a cancel) aborts the copy cleanly.
Progress = Callable[[int, int], None]


class CopyMismatch(Exception):
    """The copy's size or hash differs from the source's: it was removed, never renamed."""


class CopyBusy(Exception):
    """Another live copy is writing the same temporary file (try again later)."""


class SourceChanged(Exception):
    """The NAS file changed (size or mtime) while it was being copied."""


@dataclass(frozen=True, slots=True)
class CopyResult:
    size: int
    mtime_ns: int
    digest: str
    seconds: float
    throttle_wait_seconds: float


def part_path(target: Path) -> Path:
    """The hidden temporary name of a copy in progress, in the target's folder."""
    return target.with_name(f".{target.name}{PART_SUFFIX}")


class Throttle:
    """Keeps a byte stream at or under `rate` bytes per second (0: unthrottled)."""

    def __init__(self, rate: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self._clock = rate, clock
        self._start = clock()
        self.waited = 0.0

    def pace(self, done: int, sleep: Callable[[float], None] = time.sleep) -> None:
        """Sleep until `done` bytes are due at the configured rate."""
        if self.rate <= 0:
            return
        ahead = done / self.rate - (self._clock() - self._start)
        if ahead > 0:
            sleep(ahead)
            self.waited += ahead


def _drop(fd: int, offset: int, length: int) -> None:
    with contextlib.suppress(OSError):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def _drop_behind(fd: int, start: int, end: int) -> int:
    """Drop the source's pages in [start - FOLIO, end); returns `end` (the next start)."""
    begin = max(0, start - FOLIO)
    _drop(fd, begin, end - begin)
    return end


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _open_part(part: Path) -> int:
    """The temporary file, locked and empty; CopyBusy when another live copy writes it."""
    fd = os.open(part, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CopyBusy(f"{part} is being written by another copy") from None
        # A leftover cleaner may have unlinked this inode between our open and our lock.
        if os.stat(part, follow_symlinks=False).st_ino != os.fstat(fd).st_ino:
            raise CopyBusy(f"{part} was replaced while it was opened")
        os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _verify_window(
    fd: int, offset: int, length: int, buffer: bytearray, digest: Hasher, drop: bool
) -> None:
    """Flush [offset, offset+length) of the copy, re-read it into `digest`, drop its pages."""
    os.fdatasync(fd)
    end = offset + length
    view = memoryview(buffer)
    while offset < end:
        got = os.preadv(fd, [view[: min(len(buffer), end - offset)]], offset)
        if got == 0:
            raise CopyMismatch("the copy is shorter than what was written")
        digest.update(view[:got])
        offset += got
    if drop:
        _drop(fd, end - length, length)


def copy_verified(
    source: Path,
    target: Path,
    *,
    rate: int = 0,
    progress: Progress | None = None,
    drop_cache: bool = True,
) -> CopyResult:
    """Copy `source` to `target` through `.<name>.part`, verified; see the module docstring."""
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(target)
    src = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    try:
        before = os.fstat(src)
        if not stat.S_ISREG(before.st_mode):
            raise SourceChanged(f"{source} is not a regular file")
        total = before.st_size
        dst = _open_part(part)
        try:
            with contextlib.suppress(OSError):
                os.posix_fadvise(src, 0, 0, os.POSIX_FADV_SEQUENTIAL)
            throttle = Throttle(rate)
            source_hash, copy_hash = HASHES[HASH](), HASHES[HASH]()
            buffer, check = bytearray(CHUNK), bytearray(CHUNK)
            view = memoryview(buffer)
            done = window_start = dropped = 0
            while True:
                got = os.readv(src, [view])
                if got == 0:
                    break
                chunk = view[:got]
                source_hash.update(chunk)
                _write_all(dst, chunk)
                done += got
                if done - window_start >= WINDOW:
                    _verify_window(
                        dst, window_start, done - window_start, check, copy_hash, drop_cache
                    )
                    if drop_cache:
                        # The window before this one: a range just read may sit in a large
                        # folio that reaches past it, which DONTNEED skips; one window on,
                        # the whole folio is behind. Only what the copy just passed goes:
                        # players reading elsewhere in the same file keep their pages.
                        dropped = _drop_behind(src, dropped, window_start)
                    window_start = done
                if progress is not None:
                    progress(done, total)
                throttle.pace(done)
            if done > window_start:
                _verify_window(dst, window_start, done - window_start, check, copy_hash, drop_cache)
            if drop_cache:
                _drop_behind(src, dropped, done)
            os.fsync(dst)
            # Changed in place (the open file) or replaced by a rename (the path).
            for after in (os.fstat(src), os.stat(source)):
                if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                    raise SourceChanged(f"{source} changed while it was copied")
            if done != total or os.fstat(dst).st_size != total:
                raise CopyMismatch(f"copied {done} bytes of {total}")
            if source_hash.digest() != copy_hash.digest():
                raise CopyMismatch("the copy's hash differs from the source's")
            shutil.copystat(source, part)
            os.rename(part, target)
            _fsync_folder(target.parent)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(part)
            raise
        finally:
            os.close(dst)
    finally:
        os.close(src)
    return CopyResult(
        size=total,
        mtime_ns=before.st_mtime_ns,
        digest=source_hash.hexdigest(),
        seconds=time.monotonic() - started,
        throttle_wait_seconds=throttle.waited,
    )


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_leftovers(root: Path) -> list[Path]:
    """Delete the `.*.part` files under `root` that no live copy holds (a writer that died
    mid-copy); returns what was removed."""
    removed: list[Path] = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if not (name.startswith(".") and name.endswith(PART_SUFFIX)):
                continue
            path = Path(folder) / name
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink()
                removed.append(path)
            except OSError as exc:
                # EWOULDBLOCK: a live copy is writing it; EROFS, EACCES: a process that only
                # reads the SSD (control, on a read-only mount) leaves it to the workers.
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.ENOENT):
                    log.info("partial copy %s left in place: %s", path, exc.strerror)
            finally:
                os.close(fd)
    return removed


def remove_copy(target: Path) -> int:
    """Delete an SSD copy (players reading it keep their open descriptor); its size, or 0."""
    try:
        size = target.stat().st_size
        target.unlink()
    except FileNotFoundError:
        return 0
    with contextlib.suppress(OSError):
        _fsync_folder(target.parent)
    return size
