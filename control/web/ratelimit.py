"""Fixed-window rate limits in Redis: one atomic INCR-and-expire per hit, for all processes."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from redis.asyncio import Redis

from shared.errors import WsoptvError

# INCR, start the window on the first hit, and report its remaining time: one round trip,
# atomic, so concurrent hits from many processes never share a count or lose the expiry.
_WINDOW_LUA = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RateLimited(WsoptvError):
    code = "RATE_LIMITED"
    status = 429

    def __init__(self, message: str, retry_after: int, **details: object) -> None:
        super().__init__(message, details={"retry_after": retry_after, **details})
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int


def address_key(ip: str) -> str:
    """What a per-address limit counts: an IPv4 address, or the /64 of an IPv6 one.

    An IPv6 subscriber is usually handed a whole /64; counting single addresses would let
    one client rotate through billions of them.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return ip


def seconds_until(milliseconds: int) -> int:
    """Retry-After in whole seconds, never 0 while the window is still open."""
    return max(1, math.ceil(milliseconds / 1000))


class WindowLimiter:
    """At most `limit` hits per key in each `window_seconds` window."""

    def __init__(self, redis: Redis, prefix: str, limit: int, window_seconds: int) -> None:
        self.prefix = prefix
        self.limit = limit
        self.window_ms = window_seconds * 1000
        self._script = redis.register_script(_WINDOW_LUA)

    async def hit(self, key: str) -> Verdict:
        count, ttl = await self._script(keys=[f"{self.prefix}:{key}"], args=[self.window_ms])
        return Verdict(int(count) <= self.limit, int(count), self.limit, seconds_until(int(ttl)))

    async def enforce(self, key: str, what: str) -> None:
        """Count a hit; RateLimited (429 with Retry-After) once over the limit."""
        verdict = await self.hit(key)
        if not verdict.allowed:
            raise RateLimited(
                f"too many {what}; retry in {verdict.retry_after} s",
                verdict.retry_after,
                limit=verdict.limit,
            )
