"""The platform a load run starts for itself: embedded PostgreSQL and Redis, control, edge
and worker (tests/web/platform.py) over a temporary NAS_ROOT holding the demo library
(real H.264/AAC files, one of 60 MiB at 4 Mbit/s) and a sparse replica of the real
archive's listing (1,948 files), so the catalog, home rows and search have the real size.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deploy.demo import DEMO_LIBRARY, write_demo_library
from deploy.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.control.blocks.content.replica import build_replica
from tests.support import free_port
from tests.web.platform import ADMIN_EMAIL, Platform, run_platform, wsoptv_cli


def _demo_files(nas: Path, cache: Path) -> None:
    """The demo library under `nas`, encoded once into `cache` (about 40 s) and linked."""
    for path in write_demo_library(cache):
        target = nas / path.relative_to(cache)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:  # another file system: a copy that keeps the mtime (same ETag)
            shutil.copy2(path, target)


def _jobs_drained(platform: Platform, timeout: float = 300.0) -> None:
    """Wait until the worker has no queued or running job (the replica's probes)."""
    deadline = time.monotonic() + timeout
    with platform.api() as api:
        admin = platform.login(api, ADMIN_EMAIL)
        while True:
            busy = sum(
                api.get("/admin/jobs", params={"status": status, "limit": 1}, headers=admin)
                .raise_for_status()
                .json()["total"]
                for status in ("queued", "running")
            )
            if not busy:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{busy} jobs still unfinished after {timeout} s")
            # The worker is another process: nothing of its progress to await here.
            time.sleep(0.5)


@contextmanager
def load_platform(root: Path, demo_cache: Path, **settings: str) -> Iterator[Platform]:
    """A whole platform in `root` with the demo library and the replica scanned and probed;
    `settings` are extra environment variables of its processes (stream limits...)."""
    nas = root / "nas"
    _demo_files(nas, demo_cache)
    with (
        EmbeddedPostgres(root / "infra", free_port()) as database_url,
        EmbeddedRedis(root / "infra", free_port()) as redis_url,
        run_platform(root, database_url, redis_url, DEMO_LIBRARY, **settings) as platform,
    ):
        # After the demo files are probed (run_platform waits for their thumbnails): the
        # replica's sparse files are not media, their probes fail, and no thumbnail comes.
        build_replica(nas, keys=("",), clips=())
        wsoptv_cli(["scan"], platform.env)
        _jobs_drained(platform)
        yield platform
