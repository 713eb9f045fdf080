"""Public catalog reads: authentication, filters, sorting, stable pages, error shapes."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.control.conftest import error_code


async def seed(db: asyncpg.Connection) -> dict[str, int]:
    """Eight contents in two series with known brands, years, types and qualities."""
    series = {
        name: await db.fetchval(
            "INSERT INTO series (slug, title, brand, year) VALUES ($1, $2, $3, $4) RETURNING id",
            name.lower().replace(" ", "-"),
            name,
            brand,
            year,
        )
        for name, brand, year in (
            ("WSOP 2024 Main Event", "WSOP", 2024),
            ("MPP 2025 Main Event", "MPP", 2025),
        )
    }
    ids = {}
    rows = [
        # title, series, brand, year, event_type, quality, created (minutes ago)
        ("Day 1A", "WSOP 2024 Main Event", "WSOP", 2024, "main_event", "1080p", 80),
        ("Day 1B", "WSOP 2024 Main Event", "WSOP", 2024, "main_event", "1080p", 70),
        ("Day 2", "WSOP 2024 Main Event", "WSOP", 2024, "main_event", "720p", 60),
        ("Hand 12", "WSOP 2024 Main Event", "WSOP", 2024, "hand_clip", "720p", 50),
        ("Final Day", "MPP 2025 Main Event", "MPP", 2025, "main_event", "1080p", 40),
        ("apex clip", None, "MPP", 2025, "highlight", None, 30),
        ("Show 3", None, "WSOP", 2004, "show", "sd", 20),
        # Same created_at as "Show 3": only the id decides their order.
        ("Show 4", None, "WSOP", 2004, "show", "sd", 20),
    ]
    for title, series_name, brand, year, kind, quality, minutes in rows:
        ids[title] = await db.fetchval(
            "INSERT INTO contents (title, file_path, series_id, brand, year, event_type, quality, "
            "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
            "timestamptz '2026-01-01 12:00Z' - make_interval(mins => $8)) RETURNING id",
            title,
            f"lib/{title}.mp4",
            series.get(series_name or ""),
            brand,
            year,
            kind,
            quality,
            minutes,
        )
    gone = await db.fetchval(
        "INSERT INTO contents (title, file_path, brand, year, missing_since) "
        "VALUES ('Gone', 'lib/gone.mp4', 'WSOP', 2024, now()) RETURNING id"
    )
    return {**ids, "Gone": gone, **{f"series:{k}": v for k, v in series.items()}}


async def titles(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = await client.get("/api/contents", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_catalog_reads_need_an_account(client: httpx.AsyncClient) -> None:
    for path in (
        "/api/contents",
        "/api/contents/1",
        "/api/contents/1/hands",
        "/api/series",
        "/api/series/1",
    ):
        response = await client.get(path)
        assert (response.status_code, error_code(response)) == (401, "AUTH_REQUIRED"), path


async def test_list_shape_and_default_order(
    client: httpx.AsyncClient, db: asyncpg.Connection, user_headers: dict[str, str]
) -> None:
    ids = await seed(db)
    response = await client.get("/api/contents", headers=user_headers)
    body = response.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (8, 20, 0)
    # Newest first; equal times fall back to the id, newest id first; missing files hidden.
    assert [i["title"] for i in body["items"]] == [
        "Show 4",
        "Show 3",
        "apex clip",
        "Final Day",
        "Hand 12",
        "Day 2",
        "Day 1B",
        "Day 1A",
    ]
    assert ids["Gone"] not in {i["id"] for i in body["items"]}
    item = body["items"][0]
    assert item["available"] is True and item["event_type"] == "show"


FILTERS: tuple[tuple[dict[str, Any], list[str]], ...] = (
    ({"brand": "MPP"}, ["apex clip", "Final Day"]),
    ({"year": 2004}, ["Show 4", "Show 3"]),
    ({"event_type": "hand_clip"}, ["Hand 12"]),
    ({"quality": "720p"}, ["Hand 12", "Day 2"]),
    (
        {"brand": "WSOP", "year": 2024, "event_type": "main_event", "quality": "1080p"},
        ["Day 1B", "Day 1A"],
    ),
    ({"brand": "Nobody"}, []),
)


async def test_filters(
    client: httpx.AsyncClient, db: asyncpg.Connection, user_headers: dict[str, str]
) -> None:
    await seed(db)
    for params, expected in FILTERS:
        response = await client.get("/api/contents", params=params, headers=user_headers)
        body = response.json()
        assert [i["title"] for i in body["items"]] == expected, params
        assert body["total"] == len(expected), params


async def test_series_filter(
    client: httpx.AsyncClient, db: asyncpg.Connection, user_headers: dict[str, str]
) -> None:
    ids = await seed(db)
    found = await titles(client, user_headers, series_id=ids["series:MPP 2025 Main Event"])
    assert found == ["Final Day"]


SORTS = (
    (
        "oldest",
        ["Day 1A", "Day 1B", "Day 2", "Hand 12", "Final Day", "apex clip", "Show 3", "Show 4"],
    ),
    (
        "title",
        ["apex clip", "Day 1A", "Day 1B", "Day 2", "Final Day", "Hand 12", "Show 3", "Show 4"],
    ),
    # Newest year first; within a year newest first; equal times by id, newest first.
    (
        "year",
        ["apex clip", "Final Day", "Hand 12", "Day 2", "Day 1B", "Day 1A", "Show 4", "Show 3"],
    ),
)


async def test_sorting(
    client: httpx.AsyncClient, db: asyncpg.Connection, user_headers: dict[str, str]
) -> None:
    await seed(db)
    for sort, expected in SORTS:
        assert await titles(client, user_headers, sort=sort) == expected, sort


async def test_pages_are_stable_and_complete(
    client: httpx.AsyncClient, db: asyncpg.Connection, user_headers: dict[str, str]
) -> None:
    await seed(db)
    for sort in ("newest", "oldest", "title", "year"):
        whole = await titles(client, user_headers, sort=sort, limit=100)
        paged = []
        for offset in range(0, 9, 3):
            paged += await titles(client, user_headers, sort=sort, limit=3, offset=offset)
        assert paged == whole and len(set(paged)) == 8, sort
    beyond = await client.get("/api/contents", params={"offset": 50}, headers=user_headers)
    assert beyond.json() | {"items": []} == {"items": [], "total": 8, "limit": 20, "offset": 50}


BAD_PARAMETERS: tuple[dict[str, Any], ...] = (
    {"limit": 0},
    {"limit": 101},
    {"limit": "ten"},
    {"offset": -1},
    {"sort": "random"},
    {"year": 1800},
    {"event_type": "poker"},
    {"series_id": 0},
    {"brand": ""},
)


async def test_bad_parameters_are_a_400_in_the_contract_shape(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    for params in BAD_PARAMETERS:
        response = await client.get("/api/contents", params=params, headers=user_headers)
        assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR"), params


async def test_one_content_and_unknown_ids(
    client: httpx.AsyncClient, db: asyncpg.Connection, user_headers: dict[str, str]
) -> None:
    ids = await seed(db)
    found = await client.get(f"/api/contents/{ids['Day 2']}", headers=user_headers)
    assert found.status_code == 200 and found.json()["title"] == "Day 2"
    gone = await client.get(f"/api/contents/{ids['Gone']}", headers=user_headers)
    assert gone.status_code == 200 and gone.json()["available"] is False
    for path in ("/api/contents/999999", "/api/contents/999999/hands"):
        missing = await client.get(path, headers=user_headers)
        assert (missing.status_code, error_code(missing)) == (404, "CONTENT_NOT_FOUND")
    for bad in ("/api/contents/0", "/api/contents/abc", "/api/contents/99999999999999999999"):
        response = await client.get(bad, headers=user_headers)
        assert response.status_code in (400, 404), bad
        error_code(response)


async def test_hands_of_a_content(
    client: httpx.AsyncClient, db: asyncpg.Connection, user_headers: dict[str, str]
) -> None:
    ids = await seed(db)
    await db.execute(
        "INSERT INTO best_hands (content_id, hand_index, start_seconds, end_seconds, title, "
        "players, pot_size) VALUES ($1, 2, 30, 40, 'river', '{a,b}', 1200.50), "
        "($1, 1, 5, 15, 'flop', '{}', NULL)",
        ids["Day 2"],
    )
    response = await client.get(f"/api/contents/{ids['Day 2']}/hands", headers=user_headers)
    hands = response.json()
    assert all(h.pop("content_id") == ids["Day 2"] and h.pop("id") > 0 for h in hands)
    assert hands == [
        {
            "hand_index": 1,
            "start_seconds": 5.0,
            "end_seconds": 15.0,
            "category": None,
            "title": "flop",
            "players": [],
            "pot_size": None,
        },
        {
            "hand_index": 2,
            "start_seconds": 30.0,
            "end_seconds": 40.0,
            "category": None,
            "title": "river",
            "players": ["a", "b"],
            "pot_size": 1200.5,
        },
    ]
    empty = await client.get(f"/api/contents/{ids['Day 1A']}/hands", headers=user_headers)
    assert empty.status_code == 200 and empty.json() == []


async def test_series_list_and_detail(
    client: httpx.AsyncClient, db: asyncpg.Connection, user_headers: dict[str, str]
) -> None:
    ids = await seed(db)
    listed = (await client.get("/api/series", headers=user_headers)).json()
    assert [(s["title"], s["content_count"]) for s in listed["items"]] == [
        ("MPP 2025 Main Event", 1),
        ("WSOP 2024 Main Event", 4),
    ]
    assert listed["total"] == 2
    only = await client.get("/api/series", params={"brand": "WSOP"}, headers=user_headers)
    assert [s["title"] for s in only.json()["items"]] == ["WSOP 2024 Main Event"]
    one = await client.get(
        f"/api/series/{ids['series:WSOP 2024 Main Event']}", headers=user_headers
    )
    assert one.status_code == 200 and one.json()["content_count"] == 4
    missing = await client.get("/api/series/424242", headers=user_headers)
    assert (missing.status_code, error_code(missing)) == (404, "SERIES_NOT_FOUND")


async def test_every_content_route_is_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path, method in (
        ("/api/contents", "get"),
        ("/api/contents/{content_id}", "get"),
        ("/api/contents/{content_id}/hands", "get"),
        ("/api/series", "get"),
        ("/api/series/{series_id}", "get"),
        ("/api/admin/contents", "post"),
        ("/api/admin/contents/{content_id}", "patch"),
        ("/api/admin/contents/{content_id}", "delete"),
        ("/api/admin/contents/{content_id}/hands", "put"),
        ("/api/admin/library/scan", "post"),
        ("/api/admin/library/scan/{job_id}", "get"),
    ):
        operation = schema["paths"][path][method]
        assert {"400", "401"} <= set(operation["responses"]), (path, method)
        assert operation["responses"]["401"]["content"], (path, method)


async def test_admins_list_vanished_files_too(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    user_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    ids = await seed(db)
    url = "/api/admin/contents"
    everything = (await client.get(url, headers=admin_headers)).json()
    assert everything["total"] == 9 and ids["Gone"] in {i["id"] for i in everything["items"]}
    missing = await client.get(url, params={"availability": "missing"}, headers=admin_headers)
    assert [(i["title"], i["available"]) for i in missing.json()["items"]] == [("Gone", False)]
    filtered = await client.get(
        url, params={"availability": "available", "brand": "MPP"}, headers=admin_headers
    )
    assert [i["title"] for i in filtered.json()["items"]] == ["apex clip", "Final Day"]
    refused = await client.get(url, headers=user_headers)
    assert (refused.status_code, error_code(refused)) == (403, "AUTH_FORBIDDEN")
    bad = await client.get(url, params={"availability": "gone"}, headers=admin_headers)
    assert (bad.status_code, error_code(bad)) == (400, "VALIDATION_ERROR")


async def test_both_listings_take_the_same_filters(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    user_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    """The admin listing shares the public one's filter parameters, checks and docs."""
    await seed(db)
    url = "/api/admin/contents"
    for params, expected in FILTERS:
        response = await client.get(
            url, params={**params, "availability": "available"}, headers=admin_headers
        )
        assert [i["title"] for i in response.json()["items"]] == expected, params
    for params in BAD_PARAMETERS:
        response = await client.get(url, params=params, headers=admin_headers)
        assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR"), params
    schema = (await client.get("/schema/openapi.json")).json()["paths"]

    def documented(path: str) -> set[str]:
        return {p["name"] for p in schema[path]["get"]["parameters"] if p["in"] == "query"}

    public = documented("/api/contents")
    assert {"series_id", "brand", "event_type", "year", "quality", "sort", "limit"} <= public
    assert documented("/api/admin/contents") == public | {"availability"}
