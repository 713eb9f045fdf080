"""HTTP routes of the auth block (SPEC §4: /api/auth/...)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from control.blocks.auth import browser_session
from control.blocks.auth.browser_session import BrowserTokens
from control.blocks.auth.errors import AuthError
from control.blocks.auth.schemas import (
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UpdateMeRequest,
)
from control.blocks.auth.service import AuthService, Client
from control.orchestration.contracts import Account, Principal
from control.orchestration.identity import authenticated, bearer_guarded
from control.web.openapi import error_responses


def _client(request: Request[Any, Any, Any]) -> Client:
    return Client(
        ip=request.client.host if request.client else "unknown",
        user_agent=request.headers.get("user-agent"),
    )


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @post("/register", status_code=201, responses=error_responses(409, 422))
    async def register(
        self,
        data: JSONBody[RegisterRequest],
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
    ) -> Account:
        """Create an account: active, or pending when registration needs approval."""
        return await auth.register(data, _client(request))

    @post("/login", status_code=200, responses=error_responses(401, 403, 422))
    async def login(
        self,
        data: JSONBody[LoginRequest],
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
    ) -> Response[TokenPair | BrowserTokens]:
        """Exchange email and password for an access token and a refresh token.

        With `refresh_cookie: true` the refresh token is set as an HttpOnly, SameSite=Strict
        cookie for /api/auth/refresh and left out of the body (browser sessions).
        """
        pair = await auth.login(data, _client(request))
        if data.refresh_cookie:
            return browser_session.cookie_tokens(request, pair, auth.settings.refresh_token_ttl)
        return Response(pair)

    @post("/refresh", status_code=200, responses=error_responses(401, 403))
    async def refresh(
        self,
        data: JSONBody[RefreshRequest],
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
    ) -> Response[TokenPair | BrowserTokens]:
        """Rotate a refresh token; a spent one revokes its family (AUTH_REFRESH_REUSED).

        Without `refresh_token` in the body, the session cookie's token is rotated and the
        new one goes back into the cookie (a refusal clears it). Refreshes of one token must
        be serialised by the client: of two parallel ones, one wins and the other counts as
        reuse, which also revokes the winner's new tokens.
        """
        client = _client(request)
        if data.refresh_token is not None:
            return Response(await auth.refresh(data.refresh_token, client))
        token = browser_session.cookie_token(request)
        if token is None:
            raise browser_session.NoRefreshToken(
                "refresh_token is required (a cookie session sends its cookie instead)",
                details={"errors": [{"field": "refresh_token", "message": "required"}]},
            )
        try:
            pair = await auth.refresh(token, client)
        except AuthError as exc:
            return browser_session.refused(request, exc)
        return browser_session.cookie_tokens(request, pair, auth.settings.refresh_token_ttl)

    @post(
        "/logout",
        status_code=204,
        **bearer_guarded(authenticated),
        responses=error_responses(401),
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        auth: NamedDependency[AuthService],
    ) -> Response[None]:
        """Revoke this access token and every refresh token of its session; a browser
        session's refresh cookie is cleared."""
        await auth.logout(principal)
        return Response(None, status_code=204, cookies=[browser_session.cleared(request)])

    @get("/me", **bearer_guarded(authenticated), responses=error_responses(401, 404))
    async def me(
        self, principal: NamedDependency[Principal], auth: NamedDependency[AuthService]
    ) -> Account:
        """The caller's account."""
        return await auth.me(principal)

    @patch(
        "/me",
        **bearer_guarded(authenticated),
        responses=error_responses(401, 403, 404, 409, 422, 429),
    )
    async def update_me(
        self,
        data: JSONBody[UpdateMeRequest],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        auth: NamedDependency[AuthService],
    ) -> Account:
        """Change the username or the password (needs current_password; ends other sessions).

        Wrong current passwords count like failed logins (per account and address: 429).
        """
        return await auth.update_me(principal, data, _client(request))
