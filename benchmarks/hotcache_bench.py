"""The hot cache's NAS → SSD copy (not a test): prints two tables.

1. Copy throughput, unthrottled, against `cp` of the same file on the same disks in the same
   run: `cp` (GNU coreutils: copy_file_range, no flush), `cp` + `sync` of the copy (what a
   verified copy must also pay: the bytes on disk), and `copy_verified` (chunks read, hashed,
   written, every 32 MiB flushed, re-read and hashed, both sides' pages dropped; fsync,
   compare, copystat, rename) with XXH3-128 (the default), SHA-256 and BLAKE2b, and
   without DONTNEED.
   The source is cold before every run (its pages dropped), the target removed and flushed.
   Rounds alternate the cases; the median is shown.
2. The page-cache effect: a player reads random 64 KiB ranges (`pread`, 200 a second) of a
   working set it keeps hot while a large copy runs, with and without `posix_fadvise
   (DONTNEED)`, and with no copy at all: its latency, how much the page cache grew during the
   copy, and how much of the player's working set was still cached afterwards (`fincore`).

"NAS" and "SSD" are two folders of the same file system here (one virtual disk); point
--dir elsewhere to put them on other disks. Numbers: benchmarks/README.md.
Run: .venv/bin/python benchmarks/hotcache_bench.py [--size-mib 1024] [--rounds 3]
     [--copy-mib 4096] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.machine import cpu_model  # noqa: E402
from control.blocks.hot_cache import copy as hot_copy  # noqa: E402

MIB = 1 << 20
RANGE = 64 * 1024


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def write_random(path: Path, size: int) -> None:
    """A file of `size` incompressible bytes, flushed, with its pages dropped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(8 * MIB)
    with open(path, "wb") as out:
        for offset in range(0, size, len(block)):
            out.write(block[: min(len(block), size - offset)])
        out.flush()
        os.fsync(out.fileno())
    cold(path)


def cold(path: Path) -> None:
    """Drop the file's (clean) pages from the page cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def cached_kib() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("Cached:"):
                return int(line.split()[1])
    return 0


def resident_share(path: Path) -> float:
    """Share of the file's pages in the page cache (fincore, util-linux)."""
    out = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES,SIZE", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]) / max(1, int(out[1]))


def sync_file(path: Path) -> None:
    subprocess.run(["sync", str(path)], check=True)


# 1. throughput ------------------------------------------------------------------------------


def run_cp(source: Path, target: Path, *, flush: bool) -> float:
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(target)], check=True)
    if flush:
        sync_file(target)
    return time.perf_counter() - started


def run_ours(source: Path, target: Path, *, digest: str, drop: bool) -> float:
    previous, hot_copy.HASH = hot_copy.HASH, digest
    try:
        started = time.perf_counter()
        hot_copy.copy_verified(source, target, drop_cache=drop)
        return time.perf_counter() - started
    finally:
        hot_copy.HASH = previous


def throughput(root: Path, size: int, rounds: int) -> None:
    source = root / "nas" / "clip.mp4"
    target = root / "ssd" / "clip.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_random(source, size)
    cases: dict[str, Callable[[], float]] = {
        "cp": lambda: run_cp(source, target, flush=False),
        "cp + sync": lambda: run_cp(source, target, flush=True),
        "copy_verified xxh3_128": lambda: run_ours(source, target, digest="xxh3_128", drop=True),
        "copy_verified sha256": lambda: run_ours(source, target, digest="sha256", drop=True),
        "copy_verified blake2b": lambda: run_ours(source, target, digest="blake2b", drop=True),
        "copy_verified xxh3_128, no DONTNEED": lambda: run_ours(
            source, target, digest="xxh3_128", drop=False
        ),
    }
    seconds: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    for number in range(1, rounds + 1):
        random.Random(number).shuffle(order)  # no case always follows the same one
        for name in order:
            cold(source)
            if target.exists():
                target.unlink()
            subprocess.run(["sync"], check=True)  # nothing of the last case left to flush
            seconds[name].append(cases[name]())
        print(
            f"round {number}: load average {load()}; MiB/s "
            + ", ".join(f"{name} {size / MIB / seconds[name][-1]:,.0f}" for name in cases),
            flush=True,
        )
    target.unlink(missing_ok=True)
    source.unlink()
    base = statistics.median(seconds["cp"])
    base_sync = statistics.median(seconds["cp + sync"])
    print(f"\n### Copy throughput, {size // MIB} MiB, median of {rounds} rounds\n")
    print("| copy | MiB/s | seconds | x cp | x cp + sync |")
    print("|---|---|---|---|---|")
    for name, runs in seconds.items():
        median = statistics.median(runs)
        print(
            f"| {name} | {size / MIB / median:,.0f} | {median:.2f} | "
            f"{base / median:.2f} | {base_sync / median:.2f} |"
        )


# 2. page cache ----------------------------------------------------------------------------


class Player:
    """Random 64 KiB preads of `files` at `rate` per second; latencies in ms."""

    def __init__(self, files: list[Path], rate: float) -> None:
        self.fds = [os.open(path, os.O_RDONLY) for path in files]
        self.sizes = [os.fstat(fd).st_size for fd in self.fds]
        self.rate = rate
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def warm(self) -> None:
        for fd, size in zip(self.fds, self.sizes, strict=True):
            for offset in range(0, size, 8 * MIB):
                os.pread(fd, 8 * MIB, offset)

    def _run(self) -> None:
        rng = random.Random(1)
        next_at = time.perf_counter()
        while not self._stop.is_set():
            index = rng.randrange(len(self.fds))
            offset = rng.randrange(self.sizes[index] // RANGE) * RANGE
            started = time.perf_counter()
            os.pread(self.fds[index], RANGE, offset)
            self.latencies.append((time.perf_counter() - started) * 1000)
            next_at += 1 / self.rate
            time.sleep(max(0.0, next_at - time.perf_counter()))

    def __enter__(self) -> Player:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)


def page_cache(root: Path, copy_size: int, working_set: int) -> None:
    files = [root / "nas" / f"watched-{n}.mp4" for n in range(4)]
    for path in files:
        write_random(path, working_set // len(files))
    source = root / "nas" / "big.mxf"
    write_random(source, copy_size)
    target = root / "ssd" / "big.mxf"
    rows: list[tuple[str, list[float], int, float, float]] = []
    for name, drop in (
        ("no copy", None),
        ("copy with DONTNEED", True),
        ("copy without DONTNEED", False),
    ):
        cold(source)
        target.unlink(missing_ok=True)
        subprocess.run(["sync"], check=True)
        player = Player(files, rate=200)
        player.warm()
        before = cached_kib()
        peak = before
        with player:
            started = time.perf_counter()
            if drop is None:
                time.sleep(5)
            else:
                worker = threading.Thread(
                    target=hot_copy.copy_verified,
                    args=(source, target),
                    kwargs={"drop_cache": drop},
                )
                worker.start()
                while worker.is_alive():
                    peak = max(peak, cached_kib())
                    worker.join(0.1)
            elapsed = time.perf_counter() - started
        peak = max(peak, cached_kib())
        resident = statistics.mean(resident_share(path) for path in files)
        rows.append((name, player.latencies, (peak - before) // 1024, resident, elapsed))
        player.close()
        print(f"{name}: load average {load()}", flush=True)
        # Undo the no-DONTNEED run's footprint so it cannot help or hurt what follows.
        cold(source)
        if target.exists():
            cold(target)
    for path in (*files, source, target):
        path.unlink(missing_ok=True)
    print(
        f"\n### A player's 64 KiB reads (200/s, {working_set // MIB} MiB working set) during a "
        f"{copy_size // MIB} MiB copy\n"
    )
    print(
        "| case | reads | p50 ms | p99 ms | max ms | page cache growth MiB "
        "| player's set still cached | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, latencies, growth, resident, elapsed in rows:
        ordered = sorted(latencies)
        p99 = ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0
        print(
            f"| {name} | {len(ordered)} | {statistics.median(ordered):.3f} | {p99:.3f} | "
            f"{ordered[-1]:.2f} | {growth:,} | {resident:.0%} | {elapsed:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file copied in part 1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copy-mib", type=int, default=4096, help="copy of part 2 (0: skip)")
    parser.add_argument("--working-set-mib", type=int, default=512, help="player's files")
    parser.add_argument("--dir", default=None, help="where the NAS and SSD folders go")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}; load average before: {load()}")
    with open("/proc/meminfo") as meminfo:
        print(" ".join(next(meminfo).split()) + ", " + " ".join(next(meminfo).split()))
    root = Path(tempfile.mkdtemp(prefix="hotcache-bench-", dir=args.dir))
    try:
        throughput(root, args.size_mib * MIB, args.rounds)
        if args.copy_mib:
            page_cache(root, args.copy_mib * MIB, args.working_set_mib * MIB)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
