"""A signed-in front end's view of the control API: sign in once, refresh the access token
before it lapses (and on a page reload), and check every answer's status."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from locust.contrib.fasthttp import FastHttpSession

from benchmarks.locust.steps import LOGIN_STEP, REFRESH

# A front end refreshes a little before the access token's end, never on a 401.
_REFRESH_MARGIN_SECONDS = 60.0


class ApiError(Exception):
    """An answer the scenario did not expect; locust has already counted it as a failure."""


class ApiSession:
    def __init__(self, client: FastHttpSession, email: str, password: str) -> None:
        self._client = client
        self._email, self._password = email, password
        self._access = self._refresh_token = ""
        self._renew_at = 0.0

    def sign_in(self) -> None:
        body = {"email": self._email, "password": self._password}
        self._store(self.call("POST", "/api/auth/login", LOGIN_STEP, json=body, auth=False))

    def reload(self) -> None:
        """What a page reload does: the session is restored by a refresh."""
        body = {"refresh_token": self._refresh_token}
        self._store(self.call("POST", "/api/auth/refresh", REFRESH, json=body, auth=False))

    def _store(self, pair: Any) -> None:
        self._access, self._refresh_token = pair["access_token"], pair["refresh_token"]
        self._renew_at = time.monotonic() + pair["expires_in"] - _REFRESH_MARGIN_SECONDS

    def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        status: int = 200,
        json: Any = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        """The JSON answer of one request (None for 204); ApiError on any other status."""
        if auth and time.monotonic() >= self._renew_at:
            self.reload()
        headers = {"Authorization": f"Bearer {self._access}"} if auth else {}
        if params:
            path = f"{path}?{urlencode(params)}"
        with self._client.request(
            method, path, name=name, headers=headers, json=json, catch_response=True
        ) as response:
            if response.status_code != status:
                response.failure(f"{response.status_code} (wanted {status}): {response.text[:200]}")
                raise ApiError(name)
            return None if status == 204 else response.json()
