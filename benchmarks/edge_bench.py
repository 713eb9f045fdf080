"""The edge against nginx, naive Starlette and raw sendfile, side by side in one run (not a test).

Each server runs with one worker pinned to core 0, all of them side by side, taking turns
load after load; the load clients run on core 1; the file is in the page cache. Loads: wrk
with random 64 KiB ranges, and a low-CPU client fetching random 1 MiB ranges that discards
bodies in the kernel (recv with MSG_TRUNC). Reported per server-CPU-second (server CPU time
read from /proc), with ratios to nginx and to naive Starlette, and peak RSS. `raw` is the
ceiling of Python on this event loop: a bare uvloop asyncio.Protocol doing os.sendfile
(benchmarks/raw_sendfile.py). Then 10,000 slow streams against the edge, with its RSS over
time and the errors the clients saw. The machine (CPU model, load average before and
during the run) is printed with the table.

Run: .venv/bin/python benchmarks/edge_bench.py [--rounds 3] [--slow-clients 10000]
     [--profile DIR]   (py-spy profiles of the edge under each load, after the rounds)
Needs nginx and wrk (Debian packages), py-spy for --profile (pip), and two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import ctypes
import ctypes.util
import math
import os
import random
import re
import resource
import secrets
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import uvloop

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.machine import cpu_model, load_average  # noqa: E402
from deploy.embedded import EmbeddedRedis  # noqa: E402
from shared.token import KeyRing, mint_stream_token  # noqa: E402
from tests.support import free_port, wait_for_http  # noqa: E402

MIB = 2**20
FILE_NAME = "bench.mp4"
SERVER_CORE, CLIENT_CORE = 0, 1
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush off;
  keepalive_requests 1000000;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
"""


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str  # the file's URL
    results: dict[str, float] = field(default_factory=dict)

    def tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.proc.pid)
        return [root, *root.children(recursive=True)]

    def cpu_seconds(self) -> float:
        return sum(self.cpu_split())

    def cpu_split(self) -> tuple[float, float]:
        """(user, system) CPU seconds of the whole process tree."""
        times = [p.cpu_times() for p in self.tree()]
        return sum(t.user for t in times), sum(t.system for t in times)

    def peak_rss(self) -> int:
        return sum(_status_kib(p.pid, "VmHWM") for p in self.tree()) * 1024

    def rss(self) -> int:
        return sum(_status_kib(p.pid, "VmRSS") for p in self.tree()) * 1024


def _status_kib(pid: int, field_name: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


class LoadWatch:
    """Samples the 1-minute load average every few seconds while the benchmark runs."""

    def __init__(self) -> None:
        self.before = load_average()
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(5.0):
            self.samples.append(load_average())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(load_average())


def raise_fd_limit(needed: int) -> int:
    """Raise this process's descriptor limit (inherited by the servers) to `needed`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(soft, needed)
    if hard != resource.RLIM_INFINITY and target > hard:
        sys.exit(
            f"{needed} descriptors needed, the hard limit is {hard}: "
            "raise it (ulimit -Hn / LimitNOFILE) or pass fewer --slow-clients"
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def pinned(core: int, argv: list[str]) -> list[str]:
    return ["taskset", "-c", str(core), *argv]


@contextmanager
def running(
    name: str, argv: list[str], url: str, health: str, env: dict[str, str], log: Path
) -> Iterator[Server]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            pinned(SERVER_CORE, argv),
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(health, proc)
        yield Server(name, proc, url)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wrk_ranges(url: str, size: int, seconds: float, connections: int) -> dict[str, float]:
    """wrk with random 64 KiB ranges: requests/s and latency percentiles (ms)."""
    out = subprocess.run(
        pinned(
            CLIENT_CORE,
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--latency",
                "-s",
                str(REPO / "benchmarks/wrk_ranges.lua"),
                url,
                "--",
                str(size),
                str(64 * 1024),
            ],
        ),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses:\n{out}")

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50_ms": percentile("50"), "p99_ms": percentile("99")}


_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_libc.recv.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
_libc.recv.restype = ctypes.c_ssize_t


def discard(sock: socket.socket, count: int) -> int:
    """recv(MSG_TRUNC) with no buffer: the kernel drops up to `count` bytes without copying."""
    got = _libc.recv(sock.fileno(), None, count, socket.MSG_TRUNC | socket.MSG_DONTWAIT)
    if got < 0:
        err = ctypes.get_errno()
        if err in (11, 4):  # EAGAIN, EINTR
            return 0
        raise OSError(err, os.strerror(err))
    return int(got)


def truncating_client(
    url: str, size: int, seconds: float, connections: int, range_bytes: int = MIB
) -> dict[str, float]:
    """Random `range_bytes` ranges on keep-alive connections; bodies discarded in the kernel."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    rng = random.Random(1)
    selector = selectors.DefaultSelector()
    state: dict[socket.socket, list[int]] = {}  # [remaining body bytes or -1 in headers]
    slots = size // range_bytes

    def send_request(sock: socket.socket) -> None:
        first = rng.randrange(slots) * range_bytes
        sock.sendall(
            f"GET /{path} HTTP/1.1\r\nHost: b\r\nRange: bytes={first}-"
            f"{first + range_bytes - 1}\r\n\r\n".encode()
        )
        state[sock] = [-1]

    for _ in range(connections):
        sock = socket.create_connection((host, int(port)))
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        send_request(sock)
    done = 0
    received = 0
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        for key, _ in selector.select(0.5):
            sock = key.fileobj  # type: ignore[assignment]
            remaining = state[sock]
            if remaining[0] < 0:
                peek = sock.recv(4096, socket.MSG_PEEK)
                end = peek.find(b"\r\n\r\n")
                if end < 0:
                    continue
                head = sock.recv(end + 4)
                if not head.startswith(b"HTTP/1.1 206"):
                    raise RuntimeError(head.decode("latin-1"))
                length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
                remaining[0] = length
            got = discard(sock, remaining[0])
            remaining[0] -= got
            received += got
            if remaining[0] == 0:
                done += 1
                send_request(sock)
    elapsed = time.monotonic() - started
    for sock in state:
        sock.close()
    return {"rps": done / elapsed, "mib_s": received / MIB / elapsed}


async def slow_streams(
    port: int, tokens: list[str], seconds: float, sample: Callable[[], None]
) -> tuple[int, Counter[str]]:
    """`len(tokens)` streams, each reading 4 KiB every 200 ms for `seconds` once all are open.

    Connections open in batches (the listen backlog is finite); `sample` runs once a second
    throughout. Returns the bytes received and the errors seen, by kind.
    """
    received = 0
    errors: Counter[str] = Counter()
    loop = asyncio.get_running_loop()
    all_open = loop.create_future()
    opened = 0
    deadline = 0.0

    async def one(token: str) -> None:
        nonlocal received, opened
        writer = None
        try:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
            sock.setblocking(False)
            await loop.sock_connect(sock, ("127.0.0.1", port))
            reader, writer = await asyncio.open_connection(sock=sock, limit=16 * 1024)
            writer.write(f"GET /v/{token} HTTP/1.1\r\nHost: b\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200 "):
                errors[head.split(b"\r\n", 1)[0].decode("latin-1")] += 1
                return
            opened += 1
            if opened == len(tokens):
                all_open.set_result(None)
            await all_open
            while time.monotonic() < deadline:
                chunk = await reader.read(4096)
                if not chunk:
                    errors["closed by the server"] += 1
                    return
                received += len(chunk)
                await asyncio.sleep(0.2)
        except (OSError, asyncio.IncompleteReadError) as exc:
            errors[type(exc).__name__] += 1
            if not all_open.done():
                all_open.set_result(None)
        finally:
            if writer is not None:
                writer.transport.abort()

    async def sampler() -> None:
        while True:
            sample()
            await asyncio.sleep(1.0)

    sampling = asyncio.ensure_future(sampler())
    tasks = []
    for first in range(0, len(tokens), 250):
        tasks += [asyncio.ensure_future(one(t)) for t in tokens[first : first + 250]]
        await asyncio.sleep(0.05)
    await all_open
    deadline = time.monotonic() + seconds
    await asyncio.gather(*tasks)
    sampling.cancel()
    return received, errors


def measure(server: Server, size: int, seconds: float, bench: str, into: dict[str, float]) -> None:
    user, system = server.cpu_split()
    if bench == "64k":
        result = wrk_ranges(server.url, size, seconds, connections=32)
    else:
        result = truncating_client(server.url, size, seconds, connections=8)
    user_after, system_after = server.cpu_split()
    used = user_after - user + system_after - system
    into[f"{bench}_kernel_share"] = (system_after - system) / used
    for name, value in result.items():
        into[f"{bench}_{name}"] = value
    into[f"{bench}_cpu"] = used
    into[f"{bench}_load"] = load_average()
    into[f"{bench}_req_per_cpu"] = result["rps"] * seconds / used
    if "mib_s" in result:
        into[f"{bench}_mib_per_cpu"] = result["mib_s"] * seconds / used


def measure_slow(
    edge: list[str], edge_env: dict[str, str], ring: KeyRing, tmp: Path, args: argparse.Namespace
) -> dict[str, float]:
    """Edge RSS while `args.slow_clients` streams read slowly, each with its own token."""
    slow_port = free_port()
    tokens = [
        mint_stream_token(
            ring, sub=f"viewer-{i}", cid="1", sid=f"slow-{i}", path=FILE_NAME, ttl_seconds=3600
        )
        for i in range(args.slow_clients)
    ]
    with running(
        "edge-slow",
        edge,
        "",
        f"http://127.0.0.1:{slow_port}/healthz",
        {**edge_env, "EDGE_PORT": str(slow_port)},
        tmp / "edge-slow.log",
    ) as srv:
        idle_rss = srv.rss()
        samples: list[tuple[float, int]] = []

        def sample() -> None:
            samples.append((time.monotonic(), srv.rss()))

        started = time.monotonic()
        got, errors = uvloop.run(slow_streams(slow_port, tokens, args.slow_seconds, sample))
        sample()
        ramp_end = started + (time.monotonic() - started - args.slow_seconds)
        steady = [rss for at, rss in samples if at >= ramp_end + 1.0] or [samples[-1][1]]
        quarter = max(1, len(steady) // 4)
        return {
            "idle_rss": idle_rss / MIB,
            "rss": srv.rss() / MIB,
            "peak": srv.peak_rss() / MIB,
            "mib": got / MIB,
            "errors": sum(errors.values()),
            "error_kinds": errors,
            "first_quarter": statistics.median(steady[:quarter]) / MIB,
            "last_quarter": statistics.median(steady[-quarter:]) / MIB,
            "fds": args.fd_limit,
        }


def profile_edge(
    edge: list[str], edge_env: dict[str, str], size: int, tmp: Path, args: argparse.Namespace
) -> dict[str, list[tuple[str, float]]]:
    """py-spy samples of the edge under each load: the functions with the most own time."""
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        sys.exit("--profile needs py-spy (pip install py-spy)")
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out_dir = Path(args.profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    summaries: dict[str, list[tuple[str, float]]] = {}
    with running(
        "edge-profiled",
        edge,
        base + edge_env["BENCH_PATH"],
        base + "/healthz",
        {**edge_env, "EDGE_PORT": str(port)},
        tmp / "edge-profiled.log",
    ) as srv:
        truncating_client(srv.url, size, 0.5, 2)
        for load in args.loads.split(","):
            raw = out_dir / f"edge-{load}.txt"
            spy_proc = subprocess.Popen(
                [
                    spy,
                    "record",
                    "--pid",
                    str(srv.proc.pid),
                    "--rate",
                    "200",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--duration",
                    str(int(args.seconds)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)  # py-spy attaches
            if load == "64k":
                wrk_ranges(srv.url, size, args.seconds, connections=32)
            else:
                truncating_client(srv.url, size, args.seconds, connections=8)
            spy_proc.wait()
            summaries[load] = summarize_profile(raw)
    return summaries


def summarize_profile(raw: Path, top: int = 14) -> list[tuple[str, float]]:
    """Own time by function (share of all samples) from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        leaf = stack.rsplit(";", 1)[-1]
        # "function (file:line)" -> "function (file)": lines of one function add up.
        leaf = re.sub(r"^(.*) \((.*?):\d+\)$", r"\1 (\2)", leaf)
        leaf = re.sub(r"\(/.*?/(site-packages|wt-edge|lib/python3\.\d+)/", "(", leaf)
        own[leaf] += count
    return [(name, 100 * count / total) for name, count in own.most_common(top)] if total else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--file-mib", type=int, default=256)
    parser.add_argument("--slow-clients", type=int, default=10_000)
    parser.add_argument("--slow-seconds", type=float, default=30.0)
    parser.add_argument(
        "--servers",
        default="nginx,starlette,raw,edge",
        help="comma-separated subset to run (ratios need nginx and starlette)",
    )
    parser.add_argument("--loads", default="64k,1m", help="comma-separated: 64k, 1m")
    parser.add_argument("--rounds", type=int, default=1, help="report the median of rounds")
    parser.add_argument("--profile", metavar="DIR", help="py-spy the edge under each load")
    args = parser.parse_args()
    for tool in ("nginx", "wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install -y nginx-light wrk util-linux)")
    # The slow run holds one socket per stream on each side (the client is this process):
    # plus files, Redis connections and the interpreter's own, with room to spare.
    args.fd_limit = raise_fd_limit(args.slow_clients + 1024)
    os.sched_setaffinity(0, {CLIENT_CORE})
    machine = {"cpu": cpu_model(), "load_before": load_average()}
    watch = LoadWatch()

    tmp = Path(tempfile.mkdtemp(prefix="edge-bench-"))
    nas, ssd = tmp / "nas", tmp / "ssd"
    nas.mkdir()
    ssd.mkdir()
    size = args.file_mib * MIB
    with open(nas / FILE_NAME, "wb") as out:
        for _ in range(args.file_mib):
            out.write(os.urandom(MIB))
    (nas / FILE_NAME).read_bytes()  # into the page cache

    keys = "b1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    ring = KeyRing.parse(keys)
    redis = EmbeddedRedis(tmp / "redis", free_port())
    redis_url = redis.start()
    servers: list[Server] = []
    profiles: dict[str, list[tuple[str, float]]] = {}
    try:
        port = free_port()
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=port, root=nas))
        nginx = ["nginx", "-c", str(tmp / "nginx.conf")]
        naive = [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.naive_app:app",
            "--port",
            "{port}",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        raw = [sys.executable, "benchmarks/raw_sendfile.py", "{port}", str(nas / FILE_NAME)]
        edge = [sys.executable, "-m", "deploy.cli", "edge"]
        token = mint_stream_token(
            ring, sub="bench", cid="1", sid="bench-sid", path=FILE_NAME, ttl_seconds=3600
        )
        edge_env = {
            "NAS_ROOT": str(nas),
            "SSD_CACHE_ROOT": str(ssd),
            "REDIS_URL": redis_url,
            "DATABASE_URL": "postgresql://unused/none",
            "STREAM_TOKEN_KEYS": keys,
            "WSOPTV_DATA_DIR": str(tmp / "data"),
            "LOG_LEVEL": "warning",
            "STREAM_LIMIT_GLOBAL": str(args.slow_clients + 10),
            "STREAM_LIMIT_PER_USER": str(args.slow_clients + 10),
            "BENCH_PATH": f"/v/{token}",
        }
        plans = [
            ("nginx", nginx, f"/{FILE_NAME}", f"/{FILE_NAME}", {}),
            ("starlette", naive, f"/f/{FILE_NAME}", f"/f/{FILE_NAME}", {"BENCH_ROOT": str(nas)}),
            ("raw", raw, f"/{FILE_NAME}", f"/{FILE_NAME}", {}),
            ("edge", edge, f"/v/{token}", "/healthz", edge_env),
        ]
        chosen = [plan for plan in plans if plan[0] in args.servers.split(",")]
        with ExitStack() as stack:
            started = []
            for name, argv, path, health, env in chosen:
                port = free_port() if name != "nginx" else port
                argv = [a.replace("{port}", str(port)) for a in argv]
                base = f"http://127.0.0.1:{port}"
                srv = stack.enter_context(
                    running(
                        name,
                        argv,
                        base + path,
                        base + health,
                        {**env, "EDGE_PORT": str(port)},
                        tmp / f"{name}.log",
                    )
                )
                truncating_client(srv.url, size, 0.5, 2)  # warm-up
                started.append(srv)
            # All servers run side by side and take turns load after load, round after round
            # (who goes first rotates), so a noisy neighbour or a change of the host's mood
            # hits them all alike: the ratios compare measurements a few seconds apart.
            for round_number in range(args.rounds):
                results: dict[str, dict[str, float]] = {srv.name: {} for srv in started}
                first = round_number % len(started)
                turn = started[first:] + started[:first]
                for load in args.loads.split(","):
                    for srv in turn:
                        measure(srv, size, args.seconds, load, results[srv.name])
                for srv in started:
                    results[srv.name]["peak_rss_mib"] = srv.peak_rss() / MIB
                    servers.append(Server(srv.name, srv.proc, srv.url, results[srv.name]))
                print(f"  round {round_number + 1} measured", file=sys.stderr)

        slow = measure_slow(edge, edge_env, ring, tmp, args) if args.slow_clients else {}
        if args.profile:
            profiles = profile_edge(edge, edge_env, size, tmp, args)
    finally:
        redis.stop()
        watch.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    machine["load_during"] = (min(watch.samples), max(watch.samples))
    report(servers, slow, profiles, machine, args)


def report(
    servers: list[Server],
    slow: dict[str, Any],
    profiles: dict[str, list[tuple[str, float]]],
    machine: dict[str, Any],
    args: argparse.Namespace,
) -> None:
    rounds: dict[str, list[dict[str, float]]] = {}
    for server in servers:
        rounds.setdefault(server.name, []).append(server.results)
    by_name = {
        # A load that was not run reads as NaN in the table.
        name: defaultdict(
            lambda: math.nan,
            {key: statistics.median(r[key] for r in runs) for key in runs[0]},
        )
        for name, runs in rounds.items()
    }
    low, high = machine["load_during"]
    print(
        f"\nMachine: {machine['cpu']}; load average {machine['load_before']:.2f} before the run,"
        f" {low:.2f}-{high:.2f} during it"
    )
    if "nginx" not in by_name or "starlette" not in by_name:
        for name, medians in by_name.items():
            print(name, {k: round(v, 2) for k, v in medians.items()})
    else:
        nginx, naive = by_name["nginx"], by_name["starlette"]
        print(
            f"\nEdge benchmark: {args.file_mib} MiB file in page cache, {args.seconds:g} s per"
            " load, server on core 0 (1 worker), client on core 1, median of"
            f" {args.rounds} round(s)\n"
        )
        print(
            "| server | 64 KiB req/s | p50 ms | p99 ms | req/CPU-s | x nginx | x starlette "
            "| 1 MiB req/s | MiB/CPU-s | x nginx | x starlette | peak RSS MiB |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, r in by_name.items():
            print(
                f"| {name} | {r['64k_rps']:,.0f} | {r['64k_p50_ms']:.2f} | {r['64k_p99_ms']:.2f} "
                f"| {r['64k_req_per_cpu']:,.0f} "
                f"| {r['64k_req_per_cpu'] / nginx['64k_req_per_cpu']:.2f} "
                f"| {r['64k_req_per_cpu'] / naive['64k_req_per_cpu']:.1f} "
                f"| {r['1m_rps']:,.0f} | {r['1m_mib_per_cpu']:,.0f} "
                f"| {r['1m_mib_per_cpu'] / nginx['1m_mib_per_cpu']:.2f} "
                f"| {r['1m_mib_per_cpu'] / naive['1m_mib_per_cpu']:.1f} "
                f"| {r['peak_rss_mib']:.0f} |"
            )
    if len(servers) > len(by_name):
        print(
            "\nEach round: req/CPU-s at 64 KiB / MiB/CPU-s at 1 MiB (share of the server's CPU"
            " time spent in the kernel, 64 KiB / 1 MiB; load average after)"
        )
        for name, runs in rounds.items():
            cells = [
                f"{r.get('64k_req_per_cpu', 0):,.0f} / {r.get('1m_mib_per_cpu', 0):,.0f}"
                f" ({r.get('64k_kernel_share', 0):.0%} / {r.get('1m_kernel_share', 0):.0%};"
                f" load {max(r.get('64k_load', 0), r.get('1m_load', 0)):.1f})"
                for r in runs
            ]
            print(f"  {name}: " + "; ".join(cells))
    if slow:
        kinds = ", ".join(f"{kind}: {n}" for kind, n in slow["error_kinds"].most_common())
        print(
            f"\nSlow clients: {args.slow_clients:,} streams (descriptor limit {slow['fds']:,})"
            f" reading 4 KiB / 200 ms for {args.slow_seconds:g} s once all were open"
            f" ({slow['mib']:,.0f} MiB received), errors: {slow['errors']}"
            f"{f' ({kinds})' if kinds else ''}; edge RSS idle {slow['idle_rss']:.0f} MiB, with"
            f" the streams {slow['first_quarter']:.0f} MiB in the first quarter of the run and"
            f" {slow['last_quarter']:.0f} MiB in the last (end {slow['rss']:.0f},"
            f" peak {slow['peak']:.0f} MiB)"
        )
    for load, top in profiles.items():
        print(f"\npy-spy, edge under the {load} load: own time by function (share of samples)")
        for name, share in top:
            print(f"  {share:5.1f} %  {name}")


if __name__ == "__main__":
    main()
