"""Errors of the front-end routes."""

from __future__ import annotations

from shared.errors import WsoptvError


class AssetNotFound(WsoptvError):
    code = "NOT_FOUND"
    status = 404
