"""Admin writes: role checks, create/update/delete with events and L1 invalidation, hands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from control.orchestration.bus import Event
from deploy.demo import DemoFile, write_demo_file
from tests.control.conftest import error_code

CLIP = DemoFile("ARCHIVE/WSOP/2024/WSOP 2024 Main Event Day 8 (Part 1).mp4", 3, 320, 180, 200_000)


class Events:
    """Everything the app's bus delivers on content.*, awaitable one by one."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue()

    async def __call__(self, event: Event) -> None:
        await self.queue.put(event)

    async def next(self) -> Event:
        return await asyncio.wait_for(self.queue.get(), 10)


@pytest.fixture
async def events(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[Events]:
    inbox = Events()
    subscription = app.state.bus.subscribe("content.*", inbox)
    yield inbox
    app.state.bus.unsubscribe(subscription)


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    response = await client.post("/api/admin/contents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_writes_need_the_admin_role(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/api/admin/contents", {"file_path": "a.mp4", "title": "A"}),
        ("PATCH", "/api/admin/contents/1", {"title": "B"}),
        ("DELETE", "/api/admin/contents/1", None),
        ("PUT", "/api/admin/contents/1/hands", {"hands": []}),
        ("POST", "/api/admin/library/scan", None),
        ("GET", "/api/admin/library/scan/abc", None),
    ]
    for method, path, body in calls:
        anonymous = await client.request(method, path, json=body)
        assert (anonymous.status_code, error_code(anonymous)) == (401, "AUTH_REQUIRED"), path
        user = await client.request(method, path, json=body, headers=user_headers)
        assert (user.status_code, error_code(user)) == (403, "AUTH_FORBIDDEN"), path


async def test_create_names_and_probes_a_nas_file(
    client: httpx.AsyncClient, admin_headers: dict[str, str], nas_root: Path, events: Events
) -> None:
    write_demo_file(nas_root, CLIP)
    created = await create(client, admin_headers, file_path=CLIP.relative_path)
    assert created["title"] == "WSOP 2024 Main Event \u2013 Day 8 (Part 1)"
    assert (created["title_source"], created["event_type"], created["year"]) == (
        "generated",
        "main_event",
        2024,
    )
    assert created["duration_seconds"] == pytest.approx(3.0, abs=0.1)
    assert created["quality"] == "sd" and created["file_size"] > 0
    event = await events.next()
    assert (event.type, event.source, event.payload) == (
        "content.created",
        "content",
        {"content_id": created["id"]},
    )
    again = await client.post(
        "/api/admin/contents", json={"file_path": CLIP.relative_path}, headers=admin_headers
    )
    assert (again.status_code, error_code(again)) == (409, "CONTENT_PATH_TAKEN")


async def test_create_with_an_editor_title(
    client: httpx.AsyncClient, admin_headers: dict[str, str], user_headers: dict[str, str]
) -> None:
    created = await create(
        client,
        admin_headers,
        file_path="elsewhere/clip.mp4",
        title="A hand to remember",
        event_type="hand_clip",
        year=2019,
        metadata={"players": ["x"]},
    )
    assert (created["title_source"], created["duration_seconds"]) == ("manual", None)
    listed = await client.get(
        "/api/contents", params={"event_type": "hand_clip"}, headers=user_headers
    )
    assert [i["id"] for i in listed.json()["items"]] == [created["id"]]


BAD_BODIES = (
    ({"file_path": "../etc/passwd.mp4"}, 422, "CONTENT_INVALID"),
    ({"file_path": "/abs/file.mp4"}, 422, "CONTENT_INVALID"),
    ({"file_path": "a/.hidden/file.mp4"}, 422, "CONTENT_INVALID"),
    ({"file_path": "a\\b.mp4"}, 422, "CONTENT_INVALID"),
    ({"file_path": "a//b.mp4"}, 422, "CONTENT_INVALID"),
    ({"file_path": "a.mp4", "series_id": 4242}, 422, "CONTENT_INVALID"),
    ({"file_path": "a.mp4", "thumbnail_path": "../../etc/shadow"}, 422, "CONTENT_INVALID"),
    ({"file_path": "a.mp4", "year": 1800}, 400, "VALIDATION_ERROR"),
    ({"file_path": "a.mp4", "event_type": "poker"}, 400, "VALIDATION_ERROR"),
    ({"file_path": "a.mp4", "colour": "red"}, 400, "VALIDATION_ERROR"),
    ({"title": "no path"}, 400, "VALIDATION_ERROR"),
)


async def test_bad_bodies_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for body, status, code in BAD_BODIES:
        response = await client.post("/api/admin/contents", json=body, headers=admin_headers)
        assert (response.status_code, error_code(response)) == (status, code), body


async def test_update_invalidates_the_cached_entry_and_announces_it(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    events: Events,
) -> None:
    content = await create(client, admin_headers, file_path="x/day1.mp4", title="Day 1")
    await events.next()
    path = f"/api/contents/{content['id']}"
    assert (await client.get(path, headers=user_headers)).json()["title"] == "Day 1"
    # Changed behind the API's back: readers keep the cached entry (10 minutes)...
    await db.execute("UPDATE contents SET title = 'sneaky' WHERE id = $1", content["id"])
    assert (await client.get(path, headers=user_headers)).json()["title"] == "Day 1"
    # ...until a write through the API drops it.
    patched = await client.patch(
        f"/api/admin/contents/{content['id']}",
        json={"title": "Day 1 (edited)", "quality": None},
        headers=admin_headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title_source"] == "manual"
    event = await events.next()
    assert (event.type, event.payload) == ("content.updated", {"content_id": content["id"]})
    assert (await client.get(path, headers=user_headers)).json()["title"] == "Day 1 (edited)"


async def test_update_errors(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    first = await create(client, admin_headers, file_path="x/a.mp4", title="A")
    await create(client, admin_headers, file_path="x/b.mp4", title="B")
    url = f"/api/admin/contents/{first['id']}"
    cases = [
        (url, {"file_path": "x/b.mp4"}, 409, "CONTENT_PATH_TAKEN"),
        (url, {"file_path": "../b.mp4"}, 422, "CONTENT_INVALID"),
        (url, {"thumbnail_path": "/etc/x.jpg"}, 422, "CONTENT_INVALID"),
        (url, {"series_id": 4242}, 422, "CONTENT_INVALID"),
        (url, {"title": None}, 400, "VALIDATION_ERROR"),
        (url, {"title": ""}, 400, "VALIDATION_ERROR"),
        (url, {"id": 5}, 400, "VALIDATION_ERROR"),
        ("/api/admin/contents/999999", {"title": "C"}, 404, "CONTENT_NOT_FOUND"),
    ]
    for target, body, status, code in cases:
        response = await client.patch(target, json=body, headers=admin_headers)
        assert (response.status_code, error_code(response)) == (status, code), body


async def test_delete(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    events: Events,
) -> None:
    content = await create(client, admin_headers, file_path="x/gone.mp4", title="Gone")
    await events.next()
    assert (await client.get(f"/api/contents/{content['id']}", headers=user_headers)).is_success
    deleted = await client.delete(f"/api/admin/contents/{content['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    event = await events.next()
    assert (event.type, event.payload) == ("content.deleted", {"content_id": content["id"]})
    after = await client.get(f"/api/contents/{content['id']}", headers=user_headers)
    assert (after.status_code, error_code(after)) == (404, "CONTENT_NOT_FOUND")
    twice = await client.delete(f"/api/admin/contents/{content['id']}", headers=admin_headers)
    assert (twice.status_code, error_code(twice)) == (404, "CONTENT_NOT_FOUND")


def hand(index: int, start: float, end: float, **extra: Any) -> dict[str, Any]:
    return {"hand_index": index, "start_seconds": start, "end_seconds": end, **extra}


async def test_hands_are_replaced_in_bulk(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    events: Events,
) -> None:
    content = await create(
        client, admin_headers, file_path="x/ft.mp4", title="FT", duration_seconds=600
    )
    await events.next()
    url = f"/api/admin/contents/{content['id']}/hands"
    body = {
        "hands": [
            hand(2, 100, 160, title="river", players=["a", "b"], pot_size=5e5),
            hand(1, 10, 40, category="bluff"),
        ]
    }
    saved = await client.put(url, json=body, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    assert [h["hand_index"] for h in saved.json()] == [1, 2]
    assert (await events.next()).type == "content.updated"
    replaced = await client.put(url, json={"hands": [hand(7, 1, 2)]}, headers=admin_headers)
    assert [h["hand_index"] for h in replaced.json()] == [7]
    public = await client.get(f"/api/contents/{content['id']}/hands", headers=user_headers)
    assert [h["hand_index"] for h in public.json()] == [7]
    cleared = await client.put(url, json={"hands": []}, headers=admin_headers)
    assert cleared.json() == []


BAD_HANDS = (
    ([hand(1, 50, 50)], ["end_not_after_start"]),
    ([hand(1, 60, 50)], ["end_not_after_start"]),
    ([hand(1, 0, 5), hand(1, 10, 20)], ["duplicate_hand_index"]),
    ([hand(1, 0, 700)], ["after_end_of_video"]),
    ([hand(i, i, i + 0.5) for i in range(501)], ["too_many"]),
)


async def test_bad_hands_are_refused_whole(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    content = await create(
        client, admin_headers, file_path="x/ft.mp4", title="FT", duration_seconds=600
    )
    url = f"/api/admin/contents/{content['id']}/hands"
    await client.put(url, json={"hands": [hand(9, 1, 2)]}, headers=admin_headers)
    for hands, rules in BAD_HANDS:
        response = await client.put(url, json={"hands": hands}, headers=admin_headers)
        assert (response.status_code, error_code(response)) == (422, "HANDS_INVALID"), rules
        assert [p["rule"] for p in response.json()["error"]["details"]["problems"]] == rules
    kept = await client.get(f"/api/contents/{content['id']}/hands", headers=admin_headers)
    assert [h["hand_index"] for h in kept.json()] == [9]  # a refused list changes nothing


async def test_hands_of_an_unknown_content_or_malformed(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    missing = await client.put(
        "/api/admin/contents/999999/hands", json={"hands": []}, headers=admin_headers
    )
    assert (missing.status_code, error_code(missing)) == (404, "CONTENT_NOT_FOUND")
    content = await create(client, admin_headers, file_path="x/y.mp4", title="Y")
    for body in (
        {"hands": [{"hand_index": -1, "start_seconds": 0, "end_seconds": 1}]},
        {"hands": [{"start_seconds": 0, "end_seconds": 1}]},
        {},
    ):
        response = await client.put(
            f"/api/admin/contents/{content['id']}/hands", json=body, headers=admin_headers
        )
        assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
