"""import_library against a replica of the real NAS: what is listed, titled, probed, kept."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
import pytest

from control.blocks.content.errors import LibraryRootMissing, ScanRootOutside
from control.blocks.content.library import ScanReport, import_library
from control.blocks.title_generator import ParserTitleGenerator
from tests.control.blocks.content.replica import Replica, build_replica

TITLES = ParserTitleGenerator()


@pytest.fixture
def replica(nas_root: Path) -> Replica:
    return build_replica(nas_root)


async def scan(db: asyncpg.Connection, root: Path) -> ScanReport:
    return await import_library(db, root, TITLES.generate)


async def catalog(db: asyncpg.Connection) -> dict[str, asyncpg.Record]:
    rows = await db.fetch("SELECT * FROM contents")
    return {row["file_path"]: row for row in rows}


async def test_only_videos_are_imported_with_generated_titles(
    db: asyncpg.Connection, replica: Replica
) -> None:
    report = await scan(db, replica.root)
    rows = await catalog(db)
    assert set(rows) == replica.videos
    assert not set(rows) & replica.clutter
    assert (report.found, report.added, report.updated, report.missing) == (
        len(replica.videos),
        len(replica.videos),
        0,
        0,
    )
    assert any("._" in path for path in replica.clutter)  # the slice really holds clutter
    for path, row in rows.items():
        generated = TITLES.generate(Path(path).name, path)
        assert row["title"] == generated["display_title"], path
        assert row["title_source"] == "generated"
        assert not row["title"].lower().endswith((".mp4", ".mov", ".mxf"))


async def test_awkward_names_survive_the_round_trip(
    db: asyncpg.Connection, replica: Replica
) -> None:
    await scan(db, replica.root)
    paths = set(await catalog(db))
    for needle in ("🏆€10,350", "시퀀스 01.mp4", "$1M GTD   $1K PokerOK", "Event #13 $1.5K"):
        assert any(needle in path for path in paths), needle


async def test_new_and_changed_files_are_left_to_the_probe_job(
    db: asyncpg.Connection, replica: Replica
) -> None:
    first = await scan(db, replica.root)
    rows = await catalog(db)
    # The scan only walks and titles; the probe job reads the files (media_jobs.py).
    assert all(row["duration_seconds"] is None for row in rows.values())
    for path in replica.real:
        assert rows[path]["file_size"] == (replica.root / path).stat().st_size
    assert sorted(first.changed_file_ids) == sorted(row["id"] for row in rows.values())
    path = next(iter(replica.real))
    (replica.root / path).touch()  # a changed mtime: probed again
    again = await scan(db, replica.root)
    assert again.changed_file_ids == [rows[path]["id"]]


async def test_event_type_series_and_brand_come_from_the_metadata(
    db: asyncpg.Connection, replica: Replica
) -> None:
    await scan(db, replica.root)
    rows = await catalog(db)
    hand = rows["DEMO/1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4"]
    assert hand["event_type"] == "hand_clip"
    main = rows["DEMO/WSOP 2024 Main Event Day 8 (Part 1).mp4"]
    assert (main["event_type"], main["brand"], main["year"]) == ("main_event", "WSOP", 2024)
    series = await db.fetchrow("SELECT * FROM series WHERE id = $1", main["series_id"])
    assert series is not None and series["title"] == "WSOP 2024 Main Event"


async def test_a_rescan_is_idempotent(db: asyncpg.Connection, replica: Replica) -> None:
    first = await scan(db, replica.root)
    before = {path: dict(row) for path, row in (await catalog(db)).items()}
    series_before = await db.fetchval("SELECT count(*) FROM series")
    again = await scan(db, replica.root)
    assert (again.found, again.added, again.updated, again.unchanged, again.missing) == (
        first.found,
        0,
        0,
        first.found,
        0,
    )
    assert {path: dict(row) for path, row in (await catalog(db)).items()} == before
    assert await db.fetchval("SELECT count(*) FROM series") == series_before


async def test_an_edited_title_survives_a_rescan(db: asyncpg.Connection, replica: Replica) -> None:
    await scan(db, replica.root)
    path = "DEMO/WSOP 2024 Main Event Day 8 (Part 1).mp4"
    await db.execute(
        "UPDATE contents SET title = 'Day 8, first half', year = 2023, title_source = 'manual' "
        "WHERE file_path = $1",
        path,
    )
    (replica.root / path).touch()  # a changed mtime: the file is probed and updated again
    report = await scan(db, replica.root)
    row = (await catalog(db))[path]
    assert (row["title"], row["year"]) == ("Day 8, first half", 2023)
    assert report.updated_ids == [row["id"]]


async def test_a_removed_file_is_marked_missing_and_comes_back(
    db: asyncpg.Connection, replica: Replica
) -> None:
    await scan(db, replica.root)
    path = next(iter(replica.real))
    content_id = (await catalog(db))[path]["id"]
    await db.execute(
        "INSERT INTO best_hands (content_id, hand_index, start_seconds, "
        "end_seconds) VALUES ($1, 0, 0, 1)",
        content_id,
    )
    moved = replica.root / "moved.bin"
    (replica.root / path).rename(moved)
    report = await scan(db, replica.root)
    assert report.missing_ids == [content_id] and report.missing == 1
    row = (await catalog(db))[path]
    assert row["missing_since"] is not None and row["id"] == content_id
    assert (
        await db.fetchval("SELECT count(*) FROM best_hands WHERE content_id = $1", content_id) == 1
    )
    assert (await scan(db, replica.root)).missing == 0  # already marked: not counted twice
    moved.rename(replica.root / path)
    back = await scan(db, replica.root)
    assert back.updated_ids == [content_id]
    assert (await catalog(db))[path]["missing_since"] is None


async def test_an_empty_root_marks_nothing_missing(
    db: asyncpg.Connection, replica: Replica, tmp_path: Path
) -> None:
    await scan(db, replica.root)
    unmounted = tmp_path / "unmounted"
    unmounted.mkdir()
    report = await scan(db, unmounted)
    assert (report.found, report.missing) == (0, 0)
    assert await db.fetchval("SELECT count(*) FROM contents WHERE missing_since IS NOT NULL") == 0


async def test_a_root_that_is_not_a_directory_is_refused(
    db: asyncpg.Connection, tmp_path: Path
) -> None:
    with pytest.raises(LibraryRootMissing):
        await scan(db, tmp_path / "nowhere")


def write_raw(root: Path, name: bytes) -> None:
    with open(os.fsencode(root) + b"/" + name, "wb") as file:
        file.write(b"\0" * 16)


async def test_a_name_that_is_not_utf8_is_skipped_not_fatal(
    db: asyncpg.Connection, nas_root: Path
) -> None:
    write_raw(nas_root, b"ok.mp4")
    write_raw(nas_root, b"bad\xff name.mp4")  # Latin-1 bytes from an old Windows share
    report = await scan(db, nas_root)
    assert (report.found, report.added) == (1, 1)
    assert set(await catalog(db)) == {"ok.mp4"}


def sparse(root: Path, relative: str) -> None:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    with open(root / relative, "wb") as file:
        file.truncate(1024)


async def test_a_folder_scan_keeps_paths_relative_to_the_nas_root(
    db: asyncpg.Connection, nas_root: Path
) -> None:
    """Scanning one folder adds under NAS_ROOT-relative paths and can only mark that folder's
    entries missing: the rest of the catalog is not touched."""
    for relative in ("WSOP/2024/a.mp4", "WSOP/2024/b.mp4", "WSOP/2023/c.mp4", "GOG/d.mp4"):
        sparse(nas_root, relative)
    await import_library(db, nas_root, TITLES.generate, probe=None)
    sparse(nas_root, "WSOP/2024/new.mp4")
    (nas_root / "WSOP/2024/b.mp4").unlink()
    (nas_root / "GOG/d.mp4").unlink()  # outside the scanned folder: not this scan's business
    report = await import_library(
        db, nas_root, TITLES.generate, under=nas_root / "WSOP" / "2024", probe=None
    )
    assert (report.found, report.added, report.missing) == (2, 1, 1)
    rows = await catalog(db)
    assert set(rows) == {
        "WSOP/2024/a.mp4",
        "WSOP/2024/b.mp4",
        "WSOP/2024/new.mp4",
        "WSOP/2023/c.mp4",
        "GOG/d.mp4",
    }
    missing = {path for path, row in rows.items() if row["missing_since"] is not None}
    assert missing == {"WSOP/2024/b.mp4"}
    # The whole root, given explicitly, is the same as no folder.
    whole = await import_library(db, nas_root, TITLES.generate, under=nas_root, probe=None)
    assert (whole.found, whole.added, whole.missing) == (3, 0, 1)


async def test_a_scan_root_outside_the_nas_root_is_refused(
    db: asyncpg.Connection, nas_root: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    sparse(elsewhere, "x.mp4")
    sparse(nas_root, ".hidden/y.mp4")
    for under in (elsewhere, nas_root / ".hidden", nas_root / ".." / "elsewhere"):
        with pytest.raises(ScanRootOutside):
            await import_library(db, nas_root, TITLES.generate, under=under, probe=None)
    assert await catalog(db) == {}


async def test_two_imports_at_once_both_finish_without_duplicates(
    database_url: str, nas_root: Path
) -> None:
    """The API's scan job and `wsoptv scan` in another process: serialised, never a crash."""
    paths = {f"WSOP/{year}/Main Event Day {day}.mp4" for year in (2022, 2023) for day in range(8)}
    for relative in paths:
        sparse(nas_root, relative)
    first, second = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        reports = await asyncio.gather(
            import_library(first, nas_root, TITLES.generate, probe=None),
            import_library(second, nas_root, TITLES.generate, probe=None),
        )
        assert sorted(r.added for r in reports) == [0, len(paths)]
        rows = await first.fetch("SELECT file_path FROM contents")
        assert sorted(r["file_path"] for r in rows) == sorted(paths)
    finally:
        await first.close()
        await second.close()
