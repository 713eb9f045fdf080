"""Contracts: what a block provides to others, as a Protocol with a semantic version.

A consumer names the contract and the version it was written against ("1.2"); a provider of
the same major version and at least that minor version satisfies it. Anything else is a
start-up error, never a surprise at request time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, runtime_checkable

from control.orchestration.errors import ContractError

T = TypeVar("T")
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, slots=True, order=True)
class SemVer:
    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = _VERSION_RE.fullmatch(text.strip())
        if match is None:
            raise ContractError(f"{text!r} is not a version (MAJOR.MINOR[.PATCH])")
        return cls(int(match[1]), int(match[2]), int(match[3] or 0))

    def satisfies(self, wanted: SemVer) -> bool:
        """Same major version and nothing older than what the consumer was written against."""
        return self.major == wanted.major and (self.minor, self.patch) >= (
            wanted.minor,
            wanted.patch,
        )

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True, slots=True)
class Contract(Generic[T]):
    """A named, versioned Protocol; `protocol` is what implementations are checked against."""

    name: str
    version: str
    protocol: type[T]

    @property
    def semver(self) -> SemVer:
        return SemVer.parse(self.version)


@dataclass(frozen=True, slots=True)
class Need:
    """A consumer's requirement: contract `name` at `version` (same major, minor at least)."""

    name: str
    version: str

    @property
    def semver(self) -> SemVer:
        return SemVer.parse(self.version)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller an access token names."""

    user_id: int
    role: str
    token_id: str
    family_id: str
    expires_at: int


@runtime_checkable
class Authenticator(Protocol):
    """Turns a bearer access token into a Principal, or raises a 401 domain error."""

    async def authenticate(self, token: str) -> Principal: ...


@runtime_checkable
class SessionControl(Protocol):
    """Ends every session of an account at once (suspension, role change, deletion)."""

    async def revoke_user_sessions(self, user_id: int, reason: str) -> int:
        """Revoke all refresh families and their access tokens; return how many families."""
        ...


SESSION_CONTROL: Contract[SessionControl] = Contract(
    "session_control",
    "1.0.0",
    SessionControl,  # type: ignore[type-abstract]  # a Protocol, checked with isinstance
)

AUTHENTICATOR: Contract[Authenticator] = Contract(
    "authenticator",
    "1.0.0",
    Authenticator,  # type: ignore[type-abstract]  # a Protocol, checked with isinstance
)
