"""Real clients through the edge: curl (ranges, resume) and FFmpeg (PyAV) seeking and decoding."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import av
import pytest

from deploy.demo import DemoFile, write_demo_file
from tests.edge.conftest import Edge

CLIP = DemoFile("ARCHIVE/Demo/Clip _ Day 1 (Part 1).mp4", 6, 320, 180, 400_000)

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@pytest.fixture(scope="module")
def clip(edge: Edge) -> Path:
    return write_demo_file(edge.nas, CLIP)


def url(edge: Edge) -> str:
    return f"{edge.url}/v/{edge.token(CLIP.relative_path)}"


def test_curl_range_and_resume(edge: Edge, clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()
    target = tmp_path / "part.mp4"
    subprocess.run(["curl", "-sSf", "-r", "100-4195", "-o", target, url(edge)], check=True)
    assert target.read_bytes() == data[100:4196]

    # An interrupted download (half the file on disk) resumed with -C -.
    target.write_bytes(data[: len(data) // 2])
    subprocess.run(["curl", "-sSf", "-C", "-", "-o", target, url(edge)], check=True)
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()


def test_ffmpeg_seeks_and_decodes_through_the_edge(edge: Edge, clip: Path) -> None:
    with av.open(url(edge)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
        # Seek to 4 s: FFmpeg issues Range requests into the middle of the file.
        container.seek(4 * av.time_base, any_frame=False)
        frames = []
        for frame in container.decode(stream):
            frames.append(frame)
            if len(frames) == 5:
                break
    assert len(frames) == 5
    assert frames[0].time is not None and frames[0].time >= 3.0
    assert frames[0].to_ndarray(format="rgb24").shape == (180, 320, 3)
