"""The message bus's wire format, shared by the control plane's bus and the edge's limiter.

Control processes fan events out over Redis pub/sub on `BUS_CHANNEL_PREFIX + channel`, each
message `{"origin": <publishing process>, "event": <envelope>}` where the envelope is
`{source, type, payload, correlation_id, reply_to, id, timestamp}` (control's `Event`).
The edge publishes `stream.started` and `stream.ended` in this format from limiter.lua,
atomically with the lease change they report.
"""

from __future__ import annotations

import json
from typing import Any

BUS_CHANNEL_PREFIX = "wsoptv:bus:"

STREAM_STARTED = "stream.started"  # payload: user_id, content_id, sid, edge
STREAM_ENDED = "stream.ended"  # payload: user_id, content_id, sid, reason ("player"|"control")


def wire_message(origin: str, event: dict[str, Any]) -> str:
    """One bus message as published on Redis: the envelope and the process it came from."""
    return json.dumps({"origin": origin, "event": event})
