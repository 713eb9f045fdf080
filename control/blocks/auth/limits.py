"""Login and registration limits: per address, and per account and address with backoff.

After `limit` failed logins for one account from one address, that pair is locked out for
one window; every further failure doubles the lockout, up to `backoff_max`. A success
clears the count. The per-address limits bound attempts across all accounts.
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from control.settings import ControlSettings
from control.web.ratelimit import RateLimited, WindowLimiter, seconds_until

_FAILURES = "rl:login:failures:"
_LOCK = "rl:login:lock:"


def _pair(email: str, ip: str) -> str:
    # Hashed so arbitrary client input never shapes a Redis key.
    return hashlib.sha256(f"{email.strip().lower()}\x00{ip}".encode()).hexdigest()[:32]


class LoginLimits:
    def __init__(self, redis: Redis, settings: ControlSettings) -> None:
        self.redis = redis
        self.limit = settings.login_limit_per_account_ip
        self.window = settings.login_window
        self.backoff_max = settings.login_backoff_max
        self.per_ip = WindowLimiter(
            redis, "rl:login:ip", settings.login_limit_per_ip, settings.login_window
        )
        self.registrations = WindowLimiter(
            redis, "rl:register:ip", settings.register_limit_per_ip, settings.register_window
        )

    async def check_login(self, email: str, ip: str) -> None:
        """429 when this address tries too often or this account+address is locked out."""
        await self.per_ip.enforce(ip, "login attempts from this address")
        locked_ms = await self.redis.pttl(_LOCK + _pair(email, ip))
        if locked_ms > 0:
            raise RateLimited(
                "too many failed logins; wait before trying again", seconds_until(locked_ms)
            )

    async def login_failed(self, email: str, ip: str) -> None:
        pair = _pair(email, ip)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(_FAILURES + pair)
            pipe.expire(_FAILURES + pair, self.backoff_max)
            failures, _ = await pipe.execute()
        if failures >= self.limit:
            lockout = min(self.window * 2 ** (failures - self.limit), self.backoff_max)
            await self.redis.set(_LOCK + pair, b"1", ex=lockout)

    async def login_succeeded(self, email: str, ip: str) -> None:
        await self.redis.delete(_FAILURES + _pair(email, ip))

    async def check_registration(self, ip: str) -> None:
        await self.registrations.enforce(ip, "registrations from this address")
