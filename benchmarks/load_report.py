"""What a load run measured, as numbers (steady state: after the last sign-in) and as
plots a person would rather look at than read."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from benchmarks.locust.steps import (
    ABANDONED,
    API,
    LOGIN_STEP,
    RANGE_TOTAL,
    REFUSAL,
    TOTAL,
    TTFB,
)

# Entries that are no HTTP request of their own: a Range body (its request is the ttfb
# entry) and a stream left without a word.
_NOT_REQUESTS = frozenset({RANGE_TOTAL, ABANDONED})
_MIB = 1 << 20


@dataclass
class Sample:
    time: float
    name: str
    kind: str
    ms: float
    size: int
    ok: bool
    tier: str
    error: str


def read_samples(path: Path) -> list[Sample]:
    with path.open(newline="") as source:
        return [
            Sample(
                float(row["time"]),
                row["name"],
                row["kind"],
                float(row["ms"]),
                int(row["bytes"]),
                row["ok"] == "1",
                row["tier"],
                row["error"],
            )
            for row in csv.DictReader(source)
        ]


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


@dataclass
class Summary:
    users: int
    steady_seconds: float
    requests_per_second: float
    mib_per_second: float
    range_ttfb_p50_ms: float
    range_ttfb_p95_ms: float
    range_total_p95_ms: float
    api_p50_ms: float
    api_p95_ms: float
    api_p99_ms: float
    failures: int  # whole run, ramp included
    steady_failures: int
    expected_refusals: int
    steps: dict[str, int] = field(default_factory=dict)  # whole run, by name
    errors: dict[str, int] = field(default_factory=dict)  # whole run, by name and message
    cpu_percent: dict[str, float] = field(default_factory=dict)  # steady mean, 100 = one core

    def line(self) -> str:
        return (
            f"load: {self.users} users, {self.requests_per_second:,.0f} req/s, "
            f"{self.mib_per_second:,.1f} MiB/s, range ttfb p95 {self.range_ttfb_p95_ms:.0f} ms, "
            f"api p95 {self.api_p95_ms:.0f} ms, failures {self.failures}, "
            f"expected refusals {self.expected_refusals}"
        )


def steady_start(samples: list[Sample]) -> float:
    """When every user had signed in: logins are bcrypt-bound and belong to the ramp."""
    logins = [s.time for s in samples if s.name == LOGIN_STEP]
    return max(logins) if logins else min(s.time for s in samples)


def read_cpu(path: Path) -> list[tuple[float, str, float]]:
    if not path.exists():
        return []
    with path.open(newline="") as source:
        return [
            (float(r["time"]), r["role"], float(r["cpu_percent"])) for r in csv.DictReader(source)
        ]


def summarise(samples: list[Sample], users: int, cpu: list[tuple[float, str, float]]) -> Summary:
    start, end = steady_start(samples), max(s.time for s in samples)
    steady = [s for s in samples if s.time > start]
    seconds = max(end - start, 1e-9)

    def ms(kind: str) -> list[float]:
        return [s.ms for s in steady if s.kind == kind and s.ok]

    per_role: dict[str, list[float]] = defaultdict(list)
    for stamp, role, percent in cpu:
        if start < stamp <= end:
            per_role[role].append(percent)
    errors = Counter(f"{s.name}: {s.error}" for s in samples if not s.ok)
    return Summary(
        users=users,
        steady_seconds=round(seconds, 1),
        requests_per_second=sum(1 for s in steady if s.name not in _NOT_REQUESTS) / seconds,
        mib_per_second=sum(s.size for s in steady if s.kind == TOTAL) / _MIB / seconds,
        range_ttfb_p50_ms=_p(ms(TTFB), 50),
        range_ttfb_p95_ms=_p(ms(TTFB), 95),
        range_total_p95_ms=_p(ms(TOTAL), 95),
        api_p50_ms=_p(ms(API), 50),
        api_p95_ms=_p(ms(API), 95),
        api_p99_ms=_p(ms(API), 99),
        failures=sum(1 for s in samples if not s.ok),
        steady_failures=sum(1 for s in steady if not s.ok),
        expected_refusals=sum(1 for s in samples if s.kind == REFUSAL and s.ok),
        steps=dict(Counter(s.name for s in samples)),
        errors=dict(errors.most_common(20)),
        cpu_percent={role: round(float(np.mean(v)), 1) for role, v in sorted(per_role.items())},
    )


def _users_over_time(history: Path) -> tuple[list[float], list[int]]:
    """(time, users) from locust's stats history (its Aggregated rows)."""
    if not history.exists():
        return [], []
    with history.open(newline="") as source:
        rows = [r for r in csv.DictReader(source) if r["Name"] == "Aggregated"]
    return [float(r["Timestamp"]) for r in rows], [int(r["User Count"]) for r in rows]


def _bins(times: list[float], t0: float, width: float) -> np.ndarray:
    return np.floor((np.asarray(times) - t0) / width).astype(int)


def plot(
    samples: list[Sample], cpu: list[tuple[float, str, float]], history: Path, out: Path
) -> list[Path]:
    """Four PNGs in `out`; their paths."""
    t0 = min(s.time for s in samples)
    steady = steady_start(samples) - t0
    requests = [s for s in samples if s.name not in _NOT_REQUESTS]
    span = int(max(s.time for s in samples) - t0) + 1
    written = []

    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(10, 7))
    times, users = _users_over_time(history)
    axes[0].step([t - t0 for t in times], users, where="post")
    axes[0].set_ylabel("users")
    for ax, (label, chosen) in zip(
        axes[1:],
        (("requests / s", [s.time for s in requests]),
         ("failures / s", [s.time for s in samples if not s.ok])),
        strict=True,
    ):  # fmt: skip
        counts = np.bincount(_bins(chosen, t0, 1.0), minlength=span) if chosen else np.zeros(span)
        ax.plot(np.arange(len(counts)), counts)
        ax.set_ylabel(label)
    _finish(fig, axes, steady, "seconds since start", "Users, requests and failures")
    written.append(_save(fig, out / "users_requests_failures.png"))

    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(10, 8))
    for ax, (kind, title, target) in zip(
        axes,
        ((API, "API (control)", 100.0), (TTFB, "Range: time to first byte", 50.0),
         (TOTAL, "Range: whole 1-2 MiB body", None)),
        strict=True,
    ):  # fmt: skip
        timed = [s for s in samples if s.kind == kind and s.ok]
        window: dict[int, list[float]] = defaultdict(list)
        for s, b in zip(timed, _bins([s.time for s in timed], t0, 5.0), strict=True):
            window[int(b)].append(s.ms)
        xs = sorted(window)
        for q in (50, 95, 99):
            ax.plot([5 * x + 2.5 for x in xs], [_p(window[x], q) for x in xs], label=f"p{q}")
        if target:
            ax.axhline(target, color="red", linestyle="--", linewidth=0.8, label="target p95")
        ax.set_yscale("log")  # one decade of tail and one of median fit the same axes
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel("ms")
        ax.set_title(title, fontsize=10)
        ax.legend(loc="upper right", fontsize=8)
    _finish(fig, axes, steady, "seconds since start (5 s windows)", "Latency percentiles")
    written.append(_save(fig, out / "latency.png"))

    fig, ax = plt.subplots(figsize=(10, 4))
    ranges = [s for s in samples if s.kind == TOTAL]
    for tier in sorted({s.tier for s in ranges}):
        served = [s for s in ranges if s.tier == tier]
        mib = np.bincount(
            _bins([s.time for s in served], t0, 1.0),
            weights=[s.size / _MIB for s in served],
            minlength=span,
        )
        ax.plot(np.arange(len(mib)), mib, label=tier or "unknown")
    ax.set_ylabel("MiB / s")
    ax.legend(title="cache tier")
    _finish(fig, [ax], steady, "seconds since start", "Bytes served per second by cache tier")
    written.append(_save(fig, out / "bytes_by_tier.png"))

    if cpu:
        fig, ax = plt.subplots(figsize=(10, 4))
        for role in sorted({r for _, r, _ in cpu}):
            points = [(t - t0, p) for t, r, p in cpu if r == role]
            ax.plot([t for t, _ in points], [p for _, p in points], label=role)
        ax.axhline(100, color="grey", linestyle=":", linewidth=0.8)
        ax.set_ylabel("CPU % (100 = one core)")
        ax.legend(fontsize=8, ncol=4)
        _finish(fig, [ax], steady, "seconds since start", "CPU per process")
        written.append(_save(fig, out / "cpu.png"))
    return written


def _finish(fig: Figure, axes: list[Axes], steady: float, xlabel: str, title: str) -> None:
    for ax in axes:
        ax.axvline(steady, color="grey", linestyle="--", linewidth=0.8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(f"{xlabel} (dashed: all signed in, steady state from here)")
    fig.suptitle(title)
    fig.tight_layout()


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def report(out: Path, users: int) -> Summary:
    """Summary and plots of the run whose files are in `out`; summary.json written too."""
    samples = read_samples(out / "samples.csv")
    cpu = read_cpu(out / "cpu.csv")
    summary = summarise(samples, users, cpu)
    plot(samples, cpu, out / "locust_stats_history.csv", out)
    (out / "summary.json").write_text(json.dumps(asdict(summary), indent=2) + "\n")
    return summary
