"""Password rules and bcrypt hashing (cost >= 12)."""

from __future__ import annotations

import re

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
