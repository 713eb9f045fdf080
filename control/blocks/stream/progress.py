"""Watch progress: the 10% / 90% rules and last-writer-by-player-clock ordering (SPEC §4)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from control.db.pool import Connection

STARTED_RATIO = 0.10
COMPLETED_RATIO = 0.90


@dataclass(frozen=True, slots=True)
class Progress:
    content_id: int
    position_seconds: float
    duration_seconds: float
    completed: bool
    updated_at: datetime

    @property
    def state(self) -> str:
        """not_started (< 10%), in_progress, or completed (>= 90%)."""
        if self.completed:
            return "completed"
        return "in_progress" if self.ratio >= STARTED_RATIO else "not_started"

    @property
    def ratio(self) -> float:
        return min(self.position_seconds / self.duration_seconds, 1.0)


@dataclass(frozen=True, slots=True)
class SaveResult:
    progress: Progress
    applied: bool  # False: a newer update had already been stored


_COLUMNS = "content_id, position_seconds, duration_seconds, completed, updated_at"


async def save_progress(
    conn: Connection,
    *,
    user_id: int,
    content_id: int,
    position_seconds: float,
    duration_seconds: float,
    client_ts: int | None = None,
) -> SaveResult:
    """Store a position; ignored when the stored one carries a newer player clock."""
    position = min(max(position_seconds, 0.0), duration_seconds)
    completed = position / duration_seconds >= COMPLETED_RATIO
    stamp = client_ts if client_ts is not None else int(time.time() * 1000)
    row = await conn.fetchrow(
        f"""INSERT INTO watch_progress AS w
                (user_id, content_id, position_seconds, duration_seconds, completed, client_ts)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (user_id, content_id) DO UPDATE SET
                position_seconds = EXCLUDED.position_seconds,
                duration_seconds = EXCLUDED.duration_seconds,
                completed = EXCLUDED.completed,
                client_ts = EXCLUDED.client_ts,
                updated_at = now()
            WHERE w.client_ts <= EXCLUDED.client_ts
            RETURNING {_COLUMNS}""",
        user_id,
        content_id,
        position,
        duration_seconds,
        completed,
        stamp,
    )
    if row is not None:
        return SaveResult(Progress(**dict(row)), applied=True)
    current = await get_progress(conn, user_id=user_id, content_id=content_id)
    assert current is not None
    return SaveResult(current, applied=False)


async def get_progress(conn: Connection, *, user_id: int, content_id: int) -> Progress | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM watch_progress WHERE user_id = $1 AND content_id = $2",
        user_id,
        content_id,
    )
    return None if row is None else Progress(**dict(row))


async def continue_watching(conn: Connection, user_id: int, limit: int = 20) -> list[Progress]:
    """The user's unfinished items past 10%, most recent first."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM watch_progress
            WHERE user_id = $1 AND NOT completed
              AND position_seconds >= $2 * duration_seconds
            ORDER BY updated_at DESC LIMIT $3""",
        user_id,
        STARTED_RATIO,
        limit,
    )
    return [Progress(**dict(row)) for row in rows]
