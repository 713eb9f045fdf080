"""The users table (owned by the auth block): typed Accounts in, typed Accounts out.

Repositories take a connection and never open transactions: the service that calls them
decides what must commit together.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from control.db.pool import Connection
from control.orchestration.contracts import (
    Account,
    AccountCounts,
    AccountPage,
    AccountQuery,
    AccountStatus,
    Role,
)
from shared.errors import WsoptvError


class UserExists(WsoptvError):
    code = "AUTH_USER_EXISTS"
    status = 409


_COLUMNS = "id, email, username, role, status, created_at, updated_at, last_login_at"
_FIELDS = tuple(name.strip() for name in _COLUMNS.split(","))


def _account(row: asyncpg.Record | None) -> Account | None:
    return None if row is None else Account(**{name: row[name] for name in _FIELDS})


async def insert_user(
    conn: Connection,
    *,
    email: str,
    username: str,
    password_hash: str,
    role: Role = "user",
    status: AccountStatus = "active",
) -> Account:
    """Create an account; UserExists when the email or username is taken (any case)."""
    try:
        row = await conn.fetchrow(
            f"""INSERT INTO users (email, username, password_hash, role, status)
                VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}""",
            email,
            username,
            password_hash,
            role,
            status,
        )
    except asyncpg.UniqueViolationError as exc:
        raise UserExists("an account with this email or username exists") from exc
    account = _account(row)
    assert account is not None
    return account


@dataclass(frozen=True, slots=True)
class Credentials:
    """An account with the stored password hash: only login and password changes see it."""

    account: Account
    password_hash: str


async def find_credentials_by_email(conn: Connection, email: str) -> Credentials | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)", email
    )
    return _credentials(row)


async def find_credentials(conn: Connection, user_id: int) -> Credentials | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS}, password_hash FROM users WHERE id = $1", user_id)
    return _credentials(row)


def _credentials(row: asyncpg.Record | None) -> Credentials | None:
    account = _account(row)
    if row is None or account is None:
        return None
    return Credentials(account, row["password_hash"])


async def get_account(
    conn: Connection, user_id: int, *, for_update: bool = False
) -> Account | None:
    """One account; `for_update` locks its row until the caller's transaction ends."""
    lock = " FOR UPDATE" if for_update else ""
    return _account(
        await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE id = $1{lock}", user_id)
    )


async def record_login(conn: Connection, user_id: int) -> None:
    await conn.execute("UPDATE users SET last_login_at = now() WHERE id = $1", user_id)


async def update_profile(
    conn: Connection,
    user_id: int,
    *,
    username: str | None = None,
    password_hash: str | None = None,
) -> Account | None:
    """Change the username and/or password hash; None if the account is gone.

    UserExists when the name is taken.
    """
    try:
        row = await conn.fetchrow(
            f"""UPDATE users
                   SET username = coalesce($2, username),
                       password_hash = coalesce($3, password_hash),
                       updated_at = now()
                 WHERE id = $1
             RETURNING {_COLUMNS}""",
            user_id,
            username,
            password_hash,
        )
    except asyncpg.UniqueViolationError as exc:
        raise UserExists("this username is taken") from exc
    return _account(row)


async def set_role_status(
    conn: Connection, user_id: int, *, role: Role | None, status: AccountStatus | None
) -> Account | None:
    row = await conn.fetchrow(
        f"""UPDATE users SET role = coalesce($2, role), status = coalesce($3, status),
                             updated_at = now()
            WHERE id = $1 RETURNING {_COLUMNS}""",
        user_id,
        role,
        status,
    )
    return _account(row)


def _like(text: str) -> str:
    """A LIKE pattern matching `text` literally anywhere."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_MATCHING = """FROM users
    WHERE ($1::text IS NULL OR lower(email) LIKE $1 OR lower(username) LIKE $1)
      AND ($2::text IS NULL OR status = $2)
      AND ($3::text IS NULL OR role = $3)"""


async def list_accounts(conn: Connection, query: AccountQuery) -> AccountPage:
    """Newest accounts first (ties by id: pages are stable); `text` matches email or name."""
    pattern = _like(query.text) if query.text else None
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total {_MATCHING}
            ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5""",
        pattern,
        query.status,
        query.role,
        query.limit,
        query.offset,
    )
    if not rows and query.offset:
        # Past the last page: the total still says how many there are.
        total = await conn.fetchval(
            f"SELECT count(*) {_MATCHING}", pattern, query.status, query.role
        )
        return AccountPage([], int(total))
    items = [account for row in rows if (account := _account(row)) is not None]
    return AccountPage(items, int(rows[0]["total"]) if rows else 0)


async def count_accounts(conn: Connection) -> AccountCounts:
    row = await conn.fetchrow(
        """SELECT count(*) AS total,
                  count(*) FILTER (WHERE status = 'active') AS active,
                  count(*) FILTER (WHERE status = 'pending') AS pending,
                  count(*) FILTER (WHERE status = 'suspended') AS suspended,
                  count(*) FILTER (WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC')
                                                       AT TIME ZONE 'UTC') AS new_today
           FROM users"""
    )
    assert row is not None
    return AccountCounts(**dict(row))
