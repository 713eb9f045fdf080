"""Posters and storyboards from keyframe seeks: one decoded frame per image, never the file.

A storyboard is one JPEG sprite of small frames, one every `interval` seconds, and a WebVTT
index mapping each time range to its tile (`storyboard.jpg#xywh=x,y,w,h`), as players use
for scrubbing previews. Each image is the keyframe at or before its time: a seek and one
decode, so a two-hour 1080p file takes about as many decodes as it has tiles.
JPEGs are encoded with FFmpeg's mjpeg encoder (PyAV), so no imaging library is needed.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from control.blocks.content.errors import MediaUnreadable, ThumbnailsIncomplete

POSTER_WIDTH = 640
TILE_WIDTH, TILE_HEIGHT = 160, 90
SPRITE_COLUMNS = 10
MIN_INTERVAL_SECONDS = 10.0
MAX_TILES = 200  # longer videos get a longer interval: the sprite stays one modest image
POSTER, SPRITE, INDEX = "poster.jpg", "storyboard.jpg", "storyboard.vtt"


@dataclass(frozen=True, slots=True)
class StoryboardPlan:
    duration: float
    interval: float

    @property
    def times(self) -> list[float]:
        return [i * self.interval for i in range(self.tiles)]

    @property
    def tiles(self) -> int:
        return max(1, math.ceil(self.duration / self.interval))


def plan(duration: float) -> StoryboardPlan:
    """A tile every MIN_INTERVAL_SECONDS, or fewer for long videos (at most MAX_TILES)."""
    interval = max(MIN_INTERVAL_SECONDS, math.ceil(duration / MAX_TILES))
    return StoryboardPlan(duration, float(interval))


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def encode_jpeg(frame: av.VideoFrame, quality: int = 4) -> bytes:
    """One frame as a baseline JPEG (FFmpeg's mjpeg; qscale 2 best .. 31 worst)."""
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = frame.width, frame.height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"qmin": str(quality), "qmax": str(quality)}
    packets = encoder.encode(frame.reformat(format="yuvj420p"))
    packets += encoder.encode(None)
    return b"".join(bytes(packet) for packet in packets)


class KeyframeReader:
    """Keyframe at or before a time, from an open container (one thread at a time)."""

    def __init__(self, path: Path) -> None:
        try:
            self._container: Any = av.open(str(path), metadata_errors="ignore")
        except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise MediaUnreadable(f"not readable media: {type(exc).__name__}") from exc
        video = next(iter(self._container.streams.video), None)
        if video is None or not video.time_base:
            self.close()
            raise MediaUnreadable("no video stream")
        video.thread_type = "AUTO"
        self._video = video
        self._time_base: Fraction = video.time_base

    @property
    def size(self) -> tuple[int, int]:
        return self._video.codec_context.width, self._video.codec_context.height

    def frame_at(self, seconds: float) -> av.VideoFrame:
        try:
            self._container.seek(int(seconds / self._time_base), stream=self._video, backward=True)
            # Right after a seek the decoder's first output is the keyframe sought.
            for frame in self._container.decode(self._video):
                decoded: av.VideoFrame = frame
                return decoded
        except (av.FFmpegError, OSError) as exc:
            raise MediaUnreadable(f"no frame at {seconds:.1f} s: {type(exc).__name__}") from exc
        raise MediaUnreadable(f"no frame at {seconds:.1f} s")

    def close(self) -> None:
        self._container.close()


def poster(reader: KeyframeReader, duration: float) -> bytes:
    """A frame a tenth into the video (past the title cards), POSTER_WIDTH wide."""
    frame = reader.frame_at(min(duration * 0.1, 60.0))
    width, height = reader.size
    scaled_height = _even(POSTER_WIDTH * height / width) if width else 360
    return encode_jpeg(frame.reformat(POSTER_WIDTH, scaled_height, "yuv420p"))


def tile(reader: KeyframeReader, seconds: float) -> npt.NDArray[np.uint8]:
    frame = reader.frame_at(seconds).reformat(TILE_WIDTH, TILE_HEIGHT, "rgb24")
    array: Any = frame.to_ndarray()
    return np.asarray(array, dtype=np.uint8)


def sprite(tiles: list[npt.NDArray[np.uint8]]) -> bytes:
    rows = math.ceil(len(tiles) / SPRITE_COLUMNS)
    columns = min(SPRITE_COLUMNS, len(tiles))
    sheet = np.zeros((rows * TILE_HEIGHT, columns * TILE_WIDTH, 3), dtype=np.uint8)
    for i, image in enumerate(tiles):
        row, column = divmod(i, SPRITE_COLUMNS)
        y, x = row * TILE_HEIGHT, column * TILE_WIDTH
        sheet[y : y + TILE_HEIGHT, x : x + TILE_WIDTH] = image
    return encode_jpeg(av.VideoFrame.from_ndarray(sheet, format="rgb24"))


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def webvtt(storyboard: StoryboardPlan, tiles: int) -> str:
    """The WebVTT index: one cue per tile, its image a fragment of the sprite."""
    cues = ["WEBVTT", ""]
    for i in range(tiles):
        start = i * storyboard.interval
        end = min(storyboard.duration, start + storyboard.interval)
        row, column = divmod(i, SPRITE_COLUMNS)
        cues += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{SPRITE}#xywh={column * TILE_WIDTH},{row * TILE_HEIGHT},{TILE_WIDTH},{TILE_HEIGHT}",
            "",
        ]
    return "\n".join(cues)


def check_count(storyboard: StoryboardPlan, tiles: int) -> None:
    if tiles != storyboard.tiles:
        raise ThumbnailsIncomplete(
            f"{tiles} storyboard frames for {storyboard.duration:.1f} s "
            f"({storyboard.tiles} expected)",
            details={"tiles": tiles, "expected": storyboard.tiles},
        )


def write_atomically(folder: Path, files: dict[str, bytes]) -> None:
    """Each file under a hidden temporary name, synced, then renamed into place: a reader
    (the edge) never sees a half-written image, and a rerun just replaces them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        partial = folder / f".{name}.part"
        with open(partial, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, folder / name)
