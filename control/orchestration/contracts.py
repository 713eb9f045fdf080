"""Contracts: what a block provides to others, as a Protocol with a semantic version.

A consumer names the contract and the version it was written against ("1.2"); a provider of
the same major version and at least that minor version satisfies it. Anything else is a
start-up error, never a surprise at request time.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

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


@runtime_checkable
class L1Cache(Protocol):
    """Cache-aside in Redis with one recomputation per key at a time (the cache block)."""

    async def get_or_compute(
        self, key: str, ttl_seconds: int, compute: Callable[[], Awaitable[Any]]
    ) -> Any: ...

    async def invalidate(self, *keys: str) -> None: ...

    async def invalidate_prefix(self, prefix: str) -> int: ...


L1_CACHE: Contract[L1Cache] = Contract(
    "l1_cache",
    "1.0.0",
    L1Cache,  # type: ignore[type-abstract]
)


class CacheKeys:
    """The L1 cache's key layout and TTLs (the seed's values), in one place for every block.

    The cache block drops these keys when content or progress events arrive, so a block that
    caches under them gets event-driven freshness for free; the TTL only bounds staleness.
    """

    CONTENT_TTL = 10 * 60
    HOME_TTL = 5 * 60
    SEARCH_TTL = 5 * 60
    HOME_SHARED = "home:shared"  # the home rows that are the same for every user
    HOME_USER_PREFIX = "home:user:"
    CONTENT_LISTS_PREFIX = "contents:"  # list / filter queries over contents
    SERIES_PREFIX = "series:"
    SEARCH_PREFIX = "search:"

    @staticmethod
    def content(content_id: int) -> str:
        return f"content:{content_id}"

    @staticmethod
    def home_user(user_id: int) -> str:
        return f"home:user:{user_id}"


# Progress rules (SPEC §4), for every block that stores or shows watch progress: under
# PROGRESS_STARTED_RATIO of the duration is not "in progress"; PROGRESS_COMPLETED_RATIO or
# more is completed and leaves Continue Watching.
PROGRESS_STARTED_RATIO = 0.10
PROGRESS_COMPLETED_RATIO = 0.90


@runtime_checkable
class TitleGenerator(Protocol):
    """{display_title, short_title, confidence, metadata} for an archive file name and path."""

    def generate(self, file_name: str, file_path: str | None = None) -> dict[str, Any]: ...


TITLE_GENERATOR: Contract[TitleGenerator] = Contract(
    "title_generator",
    "1.0.0",
    TitleGenerator,  # type: ignore[type-abstract]
)


@dataclass(frozen=True, slots=True)
class PlayableContent:
    """What the stream block needs to hand out a stream token for a content."""

    id: int
    title: str
    file_path: str  # relative to NAS_ROOT / SSD_CACHE_ROOT: the token's `p`
    duration_seconds: float | None
    file_size: int | None


@dataclass(frozen=True, slots=True)
class HandMark:
    hand_index: int
    start_seconds: float
    end_seconds: float
    category: str | None
    title: str


@runtime_checkable
class ContentReader(Protocol):
    """Read access to the catalog for other blocks (the content block provides it)."""

    async def playable(self, content_id: int) -> PlayableContent | None: ...

    async def hands(self, content_id: int) -> list[HandMark]: ...

    async def titles(self, content_ids: Sequence[int]) -> dict[int, str]: ...


CONTENT_READER: Contract[ContentReader] = Contract(
    "content_reader",
    "1.0.0",
    ContentReader,  # type: ignore[type-abstract]
)
