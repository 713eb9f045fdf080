"""POST /api/titles/generate/batch: 1..500 names in one request, results in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from control.blocks.title_generator import ParserTitleGenerator
from tests.control.conftest import bearer, error_code, login

NAMES = (
    ("WSOP 2025 Main Event _ Day 2A_B_C (Part 2).mp4", None),
    ("WS12_Show_10_ME06_NB.mp4", "ARCHIVE/WSOP/2012/WS12_Show_10_ME06_NB.mp4"),
    ("1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4", None),
)


async def test_a_batch_is_titled_in_order(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    body = {"items": [{"file_name": name, "file_path": path} for name, path in NAMES]}
    anonymous = await client.post("/api/titles/generate/batch", json=body)
    assert (anonymous.status_code, error_code(anonymous)) == (401, "AUTH_REQUIRED")
    headers = bearer(await login(client, await make_account("ann")))
    response = await client.post("/api/titles/generate/batch", json=body, headers=headers)
    assert response.status_code == 200, response.text
    titles = ParserTitleGenerator()
    expected = [titles.generate(name, path) for name, path in NAMES]
    assert response.json() == {"results": expected}


async def test_a_batch_holds_one_to_five_hundred_names(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    headers = bearer(await login(client, await make_account("ann")))
    item = {"file_name": "WE24-ME-01.mp4"}
    full = await client.post(
        "/api/titles/generate/batch", json={"items": [item] * 500}, headers=headers
    )
    assert full.status_code == 200 and len(full.json()["results"]) == 500
    body: dict[str, Any]
    for body in (
        {"items": []},
        {"items": [item] * 501},
        {"items": [{"file_name": ""}]},
        {"file_names": ["x.mp4"]},
        {},
    ):
        refused = await client.post("/api/titles/generate/batch", json=body, headers=headers)
        assert (refused.status_code, error_code(refused)) == (400, "VALIDATION_ERROR"), body


async def test_the_batch_route_is_in_the_openapi_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/titles/generate/batch"]["post"]
    assert "200" in operation["responses"]
