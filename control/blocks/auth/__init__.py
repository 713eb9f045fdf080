"""The auth block: accounts, passwords, access and refresh tokens."""

from __future__ import annotations

from control.blocks.auth.controllers import AuthController
from control.blocks.auth.limits import LoginLimits
from control.blocks.auth.passwords import PasswordHasher
from control.blocks.auth.service import AuthService
from control.blocks.auth.tokens import AccessTokens
from control.orchestration.block import Block, BlockContext, Provision
from control.orchestration.contracts import AUTHENTICATOR, SESSION_CONTROL
from shared.token import KeyRing, TokenConfigError


async def _start(ctx: BlockContext) -> None:
    try:
        ring = KeyRing.parse(ctx.settings.access_token_keys)
    except TokenConfigError as exc:
        raise TokenConfigError(f"ACCESS_TOKEN_KEYS: {exc}") from exc
    hasher = PasswordHasher(ctx.settings.bcrypt_rounds, ctx.settings.password_hash_threads)
    await hasher.start()
    tokens = AccessTokens(ring, ctx.redis, ctx.settings.access_token_ttl)
    ctx.state.update(
        hasher=hasher,
        tokens=tokens,
        service=AuthService(
            ctx.settings, ctx.db, ctx.bus, hasher, tokens, LoginLimits(ctx.redis, ctx.settings)
        ),
    )


async def _stop(ctx: BlockContext) -> None:
    hasher: PasswordHasher = ctx.state["hasher"]
    hasher.close()


async def _probe(ctx: BlockContext) -> None:
    await ctx.db.fetchval("SELECT 1 FROM users LIMIT 1")
    await ctx.redis.ping()


BLOCK = Block(
    name="auth",
    version="1.0.0",
    provides=(
        Provision(AUTHENTICATOR, lambda ctx: ctx.state["tokens"]),
        Provision(SESSION_CONTROL, lambda ctx: ctx.state["service"]),
    ),
    route_handlers=(AuthController,),
    on_start=_start,
    on_stop=_stop,
    health=_probe,
    description="accounts, passwords, access and refresh tokens",
)
