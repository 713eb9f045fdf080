"""CPU per process while a load run goes on, so the report can say which one saturates:
every second, the CPU time each process of this run's tree spent, summed by role."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import psutil


def role(process: psutil.Process) -> str:
    """control, edge, worker, postgres, redis, locust or the executable's name."""
    try:
        argv: list[str] = process.cmdline()
        name: str = process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "gone"
    if "deploy.cli" in argv:
        return argv[argv.index("deploy.cli") + 1] if argv[-1] != "deploy.cli" else "wsoptv"
    if any("locust" in part for part in argv[:3]):
        return "locust"
    for known in ("postgres", "redis"):
        if known in name:
            return known
    return name


class CpuSampler(threading.Thread):
    """Writes `time,role,cpu_percent` rows (100 = one core) for the descendants of this
    process until stopped."""

    def __init__(self, path: Path, interval: float = 1.0) -> None:
        super().__init__(daemon=True, name="cpu-sampler")
        self._path, self._interval = path, interval
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def run(self) -> None:
        me = psutil.Process()
        last: dict[int, float] = {}
        roles: dict[int, str] = {}
        with self._path.open("w", newline="") as out:
            rows = csv.writer(out)
            rows.writerow(("time", "role", "cpu_percent"))
            previous = time.monotonic()
            while not self._stop_event.wait(self._interval):
                now = time.monotonic()
                spent: dict[str, float] = {}
                for process in me.children(recursive=True):
                    try:
                        times = process.cpu_times()
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
                    total = times.user + times.system
                    if process.pid not in roles:
                        roles[process.pid] = role(process)
                    name = roles[process.pid]
                    spent[name] = spent.get(name, 0.0) + total - last.get(process.pid, total)
                    last[process.pid] = total
                stamp = f"{time.time():.3f}"
                for name, seconds in sorted(spent.items()):
                    rows.writerow((stamp, name, f"{100 * seconds / (now - previous):.1f}"))
                previous = now
