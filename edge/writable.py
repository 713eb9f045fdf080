"""Wait for a connection's socket to become writable without a second descriptor per socket.

uvloop refuses `add_writer` on a descriptor its transport owns, and a `dup` per connection
doubles the descriptors an edge needs (20,000 for 10,000 slow streams). Instead, one epoll
set per event loop holds the sockets that wait, each armed `EPOLLOUT | EPOLLONESHOT`; the
loop watches that set's own descriptor as a single reader and runs the callbacks of the
sockets that became writable. Closing a socket removes it from the set (the kernel does),
so a descriptor number reused by a new connection starts with a clean slate; `owner` tells
a stale registration from a new connection's.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import weakref
from collections.abc import Callable

_ARMED = select.EPOLLOUT | select.EPOLLONESHOT
_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WritableWatch] = (
    weakref.WeakKeyDictionary()
)


class WritableWatch:
    """One epoll set of sockets waiting to be writable, dispatched from the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._epoll = select.epoll()
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._owners: dict[int, object] = {}
        loop.add_reader(self._epoll.fileno(), self._dispatch)

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> WritableWatch:
        """The loop's watch (made on first use)."""
        watch = _watches.get(loop)
        if watch is None:
            watch = _watches[loop] = cls(loop)
        return watch

    def wait(self, fd: int, owner: object, callback: Callable[[], None]) -> None:
        """Call `callback` once, when `fd` (held by `owner`) can take more bytes."""
        if self._owners.get(fd) is owner:
            try:
                self._epoll.modify(fd, _ARMED)
            except FileNotFoundError:  # closed and reopened under the same number
                self._epoll.register(fd, _ARMED)
        else:
            try:
                self._epoll.register(fd, _ARMED)
            except FileExistsError:
                self._epoll.modify(fd, _ARMED)
            self._owners[fd] = owner
        self._callbacks[fd] = callback

    def forget(self, fd: int, owner: object) -> None:
        """Drop `owner`'s registration of `fd` (its connection is gone)."""
        if self._owners.get(fd) is not owner:
            return  # never registered, or the number already belongs to a new connection
        del self._owners[fd]
        self._callbacks.pop(fd, None)
        with contextlib.suppress(OSError):  # already closed: the kernel dropped it
            self._epoll.unregister(fd)

    def _dispatch(self) -> None:
        for fd, _ in self._epoll.poll(0):
            callback = self._callbacks.pop(fd, None)
            if callback is not None:
                callback()
