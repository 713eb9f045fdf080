"""Stream block fixtures: the real app (all blocks), accounts, contents put in PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from control.orchestration.bus import Event
from control.settings import ControlSettings
from deploy.infra import Endpoints
from tests.control.conftest import Account, bearer, login, settings_for

STREAM_KEYS = "s1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def stream_settings(infra: Endpoints, database_url: str, **overrides: Any) -> ControlSettings:
    values: dict[str, Any] = {
        "stream_token_keys": STREAM_KEYS,
        "edge_public_url": "https://edge.example:8443/",
        **overrides,
    }
    return settings_for(database_url, infra.redis_url, **values)


@pytest.fixture
def settings(infra: Endpoints, database_url: str) -> ControlSettings:
    return stream_settings(infra, database_url)


@pytest.fixture
def make_content(db: asyncpg.Connection) -> Callable[..., Any]:
    """Insert a content row: await make_content("ARCHIVE/x/Day 1.mp4", duration=3600)."""

    async def make(
        file_path: str, *, duration: float | None = 3600.0, title: str | None = None
    ) -> int:
        content_id: int = await db.fetchval(
            "INSERT INTO contents (title, file_path, duration_seconds) VALUES ($1, $2, $3) "
            "RETURNING id",
            title or file_path.rpartition("/")[2].rpartition(".")[0],
            file_path,
            duration,
        )
        return content_id

    return make


@pytest.fixture
def auth_headers(client: httpx.AsyncClient, make_account: Callable[..., Any]) -> Callable[..., Any]:
    """Log a new account in: headers, account = await auth_headers("ann")."""

    async def make(name: str) -> tuple[dict[str, str], Account]:
        account: Account = await make_account(name)
        return bearer(await login(client, account)), account

    return make


@pytest.fixture
def stream_events(app: Litestar) -> asyncio.Queue[Event]:
    """Every stream.* event the app publishes, in order."""
    queue: asyncio.Queue[Event] = asyncio.Queue()

    async def collect(event: Event) -> None:
        await queue.put(event)

    app.state.bus.subscribe("stream.*", collect)
    return queue


async def next_event(queue: asyncio.Queue[Event]) -> Event:
    return await asyncio.wait_for(queue.get(), 5)
