"""A raw HTTP/1.1 client over a socket: sends exactly the bytes a test writes.

httpx and curl normalise URLs (`%2e%2e`, `//`) and headers; edge tests need the edge to see
what an attacker would send.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def _parse(data: bytes, method: str) -> Reply:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers and method != "HEAD":
        assert len(body) == int(headers["content-length"]), "body length != Content-Length"
    return Reply(status, headers, body)


async def request(
    port: int,
    path: str | bytes,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> Reply:
    """One request on its own connection (Connection: close), the whole reply read."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if raw is None:
            target = path if isinstance(path, bytes) else path.encode()
            lines = [b"%s %s HTTP/1.1" % (method.encode(), target), b"Host: edge"]
            lines += [f"{k}: {v}".encode("latin-1") for k, v in (headers or {}).items()]
            lines.append(b"Connection: close")
            raw = b"\r\n".join(lines) + b"\r\n\r\n"
        writer.write(raw)
        await writer.drain()
        data = await reader.read(-1)
    finally:
        writer.close()
        await writer.wait_closed()
    return _parse(data, method)


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One response from a kept-alive connection: its head and its Content-Length body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    return head, await reader.readexactly(length)


def multipart_parts(reply: Reply) -> list[tuple[str, bytes]]:
    """(Content-Range, bytes) of each part of a multipart/byteranges body."""
    content_type = reply.header("content-type") or ""
    boundary = content_type.partition("boundary=")[2].encode()
    assert boundary, content_type
    parts = []
    for chunk in reply.body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n") if line)
        parts.append((fields["content-range"], data.removesuffix(b"\r\n")))
    return parts
