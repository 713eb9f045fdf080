"""import_library against a replica of the real NAS: what is listed, titled, probed, kept."""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg
import pytest

from control.blocks.content.errors import LibraryRootMissing
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


async def test_real_files_are_probed_and_sparse_ones_are_not_guessed(
    db: asyncpg.Connection, replica: Replica
) -> None:
    await scan(db, replica.root)
    rows = await catalog(db)
    for path, seconds in replica.real.items():
        assert rows[path]["duration_seconds"] == pytest.approx(seconds, abs=0.1)
        assert rows[path]["quality"] == "sd"  # 180 lines
        assert rows[path]["file_size"] == (replica.root / path).stat().st_size
    sparse = [row for path, row in rows.items() if path not in replica.real]
    assert sparse and all(row["duration_seconds"] is None for row in sparse)


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
