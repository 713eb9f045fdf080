"""Hostile tokens against a real edge server: the documented 401, counted, no traceback.

The pinned PyJWT's whole exception hierarchy (and the standard-library errors a parser can
let through) is raised from inside the library on an edge served in this process; real
hostile tokens go to the edge process of the module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from pathlib import Path

import jwt
import pytest
from jwt.utils import base64url_encode

from deploy.infra import Endpoints
from shared.token import mint_stream_token
from tests.edge.client import Reply, request
from tests.edge.conftest import RING, Edge, serve_in_process
from tests.shared.test_token_errors import ALL_ERRORS, HOSTILE_HEADERS, instance, raising

CHALLENGE = 'Bearer realm="wsoptv-edge", error="invalid_token"'


def failures(metrics: str, reason: str) -> float:
    match = re.search(rf'^edge_token_failures_total{{reason="{reason}"}} (\S+)$', metrics, re.M)
    return float(match.group(1)) if match else 0.0


def assert_token_invalid(reply: Reply) -> None:
    assert reply.status == 401, reply
    assert reply.header("www-authenticate") == CHALLENGE
    assert json.loads(reply.body)["error"]["code"] == "TOKEN_INVALID"


def fresh_token() -> str:
    """A valid token the edge has never seen (its verified-token cache misses)."""
    return mint_stream_token(RING, sub="u", cid="c", sid=str(uuid.uuid4()), path="clip.mp4")


async def test_every_error_the_library_raises_is_a_counted_401_without_a_traceback(
    tmp_path: Path,
    infra: Endpoints,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with serve_in_process(tmp_path, infra, b"clip") as port:
        before = (await request(port, "/metrics")).body.decode()
        sent = 0
        for phase in ("get_unverified_header", "decode"):
            for cls in ALL_ERRORS:
                with monkeypatch.context() as patched:
                    patched.setattr(jwt, phase, raising(instance(cls)))
                    reply = await request(port, f"/v/{fresh_token()}")
                assert_token_invalid(reply)
                sent += 1
        after = (await request(port, "/metrics")).body.decode()
        # Each is counted by reason; a bad signature is the one that keeps its own.
        assert failures(after, "malformed") - failures(before, "malformed") == sent - 1
        assert failures(after, "bad_signature") - failures(before, "bad_signature") == 1
        assert 'edge_requests_total{status="500"}' not in after
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


def signed(header: dict[str, object]) -> str:
    """A stream token with any `header`, correctly signed with the edge's own key."""
    claims = {
        "typ": "stream",
        "aud": "wsoptv-edge",
        "sub": "u",
        "cid": "c",
        "sid": str(uuid.uuid4()),
        "p": "x.mp4",
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
    }
    signing_input = b".".join(
        base64url_encode(json.dumps(part).encode()) for part in (header, claims)
    )
    signature = hmac.new(RING.keys["t1"], signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64url_encode(signature)).decode()


@pytest.mark.parametrize("header", HOSTILE_HEADERS.values(), ids=HOSTILE_HEADERS.keys())
async def test_hostile_headers_get_401_from_the_edge_process(
    edge: Edge, header: dict[str, object]
) -> None:
    hostile = {**header, "kid": header["kid"] if header.get("kid") != "k1" else "t1"}
    assert_token_invalid(await request(edge.port, f"/v/{signed(hostile)}"))
    log = (edge.nas.parent / "edge-0.log").read_text()
    assert "Traceback" not in log


@pytest.mark.parametrize(
    "respell",
    [
        lambda h, p, s: f"{h}.{p}.{s}=",
        lambda h, p, s: f"{h}.{p}.{s}==",
        lambda h, p, s: f"{h}=.{p}.{s}",
        lambda h, p, s: f"{h}.{p}=.{s}",
        lambda h, p, s: f"{h}.{p}.{s}%3D",
    ],
    ids=["signature=", "signature==", "header=", "payload=", "encoded="],
)
async def test_one_signature_has_one_spelling(edge: Edge, respell: object) -> None:
    edge.write("spelling/clip.mp4", b"0123456789")
    token = edge.token("spelling/clip.mp4")
    assert (await request(edge.port, f"/v/{token}")).status == 200
    other = respell(*token.split("."))  # type: ignore[operator]
    assert_token_invalid(await request(edge.port, f"/v/{other}"))
