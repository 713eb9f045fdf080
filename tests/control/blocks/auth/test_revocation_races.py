"""Revoking a session while it is being refreshed: the revocation always wins.

Each round opens a fresh session, then refreshes it while, at the same moment, the session
is logged out or the account's sessions are ended. Whichever order PostgreSQL runs them in,
no live refresh token may remain in the family afterwards, and a token the refresh handed
out cannot be redeemed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from control.blocks.auth.sessions import insert_session, new_refresh_token
from control.blocks.auth.tokens import AccessTokens
from control.orchestration.registry import discover
from control.settings import ControlSettings
from tests.control.conftest import Account, app_with, bearer, error_code, login, running
from tests.control.sample_blocks import SUSPENDER

ROUNDS = 20


async def _open_session(app: Litestar, db: asyncpg.Connection, account: Account) -> dict[str, Any]:
    """A session as a login opens it, without paying a bcrypt check per round."""
    tokens: AccessTokens = app.state.registry.services("auth").tokens
    family = uuid.uuid4()
    refresh_token, hashed = new_refresh_token()
    await insert_session(
        db,
        user_id=account.id,
        family_id=family,
        parent_id=None,
        hashed=hashed,
        ttl_seconds=3600,
        user_agent=None,
        ip=None,
    )
    access = tokens.issue(account.id, "user", family)
    return {"access_token": access.token, "refresh_token": refresh_token, "family": family}


async def _live_rows(db: asyncpg.Connection, family: uuid.UUID) -> int:
    count: int = await db.fetchval(
        """SELECT count(*) FROM refresh_sessions
            WHERE family_id = $1 AND used_at IS NULL AND revoked_at IS NULL
              AND expires_at > now()""",
        family,
    )
    return count


async def _assert_revoked(
    client: httpx.AsyncClient, db: asyncpg.Connection, family: uuid.UUID, refreshed: httpx.Response
) -> None:
    assert await _live_rows(db, family) == 0
    if refreshed.status_code == 200:
        again = await client.post(
            "/api/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]}
        )
        assert (again.status_code, error_code(again)) == (401, "AUTH_REFRESH_REVOKED")
    else:
        assert (refreshed.status_code, error_code(refreshed)) == (401, "AUTH_REFRESH_REVOKED")


async def test_logout_racing_a_refresh_leaves_no_live_token(
    app: Litestar,
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    make_account: Callable[..., Any],
) -> None:
    account = await make_account("ann")
    for _ in range(ROUNDS):
        session = await _open_session(app, db, account)
        refreshed, logged_out = await asyncio.gather(
            client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}),
            client.post(
                "/api/auth/logout", headers={"Authorization": f"Bearer {session['access_token']}"}
            ),
        )
        assert logged_out.status_code == 204
        await _assert_revoked(client, db, session["family"], refreshed)


async def test_ending_all_sessions_racing_a_refresh_leaves_no_live_token(
    settings: ControlSettings,
    redis: object,
    db: asyncpg.Connection,
    make_account: Callable[..., Any],
) -> None:
    # Through SESSION_CONTROL, as the admin block ends a suspended user's sessions.
    app = app_with(settings, [*discover(), SUSPENDER])
    async with running(app) as client:
        admin = bearer(await login(client, await make_account("root", role="admin")))
        account = await make_account("ann")
        for _ in range(ROUNDS):
            session = await _open_session(app, db, account)
            refreshed, ended = await asyncio.gather(
                client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}),
                client.post(f"/api/suspender/{account.id}", headers=admin),
            )
            await _assert_revoked(client, db, session["family"], refreshed)
            assert ended.json() == {"revoked": 1}
