"""The whole journey, end to end, against real processes: control, edge, PostgreSQL, Redis.

admin scans the demo library (a worker process imports it, probes it, draws its poster and
storyboard) → a user registers and logs in → /api/home shows the rows →
the user gets a stream token → PyAV plays and seeks through the edge URL → progress is
saved and Continue Watching shows it → a fourth concurrent stream is refused with the
sessions listed, and admitted after one is ended → the admin dashboard counts the streams.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

import av
import httpx
import pytest
from redis.asyncio import Redis

from deploy.demo import DemoFile, write_demo_file
from tests.support import REPO, free_port, wsoptv_process

PASSWORD = "Journey-Passw0rd"
CLIP = DemoFile(
    "ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-LAS VEGAS/2025 WSOP-LAS VEGAS/WSOP 2025 MAIN EVENT/"
    "WSOP 2025 Main Event _ Day 2A_B_C (Part 2).mp4",
    20,
    320,
    180,
    300_000,
)


@pytest.fixture
def journey_env(data_env: dict[str, str], tmp_path: Path, redis: Redis) -> dict[str, str]:
    control_port, edge_port = free_port(), free_port()
    return {
        **data_env,
        "STREAM_TOKEN_KEYS": f"s1:{secrets.token_urlsafe(32)}",
        "ACCESS_TOKEN_KEYS": f"a1:{secrets.token_urlsafe(32)}",
        "CONTROL_PORT": str(control_port),
        "EDGE_PORT": str(edge_port),
        "EDGE_PUBLIC_URL": f"http://127.0.0.1:{edge_port}",
        "STREAM_LIMIT_PER_USER": "3",
        "LOG_LEVEL": "warning",
    }


def wsoptv(args: list[str], env: dict[str, str], stdin: str = "") -> None:
    import os

    result = subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        input=stdin,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


async def login(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await api.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def play_and_seek(url: str) -> tuple[int, float]:
    """Decode the first frames, then seek to 12 s and decode there: (frames, pts seconds)."""
    with av.open(url, timeout=10) as container:
        stream = container.streams.video[0]
        frames = 0
        for _ in container.decode(stream):
            frames += 1
            if frames == 25:
                break
        container.seek(12 * av.time_base)
        frame = next(container.decode(stream))
        assert frame.pts is not None and frame.time_base is not None
        return frames, float(frame.pts * frame.time_base)


async def test_the_whole_journey(journey_env: dict[str, str]) -> None:
    env = journey_env
    write_demo_file(Path(env["NAS_ROOT"]), CLIP)
    wsoptv(
        [
            "user",
            "create",
            "--email",
            "admin@wsoptv.test",
            "--username",
            "admin",
            "--password-stdin",
            "--admin",
        ],
        env,
        stdin=PASSWORD + "\n",
    )
    control_url = f"http://127.0.0.1:{env['CONTROL_PORT']}"
    edge_url = env["EDGE_PUBLIC_URL"]
    with (
        wsoptv_process(["control"], env, health_url=f"{control_url}/api/health"),
        wsoptv_process(["edge"], env, health_url=f"{edge_url}/healthz"),
        wsoptv_process(["worker"], env),
    ):
        async with httpx.AsyncClient(base_url=f"{control_url}/api", timeout=30) as api:
            admin = await login(api, "admin@wsoptv.test")

            # The admin imports the library and follows the job to the end.
            job = await api.post("/admin/library/scan", headers=admin)
            assert job.status_code == 202, job.text
            status = job.json()
            for _ in range(300):
                if status["status"] in ("succeeded", "failed", "dead"):
                    break
                await asyncio.sleep(0.1)
                status = (
                    await api.get(f"/admin/library/scan/{status['id']}", headers=admin)
                ).json()
            assert status["status"] == "succeeded", status
            # The scan queued a probe, the probe the thumbnails: wait for the poster.
            for _ in range(600):
                drawn = (
                    await api.get("/admin/jobs", params={"type": "thumbnails"}, headers=admin)
                ).json()["items"]
                if drawn and drawn[0]["status"] in ("succeeded", "failed", "dead"):
                    break
                await asyncio.sleep(0.1)  # another process's progress: nothing to await
            assert drawn and drawn[0]["status"] == "succeeded", drawn

            # A user registers, logs in and sees the home rows.
            registered = await api.post(
                "/auth/register",
                json={"email": "fan@wsoptv.test", "username": "fan", "password": PASSWORD},
            )
            assert registered.status_code == 201, registered.text
            fan = await login(api, "fan@wsoptv.test")
            home = (await api.get("/home", headers=fan)).json()
            recent = next(row for row in home["rows"] if row["id"] == "recently_added")
            content = recent["items"][0]
            assert content["title"] == "WSOP 2025 Main Event – Day 2A/B/C (Part 2)"  # noqa: RUF001 (the title uses an en dash)
            # The poster, as a browser's <img> loads it: the URL alone, no header.
            poster = await asyncio.to_thread(urllib.request.urlopen, content["thumbnail_url"])
            with poster:
                assert poster.headers["content-type"] == "image/jpeg"
                assert poster.read(2) == b"\xff\xd8"

            # A stream token plays and seeks through the edge.
            issued = (await api.post(f"/stream/{content['id']}/token", headers=fan)).json()
            assert issued["url"].startswith(f"{edge_url}/v/")
            frames, position = await asyncio.to_thread(play_and_seek, issued["url"])
            assert frames == 25
            assert 10.0 <= position <= 12.5

            # Progress is saved and Continue Watching shows it first.
            saved = await api.put(
                f"/stream/{content['id']}/progress",
                headers=fan,
                json={"position_seconds": 10, "duration_seconds": 20},
            )
            assert saved.status_code == 200, saved.text
            home = (await api.get("/home", headers=fan)).json()
            assert home["rows"][0]["id"] == "continue_watching"
            assert home["rows"][0]["items"][0]["id"] == content["id"]

            # Two more streams fill the user's limit of 3; a fourth is refused.
            async with httpx.AsyncClient(timeout=30) as player:
                sids = [issued["sid"]]
                for _ in range(2):
                    more = (await api.post(f"/stream/{content['id']}/token", headers=fan)).json()
                    first_bytes = await player.get(more["url"], headers={"Range": "bytes=0-99"})
                    assert first_bytes.status_code == 206
                    sids.append(more["sid"])
                fourth = (await api.post(f"/stream/{content['id']}/token", headers=fan)).json()
                refused = await player.get(fourth["url"], headers={"Range": "bytes=0-99"})
                assert refused.status_code == 429
                error = refused.json()["error"]
                assert error["code"] == "STREAM_LIMIT_USER"
                assert sorted(error["details"]["sessions"]) == sorted(sids)

                sessions = (await api.get("/stream/sessions", headers=fan)).json()
                listed = [s["sid"] for s in sessions["sessions"]]
                assert sorted(listed) == sorted(sids)

                # The admin dashboard counts the live streams.
                dashboard = (await api.get("/admin/dashboard", headers=admin)).json()
                assert dashboard["streams"]["active_streams"] == 3
                assert dashboard["streams"]["active_users"] == 1
                assert dashboard["views"]["today"] == 3
                assert dashboard["top_contents"][0]["content_id"] == content["id"]

                ended = await api.delete(f"/stream/sessions/{sids[0]}", headers=fan)
                assert ended.status_code in (200, 204)
                admitted = await player.get(fourth["url"], headers={"Range": "bytes=0-99"})
                assert admitted.status_code == 206
                # The ended stream's own URL stops working (the edge hears the release).
                for _ in range(200):
                    gone = await player.get(issued["url"], headers={"Range": "bytes=0-99"})
                    if gone.status_code == 410:
                        break
                    await asyncio.sleep(0.01)  # the release travels over Redis pub/sub
                assert gone.json()["error"]["code"] == "STREAM_ENDED"
