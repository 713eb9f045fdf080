"""Control characters in an email are a client's mistake: 400, never a database error."""

from __future__ import annotations

import httpx
import pytest

from tests.control.conftest import PASSWORD, error_code

BAD_EMAILS = ["a\x00b@example.org", "ann@exa\x00mple.org", "a\x01@example.org", "a\x7f@b.org"]


@pytest.mark.parametrize("email", BAD_EMAILS)
async def test_register_refuses_control_characters_in_the_email(
    client: httpx.AsyncClient, email: str
) -> None:
    body = {"email": email, "username": "ann", "password": PASSWORD}
    response = await client.post("/api/auth/register", json=body)
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize("email", BAD_EMAILS)
async def test_login_refuses_control_characters_in_the_email(
    client: httpx.AsyncClient, email: str
) -> None:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
