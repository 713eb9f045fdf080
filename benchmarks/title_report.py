"""Title generator report over the real NAS listing: confidence share and sample outputs.

Not a test: prints numbers. Run: .venv/bin/python benchmarks/title_report.py [--listing PATH]
Video files are mp4/mov/mxf/mkv/avi that are neither hidden nor AppleDouble (`._`) files.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from control.blocks.title_generator.parser import TitleResult, generate_title

DEFAULT_LISTING = Path(__file__).resolve().parents[2] / "shared/samples/nas_scan_result.json"
VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "mxf", "mkv", "avi"})
HIGH = 0.8
SAMPLES = 30
SEED = 20251121


def video_items(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """The listing's video files, in listing order."""
    return [
        item
        for item in listing["items"]
        if not item["is_directory"]
        and not item["is_hidden"]
        and not item["name"].startswith(".")
        and item["name"].rsplit(".", 1)[-1].lower() in VIDEO_EXTENSIONS
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listing", type=Path, default=DEFAULT_LISTING)
    args = parser.parse_args()
    items = video_items(json.loads(args.listing.read_text(encoding="utf-8")))

    started = time.perf_counter()
    results: list[tuple[dict[str, Any], TitleResult]] = [
        (item, generate_title(item["name"], item["path"])) for item in items
    ]
    elapsed = time.perf_counter() - started

    high = sum(result.confidence >= HIGH for _, result in results)
    print(f"video files: {len(results)}  generated in {elapsed * 1000:.0f} ms")
    print(f"confidence >= {HIGH}: {high}/{len(results)} = {high / len(results):.1%}")
    print("distribution:")
    buckets = Counter(min(int(result.confidence * 10), 9) for _, result in results)
    for bucket in range(9, -1, -1):
        count = buckets.get(bucket, 0)
        print(
            f"  [{bucket / 10:.1f}, {(bucket + 1) / 10:.1f}{']' if bucket == 9 else ')'}"
            f"  {count:5d}  {'#' * round(60 * count / len(results))}"
        )
    content = Counter(result.metadata.content_type for _, result in results)
    print("content types:", ", ".join(f"{k} {v}" for k, v in content.most_common()))

    print(f"\n{SAMPLES} random outputs (seed {SEED}):")
    for item, result in random.Random(SEED).sample(results, SAMPLES):
        print(
            f"{item['name']} -> {result.display_title} | {result.short_title}"
            f" | {result.confidence:.2f}"
        )


if __name__ == "__main__":
    main()
