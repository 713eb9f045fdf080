"""Properties that hold for every video file of the real NAS listing (1,948 files, 1,405 videos).

The fixture is the listing's files (name, path, hidden flag) from samples/nas_scan_result.json,
gzipped next to this test so the suite does not depend on a path outside the repository.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from control.blocks.title_generator.parser import TitleResult, generate_title, generate_titles

LISTING = Path(__file__).with_name("nas_files.json.gz")
VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "mxf", "mkv", "avi"})
EXTENSION_IN_TITLE = re.compile(r"\.(?:mp4|mov|mxf|mkv|avi)\b", re.IGNORECASE)


def _videos() -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = json.loads(gzip.decompress(LISTING.read_bytes()))["files"]
    return [
        f
        for f in files
        if not f["is_hidden"]
        and not f["name"].startswith("._")
        and f["name"].rsplit(".", 1)[-1].lower() in VIDEO_EXTENSIONS
    ]


VIDEOS = _videos()


@pytest.fixture(scope="module")
def results() -> list[tuple[dict[str, Any], TitleResult]]:
    return [(f, generate_title(f["name"], f["path"])) for f in VIDEOS]


def test_fixture_is_the_whole_listing() -> None:
    assert len(VIDEOS) == 1405


def test_no_extension_in_any_title(results: list[tuple[dict[str, Any], TitleResult]]) -> None:
    bad = [
        (f["name"], r.display_title)
        for f, r in results
        if EXTENSION_IN_TITLE.search(r.display_title + " " + r.short_title)
    ]
    assert bad == []


def test_no_underscores_or_space_runs(results: list[tuple[dict[str, Any], TitleResult]]) -> None:
    for f, r in results:
        for title in (r.display_title, r.short_title):
            assert "_" not in title, f["name"]
            assert "  " not in title, f["name"]
            assert title == title.strip(), f["name"]
            assert title, f["name"]


def test_years_are_plausible(results: list[tuple[dict[str, Any], TitleResult]]) -> None:
    this_year = datetime.now(UTC).year
    for f, r in results:
        if r.metadata.year is not None:
            assert 1970 <= r.metadata.year <= this_year, f["name"]


def test_confidence_is_a_probability(results: list[tuple[dict[str, Any], TitleResult]]) -> None:
    assert all(0.0 <= r.confidence <= 1.0 for _, r in results)


def test_results_are_json_ready(results: list[tuple[dict[str, Any], TitleResult]]) -> None:
    for _, r in results:
        json.dumps(r.to_dict())


def test_pre_2016_archive_keeps_its_own_years(
    results: list[tuple[dict[str, Any], TitleResult]],
) -> None:
    # The old generator dated the whole "WSOP ARCHIVE (PRE-2016)" folder as 2016.
    for f, r in results:
        folder = re.search(r"/WSOP (\d{4})(?:/|$)", f["path"])
        if "PRE-2016" in f["path"] and folder:
            assert r.metadata.year == int(folder.group(1)), f["name"]


def test_most_of_the_listing_is_recognised(
    results: list[tuple[dict[str, Any], TitleResult]],
) -> None:
    high = sum(r.confidence >= 0.8 for _, r in results)
    assert high / len(results) >= 0.85


def test_high_confidence_means_series_year_and_identity(
    results: list[tuple[dict[str, Any], TitleResult]],
) -> None:
    for f, r in results:
        if r.confidence >= 0.8:
            m = r.metadata
            assert m.series is not None, f["name"]
            assert m.year is not None or m.season is not None, f["name"]
            identity = (m.event_number, m.event_name, m.episode, m.day, m.stage, m.part)
            assert any(x is not None for x in identity), f["name"]


def test_the_whole_listing_is_fast() -> None:
    # Not a benchmark: a guard against accidental quadratic work (the run takes ~0.4 s).
    started = time.perf_counter()
    for start in range(0, len(VIDEOS), 500):
        generate_titles([(f["name"], f["path"]) for f in VIDEOS[start : start + 500]])
    assert time.perf_counter() - started < 10
