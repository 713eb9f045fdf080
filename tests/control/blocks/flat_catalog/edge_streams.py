"""Streams started and views counted by the edge's own limiter (edge/limiter.py + .lua).

Tests that read view counts or leases write them exactly as the edge does: through the
edge's StreamLimiter, against the same Redis.
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from edge.limiter import LimiterPolicy, StreamLimiter
from edge.metrics import EdgeMetrics
from shared.token import StreamClaims

POLICY = LimiterPolicy(
    global_limit=100,
    per_user_limit=3,
    idle_ttl=90.0,
    queue_size=0,
    queue_wait=0.0,
    failure_policy="closed",
    fallback_limit=0,
)


def edge_limiter(redis: Redis) -> StreamLimiter:
    return StreamLimiter(redis, POLICY, EdgeMetrics())


async def start_stream(limiter: StreamLimiter, user_id: int, content_id: int) -> StreamClaims:
    """A new stream (a lease, and one view of the content), as the edge admits it."""
    claims = StreamClaims(str(user_id), str(content_id), uuid.uuid4().hex, "x.mp4", 0, 0)
    await limiter.admit(claims, token_expired=False)
    return claims


async def end_stream(limiter: StreamLimiter, claims: StreamClaims) -> None:
    """The player ends the stream (DELETE /v/{token}): its lease is freed, its view stays."""
    await limiter.release(claims, token_lifetime=60)
