"""The message bus: typed events, delivered in-process and fanned out to every control process.

Channels are `{block}.{event}` names; a subscription takes a channel or an fnmatch pattern
(`content.*`). Each handler runs in its own task with a timeout, so a failing or slow
handler never reaches the publisher or the other handlers: its error is logged and counted.
Events from other processes arrive through Redis pub/sub; a process skips its own echo
because it already delivered the event locally.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from control.orchestration.errors import BusTimeout, OrchestrationError
from shared.events import BUS_CHANNEL_PREFIX, wire_message

log = logging.getLogger("wsoptv.control.bus")
Handler = Callable[["Event"], Awaitable[None]]
# The wire format is shared with the edge, which publishes stream.started / stream.ended.
CHANNEL_PREFIX = BUS_CHANNEL_PREFIX
REPLY_PREFIX = "wsoptv:bus-reply:"
# Delivered in-process only, when the listener is subscribed again after losing Redis:
# other processes' events of the gap are lost, so caches must not trust what they hold.
RECONNECTED = "bus.reconnected"
RESUBSCRIBE_MIN_DELAY = 0.1
RESUBSCRIBE_MAX_DELAY = 5.0


@dataclass(frozen=True, slots=True)
class Event:
    """The envelope every subscriber receives: never a bare dict."""

    source: str
    type: str
    payload: dict[str, Any]
    correlation_id: str | None = None
    reply_to: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    timestamp: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Rebuild an envelope from the wire; OrchestrationError when it is not one."""
        try:
            event = cls(**data)
        except TypeError as exc:
            raise OrchestrationError(f"not an event envelope: {exc}") from exc
        if not isinstance(event.payload, dict) or not all(
            isinstance(value, str) for value in (event.source, event.type, event.id)
        ):
            raise OrchestrationError("event envelope has ill-typed fields")
        return event


@dataclass(frozen=True, slots=True)
class Subscription:
    pattern: str
    handler: Handler

    @property
    def handler_name(self) -> str:
        return getattr(self.handler, "__qualname__", repr(self.handler))


@dataclass(slots=True)
class BusStats:
    """Counters the metrics endpoint exports."""

    published: Counter[str] = field(default_factory=Counter)
    received: Counter[str] = field(default_factory=Counter)  # from other processes
    delivered: Counter[str] = field(default_factory=Counter)
    failed: Counter[tuple[str, str]] = field(default_factory=Counter)
    timed_out: Counter[tuple[str, str]] = field(default_factory=Counter)
    resubscribed: int = 0
    fanout_failures: int = 0  # events other processes did not get (Redis unreachable)


class MessageBus:
    """publish / subscribe / request_response over in-process delivery plus Redis fan-out."""

    def __init__(
        self,
        redis: Redis | None = None,
        *,
        handler_timeout: float = 30.0,
        process_id: str | None = None,
    ) -> None:
        self.redis = redis
        self.handler_timeout = handler_timeout
        self.process_id = process_id or uuid.uuid4().hex
        self.stats = BusStats()
        self._subscriptions: list[Subscription] = []
        self._pending: dict[str, asyncio.Future[Event]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._listening = False
        self._fanout_down = False

    # subscriptions ------------------------------------------------------------------------

    def subscribe(self, pattern: str, handler: Handler) -> Subscription:
        """Deliver events on channels matching `pattern`; subscribing twice is one subscription."""
        subscription = Subscription(pattern, handler)
        if subscription not in self._subscriptions:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with contextlib.suppress(ValueError):
            self._subscriptions.remove(subscription)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        return tuple(self._subscriptions)

    @property
    def listening(self) -> bool:
        """Whether other processes' events can arrive now (always true without Redis)."""
        return self.redis is None or self._listening

    # publishing ---------------------------------------------------------------------------

    async def publish(self, channel: str, event: Event) -> None:
        """Deliver `event` to this process's subscribers and to every other process."""
        if not isinstance(event, Event):
            raise TypeError(f"publish() takes an Event envelope, not {type(event).__name__}")
        self.stats.published[channel] += 1
        self._dispatch(channel, event)
        if self.redis is not None:
            await self._send(CHANNEL_PREFIX + channel, event)

    async def request_response(
        self,
        channel: str,
        payload: dict[str, Any],
        *,
        source: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Event:
        """Publish a request and wait for the first reply; BusTimeout when none comes in time."""
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        request = Event(
            source=source,
            type=channel,
            payload=payload,
            correlation_id=correlation_id,
            reply_to=self.process_id,
        )
        try:
            await self.publish(channel, request)
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise BusTimeout(
                f"no reply on {channel!r} within {timeout} s",
                details={"channel": channel, "correlation_id": correlation_id},
            ) from None
        finally:
            self._pending.pop(correlation_id, None)

    async def reply(self, request: Event, payload: dict[str, Any], *, source: str) -> None:
        """Answer a request_response() call, in whichever process it was made."""
        if request.correlation_id is None or request.reply_to is None:
            raise OrchestrationError(f"event {request.id} on {request.type!r} expects no reply")
        answer = Event(
            source=source,
            type=f"{request.type}.reply",
            payload=payload,
            correlation_id=request.correlation_id,
        )
        if request.reply_to == self.process_id:
            self._resolve(answer)
        elif self.redis is not None:
            await self._send(REPLY_PREFIX + request.reply_to, answer)

    # delivery -----------------------------------------------------------------------------

    def _dispatch(self, channel: str, event: Event) -> None:
        for subscription in self._subscriptions:
            if fnmatch.fnmatchcase(channel, subscription.pattern):
                task = asyncio.create_task(self._run(subscription, channel, event))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _run(self, subscription: Subscription, channel: str, event: Event) -> None:
        name = subscription.handler_name
        try:
            await asyncio.wait_for(subscription.handler(event), self.handler_timeout)
        except TimeoutError:
            self.stats.timed_out[(channel, name)] += 1
            log.error("bus handler %s timed out on %s (event %s)", name, channel, event.id)
        except Exception:  # a handler's bug must stay inside the handler: log and count it
            self.stats.failed[(channel, name)] += 1
            log.exception("bus handler %s failed on %s (event %s)", name, channel, event.id)
        else:
            self.stats.delivered[channel] += 1

    def _resolve(self, answer: Event) -> None:
        future = self._pending.get(answer.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(answer)

    async def _send(self, redis_channel: str, event: Event) -> None:
        assert self.redis is not None
        message = wire_message(self.process_id, event.to_dict())
        try:
            await self.redis.publish(redis_channel, message)
        except (RedisError, OSError) as exc:
            # Local subscribers already have the event; other processes miss it. Said once
            # per outage (a library scan publishes an event per file), counted every time.
            if not self._fanout_down:
                log.error("bus: cannot fan out events to other processes: %r", exc)
            self._fanout_down = True
            self.stats.fanout_failures += 1
        else:
            if self._fanout_down:
                log.warning("bus: fanning out events to other processes again")
            self._fanout_down = False

    # the Redis listener -------------------------------------------------------------------

    async def start(self) -> None:
        """Listen for other processes' events; returns once the subscriptions are active."""
        if self.redis is None or self._listener is not None:
            return
        pubsub = await self._subscribe()
        self._listening = True
        self._listener = asyncio.create_task(self._listen(pubsub), name="bus-listener")

    async def _subscribe(self) -> PubSub:
        assert self.redis is not None
        pubsub = self.redis.pubsub()
        await pubsub.psubscribe(CHANNEL_PREFIX + "*")
        await pubsub.subscribe(REPLY_PREFIX + self.process_id)
        confirmed = 0
        while confirmed < 2:
            message = await pubsub.get_message(timeout=5.0)
            if message is None:
                raise OrchestrationError("bus: Redis did not confirm the subscriptions")
            confirmed += message["type"] in ("psubscribe", "subscribe")
        return pubsub

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._listening = False
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=2.0)
            for task in set(self._tasks):
                task.cancel()

    async def _listen(self, pubsub: PubSub) -> None:
        delay = RESUBSCRIBE_MIN_DELAY
        while True:
            try:
                async for message in pubsub.listen():
                    delay = RESUBSCRIBE_MIN_DELAY
                    self._receive(message)
            except (RedisError, OSError):
                log.warning("bus: lost the Redis subscription; resubscribing in %.1f s", delay)
            finally:
                self._listening = False
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            # Events published while no subscription was alive are lost (pub/sub keeps no
            # history); reconnecting keeps the outage as short as Redis allows.
            while True:
                await asyncio.sleep(delay)
                delay = min(delay * 2, RESUBSCRIBE_MAX_DELAY)
                try:
                    pubsub = await self._subscribe()
                except (RedisError, OSError, OrchestrationError):
                    continue
                self._listening = True
                self.stats.resubscribed += 1
                log.info("bus: subscribed to Redis again")
                self._dispatch(RECONNECTED, Event(source="bus", type=RECONNECTED, payload={}))
                break

    def _receive(self, message: dict[str, Any]) -> None:
        if message["type"] not in ("pmessage", "message"):
            return
        try:
            wire = json.loads(message["data"])
            event = Event.from_dict(wire["event"])
            origin = wire["origin"]
        except (ValueError, KeyError, TypeError, OrchestrationError):
            log.error("bus: dropped a malformed message on %r", message.get("channel"))
            return
        if message["type"] == "message":
            self._resolve(event)
        elif origin != self.process_id:
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else channel
            channel = channel.removeprefix(CHANNEL_PREFIX)
            self.stats.received[channel] += 1
            self._dispatch(channel, event)
