"""Login and registration limits: per address, and per account and address with backoff.

Every password check of one account from one address counts as a failure the moment it
is allowed (atomically, in Redis), and a success clears the count: parallel guesses cannot
all pass the check before the first one is recorded. The attempt that reaches `limit`
still runs, but locks the pair out for one window; each further attempt after a lockout
doubles it, up to `backoff_max`. The per-address limits bound attempts across all accounts.
An address is an IPv4 address or an IPv6 /64 (see address_key).
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from control.settings import ControlSettings
from control.web.ratelimit import RateLimited, WindowLimiter, address_key, seconds_until

_FAILURES = "rl:login:failures:"
_LOCK = "rl:login:lock:"
# Refuse while locked out; otherwise count this attempt and, at the limit, lock the pair
# out for window * 2^(failures - limit), at most backoff_max. Returns the lock's ms left
# (refused) or 0 (allowed).
_ATTEMPT_LUA = """
local locked = redis.call('PTTL', KEYS[2])
if locked > 0 then
  return locked
end
local failures = redis.call('INCR', KEYS[1])
local limit, window, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('PEXPIRE', KEYS[1], longest)
if failures >= limit then
  local lockout = math.min(window * 2 ^ (failures - limit), longest)
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(lockout))
end
return 0
"""


def _pair(account: str, ip: str) -> str:
    # Hashed so arbitrary client input never shapes a Redis key.
    pair = f"{account.strip().lower()}\x00{address_key(ip)}"
    return hashlib.sha256(pair.encode()).hexdigest()[:32]


def _user(user_id: int) -> str:
    # "#<id>" can never be an email (no "@"), so the two kinds of count never mix.
    return f"#{user_id}"


class LoginLimits:
    def __init__(self, redis: Redis, settings: ControlSettings) -> None:
        self.redis = redis
        self.limit = settings.login_limit_per_account_ip
        self.window = settings.login_window
        self.backoff_max = settings.login_backoff_max
        self._attempt = redis.register_script(_ATTEMPT_LUA)
        self.per_ip = WindowLimiter(
            redis, "rl:login:ip", settings.login_limit_per_ip, settings.login_window
        )
        self.registrations = WindowLimiter(
            redis, "rl:register:ip", settings.register_limit_per_ip, settings.register_window
        )

    async def check_login(self, email: str, ip: str) -> None:
        """Count a login attempt; 429 when this address or this account+address is over."""
        await self.per_ip.enforce(address_key(ip), "login attempts from this address")
        await self._count(_pair(email, ip))

    async def login_succeeded(self, email: str, ip: str) -> None:
        await self._clear(_pair(email, ip))

    async def check_password_check(self, user_id: int, ip: str) -> None:
        """Count a check of the current password (a password change) like a login attempt."""
        await self.per_ip.enforce(address_key(ip), "login attempts from this address")
        await self._count(_pair(_user(user_id), ip))

    async def password_check_succeeded(self, user_id: int, ip: str) -> None:
        await self._clear(_pair(_user(user_id), ip))

    async def _count(self, pair: str) -> None:
        locked_ms = int(
            await self._attempt(
                keys=[_FAILURES + pair, _LOCK + pair],
                args=[self.limit, self.window * 1000, self.backoff_max * 1000],
            )
        )
        if locked_ms > 0:
            raise RateLimited(
                "too many failed logins; wait before trying again", seconds_until(locked_ms)
            )

    async def _clear(self, pair: str) -> None:
        await self.redis.delete(_FAILURES + pair, _LOCK + pair)

    async def check_registration(self, ip: str) -> None:
        await self.registrations.enforce(address_key(ip), "registrations from this address")
