"""GET/DELETE /api/stream/sessions against real leases held by a real edge process."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from control.orchestration.bus import Event
from control.settings import ControlSettings
from deploy.demo import DemoFile, write_demo_file
from deploy.infra import Endpoints
from tests.control.blocks.stream.conftest import STREAM_KEYS, next_event, stream_settings
from tests.control.conftest import error_code
from tests.support import free_port, wsoptv_process

# '#', '$', spaces and parentheses: the URL the API builds must still reach the file.
CLIP = DemoFile("ARCHIVE/Demo/Event #19 $500 COLOSSUS _ Day 1 (Part 1).mp4", 2, 160, 96, 150_000)


@pytest.fixture(scope="module")
def nas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nas")
    write_demo_file(root, CLIP)
    return root


@dataclass(frozen=True)
class RunningEdge:
    url: str
    process_id: str  # how the limiter names the edge holding a lease


@pytest.fixture
def edge(
    nas: Path, tmp_path_factory: pytest.TempPathFactory, infra: Endpoints
) -> Iterator[RunningEdge]:
    """A real `wsoptv edge` sharing the app's Redis and key ring, one stream per user.

    One per test: every test's fresh database numbers its users from 1 again, and an edge
    kept across tests would renew (and so re-register after the flush) an earlier test's
    lease for user 1, which then counts against this test's user 1.
    """
    root = tmp_path_factory.mktemp("edge")
    (root / "ssd").mkdir()
    port = free_port()
    env = {
        "WSOPTV_DATA_DIR": str(root / "data"),
        "NAS_ROOT": str(nas),
        "SSD_CACHE_ROOT": str(root / "ssd"),
        "REDIS_URL": infra.redis_url,
        "STREAM_TOKEN_KEYS": STREAM_KEYS,
        "EDGE_PORT": str(port),
        "STREAM_LIMIT_PER_USER": "1",
        "LOG_LEVEL": "warning",
    }
    url = f"http://127.0.0.1:{port}"
    with wsoptv_process(["edge"], env, health_url=f"{url}/healthz", log=root / "edge.log") as proc:
        yield RunningEdge(url, f"{socket.gethostname()}:{proc.pid}")


@pytest.fixture
def settings(infra: Endpoints, database_url: str, edge: RunningEdge) -> ControlSettings:
    return stream_settings(infra, database_url, edge_public_url=edge.url, stream_limit_per_user=1)


async def play(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as player:
        return await player.get(url, headers={"Range": "bytes=0-1023"})


async def test_sessions_listed_and_ended_free_the_edge_slot(
    client: httpx.AsyncClient,
    nas: Path,
    edge: RunningEdge,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
) -> None:
    headers, _ = await auth_headers("ann")
    other, _ = await auth_headers("bob")
    content_id = await make_content(CLIP.relative_path, duration=2.0, title="Colossus Day 1")
    assert (await client.get("/api/stream/sessions", headers=headers)).json()["sessions"] == []

    before = datetime.now(UTC) - timedelta(seconds=1)
    first = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    played = await play(first["url"])
    assert played.status_code == 206, played.text
    assert played.content == (nas / CLIP.relative_path).read_bytes()[:1024]

    listed = await client.get("/api/stream/sessions", headers=headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["count"], body["limit"]) == (1, 1)
    (session,) = body["sessions"]
    assert (session["sid"], session["content_id"], session["title"]) == (
        first["sid"],
        content_id,
        "Colossus Day 1",
    )
    started = datetime.fromisoformat(session["started_at"])
    last_seen = datetime.fromisoformat(session["last_seen_at"])
    assert before <= started <= last_seen <= datetime.now(UTC) + timedelta(seconds=1)
    assert datetime.fromisoformat(session["expires_at"]) > datetime.now(UTC)
    assert session["edge"] == edge.process_id
    assert (await client.get("/api/stream/sessions", headers=other)).json()["sessions"] == []

    # One stream per user: a second session is refused by the edge while the first lives.
    second = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    refused = await play(second["url"])
    assert refused.status_code == 429
    assert refused.json()["error"]["details"]["sessions"] == [first["sid"]]

    # Only the owner can end it.
    foreign = await client.delete(f"/api/stream/sessions/{first['sid']}", headers=other)
    assert foreign.status_code == 404 and error_code(foreign) == "STREAM_NOT_FOUND"

    ended = await client.delete(f"/api/stream/sessions/{first['sid']}", headers=headers)
    assert ended.status_code == 204, ended.text
    assert (await client.get("/api/stream/sessions", headers=headers)).json()["sessions"] == []
    admitted = await play(second["url"])
    assert admitted.status_code == 206

    # The ended sid is gone for good: not listed, not renewable, not deletable twice.
    again = await client.delete(f"/api/stream/sessions/{first['sid']}", headers=headers)
    assert again.status_code == 404 and error_code(again) == "STREAM_NOT_FOUND"
    renew = await client.post(f"/api/stream/{first['sid']}/renew", headers=headers)
    assert renew.status_code == 404 and error_code(renew) == "STREAM_NOT_FOUND"
    listed_after = (await client.get("/api/stream/sessions", headers=headers)).json()
    assert [s["sid"] for s in listed_after["sessions"]] == [second["sid"]]


async def test_ending_a_session_that_never_played_spends_its_token(
    client: httpx.AsyncClient, auth_headers: Callable[..., Any], make_content: Callable[..., Any]
) -> None:
    headers, _ = await auth_headers("ann")
    content_id = await make_content(CLIP.relative_path, duration=2.0)
    issued = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    ended = await client.delete(f"/api/stream/sessions/{issued['sid']}", headers=headers)
    assert ended.status_code == 204
    refused = await play(issued["url"])
    assert refused.status_code == 410 and refused.json()["error"]["code"] == "STREAM_ENDED"
    # A fresh session still plays: ending one sid frees, never blocks, the account.
    fresh = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    assert (await play(fresh["url"])).status_code == 206


async def test_a_stream_ended_by_its_player_cannot_be_renewed(
    client: httpx.AsyncClient, auth_headers: Callable[..., Any], make_content: Callable[..., Any]
) -> None:
    headers, _ = await auth_headers("ann")
    content_id = await make_content(CLIP.relative_path, duration=2.0)
    issued = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    assert (await play(issued["url"])).status_code == 206
    async with httpx.AsyncClient() as player:
        # The player ends its stream at the edge (DELETE /v/{token}).
        assert (await player.delete(issued["url"])).status_code in (200, 204)
    renew = await client.post(f"/api/stream/{issued['sid']}/renew", headers=headers)
    assert renew.status_code == 404 and error_code(renew) == "STREAM_NOT_FOUND"
    assert (await client.get("/api/stream/sessions", headers=headers)).json()["sessions"] == []


async def next_of(events: asyncio.Queue[Event], kind: str) -> Event:
    """The next event of type `kind` (others, like stream.token_issued, are skipped)."""
    while (event := await next_event(events)).type != kind:
        pass
    return event


async def test_ending_a_session_while_its_player_starts_it_never_leaks_the_slot(
    client: httpx.AsyncClient, auth_headers: Callable[..., Any], make_content: Callable[..., Any]
) -> None:
    """DELETE racing the edge's first request: 204 always means the slot is free (limit 1)."""
    headers, _ = await auth_headers("ann")
    content_id = await make_content(CLIP.relative_path, duration=2.0)
    for _ in range(40):
        raced = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
        ended, played = await asyncio.gather(
            client.delete(f"/api/stream/sessions/{raced['sid']}", headers=headers),
            play(raced["url"]),
        )
        assert ended.status_code == 204, ended.text
        assert played.status_code in (206, 410), played.text
        listed = (await client.get("/api/stream/sessions", headers=headers)).json()
        assert listed["sessions"] == []
        fresh = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
        admitted = await play(fresh["url"])
        assert admitted.status_code == 206, admitted.text
        done = await client.delete(f"/api/stream/sessions/{fresh['sid']}", headers=headers)
        assert done.status_code == 204


async def test_stream_started_and_ended_reach_the_control_bus(
    client: httpx.AsyncClient,
    edge: RunningEdge,
    auth_headers: Callable[..., Any],
    make_content: Callable[..., Any],
    stream_events: asyncio.Queue[Event],
) -> None:
    headers, ann = await auth_headers("ann")
    content_id = await make_content(CLIP.relative_path, duration=2.0)

    first = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    assert (await play(first["url"])).status_code == 206
    started = await next_of(stream_events, "stream.started")
    assert (started.source, started.payload) == (
        "edge",
        {"user_id": ann.id, "content_id": content_id, "sid": first["sid"], "edge": edge.process_id},
    )
    ended = await client.delete(f"/api/stream/sessions/{first['sid']}", headers=headers)
    assert ended.status_code == 204
    by_control = await next_of(stream_events, "stream.ended")
    assert by_control.payload == {
        "user_id": ann.id,
        "content_id": content_id,
        "sid": first["sid"],
        "reason": "control",
    }

    second = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    assert (await play(second["url"])).status_code == 206
    assert (await next_of(stream_events, "stream.started")).payload["sid"] == second["sid"]
    async with httpx.AsyncClient() as player:
        assert (await player.delete(second["url"])).status_code == 204
    by_player = await next_of(stream_events, "stream.ended")
    assert (by_player.source, by_player.payload) == (
        "edge",
        {"user_id": ann.id, "content_id": content_id, "sid": second["sid"], "reason": "player"},
    )
    # Ending it again publishes nothing more: the next event is the next stream's start.
    async with httpx.AsyncClient() as player:
        assert (await player.delete(second["url"])).status_code == 204
    third = (await client.post(f"/api/stream/{content_id}/token", headers=headers)).json()
    assert (await play(third["url"])).status_code == 206
    while (event := await next_event(stream_events)).type != "stream.started":
        assert event.type == "stream.token_issued", event
    assert event.payload["sid"] == third["sid"]
