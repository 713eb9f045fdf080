"""Browser sessions: the refresh token lives in an HttpOnly cookie, never in a body."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import httpx

from tests.control.conftest import Account, bearer, error_code, login

REFRESH = "/api/auth/refresh"


async def cookie_login(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    response = await client.post(
        "/api/auth/login",
        json={"email": account.email, "password": account.password, "refresh_cookie": True},
    )
    assert response.status_code == 200, response.text
    return response


def set_cookie(response: httpx.Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


async def test_a_cookie_login_keeps_the_refresh_token_out_of_the_body(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    response = await cookie_login(client, await make_account("ann"))
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "refresh_token_in"}
    assert body["refresh_token_in"] == "cookie"
    morsel = set_cookie(response)["wsoptv_refresh"]
    assert len(morsel.value) >= 32
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "strict"
    assert morsel["path"] == REFRESH
    assert int(morsel["max-age"]) == 7 * 24 * 3600
    assert not morsel["secure"]  # plain HTTP here; over TLS the cookie is Secure
    me = await client.get("/api/auth/me", headers=bearer(body))
    assert me.status_code == 200


async def test_the_cookie_is_secure_over_tls(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    account = await make_account("ann")
    response = await client.post(
        "https://control/api/auth/login",
        json={"email": account.email, "password": account.password, "refresh_cookie": True},
    )
    assert set_cookie(response)["wsoptv_refresh"]["secure"] is True


async def test_refresh_from_the_cookie_rotates_it(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    first = set_cookie(await cookie_login(client, await make_account("ann")))["wsoptv_refresh"]
    client.cookies.clear()
    cookie = {"Cookie": f"wsoptv_refresh={first.value}"}
    refreshed = await client.post(REFRESH, json={}, headers=cookie)
    assert refreshed.status_code == 200, refreshed.text
    assert "refresh_token" not in refreshed.json()
    second = set_cookie(refreshed)["wsoptv_refresh"]
    assert second.value and second.value != first.value
    assert (await client.get("/api/auth/me", headers=bearer(refreshed.json()))).status_code == 200
    # The spent cookie is reuse: the family is revoked and the cookie cleared.
    reused = await client.post(REFRESH, json={}, headers=cookie)
    assert (reused.status_code, error_code(reused)) == (401, "AUTH_REFRESH_REUSED")
    assert set_cookie(reused)["wsoptv_refresh"].value == ""
    assert int(set_cookie(reused)["wsoptv_refresh"]["max-age"]) == 0


async def test_refresh_without_token_or_cookie_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(REFRESH, json={})
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
    forged = await client.post(REFRESH, json={}, headers={"Cookie": "wsoptv_refresh=" + "x" * 43})
    assert (forged.status_code, error_code(forged)) == (401, "AUTH_REFRESH_INVALID")


async def test_body_clients_keep_the_token_in_the_body(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    tokens = await login(client, await make_account("ann"))
    refreshed = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert "wsoptv_refresh" not in set_cookie(refreshed)


async def test_logout_clears_the_cookie_and_revokes_it(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    response = await cookie_login(client, await make_account("ann"))
    token = set_cookie(response)["wsoptv_refresh"].value
    client.cookies.clear()
    out = await client.post("/api/auth/logout", headers=bearer(response.json()))
    assert out.status_code == 204
    gone = set_cookie(out)["wsoptv_refresh"]
    assert gone.value == "" and int(gone["max-age"]) == 0 and gone["path"] == REFRESH
    again = await client.post(REFRESH, json={}, headers={"Cookie": f"wsoptv_refresh={token}"})
    assert (again.status_code, error_code(again)) == (401, "AUTH_REFRESH_REVOKED")


async def test_a_cross_site_form_cannot_refresh(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    """A form or text/plain post (no CORS preflight) never reaches the cookie."""
    token = set_cookie(await cookie_login(client, await make_account("ann")))["wsoptv_refresh"]
    client.cookies.clear()
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = await client.post(
            REFRESH,
            content=b"{}",
            headers={"Content-Type": content_type, "Cookie": f"wsoptv_refresh={token.value}"},
        )
        assert (response.status_code, error_code(response)) == (415, "UNSUPPORTED_MEDIA_TYPE")
    bodiless = await client.post(REFRESH, headers={"Cookie": f"wsoptv_refresh={token.value}"})
    assert bodiless.status_code == 400
