"""What the catalog needs to know about a media file, read with PyAV (FFmpeg)."""

from __future__ import annotations

from pathlib import Path

import av

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".mxf", ".m4v", ".avi", ".ts"})


def probe_duration(path: Path) -> float | None:
    """The container's duration in seconds; None when the file is not readable media."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if container.duration is not None:
                return round(container.duration / av.time_base, 3)
            stream = next(iter(container.streams.video), None)
            if stream is not None and stream.duration is not None and stream.time_base:
                return round(float(stream.duration * stream.time_base), 3)
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        return None
    return None
