"""Once a release has answered, no edge process serves that sid again (issue 14).

Real edge processes on one Redis. The release is the player's `DELETE /v/{token}` on one
process, or `shared.streams.release` as control's `DELETE /api/stream/sessions/{sid}` calls
it. Before it, every process serves the stream and so trusts its memory of the lease.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from pathlib import Path

from deploy.infra import Endpoints
from edge.limiter import HEARTBEAT_TRUST
from shared import streams
from tests.edge.client import read_response, request
from tests.edge.conftest import Edge
from tests.edge.test_limiter import FILE, edges, play


async def connect(edge: Edge) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", edge.port)


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def ask(connection: Connection, token: str) -> None:
    connection[1].write(f"GET /v/{token} HTTP/1.1\r\nHost: e\r\nRange: bytes=0-0\r\n\r\n".encode())


async def status(connection: Connection) -> int:
    head, _ = await read_response(connection[0])
    connection[1].close()
    return int(head.split(b" ", 2)[1])


async def status_of(connection: Connection, token: str) -> int:
    ask(connection, token)
    return await status(connection)


async def test_no_edge_serves_a_sid_after_its_release_answered(
    tmp_path: Path, infra: Endpoints
) -> None:
    async with edges(tmp_path, infra.redis_url, 3) as (group, redis):
        for round_number in range(30):
            sub, sid = f"viewer-{round_number}", str(uuid.uuid4())
            token = group[0].token(FILE, sub=sub, sid=sid)
            for edge in group:  # every process serves it: each trusts its memory of the lease
                assert await play(edge, token) == 206
            others = [edge for i, edge in enumerate(group) if i != round_number % 3]
            connections = [await connect(edge) for edge in others]
            if round_number % 2:
                ender = group[round_number % 3]
                assert (await request(ender.port, f"/v/{token}", method="DELETE")).status == 204
            else:  # as control's DELETE /api/stream/sessions/{sid} does
                assert await streams.release(redis, sub, sid, 60_000, reason="control")
            statuses = await asyncio.gather(
                *(status_of(connection, token) for connection in connections)
            )
            assert statuses == [410, 410], (round_number, statuses)


async def test_a_stalled_edge_that_missed_the_release_does_not_serve_it(
    tmp_path: Path, infra: Endpoints
) -> None:
    """An edge that cannot acknowledge in time has stopped trusting its memory by then."""
    async with edges(tmp_path, infra.redis_url, 2) as ((active, stalled), redis):
        sid = str(uuid.uuid4())
        token = active.token(FILE, sub="paused-viewer", sid=sid)
        assert await play(active, token) == 206
        assert await play(stalled, token) == 206
        connection = await connect(stalled)
        os.kill(stalled.procs[0].pid, signal.SIGSTOP)
        try:
            # The release waits for the stalled process's acknowledgement, up to its bound.
            assert (await request(active.port, f"/v/{token}", method="DELETE")).status == 204
            # The request waits in the socket, next to the release the process has not read.
            ask(connection, token)
            await connection[1].drain()
        finally:
            os.kill(stalled.procs[0].pid, signal.SIGCONT)
        assert await status(connection) == 410
        assert await redis.exists(streams.ended_key(sid)) == 1


async def test_an_edge_that_lost_its_subscription_stops_trusting_within_the_bound(
    tmp_path: Path, infra: Endpoints
) -> None:
    """The one case a release cannot wait for: Redis dropped the edge's subscription and the
    edge has not read that yet. It stops trusting its memory HEARTBEAT_TRUST after its last
    answered heartbeat, so a request after that bound asks Redis."""
    async with edges(tmp_path, infra.redis_url, 1) as ((edge,), redis):
        sid = str(uuid.uuid4())
        token = edge.token(FILE, sub="unsubscribed-viewer", sid=sid)
        assert await play(edge, token) == 206
        assert await play(edge, token) == 206  # served from memory
        connection = await connect(edge)
        os.kill(edge.procs[0].pid, signal.SIGSTOP)
        try:
            await redis.client_kill_filter(_type="pubsub")  # nobody hears the release...
            assert await streams.release(redis, "unsubscribed-viewer", sid, 60_000)
            ask(connection, token)
            await connection[1].drain()
            await asyncio.sleep(HEARTBEAT_TRUST)  # ...and the edge stays stalled past the bound
        finally:
            os.kill(edge.procs[0].pid, signal.SIGCONT)
        assert await status(connection) == 410
