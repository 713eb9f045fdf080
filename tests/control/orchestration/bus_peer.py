"""A second process on the bus, driven by the bus tests through stdin and stdout.

stdout: "ready", then one JSON line per event received on `demo.*`.
stdin: "publish <channel> <json payload>" publishes from this process.
It answers request_response calls on `peer.echo`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from redis.asyncio import Redis

from control.orchestration.bus import Event, MessageBus


async def main(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    bus = MessageBus(redis)

    async def record(event: Event) -> None:
        print(json.dumps(event.to_dict()), flush=True)

    async def echo(event: Event) -> None:
        await bus.reply(event, {"echo": event.payload, "pid": os.getpid()}, source="peer")

    bus.subscribe("demo.*", record)
    bus.subscribe("peer.echo", echo)
    await bus.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        _, channel, payload = line.strip().split(" ", 2)
        await bus.publish(channel, Event(source="peer", type=channel, payload=json.loads(payload)))
    await bus.stop()
    await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
