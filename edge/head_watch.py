"""The request-head deadline (slowloris bound) of every connection of a server, on one timer.

A timer per connection costs memory and wake-ups that 10,000 streaming connections feel.
One timer per server ticks every `period` seconds instead and asks each connection to
check itself: a request head that was already unfinished at the previous tick and is still
the same one now has taken at least one period, so it is closed between one and two periods
after it began. The timer runs while the server has connections.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Collection

_watches: weakref.WeakKeyDictionary[object, HeadWatch] = weakref.WeakKeyDictionary()


class HeadWatch:
    """Ticks every `period` seconds over `connections` while there are any."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, period: float, connections: Collection[object]
    ) -> None:
        self._loop = loop
        self._period = period
        self._connections = connections
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def of(
        cls,
        server_state: object,
        loop: asyncio.AbstractEventLoop,
        period: float,
        connections: Collection[object],
    ) -> HeadWatch:
        """The watch of one server (uvicorn's ServerState), made on first use."""
        watch = _watches.get(server_state)
        if watch is None:
            watch = _watches[server_state] = cls(loop, period, connections)
        return watch

    def ensure_running(self) -> None:
        if self._timer is None:
            self._timer = self._loop.call_later(self._period, self._tick)

    def _tick(self) -> None:
        self._timer = None
        for connection in list(self._connections):
            # `head_tick` closes a connection whose head has been pending since the last tick
            # (edge.protocol); other protocols of the server have none.
            head_tick = getattr(connection, "head_tick", None)
            if head_tick is not None:
                head_tick()
        if self._connections:
            self.ensure_running()
