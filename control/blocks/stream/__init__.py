"""The stream block: stream tokens, the caller's live streams, watch progress, playback info."""

from __future__ import annotations

from dataclasses import dataclass

from control.blocks.stream.controllers import StreamController
from control.blocks.stream.owners import StreamOwners
from control.blocks.stream.service import StreamService
from control.blocks.stream.sessions import StreamSessions
from control.blocks.stream.tokens import StreamTokenIssuer
from control.orchestration.block import Block, BlockContext, Tables
from control.orchestration.contracts import CONTENT_READER, L1_CACHE, Need
from shared.token import MAX_LEEWAY_SECONDS


@dataclass(frozen=True, slots=True)
class StreamServices:
    stream: StreamService
    sessions: StreamSessions


async def start(ctx: BlockContext) -> StreamServices:
    settings = ctx.settings
    ring = settings.key_ring()  # TokenConfigError (names STREAM_TOKEN_KEYS) marks us down
    content = ctx.contract(CONTENT_READER)
    # A sid stays claimable while its token can start the stream and one idle lease after.
    owners = StreamOwners(ctx.redis, settings.stream_token_ttl + settings.stream_idle_ttl)
    issuer = StreamTokenIssuer(
        ring,
        ttl_seconds=settings.stream_token_ttl,
        edge_public_url=settings.edge_public_url,
        bind_ip=settings.stream_bind_ip,
    )
    # An ended sid stays ended for as long as its newest token (plus the verifier's leeway)
    # could start it again.
    ended_for = settings.stream_token_ttl + MAX_LEEWAY_SECONDS + settings.stream_idle_ttl
    return StreamServices(
        stream=StreamService(ctx.db, ctx.bus, content, issuer, owners, ctx.contract(L1_CACHE)),
        sessions=StreamSessions(
            ctx.redis,
            content,
            per_user_limit=settings.stream_limit_per_user,
            ended_for_seconds=ended_for,
        ),
    )


async def probe(services: StreamServices) -> None:
    await services.stream.db.fetchval("SELECT 1 FROM watch_progress LIMIT 1")
    await services.sessions.redis.ping()


BLOCK = Block(
    name="stream",
    start=start,
    health=probe,
    requires=("auth", "content", "cache"),
    needs=(Need(CONTENT_READER.name, "2.0"), Need(L1_CACHE.name, "1.0")),
    route_handlers=(StreamController,),
    tables=Tables(owns=("watch_progress",)),
)
