"""A whole platform for a browser: control and edge processes on free ports over real
PostgreSQL and Redis, a small library of real H.264/AAC files, an admin and hands.

Used by the browser tests, the time-to-first-frame benchmark and the screenshot script.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from deploy.demo import DemoFile, write_demo_file
from tests.support import REPO, free_port, wsoptv_process

PASSWORD = "Browser-Passw0rd"
ADMIN_EMAIL = "admin@wsoptv.test"
_LV = "ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-LAS VEGAS/2025 WSOP-LAS VEGAS/WSOP 2025 MAIN EVENT"
# One minute to seek around in (10 % of it is 6 s: Continue Watching needs more), and two
# short clips so the home page has rows of more than one card.
_DAY3 = "WSOP 2025 Main Event _ Day 3"
FEATURE = DemoFile(f"{_LV}/{_DAY3}/{_DAY3}.mp4", 60, 640, 360, 500_000)
CLIPS = (
    DemoFile(f"{_LV}/WSOP 2025 Main Event _ Day 2A_B_C (Part 2).mp4", 12, 320, 180, 250_000),
    DemoFile(
        "ARCHIVE/WSOP/WSOP Bracelet Event/WSOP-PARADISE/2024 WSOP-PARADISE SUPER MAIN EVENT/"
        "Hand Clip/Final Day/1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4",
        10,
        320,
        180,
        250_000,
    ),
)
HANDS = [
    {"hand_index": 1, "start_seconds": 8, "end_seconds": 16, "title": "Opening shove",
     "players": ["Lehmann", "Addamo"], "pot_size": 1_200_000},
    {"hand_index": 2, "start_seconds": 30, "end_seconds": 38, "title": "Set over set",
     "players": ["Riess", "Aguero"], "pot_size": 4_500_000},
    {"hand_index": 3, "start_seconds": 45, "end_seconds": 52, "title": "River bluff",
     "players": ["Negreanu", "Hellmuth"]},
]  # fmt: skip


@dataclass
class Platform:
    control_url: str
    edge_url: str
    env: dict[str, str]
    feature_id: int = 0
    titles: dict[int, str] = field(default_factory=dict)

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.control_url}/api", timeout=30)

    def login(self, api: httpx.Client, email: str, password: str = PASSWORD) -> dict[str, str]:
        response = api.post("/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def register(self, name: str) -> str:
        """A new active account; its email (the password is PASSWORD)."""
        email = f"{name}@wsoptv.test"
        with self.api() as api:
            response = api.post(
                "/auth/register", json={"email": email, "username": name, "password": PASSWORD}
            )
            assert response.status_code == 201, response.text
        return email


def wsoptv_cli(args: list[str], env: dict[str, str], stdin: str = "") -> None:
    """Run one `wsoptv` command to its end; RuntimeError with its output when it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        input=stdin,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"wsoptv {' '.join(args)} failed: {result.stderr[-2000:]}")


@contextmanager
def run_platform(
    root: Path,
    database_url: str,
    redis_url: str,
    library: Sequence[DemoFile] = (FEATURE, *CLIPS),
    **extra: str,
) -> Iterator[Platform]:
    """Control, edge and worker on free ports with `library` scanned (written where
    missing), probed and thumbnailed, an admin, and hands on the first file of 50 s or more."""
    nas, ssd = root / "nas", root / "ssd"
    nas.mkdir(parents=True, exist_ok=True)
    ssd.mkdir(parents=True, exist_ok=True)
    for spec in library:
        write_demo_file(nas, spec)
    control_port, edge_port = free_port(), free_port()
    control_url = f"http://127.0.0.1:{control_port}"
    edge_url = f"http://127.0.0.1:{edge_port}"
    env = {
        "WSOPTV_DATA_DIR": str(root / "data"),
        "NAS_ROOT": str(nas),
        "SSD_CACHE_ROOT": str(ssd),
        "THUMBNAIL_ROOT": str(root / "thumbnails"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STREAM_TOKEN_KEYS": f"s1:{secrets.token_urlsafe(32)}",
        "ACCESS_TOKEN_KEYS": f"a1:{secrets.token_urlsafe(32)}",
        "CONTROL_PORT": str(control_port),
        "EDGE_PORT": str(edge_port),
        "EDGE_PUBLIC_URL": edge_url,
        "CORS_ORIGINS": f'["{control_url}"]',
        "STREAM_LIMIT_PER_USER": "3",
        "RATE_LIMIT_PER_IP": "100000",
        "LOGIN_LIMIT_PER_IP": "100000",
        "REGISTER_LIMIT_PER_IP": "100000",
        "LOG_LEVEL": "warning",
        **extra,
    }
    wsoptv_cli(["scan"], env)
    wsoptv_cli(
        ["user", "create", "--email", ADMIN_EMAIL, "--username", "admin", "--password-stdin",
         "--admin"],
        env,
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    with ExitStack() as stack:
        stack.enter_context(
            wsoptv_process(
                ["control"], env, health_url=f"{control_url}/api/health", log=root / "control.log"
            )
        )
        stack.enter_context(
            wsoptv_process(["edge"], env, health_url=f"{edge_url}/healthz", log=root / "edge.log")
        )
        # The worker probes the scanned files (durations) and makes their thumbnails.
        stack.enter_context(wsoptv_process(["worker"], env, log=root / "worker.log"))
        platform = Platform(control_url, edge_url, env)
        with platform.api() as api:
            admin = platform.login(api, ADMIN_EMAIL)
            page = _probed_library(api, admin)
            platform.titles = {item["id"]: item["title"] for item in page["items"]}
            platform.feature_id = next(
                item["id"] for item in page["items"] if item["duration_seconds"] >= 50
            )
            hands = api.put(
                f"/admin/contents/{platform.feature_id}/hands", json={"hands": HANDS}, headers=admin
            )
            assert hands.status_code == 200, hands.text
        yield platform


def _probed_library(api: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    """The admin content list once the worker has probed and thumbnailed every video."""
    deadline = time.monotonic() + 120
    while True:
        page: dict[str, Any] = api.get(
            "/admin/contents", params={"limit": 100}, headers=admin
        ).json()
        if all(item["thumbnail_url"] for item in page["items"]):
            return page
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not probe and thumbnail the demo library in time")
        # Jobs run in another process: there is no event of theirs to await here.
        time.sleep(0.2)


@contextmanager
def standalone_platform(root: Path) -> Iterator[Platform]:
    """run_platform on embedded PostgreSQL and Redis of its own in `root` (for scripts)."""
    from deploy.embedded import EmbeddedPostgres, EmbeddedRedis

    with (
        EmbeddedPostgres(root / "infra", free_port()) as database_url,
        EmbeddedRedis(root / "infra", free_port()) as redis_url,
        run_platform(root, database_url, redis_url) as platform,
    ):
        yield platform


def chromium_args() -> list[str]:
    """Debian's Chromium, headless, quiet: nothing it does reaches beyond this machine."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]


CHROMIUM = "/usr/bin/chromium"


def launch_options() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "args": chromium_args(), "headless": True}
