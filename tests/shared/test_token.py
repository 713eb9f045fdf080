"""Stream tokens (SPEC §2): what verifies, and a distinct rejection for each kind of bad token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import jwt
import pytest

from shared import token as t

NOW = 1_800_000_000
RING = t.KeyRing.parse(
    "k1:" + base64.urlsafe_b64encode(b"a" * 32).decode() + ",k0:" + "b" * 43, active_kid="k1"
)
OTHER_RING = t.KeyRing.parse("k1:" + "c" * 43)


def stream_token(**overrides: object) -> str:
    args: dict[str, object] = {
        "sub": "42",
        "cid": "7",
        "sid": "0b5c6f7e-1111-4222-8333-944455556666",
        "path": "ARCHIVE/WSOP/2024/Day 8 (Part 1).mp4",
        "now": NOW,
        **overrides,
    }
    return t.mint_stream_token(RING, **args)  # type: ignore[arg-type]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def reencode(
    token: str, header: dict[str, object] | None = None, payload: dict[str, object] | None = None
) -> str:
    """The same signature over an edited header or payload."""
    h, p, s = token.split(".")
    if header is not None:
        h = b64(json.dumps(header).encode())
    if payload is not None:
        p = b64(json.dumps(payload).encode())
    return f"{h}.{p}.{s}"


def flip_signature(token: str) -> str:
    h, p, s = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(s + "=="))
    raw[0] ^= 0x01
    return f"{h}.{p}.{b64(bytes(raw))}"


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_valid_token_verifies() -> None:
    claims = t.verify_stream_token(RING, stream_token(), now=NOW + 5)
    assert claims == t.StreamClaims(
        sub="42",
        cid="7",
        sid="0b5c6f7e-1111-4222-8333-944455556666",
        p="ARCHIVE/WSOP/2024/Day 8 (Part 1).mp4",
        iat=NOW,
        exp=NOW + 600,
    )
    assert not claims.is_prefix


def test_token_header_names_the_key_and_pins_the_algorithm() -> None:
    assert jwt.get_unverified_header(stream_token()) == {"alg": "HS256", "kid": "k1", "typ": "JWT"}


def test_rotated_key_still_verifies() -> None:
    """Tokens signed by a previous key keep working while it stays in the ring."""
    old = t.mint_stream_token(
        t.KeyRing(RING.keys, "k0"), sub="1", cid="1", sid="s", path="a.mp4", now=NOW
    )
    assert jwt.get_unverified_header(old)["kid"] == "k0"
    assert t.verify_stream_token(RING, old, now=NOW).sub == "1"


def test_directory_token_is_a_prefix() -> None:
    claims = t.verify_stream_token(RING, stream_token(path="hls/123/"), now=NOW)
    assert claims.is_prefix


def _alg_none(token: str) -> str:
    _, p, _ = token.split(".")
    return f"{b64(json.dumps({'alg': 'none', 'kid': 'k1'}).encode())}.{p}."


def _access_token(_: str) -> str:
    return t.mint(
        RING,
        {"sub": "42", "jti": "x"},
        typ="access",
        audience="wsoptv-control",
        ttl_seconds=900,
        now=NOW,
    )


def _stream_typ_for_control(_: str) -> str:
    return t.mint(
        RING,
        {"sub": "42", "cid": "7", "sid": "s", "p": "a.mp4"},
        typ="access",
        audience=t.EDGE_AUDIENCE,
        ttl_seconds=900,
        now=NOW,
    )


def _hs512(token: str) -> str:
    signing_input = (
        f"{b64(json.dumps({'alg': 'HS512', 'kid': 'k1'}).encode())}.{token.split('.')[1]}"
    )
    signature = hmac.new(RING.keys["k1"], signing_input.encode(), hashlib.sha512).digest()
    return f"{signing_input}.{b64(signature)}"


def _spare_bits_set(token: str) -> str:
    """The same signature bytes, spelt with the unused low bits of its last character set."""
    h, p, s = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare = 6 - (len(s) * 6) % 8 if (len(s) * 6) % 8 else 0
    assert spare, "a 32-byte signature leaves spare bits in its last character"
    last = alphabet.index(s[-1]) | 1
    respelt = f"{h}.{p}.{s[:-1]}{alphabet[last]}"
    assert base64.urlsafe_b64decode(s + "=") == base64.urlsafe_b64decode(respelt[-43:] + "=")
    return respelt


REJECTIONS: list[tuple[str, Callable[[str], str], type[t.TokenError]]] = [
    ("signature flipped", flip_signature, t.TokenBadSignature),
    (
        "payload edited",
        lambda tok: reencode(tok, payload={**claims_of(tok), "sub": "1"}),
        t.TokenBadSignature,
    ),
    (
        "path widened",
        lambda tok: reencode(tok, payload={**claims_of(tok), "p": "ARCHIVE/"}),
        t.TokenBadSignature,
    ),
    ("alg none", _alg_none, t.TokenAlgorithmRejected),
    ("alg HS512", _hs512, t.TokenAlgorithmRejected),
    (
        "alg RS256 header",
        lambda tok: reencode(tok, header={"alg": "RS256", "kid": "k1"}),
        t.TokenAlgorithmRejected,
    ),
    (
        "unknown kid",
        lambda tok: reencode(tok, header={"alg": "HS256", "kid": "k9"}),
        t.TokenUnknownKey,
    ),
    (
        "path-like kid",
        lambda tok: reencode(tok, header={"alg": "HS256", "kid": "../../etc/passwd"}),
        t.TokenUnknownKey,
    ),
    ("no kid", lambda tok: reencode(tok, header={"alg": "HS256"}), t.TokenUnknownKey),
    (
        "signed by a key outside the ring",
        lambda tok: t.mint_stream_token(
            OTHER_RING, sub="42", cid="7", sid="s", path="a.mp4", now=NOW
        ),
        t.TokenBadSignature,
    ),
    ("wrong typ", _stream_typ_for_control, t.TokenWrongType),
    ("access token as stream token", _access_token, t.TokenWrongType),
    (
        "wrong aud",
        lambda tok: t.mint(
            RING,
            {"sub": "1", "cid": "1", "sid": "s", "p": "a"},
            typ="stream",
            audience="elsewhere",
            ttl_seconds=60,
            now=NOW,
        ),
        t.TokenWrongAudience,
    ),
    ("expired", lambda tok: stream_token(now=NOW - 3600), t.TokenExpired),
    (
        "nbf in the future",
        lambda tok: jwt.encode(
            {**claims_of(tok), "nbf": NOW + 3600},
            RING.keys["k1"],
            algorithm="HS256",
            headers={"kid": "k1"},
        ),
        t.TokenNotYetValid,
    ),
    ("iat in the future", lambda tok: stream_token(now=NOW + 3600), t.TokenNotYetValid),
    (
        "missing exp",
        lambda tok: jwt.encode(
            {k: v for k, v in claims_of(tok).items() if k != "exp"},
            RING.keys["k1"],
            algorithm="HS256",
            headers={"kid": "k1"},
        ),
        t.TokenClaimsInvalid,
    ),
    (
        "missing sid",
        lambda tok: jwt.encode(
            {k: v for k, v in claims_of(tok).items() if k != "sid"},
            RING.keys["k1"],
            algorithm="HS256",
            headers={"kid": "k1"},
        ),
        t.TokenClaimsInvalid,
    ),
    # RFC 7515: unpadded base64url, one spelling per signature (PyJWT tolerates padding).
    ("signature padded", lambda tok: tok + "=", t.TokenMalformed),
    ("signature padded twice", lambda tok: tok + "==", t.TokenMalformed),
    ("header padded", lambda tok: tok.replace(".", "=.", 1), t.TokenMalformed),
    ("payload padded", lambda tok: "{}.{}=.{}".format(*tok.split(".")), t.TokenMalformed),
    ("signature's spare bits set", lambda tok: _spare_bits_set(tok), t.TokenMalformed),
    ("standard alphabet", lambda tok: tok[:-2] + "+/", t.TokenMalformed),
    ("space inside", lambda tok: tok.replace(".", ". ", 1), t.TokenMalformed),
    ("truncated", lambda tok: tok[: len(tok) // 2], t.TokenMalformed),
    ("truncated signature", lambda tok: tok[:-4], t.TokenMalformed),
    ("non-base64 garbage", lambda tok: "!!!.@@@.###", t.TokenMalformed),
    ("empty", lambda tok: "", t.TokenMalformed),
    ("one segment", lambda tok: "abc", t.TokenMalformed),
    ("10 KB token", lambda tok: tok + "A" * 10_000, t.TokenTooLarge),
]


@pytest.mark.parametrize(("case", "tamper", "error"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejected(case: str, tamper: Callable[[str], str], error: type[t.TokenError]) -> None:
    with pytest.raises(error) as caught:
        t.verify_stream_token(RING, tamper(stream_token()), now=NOW + 5)
    assert type(caught.value) is error, case
    assert caught.value.status in (401, 403)


def test_rejections_have_distinct_reasons() -> None:
    reasons = {error.reason for _, _, error in REJECTIONS}
    assert len(reasons) == len({error for _, _, error in REJECTIONS})


def test_leeway_is_capped_at_30_seconds() -> None:
    token = stream_token()
    assert t.verify_stream_token(RING, token, now=NOW + 600 + 29).sid
    with pytest.raises(t.TokenExpired):
        t.verify_stream_token(RING, token, leeway=3600, now=NOW + 600 + 31)


def test_expired_error_carries_verified_claims() -> None:
    with pytest.raises(t.TokenExpired) as caught:
        t.verify_stream_token(RING, stream_token(), now=NOW + 7200)
    assert t.stream_claims(caught.value.claims).sid == "0b5c6f7e-1111-4222-8333-944455556666"


@pytest.mark.parametrize(
    ("network", "client", "ok"),
    [
        ("203.0.113.0/24", "203.0.113.77", True),
        ("203.0.113.0/24", "203.0.114.1", False),
        ("2001:db8:1:2::/64", "2001:db8:1:2::99", True),
        ("2001:db8:1:2::/64", "2001:db8:1:3::1", False),
        ("203.0.113.0/24", None, False),
        ("203.0.113.0/24", "not-an-ip", False),
    ],
)
def test_ip_binding(network: str, client: str | None, ok: bool) -> None:
    token = stream_token(ip_network=network)
    if ok:
        assert t.verify_stream_token(RING, token, client_ip=client, now=NOW).ip == network
    else:
        with pytest.raises(t.TokenIpMismatch):
            t.verify_stream_token(RING, token, client_ip=client, now=NOW)


def test_network_for_client_defaults_to_24_and_64() -> None:
    assert t.network_for("198.51.100.23") == "198.51.100.0/24"
    assert t.network_for("2001:db8::1") == "2001:db8::/64"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("k1:" + "a" * 20, "at least 256"),
        ("k1", "expected"),
        ("../x:" + "a" * 43, "expected"),
        ("k1:" + "a" * 43 + ",k1:" + "b" * 43, "twice"),
        ("k1:%%%%" + "a" * 43, "base64url"),
    ],
)
def test_key_ring_rejects_bad_configuration(spec: str, message: str) -> None:
    with pytest.raises(t.TokenConfigError, match=message):
        t.KeyRing.parse(spec)


def test_key_ring_round_trips_through_its_spec() -> None:
    assert t.KeyRing.parse(RING.spec(), RING.active_kid) == RING


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_cache_never_lets_a_forged_token_pass() -> None:
    verifier = t.StreamTokenVerifier(RING, clock=FakeClock(NOW))
    good = stream_token()
    assert verifier.verify(good).sub == "42"
    forged = reencode(good, payload={**claims_of(good), "p": "ARCHIVE/"})
    with pytest.raises(t.TokenBadSignature):
        verifier.verify(forged)
    with pytest.raises(t.TokenBadSignature):
        verifier.verify(flip_signature(good))


def test_cache_rechecks_expiry_and_ip_on_every_hit() -> None:
    clock = FakeClock(NOW)
    verifier = t.StreamTokenVerifier(RING, clock=clock)
    token = stream_token(ip_network="203.0.113.0/24")
    assert verifier.verify(token, "203.0.113.5").sid
    with pytest.raises(t.TokenIpMismatch):
        verifier.verify(token, "198.51.100.5")
    clock.now = NOW + 600 + 31
    with pytest.raises(t.TokenExpired):
        verifier.verify(token, "203.0.113.5")


def test_cache_checks_ip_binding_of_an_expired_token_before_expiry() -> None:
    # An expired token still plays while its lease lives, so a cache hit must not turn an
    # IP mismatch into TokenExpired: that would let the token play from another network.
    clock = FakeClock(NOW)
    verifier = t.StreamTokenVerifier(RING, clock=clock)
    token = stream_token(ip_network="203.0.113.0/24")
    assert verifier.verify(token, "203.0.113.5").sid
    clock.now = NOW + 600 + 31
    with pytest.raises(t.TokenIpMismatch):
        verifier.verify(token, "198.51.100.5")
    with pytest.raises(t.TokenExpired):
        verifier.verify(token, "203.0.113.5")
    with pytest.raises(t.TokenIpMismatch):  # and again on the uncached path
        verifier.verify(token, "198.51.100.5")


def test_cache_is_bounded() -> None:
    verifier = t.StreamTokenVerifier(RING, max_entries=8, clock=FakeClock(NOW))
    for i in range(50):
        verifier.verify(
            t.mint_stream_token(RING, sub=str(i), cid="1", sid=f"s{i}", path="a.mp4", now=NOW)
        )
    assert len(verifier._cache) == 8


def test_cache_keeps_an_expired_token_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream outlives its token by hours: its requests must not each pay a JWT decode."""
    decodes = []
    real_verify = t.verify_stream_token

    def counting(*args: object, **kwargs: object) -> t.StreamClaims:
        decodes.append(1)
        return real_verify(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(t, "verify_stream_token", counting)
    clock = FakeClock(NOW + 600 + 31)  # already expired when first seen
    verifier = t.StreamTokenVerifier(RING, clock=clock)
    token = stream_token()
    claims, expired = verifier.check(token)
    assert (claims.sid, expired) == ("0b5c6f7e-1111-4222-8333-944455556666", True)
    for _ in range(100):
        assert verifier.check(token) == (claims, True)
        with pytest.raises(t.TokenExpired):
            verifier.verify(token)
    assert len(decodes) == 1
    # A token cached while live turns expired in the cache, without a decode either.
    live = stream_token(sid="live-then-expired")
    clock.now = NOW
    assert verifier.check(live)[1] is False
    clock.now = NOW + 600 + 31
    assert verifier.check(live)[1] is True
    assert len(decodes) == 2
