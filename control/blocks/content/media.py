"""What the catalog needs to know about a media file, read with PyAV (FFmpeg)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".mxf", ".m4v", ".avi", ".ts"})
# Height (lines) → the label the `quality` filter uses; the first bound a video reaches wins.
_QUALITY_BY_HEIGHT = (
    (2160, "2160p"),
    (1440, "1440p"),
    (1080, "1080p"),
    (720, "720p"),
    (480, "480p"),
)


@dataclass(frozen=True, slots=True)
class MediaInfo:
    duration_seconds: float | None
    width: int | None
    height: int | None

    @property
    def quality(self) -> str | None:
        return quality_label(self.height)


def quality_label(height: int | None) -> str | None:
    """ "1080p", "720p", ... or "sd" below 480 lines; None when the height is unknown."""
    if not height:
        return None
    return next((label for lines, label in _QUALITY_BY_HEIGHT if height >= lines), "sd")


def _blank_head(path: Path) -> bool:
    # Every container the archive holds starts with a signature; a zero-filled head is a
    # placeholder or a broken copy, and FFmpeg would spend ~50 ms finding that out.
    with open(path, "rb") as file:
        return not any(file.read(4096))


def probe_media(path: Path) -> MediaInfo | None:
    """Duration and picture size of a media file; None when it is not readable media."""
    try:
        if _blank_head(path):
            return None
        with av.open(str(path), metadata_errors="ignore") as container:
            video = next(iter(container.streams.video), None)
            duration: float | None = None
            if container.duration is not None:
                duration = round(container.duration / av.time_base, 3)
            elif video is not None and video.duration is not None and video.time_base:
                duration = round(float(video.duration * video.time_base), 3)
            width = video.codec_context.width if video is not None else None
            height = video.codec_context.height if video is not None else None
            return MediaInfo(duration, width or None, height or None)
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        return None
