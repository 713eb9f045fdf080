"""Load test of the whole platform with locust (SPEC §7.1), headless, with a report.

Without --control/--edge it starts the platform itself (embedded PostgreSQL and Redis,
control, edge and worker on free ports, the demo library plus a sparse replica of the real
archive under a temporary NAS_ROOT: benchmarks/load_platform.py), prepares the accounts,
runs the scenarios of benchmarks/locust/, stops everything and writes into --out:
report.html (locust's), stats.csv (locust's per-entry table), samples.csv (every request),
cpu.csv (CPU per process each second), summary.json and the PNG plots. Its last line:
`load: N users, X req/s, Y MiB/s, range ttfb p95 A ms, api p95 B ms, failures F,
expected refusals K` (steady state: after the last sign-in).

Against a running platform (--control URL --edge URL) the accounts are created in its
database (DATABASE_URL, or the embedded one of WSOPTV_DATA_DIR, like `wsoptv user create`);
its per-IP API and login limits must allow one address this many requests.

Run: .venv/bin/python benchmarks/load.py --users 100 --spawn-rate 2.5 --seconds 160 --out DIR
     [--client-cpu 0 --platform-cpu 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from benchmarks.load_accounts import create_accounts  # noqa: E402
from benchmarks.load_cpu import CpuSampler  # noqa: E402
from benchmarks.load_report import Summary, report  # noqa: E402
from benchmarks.locust.steps import CONFIG_ENV, Behaviour, RunConfig  # noqa: E402
from benchmarks.machine import cpu_model, load_average  # noqa: E402

LOCUSTFILE = REPO / "benchmarks" / "locust" / "locustfile.py"
PASSWORD = "Load-Test-Passw0rd"
# Locust's per-process chatter past a run's end; its stop waits for tasks this long.
_STOP_TIMEOUT_SECONDS = 5


def admin_cache_served(control_url: str) -> bool:
    """True when the platform serves the hot-cache admin page (another branch's routes)."""
    schema = httpx.get(f"{control_url}/schema/openapi.json", timeout=30).raise_for_status().json()
    return "/api/admin/cache" in schema.get("paths", {})


def run_locust(
    control_url: str,
    config: RunConfig,
    out: Path,
    *,
    users: int,
    spawn_rate: float,
    seconds: int,
    client_cpu: int | None = None,
) -> int:
    """Run the scenarios headless against `control_url`; locust's exit code (1 when any
    request failed). Writes report.html, stats.csv and locust's history into `out`."""
    config_path = out / "config.json"
    replace(config, samples_path=str(out / "samples.csv")).dump(config_path)
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
        "--host", control_url, "--csv", str(out / "locust"), "--html", str(out / "report.html"),
        "--stop-timeout", str(_STOP_TIMEOUT_SECONDS), "--loglevel", "WARNING", "--only-summary",
    ]  # fmt: skip
    if client_cpu is not None:
        command = ["taskset", "-c", str(client_cpu), *command]
    with (out / "locust.log").open("wb") as log:
        code = subprocess.run(
            command,
            cwd=REPO,
            env={**os.environ, CONFIG_ENV: str(config_path)},
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=seconds + 120,
        ).returncode
    os.replace(out / "locust_stats.csv", out / "stats.csv")
    return code


@contextmanager
def platform_urls(args: argparse.Namespace, root: Path) -> Iterator[tuple[str, str, str]]:
    """(control URL, edge URL, database URL) of the platform to load."""
    if args.control:
        from deploy.infra import infrastructure
        from shared.settings import CommonSettings

        with infrastructure(CommonSettings()) as endpoints:
            yield args.control, args.edge, endpoints.database_url
        return
    from benchmarks.load_platform import load_platform

    # Abandoned streams hold a slot for the idle TTL: room for one per viewer on top.
    limit = args.stream_limit_global or 2 * args.users + 10
    with load_platform(
        root, args.demo_cache, STREAM_LIMIT_GLOBAL=str(limit), LOG_LEVEL="warning"
    ) as platform:
        yield platform.control_url, platform.edge_url, platform.env["DATABASE_URL"]


def run(args: argparse.Namespace) -> Summary:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.platform_cpu is not None:
        # Everything this process starts from here on (servers, control, edge, worker)
        # inherits the core; locust gets the other one below.
        os.sched_setaffinity(0, {args.platform_cpu})
    with (
        tempfile.TemporaryDirectory(prefix="wsoptv-load-") as tmp,
        platform_urls(args, Path(tmp)) as (control, _edge, database_url),
    ):
        emails, admin = create_accounts(database_url, args.users, PASSWORD)
        config = RunConfig(
            password=PASSWORD,
            accounts=emails,
            admin_email=admin,
            edge_url=args.edge if args.control else None,
            stream_idle_ttl=args.stream_idle_ttl,
            admin_cache=admin_cache_served(control),
            behaviour=Behaviour(),
        )
        sampler = CpuSampler(out / "cpu.csv")
        sampler.start()
        try:
            run_locust(
                control,
                config,
                out,
                users=args.users,
                spawn_rate=args.spawn_rate,
                seconds=args.seconds,
                client_cpu=args.client_cpu,
            )
        finally:
            sampler.stop()
    return report(out, args.users)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--spawn-rate", type=float, required=True, help="users started per s")
    parser.add_argument("--seconds", type=int, required=True, help="locust's run time")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--control", help="a running control's URL (with --edge)")
    parser.add_argument("--edge", help="a running edge's URL")
    parser.add_argument("--client-cpu", type=int, help="pin locust to this core (taskset)")
    parser.add_argument("--platform-cpu", type=int, help="pin the platform to this core")
    parser.add_argument(
        "--stream-limit-global", type=int, help="STREAM_LIMIT_GLOBAL (default: 2 x users + 10)"
    )
    parser.add_argument("--stream-idle-ttl", type=float, default=90.0, help="STREAM_IDLE_TTL")
    parser.add_argument(
        "--demo-cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "wsoptv-load-demo",
        help="where the demo library is encoded once and kept",
    )
    args = parser.parse_args()
    if bool(args.control) != bool(args.edge):
        parser.error("--control and --edge go together")
    print(f"machine: {cpu_model()}, load average before {load_average():.2f}")
    summary = run(args)
    print(f"machine: load average after {load_average():.2f}")
    print("| process | CPU % (steady, 100 = one core) |\n|---|---|")
    for role, percent in sorted(summary.cpu_percent.items(), key=lambda item: -item[1]):
        print(f"| {role} | {percent:.0f} |")
    print(
        f"steady state: {summary.steady_seconds:.0f} s after the last sign-in, "
        f"{summary.steady_failures} of the {summary.failures} failures in it"
    )
    for error, count in summary.errors.items():
        print(f"failure x{count}: {error}")
    print(summary.line())


if __name__ == "__main__":
    main()
