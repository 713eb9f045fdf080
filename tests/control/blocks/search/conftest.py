"""Search fixtures: the real archive listing as a sparse replica, scanned into a catalog.

The catalog is built once per test module (a scan of ~1,400 videos and the index take a
few seconds) in a database of its own; tests against it only read. Tests that change the
catalog use the per-test `client` of tests/control/conftest.py instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from control.app import create_app
from control.blocks.auth.passwords import hash_password
from control.blocks.auth.repository import insert_user
from control.blocks.content.library import import_library
from control.blocks.search import SearchServices
from control.blocks.search.generation import Generation
from control.blocks.search.rebuild import rebuild
from control.blocks.title_generator import ParserTitleGenerator
from control.db.migrate import migrate
from control.orchestration.registry import BlockRegistry
from deploy.infra import Endpoints
from tests.control.blocks.content.conftest import (  # noqa: F401 (fixtures)
    admin_headers,
    nas_root,
    settings,
    user_headers,
)
from tests.control.blocks.content.replica import build_replica
from tests.control.conftest import PASSWORD, Account, bearer, login, running, settings_for

# The real listing has no accents and no hyphenated names: two files named like the
# archive's clips add them.
EXTRA_FILES = (
    "Clips/Sergio Agüero Spider-Man Bluff vs Hellmuth.mp4",
    "Clips/Léon Tsoukernik Spider Man Hero Call.mp4",
)
# Curated hands on real entries: players and hand titles are searchable too.
HANDS = {
    "1213_Hand_29_Chance Kornuth Qd9h vs Jiang A9s_PGM.mp4": [
        ("Kornuth rivers a straight", ["Chance Kornuth", "Yuan Jiang"]),
    ],
    "34-wsop-2024-be-ev-58-50k-ppc-ft-negreanu-wins-CLEAN-004.mp4": [
        ("Aces full of kings on the river", ["Daniel Negreanu", "Jeremy Ausmus"]),
    ],
    "2021 WSOP Event #84 - $50,000 High Roller Pot Limit Omaha Final Table.mp4": [
        ("Ivey calls it off", ["Phil Ivey", "Jason Koon"]),
    ],
}


def _database(url: str, name: str) -> str:
    return f"{url.rpartition('/')[0]}/{name}"


def write_archive(root: Path) -> None:
    """The replica of the whole listing, plus EXTRA_FILES (sparse files)."""
    build_replica(root, keys=("",), clips=())
    for relative in EXTRA_FILES:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        with open(root / relative, "wb") as sparse:
            sparse.truncate(2**30)


async def scan_archive(database_url: str, root: Path) -> None:
    """The archive replica imported, with HANDS, and indexed."""
    write_archive(root)
    conn = await asyncpg.connect(database_url)
    try:
        await import_library(conn, root, ParserTitleGenerator().generate, probe=None)
        for name, hands in HANDS.items():
            content_id = await conn.fetchval(
                "SELECT id FROM contents WHERE file_path LIKE '%/' || $1", name
            )
            assert content_id is not None, name
            for index, (title, players) in enumerate(hands):
                await conn.execute(
                    "INSERT INTO best_hands (content_id, hand_index, start_seconds, end_seconds,"
                    " title, players) VALUES ($1, $2, 10, 20, $3, $4)",
                    content_id,
                    index,
                    title,
                    players,
                )
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await rebuild(pool, None, _nothing)
    finally:
        await pool.close()


async def _nothing() -> None:
    return None


@pytest.fixture(scope="module")
async def archive_url(
    infra: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database holding the scanned and indexed archive replica (read-only for tests)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    await _admin(infra, f'CREATE DATABASE "{name}"')
    url = _database(infra.database_url, name)
    try:
        await migrate(url)
        await scan_archive(url, tmp_path_factory.mktemp("archive"))
        yield url
    finally:
        await _admin(infra, f'DROP DATABASE "{name}" WITH (FORCE)')


async def _admin(infra: Endpoints, statement: str) -> None:
    conn = await asyncpg.connect(infra.database_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def archive_app(archive_url: str, infra: Endpoints) -> Litestar:
    return create_app(settings_for(archive_url, infra.redis_url))


@pytest.fixture(scope="module")
async def archive(archive_app: Litestar, archive_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app over the archive, signed in as a viewer (headers preset)."""
    conn = await asyncpg.connect(archive_url)
    try:
        user = await insert_user(
            conn,
            email=f"viewer-{uuid.uuid4().hex[:8]}@example.org",
            username=f"viewer{uuid.uuid4().hex[:8]}",
            password_hash=hash_password(PASSWORD, 12),
        )
    finally:
        await conn.close()
    async with running(archive_app) as client:
        await Generation(archive_app.state.redis).bump()  # nothing cached from another module
        tokens = await login(client, Account(user.id, user.email, user.username))
        client.headers.update(bearer(tokens))
        yield client


Search = Callable[..., Any]


@pytest.fixture
def search(archive: httpx.AsyncClient) -> Search:
    """search("negreanu", year=2024) -> the JSON answer (asserting a 200)."""

    async def run(q: str, **params: Any) -> dict[str, Any]:
        response = await archive.get("/api/search", params={"q": q, **params})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


# per-test apps (tests that change the catalog) ------------------------------------------
# nas_root, settings (with it), admin_headers and user_headers: the content tests' fixtures.


async def add_content(
    client: httpx.AsyncClient, headers: dict[str, str], root: Path, name: str, **fields: Any
) -> int:
    """POST /api/admin/contents for a new file `name` under NAS_ROOT (`root`); the new id."""
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(b"x")
    response = await client.post(
        "/api/admin/contents", json={"file_path": name, **fields}, headers=headers
    )
    assert response.status_code == 201, response.text
    content_id: int = response.json()["id"]
    return content_id


async def put_hand(
    client: httpx.AsyncClient, headers: dict[str, str], content_id: int, **hand: Any
) -> None:
    """PUT one hand (0 to 1 s) as the content's only hand: players, title..."""
    response = await client.put(
        f"/api/admin/contents/{content_id}/hands",
        json={"hands": [{"hand_index": 0, "start_seconds": 0, "end_seconds": 1, **hand}]},
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def insert_contents(database_url: str, titles: list[str]) -> None:
    """Catalog rows written straight to PostgreSQL (no events: as before an upgrade)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.executemany(
            "INSERT INTO contents (title, file_path) VALUES ($1, $2)",
            [(title, f"c/{uuid.uuid4().hex}.mp4") for title in titles],
        )
    finally:
        await conn.close()


async def started_and_filled(app: Litestar) -> None:
    """Return once the search block's start-up catch-up with the catalog is done."""
    await asyncio.gather(*search_services(app).tasks[1:])


def search_services(app: Litestar) -> SearchServices:
    registry: BlockRegistry = app.state.registry
    services: SearchServices = registry.services("search")
    return services


async def indexed(app: Litestar) -> None:
    """Return once the content events published so far are in the index (the bus runs each
    handler in a task of its own: one loop turn starts them)."""
    await asyncio.sleep(0)
    async with asyncio.timeout(2):  # SPEC §4.1: searchable within 2 s
        await search_services(app).indexer.settled()
