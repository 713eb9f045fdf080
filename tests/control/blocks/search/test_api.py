"""The search routes as a client sees them: input checks, freshness, caching, OpenAPI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import asyncpg
import httpx
from litestar import Litestar

from control.app import create_app
from control.blocks.cache import CacheServices
from control.blocks.content.event_types import EVENT_TYPES
from control.orchestration.contracts import EventType
from control.orchestration.registry import BlockRegistry
from control.settings import ControlSettings
from tests.control.blocks.search.conftest import (
    add_content,
    indexed,
    insert_contents,
    put_hand,
    started_and_filled,
)
from tests.control.conftest import bearer, error_code, login, running

# Input a client may send. None of it may cause a 500: an empty result or a 400.
ODD_QUERIES = [
    "...!!!",
    '"aces',  # unbalanced quote
    "aces'",
    "a & b | !c",  # to_tsquery's operators
    "a:* (b",
    "&&& ||| !!! ::: *** ((( )))",
    "<->",
    "\\",
    "'",
    "x\x00y",  # NUL: PostgreSQL cannot store it in text
    "\x00",
    "%_%",
    "🏆👑",
    "시퀀스",
    "a" * 200,
    "ﬁnal ½",
    "-negreanu",  # MeiliSearch's negation
    '"exact phrase"',
]


async def test_odd_queries_answer_200(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    for q in ODD_QUERIES:
        for path in ("/api/search", "/api/search/suggest"):
            response = await client.get(path, params={"q": q}, headers=user_headers)
            assert response.status_code == 200, (path, q, response.text)


BAD_PARAMETERS: list[dict[str, Any]] = [
    {},  # q is required
    {"q": ""},
    {"q": "x" * 201},
    {"q": "x" * 10_240},  # 10 KB
    {"q": "aces", "limit": 0},
    {"q": "aces", "limit": 101},
    {"q": "aces", "limit": "ten"},
    {"q": "aces", "offset": -1},
    {"q": "aces", "offset": 1001},
    {"q": "aces", "year": 1969},
    {"q": "aces", "year": "2024x"},
    {"q": "aces", "event_type": "poker"},
    {"q": "aces", "brand": ""},
    {"q": "aces", "brand": "b" * 101},
]


BAD_SUGGEST_PARAMETERS: list[dict[str, Any]] = [
    {},
    {"q": ""},
    {"q": "x" * 201},
    {"q": "a", "limit": 0},
    {"q": "a", "limit": 21},
]


async def test_bad_parameters_are_400(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    calls = [("/api/search", p) for p in BAD_PARAMETERS]
    calls += [("/api/search/suggest", p) for p in BAD_SUGGEST_PARAMETERS]
    for path, params in calls:
        response = await client.get(path, params=params, headers=user_headers)
        assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR"), (
            path,
            params,
        )


async def test_search_needs_an_account(client: httpx.AsyncClient) -> None:
    for path in ("/api/search", "/api/search/suggest"):
        response = await client.get(path, params={"q": "aces"})
        assert (response.status_code, error_code(response)) == (401, "AUTH_REQUIRED")


async def test_an_empty_catalog_answers_empty(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.get("/api/search", params={"q": "negreanu"}, headers=user_headers)
    body = response.json()
    assert (response.status_code, body["hits"], body["total"]) == (200, [], 0)
    assert body["corrected_query"] is None
    suggest = await client.get("/api/search/suggest", params={"q": "n"}, headers=user_headers)
    assert suggest.json() == {"suggestions": []}


async def hits(client: httpx.AsyncClient, headers: dict[str, str], q: str) -> list[str]:
    response = await client.get("/api/search", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [hit["title"] for hit in response.json()["hits"]]


async def test_the_index_follows_creates_edits_and_deletes(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
) -> None:
    name = "Clips/Sergio Agüero Spider-Man Bluff.mp4"
    content_id = await add_content(client, admin_headers, nas_root, name)
    await indexed(app)
    assert await hits(client, user_headers, "aguero") == ["Sergio Agüero Spider-Man Bluff"]

    edited = await client.patch(
        f"/api/admin/contents/{content_id}",
        json={"title": "Sergio Agüero Hero Call vs Negreanu", "short_title": "Hero Call"},
        headers=admin_headers,
    )
    assert edited.status_code == 200
    await indexed(app)
    assert await hits(client, user_headers, "negreanu") == ["Sergio Agüero Hero Call vs Negreanu"]
    assert await hits(client, user_headers, "spider man") == []  # the old title is gone

    await put_hand(
        client, admin_headers, content_id, title="Quads over a full house", players=["Phil Ivey"]
    )
    await indexed(app)
    assert await hits(client, user_headers, "ivey quads") == ["Sergio Agüero Hero Call vs Negreanu"]

    deleted = await client.delete(f"/api/admin/contents/{content_id}", headers=admin_headers)
    assert deleted.status_code == 204
    await indexed(app)
    assert await hits(client, user_headers, "aguero") == []
    suggested = await client.get("/api/search/suggest", params={"q": "iv"}, headers=user_headers)
    assert suggested.json() == {"suggestions": []}  # the player went with his only content


def cache_stats(app: Litestar) -> Any:
    registry: BlockRegistry = app.state.registry
    services: CacheServices = registry.services("cache")
    return services.l1.stats


async def test_results_are_cached_and_dropped_when_the_catalog_changes(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
) -> None:
    content_id = await add_content(client, admin_headers, nas_root, "a.mp4", title="Colossus Day 1")
    await indexed(app)
    assert await hits(client, user_headers, "colossus") == ["Colossus Day 1"]
    before = cache_stats(app).by_namespace["search"]["hits"]
    # Another spelling of the same query is the same cache entry.
    assert await hits(client, user_headers, "COLOSSUS") == ["Colossus Day 1"]
    assert cache_stats(app).by_namespace["search"]["hits"] == before + 1

    await client.patch(
        f"/api/admin/contents/{content_id}",
        json={"title": "Colossus Final Table"},
        headers=admin_headers,
    )
    await indexed(app)
    assert await hits(client, user_headers, "colossus") == ["Colossus Final Table"]


async def test_the_openapi_document_says_what_search_accepts(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    search = document["paths"]["/api/search"]["get"]
    parameters = {p["name"]: p for p in search["parameters"]}
    assert parameters["q"]["required"] is True
    assert (parameters["q"]["schema"]["minLength"], parameters["q"]["schema"]["maxLength"]) == (
        1,
        200,
    )

    def bounds(name: str) -> tuple[Any, Any]:
        schema = parameters[name]["schema"]
        schema = next((s for s in schema.get("oneOf", ()) if s.get("type") != "null"), schema)
        return schema.get("minimum"), schema.get("maximum")

    assert bounds("limit") == (1, 100) and bounds("offset") == (0, 1000)
    event_type = parameters["event_type"]["schema"]
    enum = next(s["enum"] for s in [event_type, *event_type.get("oneOf", ())] if "enum" in s)
    assert set(enum) >= {"hand_clip", "main_event", "bracelet_event"}
    assert search["security"] == [{"bearer": []}]
    assert {"200", "400", "401"} <= set(search["responses"])
    suggest = document["paths"]["/api/search/suggest"]["get"]
    limit = next(p for p in suggest["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 20)


async def test_the_block_reports_healthy(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/health")).json()
    assert body["blocks"]["search"]["status"] == "healthy"


async def test_an_empty_index_is_filled_from_the_catalog_at_start(
    settings: ControlSettings, database_url: str, redis: Any, make_account: Any
) -> None:
    """A catalog that exists before the search block (an upgrade) is indexed by itself."""
    await insert_contents(database_url, [f"Colossus Day {n}" for n in range(5)])
    app = create_app(settings)
    async with running(app) as client:
        await started_and_filled(app)
        headers = bearer(await login(client, await make_account("ann")))
        assert len(await hits(client, headers, "colossus")) == 5


def test_the_event_type_filter_takes_exactly_the_catalog_event_types() -> None:
    # The content block derives them; search filters by them (contracts.EventType).
    assert get_args(EventType) == EVENT_TYPES


async def test_the_index_catches_up_at_start_with_changes_made_while_control_was_down(
    settings: ControlSettings, database_url: str, redis: Any, make_account: Any
) -> None:
    """`wsoptv scan` while no control process listens: its events reach nobody."""
    await insert_contents(database_url, ["Colossus Day 1", "Colossus Day 2", "Colossus Day 3"])
    app = create_app(settings)
    async with running(app):
        await started_and_filled(app)
    conn = await asyncpg.connect(database_url)
    try:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM contents ORDER BY id")]
        await conn.execute(
            "UPDATE contents SET title = 'Colossus Final Table', updated_at = now() WHERE id = $1",
            ids[0],
        )
        await conn.execute("DELETE FROM contents WHERE id = $1", ids[1])
        await conn.execute("UPDATE contents SET missing_since = now() WHERE id = $1", ids[2])
    finally:
        await conn.close()
    await insert_contents(database_url, ["Colossus Day 4"])
    app = create_app(settings)
    async with running(app) as client:
        await started_and_filled(app)
        headers = bearer(await login(client, await make_account("ann")))
        assert sorted(await hits(client, headers, "colossus")) == [
            "Colossus Day 4",
            "Colossus Final Table",
        ]
