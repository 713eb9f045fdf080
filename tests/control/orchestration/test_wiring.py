"""Blocks subscribe once, at start: never again per request (a defect of the seed)."""

from __future__ import annotations

from litestar import get

from control.orchestration.block import Block, BlockContext
from control.orchestration.bus import Event
from control.orchestration.registry import discover
from control.settings import ControlSettings
from tests.control.conftest import app_with, running
from tests.control.orchestration.test_bus import Inbox

inbox = Inbox()


async def _subscribe(ctx: BlockContext) -> None:
    ctx.bus.subscribe("auth.*", inbox)


@get("/listener/ping", sync_to_thread=False)
def ping() -> dict[str, bool]:
    return {"ok": True}


LISTENER = Block("listener", start=_subscribe, requires=("auth",), route_handlers=(ping,))


async def test_subscriptions_are_made_once_at_start(
    settings: ControlSettings, redis: object
) -> None:
    inbox.events.clear()
    app = app_with(settings, [*discover(), LISTENER])
    async with running(app) as client:
        before = app.state.bus.subscriptions
        for _ in range(5):
            assert (await client.get("/api/listener/ping")).status_code == 200
        # Other blocks (the cache) subscribe too: this block's subscription is there once.
        assert app.state.bus.subscriptions == before
        assert [s.handler for s in before].count(inbox) == 1
        for channel in ("auth.x", "auth.y"):
            await app.state.bus.publish(channel, Event(source="t", type=channel, payload={}))
        # One subscription: each event exactly once, in order.
        assert [e.type for e in await inbox.wait_for(2)] == ["auth.x", "auth.y"]
