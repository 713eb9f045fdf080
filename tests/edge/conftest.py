"""A real edge (`wsoptv edge`, uvicorn + our protocol) on a free port, with its media roots."""

from __future__ import annotations

import asyncio
import base64
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from deploy.embedded import EmbeddedRedis
from deploy.infra import Endpoints
from edge.app import create_app
from edge.protocol import ZeroCopyHttpToolsProtocol
from edge.settings import EdgeSettings
from shared.token import KeyRing, mint_stream_token
from tests.support import free_port, wsoptv_process

KEYS = "t1:" + base64.urlsafe_b64encode(b"edge-test-key-material-32-bytes!!").decode().rstrip("=")
RING = KeyRing.parse(KEYS)


@dataclass
class Edge:
    """A running edge process and the means to talk to it."""

    port: int
    nas: Path
    ssd: Path
    procs: list[Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(
        self,
        path: str,
        *,
        sub: str | None = None,
        sid: str | None = None,
        cid: str = "c1",
        ttl: int = 600,
        issued: float | None = None,
    ) -> str:
        return mint_stream_token(
            RING,
            sub=sub or f"user-{uuid.uuid4().hex[:8]}",
            cid=cid,
            sid=sid or str(uuid.uuid4()),
            path=path,
            ttl_seconds=ttl,
            now=issued,
        )

    def expired_token(self, path: str, *, sub: str, sid: str) -> str:
        """Signed and well-formed, but its exp lies beyond the leeway in the past."""
        return self.token(path, sub=sub, sid=sid, ttl=60, issued=time.time() - 600)

    def write(self, relative: str, data: bytes, *, tier: str = "nas") -> Path:
        target = (self.nas if tier == "nas" else self.ssd) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    def server_fds(self) -> int:
        """Open descriptors of the (single) server process."""
        return len(os.listdir(f"/proc/{self.procs[0].pid}/fd"))


def edge_env(nas: Path, ssd: Path, infra: Endpoints, port: int, **extra: str) -> dict[str, str]:
    return {
        "WSOPTV_DATA_DIR": str(nas.parent / "data"),
        "NAS_ROOT": str(nas),
        "SSD_CACHE_ROOT": str(ssd),
        "DATABASE_URL": infra.database_url,
        "REDIS_URL": infra.redis_url,
        "STREAM_TOKEN_KEYS": KEYS,
        "EDGE_PORT": str(port),
        "LOG_LEVEL": "warning",
        **extra,
    }


@contextmanager
def run_edges(
    root: Path,
    infra: Endpoints,
    count: int = 1,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
) -> Iterator[list[Edge]]:
    """`count` edge servers (of `workers` processes each) sharing media roots and Redis."""
    nas, ssd = root / "nas", root / "ssd"
    nas.mkdir(parents=True, exist_ok=True)
    ssd.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        edges = []
        for index in range(count):
            port = free_port()
            proc = stack.enter_context(
                wsoptv_process(
                    ["edge", "--workers", str(workers)],
                    edge_env(nas, ssd, infra, port, **(env or {})),
                    health_url=f"http://127.0.0.1:{port}/healthz",
                    log=root / f"edge-{index}.log",
                )
            )
            edges.append(Edge(port, nas, ssd, [proc]))
        yield edges


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory, infra: Endpoints) -> Iterator[Edge]:
    """One edge for a test module (tests use their own users and sids)."""
    with run_edges(
        tmp_path_factory.mktemp("edge"),
        infra,
        env={
            "CORS_ORIGINS": '["https://player.example"]',
            "STREAM_LIMIT_GLOBAL": "10000",
            "STREAM_LIMIT_PER_USER": "100",
        },
    ) as (only,):
        yield only


def clip_settings(root: Path, infra: Endpoints, clip: bytes) -> EdgeSettings:
    """Settings of an edge in the test's process whose NAS holds `clip` as `clip.mp4`."""
    (root / "nas").mkdir(exist_ok=True)
    (root / "ssd").mkdir(exist_ok=True)
    (root / "nas" / "clip.mp4").write_bytes(clip)
    return EdgeSettings(
        nas_root=root / "nas",
        ssd_cache_root=root / "ssd",
        redis_url=infra.redis_url,
        stream_token_keys=KEYS,
    )


@asynccontextmanager
async def serve_in_process(
    root: Path,
    infra: Endpoints,
    clip: bytes,
    *,
    http: type[HttpToolsProtocol] = ZeroCopyHttpToolsProtocol,
    **config: Any,
) -> AsyncIterator[int]:
    """The edge app on uvicorn in the test's own process, serving `clip` as `clip.mp4` from
    `root`/nas (so that a test can look inside it); yields its port."""
    settings = clip_settings(root, infra, clip)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            port=port,
            http=http,
            log_level="warning",
            log_config=None,  # records reach pytest's caplog
            timeout_graceful_shutdown=1,
            **config,
        )
    )
    task = asyncio.ensure_future(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn.Server has no started event)
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis server of the test's own (to stop, restart or pause without disturbing others)."""
    server = EmbeddedRedis(tmp_path / "redis-data", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
