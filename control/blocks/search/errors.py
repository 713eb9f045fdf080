"""The search block's domain errors."""

from __future__ import annotations

from shared.errors import WsoptvError


class SearchError(WsoptvError):
    code = "SEARCH_ERROR"
    status = 400


class SearchBackendDown(SearchError):
    """MeiliSearch cannot answer (searches then go to PostgreSQL: never seen by a client)."""

    code = "SEARCH_BACKEND_UNAVAILABLE"
    status = 503
