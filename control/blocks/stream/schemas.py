"""Request and response bodies of the stream endpoints (SPEC §4, /api/stream/...)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from control.orchestration.contracts import Hand

# Bounds stop absurd numbers (and JSON's 1e999 = infinity) before any work; 10^7 s is
# 115 days, longer than any recording.
_MAX_SECONDS = 10_000_000.0
Position = Annotated[float, msgspec.Meta(ge=0, le=_MAX_SECONDS)]
Duration = Annotated[float, msgspec.Meta(gt=0, le=_MAX_SECONDS)]
# The player's clock in ms since the epoch; PostgreSQL's bigint bounds it.
ClientClock = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
ProgressState = Literal["not_started", "in_progress", "completed"]


class StreamTokenOut(msgspec.Struct):
    """A playback URL on the edge and the token inside it; `expires_at` is when the token
    can no longer *start* the stream (a playing one goes on while its lease is alive)."""

    url: str
    token: str
    sid: str
    expires_at: datetime


class StreamSessionOut(msgspec.Struct):
    """One live stream of the caller, as the edge's limiter holds it."""

    sid: str
    content_id: int | None
    title: str | None
    started_at: datetime | None
    last_seen_at: datetime | None
    edge: str | None
    expires_at: datetime | None


class StreamSessionsOut(msgspec.Struct):
    sessions: list[StreamSessionOut]
    count: int
    limit: int


class ProgressIn(msgspec.Struct, forbid_unknown_fields=True):
    position_seconds: Position
    duration_seconds: Duration
    client_ts: ClientClock | None = None


class ProgressOut(msgspec.Struct, omit_defaults=True):
    """The stored progress; `applied` is false when a newer update (by the player's clock)
    was already stored, and the body then shows that newer state. GET leaves it out."""

    content_id: int
    position_seconds: float
    duration_seconds: float | None
    state: ProgressState
    completed: bool
    updated_at: datetime | None
    applied: bool | None = None


class SkipZoneOut(msgspec.Struct):
    start_seconds: float
    end_seconds: float


class StreamInfoOut(msgspec.Struct):
    content_id: int
    title: str
    duration_seconds: float | None
    hands: list[Hand]
    skip_zones: list[SkipZoneOut]
    best_hands: int
