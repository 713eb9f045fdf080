"""The one error shape of the public contract (SPEC §4): {"error": {code, message, details}}."""

from __future__ import annotations

import json
from typing import Any


class WsoptvError(Exception):
    """Base of every domain error; carries the contract's code, an HTTP status and details."""

    code: str = "INTERNAL"
    status: int = 500

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details: dict[str, Any] = details or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contract's error document."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_json(code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    """The error document as compact UTF-8 JSON bytes (for plain-ASGI responses)."""
    return json.dumps(error_body(code, message, details), separators=(",", ":")).encode()
