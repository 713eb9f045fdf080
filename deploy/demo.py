"""A small but real demo library laid out like the production NAS archive.

Every file is a playable H.264/AAC MP4 (moving test pattern, burnt-in timecode and
title, a tone with a sync pip each second) so the whole stack (scanner, catalogue,
Range-serving edge, browser player) can be exercised without the 18 TB archive.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PurePosixPath

import av
import numpy as np
import numpy.typing as npt

FPS = 25
AUDIO_RATE = 48_000
AUDIO_BITRATE = 128_000
# Keyframe every 2 s: seeking (and later HLS segmenting) never decodes more than 2 s.
GOP_FRAMES = 2 * FPS
_AAC_FRAME = 1024

_U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class DemoFile:
    relative_path: str  # POSIX path relative to the NAS root
    duration_seconds: int
    width: int
    height: int
    video_bitrate: int  # bits per second

    @property
    def frame_count(self) -> int:
        return self.duration_seconds * FPS

    @property
    def title(self) -> str:
        return PurePosixPath(self.relative_path).stem


_LV = "ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-LAS VEGAS/2025 WSOP-LAS VEGAS"
_ME = f"{_LV}/WSOP 2025 MAIN EVENT/WSOP 2025 Main Event _ Day 1/WSOP 2025 Main Event _ Day 1A"
_COLOSSUS = "WSOP 2025 Bracelet Events _ Event #19 $500 COLOSSUS"
_PARADISE = "ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-PARADISE"
_EUROPE = "ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-EUROPE/2024 WSOP-Europe"


def _clip(relative_path: str, seconds: int) -> DemoFile:
    return DemoFile(relative_path, seconds, 640, 360, 600_000)


# Names copied from a real NAS listing, quirks included (double spaces, '#', '$', '()', '[]'),
# because exactly those break naive URL building and title parsing.
DEMO_LIBRARY: tuple[DemoFile, ...] = (
    # The one big file (~60 MiB): large enough that Range requests, resumable downloads and
    # seeking are exercised for real.
    DemoFile(f"{_ME}/WSOP 2025 Main Event _ Day 1A.mp4", 120, 1280, 720, 4_000_000),
    _clip(
        f"{_PARADISE}/2024 WSOP-PARADISE SUPER MAIN EVENT/Hand Clip/Final Day/"
        "1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4",
        20,
    ),
    _clip(f"{_EUROPE}/#WSOPE 2024 NLH MAIN EVENT   DAY 1B   BRACELET EVENT #13.mp4", 30),
    _clip(f"{_LV}/WSOP 2025 BRACELET SIDE  EVENT/{_COLOSSUS}/{_COLOSSUS}.mp4", 15),
    _clip(
        f"{_PARADISE}/2023 WSOP-PARADISE/STREAM/"
        "WSOP Paradise Main Event (Day 1A) - Sergio Aguero & Ryan Riess [$15M Prize].mp4",
        10,
    ),
)

# fmt: off
# 5x7 bitmap font, one hex byte per row (low 5 bits, MSB = leftmost pixel); it avoids any
# font file or Pillow dependency. Anything not listed renders as a blank cell.
_FONT_HEX = {
    "0": "0E11131519110E", "1": "040C040404040E", "2": "0E11010204081F", "3": "1F02040201110E",
    "4": "02060A121F0202", "5": "1F101E0101110E", "6": "0608101E11110E", "7": "1F010204080808",
    "8": "0E11110E11110E", "9": "0E11110F01020C", "A": "0E11111F111111", "B": "1E11111E11111E",
    "C": "0E11101010110E", "D": "1C12111111121C", "E": "1F10101E10101F", "F": "1F10101E101010",
    "G": "0E11101711110F", "H": "1111111F111111", "I": "0E04040404040E", "J": "0702020202120C",
    "K": "11121418141211", "L": "1010101010101F", "M": "111B1515111111", "N": "11111915131111",
    "O": "0E11111111110E", "P": "1E11111E101010", "Q": "0E11111115120D", "R": "1E11111E141211",
    "S": "0F10100E01011E", "T": "1F040404040404", "U": "1111111111110E", "V": "11111111110A04",
    "W": "1111111515150A", "X": "11110A040A1111", "Y": "1111110A040404", "Z": "1F01020408101F",
    ":": "000C0C000C0C00", "-": "0000001F000000", "_": "0000000000001F", ".": "00000000000C0C",
    ",": "000000000C0408", "'": "0C040800000000", "#": "0A0A1F0A1F0A0A", "$": "040F140E051E04",
    "&": "0C12140815120D", "(": "02040808080402", ")": "08040202020408", "[": "0E08080808080E",
    "]": "0E02020202020E",
}
# fmt: on
_GLYPHS: dict[str, npt.NDArray[np.bool_]] = {
    ch: (np.frombuffer(bytes.fromhex(rows), np.uint8)[:, None] >> np.arange(4, -1, -1)) & 1 == 1
    for ch, rows in _FONT_HEX.items()
}
_BLANK = np.zeros((7, 5), dtype=np.bool_)
_GAP = np.zeros((7, 1), dtype=np.bool_)

# 75 % colour bars in limited-range BT.601 YUV: white, yellow, cyan, green, magenta, red, blue.
# fmt: off
_BARS_YUV = ((180, 128, 128), (162, 44, 142), (131, 156, 44), (112, 72, 58),
             (84, 184, 198), (65, 100, 212), (35, 212, 114))
# fmt: on
# Whole multiples of 10 Hz complete whole cycles in every 100 ms segment, so switching
# tones on those boundaries never clicks.
_TONES_HZ = (440, 550, 660, 880)
_PIP_HZ, _PIP_SAMPLES = 1000, AUDIO_RATE // 10


def timecode(frame_index: int) -> str:
    seconds, frames = divmod(frame_index, FPS)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frames:02d}"


def _text_mask(text: str, scale: int) -> npt.NDArray[np.bool_]:
    cells = [part for ch in text.upper() for part in (_GLYPHS.get(ch, _BLANK), _GAP)]
    mask = np.hstack(cells[:-1])
    return mask.repeat(scale, axis=0).repeat(scale, axis=1)


class _Pattern:
    """Renders frame N of one file straight into yuv420p, skipping an RGB conversion."""

    def __init__(self, spec: DemoFile) -> None:
        w, h = spec.width, spec.height
        if w % 2 or h % 2:
            raise ValueError(f"yuv420p needs even dimensions, got {w}x{h}")
        self.w, self.h = w, h
        self.bars_h = (h * 2 // 3) & ~1  # even, so luma rows map onto whole chroma rows
        bar = np.arange(w) * len(_BARS_YUV) // w
        table = np.array(_BARS_YUV, dtype=np.uint8)
        self.bars_y = table[bar, 0]
        self.bars_u, self.bars_v = table[bar[::2], 1], table[bar[::2], 2]
        self.x = np.arange(w)
        # Fresh luma noise every frame defeats inter prediction, so the encoder really has to
        # spend the configured bitrate; a fixed seed keeps the output reproducible.
        self.rng = np.random.default_rng(0)
        fit = (w - 16) // (6 * len(spec.title))  # largest scale at which the title still fits
        self.title = _text_mask(spec.title, max(1, min(h // 180, fit)))
        self.tc_scale = max(1, h // 90)

    def frame(self, index: int) -> av.VideoFrame:
        w, h, bh = self.w, self.h, self.bars_h
        buf = np.empty(w * h * 3 // 2, dtype=np.uint8)
        y = buf[: w * h].reshape(h, w)
        u = buf[w * h : w * h * 5 // 4].reshape(h // 2, w // 2)
        v = buf[w * h * 5 // 4 :].reshape(h // 2, w // 2)
        shift = (index * 4) % w  # even, so chroma scrolls in step with luma
        y[:bh] = np.roll(self.bars_y, shift)
        u[: bh // 2] = np.roll(self.bars_u, shift // 2)
        v[: bh // 2] = np.roll(self.bars_v, shift // 2)
        y[bh:] = ((self.x + index * 6) % w * 200 // w + 16).astype(np.uint8)
        u[bh // 2 :] = v[bh // 2 :] = 128
        y += np.frombuffer(self.rng.bytes(w * h), dtype=np.uint8).reshape(h, w) & 0x0F
        self._stamp(y, u, v, self.title, top=max(4, h // 40))
        tc = _text_mask(timecode(index), self.tc_scale)
        self._stamp(y, u, v, tc, top=bh + (h - bh - tc.shape[0]) // 2)
        frame = av.VideoFrame.from_ndarray(buf.reshape(h * 3 // 2, w), format="yuv420p")
        frame.pts, frame.time_base = index, Fraction(1, FPS)
        return frame

    def _stamp(self, y: _U8, u: _U8, v: _U8, mask: npt.NDArray[np.bool_], top: int) -> None:
        # White text on a neutral black box, drawn after the noise so it stays crisp and legible.
        pad = max(2, mask.shape[0] // 7) & ~1
        top &= ~1
        left = max(0, (self.w - mask.shape[1]) // 2) & ~1
        t, b = max(0, top - pad), min(self.h, top + mask.shape[0] + pad)
        lft, r = max(0, left - pad), min(self.w, left + mask.shape[1] + pad)
        y[t:b, lft:r] = 16
        u[t // 2 : (b + 1) // 2, lft // 2 : (r + 1) // 2] = 128
        v[t // 2 : (b + 1) // 2, lft // 2 : (r + 1) // 2] = 128
        region = y[top : top + mask.shape[0], left : left + mask.shape[1]]
        region[mask[: region.shape[0], : region.shape[1]]] = 235


def _tone(start: int, count: int) -> av.AudioFrame:
    """A per-second tone with a 1 kHz pip on every whole second (lines up with frame :00)."""
    t = np.arange(start, start + count)
    freq = np.where(
        t % AUDIO_RATE < _PIP_SAMPLES, _PIP_HZ, np.take(_TONES_HZ, t // AUDIO_RATE % len(_TONES_HZ))
    )
    mono = (0.25 * np.sin(2 * np.pi * freq * (t / AUDIO_RATE))).astype(np.float32)
    frame = av.AudioFrame.from_ndarray(np.vstack([mono, mono]), format="fltp", layout="stereo")
    frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, start, Fraction(1, AUDIO_RATE)
    return frame


def _target(nas_root: Path, spec: DemoFile) -> Path:
    rel = PurePosixPath(spec.relative_path)
    if rel.is_absolute() or ".." in rel.parts or rel.suffix != ".mp4":
        raise ValueError(f"not a relative .mp4 path inside the NAS root: {spec.relative_path!r}")
    return nas_root.joinpath(*rel.parts)


def write_demo_file(
    nas_root: Path,
    spec: DemoFile,
    on_progress: Callable[[int], None] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write one real, playable H.264/AAC MP4 (test pattern + burnt-in timecode + tone).

    on_progress gets the cumulative number of video frames encoded, ending at spec.frame_count.
    An existing non-empty file is kept unless overwrite is set; on_progress then reports it
    as complete at once, so a progress bar still reaches 100 %.
    """
    final = _target(nas_root, spec)
    if not overwrite and final.is_file() and final.stat().st_size > 0:
        if on_progress is not None:
            on_progress(spec.frame_count)
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    # Hidden temp name in the same folder: a crash never leaves a truncated file under a real
    # name, scanners skip dotfiles, and os.replace stays an atomic same-filesystem rename.
    partial = final.with_name(f".{final.name}.partial")
    try:
        _encode(partial, spec, on_progress)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return final


def _encode(path: Path, spec: DemoFile, on_progress: Callable[[int], None] | None) -> None:
    # faststart moves the moov atom ahead of mdat so a player can start after the first request.
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        out.metadata["title"] = spec.title
        video = out.add_stream(
            "libx264",
            rate=FPS,
            # ultrafast keeps generation quick on 2 cores; a fixed GOP with no scene-cut
            # keyframes gives predictable seek points.
            options={"preset": "ultrafast", "x264-params": "scenecut=0"},
        )
        video.width, video.height, video.pix_fmt = spec.width, spec.height, "yuv420p"
        video.bit_rate, video.gop_size = spec.video_bitrate, GOP_FRAMES
        audio = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        audio.bit_rate = AUDIO_BITRATE
        pattern = _Pattern(spec)
        audio_total, audio_done = spec.duration_seconds * AUDIO_RATE, 0
        for index in range(spec.frame_count):
            out.mux(video.encode(pattern.frame(index)))
            # Keep audio level with video so the muxer never buffers one stream far ahead.
            while audio_done < min(audio_total, (index + 1) * AUDIO_RATE // FPS):
                count = min(_AAC_FRAME, audio_total - audio_done)
                out.mux(audio.encode(_tone(audio_done, count)))
                audio_done += count
            done = index + 1
            if on_progress is not None and (done % FPS == 0 or done == spec.frame_count):
                on_progress(done)
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


def write_demo_library(
    nas_root: Path,
    on_progress: Callable[[DemoFile, int, int], None] | None = None,
    *,
    overwrite: bool = False,
) -> list[Path]:
    """Write every DEMO_LIBRARY file that is not already there (complete); return all paths.

    on_progress(spec, frames_done, frames_total) is relayed from write_demo_file.
    """
    paths: list[Path] = []
    for spec in DEMO_LIBRARY:

        def report(done: int, spec: DemoFile = spec) -> None:
            if on_progress is not None:
                on_progress(spec, done, spec.frame_count)

        paths.append(write_demo_file(nas_root, spec, report, overwrite=overwrite))
    return paths


def nas_has_videos(root: Path) -> bool:
    """True when the NAS root already holds a video the catalog would list."""
    from control.blocks.content.library import walk_videos

    return root.is_dir() and next(walk_videos(root), None) is not None


def ensure_demo_library(nas_root: Path, *, overwrite: bool = False) -> list[Path]:
    """write_demo_library with a progress bar on the terminal; lists what is there."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    total = sum(spec.frame_count for spec in DEMO_LIBRARY)
    done: dict[str, int] = {}
    with Progress(
        TextColumn("{task.description:<48}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task("demo library", total=total)

        def on_progress(spec: DemoFile, frames: int, _total: int) -> None:
            done[spec.relative_path] = frames
            progress.update(
                task, completed=sum(done.values()), description=f"demo: {spec.title[:42]}"
            )

        paths = write_demo_library(nas_root, on_progress, overwrite=overwrite)
        progress.update(task, completed=total, description="demo library")
    for path in paths:
        print(f"  {path.relative_to(nas_root)}  ({path.stat().st_size / 2**20:.1f} MiB)")
    return paths
