"""The OpenAPI document describes exactly what the server accepts and requires.

Every operation is walked (not a hand-picked few): a route that answers 401 without a token
declares bearer security and one that declares it answers 401; request bodies refuse
unknown fields in the schema as the server does; numeric bounds are exact integers where
the server's are (a bigint id's maximum is 2^63-1, not a rounded float).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.control.conftest import bearer, login

BIGINT_MAX = 2**63 - 1


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in sorted(document["paths"].items())
        for method, operation in sorted(item.items())
        if method in ("get", "post", "put", "patch", "delete")
    ]


def concrete(path: str, operation: dict[str, Any]) -> str:
    """The path with a valid value for each path parameter."""
    for parameter in operation.get("parameters", ()):
        if parameter["in"] != "path":
            continue
        schema = parameter["schema"]
        value = str(uuid.uuid4()) if schema.get("format") == "uuid" else "1"
        if schema.get("type") == "string" and schema.get("format") != "uuid":
            value = "x"
        path = path.replace("{" + parameter["name"] + "}", value)
    return path


def declares_bearer(operation: dict[str, Any]) -> bool:
    return any("bearer" in requirement for requirement in operation.get("security", ()))


async def test_every_operation_declares_bearer_security_exactly_when_it_needs_a_token(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    walked = guarded = 0
    for path, method, operation in operations(document):
        if path == "/metrics":
            continue  # its own secret (METRICS_TOKEN), tested with the metrics
        response = await client.request(
            method,
            concrete(path, operation),
            json={} if method in ("post", "put", "patch") else None,
        )
        walked += 1
        needs_token = response.status_code == 401
        guarded += needs_token
        assert needs_token == declares_bearer(operation), (method, path, response.text)
        if needs_token:
            assert response.json()["error"]["code"] == "AUTH_REQUIRED"
            assert "401" in operation["responses"], (method, path)
    assert walked > 30 and guarded > 25  # the catalog, stream, admin and title routes


def walk_schemas(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(walk_schemas(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(walk_schemas(value))
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


async def test_request_bodies_refuse_unknown_fields_in_the_schema_as_on_the_wire(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    bodies = 0
    for path, method, operation in operations(document):
        body = operation.get("requestBody")
        if body is None:
            continue
        bodies += 1
        schema = resolve(document, body["content"]["application/json"]["schema"])
        assert schema.get("additionalProperties") is False, (method, path)
    assert bodies >= 10
    # The server does what the document says: an unknown field is a 400.
    response = await client.post(
        "/api/auth/login", json={"email": "a@b.org", "password": "x", "admin": True}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")


async def test_numeric_bounds_are_exact(document: dict[str, Any]) -> None:
    for schema in walk_schemas(document):
        if schema.get("type") == "integer":
            for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if keyword in schema:
                    assert isinstance(schema[keyword], int), schema
    content_id = next(
        p
        for p in document["paths"]["/api/contents/{content_id}"]["get"]["parameters"]
        if p["name"] == "content_id"
    )
    assert (content_id["schema"]["minimum"], content_id["schema"]["maximum"]) == (1, BIGINT_MAX)
    create = document["components"]["schemas"]["ContentCreate"]["properties"]
    for field in ("duration_seconds", "file_size"):
        variants = create[field].get("anyOf", [create[field]])
        number = next(v for v in variants if v.get("type") != "null")
        assert number["minimum"] == 0, (field, create[field])


async def test_the_largest_documented_id_is_accepted(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    """A generated client sending the documented maximum gets a 404, never a 400."""
    headers = bearer(await login(client, await make_account("ann")))
    response = await client.get(f"/api/contents/{BIGINT_MAX}", headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "CONTENT_NOT_FOUND")
    past = await client.get(f"/api/contents/{BIGINT_MAX + 1}", headers=headers)
    assert (past.status_code, past.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
