"""Watch progress: the 10% / 90% rules and last-writer-by-player-clock ordering (SPEC §4)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from control.db.pool import Connection
from control.orchestration.contracts import PROGRESS_COMPLETED_RATIO, PROGRESS_STARTED_RATIO


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
        return "in_progress" if self.ratio >= PROGRESS_STARTED_RATIO else "not_started"

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
) -> SaveResult | None:
    """Store a position; ignored when the stored one carries a newer player clock.

    When the update is not applied, the stored (newer) row comes back from the same
    statement. None when there is no row at all: the content (and with it its progress)
    was deleted meanwhile.
    """
    position = min(max(position_seconds, 0.0), duration_seconds)
    completed = position / duration_seconds >= PROGRESS_COMPLETED_RATIO
    stamp = client_ts if client_ts is not None else int(time.time() * 1000)
    row = await conn.fetchrow(
        f"""WITH saved AS (
                INSERT INTO watch_progress AS w
                    (user_id, content_id, position_seconds, duration_seconds, completed,
                     client_ts)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (user_id, content_id) DO UPDATE SET
                    position_seconds = EXCLUDED.position_seconds,
                    duration_seconds = EXCLUDED.duration_seconds,
                    completed = EXCLUDED.completed,
                    client_ts = EXCLUDED.client_ts,
                    updated_at = now()
                WHERE w.client_ts <= EXCLUDED.client_ts
                RETURNING {_COLUMNS})
            SELECT {_COLUMNS}, true AS applied FROM saved
            UNION ALL
            SELECT {_COLUMNS}, false AS applied FROM watch_progress
            WHERE user_id = $1 AND content_id = $2 AND NOT EXISTS (SELECT 1 FROM saved)""",
        user_id,
        content_id,
        position,
        duration_seconds,
        completed,
        stamp,
    )
    if row is None:
        # The conflicting row was committed by a concurrent first save after this statement's
        # snapshot was taken (so the read-back above cannot see it): read it afresh.
        current = await get_progress(conn, user_id=user_id, content_id=content_id)
        return None if current is None else SaveResult(current, applied=False)
    values = dict(row)
    applied = values.pop("applied")
    return SaveResult(Progress(**values), applied=applied)


async def get_progress(conn: Connection, *, user_id: int, content_id: int) -> Progress | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM watch_progress WHERE user_id = $1 AND content_id = $2",
        user_id,
        content_id,
    )
    return None if row is None else Progress(**dict(row))
