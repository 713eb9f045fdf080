"""Workers SIGKILLed at random points of a copy: the edge never serves a partial or wrong
byte, a leftover temporary file is gone after the next worker start, and the copy
completes on retry."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from control.blocks.hot_cache.copy import part_path
from tests.control.blocks.hot_cache.conftest import MIB, BusEvents, HotPlatform, range_get

KILLS = 20
SIZE = 4 * MIB
RATE = 6 * MIB  # a copy takes 2/3 s: kills land mid-copy
PATH = "ARCHIVE/crash/Final Table.mp4"


@pytest.fixture
def overrides() -> dict[str, str]:
    return {
        "HOT_COPY_BYTES_PER_SECOND": str(RATE),
        "HOT_VIEWS": "1000",  # only this test's jobs copy
        "JOB_RECLAIM_IDLE": "1.0",
    }


class Reader:
    """A player reading random ranges of the file through the edge all along: every byte
    it gets must be the NAS file's, whichever tier served it."""

    def __init__(self, platform: HotPlatform, content_id: int, data: bytes) -> None:
        self.url = platform.url(content_id, PATH)
        self.data = data
        self.tiers: list[str] = []

    async def run(self, stop: asyncio.Event) -> None:
        rng = random.Random(7)
        async with httpx.AsyncClient(timeout=10) as client:
            while not stop.is_set():
                first = rng.randrange(len(self.data) - 65536)
                response = await range_get(client, self.url, first, first + 65535)
                assert response.status_code == 206, response.text
                assert response.content == self.data[first : first + 65536], "wrong bytes"
                self.tiers.append(response.headers["x-cache-tier"])
                await asyncio.sleep(0.02)


async def copying(
    platform: HotPlatform, content_id: int, part: Path, *, since: int, cut: int
) -> int:
    """Until a run of the copy written since `since` (ns) has `cut` bytes in its temporary
    file (file growth has no event: poll); the job's id. A job whose runs keep dying ends
    dead (JOB_CRASH_LOOP): enqueueing again is the retry (the unfinished job otherwise)."""
    while True:
        job = await platform.jobs.enqueue(
            "hot_copy", {"content_id": content_id}, dedup_key="crash-test"
        )
        for _ in range(100):
            with contextlib.suppress(FileNotFoundError):
                info = os.stat(part)
                if info.st_mtime_ns > since and info.st_size >= cut:
                    return job.id
            await asyncio.sleep(0.005)


async def evict(platform: HotPlatform, copy: Path) -> None:
    """Take a finished copy off the SSD again, as an eviction would."""
    os.unlink(copy)
    await platform.db.execute("DELETE FROM hot_copies")


def pid_of(worker: str) -> int:
    return int(worker.split(":")[-2])


async def test_workers_killed_mid_copy_never_serve_a_partial(platform: HotPlatform) -> None:
    rng = random.Random(20261203)
    data = os.urandom(SIZE)
    content_id = await platform.add_content(PATH, data)
    part = part_path(platform.ssd / PATH)
    reader = Reader(platform, content_id, data)
    stop = asyncio.Event()
    reading = asyncio.create_task(reader.run(stop))
    workers: dict[int, subprocess.Popen[bytes]] = {}
    try:
        async with asyncio.timeout(90):
            for _ in range(2):
                proc = platform.spawn_worker()
                workers[proc.pid] = proc
            for proc in workers.values():
                await platform.ready(proc)
            killed, last_kill, completed_first = 0, 0, 0
            while killed < KILLS:
                if killed == KILLS - 1:
                    # Every worker alive has done its start-up cleaning before the last
                    # kill, whose partial must stay until the next start.
                    for proc in workers.values():
                        await platform.ready(proc)
                cut = rng.randrange(MIB // 4, SIZE - MIB)
                job_id = await copying(platform, content_id, part, since=last_kill, cut=cut)
                running = await platform.jobs.get(job_id)
                assert running is not None and running.worker is not None
                victim = workers.pop(pid_of(running.worker))
                victim.send_signal(signal.SIGKILL)
                await asyncio.to_thread(victim.wait)
                last_kill = time.time_ns()
                copy = platform.ssd / PATH
                if copy.exists():  # a loaded machine: the copy finished before the kill landed
                    assert copy.read_bytes() == data  # complete and verified, never partial
                    await evict(platform, copy)
                    completed_first += 1
                else:
                    killed += 1
                if killed < KILLS:
                    proc = platform.spawn_worker()
                    workers[proc.pid] = proc
            # The last kill left a partial copy; with no worker alive nobody removes it...
            for proc in workers.values():
                proc.send_signal(signal.SIGTERM)
            for proc in workers.values():
                await asyncio.to_thread(proc.wait, 15)
            workers.clear()
            assert part.exists()
            # ...until a worker starts (this one consumes no hot-cache queue: it only cleans).
            with platform.worker("--queues", "media") as cleaner:
                await platform.ready(cleaner)
                assert not part.exists()
            assert not (platform.ssd / PATH).exists()
            # The copy completes on retry, verified; the player moves to it.
            async with BusEvents(platform.redis, "cache.content_cached") as events:
                with platform.worker() as finisher:
                    await platform.ready(finisher)
                    job = await platform.jobs.enqueue(
                        "hot_copy", {"content_id": content_id}, dedup_key="crash-test"
                    )
                    await events.next("cache.content_cached", lambda p: True)
                    final = await platform.waiter.finished(job.id)
                    assert final.status == "succeeded", final
            assert (platform.ssd / PATH).read_bytes() == data
            assert sorted(p.name for p in part.parent.iterdir()) == [(platform.ssd / PATH).name]
            deadline = time.monotonic() + 5
            while reader.tiers[-1] != "ssd":  # the edge re-checks the tier once a second
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        for proc in workers.values():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        await reading  # raises what the reader saw wrong
    assert reader.tiers.count("nas") > KILLS  # the player read all along
    assert completed_first <= KILLS // 2, "too few kills landed mid-copy"
