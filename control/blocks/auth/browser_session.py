"""The refresh token of a browser session lives in a cookie page scripts cannot read.

A client opts in with `refresh_cookie: true` on login; from then on its refresh token is
never in a response body, only in an `HttpOnly`, `SameSite=Strict` cookie whose path is the
refresh route (`Secure` when the request came over TLS), and it refreshes with a body that
leaves `refresh_token` out. The cookie is an ambient credential on that one route only, and
harmless there: a cross-site request never carries it (SameSite=Strict), a body that is not
JSON is refused before the handler runs (415), a JSON body from another origin needs a CORS
preflight that no foreign origin passes, and the answer, the new access token, is readable
only by the page that asked. Every other route reads the bearer header alone, which no
browser adds by itself. Logout clears the cookie.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, Response
from litestar.datastructures import Cookie

from control.blocks.auth.schemas import TokenPair
from shared.errors import WsoptvError

COOKIE_NAME = "wsoptv_refresh"
# The route the cookie is sent to (the block's routes are mounted under /api).
COOKIE_PATH = "/api/auth/refresh"
MAX_COOKIE_TOKEN = 256  # the body's RefreshToken bound


class NoRefreshToken(WsoptvError):
    """Neither a refresh_token in the body nor a session cookie: a malformed request."""

    code = "VALIDATION_ERROR"
    status = 400


class BrowserTokens(msgspec.Struct):
    """A login or refresh of a cookie session: the refresh token went into the cookie."""

    access_token: str
    expires_in: int
    token_type: Literal["bearer"] = "bearer"
    refresh_token_in: Literal["cookie"] = "cookie"


def over_tls(request: Request[Any, Any, Any]) -> bool:
    """True when the client reached us over HTTPS (uvicorn honours trusted proxies' headers)."""
    return request.url.scheme == "https"


def _cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=COOKIE_NAME,
        value=value,
        path=COOKIE_PATH,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=over_tls(request),
    )


def cookie_tokens(
    request: Request[Any, Any, Any], pair: TokenPair, ttl_seconds: int
) -> Response[TokenPair | BrowserTokens]:
    """The access token in the body, the refresh token in the cookie."""
    body: TokenPair | BrowserTokens = BrowserTokens(
        access_token=pair.access_token, expires_in=pair.expires_in
    )
    return Response(body, cookies=[_cookie(request, pair.refresh_token, ttl_seconds)])


def cleared(request: Request[Any, Any, Any]) -> Cookie:
    """The cookie, expired: the browser forgets the session's refresh token."""
    return _cookie(request, "", 0)


def refused(request: Request[Any, Any, Any], error: WsoptvError) -> Response[Any]:
    """A failed cookie refresh in the contract's error shape; the spent cookie is cleared."""
    return Response(error.body(), status_code=error.status, cookies=[cleared(request)])


def cookie_token(request: Request[Any, Any, Any]) -> str | None:
    """The refresh token the cookie carries (None when absent or absurdly long)."""
    value = request.cookies.get(COOKIE_NAME)
    if not value or len(value) > MAX_COOKIE_TOKEN:
        return None
    return value
