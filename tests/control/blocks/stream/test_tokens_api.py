"""POST /api/stream/{content_id}/token and POST /api/stream/{sid}/renew."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from litestar import Litestar

from control.app import create_app
from control.orchestration.bus import Event
from control.settings import ControlSettings
from deploy.infra import Endpoints
from shared.token import StreamClaims, TokenIpMismatch, verify_stream_token
from tests.control.blocks.stream.conftest import next_event, stream_settings
from tests.control.conftest import bearer, error_code, login, running

FILE = "ARCHIVE/WSOP/2025 WSOP-LAS VEGAS/WSOP 2025 Main Event _ Day 1A.mp4"


def claims_of(settings: ControlSettings, body: dict[str, Any]) -> StreamClaims:
    return verify_stream_token(settings.key_ring(), body["token"])


async def test_token_claims_url_and_event(
    client: httpx.AsyncClient,
    settings: ControlSettings,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
    stream_events: asyncio.Queue[Event],
) -> None:
    headers, account = await auth_headers("ann")
    content_id = await make_content(FILE)
    before = int(time.time())
    response = await client.post(f"/api/stream/{content_id}/token", headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"url", "token", "sid", "expires_at"}
    # verify_stream_token checks typ "stream", aud "wsoptv-edge", the signature and exp.
    claims = claims_of(settings, body)
    assert claims.sub == str(account.id)
    assert claims.cid == str(content_id)
    assert claims.sid == body["sid"] and uuid.UUID(body["sid"]).version == 4
    assert claims.p == FILE
    assert claims.ip is None
    assert before <= claims.iat <= int(time.time())
    assert claims.exp == claims.iat + settings.stream_token_ttl
    assert datetime.fromisoformat(body["expires_at"]).timestamp() == claims.exp
    assert body["url"] == (
        f"https://edge.example:8443/v/{body['token']}/WSOP%202025%20Main%20Event%20_%20Day%201A.mp4"
    )
    event = await next_event(stream_events)
    assert (event.type, event.payload) == (
        "stream.token_issued",
        {"user_id": account.id, "content_id": content_id, "sid": body["sid"], "renewed": False},
    )


@pytest.mark.parametrize(
    ("basename", "encoded"),
    [
        ("Event #19 $500 COLOSSUS.mp4", "Event%20%2319%20%24500%20COLOSSUS.mp4"),
        ("a?b&c=d;e+f.mp4", "a%3Fb%26c%3Dd%3Be%2Bf.mp4"),
        ("100% [final]   (Part 2).mov", "100%25%20%5Bfinal%5D%20%20%20%28Part%202%29.mov"),
        ("E02_GOG_최종.mp4", "E02_GOG_%EC%B5%9C%EC%A2%85.mp4"),
        ("€1M – Day 1A 🂡.mp4", "%E2%82%AC1M%20%E2%80%93%20Day%201A%20%F0%9F%82%A1.mp4"),  # noqa: RUF001
    ],
)
async def test_url_basename_is_one_encoded_segment(
    client: httpx.AsyncClient,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
    basename: str,
    encoded: str,
) -> None:
    headers, _ = await auth_headers("ann")
    content_id = await make_content(f"ARCHIVE/odd #1/{basename}")
    body = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    url = urlsplit(body["url"])
    # No fragment or query split off, and the path is exactly /v/{token}/{basename}.
    assert (url.query, url.fragment) == ("", "")
    assert url.path == f"/v/{body['token']}/{encoded}"
    assert unquote(url.path.rpartition("/")[2]) == basename


async def test_renew_keeps_the_sid_and_refreshes_the_token(
    client: httpx.AsyncClient,
    redis: Any,
    settings: ControlSettings,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
    stream_events: asyncio.Queue[Event],
) -> None:
    headers, account = await auth_headers("ann")
    content_id = await make_content(FILE)
    first = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    await next_event(stream_events)
    # The sid stays claimable for the token's lifetime plus one idle lease, renewal or not.
    owner_key = f"{{wsoptv:streams}}:owner:{first['sid']}"
    lifetime = settings.stream_token_ttl + settings.stream_idle_ttl
    await redis.expire(owner_key, 5)
    response = await client.post(f"/api/stream/{first['sid']}/renew", headers=headers)
    assert lifetime - 5 <= await redis.ttl(owner_key) <= lifetime
    assert response.status_code == 200, response.text
    renewed = response.json()
    assert renewed["sid"] == first["sid"]
    assert renewed["url"].endswith(first["url"].rpartition("/")[2])
    claims = claims_of(settings, renewed)
    assert (claims.sub, claims.cid, claims.sid, claims.p) == (
        str(account.id),
        str(content_id),
        first["sid"],
        FILE,
    )
    event = await next_event(stream_events)
    assert event.payload == {
        "user_id": account.id,
        "content_id": content_id,
        "sid": first["sid"],
        "renewed": True,
    }


async def test_renew_is_refused_for_another_user_and_unknown_sids(
    client: httpx.AsyncClient, auth_headers: Callable[..., Any], make_content: Callable[..., Any]
) -> None:
    ann, _ = await auth_headers("ann")
    bob, _ = await auth_headers("bob")
    content_id = await make_content(FILE)
    sid = (await client.post(f"/api/stream/{content_id}/token", headers=ann)).json()["sid"]
    stolen = await client.post(f"/api/stream/{sid}/renew", headers=bob)
    assert stolen.status_code == 404 and error_code(stolen) == "STREAM_NOT_FOUND"
    unknown = await client.post(f"/api/stream/{uuid.uuid4()}/renew", headers=ann)
    assert unknown.status_code == 404 and error_code(unknown) == "STREAM_NOT_FOUND"
    malformed = await client.post("/api/stream/not-a-uuid/renew", headers=ann)
    assert 400 <= malformed.status_code < 500
    error_code(malformed)
    assert (await client.post(f"/api/stream/{sid}/renew", headers=ann)).status_code == 200


async def test_renew_of_a_deleted_content_is_content_not_found(
    client: httpx.AsyncClient,
    db: Any,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
) -> None:
    headers, _ = await auth_headers("ann")
    content_id = await make_content(FILE)
    sid = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()["sid"]
    await db.execute("DELETE FROM contents WHERE id = $1", content_id)
    response = await client.post(f"/api/stream/{sid}/renew", headers=headers)
    assert response.status_code == 404 and error_code(response) == "CONTENT_NOT_FOUND"


async def test_token_for_unknown_or_malformed_content(
    client: httpx.AsyncClient, auth_headers: Callable[..., Any]
) -> None:
    headers, _ = await auth_headers("ann")
    for content_id in ("999999", str(2**63 - 1)):
        response = await client.post(f"/api/stream/{content_id}/token", headers=headers)
        assert response.status_code == 404 and error_code(response) == "CONTENT_NOT_FOUND"
    # Not a content id at all (beyond bigint, zero, negative, text): a client error.
    for content_id in (str(2**63), "0", "-3", "abc", "1.5"):
        response = await client.post(f"/api/stream/{content_id}/token", headers=headers)
        assert 400 <= response.status_code < 500, (content_id, response.text)
        error_code(response)


async def test_token_needs_authentication(
    client: httpx.AsyncClient, make_content: Callable[..., Any]
) -> None:
    content_id = await make_content(FILE)
    response = await client.post(f"/api/stream/{content_id}/token")
    assert response.status_code == 401 and error_code(response) == "AUTH_REQUIRED"


@pytest.mark.parametrize(
    ("client_ip", "network"),
    [("203.0.113.77", "203.0.113.0/24"), ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")],
)
async def test_ip_binding_by_configuration(
    infra: Endpoints,
    database_url: str,
    redis: Any,
    make_account: Callable[..., Any],
    make_content: Callable[..., Any],
    client_ip: str,
    network: str,
) -> None:
    settings = stream_settings(infra, database_url, stream_bind_ip=True)
    app: Litestar = create_app(settings)
    content_id = await make_content(FILE)
    async with running(app, client_ip=client_ip) as http:
        headers = bearer(await login(http, await make_account("ann")))
        body = (await http.post(f"/api/stream/{content_id}/token", headers=headers)).json()
        sid = body["sid"]
        renewed = (await http.post(f"/api/stream/{sid}/renew", headers=headers)).json()
    ring = settings.key_ring()
    assert verify_stream_token(ring, body["token"], client_ip=client_ip).ip == network
    assert verify_stream_token(ring, renewed["token"], client_ip=client_ip).ip == network
    with pytest.raises(TokenIpMismatch):
        verify_stream_token(ring, body["token"], client_ip="198.51.100.1")
