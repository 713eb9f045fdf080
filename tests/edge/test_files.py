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
