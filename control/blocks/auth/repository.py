"""Accounts in PostgreSQL: repositories take a connection and return typed objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

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
    conn: asyncpg.Connection,
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
