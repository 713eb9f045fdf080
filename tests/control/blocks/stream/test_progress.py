"""Watch progress rules against real PostgreSQL."""

from __future__ import annotations

import asyncpg
import pytest

from control.blocks.stream.progress import get_progress, save_progress


@pytest.fixture
async def viewer(db: asyncpg.Connection) -> tuple[int, int]:
    user = await db.fetchval(
        "INSERT INTO users (email, username, password_hash) "
        "VALUES ('v@x.io', 'viewer', 'x') RETURNING id"
    )
    content = await db.fetchval(
        "INSERT INTO contents (title, file_path, duration_seconds) "
        "VALUES ('ME Day 1', 'a/b.mp4', 1000) RETURNING id"
    )
    return user, content


@pytest.mark.parametrize(
    ("position", "state", "completed"),
    [
        (0, "not_started", False),
        (99, "not_started", False),
        (100, "in_progress", False),
        (899, "in_progress", False),
        (900, "completed", True),
        (1000, "completed", True),
        (5000, "completed", True),
        (-5, "not_started", False),
    ],
)
async def test_ten_and_ninety_percent_rules(
    db: asyncpg.Connection,
    viewer: tuple[int, int],
    position: float,
    state: str,
    completed: bool,
) -> None:
    user, content = viewer
    result = await save_progress(
        db, user_id=user, content_id=content, position_seconds=position, duration_seconds=1000
    )
    assert result is not None and result.applied
    assert (result.progress.state, result.progress.completed) == (state, completed)
    assert 0 <= result.progress.position_seconds <= 1000


async def test_an_older_update_never_overwrites_a_newer_one(
    db: asyncpg.Connection, viewer: tuple[int, int]
) -> None:
    user, content = viewer
    await save_progress(
        db,
        user_id=user,
        content_id=content,
        position_seconds=500,
        duration_seconds=1000,
        client_ts=2_000,
    )
    late = await save_progress(
        db,
        user_id=user,
        content_id=content,
        position_seconds=200,
        duration_seconds=1000,
        client_ts=1_000,
    )
    assert late is not None and not late.applied
    assert late.progress.position_seconds == 500
    stored = await get_progress(db, user_id=user, content_id=content)
    assert stored is not None and stored.position_seconds == 500
    newer = await save_progress(
        db,
        user_id=user,
        content_id=content,
        position_seconds=600,
        duration_seconds=1000,
        client_ts=3_000,
    )
    assert newer is not None and newer.applied and newer.progress.position_seconds == 600
