"""The edge app under a server without the zerocopysend extension (e.g. TLS): same bytes."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.infra import Endpoints
from edge.app import EdgeApp, create_app
from shared.token import mint_stream_token
from tests.edge.client import Reply, multipart_parts
from tests.edge.conftest import RING, clip_settings

DATA = random.Random(4).randbytes(600_000)


@pytest.fixture
async def app(tmp_path: Path, infra: Endpoints) -> AsyncIterator[EdgeApp]:
    edge = create_app(clip_settings(tmp_path, infra, DATA))
    async with edge.starlette.router.lifespan_context(edge.starlette):
        yield edge


async def fetch(app: EdgeApp, headers: dict[str, str], chunks: list[int] | None = None) -> Reply:
    """GET the clip through httpx; `chunks` collects the size of each body message sent."""
    token = mint_stream_token(RING, sub="tls", cid="c", sid="tls-sid", path="clip.mp4")

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        async def record(message: Any) -> None:
            if message["type"] == "http.response.body" and chunks is not None:
                chunks.append(len(message.get("body", b"")))
            await send(message)

        await app(scope, receive, record)

    transport = httpx.ASGITransport(app=recording)
    async with httpx.AsyncClient(transport=transport, base_url="https://edge") as client:
        response = await client.get(f"/v/{token}", headers=headers)
    return Reply(response.status_code, dict(response.headers), response.content)


async def test_whole_file_in_bounded_chunks(app: EdgeApp) -> None:
    chunks: list[int] = []
    reply = await fetch(app, {}, chunks)
    assert (reply.status, reply.body) == (200, DATA)
    # Memory per response stays bounded: no body message is larger than 256 KiB.
    assert sum(chunks) == len(DATA)
    assert len(chunks) > 1
    assert max(chunks) <= 256 * 1024


async def test_single_and_multiple_ranges(app: EdgeApp) -> None:
    single = await fetch(app, {"Range": "bytes=1000-299999"})
    assert (single.status, single.body) == (206, DATA[1000:300000])
    multi = await fetch(app, {"Range": "bytes=0-9,500000-"})
    assert multipart_parts(multi) == [
        (f"bytes 0-9/{len(DATA)}", DATA[:10]),
        (f"bytes 500000-{len(DATA) - 1}/{len(DATA)}", DATA[500000:]),
    ]
