"""Access tokens: JWTs of typ "access" for this service, with revocation kept in Redis.

A token carries its own id (`jti`) and its refresh family (`fam`). Logging out blacklists
the jti; revoking a family (logout, reuse, password change) marks the family. Both marks
expire when the last token they could concern does, so Redis holds no garbage.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

from control.blocks.auth import errors
from control.orchestration.contracts import Principal
from shared.token import KeyRing, TokenError, decode, mint
from shared.token import TokenExpired as SharedTokenExpired

ACCESS_TYP = "access"
CONTROL_AUDIENCE = "wsoptv-control"
_JTI_KEY = "auth:revoked:jti:"
_FAMILY_KEY = "auth:revoked:family:"


@dataclass(frozen=True, slots=True)
class IssuedAccess:
    token: str
    expires_in: int


class AccessTokens:
    """Mints, verifies and revokes access tokens; implements the AUTHENTICATOR contract."""

    def __init__(self, ring: KeyRing, redis: Redis, ttl_seconds: int) -> None:
        self.ring = ring
        self.redis = redis
        self.ttl = ttl_seconds

    def issue(self, user_id: int, role: str, family_id: uuid.UUID) -> IssuedAccess:
        claims = {"sub": str(user_id), "role": role, "jti": uuid.uuid4().hex, "fam": str(family_id)}
        token = mint(
            self.ring, claims, typ=ACCESS_TYP, audience=CONTROL_AUDIENCE, ttl_seconds=self.ttl
        )
        return IssuedAccess(token, self.ttl)

    def verify(self, token: str) -> Principal:
        """Signature, type, audience and times; no revocation check (see authenticate)."""
        try:
            claims = decode(
                self.ring,
                token,
                typ=ACCESS_TYP,
                audience=CONTROL_AUDIENCE,
                required=("sub", "role", "jti", "fam"),
            )
        except SharedTokenExpired:
            raise errors.TokenExpired("the access token has expired; refresh it") from None
        except TokenError as exc:
            raise errors.TokenInvalid(
                "the access token is not valid", details={"reason": exc.reason}
            ) from None
        try:
            return Principal(
                user_id=int(claims["sub"]),
                role=str(claims["role"]),
                token_id=str(claims["jti"]),
                family_id=str(claims["fam"]),
                expires_at=int(claims["exp"]),
            )
        except (TypeError, ValueError):
            raise errors.TokenInvalid(
                "the access token is not valid", details={"reason": "bad_claims"}
            ) from None

    async def authenticate(self, token: str) -> Principal:
        """A verified, unrevoked token's principal; 401 with a code otherwise."""
        principal = self.verify(token)
        revoked_jti, revoked_family = await self.redis.mget(
            _JTI_KEY + principal.token_id, _FAMILY_KEY + principal.family_id
        )
        if revoked_jti is not None or revoked_family is not None:
            raise errors.TokenRevoked("the access token was revoked")
        return principal

    async def revoke(self, principal: Principal) -> None:
        """Blacklist this token until it would have expired anyway."""
        remaining = max(1, principal.expires_at - int(time.time()) + 1)
        await self.redis.set(_JTI_KEY + principal.token_id, b"1", ex=remaining)

    async def revoke_families(self, family_ids: list[str]) -> None:
        """Refuse every access token of these families for as long as any could be alive."""
        if not family_ids:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for family_id in family_ids:
                pipe.set(_FAMILY_KEY + family_id, b"1", ex=self.ttl + 60)
            await pipe.execute()
