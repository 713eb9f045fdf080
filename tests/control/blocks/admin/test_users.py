"""User administration: list/search/filter/paginate, role and status changes, approval."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from control.orchestration.bus import Event, MessageBus
from tests.control.conftest import Account, bearer, error_code, login

Admin = tuple[Account, dict[str, str]]
ROUTES = [
    ("GET", "/api/admin/dashboard", None),
    ("GET", "/api/admin/users", None),
    ("PATCH", "/api/admin/users/1", {"role": "admin"}),
    ("POST", "/api/admin/users/1/approve", None),
]


class Recorder:
    """Collects the events of one channel; `next()` awaits the next one."""

    def __init__(self, bus: MessageBus, channel: str) -> None:
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        bus.subscribe(channel, self._handle)

    async def _handle(self, event: Event) -> None:
        await self.events.put(event)

    async def next(self) -> Event:
        async with asyncio.timeout(5):
            return await self.events.get()


async def test_every_admin_route_needs_a_token_then_the_admin_role(
    admin_client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    user = bearer(await login(admin_client, await make_account("ann")))
    for method, path, body in ROUTES:
        anonymous = await admin_client.request(method, path, json=body)
        assert (anonymous.status_code, error_code(anonymous)) == (401, "AUTH_REQUIRED"), path
        refused = await admin_client.request(method, path, json=body, headers=user)
        assert (refused.status_code, error_code(refused)) == (403, "AUTH_FORBIDDEN"), path


async def users(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get("/api/admin/users", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_list_search_filter_and_paginate(
    admin_client: httpx.AsyncClient, admin: Admin, make_account: Callable[..., Any]
) -> None:
    _, headers = admin
    await make_account("ann")
    await make_account("bob_pending", status="pending")
    await make_account("carol", status="suspended")
    await make_account("dave", role="moderator")
    await make_account("anna_100")

    everyone = await users(admin_client, headers)
    names = [u["username"] for u in everyone["items"]]
    # Newest first (ties broken by id, also newest first).
    assert names == ["anna_100", "dave", "carol", "bob_pending", "ann", "root"]
    assert (everyone["total"], everyone["limit"], everyone["offset"]) == (6, 20, 0)
    assert set(everyone["items"][0]) >= {"id", "email", "role", "status", "last_login_at"}

    found = await users(admin_client, headers, q="ANN")
    assert [u["username"] for u in found["items"]] == ["anna_100", "ann"]
    by_email = await users(admin_client, headers, q="carol@example")
    assert [u["username"] for u in by_email["items"]] == ["carol"]
    # LIKE wildcards are matched literally.
    assert (await users(admin_client, headers, q="%"))["total"] == 0
    assert [u["username"] for u in (await users(admin_client, headers, q="a_1"))["items"]] == [
        "anna_100"
    ]
    pending = await users(admin_client, headers, status="pending")
    assert [u["username"] for u in pending["items"]] == ["bob_pending"]
    moderators = await users(admin_client, headers, role="moderator")
    assert [u["username"] for u in moderators["items"]] == ["dave"]

    pages = [await users(admin_client, headers, limit=4, offset=o) for o in (0, 4, 8)]
    assert [p["total"] for p in pages] == [6, 6, 6]
    assert [u["username"] for p in pages for u in p["items"]] == names


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"status": "deleted"},
        {"role": "root"},
        {"q": ""},
        {"limit": "many"},
    ],
)
async def test_bad_list_parameters_are_400(
    admin_client: httpx.AsyncClient, admin: Admin, params: dict[str, Any]
) -> None:
    response = await admin_client.get("/api/admin/users", params=params, headers=admin[1])
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")


async def test_role_and_status_changes_are_stored_announced_and_end_sessions(
    admin_app: Litestar,
    admin_client: httpx.AsyncClient,
    admin: Admin,
    db: asyncpg.Connection,
    make_account: Callable[..., Any],
) -> None:
    root, headers = admin
    recorder = Recorder(admin_app.state.bus, "admin.user_updated")
    ann = await make_account("ann")
    ann_headers = bearer(await login(admin_client, ann))

    response = await admin_client.patch(
        f"/api/admin/users/{ann.id}", json={"role": "moderator"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["status"]) == ("moderator", "active")
    assert await db.fetchval("SELECT role FROM users WHERE id = $1", ann.id) == "moderator"
    event = await recorder.next()
    assert event.payload == {
        "user_id": ann.id,
        "changes": {"role": {"from": "user", "to": "moderator"}},
        "by": root.id,
        "action": "update",
        "sessions_revoked": 1,
    }
    # Her token named the old role: it is revoked, and a new login carries the new role.
    stale = await admin_client.get("/api/auth/me", headers=ann_headers)
    assert (stale.status_code, error_code(stale)) == (401, "AUTH_TOKEN_REVOKED")
    ann_headers = bearer(await login(admin_client, ann))
    assert (await admin_client.get("/api/auth/me", headers=ann_headers)).status_code == 200

    response = await admin_client.patch(
        f"/api/admin/users/{ann.id}", json={"status": "suspended"}, headers=headers
    )
    assert response.json()["status"] == "suspended"
    event = await recorder.next()
    assert event.payload["changes"] == {"status": {"from": "active", "to": "suspended"}}
    assert event.payload["sessions_revoked"] == 1
    # Suspended for real: the live token is refused and the account can no longer log in.
    refused = await admin_client.get("/api/auth/me", headers=ann_headers)
    assert (refused.status_code, error_code(refused)) == (401, "AUTH_TOKEN_REVOKED")
    refused = await admin_client.post(
        "/api/auth/login", json={"email": ann.email, "password": ann.password}
    )
    assert (refused.status_code, error_code(refused)) == (403, "AUTH_ACCOUNT_SUSPENDED")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "ADMIN_NOTHING_TO_CHANGE"),
        ({"role": "superuser"}, 400, "VALIDATION_ERROR"),
        ({"status": "gone"}, 400, "VALIDATION_ERROR"),
        ({"role": "user", "email": "x@example.org"}, 400, "VALIDATION_ERROR"),
    ],
)
async def test_bad_changes_are_refused(
    admin_client: httpx.AsyncClient,
    admin: Admin,
    make_account: Callable[..., Any],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    ann = await make_account("ann")
    response = await admin_client.patch(f"/api/admin/users/{ann.id}", json=body, headers=admin[1])
    assert (response.status_code, error_code(response)) == (status, code)


@pytest.mark.parametrize(
    "path",
    ["/api/admin/users/999999", "/api/admin/users/999999/approve"],
)
async def test_unknown_users_are_404(
    admin_client: httpx.AsyncClient, admin: Admin, path: str
) -> None:
    method = "POST" if path.endswith("approve") else "PATCH"
    response = await admin_client.request(method, path, json={"role": "user"}, headers=admin[1])
    assert (response.status_code, error_code(response)) == (404, "ADMIN_USER_NOT_FOUND")


@pytest.mark.parametrize("user_id", ["0", "-3", str(2**63), "abc"])
async def test_impossible_ids_are_4xx_not_5xx(
    admin_client: httpx.AsyncClient, admin: Admin, user_id: str
) -> None:
    response = await admin_client.patch(
        f"/api/admin/users/{user_id}", json={"role": "user"}, headers=admin[1]
    )
    assert response.status_code in (400, 404)
    error_code(response)


@pytest.mark.parametrize(
    "body",
    [{"role": "user"}, {"role": "moderator"}, {"status": "suspended"}, {"status": "pending"}],
)
async def test_an_admin_cannot_demote_or_suspend_themself(
    admin_client: httpx.AsyncClient, admin: Admin, db: asyncpg.Connection, body: dict[str, Any]
) -> None:
    root, headers = admin
    response = await admin_client.patch(f"/api/admin/users/{root.id}", json=body, headers=headers)
    assert (response.status_code, error_code(response)) == (409, "ADMIN_SELF_LOCKOUT")
    row = await db.fetchrow("SELECT role, status FROM users WHERE id = $1", root.id)
    assert row is not None and tuple(row) == ("admin", "active")


async def test_an_admin_may_restate_their_own_role(
    admin_client: httpx.AsyncClient, admin: Admin
) -> None:
    root, headers = admin
    response = await admin_client.patch(
        f"/api/admin/users/{root.id}", json={"role": "admin", "status": "active"}, headers=headers
    )
    assert response.status_code == 200


async def test_approving_a_pending_account_lets_it_log_in(
    admin_app: Litestar,
    admin_client: httpx.AsyncClient,
    admin: Admin,
    make_account: Callable[..., Any],
) -> None:
    recorder = Recorder(admin_app.state.bus, "admin.user_updated")
    bob = await make_account("bob", status="pending")
    credentials = {"email": bob.email, "password": bob.password}
    refused = await admin_client.post("/api/auth/login", json=credentials)
    assert (refused.status_code, error_code(refused)) == (403, "AUTH_ACCOUNT_PENDING")

    response = await admin_client.post(f"/api/admin/users/{bob.id}/approve", headers=admin[1])
    assert (response.status_code, response.json()["status"]) == (200, "active")
    assert (await recorder.next()).payload["action"] == "approve"
    assert (await admin_client.post("/api/auth/login", json=credentials)).status_code == 200

    again = await admin_client.post(f"/api/admin/users/{bob.id}/approve", headers=admin[1])
    assert (again.status_code, error_code(again)) == (409, "ADMIN_USER_NOT_PENDING")
    assert again.json()["error"]["details"]["status"] == "active"


@pytest.mark.parametrize(
    ("column", "value", "body"),
    [
        ("role", "moderator", {"role": "moderator"}),
        ("status", "suspended", {"status": "suspended"}),
    ],
)
async def test_repeating_a_change_whose_revocation_failed_ends_the_sessions(
    column: str,
    value: str,
    body: dict[str, str],
    admin_client: httpx.AsyncClient,
    admin: Admin,
    db: asyncpg.Connection,
    make_account: Callable[..., Any],
) -> None:
    """The change was committed but its revocation never happened (it runs after the
    commit and failed): the admin's retry finds "no change" and must still end them."""
    ann = await make_account("ann")
    ann_headers = bearer(await login(admin_client, ann))
    await db.execute(f"UPDATE users SET {column} = $2 WHERE id = $1", ann.id, value)

    retried = await admin_client.patch(f"/api/admin/users/{ann.id}", json=body, headers=admin[1])
    assert retried.status_code == 200, retried.text
    stale = await admin_client.get("/api/auth/me", headers=ann_headers)
    assert (stale.status_code, error_code(stale)) == (401, "AUTH_TOKEN_REVOKED")


async def test_restating_an_admins_own_role_keeps_their_session(
    admin_client: httpx.AsyncClient, admin: Admin
) -> None:
    root, headers = admin
    response = await admin_client.patch(
        f"/api/admin/users/{root.id}", json={"role": "admin"}, headers=headers
    )
    assert response.status_code == 200
    assert (await admin_client.get("/api/auth/me", headers=headers)).status_code == 200
