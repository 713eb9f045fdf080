"""What is on the SSD now: its copies (non-hidden regular files) and the bytes it holds."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from control.blocks.hot_cache.eviction import OnSsd


@dataclass(frozen=True, slots=True)
class Inventory:
    copies: list[OnSsd]  # last_read_ms not filled in: the edges' reports add it
    used: int  # bytes of every file, partial copies included


def scan(root: Path) -> Inventory:
    """Walk `root` (blocking: run in a thread); symlinks are neither followed nor counted."""
    copies: list[OnSsd] = []
    used = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue  # removed meanwhile
            if not stat.S_ISREG(info.st_mode):
                continue
            used += info.st_size
            if not name.startswith("."):
                relative = os.path.relpath(path, root)
                copies.append(OnSsd(relative, info.st_size, info.st_ctime_ns // 1_000_000, None))
    return Inventory(copies, used)


def ssd_path(root: Path, relative: str) -> Path:
    """`root/relative`, refusing anything that would leave `root` (a catalog path is trusted
    data, but a copy is written and deleted there: belt and braces)."""
    if relative.startswith("/") or "\x00" in relative:
        raise ValueError(f"not a relative media path: {relative!r}")
    parts = Path(relative).parts
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise ValueError(f"not a media path the edge would serve: {relative!r}")
    return root.joinpath(*parts)
