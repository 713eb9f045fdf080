"""Accounts as the admin sees them: search, filters, role and status changes (own SQL).

The auth block owns the users table's writes for sign-up and login; an administrator's
role and status changes are plain column updates on it and stay here, in one transaction
that also returns what changed (for the event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from control.db.pool import Connection

_COLUMNS = "id, email, username, role, status, created_at, updated_at, last_login_at"


@dataclass(frozen=True, slots=True)
class AdminUser:
    id: int
    email: str
    username: str
    role: str
    status: str
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class UserPage:
    items: list[AdminUser]
    total: int


def _like(text: str) -> str:
    """A LIKE pattern matching `text` literally anywhere."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_users(
    conn: Connection,
    *,
    query: str | None,
    status: str | None,
    role: str | None,
    limit: int,
    offset: int,
) -> UserPage:
    """Newest accounts first (ties by id: pages are stable); `query` matches email or name."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM users
            WHERE ($1::text IS NULL OR lower(email) LIKE $1 OR lower(username) LIKE $1)
              AND ($2::text IS NULL OR status = $2)
              AND ($3::text IS NULL OR role = $3)
            ORDER BY created_at DESC, id DESC
            LIMIT $4 OFFSET $5""",
        _like(query) if query else None,
        status,
        role,
        limit,
        offset,
    )
    if not rows and offset:
        # Past the last page: the total still says how many there are.
        total = await conn.fetchval(
            """SELECT count(*) FROM users
               WHERE ($1::text IS NULL OR lower(email) LIKE $1 OR lower(username) LIKE $1)
                 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR role = $3)""",
            _like(query) if query else None,
            status,
            role,
        )
        return UserPage([], int(total))
    items = [AdminUser(**{k: v for k, v in dict(r).items() if k != "total"}) for r in rows]
    return UserPage(items, int(rows[0]["total"]) if rows else 0)


async def get_user(conn: Connection, user_id: int, *, for_update: bool = False) -> AdminUser | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE id = $1{lock}", user_id)
    return None if row is None else AdminUser(**dict(row))


async def set_role_status(
    conn: Connection, user_id: int, *, role: str | None, status: str | None
) -> AdminUser:
    row = await conn.fetchrow(
        f"""UPDATE users SET role = coalesce($2, role), status = coalesce($3, status),
                             updated_at = now()
            WHERE id = $1 RETURNING {_COLUMNS}""",
        user_id,
        role,
        status,
    )
    assert row is not None  # the caller holds the row lock
    return AdminUser(**dict(row))


def changes(before: AdminUser, after: AdminUser) -> dict[str, dict[str, Any]]:
    """{field: {from, to}} for the fields an update changed."""
    return {
        name: {"from": getattr(before, name), "to": getattr(after, name)}
        for name in ("role", "status")
        if getattr(before, name) != getattr(after, name)
    }
