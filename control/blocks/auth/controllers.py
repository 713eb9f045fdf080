"""HTTP routes of the auth block (SPEC §4: /api/auth/...)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from control.blocks.auth.repository import User
from control.blocks.auth.schemas import (
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UpdateMeRequest,
    UserOut,
)
from control.blocks.auth.service import AuthService, Client
from control.orchestration.block import BlockContext
from control.orchestration.contracts import Principal
from control.orchestration.identity import authenticated
from control.web.openapi import BEARER, error_responses


def provide_service(block_context: NamedDependency[BlockContext]) -> AuthService:
    service: AuthService = block_context.state["service"]
    return service


def _client(request: Request[Any, Any, Any]) -> Client:
    return Client(
        ip=request.client.host if request.client else "unknown",
        user_agent=request.headers.get("user-agent"),
    )


def _out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        username=user.username,
        role=user.role,  # type: ignore[arg-type]
        status=user.status,  # type: ignore[arg-type]
        created_at=user.created_at,
    )


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = {"auth": Provide(provide_service, sync_to_thread=False)}  # noqa: RUF012

    @post("/register", status_code=201, responses=error_responses(409, 422))
    async def register(
        self,
        data: JSONBody[RegisterRequest],
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
    ) -> UserOut:
        """Create an account: active, or pending when registration needs approval."""
        return _out(await auth.register(data, _client(request)))

    @post("/login", status_code=200, responses=error_responses(401, 403, 422))
    async def login(
        self,
        data: JSONBody[LoginRequest],
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
    ) -> TokenPair:
        """Exchange email and password for an access token and a refresh token."""
        return await auth.login(data, _client(request))

    @post("/refresh", status_code=200, responses=error_responses(401, 403))
    async def refresh(
        self,
        data: JSONBody[RefreshRequest],
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
    ) -> TokenPair:
        """Rotate a refresh token; a spent one revokes its family (AUTH_REFRESH_REUSED).

        Refreshes of one token must be serialised by the client: of two parallel ones, one
        wins and the other counts as reuse, which also revokes the winner's new tokens.
        """
        return await auth.refresh(data.refresh_token, _client(request))

    @post(
        "/logout",
        status_code=204,
        guards=[authenticated],
        security=BEARER,
        responses=error_responses(401),
    )
    async def logout(
        self, principal: NamedDependency[Principal], auth: NamedDependency[AuthService]
    ) -> None:
        """Revoke this access token and every refresh token of its session."""
        await auth.logout(principal)

    @get("/me", guards=[authenticated], security=BEARER, responses=error_responses(401, 404))
    async def me(
        self, principal: NamedDependency[Principal], auth: NamedDependency[AuthService]
    ) -> UserOut:
        """The caller's account."""
        return _out(await auth.me(principal))

    @patch(
        "/me",
        guards=[authenticated],
        security=BEARER,
        responses=error_responses(401, 403, 404, 409, 422, 429),
    )
    async def update_me(
        self,
        data: JSONBody[UpdateMeRequest],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        auth: NamedDependency[AuthService],
    ) -> UserOut:
        """Change the username or the password (needs current_password; ends other sessions).

        Wrong current passwords count like failed logins (per account and address: 429).
        """
        return _out(await auth.update_me(principal, data, _client(request)))
