"""Whatever the JWT library raises on a hostile token is the documented 401, never a 500.

shared/token.py verifies for both services: the edge's stream tokens (tests/edge/
test_token_errors.py drives a real edge server) and control's access tokens, checked here
through AccessTokens.verify (control/blocks/auth/tokens.py). The whole exception hierarchy
of the pinned PyJWT is walked, plus the standard-library errors that can escape a parser.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from control.blocks.auth import errors as auth_errors
from control.blocks.auth.tokens import ACCESS_TYP, CONTROL_AUDIENCE, AccessTokens
from shared import token as t

RING = t.KeyRing.parse("k1:" + base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("="))
# Raised by parsers PyJWT calls (json, base64, hmac) should one ever get through it.
STDLIB_ERRORS: list[type[Exception]] = [
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    RecursionError,
    binascii.Error,
    UnicodeDecodeError,
]


def pyjwt_errors() -> list[type[Exception]]:
    """jwt.PyJWTError and all its subclasses in the pinned PyJWT, walked recursively."""
    found: set[type[Exception]] = set()
    todo: list[type[Exception]] = [jwt.PyJWTError]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__name__)


ALL_ERRORS = pyjwt_errors() + STDLIB_ERRORS


def test_the_walk_finds_the_whole_hierarchy() -> None:
    names = {cls.__name__ for cls in pyjwt_errors()}
    # The ones the review met, and the roots of the hierarchy.
    assert {"PyJWTError", "InvalidTokenError", "DecodeError", "InvalidSignatureError"} <= names
    assert {"InvalidKeyError", "InvalidJTIError", "MissingRequiredClaimError"} <= names
    assert len(names) >= 18


def instance(cls: type[Exception]) -> Exception:
    """An instance of `cls`, whatever its constructor wants."""
    if cls is UnicodeDecodeError:
        return UnicodeDecodeError("utf-8", b"\xff", 0, 1, "hostile")
    try:
        return cls("hostile input")
    except TypeError:
        return cls.__new__(cls)


def raising(error: Exception) -> Callable[..., Any]:
    def library_call(*args: Any, **kwargs: Any) -> Any:
        raise error

    return library_call


def access_token() -> str:
    return t.mint(
        RING,
        {"sub": "1", "role": "user", "jti": "j", "fam": "f"},
        typ=ACCESS_TYP,
        audience=CONTROL_AUDIENCE,
        ttl_seconds=900,
    )


def expected_reason(phase: str, cls: type[Exception]) -> str:
    # A signature that does not verify keeps its own reason; everything else is a token we
    # cannot read: "malformed".
    if phase == "decode" and cls is jwt.InvalidSignatureError:
        return "bad_signature"
    return "malformed"


@pytest.mark.parametrize("phase", ["get_unverified_header", "decode"])
@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda cls: cls.__name__)
def test_any_library_error_is_a_401_for_control(
    monkeypatch: pytest.MonkeyPatch, phase: str, cls: type[Exception]
) -> None:
    token = access_token()
    monkeypatch.setattr(jwt, phase, raising(instance(cls)))
    tokens = AccessTokens(RING, redis=None, ttl_seconds=900)  # type: ignore[arg-type]
    with pytest.raises(auth_errors.TokenInvalid) as caught:
        tokens.verify(token)
    assert caught.value.status == 401
    assert caught.value.code == "AUTH_TOKEN_INVALID"
    assert caught.value.details == {"reason": expected_reason(phase, cls)}


@pytest.mark.parametrize("phase", ["get_unverified_header", "decode"])
@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda cls: cls.__name__)
def test_any_library_error_is_a_token_error_for_the_edge(
    monkeypatch: pytest.MonkeyPatch, phase: str, cls: type[Exception]
) -> None:
    token = t.mint_stream_token(RING, sub="1", cid="1", sid="s", path="a.mp4")
    monkeypatch.setattr(jwt, phase, raising(instance(cls)))
    with pytest.raises(t.TokenError) as caught:
        t.StreamTokenVerifier(RING).check(token)
    assert (caught.value.code, caught.value.status) == ("TOKEN_INVALID", 401)
    assert caught.value.reason == expected_reason(phase, cls)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def signed(header: object, payload: object) -> str:
    """A token with any header, correctly signed with the ring's key (the worst case)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(RING.keys["k1"], signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


ACCESS_CLAIMS = {
    "typ": ACCESS_TYP,
    "aud": CONTROL_AUDIENCE,
    "sub": "1",
    "role": "user",
    "jti": "j",
    "fam": "f",
    "iat": 1_700_000_000,
    "exp": 4_000_000_000,
}
HOSTILE_HEADERS = {
    "kid number": {"alg": "HS256", "kid": 1},
    "kid list": {"alg": "HS256", "kid": ["k1"]},
    "kid null": {"alg": "HS256", "kid": None},
    "kid object": {"alg": "HS256", "kid": {"id": "k1"}},
    "crit unknown": {"alg": "HS256", "kid": "k1", "crit": ["exp"]},
    "crit empty": {"alg": "HS256", "kid": "k1", "crit": []},
    "crit not a list": {"alg": "HS256", "kid": "k1", "crit": "b64"},
    "b64 false": {"alg": "HS256", "kid": "k1", "b64": False, "crit": ["b64"]},
}


@pytest.mark.parametrize("header", HOSTILE_HEADERS.values(), ids=HOSTILE_HEADERS.keys())
def test_hostile_headers_are_malformed_on_both_services(header: dict[str, object]) -> None:
    token = signed(header, ACCESS_CLAIMS)
    with pytest.raises(auth_errors.TokenInvalid) as caught:
        AccessTokens(RING, redis=None, ttl_seconds=900).verify(token)  # type: ignore[arg-type]
    assert caught.value.details == {"reason": "malformed"}
    stream = signed(header, {**ACCESS_CLAIMS, "typ": "stream", "aud": t.EDGE_AUDIENCE})
    with pytest.raises(t.TokenMalformed):
        t.StreamTokenVerifier(RING).check(stream)


def test_a_well_formed_access_token_still_verifies() -> None:
    principal = AccessTokens(RING, redis=None, ttl_seconds=900).verify(  # type: ignore[arg-type]
        signed({"alg": "HS256", "kid": "k1", "typ": "JWT"}, ACCESS_CLAIMS)
    )
    assert (principal.user_id, principal.role) == (1, "user")
