"""The home screen's rows, read straight from the catalog tables (a flat read model).

Every function returns JSON-ready rows, because the rows are cached as JSON in the L1
cache. Shared rows (the same for everybody) and the user's own row are computed and cached
separately, so one user's Continue Watching is never served to another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from control.db.pool import Connection
from control.orchestration.contracts import PROGRESS_STARTED_RATIO

ROW_LENGTH = 20
# One row per series, up to this many series (the ones with the newest additions); the
# OpenAPI description of GET /api/home says so.
SERIES_ROWS = 50
_ITEM = (
    "c.id, c.title, c.short_title, c.duration_seconds, c.year, c.brand, c.series_id, "
    "c.thumbnail_path, c.created_at"
)


def _item(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "short_title": row["short_title"],
        "duration_seconds": row["duration_seconds"],
        "year": row["year"],
        "brand": row["brand"],
        "series_id": row["series_id"],
        "thumbnail_path": row["thumbnail_path"],
        "created_at": row["created_at"].isoformat(),
    }


def row(row_id: str, title: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": row_id, "title": title, "items": items}


async def continue_watching(conn: Connection, user_id: int) -> dict[str, Any]:
    """The user's items in progress (PROGRESS_STARTED_RATIO up to completion), most recently
    watched first."""
    rows = await conn.fetch(
        f"""SELECT {_ITEM}, w.position_seconds, w.duration_seconds AS watched_duration,
                   w.updated_at AS watched_at
            FROM watch_progress w JOIN contents c ON c.id = w.content_id
            WHERE w.user_id = $1 AND NOT w.completed
              AND w.position_seconds >= $3 * w.duration_seconds
              AND c.missing_since IS NULL
            ORDER BY w.updated_at DESC, c.id DESC LIMIT $2""",
        user_id,
        ROW_LENGTH,
        PROGRESS_STARTED_RATIO,
    )
    items = [
        {
            **_item(r),
            "progress": {
                "position_seconds": r["position_seconds"],
                "duration_seconds": r["watched_duration"],
                "ratio": round(r["position_seconds"] / r["watched_duration"], 4),
                "updated_at": r["watched_at"].isoformat(),
            },
        }
        for r in rows
    ]
    return row("continue_watching", "Continue Watching", items)


async def recently_added(conn: Connection) -> dict[str, Any]:
    rows = await conn.fetch(
        f"SELECT {_ITEM} FROM contents c WHERE c.missing_since IS NULL "
        "ORDER BY c.created_at DESC, c.id DESC LIMIT $1",
        ROW_LENGTH,
    )
    return row("recently_added", "Recently Added", [_item(r) for r in rows])


async def trending(conn: Connection, views: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """The ROW_LENGTH most viewed contents that still exist (`views`: (content id, count),
    most viewed first); deleted and missing contents are dropped before the row is cut."""
    ranked = [(content_id, count) for content_id, count in views if count > 0]
    rows = await conn.fetch(
        f"""SELECT {_ITEM}, v.views
            FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS v(id, views, rank)
            JOIN contents c ON c.id = v.id
            WHERE c.missing_since IS NULL
            ORDER BY v.rank LIMIT $3""",
        [content_id for content_id, _ in ranked],
        [count for _, count in ranked],
        ROW_LENGTH,
    )
    items = [{**_item(r), "views_7d": r["views"]} for r in rows]
    return row("trending", "Trending", items)


async def series_rows(conn: Connection) -> list[dict[str, Any]]:
    """One row per series, the series with the newest additions first."""
    rows = await conn.fetch(
        f"""WITH ranked AS (
                SELECT {_ITEM}, s.title AS series_title,
                       row_number() OVER (PARTITION BY c.series_id
                                          ORDER BY c.created_at DESC, c.id DESC) AS n,
                       max(c.created_at) OVER (PARTITION BY c.series_id) AS newest
                FROM contents c JOIN series s ON s.id = c.series_id
                WHERE c.missing_since IS NULL)
            SELECT * FROM ranked
            WHERE n <= $1 AND series_id IN (
                SELECT series_id FROM ranked GROUP BY series_id
                ORDER BY max(newest) DESC, series_id DESC LIMIT $2)
            ORDER BY newest DESC, series_id DESC, n""",
        ROW_LENGTH,
        SERIES_ROWS,
    )
    result: list[dict[str, Any]] = []
    for r in rows:
        if not result or result[-1]["id"] != f"series:{r['series_id']}":
            result.append(row(f"series:{r['series_id']}", r["series_title"], []))
        result[-1]["items"].append(_item(r))
    return result


async def best_hands(conn: Connection) -> dict[str, Any]:
    """Curated hands with the position to jump to."""
    rows = await conn.fetch(
        f"""SELECT {_ITEM}, h.id AS hand_id, h.hand_index, h.title AS hand_title,
                   h.start_seconds, h.end_seconds, h.category, h.players, h.pot_size
            FROM best_hands h JOIN contents c ON c.id = h.content_id
            WHERE c.missing_since IS NULL
            ORDER BY h.pot_size DESC NULLS LAST, h.created_at DESC, h.id DESC LIMIT $1""",
        ROW_LENGTH,
    )
    items = [
        {
            **_item(r),
            "hand": {
                "id": r["hand_id"],
                "content_id": r["id"],
                "hand_index": r["hand_index"],
                "title": r["hand_title"],
                "category": r["category"],
                "players": list(r["players"]),
                "pot_size": None if r["pot_size"] is None else float(r["pot_size"]),
                "start_seconds": r["start_seconds"],
                "end_seconds": r["end_seconds"],
            },
        }
        for r in rows
    ]
    return row("best_hands", "Best Hands", items)


def assemble(user_row: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """The home document: rows in the contract's order, empty rows left out."""
    ordered = [
        user_row,
        shared["recently_added"],
        shared["trending"],
        *shared["series"],
        shared["best_hands"],
    ]
    return {"rows": [r for r in ordered if r["items"]]}


async def shared_rows(conn: Connection, views: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Everything on the home screen that is the same for every user."""
    return {
        "recently_added": await recently_added(conn),
        "trending": await trending(conn, views),
        "series": await series_rows(conn),
        "best_hands": await best_hands(conn),
    }
