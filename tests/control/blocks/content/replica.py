"""A slice of the real NAS listing as sparse files, plus real demo MP4s, under a test NAS root.

The slice keeps the clutter a real NAS has (AppleDouble `._` files, .DS_Store, Thumbs.db,
.db/.csv/.zip/.lnk/.pek files, a hidden `.isg` folder) and the awkward names (emoji, Korean,
`$`, `#`, `€`, triple spaces). What counts as a video here is decided from the listing itself
(extension and hidden flag), independently of the scanner's own filter.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from deploy.demo import DemoFile, write_demo_file

LISTING = Path(__file__).parents[1] / "title_generator" / "nas_files.json.gz"
VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "mxf", "mkv", "avi"})
_SLICE = (
    "/WSOP 2004/",
    "2025 MPP Cyprus",
    "GOG 최종",
    "GGPNAs/Clips/",
    "/.isg/",
    "GGPNAs/filelist",
    "WSOP-EUROPE #14",
    "Event #13 $1.5K",
)
# Small real MP4s (2-3 s, 320x180): quick to write, long enough to probe and to hold hands.
REAL_CLIPS = (
    DemoFile("DEMO/WSOP 2024 Main Event Day 8 (Part 1).mp4", 3, 320, 180, 200_000),
    DemoFile("DEMO/1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4", 2, 320, 180, 200_000),
)


@dataclass(frozen=True, slots=True)
class Replica:
    root: Path
    videos: frozenset[str]  # relative paths the catalog should list
    clutter: frozenset[str]  # relative paths it must not list
    real: dict[str, float]  # relative path -> duration of the real MP4s


def _listing_slice(keys: Sequence[str]) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = json.loads(gzip.decompress(LISTING.read_bytes()))["files"]
    return [f for f in files if any(key in f["path"] for key in keys)]


def _is_video(entry: dict[str, Any]) -> bool:
    parts = PurePosixPath(entry["path"]).parts
    return (
        not entry["is_hidden"]
        and not any(part.startswith(".") for part in parts)
        and entry["name"].rsplit(".", 1)[-1].lower() in VIDEO_EXTENSIONS
    )


def build_replica(
    root: Path, keys: Sequence[str] = _SLICE, clips: Sequence[DemoFile] = REAL_CLIPS
) -> Replica:
    """Write the slice of the listing whose paths contain one of `keys` (sparse files of
    1 GiB and more, where no file is yet) and the real `clips` under `root`."""
    videos: set[str] = set()
    clutter: set[str] = set()
    for index, entry in enumerate(_listing_slice(keys)):
        relative = entry["path"].removeprefix("GGPNAs/")
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # a real file already there (a demo MP4) stays as it is
            with open(target, "wb") as sparse:
                sparse.truncate(2**30 + index)
        (videos if _is_video(entry) else clutter).add(relative)
    real = {}
    for clip in clips:
        write_demo_file(root, clip)
        videos.add(clip.relative_path)
        real[clip.relative_path] = float(clip.duration_seconds)
    return Replica(root, frozenset(videos), frozenset(clutter), real)
