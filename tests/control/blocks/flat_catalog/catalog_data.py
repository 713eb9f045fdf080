"""Catalog rows inserted with plain SQL, with explicit creation times (order is the point)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def add_series(db: asyncpg.Connection, slug: str, title: str) -> int:
    series_id: int = await db.fetchval(
        "INSERT INTO series (slug, title, brand, year) VALUES ($1, $2, 'WSOP', 2024) RETURNING id",
        slug,
        title,
    )
    return series_id


async def add_content(
    db: asyncpg.Connection,
    title: str,
    *,
    day: int,
    series_id: int | None = None,
    duration: float = 3600.0,
    missing: bool = False,
) -> int:
    """A content created `day` days after T0 (a later day is newer)."""
    content_id: int = await db.fetchval(
        """INSERT INTO contents (title, short_title, file_path, series_id, duration_seconds,
                                 brand, year, created_at, missing_since)
           VALUES ($1, $1, $2, $3, $4, 'WSOP', 2024, $5, $6) RETURNING id""",
        title,
        f"ARCHIVE/{title}.mp4",
        series_id,
        duration,
        T0 + timedelta(days=day),
        T0 if missing else None,
    )
    return content_id


async def add_hand(
    db: asyncpg.Connection, content_id: int, index: int, start: float, pot: float | None
) -> int:
    hand_id: int = await db.fetchval(
        """INSERT INTO best_hands (content_id, hand_index, start_seconds, end_seconds, title,
                                   category, players, pot_size)
           VALUES ($1, $2, $3::float8, $3::float8 + 120, $4, 'all-in',
                   ARRAY['Negreanu', 'Ivey'], $5)
           RETURNING id""",
        content_id,
        index,
        start,
        f"Hand {index}",
        pot,
    )
    return hand_id


async def watch(
    db: asyncpg.Connection,
    user_id: int,
    content_id: int,
    position: float,
    *,
    minutes_ago: int,
    duration: float = 3600.0,
) -> None:
    """A stored progress row, as the stream block keeps it (completed at 90%)."""
    await db.execute(
        """INSERT INTO watch_progress (user_id, content_id, position_seconds, duration_seconds,
                                       completed, updated_at)
           VALUES ($1, $2, $3::float8, $4::float8, $3::float8 >= 0.9 * $4::float8,
                   now() - make_interval(mins => $5))
           ON CONFLICT (user_id, content_id) DO UPDATE
           SET position_seconds = EXCLUDED.position_seconds, completed = EXCLUDED.completed,
               updated_at = EXCLUDED.updated_at""",
        user_id,
        content_id,
        position,
        duration,
        minutes_ago,
    )
