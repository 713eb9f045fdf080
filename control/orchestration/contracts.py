"""Contracts: what a block provides to others, as a Protocol with a semantic version.

A consumer names the contract and the version it was written against ("1.2"); a provider of
the same major version and at least that minor version satisfies it. Anything else is a
start-up error, never a surprise at request time.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

import msgspec

from control.orchestration.errors import ContractError
from control.orchestration.jobs import BoundJob
from shared.errors import WsoptvError

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


# accounts (the auth block owns the users table) -------------------------------------------

Role = Literal["user", "moderator", "admin"]
AccountStatus = Literal["pending", "active", "suspended"]


@dataclass(frozen=True, slots=True)
class Account:
    """A row of the users table (never its password hash)."""

    id: int
    email: str
    username: str
    role: Role
    status: AccountStatus
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class AccountQuery:
    text: str | None = None  # part of the email or username, case-insensitive
    status: AccountStatus | None = None
    role: Role | None = None
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class AccountPage:
    items: list[Account]
    total: int


@dataclass(frozen=True, slots=True)
class AccountChange:
    """What change_account did: `applied` is False (and after is before) when the account's
    status was not the one expected."""

    before: Account
    after: Account
    applied: bool


@dataclass(frozen=True, slots=True)
class AccountCounts:
    total: int
    active: int
    pending: int
    suspended: int
    new_today: int  # since 00:00 UTC


@runtime_checkable
class AccountDirectory(Protocol):
    """Accounts for administration: search, counts, and role/status changes (auth owns them)."""

    async def list_accounts(self, query: AccountQuery) -> AccountPage: ...

    async def change_account(
        self,
        user_id: int,
        *,
        role: Role | None,
        status: AccountStatus | None,
        expect_status: AccountStatus | None = None,
    ) -> AccountChange | None:
        """Set role and/or status under a row lock; None when there is no such account."""
        ...

    async def account_counts(self) -> AccountCounts: ...


ACCOUNTS: Contract[AccountDirectory] = Contract(
    "accounts",
    "1.0.0",
    AccountDirectory,  # type: ignore[type-abstract]
)


# the L1 cache ---------------------------------------------------------------------------


class L1Summary(msgspec.Struct, frozen=True):
    """The L1 cache at a glance: this process's lookups and the keys Redis holds."""

    hits: int
    misses: int
    keys: int


@runtime_checkable
class L1Cache(Protocol):
    """Cache-aside in Redis with one recomputation per key at a time (the cache block)."""

    async def get_or_compute(
        self, key: str, ttl_seconds: int, compute: Callable[[], Awaitable[Any]]
    ) -> Any: ...

    async def invalidate(self, *keys: str) -> None: ...

    async def invalidate_prefix(self, prefix: str) -> int: ...

    async def summary(self) -> L1Summary:
        """Since 1.1: hits and misses of this process, keys in Redis (admin cache page)."""
        ...


L1_CACHE: Contract[L1Cache] = Contract(
    "l1_cache",
    "1.1.0",
    L1Cache,  # type: ignore[type-abstract]
)


class CacheKeys:
    """The L1 cache's key layout and TTLs (the seed's values), in one place for every block.

    The cache block drops these keys when content or progress events arrive, so a block that
    caches under them gets event-driven freshness for free; the TTL only bounds staleness.
    """

    CONTENT_TTL = 10 * 60
    HOME_TTL = 5 * 60
    HOME_SHARED = "home:shared"  # the home rows that are the same for every user
    HOME_USER_PREFIX = "home:user:"

    @staticmethod
    def content(content_id: int) -> str:
        return f"content:{content_id}"

    @staticmethod
    def home_user(user_id: int) -> str:
        return f"{CacheKeys.HOME_USER_PREFIX}{user_id}"


# Progress rules (SPEC §4), for every block that stores or shows watch progress: under
# PROGRESS_STARTED_RATIO of the duration is not "in progress"; PROGRESS_COMPLETED_RATIO or
# more is completed and leaves Continue Watching.
PROGRESS_STARTED_RATIO = 0.10
PROGRESS_COMPLETED_RATIO = 0.90


# titles ---------------------------------------------------------------------------------


@runtime_checkable
class TitleGenerator(Protocol):
    """{display_title, short_title, confidence, metadata} for an archive file name and path."""

    def generate(self, file_name: str, file_path: str | None = None) -> dict[str, Any]: ...


TITLE_GENERATOR: Contract[TitleGenerator] = Contract(
    "title_generator",
    "1.0.0",
    TitleGenerator,  # type: ignore[type-abstract]
)


# the catalog (the content block owns contents, series, best_hands) ----------------------

# A content's `event_type`, as the content block derives it (content/event_types.py says how)
# and other blocks filter by it (search).
EventType = Literal["hand_clip", "highlight", "main_event", "bracelet_event", "side_event", "show"]


class ContentNotFound(WsoptvError):
    """No such content (or, where a file is needed, none that can be played)."""

    code = "CONTENT_NOT_FOUND"
    status = 404


@dataclass(frozen=True, slots=True)
class PlayableContent:
    """What the stream block needs to hand out a stream token for a content."""

    id: int
    title: str
    file_path: str  # relative to NAS_ROOT / SSD_CACHE_ROOT: the token's `p`
    duration_seconds: float | None
    file_size: int | None


class Hand(msgspec.Struct, frozen=True):
    """A curated hand of a content: where it starts and ends, who played it, the pot."""

    id: int
    content_id: int
    hand_index: int
    start_seconds: float
    end_seconds: float
    category: str | None
    title: str
    players: list[str]
    pot_size: float | None


@dataclass(frozen=True, slots=True)
class CatalogCounts:
    total: int
    available: int
    missing: int  # no longer found on the NAS by the last scan
    series: int
    best_hands: int


@runtime_checkable
class ContentReader(Protocol):
    """Read access to the catalog for other blocks (the content block provides it)."""

    async def playable(self, content_id: int) -> PlayableContent | None: ...

    async def hands(self, content_id: int) -> list[Hand]: ...

    async def titles(self, content_ids: Sequence[int]) -> dict[int, str]: ...

    async def counts(self) -> CatalogCounts: ...


CONTENT_READER: Contract[ContentReader] = Contract(
    "content_reader",
    "2.0.0",
    ContentReader,  # type: ignore[type-abstract]
)


# background jobs (the worker block owns the jobs table and the queues) -------------------

JobStatus = Literal["queued", "running", "succeeded", "failed", "dead", "cancelled"]
UNFINISHED: tuple[JobStatus, ...] = ("queued", "running")
RETRYABLE: tuple[JobStatus, ...] = ("failed", "dead", "cancelled")


class JobProgress(msgspec.Struct, frozen=True):
    done: int
    total: int


class JobRecord(msgspec.Struct, frozen=True):
    """A job as SPEC §4.2 shows it (`worker`: the worker process that ran it last)."""

    id: int
    type: str
    queue: str
    status: JobStatus
    attempts: int
    max_attempts: int
    progress: JobProgress
    payload: dict[str, Any]
    result: dict[str, Any] | None
    error_code: str | None
    error: str | None  # generic: the details are in the worker's log
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_after: datetime  # not started before (a retry's backoff)
    worker: str | None


@runtime_checkable
class Jobs(Protocol):
    """Enqueue background jobs and read them back (the worker block provides it)."""

    async def enqueue(
        self,
        type: str,
        payload: dict[str, Any] | None = None,
        *,
        dedup_key: str | None = None,
        delay: float = 0.0,
    ) -> JobRecord:
        """A new queued job, or the unfinished one with the same dedup_key (same work twice
        is one job); ValueError for a job type no block declares."""
        ...

    async def get(self, job_id: int) -> JobRecord | None: ...


JOBS: Contract[Jobs] = Contract(
    "jobs",
    "1.0.0",
    Jobs,  # type: ignore[type-abstract]
)


@runtime_checkable
class JobRunner(Protocol):
    """Runs the declared jobs of the started blocks until `stop` is set (`wsoptv worker`)."""

    async def run(
        self,
        handlers: Sequence[BoundJob],
        *,
        concurrency: int,
        queues: Sequence[str] | None,
        stop: asyncio.Event,
        ready: asyncio.Event | None = None,
    ) -> None:
        """`ready` is set once the worker consumes (it has beaten: health shows it)."""
        ...


JOB_RUNNER: Contract[JobRunner] = Contract(
    "job_runner",
    "1.0.0",
    JobRunner,  # type: ignore[type-abstract]
)
