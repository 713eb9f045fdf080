"""The catalog's `event_type`: one filterable word derived from the title generator's metadata.

The generator describes a file in detail (content_type "hand clip", event_name
"Super Main Event", tag "bracelet event"...); browsing needs a handful of stable values:

    hand_clip       one hand cut out of a broadcast
    highlight       short-form material: highlights, clips, previews, player emotion, extras
    main_event      any day or final of a Main Event (also Super / Mini Main Event)
    bracelet_event  a numbered or named WSOP bracelet event that is not the main event
    side_event      a named event of another tour (MPP, GGMillions, a circuit...)
    show            a produced episode with no tournament event (PAD, GOG, pre-2016 shows)

Checked in this order: a hand clip of the main event is a hand_clip, because that is what
a viewer gets when they open it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, get_args

from control.orchestration.contracts import EventType

EVENT_TYPES: Final = get_args(EventType)
_SHORT_FORM = frozenset({"highlight", "clip", "preview", "player emotion", "extra"})
_MAIN_EVENT = re.compile(r"\b(?:(?:super|mini)\s+)?main\s+event\b", re.IGNORECASE)
# Series that award bracelets (the circuits award rings: their events are side events).
_BRACELET_SERIES = frozenset({"WSOP", "WSOP Europe", "WSOP Paradise", "WSOP APAC"})


def event_type(metadata: Mapping[str, Any]) -> EventType:
    """One of EVENT_TYPES for a title generator's metadata."""
    content_type = str(metadata.get("content_type") or "").lower()
    if content_type == "hand clip":
        return "hand_clip"
    if content_type in _SHORT_FORM:
        return "highlight"
    event_name = str(metadata.get("event_name") or "")
    if _MAIN_EVENT.search(event_name):
        return "main_event"
    tags = {str(tag).lower() for tag in metadata.get("extra_tags") or ()}
    named_event = bool(event_name) or metadata.get("event_number") is not None
    if metadata.get("series") in _BRACELET_SERIES and (named_event or "bracelet event" in tags):
        return "bracelet_event"
    return "side_event" if named_event else "show"
