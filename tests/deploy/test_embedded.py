"""Embedded PostgreSQL and Redis: real servers that keep their data and leave no orphans."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import psutil
import pytest
from redis.asyncio import Redis

from deploy.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.support import REPO, free_port


async def write_and_read(pg_url: str, redis_url: str, value: str | None) -> tuple[object, object]:
    """Store `value` (when given) in both servers, then read both back."""
    conn = await asyncpg.connect(pg_url)
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS kept (v text)")
        if value is not None:
            await conn.execute("INSERT INTO kept VALUES ($1)", value)
            await client.set("kept", value)
        return await conn.fetchval("SELECT v FROM kept"), await client.get("kept")
    finally:
        await conn.close()
        await client.aclose()


async def test_data_survives_a_restart(tmp_path: Path) -> None:
    pg_port, redis_port = free_port(), free_port()
    with EmbeddedPostgres(tmp_path, pg_port) as pg_url, EmbeddedRedis(tmp_path, redis_port) as r:
        assert await write_and_read(pg_url, r, "survivor") == ("survivor", "survivor")
    with EmbeddedPostgres(tmp_path, pg_port) as pg_url, EmbeddedRedis(tmp_path, redis_port) as r:
        assert await write_and_read(pg_url, r, None) == ("survivor", "survivor")


def test_second_handle_attaches_and_leaves_the_server_running(tmp_path: Path) -> None:
    owner = EmbeddedRedis(tmp_path, free_port())
    url = owner.start()
    try:
        guest = EmbeddedRedis(tmp_path, free_port())
        assert guest.start() == url
        assert not guest.owned
        guest.stop()
        assert owner.proc is not None and owner.proc.poll() is None
    finally:
        owner.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only meaningful when the tests run as root")
def test_postgres_never_runs_as_root(infra: object) -> None:
    servers = [
        p for p in psutil.process_iter(["name", "uids", "cmdline"]) if p.info["name"] == "postgres"
    ]
    assert servers
    assert all(p.info["uids"].real != 0 for p in servers)


OWNER = """
import json, sys, threading
from pathlib import Path
from deploy.embedded import EmbeddedPostgres, EmbeddedRedis
root, pg_port, redis_port = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
pg, redis = EmbeddedPostgres(root, pg_port), EmbeddedRedis(root, redis_port)
pg.start(); redis.start()
print(json.dumps([pg.proc.pid, redis.proc.pid]), flush=True)
threading.Event().wait()
"""


def test_killed_owner_leaves_no_orphans(tmp_path: Path) -> None:
    """SIGKILL gives the owner no chance to clean up: the parent-death signal must."""
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(tmp_path), str(free_port()), str(free_port())],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert owner.stdout is not None
        pids = json.loads(owner.stdout.readline())
        servers = [psutil.Process(pid) for pid in pids]
        family = servers + [c for s in servers for c in s.children(recursive=True)]
        assert len(family) > 2
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        _, alive = psutil.wait_procs(family, timeout=15)
        assert alive == []
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()


def test_startup_failure_is_reported_with_the_log(tmp_path: Path) -> None:
    """A port already taken: a clear error naming the log, not a hang."""
    blocker = EmbeddedRedis(tmp_path / "a", free_port())
    blocker.start()
    try:
        from deploy.embedded import EmbeddedServerError

        clash = EmbeddedPostgres(tmp_path / "b", blocker.port)
        with pytest.raises(EmbeddedServerError, match=r"postgres\.log"):
            clash.start()
    finally:
        blocker.stop()


def test_concurrent_clients(tmp_path: Path) -> None:
    """Many connections at once: the embedded server is a real server."""

    async def run(url: str) -> list[int]:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=20)
        try:
            return list(
                await asyncio.gather(*(pool.fetchval("SELECT $1::int", i) for i in range(200)))
            )
        finally:
            await pool.close()

    with EmbeddedPostgres(tmp_path, free_port()) as url:
        assert asyncio.run(run(url)) == list(range(200))
