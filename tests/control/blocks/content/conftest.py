"""Content fixtures: the shared control app pointed at a test NAS root, an admin and a user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from control.settings import ControlSettings
from deploy.infra import Endpoints
from tests.control.conftest import bearer, login, settings_for


@pytest.fixture
def nas_root(tmp_path: Path) -> Path:
    root = tmp_path / "nas"
    root.mkdir()
    return root


@pytest.fixture
def settings(
    infra: Endpoints, database_url: str, nas_root: Path, tmp_path: Path
) -> ControlSettings:
    """The shared `app` fixture's settings, with this test's NAS and thumbnail roots."""
    return settings_for(
        database_url, infra.redis_url, nas_root=nas_root, thumbnail_root=tmp_path / "thumbnails"
    )


@pytest.fixture
async def admin_headers(client: Any, make_account: Callable[..., Any]) -> dict[str, str]:
    return bearer(await login(client, await make_account("root", role="admin")))


@pytest.fixture
async def user_headers(client: Any, make_account: Callable[..., Any]) -> dict[str, str]:
    return bearer(await login(client, await make_account("viewer")))
