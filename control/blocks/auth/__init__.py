"""The auth block: accounts, passwords, access and refresh tokens."""

from __future__ import annotations

from dataclasses import dataclass

from control.blocks.auth.accounts import AccountDirectory
from control.blocks.auth.controllers import AuthController
from control.blocks.auth.limits import LoginLimits
from control.blocks.auth.passwords import PasswordHasher
from control.blocks.auth.service import AuthService
from control.blocks.auth.tokens import AccessTokens
from control.orchestration.block import Block, BlockContext, Provision, Tables
from control.orchestration.contracts import ACCOUNTS, AUTHENTICATOR, SESSION_CONTROL
from shared.token import KeyRing, TokenConfigError


@dataclass(frozen=True, slots=True)
class AuthServices:
    auth: AuthService
    tokens: AccessTokens
    accounts: AccountDirectory
    hasher: PasswordHasher


async def start(ctx: BlockContext) -> AuthServices:
    try:
        ring = KeyRing.parse(ctx.settings.access_token_keys)
    except TokenConfigError as exc:
        raise TokenConfigError(f"ACCESS_TOKEN_KEYS: {exc}") from exc
    hasher = PasswordHasher(ctx.settings.bcrypt_rounds, ctx.settings.password_hash_threads)
    await hasher.start()
    tokens = AccessTokens(ring, ctx.redis, ctx.settings.access_token_ttl)
    limits = LoginLimits(ctx.redis, ctx.settings)
    return AuthServices(
        auth=AuthService(ctx.settings, ctx.db, ctx.bus, hasher, tokens, limits),
        tokens=tokens,
        accounts=AccountDirectory(ctx.db),
        hasher=hasher,
    )


async def stop(services: AuthServices) -> None:
    services.hasher.close()


async def probe(services: AuthServices) -> None:
    await services.auth.db.fetchval("SELECT 1 FROM users LIMIT 1")
    await services.tokens.redis.ping()


BLOCK = Block(
    name="auth",
    start=start,
    stop=stop,
    health=probe,
    provides=(
        Provision(AUTHENTICATOR, lambda s: s.tokens),
        Provision(SESSION_CONTROL, lambda s: s.auth),
        Provision(ACCOUNTS, lambda s: s.accounts),
    ),
    route_handlers=(AuthController,),
    tables=Tables(owns=("users", "refresh_sessions")),
)
