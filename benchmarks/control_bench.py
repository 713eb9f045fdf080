"""The control plane under load (not a test): GET /api/auth/me latency and logins per second.

Starts its own embedded PostgreSQL and Redis in a temporary directory, migrates, and runs
`wsoptv control` on a free port with the per-IP limits lifted (one load client would hit
them at once). Then:

1. wrk against GET /api/auth/me with a valid token (signature check, Redis revocation check,
   one PostgreSQL query) and, as the baseline in the same run, without a token (the same
   middleware and guard, answered 401 before Redis or PostgreSQL).
2. logins per second at bcrypt cost 12, against the baseline of raw bcrypt hashes per second
   on the same number of threads in this process.

Run: .venv/bin/python benchmarks/control_bench.py [--seconds 10] [--connections 16]
Needs wrk (Debian package).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from control.blocks.auth.passwords import hash_password, verify_password  # noqa: E402
from control.db.migrate import migrate  # noqa: E402
from deploy.embedded import EmbeddedPostgres, EmbeddedRedis  # noqa: E402
from tests.support import free_port, wsoptv_process  # noqa: E402

PASSWORD = "Bench-Password-1"
_RESULT = re.compile(r"RESULT (.*)")


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    args = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "-s",
        str(REPO / "benchmarks" / "wrk_percentiles.lua"),
    ]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    match = _RESULT.search(out)
    assert match, out
    return {k: float(v) for k, v in (pair.split("=") for pair in match[1].split())}


async def logins_per_second(
    base: str, email: str, total: int, concurrency: int
) -> tuple[float, float]:
    """(logins/s, median seconds per login) with `concurrency` clients logging in."""
    latencies: list[float] = []
    queue = iter(range(total))

    async def client_loop(client: httpx.AsyncClient) -> None:
        for _ in queue:
            started = time.perf_counter()
            response = await client.post(
                f"{base}/api/auth/login", json={"email": email, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return total / elapsed, statistics.median(latencies)


def raw_hashes_per_second(threads: int, total: int) -> float:
    password_hash = hash_password(PASSWORD, 12)
    with ThreadPoolExecutor(threads) as pool:
        started = time.perf_counter()
        list(pool.map(lambda _: verify_password(PASSWORD, password_hash), range(total)))
        return total / (time.perf_counter() - started)


async def prepare(base: str) -> str:
    async with httpx.AsyncClient(timeout=60) as client:
        registered = await client.post(
            f"{base}/api/auth/register",
            json={"email": "bench@example.org", "username": "bench", "password": PASSWORD},
        )
        assert registered.status_code == 201, registered.text
        tokens = await client.post(
            f"{base}/api/auth/login", json={"email": "bench@example.org", "password": PASSWORD}
        )
        token: str = tokens.json()["access_token"]
        return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--login-concurrency", type=int, default=10)
    args = parser.parse_args()
    threads = 2  # PASSWORD_HASH_THREADS default: one per core of the 2-core target
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with (
            EmbeddedPostgres(data, free_port()) as database_url,
            EmbeddedRedis(data, free_port()) as redis_url,
        ):
            asyncio.run(migrate(database_url))
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env = {
                "WSOPTV_DATA_DIR": str(data / "state"),
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "CONTROL_PORT": str(port),
                "RATE_LIMIT_PER_IP": str(10**9),
                "LOGIN_LIMIT_PER_IP": str(10**9),
                "LOG_LEVEL": "warning",
                "PASSWORD_HASH_THREADS": str(threads),
            }
            with wsoptv_process(
                ["control", "--workers", str(args.workers)], env, health_url=f"{base}/api/health"
            ):
                token = asyncio.run(prepare(base))
                me = f"{base}/api/auth/me"
                wrk(me, 2, args.connections, {"Authorization": f"Bearer {token}"})  # warm-up
                authed = wrk(
                    me, args.seconds, args.connections, {"Authorization": f"Bearer {token}"}
                )
                anonymous = wrk(me, args.seconds, args.connections, {})
                assert authed["non2xx"] == 0 and anonymous["non2xx"] == anonymous["requests"]
                rate, per_login = asyncio.run(
                    logins_per_second(
                        base, "bench@example.org", args.logins, args.login_concurrency
                    )
                )
            raw = raw_hashes_per_second(threads, 24)

    print(
        f"\nGET /api/auth/me, wrk 1 thread, {args.connections} connections, "
        f"{args.seconds} s, {args.workers} worker(s)"
    )
    print(f"{'case':<34}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for name, result in (("authenticated (200)", authed), ("baseline: no token (401)", anonymous)):
        rps = result["requests"] / result["seconds"]
        print(
            f"{name:<34}{rps:>10,.0f}{result['p50_ms']:>10.2f}{result['p95_ms']:>10.2f}{result['p99_ms']:>10.2f}"
        )
    print(f"ratio p50 authenticated / baseline: {authed['p50_ms'] / anonymous['p50_ms']:.2f}")
    print(
        f"\nlogins at bcrypt cost 12, {args.logins} logins by "
        f"{args.login_concurrency} concurrent clients"
    )
    print(f"logins/s: {rate:.2f} (median {per_login * 1000:.0f} ms each under that load)")
    print(f"baseline raw bcrypt checks/s on {threads} threads: {raw:.2f}; ratio {rate / raw:.2f}")
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
