"""Hot-cache fixtures: a real edge and real workers (`wsoptv edge`, `wsoptv worker`) over
the test's NAS and SSD folders, contents in a migrated database, and the bus's events."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from control.blocks.worker.events import JobEvents
from control.blocks.worker.queues import WORKERS, JobQueues
from control.blocks.worker.service import JobService
from control.orchestration.bus import CHANNEL_PREFIX, MessageBus
from control.orchestration.registry import BlockRegistry, discover
from control.settings import ControlSettings
from deploy.infra import Endpoints
from shared.hot_reads import READS
from shared.token import KeyRing, mint_stream_token
from tests.control.blocks.worker.conftest import JobWaiter
from tests.control.conftest import settings_for
from tests.support import REPO, free_port, wsoptv_process

MIB = 1 << 20


@dataclass
class HotPlatform:
    """The test's media roots, its edge, its database and the means to start workers."""

    env: dict[str, str]
    nas: Path
    ssd: Path
    edge_url: str
    db: asyncpg.Pool
    redis: Redis
    jobs: JobService
    waiter: JobWaiter
    logs: Path
    ring: KeyRing = field(init=False)

    def __post_init__(self) -> None:
        self.ring = KeyRing.parse(self.env["STREAM_TOKEN_KEYS"])

    async def add_content(self, relative: str, data: bytes) -> int:
        """A NAS file and its catalog entry; the content's id."""
        path = self.nas / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        content_id: int = await self.db.fetchval(
            "INSERT INTO contents (title, file_path, file_size) VALUES ($1, $2, $3) RETURNING id",
            path.stem,
            relative,
            len(data),
        )
        return content_id

    def url(self, content_id: int, relative: str, sid: str | None = None) -> str:
        """A stream URL of the content (a new stream unless `sid` names one)."""
        token = mint_stream_token(
            self.ring,
            sub=f"user-{uuid.uuid4().hex[:8]}",
            cid=str(content_id),
            sid=sid or str(uuid.uuid4()),
            path=relative,
        )
        return f"{self.edge_url}/v/{token}"

    def spawn_worker(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        """`wsoptv worker` (its own session: the test may SIGKILL it)."""
        with open(self.logs / "workers.log", "ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "deploy.cli", "worker", *args],
                cwd=REPO,
                env={**os.environ, **self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @contextmanager
    def worker(self, *args: str, **env: str) -> Iterator[subprocess.Popen[bytes]]:
        proc = self.spawn_worker(*args, **env)
        try:
            yield proc
        finally:
            stop(proc)

    async def ready(self, proc: subprocess.Popen[bytes], within: float = 30) -> None:
        """Until the worker consumes (its first heartbeat: no event says so, so poll)."""
        async with asyncio.timeout(within):
            while True:
                assert proc.poll() is None, "the worker exited (see workers.log)"
                names = await self.redis.zrange(WORKERS, 0, -1)
                if any(f":{proc.pid}:".encode() in name for name in names):
                    return
                await asyncio.sleep(0.05)

    async def last_read(self, relative: str) -> float | None:
        score: float | None = await self.redis.zscore(READS, relative)
        return score

    async def read_reported(self, relative: str, after: float = 0.0, within: float = 10) -> float:
        """Until an edge reports a read of the copy later than `after` (the edges flush their
        reports every HOT_READ_FLUSH_INTERVAL: poll); the reported time (ms)."""
        async with asyncio.timeout(within):
            while True:
                score = await self.last_read(relative)
                if score is not None and score > after:
                    return score
                await asyncio.sleep(0.05)


def hot_settings(
    infra: Endpoints, database_url: str, root: Path, **overrides: Any
) -> ControlSettings:
    """In-process control settings with a NAS and SSD under `root`: unthrottled copies and a
    worker that reclaims a dead one's job quickly."""
    (root / "nas").mkdir()
    fields: dict[str, Any] = {"hot_copy_bytes_per_second": 0, "job_reclaim_idle": 1.5}
    return settings_for(
        database_url,
        infra.redis_url,
        nas_root=root / "nas",
        ssd_cache_root=root / "ssd",
        **(fields | overrides),
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def hot_env(data_env: dict[str, str], **overrides: str) -> dict[str, str]:
    return {
        **data_env,
        "STREAM_TOKEN_KEYS": f"s1:{secrets.token_urlsafe(32)}",
        "ACCESS_TOKEN_KEYS": f"a1:{secrets.token_urlsafe(32)}",
        "STREAM_LIMIT_GLOBAL": "1000",
        "STREAM_LIMIT_PER_USER": "100",
        "HOT_VIEWS": "5",
        "HOT_COPY_BYTES_PER_SECOND": "0",
        "HOT_READ_FLUSH_INTERVAL": "0.1",
        "HOT_SWEEP_INTERVAL": "3600",
        "SSD_CACHE_BYTES": str(1 << 30),
        "JOB_RECLAIM_IDLE": "1.5",
        "JOB_BACKOFF_BASE": "0.1",
        "JOB_BACKOFF_MAX": "0.5",
        "JOB_MAX_DELIVERIES": "100",
        "DATABASE_POOL_SIZE": "4",
        "LOG_LEVEL": "warning",
        **overrides,
    }


@contextmanager
def edge_process(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with wsoptv_process(
        ["edge"], {**env, "EDGE_PORT": str(port)}, health_url=f"{url}/healthz", log=log
    ):
        yield url


@pytest.fixture
def overrides() -> dict[str, str]:
    """Settings a test module changes (override the fixture)."""
    return {}


@pytest.fixture
async def platform(
    data_env: dict[str, str],
    overrides: dict[str, str],
    infra: Endpoints,
    database_url: str,
    redis: Redis,
    tmp_path: Path,
) -> AsyncIterator[HotPlatform]:
    env = hot_env(data_env, **overrides)
    db = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    declared = BlockRegistry(discover()).declared_jobs()
    jobs = JobService(
        db, JobQueues(redis), JobEvents(redis, infra.redis_url), MessageBus(redis), declared
    )
    waiter = JobWaiter(jobs, infra.redis_url)
    try:
        with edge_process(env, tmp_path / "edge.log") as edge_url:
            yield HotPlatform(
                env,
                Path(env["NAS_ROOT"]),
                Path(env["SSD_CACHE_ROOT"]),
                edge_url,
                db,
                redis,
                jobs,
                waiter,
                tmp_path,
            )
    finally:
        await waiter.close()
        await db.close()


class BusEvents:
    """The bus's events on Redis pub/sub (`wsoptv:bus:<channel>`), in order of arrival."""

    def __init__(self, redis: Redis, pattern: str) -> None:
        self._pubsub = redis.pubsub()
        self._pattern = CHANNEL_PREFIX + pattern

    async def __aenter__(self) -> BusEvents:
        await self._pubsub.psubscribe(self._pattern)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    async def next(
        self, channel: str, match: Callable[[dict[str, Any]], bool], within: float = 30
    ) -> dict[str, Any]:
        """The payload of the next event on `channel` that `match`es."""
        async with asyncio.timeout(within):
            while True:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
                if message is None:
                    continue
                event = json.loads(message["data"])["event"]
                if event["type"] == channel and match(event["payload"]):
                    payload: dict[str, Any] = event["payload"]
                    return payload


async def range_get(
    client: httpx.AsyncClient, url: str, first: int, last: int, **headers: str
) -> httpx.Response:
    return await client.get(url, headers={"Range": f"bytes={first}-{last}", **headers})
