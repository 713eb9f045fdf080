"""The copy itself, on real files: verified, mtime kept, hidden until complete, throttled."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from control.blocks.hot_cache.copy import (
    CopyBusy,
    CopyMismatch,
    Throttle,
    copy_verified,
    part_path,
    remove_leftovers,
)
from control.blocks.hot_cache.eviction import OnSsd, Watermarks, victims

MIB = 1 << 20


def source(tmp_path: Path, size: int) -> tuple[Path, bytes]:
    data = os.urandom(size)
    path = tmp_path / "nas" / "a b" / "clip.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    os.utime(path, ns=(1_700_000_000_123_456_789, 1_600_000_000_987_654_321))
    return path, data


@pytest.mark.parametrize("size", [0, 1, MIB - 1, 3 * MIB + 17, 40 * MIB])
def test_a_copy_has_the_same_bytes_and_mtime_and_no_temporary_left(
    tmp_path: Path, size: int
) -> None:
    src, data = source(tmp_path, size)
    target = tmp_path / "ssd" / "a b" / "clip.mp4"
    seen: list[tuple[int, int]] = []
    result = copy_verified(src, target, progress=lambda d, t: seen.append((d, t)))
    assert target.read_bytes() == data
    assert target.stat().st_mtime_ns == src.stat().st_mtime_ns == result.mtime_ns
    assert result.size == size and len(result.digest) == 32  # XXH3-128
    assert os.listdir(target.parent) == ["clip.mp4"]
    assert seen == [] if size == 0 else seen[-1] == (size, size)


def test_a_copy_that_does_not_verify_is_removed_never_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, _ = source(tmp_path, 2 * MIB)
    target = tmp_path / "ssd" / "clip.mp4"
    real_write = os.write

    def flip_a_bit(fd: int, data: memoryview | bytes) -> int:  # a disk that lies
        corrupted = bytearray(data)
        corrupted[len(corrupted) // 2] ^= 1
        return real_write(fd, corrupted)

    monkeypatch.setattr(os, "write", flip_a_bit)
    with pytest.raises(CopyMismatch):
        copy_verified(src, target)
    assert os.listdir(target.parent) == []


def test_a_failed_copy_leaves_nothing(tmp_path: Path) -> None:
    src, _ = source(tmp_path, 3 * MIB)
    target = tmp_path / "ssd" / "clip.mp4"

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt  # a cancel, a worker shutting down

    with pytest.raises(KeyboardInterrupt):
        copy_verified(src, target, progress=stop)
    assert os.listdir(target.parent) == []


def test_leftovers_are_removed_unless_a_live_copy_holds_them(tmp_path: Path) -> None:
    root = tmp_path / "ssd"
    dead = part_path(root / "x" / "dead.mp4")
    live = part_path(root / "y" / "live.mp4")
    keep = root / "x" / "done.mp4"
    for path in (dead, live, keep):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    holder = os.open(live, os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        assert remove_leftovers(root) == [dead]
        assert live.exists() and keep.exists() and not dead.exists()
        src, _ = source(tmp_path, 10)
        with pytest.raises(CopyBusy):  # a second copy of the same file waits its turn
            copy_verified(src, root / "y" / "live.mp4")
        assert live.exists()
    finally:
        os.close(holder)


@pytest.mark.parametrize("rate", [4 * MIB, 12 * MIB])
def test_throttling_holds_the_configured_rate_within_ten_percent(tmp_path: Path, rate: int) -> None:
    src, _ = source(tmp_path, 6 * MIB)
    marks: list[tuple[float, int]] = []
    started = time.monotonic()
    result = copy_verified(
        src,
        tmp_path / "ssd" / "clip.mp4",
        rate=rate,
        progress=lambda done, _total: marks.append((time.monotonic() - started, done)),
    )
    assert abs(result.size / result.seconds - rate) <= 0.1 * rate
    # Never ahead of the rate at any point (each chunk waits for its turn).
    assert all(done <= rate * (at + 0.05) + (1 << 20) for at, done in marks)
    assert result.throttle_wait_seconds > 0


def test_throttle_unthrottled_never_sleeps() -> None:
    throttle = Throttle(0)
    throttle.pace(10**12, sleep=lambda s: pytest.fail("slept"))
    assert throttle.waited == 0


def test_victims_are_the_least_recently_read_down_to_the_target() -> None:
    copies = [
        OnSsd("a", 10, copied_ms=1, last_read_ms=50),  # copied first, read last
        OnSsd("b", 10, copied_ms=2, last_read_ms=None),  # never read: its copy time counts
        OnSsd("c", 10, copied_ms=3, last_read_ms=20),
        OnSsd("d", 10, copied_ms=4, last_read_ms=None),
    ]
    assert [v.path for v in victims(copies, 40, 25)] == ["b", "d"]
    assert [v.path for v in victims(copies, 40, 40)] == []
    assert [v.path for v in victims(copies, 40, 5, frozenset({"d"}))] == ["b", "c", "a"]


def test_watermarks() -> None:
    marks = Watermarks(1000, 0.95, 0.90)
    assert (marks.high_bytes, marks.low_bytes) == (950, 900)
    assert marks.fits(900) and not marks.fits(901)


def test_a_process_that_cannot_delete_leaves_leftovers_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leftover = part_path(tmp_path / "ssd" / "x.mp4")
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"partial")

    def read_only(self: Path, missing_ok: bool = False) -> None:
        raise OSError(30, "Read-only file system")  # control mounts the SSD read-only

    monkeypatch.setattr(Path, "unlink", read_only)
    assert remove_leftovers(tmp_path / "ssd") == []
    assert leftover.exists()
