"""Accounts in PostgreSQL: repositories take a connection and return typed objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from control.db.pool import Connection
from shared.errors import WsoptvError


class UserExists(WsoptvError):
    code = "AUTH_USER_EXISTS"
    status = 409


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    username: str
    role: str
    status: str
    created_at: datetime


_USER_COLUMNS = "id, email, username, role, status, created_at"


async def insert_user(
    conn: Connection,
    *,
    email: str,
    username: str,
    password_hash: str,
    role: str = "user",
    status: str = "active",
) -> User:
    """Create an account; UserExists when the email or username is taken (any case)."""
    try:
        row = await conn.fetchrow(
            f"""INSERT INTO users (email, username, password_hash, role, status)
                VALUES ($1, $2, $3, $4, $5) RETURNING {_USER_COLUMNS}""",
            email,
            username,
            password_hash,
            role,
            status,
        )
    except asyncpg.UniqueViolationError as exc:
        raise UserExists("an account with this email or username exists") from exc
    assert row is not None
    return User(**dict(row))


@dataclass(frozen=True, slots=True)
class Credentials:
    """A user with the stored password hash: only the login and password-change paths see it."""

    user: User
    password_hash: str


async def find_credentials_by_email(conn: Connection, email: str) -> Credentials | None:
    row = await conn.fetchrow(
        f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)", email
    )
    return _credentials(row)


async def find_credentials(conn: Connection, user_id: int) -> Credentials | None:
    row = await conn.fetchrow(
        f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE id = $1", user_id
    )
    return _credentials(row)


def _credentials(row: asyncpg.Record | None) -> Credentials | None:
    if row is None:
        return None
    values = dict(row)
    password_hash = values.pop("password_hash")
    return Credentials(User(**values), password_hash)


async def get_user(conn: Connection, user_id: int) -> User | None:
    row = await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1", user_id)
    return None if row is None else User(**dict(row))


async def record_login(conn: Connection, user_id: int) -> None:
    await conn.execute("UPDATE users SET last_login_at = now() WHERE id = $1", user_id)


async def update_profile(
    conn: Connection,
    user_id: int,
    *,
    username: str | None = None,
    password_hash: str | None = None,
) -> User | None:
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
             RETURNING {_USER_COLUMNS}""",
            user_id,
            username,
            password_hash,
        )
    except asyncpg.UniqueViolationError as exc:
        raise UserExists("this username is taken") from exc
    return None if row is None else User(**dict(row))
