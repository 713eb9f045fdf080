"""Password rules and bcrypt hashing (cost >= 12)."""

from __future__ import annotations

import asyncio
import re
import secrets
from concurrent.futures import ThreadPoolExecutor

import bcrypt

from shared.errors import WsoptvError

MIN_ROUNDS = 12
# bcrypt only looks at the first 72 bytes; a longer password would be silently truncated.
MAX_PASSWORD_BYTES = 72


class WeakPassword(WsoptvError):
    code = "AUTH_WEAK_PASSWORD"
    status = 422


def check_password_rules(password: str) -> None:
    """At least 8 characters with upper case, lower case and a digit; at most 72 bytes."""
    problems = []
    if len(password) < 8:
        problems.append("at least 8 characters")
    if not re.search(r"[A-Z]", password):
        problems.append("an upper-case letter")
    if not re.search(r"[a-z]", password):
        problems.append("a lower-case letter")
    if not re.search(r"\d", password):
        problems.append("a digit")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        problems.append(f"at most {MAX_PASSWORD_BYTES} bytes")
    if problems:
        raise WeakPassword(
            "password must have " + ", ".join(problems), details={"requirements": problems}
        )


def hash_password(password: str, rounds: int = MIN_ROUNDS) -> str:
    """A bcrypt hash; CPU-bound (~0.2 s at cost 12): call it off the event loop."""
    if rounds < MIN_ROUNDS:
        raise ValueError(f"bcrypt cost must be at least {MIN_ROUNDS}")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    """Constant-time check of a password against its bcrypt hash."""
    encoded = password.encode()
    if len(encoded) > MAX_PASSWORD_BYTES:
        return False
    return bcrypt.checkpw(encoded, password_hash.encode())


_DUMMY_HASHES: dict[int, str] = {}


class PasswordHasher:
    """bcrypt on a small thread pool: the event loop never waits for a hash.

    bcrypt releases the GIL, so a pool as large as the cores keeps them busy while the loop
    goes on serving; more threads would only make every login slower.
    """

    def __init__(self, rounds: int, threads: int) -> None:
        self.rounds = rounds
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bcrypt")
        self._dummy_hash: str | None = None

    async def start(self) -> None:
        # A real hash of the same cost: checking an unknown user's password against it takes
        # as long as checking a real one, so timing does not tell which accounts exist.
        # Made once per process and cost (apps restarted in one process reuse it).
        if self.rounds not in _DUMMY_HASHES:
            _DUMMY_HASHES[self.rounds] = await self.hash(secrets.token_urlsafe(16))
        self._dummy_hash = _DUMMY_HASHES[self.rounds]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, hash_password, password, self.rounds)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check a password; `None` (no such user) costs the same and is always False."""
        if self._dummy_hash is None:
            raise RuntimeError("PasswordHasher.start() was not awaited")
        loop = asyncio.get_running_loop()
        matches = await loop.run_in_executor(
            self._pool, verify_password, password, password_hash or self._dummy_hash
        )
        return matches and password_hash is not None
