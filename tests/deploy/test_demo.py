"""The demo library: real, seekable, faststart MP4s written atomically under realistic paths."""

from __future__ import annotations

import os
import struct
from pathlib import Path, PurePosixPath

import av
import pytest

from deploy import demo
from deploy.demo import DEMO_LIBRARY, FPS, DemoFile, timecode, write_demo_file, write_demo_library

MIB = 2**20
SHORT = DemoFile(
    "ARCHIVE/WSOP/Test Event #1 $500/Test Clip _ Day 1A (Part 1).mp4", 4, 320, 180, 400_000
)
TINY = DemoFile("ARCHIVE/Tiny/tiny.mp4", 1, 160, 96, 200_000)


def top_level_boxes(path: Path) -> list[str]:
    """Walk the ISO-BMFF top-level box headers (size, type) without a demuxer."""
    boxes: list[str] = []
    end = path.stat().st_size
    with path.open("rb") as fh:
        offset = 0
        while offset < end:
            fh.seek(offset)
            size, kind = struct.unpack(">I4s", fh.read(8))
            if size == 1:  # 64-bit largesize follows the type
                (size,) = struct.unpack(">Q", fh.read(8))
            elif size == 0:  # box runs to end of file
                size = end - offset
            assert size >= 8, f"corrupt box {kind!r} at {offset}"
            boxes.append(kind.decode("latin-1"))
            offset += size
    return boxes


@pytest.fixture(scope="module")
def short_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[int]]:
    root = tmp_path_factory.mktemp("nas")
    progress: list[int] = []
    return root, write_demo_file(root, SHORT, progress.append), progress


def test_written_at_relative_path_without_leftovers(
    short_file: tuple[Path, Path, list[int]],
) -> None:
    root, path, progress = short_file
    assert path == root.joinpath(*PurePosixPath(SHORT.relative_path).parts)
    assert path.is_file() and path.stat().st_size > 0
    assert not [p for p in root.rglob("*") if p.name.endswith(".partial")]
    assert progress == sorted(progress) and progress[-1] == SHORT.frame_count == 4 * FPS


def test_is_h264_aac_mp4_of_requested_duration(short_file: tuple[Path, Path, list[int]]) -> None:
    _, path, _ = short_file
    with av.open(str(path)) as container:
        assert "mp4" in container.format.name.split(",")
        assert container.duration is not None
        assert abs(container.duration / av.time_base - SHORT.duration_seconds) <= 0.2
        assert len(container.streams.video) == 1 and len(container.streams.audio) == 1
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == (320, 180)
        assert video.codec_context.pix_fmt == "yuv420p"
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.sample_rate == 48_000
        assert audio.codec_context.channels == 2


def test_every_frame_decodes_and_keyframes_allow_seeking(
    short_file: tuple[Path, Path, list[int]],
) -> None:
    _, path, _ = short_file
    with av.open(str(path)) as container:
        keyframes = [
            float(packet.pts * packet.time_base)
            for packet in container.demux(video=0)
            if packet.is_keyframe and packet.pts is not None
        ]
        assert keyframes == [0.0, 2.0]  # one every 2 s
        container.seek(0)
        times = [frame.time for frame in container.decode(video=0)]
    assert len(times) == SHORT.duration_seconds * FPS
    assert times == sorted(times)


def test_seek_to_middle_lands_near_target(short_file: tuple[Path, Path, list[int]]) -> None:
    _, path, _ = short_file
    target = SHORT.duration_seconds / 2
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.time_base is not None
        container.seek(round(target / video.time_base), stream=video)
        frame = next(container.decode(video))
    assert frame.time is not None
    assert abs(frame.time - target) <= 1 / FPS


def test_moov_is_before_mdat(short_file: tuple[Path, Path, list[int]]) -> None:
    boxes = top_level_boxes(short_file[1])
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")


def test_existing_file_is_kept(short_file: tuple[Path, Path, list[int]]) -> None:
    root, path, _ = short_file
    before = path.stat().st_mtime_ns
    progress: list[int] = []
    assert write_demo_file(root, SHORT, progress.append) == path
    assert path.stat().st_mtime_ns == before
    assert progress == [SHORT.frame_count]  # a skipped file still reports complete


def test_overwrite_replaces_file_and_stale_partial(tmp_path: Path) -> None:
    path = write_demo_file(tmp_path, TINY)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    stale = path.with_name(f".{path.name}.partial")
    stale.write_bytes(b"left over from a killed run")
    assert write_demo_file(tmp_path, TINY, overwrite=True) == path
    assert path.stat().st_mtime_ns != 1_000_000_000
    assert not stale.exists()
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == TINY.frame_count


@pytest.mark.parametrize(
    "bad", ["../escape.mp4", "/abs/file.mp4", "ARCHIVE/a/../../b.mp4", "x.mov"]
)
def test_rejects_paths_outside_root(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        write_demo_file(tmp_path, DemoFile(bad, 1, 160, 96, 200_000))
    assert not any(tmp_path.parent.glob("escape.mp4"))


def test_library_writes_missing_files_and_skips_present_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "DEMO_LIBRARY", (TINY,))
    calls: list[tuple[DemoFile, int, int]] = []
    paths = write_demo_library(tmp_path, lambda *args: calls.append(args))
    assert paths == [tmp_path / "ARCHIVE" / "Tiny" / "tiny.mp4"]
    assert calls[-1] == (TINY, TINY.frame_count, TINY.frame_count)
    assert all(total == TINY.frame_count for _, _, total in calls)
    before = paths[0].stat().st_mtime_ns
    calls.clear()
    assert write_demo_library(tmp_path, lambda *args: calls.append(args)) == paths
    assert paths[0].stat().st_mtime_ns == before
    assert calls == [(TINY, TINY.frame_count, TINY.frame_count)]


def test_library_specs_meet_contract() -> None:
    assert 3 <= len(DEMO_LIBRARY) <= 6
    assert len({spec.relative_path for spec in DEMO_LIBRARY}) == len(DEMO_LIBRARY)
    for spec in DEMO_LIBRARY:
        rel = PurePosixPath(spec.relative_path)
        assert not rel.is_absolute() and ".." not in rel.parts and "\\" not in spec.relative_path
        assert rel.suffix == ".mp4"
        assert 10 <= spec.duration_seconds <= 120
        assert spec.width % 2 == 0 and spec.height % 2 == 0
    big = [s for s in DEMO_LIBRARY if s.duration_seconds * s.video_bitrate / 8 >= 50 * MIB]
    assert len(big) >= 1


def test_timecode_format() -> None:
    assert timecode(0) == "00:00:00:00"
    assert timecode(FPS * 3661 + 7) == "01:01:01:07"
