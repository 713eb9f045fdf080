"""HTTP routes of the stream block (SPEC §4: /api/stream/...)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from control.blocks.stream.schemas import (
    ProgressIn,
    ProgressOut,
    StreamInfoOut,
    StreamSessionsOut,
    StreamTokenOut,
)
from control.blocks.stream.service import StreamService
from control.blocks.stream.sessions import StreamSessions
from control.orchestration.contracts import Principal
from control.orchestration.identity import SignedInController
from control.web.openapi import error_responses
from control.web.params import Id

Sid = Annotated[UUID, PathParameter(description="Stream session id (uuid)")]


def _client_ip(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


class StreamController(SignedInController):
    path = "/stream"
    tags = ["stream"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @post("/{content_id:int}/token", status_code=201, responses=error_responses(401, 404))
    async def token(
        self,
        content_id: Id,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        stream: NamedDependency[StreamService],
    ) -> StreamTokenOut:
        """Start a stream session: a fresh sid and a token + edge URL for the content's file.

        404 CONTENT_NOT_FOUND for an unknown content. With STREAM_BIND_IP the token only
        opens the stream from the caller's network (/24 or /64).
        """
        return await stream.start(principal.user_id, content_id, _client_ip(request))

    @post("/{sid:uuid}/renew", status_code=200, responses=error_responses(401, 404))
    async def renew(
        self,
        sid: Sid,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        stream: NamedDependency[StreamService],
    ) -> StreamTokenOut:
        """A fresh token for the caller's own stream session, keeping its sid (and slot).

        404 STREAM_NOT_FOUND when the sid is unknown, ended, expired or someone else's.
        """
        return await stream.renew(principal.user_id, str(sid), _client_ip(request))

    @get("/sessions", responses=error_responses(401))
    async def list_sessions(
        self, principal: NamedDependency[Principal], sessions: NamedDependency[StreamSessions]
    ) -> StreamSessionsOut:
        """The caller's live streams, from the edge limiter's leases (with content titles)."""
        return await sessions.list(principal.user_id)

    @delete("/sessions/{sid:uuid}", status_code=204, responses=error_responses(401, 404))
    async def end_session(
        self,
        sid: Sid,
        principal: NamedDependency[Principal],
        sessions: NamedDependency[StreamSessions],
    ) -> None:
        """End one of the caller's streams and free its slot at once; its token is spent.

        404 STREAM_NOT_FOUND when the sid is not one of the caller's live or issued streams.
        """
        await sessions.end(principal.user_id, str(sid))

    @put("/{content_id:int}/progress", status_code=200, responses=error_responses(401, 404))
    async def put_progress(
        self,
        content_id: Id,
        data: JSONBody[ProgressIn],
        principal: NamedDependency[Principal],
        stream: NamedDependency[StreamService],
    ) -> ProgressOut:
        """Save the playback position (10% / 90% rules); returns the stored state.

        `client_ts` is the player's clock in ms: an update older than the stored one is not
        applied (`applied: false`) and the body shows the newer stored state. Without it the
        server's clock orders updates.
        """
        return await stream.save_progress(principal.user_id, content_id, data)

    @get("/{content_id:int}/progress", responses=error_responses(401, 404))
    async def get_progress(
        self,
        content_id: Id,
        principal: NamedDependency[Principal],
        stream: NamedDependency[StreamService],
    ) -> ProgressOut:
        """The caller's progress; never watched: `not_started` at 0 with `updated_at: null`."""
        return await stream.progress(principal.user_id, content_id)

    @get("/{content_id:int}/info", responses=error_responses(401, 404))
    async def info(self, content_id: Id, stream: NamedDependency[StreamService]) -> StreamInfoOut:
        """Duration, hand marks, skip zones (the gaps between hands) and the best-hands count."""
        return await stream.info(content_id)
