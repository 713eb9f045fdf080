"""The whole control app (every block), plus one block that fails on purpose (a real 5xx)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from control.orchestration.registry import discover
from control.settings import ControlSettings
from deploy.infra import Endpoints
from tests.control.conftest import Account, app_with, bearer, login, running, settings_for
from tests.control.sample_blocks import BROKEN_AT_START

SSD_CAPACITY = 64 * 1024 * 1024


@pytest.fixture
def ssd_root(tmp_path: Path) -> Path:
    root = tmp_path / "ssd"
    root.mkdir()
    return root


@pytest.fixture
async def admin_app(
    infra: Endpoints, database_url: str, redis: Any, ssd_root: Path, tmp_path: Path
) -> Litestar:
    settings: ControlSettings = settings_for(
        database_url,
        infra.redis_url,
        ssd_cache_root=ssd_root,
        ssd_cache_bytes=SSD_CAPACITY,
        nas_root=tmp_path / "nas",
    )
    return app_with(settings, [*discover(), BROKEN_AT_START])


@pytest.fixture
async def admin_client(admin_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with running(admin_app) as http:
        yield http


@pytest.fixture
async def admin(
    admin_client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> tuple[Account, dict[str, str]]:
    """The admin account and its Authorization header."""
    account = await make_account("root", role="admin")
    return account, bearer(await login(admin_client, account))
