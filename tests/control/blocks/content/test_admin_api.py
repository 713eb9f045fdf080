"""Admin writes: role checks, create/update/delete with events and L1 invalidation, hands."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from control.blocks.content.library import import_library
from control.blocks.title_generator import ParserTitleGenerator
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
        ("GET", "/api/admin/library/scan/1", None),
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
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
) -> None:
    (nas_root / "elsewhere").mkdir()
    (nas_root / "elsewhere/clip.mp4").write_bytes(b"not really a video")
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


async def test_a_created_entry_whose_file_is_not_on_the_nas_is_missing(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
) -> None:
    """Not playable, so not listed for subscribers, until a scan finds the file."""
    created = await create(client, admin_headers, file_path="later/clip.mp4", title="Later")
    assert created["available"] is False
    listed = await client.get("/api/contents", headers=user_headers)
    assert listed.json()["items"] == []
    missing = await client.get(
        "/api/admin/contents", params={"availability": "missing"}, headers=admin_headers
    )
    assert [i["id"] for i in missing.json()["items"]] == [created["id"]]
    write_demo_file(nas_root, CLIP)
    present = await create(client, admin_headers, file_path=CLIP.relative_path)
    assert present["available"] is True


OUT_OF_RANGE = (
    {"file_size": 2**63},
    {"file_size": 2**64 - 1},
    {"series_id": 2**63},
    {"series_id": 2**64 - 1},
    {"duration_seconds": 1e308},
    {"duration_seconds": 1e10},
)


async def test_numbers_past_the_column_ranges_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """bigint ids and sizes, a duration past a year: 400, never a database error."""
    content = await create(client, admin_headers, file_path="x/range.mp4", title="Range")
    for extra in OUT_OF_RANGE:
        posted = await client.post(
            "/api/admin/contents", json={"file_path": "x/new.mp4", **extra}, headers=admin_headers
        )
        assert (posted.status_code, error_code(posted)) == (400, "VALIDATION_ERROR"), extra
        patched = await client.patch(
            f"/api/admin/contents/{content['id']}", json=extra, headers=admin_headers
        )
        assert (patched.status_code, error_code(patched)) == (400, "VALIDATION_ERROR"), extra
    largest = await client.patch(
        f"/api/admin/contents/{content['id']}",
        json={"file_size": 2**63 - 1, "duration_seconds": 86_400.0},
        headers=admin_headers,
    )
    assert largest.status_code == 200, largest.text


async def test_metadata_edits_survive_a_rescan(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
) -> None:
    write_demo_file(nas_root, CLIP)
    await import_library(db, nas_root, ParserTitleGenerator().generate)
    content_id = await db.fetchval("SELECT id FROM contents")
    edit = {"event_name": "EDITOR NAME", "extra_tags": ["editor"]}
    patched = await client.patch(
        f"/api/admin/contents/{content_id}", json={"metadata": edit}, headers=admin_headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title_source"] == "manual"
    # The rescan re-titles the (touched) file: the generator still reads its name.
    os.utime(nas_root / CLIP.relative_path, (1, 1))
    report = await import_library(db, nas_root, ParserTitleGenerator().generate)
    assert report.unchanged + len(report.updated_ids) == 1
    after = (await client.get(f"/api/contents/{content_id}", headers=user_headers)).json()
    assert {k: after["metadata"][k] for k in edit} == edit


async def test_a_deleted_entry_stays_out_of_later_scans(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    admin_headers: dict[str, str],
    nas_root: Path,
) -> None:
    """The file stays on the NAS; only an admin's POST of the same path brings it back."""
    write_demo_file(nas_root, CLIP)
    titles = ParserTitleGenerator().generate
    await import_library(db, nas_root, titles)
    content_id = await db.fetchval("SELECT id FROM contents")
    deleted = await client.delete(f"/api/admin/contents/{content_id}", headers=admin_headers)
    assert deleted.status_code == 204
    report = await import_library(db, nas_root, titles)
    assert (report.found, report.added) == (0, 0)
    assert await db.fetchval("SELECT count(*) FROM contents") == 0
    again = await create(client, admin_headers, file_path=CLIP.relative_path)
    assert again["available"] is True
    await client.delete(f"/api/admin/contents/{again['id']}", headers=admin_headers)
    await create(client, admin_headers, file_path=CLIP.relative_path)
    report = await import_library(db, nas_root, titles)
    assert (report.found, report.added) == (1, 0)
    assert await db.fetchval("SELECT count(*) FROM contents") == 1
