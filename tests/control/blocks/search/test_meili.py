"""The MeiliSearch backend against a local server speaking MeiliSearch's API (fake_meili.py).

The real MeiliSearch runs only under docker compose; these tests check what the adapter
sends and how the block behaves around it: settings, documents following the catalog,
searches and suggestions answered by MeiliSearch, PostgreSQL answering while it is down,
changes it missed sent again, and a rebuild that swaps a new index in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from control.app import create_app
from control.blocks.search import service as search_service
from control.blocks.search.meili import MeiliSearch
from control.blocks.search.rebuild import rebuild
from control.settings import ControlSettings
from deploy.infra import Endpoints
from tests.control.blocks.search.conftest import (
    add_content,
    indexed,
    insert_contents,
    put_hand,
    search_services,
    started_and_filled,
)
from tests.control.blocks.search.fake_meili import FakeMeili, serving
from tests.control.conftest import running, settings_for

INDEX = "contents_test"


@pytest.fixture
async def meili() -> AsyncIterator[FakeMeili]:
    async with serving() as fake:
        yield fake


@pytest.fixture
def settings(
    infra: Endpoints, database_url: str, nas_root: Path, meili: FakeMeili
) -> ControlSettings:
    return settings_for(
        database_url,
        infra.redis_url,
        nas_root=nas_root,
        meilisearch_url=meili.url,
        meilisearch_key="master-key-for-tests",
        meilisearch_index=INDEX,
    )


async def test_the_index_gets_the_contract_settings(
    client: httpx.AsyncClient, meili: FakeMeili
) -> None:
    settings = meili.indexes[INDEX].settings
    assert settings["searchableAttributes"][:2] == ["title", "players"]
    assert {"year", "brand_key", "event_type"} <= set(settings["filterableAttributes"])
    typos = settings["typoTolerance"]
    assert typos["disableOnNumbers"] is True  # 2024 never matches 2025
    assert typos["minWordSizeForTypos"] == {"oneTypo": 4, "twoTypos": 8}
    rules = settings["rankingRules"]
    assert rules[-2:] == ["popularity:desc", "created_at:desc"] and rules[0] == "words"
    assert meili.keys == {"Bearer master-key-for-tests"}


async def test_documents_follow_the_catalog_and_meilisearch_answers(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
    meili: FakeMeili,
) -> None:
    content_id = await add_content(
        client,
        admin_headers,
        nas_root,
        "aguero.mp4",
        title="Sergio Agüero Spider-Man Bluff",
        year=2024,
        brand="WSOP Paradise",
    )
    await indexed(app)
    document = meili.indexes[INDEX].documents[content_id]
    assert document["title"][0] == "Sergio Agüero Spider-Man Bluff"
    assert (document["year"], document["brand_key"]) == (2024, "wsop paradise")

    response = await client.get(
        "/api/search",
        params={"q": "agueor", "year": 2024, "brand": "WSOP-Paradise"},
        headers=user_headers,
    )
    body = response.json()
    assert [h["id"] for h in body["hits"]] == [content_id]
    assert body["hits"][0]["highlights"]["title"] == "Sergio <mark>Agüero</mark> Spider-Man Bluff"
    assert body["corrected_query"] == "aguero"
    asked = meili.calls("POST", f"/indexes/{INDEX}/search")[-1]
    assert asked["q"] == "agueor" and asked["filter"] == [
        "year = 2024",
        'brand_key = "wsop paradise"',
    ]

    await client.delete(f"/api/admin/contents/{content_id}", headers=admin_headers)
    await indexed(app)
    assert content_id not in meili.indexes[INDEX].documents


async def test_operators_never_reach_meilisearch(
    client: httpx.AsyncClient, user_headers: dict[str, str], meili: FakeMeili
) -> None:
    await client.get("/api/search", params={"q": '"-aces kings"'}, headers=user_headers)
    assert meili.calls("POST", "/search")[-1]["q"] == "aces kings "


async def test_suggestions_come_from_meilisearch(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
    meili: FakeMeili,
) -> None:
    content_id = await add_content(
        client, admin_headers, nas_root, "k.mp4", title="Kornuth rivers it"
    )
    await put_hand(client, admin_headers, content_id, players=["Chance Kornuth"])
    await indexed(app)
    response = await client.get("/api/search/suggest", params={"q": "ko"}, headers=user_headers)
    assert response.json()["suggestions"] == [
        {"text": "Chance Kornuth", "kind": "player", "content_id": None},
        {"text": "Kornuth rivers it", "kind": "title", "content_id": content_id},
    ]
    assert meili.calls("POST", "/facet-search")


async def test_postgresql_answers_while_meilisearch_is_down_and_missed_changes_are_resent(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    nas_root: Path,
    meili: FakeMeili,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_service, "MEILI_RETRY_SECONDS", 0.0)
    meili.down = True
    content_id = await add_content(client, admin_headers, nas_root, "c.mp4", title="Colossus Day 1")
    await indexed(app)
    searched = await client.get("/api/search", params={"q": "colossus"}, headers=user_headers)
    assert [h["id"] for h in searched.json()["hits"]] == [content_id]  # from PostgreSQL
    health = (await client.get("/api/health")).json()
    assert health["blocks"]["search"]["status"] == "degraded"
    assert health["dependencies"]["meilisearch"]["status"] == "down"

    meili.down = False
    await search_services(app).indexer.retry()
    assert content_id in meili.indexes[INDEX].documents
    asked = len(meili.calls("POST", "/search"))
    searched = await client.get("/api/search", params={"q": "colossus d"}, headers=user_headers)
    assert [h["id"] for h in searched.json()["hits"]] == [content_id]
    assert len(meili.calls("POST", "/search")) == asked + 1  # MeiliSearch answers again
    health = (await client.get("/api/health")).json()
    assert health["blocks"]["search"]["status"] == "healthy"


async def test_a_rebuild_fills_a_new_index_and_swaps_it_in(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    nas_root: Path,
    meili: FakeMeili,
    database_url: str,
) -> None:
    ids = [
        await add_content(client, admin_headers, nas_root, f"{n}.mp4", title=f"Show {n}")
        for n in range(3)
    ]
    await indexed(app)
    meili.indexes[INDEX].documents[999] = {"id": 999, "title": ["stale"]}  # drifted
    adapter = MeiliSearch(meili.url, None, INDEX)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        changed: list[bool] = []

        async def bump() -> None:
            changed.append(True)

        report = await rebuild(pool, adapter, bump)
    finally:
        await pool.close()
        await adapter.close()
    assert report.indexed == 3 and changed
    assert set(meili.indexes[INDEX].documents) == set(ids)
    assert f"{INDEX}_rebuild" not in meili.indexes
    assert meili.calls("POST", "/swap-indexes") == [[{"indexes": [INDEX, f"{INDEX}_rebuild"]}]]


async def test_an_empty_meilisearch_index_is_filled_at_start(
    settings: ControlSettings, database_url: str, redis: Any, meili: FakeMeili
) -> None:
    await insert_contents(database_url, [f"Colossus Day {n}" for n in range(5)])
    app = create_app(settings)
    async with running(app):
        await started_and_filled(app)
        assert len(meili.indexes[INDEX].documents) == 5


async def test_a_meilisearch_down_at_start_is_set_up_when_it_comes_up(
    settings: ControlSettings, redis: Any, meili: FakeMeili
) -> None:
    meili.down = True
    app = create_app(settings)
    async with running(app) as client:
        assert INDEX not in meili.indexes
        health = (await client.get("/api/health")).json()
        assert health["blocks"]["search"]["status"] == "degraded"
        meili.down = False
        services = search_services(app)
        # What the periodic task does next (it waits SEARCH_POPULARITY_INTERVAL first).
        assert services.meili is not None
        await services.meili.ensure_index()
        assert meili.indexes[INDEX].settings["rankingRules"][-1] == "created_at:desc"
        health = (await client.get("/api/health")).json()
        assert health["blocks"]["search"]["status"] == "healthy"


async def test_a_failing_meilisearch_is_left_alone_for_a_while(
    client: httpx.AsyncClient, user_headers: dict[str, str], meili: FakeMeili
) -> None:
    meili.down = True
    for q in ("colossus", "negreanu", "ivey"):
        response = await client.get("/api/search", params={"q": q}, headers=user_headers)
        assert response.status_code == 200
    # The first search found it down; the next ones went straight to PostgreSQL.
    assert len(meili.calls("POST", "/search")) == 1
