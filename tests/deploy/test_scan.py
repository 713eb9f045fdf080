"""`wsoptv scan`: the NAS into the catalog from the command line, against real servers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from control.blocks.title_generator import ParserTitleGenerator
from control.orchestration.bus import Event, MessageBus
from deploy.demo import DemoFile, write_demo_file
from tests.support import REPO, wsoptv_process

CLIP = DemoFile("WSOP/2024/WSOP 2024 Main Event Day 8 (Part 1).mp4", 2, 320, 180, 200_000)
SPARSE = "WSOP/2025/🏆€10,350 WSOPE MAIN EVENT   Day 2 [BRACELET EVENT #14] 👑.mov"
CLUTTER = (
    "WSOP/2025/._WSOPE Day 2.mov",
    "WSOP/.DS_Store",
    "WSOP/Thumbs.db",
    ".isg/files.db",
    "WSOP/notes.txt",
    "WSOP/2025/cut.mxf.xmp",
)


def wsoptv(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        env={**os.environ, **env, "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def library(data_env: dict[str, str]) -> Path:
    root = Path(data_env["NAS_ROOT"])
    write_demo_file(root, CLIP)
    for relative in (SPARSE, *CLUTTER):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        with open(root / relative, "wb") as sparse:
            sparse.truncate(3 * 2**30)
    return root


async def catalog(database_url: str) -> dict[str, asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return {r["file_path"]: r for r in await conn.fetch("SELECT * FROM contents")}
    finally:
        await conn.close()


async def no_unfinished_jobs(database_url: str) -> None:
    """Until the worker process has run every queued job (its progress is in PostgreSQL)."""
    conn = await asyncpg.connect(database_url)
    try:
        async with asyncio.timeout(60):
            # Another process's progress: there is nothing in this one to await.
            while await conn.fetchval(  # noqa: ASYNC110
                "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
            ):
                await asyncio.sleep(0.1)
    finally:
        await conn.close()


async def test_scan_imports_videos_only_and_is_idempotent(
    data_env: dict[str, str], library: Path
) -> None:
    first = await asyncio.to_thread(wsoptv, ["scan", "--root", str(library)], data_env)
    assert first.returncode == 0, first.stderr
    assert (
        "found 2 video(s): 2 added, 0 updated, 0 unchanged, 0 newly missing; "
        "2 probe job(s) queued" in first.stdout
    )
    rows = await catalog(data_env["DATABASE_URL"])
    assert set(rows) == {CLIP.relative_path, SPARSE}
    titles = ParserTitleGenerator()
    for path, row in rows.items():
        assert row["title"] == titles.generate(Path(path).name, path)["display_title"]
    assert rows[SPARSE]["file_size"] == 3 * 2**30
    # The probes wait for a worker; one reads the clip and records the placeholder as such.
    with wsoptv_process(["worker"], data_env):
        await no_unfinished_jobs(data_env["DATABASE_URL"])
    rows = await catalog(data_env["DATABASE_URL"])
    assert rows[CLIP.relative_path]["duration_seconds"] == pytest.approx(2.0, abs=0.1)
    assert rows[CLIP.relative_path]["thumbnail_path"] is not None
    assert (rows[SPARSE]["media_error"], rows[SPARSE]["duration_seconds"]) == (
        "MEDIA_UNREADABLE",
        None,
    )
    again = await asyncio.to_thread(wsoptv, ["scan", "--root", str(library)], data_env)
    assert (
        "found 2 video(s): 0 added, 0 updated, 2 unchanged, 0 newly missing; "
        "0 probe job(s) queued" in again.stdout
    )
    (library / SPARSE).unlink()
    gone = await asyncio.to_thread(wsoptv, ["scan", "--root", str(library)], data_env)
    assert "found 1 video(s): 0 added, 0 updated, 1 unchanged, 1 newly missing" in gone.stdout
    rows = await catalog(data_env["DATABASE_URL"])
    assert rows[SPARSE]["missing_since"] is not None


async def test_scan_defaults_to_nas_root_and_tells_running_control_processes(
    data_env: dict[str, str], redis: Redis
) -> None:
    write_demo_file(Path(data_env["NAS_ROOT"]), CLIP)
    bus = MessageBus(redis)
    await bus.start()
    received: asyncio.Queue[Event] = asyncio.Queue()

    async def on_event(event: Event) -> None:
        await received.put(event)

    bus.subscribe("content.*", on_event)
    try:
        result = await asyncio.to_thread(wsoptv, ["scan"], data_env)
        assert result.returncode == 0, result.stderr
        assert "1 added" in result.stdout
        created = await asyncio.wait_for(received.get(), 10)
        summary = await asyncio.wait_for(received.get(), 10)
    finally:
        await bus.stop()
    content_id = (await catalog(data_env["DATABASE_URL"]))[CLIP.relative_path]["id"]
    assert (created.type, created.payload) == ("content.created", {"content_id": content_id})
    assert summary.type == "content.library_scanned"
    assert summary.payload == {"added": 1, "updated": 0, "missing": 0, "job_id": None}


def test_scan_of_a_missing_root_fails_cleanly(data_env: dict[str, str], tmp_path: Path) -> None:
    result = wsoptv(["scan", "--root", str(tmp_path / "not-mounted")], data_env)
    assert result.returncode != 0
    assert "is not a directory" in result.stderr and "Traceback" not in result.stderr


async def test_a_folder_scan_stores_nas_relative_paths_and_keeps_the_rest(
    data_env: dict[str, str], library: Path, tmp_path: Path
) -> None:
    whole = await asyncio.to_thread(wsoptv, ["scan"], data_env)
    assert whole.returncode == 0, whole.stderr
    folder = library / "WSOP" / "2025"
    part = await asyncio.to_thread(wsoptv, ["scan", "--root", str(folder)], data_env)
    assert part.returncode == 0, part.stderr
    assert "found 1 video(s): 0 added, 0 updated, 1 unchanged, 0 newly missing" in part.stdout
    rows = await catalog(data_env["DATABASE_URL"])
    assert set(rows) == {CLIP.relative_path, SPARSE}
    assert all(row["missing_since"] is None for row in rows.values())
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    refused = await asyncio.to_thread(wsoptv, ["scan", "--root", str(outside)], data_env)
    assert refused.returncode != 0
    assert "is not NAS_ROOT" in refused.stderr and "Traceback" not in refused.stderr


async def test_a_scan_with_redis_down_warns_once_and_keeps_the_catalog(
    library: Path, data_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    from deploy.infra import Endpoints
    from deploy.library_scan import scan_into_catalog
    from tests.support import free_port

    endpoints = Endpoints(data_env["DATABASE_URL"], f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level("WARNING", logger="wsoptv"):
        report = await scan_into_catalog(endpoints, library)
    assert report.added == 2  # the clip and the sparse file; the clutter is left out
    warnings = [r for r in caplog.records if r.name == "wsoptv.scan"]
    assert len(warnings) == 1 and "3 scan event(s) not sent" in warnings[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)  # no traceback per changed file
