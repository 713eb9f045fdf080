"""Control-plane fixtures: the real app (real PostgreSQL and Redis) behind an in-process client.

The client talks ASGI to the app in the test's own event loop, so concurrent requests from
a test really run concurrently (the parallel-refresh and login-load tests need that).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from control.app import create_app
from control.blocks.auth.passwords import hash_password
from control.blocks.auth.repository import insert_user
from control.orchestration.block import Block
from control.orchestration.contracts import AccountStatus, Role
from control.settings import ControlSettings
from deploy.infra import Endpoints

PASSWORD = "Correct-Horse-9"


def settings_for(database_url: str, redis_url: str, **overrides: Any) -> ControlSettings:
    """Settings for an app under test: generous limits unless a test sets its own."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "access_token_keys": f"t1:{secrets.token_urlsafe(32)}",
        "stream_token_keys": f"s1:{secrets.token_urlsafe(32)}",
        "rate_limit_per_ip": 100_000,
        "login_limit_per_ip": 100_000,
        "register_limit_per_ip": 100_000,
        "database_pool_size": 5,
        "log_level": "warning",
        **overrides,
    }
    return ControlSettings(**values)


@asynccontextmanager
async def running(app: Litestar, client_ip: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield an HTTP client speaking ASGI to it.

    The lifespan runs in a task of its own: Litestar enters and exits it in one task, while
    pytest-asyncio may set a fixture up and tear it down in different ones.
    """
    started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()

    async def hold_lifespan() -> None:
        try:
            async with app.lifespan():
                started.set_result(None)
                await stop.wait()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise

    task = asyncio.create_task(hold_lifespan())
    try:
        await started
        transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://control") as client:
            yield client
    finally:
        stop.set()
        await task


AppFactory = Callable[..., Any]


@pytest.fixture
def settings(infra: Endpoints, database_url: str) -> ControlSettings:
    return settings_for(database_url, infra.redis_url)


@pytest.fixture
async def app(settings: ControlSettings, redis: Any) -> Litestar:
    """The real control app with every discovered block (Redis flushed first)."""
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as http:
        yield http


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One cost-12 hash of PASSWORD for every seeded account (hashing is the slow part)."""
    return hash_password(PASSWORD, 12)


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    username: str
    password: str = PASSWORD


@pytest.fixture
def make_account(db: asyncpg.Connection, password_hash: str) -> Callable[..., Any]:
    """Insert an account directly (no bcrypt per test): make_account("ann", role="admin")."""

    async def make(name: str, *, role: Role = "user", status: AccountStatus = "active") -> Account:
        user = await insert_user(
            db,
            email=f"{name}@example.org",
            username=name,
            password_hash=password_hash,
            role=role,
            status=status,
        )
        return Account(user.id, user.email, user.username)

    return make


async def login(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    response = await client.post(
        "/api/auth/login", json={"email": account.email, "password": account.password}
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def error_code(response: httpx.Response) -> str:
    """The contract's error code, after checking the whole error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["details"], dict)
    code: str = body["error"]["code"]
    assert code.isupper() and " " not in code
    return code


async def gather(*aws: Any) -> list[Any]:
    return list(await asyncio.gather(*aws))


def app_with(settings: ControlSettings, blocks: Sequence[Block[Any]] | None) -> Litestar:
    """The app with exactly `blocks` (None: the discovered ones)."""
    return create_app(settings, blocks=blocks)
