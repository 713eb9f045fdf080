"""The job system under load (not a test): prints a table of

1. raw Redis Streams: one message's XADD, XREADGROUP and XACK, back to back (the floor a
   job's trip through Redis stands on), in messages per second;
2. no-op jobs per second through `wsoptv worker` processes (1 and 2, 4 slots each): each job
   is a PostgreSQL row started and finished (fenced), its message read, acknowledged and
   deleted, and its changes streamed;
3. thumbnails (poster + storyboard) of a 1080p H.264 file, as a multiple of real time per
   core (the file's duration over the CPU seconds spent);
4. a scan of the sparse replica of ../shared/samples/nas_scan_result.json (1,948 files):
   the import, then its 1,948 probes through 2 worker processes (the failure path at scale:
   sparse files are not media).

It starts its own embedded PostgreSQL and Redis in a temporary directory.
Run: .venv/bin/python benchmarks/worker_bench.py [--jobs 2000] [--video PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
import av  # noqa: E402
import numpy as np  # noqa: E402
from redis.asyncio import Redis  # noqa: E402

from control.blocks.content import thumbnails as images  # noqa: E402
from control.blocks.content.library import import_library  # noqa: E402
from control.blocks.content.media import read_media  # noqa: E402
from control.blocks.content.media_jobs import MediaCatalog  # noqa: E402
from control.blocks.title_generator import ParserTitleGenerator  # noqa: E402
from control.blocks.worker.events import JobEvents  # noqa: E402
from control.blocks.worker.queues import JobQueues  # noqa: E402
from control.blocks.worker.service import JobService  # noqa: E402
from control.db.migrate import migrate  # noqa: E402
from control.orchestration.block import Block  # noqa: E402
from control.orchestration.bus import MessageBus  # noqa: E402
from control.orchestration.jobs import Job, JobContext, JobResult  # noqa: E402
from control.orchestration.registry import BlockRegistry, discover  # noqa: E402
from deploy.embedded import EmbeddedPostgres, EmbeddedRedis  # noqa: E402
from tests.support import free_port  # noqa: E402

LISTING = Path("/work/shared/samples/nas_scan_result.json")


async def noop(ctx: JobContext[None]) -> JobResult:
    return None


BENCH_BLOCK: Block[None] = Block(name="bench", jobs=(Job("noop", noop, queue="bench"),))


def serve_worker(concurrency: int) -> None:
    from control.settings import ControlSettings
    from control.worker import run_worker

    run_worker(ControlSettings(), concurrency=concurrency, blocks=[*discover(), BENCH_BLOCK])


# 1. raw Redis -------------------------------------------------------------------------------


async def raw_round_trips(url: str, count: int) -> float:
    redis = Redis.from_url(url)
    await redis.xgroup_create("bench:raw", "g", id="0", mkstream=True)
    started = time.perf_counter()
    for n in range(count):
        await redis.xadd("bench:raw", {"job": n, "gen": 1})
        read = await redis.xreadgroup("g", "c", {"bench:raw": ">"}, count=1)
        assert isinstance(read, list)  # RESP2: [[stream, entries]]
        ((_, entries),) = read
        await redis.xack("bench:raw", "g", entries[0][0])
    elapsed = time.perf_counter() - started
    await redis.aclose()
    return count / elapsed


# 2. and 4. jobs through worker processes -----------------------------------------------------


def spawn_workers(
    env: dict[str, str], count: int, concurrency: int
) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, __file__, "--serve-worker", str(concurrency)],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for proc in workers:
        proc.send_signal(signal.SIGTERM)
    for proc in workers:
        proc.wait(30)


async def drained(db: asyncpg.Pool, job_type: str) -> tuple[int, float]:
    """Wait until no job of the type is unfinished; (jobs, first start to last finish in s)."""
    # Other processes' progress: nothing in this one to await.
    while await db.fetchval(  # noqa: ASYNC110
        "SELECT count(*) FROM jobs WHERE type = $1 AND status IN ('queued', 'running')", job_type
    ):
        await asyncio.sleep(0.05)
    row = await db.fetchrow(
        "SELECT count(*) AS n, extract(epoch FROM max(finished_at) - min(started_at)) AS s "
        "FROM jobs WHERE type = $1",
        job_type,
    )
    assert row is not None
    return int(row["n"]), float(row["s"])


async def noop_throughput(
    service: JobService, db: asyncpg.Pool, env: dict[str, str], jobs: int, workers: int
) -> float:
    await db.execute("DELETE FROM jobs WHERE type = 'noop'")
    for _ in range(jobs):  # all queued before any worker runs: the queue is never empty
        await service.enqueue("noop")
    procs = spawn_workers(env, workers, 4)
    try:
        done, seconds = await drained(db, "noop")
    finally:
        stop_workers(procs)
    return done / seconds


# 3. thumbnails -------------------------------------------------------------------------------


def write_1080p(path: Path, seconds: int) -> Path:
    """A 1080p H.264 file quickly: a scrolling gradient with noise, keyframes every 2 s
    (the demo library's GOP), x264 ultrafast at 6 Mbit/s."""
    fps, width, height = 25, 1920, 1080
    rng = np.random.default_rng(0)
    base = np.tile(np.arange(width, dtype=np.uint8), (height, 1))
    noise = rng.integers(0, 16, size=(8, height, width), dtype=np.uint8)
    chroma = np.full(width * height // 2, 128, dtype=np.uint8)
    with av.open(str(path), mode="w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.bit_rate, video.gop_size = 6_000_000, 2 * fps
        for index in range(seconds * fps):
            luma = np.roll(base, index * 8, axis=1) + noise[index % 8]
            frame = av.VideoFrame.from_ndarray(
                np.concatenate([luma.ravel(), chroma]).reshape(height * 3 // 2, width),
                format="yuv420p",
            )
            frame.pts, frame.time_base = index, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return path


def thumbnail_cpu(video: Path) -> tuple[float, float, int, float]:
    """(duration s, CPU s, storyboard tiles, wall s) of a poster and a storyboard."""
    info = read_media(video)
    assert info.duration_seconds
    wall, cpu = time.perf_counter(), time.process_time()
    reader = images.KeyframeReader(video)
    try:
        images.poster(reader, info.duration_seconds)
        plan = images.plan(info.duration_seconds)
        tiles = [images.tile(reader, at) for at in plan.times]
    finally:
        reader.close()
    images.sprite(tiles)
    images.webvtt(plan, len(tiles))
    return (
        info.duration_seconds,
        time.process_time() - cpu,
        len(tiles),
        time.perf_counter() - wall,
    )


# 4. the replica ------------------------------------------------------------------------------


def build_replica(root: Path) -> int:
    files = [i for i in json.loads(LISTING.read_text())["items"] if not i["is_directory"]]
    for entry in files:
        target = root / entry["path"].removeprefix("GGPNAs/")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as sparse:
            sparse.truncate(entry["size_bytes"])
    return len(files)


async def scan_replica(
    service: JobService, db: asyncpg.Pool, env: dict[str, str], nas: Path
) -> tuple[int, float, float]:
    """(videos, import s, probe jobs per s)."""
    async with db.acquire() as conn:
        started = time.perf_counter()
        report = await import_library(conn, nas, ParserTitleGenerator().generate)
        imported = time.perf_counter() - started

    async def unchanged(_content_id: int) -> None:
        return None

    media = MediaCatalog(db, service, nas, nas, unchanged)
    await media.enqueue_probes(report.changed_file_ids)
    procs = spawn_workers(env, 2, 4)
    try:
        probes, seconds = await drained(db, "probe")
    finally:
        stop_workers(procs)
    return report.found, imported, probes / seconds


async def run(args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="worker-bench-"))
    postgres, redis_server = EmbeddedPostgres(data, free_port()), EmbeddedRedis(data, free_port())
    database_url, redis_url = postgres.start(), redis_server.start()
    try:
        await migrate(database_url)
        nas = data / "nas"
        nas.mkdir()
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "STREAM_TOKEN_KEYS": f"s1:{secrets.token_urlsafe(32)}",
            "ACCESS_TOKEN_KEYS": f"a1:{secrets.token_urlsafe(32)}",
            "NAS_ROOT": str(nas),
            "THUMBNAIL_ROOT": str(data / "thumbnails"),
            "WSOPTV_DATA_DIR": str(data / "state"),
            "LOG_LEVEL": "error",
        }
        redis = Redis.from_url(redis_url)
        db = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
        declared = BlockRegistry([*discover(), BENCH_BLOCK]).declared_jobs()
        service = JobService(
            db, JobQueues(redis), JobEvents(redis, redis_url), MessageBus(redis), declared
        )
        rows: list[tuple[str, str, str]] = []
        raw = await raw_round_trips(redis_url, args.jobs)
        rows.append(("raw XADD + XREADGROUP + XACK", f"{raw:,.0f} msg/s", "1.00x (baseline)"))
        for workers in (1, 2):
            rate = await noop_throughput(service, db, env, args.jobs, workers)
            rows.append(
                (
                    f"no-op jobs, {workers} worker(s) x 4 slots",
                    f"{rate:,.0f} jobs/s",
                    f"{rate / raw:.2f}x raw",
                )
            )
        video = args.video
        if video is None:
            video = write_1080p(data / "1080p.mp4", args.seconds)
        duration, cpu, tiles, wall = thumbnail_cpu(video)
        rows.append(
            (
                f"thumbnails, 1080p H.264 {duration:.0f} s ({tiles} tiles + poster)",
                f"{cpu:.2f} CPU s ({wall:.2f} s wall)",
                f"{duration / cpu:,.0f}x real time per core",
            )
        )
        files = build_replica(nas)
        found, imported, probes = await scan_replica(service, db, env, nas)
        rows.append(
            (
                f"scan of the replica ({files:,} files, {found:,} videos)",
                f"{imported:.2f} s import",
                f"{found / imported:,.0f} files/s",
            )
        )
        rows.append(
            (
                f"its {found:,} probes (sparse: MEDIA_UNREADABLE), 2 workers x 4",
                f"{found / probes:.2f} s",
                f"{probes:,.0f} jobs/s",
            )
        )
        await db.close()
        await redis.aclose()
        print("| case | measured | ratio |\n|---|---|---|")
        for row in rows:
            print(f"| {' | '.join(row)} |")
    finally:
        redis_server.stop()
        postgres.stop()


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-worker":
        serve_worker(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2000, help="no-op jobs per run")
    parser.add_argument("--video", type=Path, default=None, help="a 1080p H.264 file")
    parser.add_argument(
        "--seconds", type=int, default=120, help="length of the generated 1080p file"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
