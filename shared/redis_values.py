"""Values read from Redis as text, whichever `decode_responses` the client was made with."""

from __future__ import annotations


def redis_text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
