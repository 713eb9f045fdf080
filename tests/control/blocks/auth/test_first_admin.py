"""The first admin, made by `wsoptv user create --admin`, logs in through the API as admin."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg

from control.orchestration.registry import discover
from control.settings import ControlSettings
from tests.control.conftest import app_with, bearer, running
from tests.control.sample_blocks import GUARDED
from tests.support import REPO


async def test_cli_admin_passes_the_admin_guard(
    settings: ControlSettings, redis: object, data_env: dict[str, str]
) -> None:
    created = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "deploy.cli", "user", "create", "--email", "root@example.org",
         "--username", "root", "--password-stdin", "--admin"],
        cwd=REPO, input="Sup3r-Secret\n", env={**os.environ, **data_env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    async with running(app_with(settings, [*discover(), GUARDED])) as client:
        tokens = await client.post(
            "/api/auth/login", json={"email": "root@example.org", "password": "Sup3r-Secret"}
        )
        assert tokens.status_code == 200
        admin = await client.get("/api/guarded/admin", headers=bearer(tokens.json()))
        assert admin.status_code == 200
        me = await client.get("/api/auth/me", headers=bearer(tokens.json()))
        assert me.json()["role"] == "admin"


async def test_cli_hashes_with_the_configured_bcrypt_cost(
    db: asyncpg.Connection, data_env: dict[str, str]
) -> None:
    created = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "deploy.cli", "user", "create", "--email", "ann@example.org",
         "--username", "ann", "--password-stdin"],
        cwd=REPO, input="Sup3r-Secret\n", env={**os.environ, **data_env, "BCRYPT_ROUNDS": "13"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    stored = await db.fetchval("SELECT password_hash FROM users WHERE username = 'ann'")
    assert stored.startswith("$2b$13$")
