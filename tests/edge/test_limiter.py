"""The stream limiter (SPEC §3) with real Redis and several real edge processes."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.crc import key_slot

from deploy.embedded import EmbeddedRedis
from deploy.infra import Endpoints
from shared.events import BUS_CHANNEL_PREFIX
from shared.streams import KEY_PREFIX, script_keys
from tests.edge.client import request
from tests.edge.conftest import Edge, run_edges

FILE = "movies/limited.mp4"
DATA = random.Random(3).randbytes(4 * 2**20)
_databases = itertools.count(1)


def with_db(url: str, db: int) -> str:
    return f"{url.rpartition('/')[0]}/{db}"


@asynccontextmanager
async def edges(
    tmp_path: Path, redis_url: str, count: int, **limits: str
) -> AsyncIterator[tuple[list[Edge], Redis]]:
    """`count` edges on their own Redis database (cleared first), sharing a media root."""
    url = with_db(redis_url, next(_databases) % 16 or 1)
    client = Redis.from_url(url)
    await client.flushdb()
    infra = Endpoints("postgresql://unused/none", url)
    try:
        with run_edges(tmp_path, infra, count, env=limits) as group:
            group[0].write(FILE, DATA)
            yield group, client
    finally:
        await client.aclose()


async def play(edge: Edge, token: str, first: int = 0) -> int:
    reply = await request(
        edge.port, f"/v/{token}", headers={"Range": f"bytes={first}-{first + 999}"}
    )
    if reply.status == 206:
        assert reply.body == DATA[first : first + 1000]
    return reply.status


async def test_limits_hold_for_many_clients_across_processes(
    tmp_path: Path, infra: Endpoints
) -> None:
    async with edges(
        tmp_path,
        infra.redis_url,
        3,
        STREAM_LIMIT_GLOBAL="5",
        STREAM_LIMIT_PER_USER="2",
        STREAM_QUEUE_SIZE="0",
    ) as (group, redis):
        streams = [(f"user-{u}", str(uuid.uuid4())) for u in range(8) for _ in range(3)]
        random.Random(5).shuffle(streams)

        async def player(sub: str, sid: str) -> tuple[str, str, set[int]]:
            token = group[0].token(FILE, sub=sub, sid=sid)
            # A player's requests go to any edge, several at once.
            statuses = await asyncio.gather(
                *(play(group[i % 3], token, i * 1000) for i in range(4))
            )
            return sub, sid, set(statuses)

        results = await asyncio.gather(*(player(sub, sid) for sub, sid in streams))
        granted = [(sub, sid) for sub, sid, statuses in results if 206 in statuses]
        for _, _, statuses in results:
            assert statuses <= {206, 429, 503}, statuses
        assert len(granted) == 5  # demand far exceeds the global limit: exactly full
        assert max(Counter(sub for sub, _ in granted).values()) <= 2
        # A granted stream keeps its slot: all its parallel requests were served.
        assert all(statuses == {206} for _, _, statuses in results if 206 in statuses)
        assert await redis.zcard(f"{KEY_PREFIX}:leases") == 5


async def test_parallel_connections_of_one_player_hold_one_slot(
    tmp_path: Path, infra: Endpoints
) -> None:
    async with edges(tmp_path, infra.redis_url, 2, STREAM_LIMIT_PER_USER="1") as (group, redis):
        token = group[0].token(FILE, sub="solo", sid="sid-solo")
        statuses = await asyncio.gather(*(play(group[i % 2], token, i) for i in range(20)))
        assert set(statuses) == {206}
        assert await redis.zrange(f"{KEY_PREFIX}:user:solo", 0, -1) == [b"sid-solo"]


async def test_user_limit_is_429_with_the_users_sessions(tmp_path: Path, infra: Endpoints) -> None:
    async with edges(tmp_path, infra.redis_url, 1, STREAM_LIMIT_PER_USER="2") as ((edge,), _):
        for sid in ("s-a", "s-b"):
            assert await play(edge, edge.token(FILE, sub="greedy", sid=sid)) == 206
        reply = await request(edge.port, f"/v/{edge.token(FILE, sub='greedy', sid='s-c')}")
        assert reply.status == 429
        assert reply.header("retry-after") is not None
        assert json.loads(reply.body)["error"] == {
            "code": "STREAM_LIMIT_USER",
            "message": "this account already has the maximum number of streams",
            "details": {"current": 2, "limit": 2, "sessions": ["s-a", "s-b"]},
        }
        # Another user is not affected.
        assert await play(edge, edge.token(FILE, sub="modest", sid="s-d")) == 206
        metrics = (await request(edge.port, "/metrics")).body.decode()
        assert 'edge_limiter_rejections_total{reason="user_limit"} 1.0' in metrics


async def test_global_queue_waits_then_503_and_hands_over_freed_slots(
    tmp_path: Path, infra: Endpoints
) -> None:
    async with edges(
        tmp_path,
        infra.redis_url,
        1,
        STREAM_LIMIT_GLOBAL="1",
        STREAM_QUEUE_SIZE="1",
        STREAM_QUEUE_WAIT="2",
    ) as ((edge,), _):
        holder = edge.token(FILE, sub="u1", sid="holder")
        assert await play(edge, holder) == 206
        waiter = asyncio.ensure_future(
            request(edge.port, f"/v/{edge.token(FILE, sub='u2', sid='waiter')}")
        )
        await asyncio.sleep(0.3)  # let the waiter take the only queue place
        overflow = await request(edge.port, f"/v/{edge.token(FILE, sub='u3', sid='third')}")
        assert overflow.status == 503
        assert overflow.header("retry-after") == "2"
        assert json.loads(overflow.body)["error"]["code"] == "STREAM_CAPACITY"
        # The holder ends its stream: the waiter gets the slot instead of a 503.
        assert (await request(edge.port, f"/v/{holder}", method="DELETE")).status == 204
        assert (await waiter).status == 200
        timed_out = await request(edge.port, f"/v/{edge.token(FILE, sub='u4', sid='late')}")
        assert timed_out.status == 503


async def test_steady_state_requests_do_not_call_redis(tmp_path: Path, infra: Endpoints) -> None:
    async with edges(tmp_path, infra.redis_url, 1) as ((edge,), redis):
        token = edge.token(FILE, sub="binge", sid="steady", cid="content-7")
        assert await play(edge, token) == 206
        before = await _script_calls(redis)
        for i in range(200):
            assert await play(edge, token, i * 1000) == 206
        assert await _script_calls(redis) - before <= 2
        # One started stream counts one view, however many requests it makes.
        assert await redis.zcard(f"{KEY_PREFIX}:views:content-7") == 1
        assert await redis.zscore(f"{KEY_PREFIX}:viewed", "content-7") is not None


async def _script_calls(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return sum(
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval")
    )


async def test_sigkilled_edge_frees_its_slots_within_ttl(tmp_path: Path, infra: Endpoints) -> None:
    limits = {"STREAM_LIMIT_GLOBAL": "1", "STREAM_QUEUE_SIZE": "0", "STREAM_IDLE_TTL": "3"}
    async with edges(tmp_path, infra.redis_url, 2, **limits) as (group, _):
        doomed, survivor = group
        assert await play(doomed, doomed.token(FILE, sub="a", sid="on-doomed")) == 206
        os.kill(doomed.procs[0].pid, signal.SIGKILL)
        doomed.procs[0].wait()
        newcomer = survivor.token(FILE, sub="b", sid="newcomer")
        assert await play(survivor, newcomer) == 503
        killed_at = time.monotonic()
        while await play(survivor, newcomer) != 206:
            assert time.monotonic() - killed_at < 3 + 1 + 2, "slot not freed within TTL + renewal"
            await asyncio.sleep(0.2)


async def _health(edge: Edge) -> dict[str, object]:
    reply = await request(edge.port, "/healthz")
    health: dict[str, object] = json.loads(reply.body)
    return health


async def test_redis_outage_policy_open_serves_under_the_fallback_limit_and_recovers(
    tmp_path: Path, own_redis: EmbeddedRedis
) -> None:
    infra = Endpoints("postgresql://unused/none", own_redis.url)
    limits = {"STREAM_FALLBACK_LIMIT": "2", "REDIS_FAILURE_POLICY": "open"}
    with run_edges(tmp_path, infra, 1, env=limits) as (edge,):
        edge.write(FILE, DATA)
        playing = edge.token(FILE, sub="p", sid="before-outage")
        assert await play(edge, playing) == 206
        own_redis.stop()
        assert await play(edge, playing) == 206  # a playing stream keeps playing
        assert await play(edge, edge.token(FILE, sub="q", sid="during-1")) == 206
        assert await play(edge, edge.token(FILE, sub="r", sid="during-2")) == 503
        health = await _health(edge)
        assert (health["redis"], health["limiter"]) == (False, "fallback-open")
        metrics = (await request(edge.port, "/metrics")).body.decode()
        assert "edge_limiter_redis_up 0.0" in metrics
        assert "edge_limiter_fallback_admissions_total 1.0" in metrics

        own_redis.start()
        fresh = edge.token(FILE, sub="s", sid="after-outage")
        deadline = time.monotonic() + 10
        while await play(edge, fresh) != 206:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        client = Redis.from_url(own_redis.url)
        try:
            assert await client.zscore(f"{KEY_PREFIX}:leases", "after-outage") is not None
        finally:
            await client.aclose()
        assert (await _health(edge))["redis"] is True


async def test_redis_outage_policy_closed_refuses_new_streams(
    tmp_path: Path, own_redis: EmbeddedRedis
) -> None:
    infra = Endpoints("postgresql://unused/none", own_redis.url)
    with run_edges(tmp_path, infra, 1, env={"REDIS_FAILURE_POLICY": "closed"}) as (edge,):
        edge.write(FILE, DATA)
        playing = edge.token(FILE, sub="p", sid="playing")
        assert await play(edge, playing) == 206
        own_redis.stop()
        assert await play(edge, playing) == 206
        assert await play(edge, edge.token(FILE, sub="q", sid="new")) == 503
        assert (await _health(edge))["limiter"] == "fallback-closed"


async def test_delete_on_one_edge_ends_the_stream_on_every_edge(
    tmp_path: Path, infra: Endpoints
) -> None:
    async with edges(tmp_path, infra.redis_url, 2) as ((first, second), _):
        token = first.token(FILE, sub="roamer", sid=str(uuid.uuid4()))
        assert await play(first, token) == 206
        assert await play(second, token) == 206  # both processes now trust the lease
        assert (await request(first.port, f"/v/{token}", method="DELETE")).status == 204
        # The other process hears of the release at once (not after 2/3 of the 90 s TTL).
        deadline = time.monotonic() + 3
        while (reply := await request(second.port, f"/v/{token}")).status == 200:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert reply.status == 410
        assert json.loads(reply.body)["error"]["code"] == "STREAM_ENDED"


async def test_delete_while_redis_is_down_is_503_and_works_once_it_is_back(
    tmp_path: Path, own_redis: EmbeddedRedis
) -> None:
    infra = Endpoints("postgresql://unused/none", own_redis.url)
    with run_edges(tmp_path, infra, 1) as (edge,):
        edge.write(FILE, DATA)
        token = edge.token(FILE, sub="p", sid="ended-in-outage")
        assert await play(edge, token) == 206
        own_redis.stop()
        for _ in range(2):  # the second is refused without waiting on Redis again
            refused = await request(edge.port, f"/v/{token}", method="DELETE")
            assert refused.status == 503
            assert refused.header("retry-after") == "1"
            assert json.loads(refused.body)["error"]["code"] == "STREAM_LIMITER_UNAVAILABLE"
        assert await play(edge, token) == 206  # not ended: the stream is as it was
        own_redis.start()
        deadline = time.monotonic() + 10
        while (status := (await request(edge.port, f"/v/{token}", method="DELETE")).status) != 204:
            assert status == 503
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        assert await play(edge, token) == 410


async def test_a_stream_being_read_keeps_its_lease_and_an_idle_one_loses_it(
    tmp_path: Path, infra: Endpoints
) -> None:
    limits = {"STREAM_LIMIT_GLOBAL": "1", "STREAM_QUEUE_SIZE": "0", "STREAM_IDLE_TTL": "3"}
    async with edges(tmp_path, infra.redis_url, 1, **limits) as ((edge,), redis):
        reader = edge.token(FILE, sub="a", sid="reader")
        newcomer = edge.token(FILE, sub="b", sid="newcomer")
        started = time.monotonic()
        while time.monotonic() - started < 4.5:  # well past the 3 s TTL
            assert await play(edge, reader) == 206
            await asyncio.sleep(0.3)
        assert await redis.zscore(f"{KEY_PREFIX}:leases", "reader") is not None
        assert await play(edge, newcomer) == 503
        idle_from = time.monotonic()
        while await play(edge, newcomer) != 206:  # the reader went idle: its slot frees
            assert time.monotonic() - idle_from < 3 + 1 + 2
            await asyncio.sleep(0.2)


async def test_workers_of_one_edge_share_the_limits(tmp_path: Path, infra: Endpoints) -> None:
    url = with_db(infra.redis_url, 15)
    client = Redis.from_url(url)
    await client.flushdb()
    try:
        with run_edges(
            tmp_path,
            Endpoints("postgresql://unused/none", url),
            1,
            workers=2,
            env={"STREAM_LIMIT_PER_USER": "2"},
        ) as (edge,):
            edge.write(FILE, DATA)
            # New connections land on either worker; the per-user limit holds across them.
            statuses = [
                await play(edge, edge.token(FILE, sub="shared", sid=f"w-{i}")) for i in range(6)
            ]
            assert statuses == [206, 206, 429, 429, 429, 429]
            assert await client.zcard(f"{KEY_PREFIX}:user:shared") == 2
    finally:
        await client.aclose()


def test_all_limiter_keys_share_one_cluster_slot() -> None:
    keys = script_keys("user-1", "sid-1", "content-1") + script_keys("other", "sid-2", "c-2")
    assert len({key_slot(key.encode()) for key in keys}) == 1


async def test_the_edge_announces_each_stream_once_on_the_bus(
    tmp_path: Path, infra: Endpoints
) -> None:
    """stream.started when a lease starts (not per request), stream.ended when it is ended."""
    async with edges(tmp_path, infra.redis_url, 1) as ((edge,), redis):
        pubsub = redis.pubsub()
        await pubsub.psubscribe(f"{BUS_CHANNEL_PREFIX}stream.*")
        subscribed = await pubsub.get_message(timeout=5)
        assert subscribed is not None and subscribed["type"] == "psubscribe"
        token = edge.token(FILE, sub="42", sid="announced", cid="7")
        for i in range(5):
            assert await play(edge, token, i * 1000) == 206
        assert (await request(edge.port, f"/v/{token}", method="DELETE")).status == 204
        assert (await request(edge.port, f"/v/{token}", method="DELETE")).status == 204
        received: list[dict[str, Any]] = []
        while len(received) < 2:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
            assert message is not None, received
            received.append(json.loads(message["data"]))
        assert await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5) is None
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        started, ended = (wire["event"] for wire in received)
        assert (started["type"], started["source"]) == ("stream.started", "edge")
        assert {k: started["payload"][k] for k in ("user_id", "content_id", "sid")} == {
            "user_id": 42,
            "content_id": 7,
            "sid": "announced",
        }
        assert (ended["type"], ended["payload"]["reason"]) == ("stream.ended", "player")
        assert received[0]["origin"].startswith("edge:")
