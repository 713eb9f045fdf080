"""Accounts for a load run, prepared before it: logins are bcrypt-bound (about 8 a second
on two cores at cost 12), so registering hundreds of viewers through the API would be the
run. One real hash at the platform's own cost (BCRYPT_ROUNDS) is computed once and stored
for every account, through the same repository function as `wsoptv user create`: each
login still pays the full bcrypt check."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg

from control.blocks.auth.passwords import hash_password
from control.blocks.auth.repository import insert_user
from control.db.migrate import migrate
from control.settings import ControlSettings


async def _create(database_url: str, emails: list[str], admin: str, password: str) -> None:
    await migrate(database_url)
    password_hash = hash_password(password, ControlSettings().bcrypt_rounds)
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            for email in emails:
                await insert_user(
                    conn, email=email, username=email.partition("@")[0], password_hash=password_hash
                )
            await insert_user(
                conn,
                email=admin,
                username=admin.partition("@")[0],
                password_hash=password_hash,
                role="admin",
            )
    finally:
        await conn.close()


def create_accounts(database_url: str, count: int, password: str) -> tuple[list[str], str]:
    """`count` active viewer accounts and one admin, all with `password`; their emails.
    The names carry a random run tag, so runs against one platform never collide."""
    tag = secrets.token_hex(3)
    emails = [f"load-{tag}-{n}@wsoptv.test" for n in range(count)]
    admin = f"load-{tag}-admin@wsoptv.test"
    asyncio.run(_create(database_url, emails, admin, password))
    return emails, admin
