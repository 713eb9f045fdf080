"""SSD usage: a du-like walk of SSD_CACHE_ROOT, cached briefly (admin dashboard).

The walk runs in a thread (a large cache has many files) and its result is reused for
`ttl` seconds, so a dashboard refreshed every few seconds costs one walk, and concurrent
refreshes share the walk in progress.
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

USAGE_TTL_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Usage:
    used_bytes: int  # allocated on disk, as du counts (sparse files count what they hold)
    file_bytes: int  # the files' apparent sizes
    files: int
    root_exists: bool


def walk(root: Path) -> Usage:
    """Sum every regular file under `root`; symlinks are not followed, hard links count once."""
    used = apparent = files = 0
    seen: set[tuple[int, int]] = set()
    stack = [str(root)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:  # vanished or unreadable: the hot cache changes under our feet
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                stack.append(entry.path)
            elif stat.S_ISREG(info.st_mode) and (info.st_dev, info.st_ino) not in seen:
                if info.st_nlink > 1:
                    seen.add((info.st_dev, info.st_ino))
                used += info.st_blocks * 512
                apparent += info.st_size
                files += 1
    return Usage(used, apparent, files, root.is_dir())


class SsdUsage:
    def __init__(self, root: Path, ttl: float = USAGE_TTL_SECONDS) -> None:
        self.root, self._ttl = root, ttl
        self._measured: tuple[float, Usage] | None = None
        self._walking: asyncio.Task[Usage] | None = None

    async def usage(self) -> tuple[Usage, float]:
        """The usage and its age in seconds."""
        now = time.monotonic()
        if self._measured is not None and now - self._measured[0] < self._ttl:
            return self._measured[1], now - self._measured[0]
        if self._walking is None or self._walking.done():
            self._walking = asyncio.create_task(asyncio.to_thread(walk, self.root))
        usage = await asyncio.shield(self._walking)
        self._measured = (time.monotonic(), usage)
        return usage, 0.0
