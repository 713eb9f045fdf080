"""uvicorn's FlowControl without the per-connection asyncio.Event until a writer must wait.

uvicorn makes an Event (with its deque of waiters) for every connection; the direct path
never waits on it, and 10,000 slow streams would carry 10,000 of them. Same interface and
behaviour, made on demand.
"""

from __future__ import annotations

import asyncio


class LeanFlowControl:
    """Pauses reading for pipelined requests; lets ASGI senders wait while writing is paused."""

    __slots__ = ("_transport", "_writable", "read_paused", "write_paused")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self.read_paused = False
        self.write_paused = False
        self._writable: asyncio.Event | None = None

    async def drain(self) -> None:
        if not self.write_paused:
            return
        if self._writable is None:
            self._writable = asyncio.Event()
        await self._writable.wait()

    def pause_reading(self) -> None:
        if not self.read_paused:
            self.read_paused = True
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused:
            self.read_paused = False
            self._transport.resume_reading()

    def pause_writing(self) -> None:
        if not self.write_paused:
            self.write_paused = True
            if self._writable is not None:
                self._writable.clear()

    def resume_writing(self) -> None:
        if self.write_paused:
            self.write_paused = False
            if self._writable is not None:
                self._writable.set()
