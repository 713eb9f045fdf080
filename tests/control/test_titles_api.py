"""POST /api/titles/generate: the title parser behind the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.control.conftest import bearer, error_code, login


async def test_generate_title_for_an_archive_file(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    body = {
        "file_name": "WSOP 2024 Main Event Day 8 (Part 1).mp4",
        "file_path": "ARCHIVE/WSOP/2024/Main Event/WSOP 2024 Main Event Day 8 (Part 1).mp4",
    }
    anonymous = await client.post("/api/titles/generate", json=body)
    assert (anonymous.status_code, error_code(anonymous)) == (401, "AUTH_REQUIRED")
    tokens = await login(client, await make_account("ann"))
    response = await client.post("/api/titles/generate", json=body, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    title = response.json()
    assert set(title) == {"display_title", "short_title", "confidence", "metadata"}
    assert "2024" in title["display_title"] and 0 <= title["confidence"] <= 1
    assert title["metadata"]["year"] == 2024
    empty = await client.post(
        "/api/titles/generate", json={"file_name": ""}, headers=bearer(tokens)
    )
    assert (empty.status_code, error_code(empty)) == (400, "VALIDATION_ERROR")
