"""Event-driven invalidation: bus events decide which L1 keys are stale.

`content.*` events stale the content itself and the shared home rows (an update or a
deletion also stales everyone's Continue Watching, which shows the content's title);
`stream.progress_updated` stales the user's own home row. When the bus reconnects after
losing Redis, other processes' events of the gap are lost: every key is dropped.
Events are coalesced: a library import publishes one event per file, and a burst is applied
as one round of deletes and prefix scans instead of one round per event.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from control.blocks.cache.l1 import L1Cache
from control.orchestration.bus import Event
from control.orchestration.contracts import CacheKeys

log = logging.getLogger("wsoptv.control.cache.invalidation")
CONTENT_EVENTS = "content.*"
PROGRESS_EVENT = "stream.progress_updated"


@dataclass(slots=True)
class _Pending:
    keys: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)


def _int(payload: dict[str, Any], name: str) -> int | None:
    value = payload.get(name)
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class Invalidator:
    """Bus handlers that drop stale L1 keys; `settled()` waits until none is pending."""

    def __init__(self, cache: L1Cache) -> None:
        self._cache = cache
        self._pending = _Pending()
        self._flusher: asyncio.Task[None] | None = None
        self.rounds = 0  # invalidation rounds applied (a burst of events is one round)

    async def on_content_event(self, event: Event) -> None:
        keys = {CacheKeys.HOME_SHARED}
        content_id = _int(event.payload, "content_id")
        if content_id is not None:
            keys.add(CacheKeys.content(content_id))
        prefixes = set() if event.type.endswith(".created") else {CacheKeys.HOME_USER_PREFIX}
        await self._add(keys, prefixes)

    async def on_progress_event(self, event: Event) -> None:
        user_id = _int(event.payload, "user_id")
        if user_id is None:
            log.warning("%s without a user_id (event %s): ignored", event.type, event.id)
            return
        await self._add({CacheKeys.home_user(user_id)}, set())

    async def on_bus_reconnected(self, event: Event) -> None:
        self._cache.mark_stale()

    async def _add(self, keys: set[str], prefixes: set[str]) -> None:
        self._pending.keys |= keys
        self._pending.prefixes |= prefixes
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        # The handler returns once its invalidation is applied: the bus's timeout and
        # failure accounting then cover it.
        await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        # One loop turn lets the other events of a burst join this round.
        await asyncio.sleep(0)
        while self._pending.keys or self._pending.prefixes:
            batch, self._pending = self._pending, _Pending()
            # A prefix already covers its own keys.
            keys = [k for k in batch.keys if not any(k.startswith(p) for p in batch.prefixes)]
            await self._cache.invalidate(*keys)
            for prefix in sorted(batch.prefixes):
                await self._cache.invalidate_prefix(prefix)
            self.rounds += 1

    async def settled(self) -> None:
        """Return once every invalidation received so far is applied."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
