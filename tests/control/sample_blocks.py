"""Small blocks for tests: one that breaks on purpose, one with guarded routes."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from control.orchestration.block import Block, BlockContext
from control.orchestration.contracts import SESSION_CONTROL, Need, Principal
from control.orchestration.identity import authenticated, require_role


@get("/broken/ping", sync_to_thread=False)
def broken_ping() -> dict[str, str]:
    return {"pong": "broken"}


async def _explode(ctx: BlockContext) -> None:
    raise RuntimeError("this block breaks on purpose")


# Requires auth so that a failure here cannot be mistaken for auth's own.
BROKEN_AT_START = Block(
    "broken", requires=("auth",), route_handlers=(broken_ping,), on_start=_explode
)


@get("/flaky/ping", sync_to_thread=False)
def flaky_ping() -> dict[str, str]:
    return {"pong": "flaky"}


async def _flaky_probe(ctx: BlockContext) -> None:
    if ctx.state.get("sick"):
        raise ConnectionError("lost its backend")


FLAKY = Block("flaky", route_handlers=(flaky_ping,), health=_flaky_probe)


@get("/guarded/any", guards=[authenticated])
async def any_user(principal: NamedDependency[Principal]) -> dict[str, Any]:
    return {"user_id": principal.user_id, "role": principal.role}


@get("/guarded/staff", guards=[require_role("moderator", "admin")], sync_to_thread=False)
def staff_only() -> dict[str, str]:
    return {"ok": "staff"}


@get("/guarded/admin", guards=[require_role("admin")], sync_to_thread=False)
def admin_only() -> dict[str, str]:
    return {"ok": "admin"}


@get("/guarded/crash", sync_to_thread=False)
def crash() -> dict[str, str]:
    raise RuntimeError("secret internals /etc/passwd")


GUARDED = Block(
    "guarded",
    requires=("auth",),
    route_handlers=(any_user, staff_only, admin_only, crash),
)


@post("/suspender/{user_id:int}", guards=[require_role("admin")], status_code=200)
async def end_sessions(
    user_id: FromPath[int], block_context: NamedDependency[BlockContext]
) -> dict[str, int]:
    control = block_context.contract(SESSION_CONTROL)
    return {"revoked": await control.revoke_user_sessions(user_id, "suspended")}


# A consumer of a contract: declares the need and requires the provider block.
SUSPENDER = Block(
    "suspender",
    requires=("auth",),
    needs=(Need("session_control", "1.0"),),
    route_handlers=(end_sessions,),
)
