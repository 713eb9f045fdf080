"""FileCache (edge/files.py): tiers and the lifetime of cached open files, on real files."""

from __future__ import annotations

import os
from pathlib import Path

from edge.files import FileCache


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_sweep_closes_idle_files_but_never_one_a_response_holds(tmp_path: Path) -> None:
    ssd, nas = tmp_path / "ssd", tmp_path / "nas"
    ssd.mkdir()
    nas.mkdir()
    (ssd / "idle.mp4").write_bytes(b"i")
    (ssd / "held.mp4").write_bytes(b"h")
    cache = FileCache(ssd, nas, ttl=0.0)
    before = open_fds()
    cache.open("idle.mp4").release()
    held = cache.open("held.mp4")  # a response still streams from this one
    assert len(open_fds() - before) == 2
    assert cache.sweep() == 1
    assert len(open_fds() - before) == 1
    assert os.pread(held.fd, 1, 0) == b"h"
    held.release()
    assert cache.sweep() == 1
    assert open_fds() == before


def test_sweep_keeps_files_checked_within_the_ttl(tmp_path: Path) -> None:
    (tmp_path / "ssd").mkdir()
    (tmp_path / "nas").mkdir()
    (tmp_path / "nas" / "fresh.mp4").write_bytes(b"f")
    cache = FileCache(tmp_path / "ssd", tmp_path / "nas", ttl=60.0)
    cache.open("fresh.mp4").release()
    assert cache.sweep() == 0
    cache.close()


def test_a_full_cache_lets_the_least_recently_used_file_go(tmp_path: Path) -> None:
    (tmp_path / "ssd").mkdir()
    (tmp_path / "nas").mkdir()
    for name in ("first.mp4", "second.mp4", "third.mp4"):
        (tmp_path / "nas" / name).write_bytes(name.encode())
    cache = FileCache(tmp_path / "ssd", tmp_path / "nas", ttl=60.0, max_entries=2)
    first = cache.open("first.mp4")
    first.release()
    cache.open("second.mp4").release()
    cache.open("first.mp4").release()  # used again: now the most recent
    cache.open("third.mp4").release()  # a third entry pushes out the least recent: second
    assert cache.open("first.mp4") is first  # still cached, the same open file
    first.release()
    assert first.refs == 1  # only the cache holds it
    second = cache.open("second.mp4")
    assert os.pread(second.fd, 6, 0) == b"second"  # opened afresh
    second.release()
    cache.close()
