"""Small blocks for tests: one that breaks on purpose, one with guarded routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from control.orchestration.block import Block, BlockContext
from control.orchestration.contracts import SESSION_CONTROL, Need, Principal, SessionControl
from control.orchestration.identity import authenticated, bearer_guarded, require_role


@get("/broken/ping", sync_to_thread=False)
def broken_ping() -> dict[str, str]:
    return {"pong": "broken"}


async def _explode(ctx: BlockContext) -> None:
    raise RuntimeError("this block breaks on purpose")


# Requires auth so that a failure here cannot be mistaken for auth's own.
BROKEN_AT_START = Block("broken", start=_explode, requires=("auth",), route_handlers=(broken_ping,))


@get("/flaky/ping", sync_to_thread=False)
def flaky_ping() -> dict[str, str]:
    return {"pong": "flaky"}


@dataclass
class FlakyServices:
    sick: bool = False


async def _flaky_start(ctx: BlockContext) -> FlakyServices:
    return FlakyServices()


async def _flaky_probe(services: FlakyServices) -> None:
    if services.sick:
        raise ConnectionError("lost its backend")


FLAKY = Block("flaky", start=_flaky_start, health=_flaky_probe, route_handlers=(flaky_ping,))


@get("/guarded/any", **bearer_guarded(authenticated))
async def any_user(principal: NamedDependency[Principal]) -> dict[str, Any]:
    return {"user_id": principal.user_id, "role": principal.role}


@get("/guarded/staff", **bearer_guarded(require_role("moderator", "admin")), sync_to_thread=False)
def staff_only() -> dict[str, str]:
    return {"ok": "staff"}


@get("/guarded/admin", **bearer_guarded(require_role("admin")), sync_to_thread=False)
def admin_only() -> dict[str, str]:
    return {"ok": "admin"}


@get("/guarded/crash", sync_to_thread=False)
def crash() -> dict[str, str]:
    raise RuntimeError("secret internals /etc/passwd")


GUARDED: Block[None] = Block(
    "guarded",
    requires=("auth",),
    route_handlers=(any_user, staff_only, admin_only, crash),
)


@dataclass(frozen=True)
class SuspenderServices:
    sessions: SessionControl


async def _suspender_start(ctx: BlockContext) -> SuspenderServices:
    return SuspenderServices(ctx.contract(SESSION_CONTROL))


@post("/suspender/{user_id:int}", **bearer_guarded(require_role("admin")), status_code=200)
async def end_sessions(
    user_id: FromPath[int], sessions: NamedDependency[SessionControl]
) -> dict[str, int]:
    return {"revoked": await sessions.revoke_user_sessions(user_id, "suspended")}


# A consumer of a contract: declares the need and requires the provider block.
SUSPENDER = Block(
    "suspender",
    start=_suspender_start,
    requires=("auth",),
    needs=(Need("session_control", "1.0"),),
    route_handlers=(end_sessions,),
)
