"""The load scenarios' vocabulary, shared by the locust users, the runner and the smoke test.

Plain Python on purpose: importing locust monkey-patches the whole process (gevent), so
the runner and pytest read step names and the run's settings from here, never from the
locustfile.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Every entry the scenarios record, by name (locust's "Name" column), and the kind of
# latency it belongs to in the report.
API, LOGIN, TTFB, TOTAL, EDGE, REFUSAL = (
    "api",
    "login",
    "range ttfb",
    "range total",
    "edge",
    "refusal",
)

LOGIN_STEP = "POST /api/auth/login"
REFRESH = "POST /api/auth/refresh"
HOME = "GET /api/home"
SEARCH = "GET /api/search"
SUGGEST = "GET /api/search/suggest"
TITLE = "GET /api/contents/{id}"
HANDS = "GET /api/contents/{id}/hands"
PROGRESS_GET = "GET /api/stream/{id}/progress"
INFO = "GET /api/stream/{id}/info"
TOKEN = "POST /api/stream/{id}/token"
PROGRESS_PUT = "PUT /api/stream/{id}/progress"
SESSIONS = "GET /api/stream/sessions"
DASHBOARD = "GET /api/admin/dashboard"
JOBS = "GET /api/admin/jobs"
CACHE = "GET /api/admin/cache"
RANGE_TTFB = "range ttfb"  # the response head of a Range read (locust's own timing)
RANGE_TOTAL = "range total"  # head and every byte of the body
SEEK = "range ttfb (seek)"  # the first read after a jump: a new position, an empty buffer
END = "DELETE /v/{token}"
ABANDONED = "stream abandoned"  # no request: the lease lapses after the idle TTL
OVER_LIMIT = "refused 429 STREAM_LIMIT_USER"  # asked for on purpose, one stream too many
AT_CAPACITY = "refused 503 STREAM_CAPACITY"  # the configured global limit, shed on purpose

KINDS: dict[str, str] = {
    LOGIN_STEP: LOGIN,
    REFRESH: API,
    HOME: API,
    SEARCH: API,
    SUGGEST: API,
    TITLE: API,
    HANDS: API,
    PROGRESS_GET: API,
    INFO: API,
    TOKEN: API,
    PROGRESS_PUT: API,
    SESSIONS: API,
    DASHBOARD: API,
    JOBS: API,
    CACHE: API,
    RANGE_TTFB: TTFB,
    SEEK: TTFB,
    RANGE_TOTAL: TOTAL,
    END: EDGE,
    ABANDONED: EDGE,
    OVER_LIMIT: REFUSAL,
    AT_CAPACITY: REFUSAL,
}
# What a smoke run must have seen at least once. Refusals at global capacity only happen
# when the run is configured below its user count, and the admin cache page only where the
# hot-cache routes are served.
REQUIRED = frozenset(KINDS) - {AT_CAPACITY, CACHE}


@dataclass(frozen=True)
class Behaviour:
    """How the simulated people act; the defaults are the realistic mix."""

    watch_seconds: tuple[float, float] = (60.0, 240.0)  # one sitting, unless the file ends
    buffer_ahead_seconds: float = 10.0  # a player fills this much, then reads at playback rate
    chunk_bytes: tuple[int, int] = (1 << 20, 2 << 20)  # 1-2 MiB per Range request
    progress_every_seconds: float = 10.0
    p_search: float = 0.3  # per visit: search before choosing
    p_title: float = 0.5  # per visit: open the title page before playing
    seek_every_seconds: float = 120.0  # mean time between seeks while watching
    p_abandon: float = 0.1  # per sitting: leave without ending the stream
    p_reload: float = 0.05  # per visit: a page reload, which refreshes the session
    browse_wait_seconds: tuple[float, float] = (2.0, 8.0)


@dataclass(frozen=True)
class RunConfig:
    """What the runner hands the locust process (as JSON, see `load`)."""

    password: str
    accounts: list[str]  # one per simulated viewer or browser
    admin_email: str
    edge_url: str | None = None  # rewrite the stream URLs' origin to this, when set
    stream_limit_per_user: int = 3
    stream_idle_ttl: float = 90.0
    samples_path: str = "samples.csv"
    admin_cache: bool = False  # the platform serves GET /api/admin/cache (hot-cache routes)
    behaviour: Behaviour = field(default_factory=Behaviour)

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> RunConfig:
        raw = json.loads(path.read_text())
        behaviour: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in raw.pop("behaviour").items()
        }
        return cls(**raw, behaviour=Behaviour(**behaviour))


CONFIG_ENV = "WSOPTV_LOAD_CONFIG"  # the path of the RunConfig JSON, for the locust process
