"""Signed tokens (SPEC §2): mint and verify, pure functions over a fixed key ring.

Stream tokens are minted by control and verified by the edge; the same primitives serve
control's access tokens with another `typ` and audience, so a token of one kind is never
accepted as the other.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from shared.errors import WsoptvError

ALGORITHM = "HS256"
STREAM_TYP = "stream"
EDGE_AUDIENCE = "wsoptv-edge"
MAX_LEEWAY_SECONDS = 30
MIN_KEY_BYTES = 32
# A stream token is ~400 bytes; anything much larger is an attack on the parser, not a token.
MAX_TOKEN_BYTES = 4096
_KID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
# RFC 7515 compact serialisation: three segments of unpadded base64url (the signature is
# empty only for alg "none", refused below by name). PyJWT also accepts
# `=` padding, so one signature would have several spellings; anything keyed by the token
# string (the verified-token cache, revocations) must see exactly one.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# What PyJWT may raise on hostile input: its own hierarchy, and errors of the standard
# library it calls (json, base64, hmac) that escape it. Each means "not a token of ours".
_LIBRARY_ERRORS = (
    jwt.PyJWTError,
    ValueError,
    TypeError,
    LookupError,
    ArithmeticError,
    RecursionError,
)
_STREAM_CLAIMS = ("typ", "aud", "sub", "cid", "sid", "p", "iat", "exp")


class TokenConfigError(ValueError):
    """The key ring in the settings is missing, malformed or too weak."""


class TokenError(WsoptvError):
    """A presented token is not acceptable; `reason` names why (metrics label, tests)."""

    code = "TOKEN_INVALID"
    status = 401
    reason = "invalid"


class TokenMalformed(TokenError):
    reason = "malformed"


class TokenTooLarge(TokenError):
    reason = "too_large"


class TokenAlgorithmRejected(TokenError):
    reason = "bad_algorithm"


class TokenUnknownKey(TokenError):
    reason = "unknown_kid"


class TokenBadSignature(TokenError):
    reason = "bad_signature"


class TokenWrongType(TokenError):
    reason = "wrong_type"


class TokenWrongAudience(TokenError):
    reason = "wrong_audience"


class TokenClaimsInvalid(TokenError):
    reason = "bad_claims"


class TokenNotYetValid(TokenError):
    reason = "not_yet_valid"


class TokenIpMismatch(TokenError):
    code = "TOKEN_IP_MISMATCH"
    status = 403
    reason = "ip_mismatch"


class TokenExpired(TokenError):
    """Signature and claims are good but `exp` has passed; the claims ride along so the edge
    can still serve a stream whose lease is alive (SPEC §3)."""

    code = "TOKEN_EXPIRED"
    reason = "expired"

    def __init__(self, message: str, claims: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.claims = claims


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Signing keys by id; `active_kid` signs, every key verifies (rotation)."""

    keys: Mapping[str, bytes]
    active_kid: str

    @classmethod
    def parse(cls, spec: str, active_kid: str | None = None) -> KeyRing:
        """Parse 'kid:base64url-secret,kid:secret'; the first kid signs unless one is named."""
        keys: dict[str, bytes] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            kid, sep, encoded = item.partition(":")
            if not sep or not _KID_RE.fullmatch(kid):
                raise TokenConfigError(f"key ring entry {kid!r}: expected 'kid:secret'")
            if kid in keys:
                raise TokenConfigError(f"key id {kid!r} appears twice in the key ring")
            keys[kid] = _decode_secret(kid, encoded)
        if not keys:
            raise TokenConfigError("STREAM_TOKEN_KEYS is empty: configure at least one key")
        active = active_kid or next(iter(keys))
        if active not in keys:
            raise TokenConfigError(f"active key id {active!r} is not in the key ring")
        return cls(keys=keys, active_kid=active)

    def spec(self) -> str:
        """The ring in the form `parse` reads (for handing to child processes)."""
        return ",".join(
            f"{kid}:{base64.urlsafe_b64encode(key).decode().rstrip('=')}"
            for kid, key in self.keys.items()
        )


def _decode_secret(kid: str, encoded: str) -> bytes:
    try:
        secret = base64.b64decode(
            encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=True
        )
    except (binascii.Error, ValueError) as exc:
        raise TokenConfigError(f"key {kid!r} is not base64url") from exc
    if len(secret) < MIN_KEY_BYTES:
        raise TokenConfigError(f"key {kid!r} has {len(secret) * 8} bits; at least 256 required")
    return secret


@dataclass(frozen=True, slots=True)
class StreamClaims:
    """What a verified stream token grants."""

    sub: str
    cid: str
    sid: str
    p: str
    iat: int
    exp: int
    ip: str | None = None

    @property
    def is_prefix(self) -> bool:
        """A directory token (an HLS rendition set) rather than a single file."""
        return self.p.endswith("/")


def mint(
    ring: KeyRing,
    claims: Mapping[str, Any],
    *,
    typ: str,
    audience: str,
    ttl_seconds: int,
    now: float | None = None,
) -> str:
    """Sign `claims` with the active key, adding typ, aud, iat and exp."""
    issued = int(time.time() if now is None else now)
    payload = {**claims, "typ": typ, "aud": audience, "iat": issued, "exp": issued + ttl_seconds}
    return jwt.encode(
        payload, ring.keys[ring.active_kid], algorithm=ALGORITHM, headers={"kid": ring.active_kid}
    )


def decode(
    ring: KeyRing,
    token: str,
    *,
    typ: str,
    audience: str,
    required: tuple[str, ...] = (),
    leeway: int = MAX_LEEWAY_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """Verify signature, algorithm, key id, type, audience and times; return the claims."""
    if len(token) > MAX_TOKEN_BYTES:
        raise TokenTooLarge(f"token longer than {MAX_TOKEN_BYTES} bytes")
    if not _COMPACT_JWS.fullmatch(token):
        raise TokenMalformed("token is not a compact JWS in unpadded base64url")
    try:
        header = jwt.get_unverified_header(token)
    except _LIBRARY_ERRORS as exc:
        raise TokenMalformed("token is not a well-formed JWT") from exc
    # The algorithm is pinned: whatever the header claims, only HS256 is ever tried.
    if header.get("alg") != ALGORITHM:
        raise TokenAlgorithmRejected("token algorithm is not allowed")
    kid = header.get("kid")
    if not isinstance(kid, str) or not _KID_RE.fullmatch(kid) or kid not in ring.keys:
        raise TokenUnknownKey("token key id is unknown")
    options: Any = {
        # Type, audience and claims are checked below, in that order, so that a token of
        # another kind is reported as such rather than as a missing claim.
        "verify_aud": False,
        # Times are checked below against one clock reading, so the expired case keeps
        # its verified claims without decoding twice.
        "verify_exp": False,
        "verify_iat": False,
        "verify_nbf": False,
        "verify_sub": False,
    }
    try:
        claims: dict[str, Any] = jwt.decode(
            token, ring.keys[kid], algorithms=[ALGORITHM], options=options
        )
    except jwt.InvalidSignatureError as exc:
        raise TokenBadSignature("token signature does not verify") from exc
    except _LIBRARY_ERRORS as exc:
        raise TokenMalformed("token is not a well-formed JWT") from exc
    if claims.get("typ") != typ:
        raise TokenWrongType(f"token is not a {typ} token")
    if claims.get("aud") != audience:
        raise TokenWrongAudience("token is not meant for this service")
    missing = [name for name in ("exp", "iat", *required) if name not in claims]
    if missing:
        raise TokenClaimsInvalid(f"token lacks the {missing[0]!r} claim")
    _check_times(claims, time.time() if now is None else now, min(leeway, MAX_LEEWAY_SECONDS))
    return claims


def _check_times(claims: dict[str, Any], now: float, leeway: int) -> None:
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf", 0)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (exp, iat, nbf)):
        raise TokenClaimsInvalid("exp, iat and nbf must be integers")
    assert isinstance(exp, int) and isinstance(iat, int) and isinstance(nbf, int)
    if nbf > now + leeway or iat > now + leeway:
        raise TokenNotYetValid("token is not valid yet")
    if exp <= now - leeway:
        raise TokenExpired("token has expired", claims)


def network_for(client_ip: str, v4_prefix: int = 24, v6_prefix: int = 64) -> str:
    """The client network a bound token names: a /24 (IPv4) or /64 (IPv6) by default."""
    address = ipaddress.ip_address(client_ip)
    prefix = v4_prefix if address.version == 4 else v6_prefix
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def mint_stream_token(
    ring: KeyRing,
    *,
    sub: str,
    cid: str,
    sid: str,
    path: str,
    ttl_seconds: int = 600,
    ip_network: str | None = None,
    now: float | None = None,
) -> str:
    """A stream token for one file (`path`) or a directory prefix (`path` ending in '/')."""
    claims: dict[str, Any] = {"sub": sub, "cid": cid, "sid": sid, "p": path}
    if ip_network is not None:
        claims["ip"] = str(ipaddress.ip_network(ip_network, strict=False))
    return mint(
        ring, claims, typ=STREAM_TYP, audience=EDGE_AUDIENCE, ttl_seconds=ttl_seconds, now=now
    )


def stream_claims(claims: Mapping[str, Any]) -> StreamClaims:
    """Typed stream claims; raises TokenClaimsInvalid on a missing or ill-typed claim."""
    try:
        values = {name: claims[name] for name in ("sub", "cid", "sid", "p")}
        iat, exp, ip = claims["iat"], claims["exp"], claims.get("ip")
    except KeyError as exc:
        raise TokenClaimsInvalid(f"token lacks the {exc.args[0]!r} claim") from None
    if not all(isinstance(v, str) and v for v in values.values()):
        raise TokenClaimsInvalid("sub, cid, sid and p must be non-empty strings")
    if (
        not isinstance(iat, int)
        or not isinstance(exp, int)
        or not (ip is None or isinstance(ip, str))
    ):
        raise TokenClaimsInvalid("iat/exp must be integers and ip a string")
    return StreamClaims(iat=iat, exp=exp, ip=ip, **values)


def check_ip(claims: StreamClaims, client_ip: str | None) -> None:
    """Refuse a network-bound token presented from outside its network."""
    if claims.ip is None:
        return
    try:
        inside = client_ip is not None and ipaddress.ip_address(client_ip) in ipaddress.ip_network(
            claims.ip
        )
    except ValueError:
        inside = False
    if not inside:
        raise TokenIpMismatch("token is bound to another network")


def verify_stream_token(
    ring: KeyRing,
    token: str,
    *,
    client_ip: str | None = None,
    leeway: int = MAX_LEEWAY_SECONDS,
    now: float | None = None,
) -> StreamClaims:
    """Verify a stream token for the edge; TokenExpired carries the claims of a good but old one."""
    try:
        claims = decode(
            ring,
            token,
            typ=STREAM_TYP,
            audience=EDGE_AUDIENCE,
            required=_STREAM_CLAIMS,
            leeway=leeway,
            now=now,
        )
    except TokenExpired as exc:
        expired = stream_claims(exc.claims)
        check_ip(expired, client_ip)
        raise
    verified = stream_claims(claims)
    check_ip(verified, client_ip)
    return verified


class StreamTokenVerifier:
    """verify_stream_token behind a small cache of verified tokens.

    The cache key is the whole token string, so only a byte-identical token that was
    verified before can hit: a forged or edited token always misses and is checked in full.
    A token that verified but has expired is cached too (a stream may outlive its token by
    hours, SPEC §3): expiry and IP binding are re-checked on every hit.
    """

    def __init__(
        self,
        ring: KeyRing,
        *,
        max_entries: int = 4096,
        leeway: int = MAX_LEEWAY_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ring = ring
        self._max_entries = max_entries
        self._leeway = min(leeway, MAX_LEEWAY_SECONDS)
        self._clock = clock
        self._cache: dict[str, StreamClaims] = {}

    def check(self, token: str, client_ip: str | None = None) -> tuple[StreamClaims, bool]:
        """The verified claims and whether the token has expired; raises any other TokenError.

        Expiry is a state here, not an error: the edge still serves an expired token's own
        sid while its lease lives, and the lease check decides.
        """
        claims = self._cache.get(token)
        if claims is not None:
            # The network binding holds for an expired token too, so it comes first.
            check_ip(claims, client_ip)
            return claims, claims.exp <= self._clock() - self._leeway
        expired = False
        try:
            claims = verify_stream_token(
                self._ring, token, client_ip=client_ip, leeway=self._leeway, now=self._clock()
            )
        except TokenExpired as error:  # signature, claims and IP binding checked
            claims, expired = stream_claims(error.claims), True
        if len(self._cache) >= self._max_entries:
            # Dicts keep insertion order: dropping the oldest entry is a FIFO bound.
            del self._cache[next(iter(self._cache))]
        self._cache[token] = claims
        return claims, expired

    def verify(self, token: str, client_ip: str | None = None) -> StreamClaims:
        """The verified claims of a live token; TokenExpired (with the claims) past `exp`."""
        claims, expired = self.check(token, client_ip)
        if expired:
            raise TokenExpired("token has expired", _as_mapping(claims))
        return claims


def _as_mapping(claims: StreamClaims) -> dict[str, Any]:
    return {
        "typ": STREAM_TYP,
        "sub": claims.sub,
        "cid": claims.cid,
        "sid": claims.sid,
        "p": claims.p,
        "iat": claims.iat,
        "exp": claims.exp,
        "ip": claims.ip,
    }
