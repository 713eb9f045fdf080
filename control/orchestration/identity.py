"""Who is calling: bearer-token authentication and role guards for every block's routes.

Blocks never import the auth block; these guards reach it through the AUTHENTICATOR
contract. A guarded route always declares the bearer security scheme in OpenAPI too: take
a controller base (`SignedInController`, `AdminOnlyController`) or, for one route of an
otherwise public controller, `**bearer_guarded(authenticated)`. The app refuses to start
when a guard and its declaration disagree (routing.check_wiring).
The principal is resolved once per request and kept in the request state.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from control.orchestration.contracts import AUTHENTICATOR, Principal
from control.orchestration.registry import BlockRegistry
from shared.errors import WsoptvError

ROLES = ("user", "moderator", "admin")
BEARER_SCHEME = "bearer"
BEARER: list[dict[str, list[str]]] = [{BEARER_SCHEME: []}]
_STATE_KEY = "principal"
# Every guard that needs a bearer token: check_wiring matches them with declared security.
_BEARER_GUARDS: set[Guard] = set()


class AuthenticationRequired(WsoptvError):
    code = "AUTH_REQUIRED"
    status = 401


class Forbidden(WsoptvError):
    code = "AUTH_FORBIDDEN"
    status = 403


def bearer_token(connection: ASGIConnection) -> str:  # type: ignore[type-arg]
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationRequired("an 'Authorization: Bearer <access token>' header is required")
    return token.strip()


async def current_principal(connection: ASGIConnection) -> Principal:  # type: ignore[type-arg]
    """The authenticated caller; AuthenticationRequired or the authenticator's 401 otherwise."""
    cached = connection.state.get(_STATE_KEY)
    if isinstance(cached, Principal):
        return cached
    registry: BlockRegistry = connection.app.state.registry
    principal = await registry.provided(AUTHENTICATOR).authenticate(bearer_token(connection))
    connection.state[_STATE_KEY] = principal
    return principal


async def authenticated(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    """Guard: any authenticated caller."""
    await current_principal(connection)


_BEARER_GUARDS.add(authenticated)


def require_role(*roles: str) -> Guard:
    """Guard: an authenticated caller whose role is one of `roles`."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}")

    async def role_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        principal = await current_principal(connection)
        if principal.role not in roles:
            raise Forbidden(
                f"this needs the role {' or '.join(roles)}",
                details={"required": list(roles), "role": principal.role},
            )

    _BEARER_GUARDS.add(role_guard)
    return role_guard


def is_bearer_guard(guard: Guard) -> bool:
    return guard in _BEARER_GUARDS


def bearer_guarded(*guards: Guard) -> dict[str, Any]:
    """Keyword arguments for one route decorator: its guards and the bearer declaration."""
    return {"guards": list(guards), "security": BEARER}


class SignedInController(Controller):
    """Routes for any signed-in account (any role)."""

    guards = [authenticated]  # noqa: RUF012 (Litestar reads these as class attributes)
    security = BEARER


class AdminOnlyController(Controller):
    """Routes for the admin role only."""

    guards = [require_role("admin")]  # noqa: RUF012
    security = BEARER


async def provide_principal(request: Request) -> Principal:  # type: ignore[type-arg]
    """Dependency `principal`: the caller the guards already authenticated."""
    return await current_principal(request)
