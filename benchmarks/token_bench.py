"""Stream-token verification throughput: full verification vs the verified-token cache.

Not a test: prints a table. Run: .venv/bin/python benchmarks/token_bench.py [--seconds 2]
The cache case replays a player's pattern: many Range requests carrying the same token.
"""

from __future__ import annotations

import argparse
import secrets
import time
import uuid
from collections.abc import Callable

from shared.token import KeyRing, StreamTokenVerifier, mint_stream_token, verify_stream_token


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of `fn`, measured for about `seconds`."""
    calls, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(1000):
            fn()
        calls += 1000
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()

    ring = KeyRing.parse(f"k1:{secrets.token_urlsafe(32)}")
    tokens = [
        mint_stream_token(
            ring,
            sub=str(i),
            cid="17",
            sid=str(uuid.uuid4()),
            path="ARCHIVE/WSOP/2024/WSOP 2024 Main Event _ Day 1A.mp4",
        )
        for i in range(64)
    ]
    verifier = StreamTokenVerifier(ring)
    state = {"i": 0}

    def full() -> object:
        state["i"] += 1
        return verify_stream_token(ring, tokens[state["i"] & 63], client_ip="203.0.113.9")

    def cached() -> object:
        state["i"] += 1
        return verifier.verify(tokens[state["i"] & 63], "203.0.113.9")

    full_rate = rate(full, args.seconds)
    cached_rate = rate(cached, args.seconds)
    print(f"{'case':<28}{'verifications/s':>18}{'µs each':>12}")
    print(f"{'full (PyJWT HS256)':<28}{full_rate:>18,.0f}{1e6 / full_rate:>12.2f}")
    print(f"{'cached (64 live tokens)':<28}{cached_rate:>18,.0f}{1e6 / cached_rate:>12.2f}")
    print(f"cache speed-up: {cached_rate / full_rate:.1f}x")


if __name__ == "__main__":
    main()
