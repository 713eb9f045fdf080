"""The stream block: stream tokens, the caller's live streams, watch progress, playback info."""

from __future__ import annotations

from control.blocks.stream.controllers import StreamController
from control.blocks.stream.owners import StreamOwners
from control.blocks.stream.service import StreamService
from control.blocks.stream.sessions import StreamSessions
from control.blocks.stream.tokens import StreamTokenIssuer
from control.orchestration.block import Block, BlockContext
from control.orchestration.contracts import (
    CONTENT_READER,
    L1_CACHE,
    ContentReader,
    L1Cache,
    Need,
)
from shared.token import MAX_LEEWAY_SECONDS


async def _start(ctx: BlockContext) -> None:
    settings = ctx.settings
    ring = settings.key_ring()  # TokenConfigError (names STREAM_TOKEN_KEYS) marks us down

    def content() -> ContentReader:
        return ctx.contract(CONTENT_READER)

    def cache() -> L1Cache:
        return ctx.contract(L1_CACHE)

    # A sid stays claimable while its token can start the stream and one idle lease after.
    lifetime = settings.stream_token_ttl + settings.stream_idle_ttl
    owners = StreamOwners(ctx.redis, lifetime)
    issuer = StreamTokenIssuer(
        ring,
        ttl_seconds=settings.stream_token_ttl,
        edge_public_url=settings.edge_public_url,
        bind_ip=settings.stream_bind_ip,
    )
    # An ended sid stays ended for as long as its newest token (plus the verifier's leeway)
    # could start it again.
    ended_for = settings.stream_token_ttl + MAX_LEEWAY_SECONDS + settings.stream_idle_ttl
    ctx.state.update(
        service=StreamService(ctx.db, ctx.bus, content, issuer, owners, cache),
        sessions=StreamSessions(
            ctx.redis,
            owners,
            ctx.bus,
            content,
            per_user_limit=settings.stream_limit_per_user,
            ended_for_seconds=ended_for,
        ),
    )


async def _probe(ctx: BlockContext) -> None:
    await ctx.db.fetchval("SELECT 1 FROM watch_progress LIMIT 1")
    await ctx.redis.ping()


BLOCK = Block(
    name="stream",
    requires=("auth", "content", "cache"),
    needs=(Need(CONTENT_READER.name, "1.0"), Need(L1_CACHE.name, "1.0")),
    route_handlers=(StreamController,),
    on_start=_start,
    health=_probe,
    description="stream tokens, the caller's live streams, watch progress and playback info",
)
