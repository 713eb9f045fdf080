"""A smoke run of the load scenarios (benchmarks/locust/) against a platform of real
processes this test starts: every step happens, nothing fails. It checks that the
scenarios work, never a speed (benchmarks/load.py measures)."""

from __future__ import annotations

import re
from pathlib import Path

from redis import Redis

from benchmarks.load import admin_cache_served, run_locust
from benchmarks.load_accounts import create_accounts
from benchmarks.load_report import report
from benchmarks.locust.steps import CACHE, REQUIRED, Behaviour, RunConfig
from deploy.infra import Endpoints
from tests.web.platform import run_platform

USERS, SECONDS = 20, 20
PASSWORD = "Smoke-Load-Passw0rd"
# Everything a viewer may do, often enough that 20 users do all of it within 20 s.
HURRIED = Behaviour(
    watch_seconds=(3.0, 8.0),
    buffer_ahead_seconds=4.0,
    p_search=0.5,
    p_title=0.5,
    seek_every_seconds=3.0,
    p_abandon=0.4,
    p_reload=0.3,
    browse_wait_seconds=(0.2, 1.0),
)


def test_every_scenario_step_runs_without_a_failure(
    tmp_path: Path, infra: Endpoints, empty_database_url: str
) -> None:
    # A Redis database of its own (the browser tests' platform uses 9), emptied first.
    redis_url = re.sub(r"/\d+$", "/10", infra.redis_url)
    with Redis.from_url(redis_url) as redis:
        redis.flushdb()
    out = tmp_path / "out"
    out.mkdir()
    with run_platform(tmp_path / "platform", empty_database_url, redis_url) as platform:
        emails, admin = create_accounts(empty_database_url, USERS, PASSWORD)
        cache = admin_cache_served(platform.control_url)
        config = RunConfig(PASSWORD, emails, admin, admin_cache=cache, behaviour=HURRIED)
        run_locust(platform.control_url, config, out, users=USERS, spawn_rate=USERS,
                   seconds=SECONDS)  # fmt: skip
    summary = report(out, USERS)

    assert summary.failures == 0, summary.errors
    assert not (REQUIRED | ({CACHE} if cache else set())) - set(summary.steps), summary.steps
    assert summary.expected_refusals >= 1  # the over-limit viewer's 429
    for made in ("report.html", "stats.csv", "latency.png", "bytes_by_tier.png"):
        assert (out / made).stat().st_size > 0, made
