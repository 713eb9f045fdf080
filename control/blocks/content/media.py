"""What the catalog knows about a media file, read with PyAV (FFmpeg) without decoding it."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av

from control.blocks.content.errors import MediaUnreadable

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".mxf", ".m4v", ".avi", ".ts"})
# Height (lines) → the label the `quality` filter uses; the first bound a video reaches wins.
_QUALITY_BY_HEIGHT = (
    (2160, "2160p"),
    (1440, "1440p"),
    (1080, "1080p"),
    (720, "720p"),
    (480, "480p"),
)
# The keyframe interval is measured on the first keyframes only: no need to read the file.
_KEYFRAMES_SAMPLED = 6
_KEYFRAME_SCAN_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class AudioTrack:
    index: int
    codec: str
    language: str | None
    channels: int | None
    sample_rate: int | None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    duration_seconds: float | None
    width: int | None
    height: int | None
    container: str | None = None
    video_codec: str | None = None
    frame_rate: float | None = None
    bitrate: int | None = None  # bits per second, all streams
    keyframe_interval_seconds: float | None = None
    audio_tracks: list[AudioTrack] = field(default_factory=list)

    @property
    def quality(self) -> str | None:
        return quality_label(self.height)

    def as_json(self) -> dict[str, Any]:
        """The `media` document stored on a content (the catalog's own fields excluded)."""
        values = asdict(self)
        values.pop("duration_seconds")
        return values


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


def _container_name(format_names: str, path: Path) -> str:
    names = format_names.split(",")
    suffix = path.suffix.lstrip(".").lower()
    return suffix if suffix in names else names[0]


def _keyframe_interval(container: Any, video: Any) -> float | None:
    """The median gap between the first keyframes (packets only: nothing is decoded)."""
    if not video.time_base:
        return None
    times: list[float] = []
    for packet in container.demux(video):
        if packet.pts is None:
            continue
        at = float(packet.pts * video.time_base)
        if packet.is_keyframe:
            times.append(at)
        if len(times) >= _KEYFRAMES_SAMPLED or (times and at - times[0] > _KEYFRAME_SCAN_SECONDS):
            break
    gaps = [b - a for a, b in itertools.pairwise(times) if b > a]
    return round(statistics.median(gaps), 3) if gaps else None


def read_media(path: Path) -> MediaInfo:
    """Everything the catalog shows about a media file; MediaUnreadable when it is not one."""
    try:
        if _blank_head(path):
            raise MediaUnreadable("the file starts with zeros: a placeholder, not media")
        with av.open(str(path), metadata_errors="ignore") as container:
            video = next(iter(container.streams.video), None)
            duration: float | None = None
            if container.duration is not None:
                duration = round(container.duration / av.time_base, 3)
            elif video is not None and video.duration is not None and video.time_base:
                duration = round(float(video.duration * video.time_base), 3)
            audio = [
                AudioTrack(
                    index=stream.index,
                    codec=stream.codec_context.name,
                    language=(stream.metadata.get("language") or None),
                    channels=stream.codec_context.channels or None,
                    sample_rate=stream.codec_context.sample_rate or None,
                )
                for stream in container.streams.audio
            ]
            if video is None:
                return MediaInfo(
                    duration,
                    None,
                    None,
                    container=_container_name(container.format.name, path),
                    bitrate=container.bit_rate or None,
                    audio_tracks=audio,
                )
            rate = video.average_rate or video.guessed_rate
            return MediaInfo(
                duration,
                video.codec_context.width or None,
                video.codec_context.height or None,
                container=_container_name(container.format.name, path),
                video_codec=video.codec_context.name,
                frame_rate=round(float(rate), 3) if rate else None,
                bitrate=container.bit_rate or None,
                keyframe_interval_seconds=_keyframe_interval(container, video),
                audio_tracks=audio,
            )
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise MediaUnreadable(f"not readable media: {type(exc).__name__}") from exc


def probe_media(path: Path) -> MediaInfo | None:
    """read_media, or None when the file is not readable media."""
    try:
        return read_media(path)
    except MediaUnreadable:
        return None
