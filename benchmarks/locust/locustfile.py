"""WSOPTV under realistic people (SPEC §7.1): viewers, a few viewers over their stream
limit, browsers and an admin. Run through benchmarks/load.py, which prepares the platform
and the accounts and passes the run's settings in WSOPTV_LOAD_CONFIG (see steps.py)."""

from __future__ import annotations

import sys
from pathlib import Path

# locust puts this file's folder on sys.path; the scenarios import as benchmarks.locust.*
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from locust import events
from locust.env import Environment

from benchmarks.locust import recorder
from benchmarks.locust.browsers import Admin, Browser
from benchmarks.locust.people import CONFIG
from benchmarks.locust.viewers import OverLimitViewer, Viewer

__all__ = ["Admin", "Browser", "OverLimitViewer", "Viewer"]


def _record(environment: Environment, **_: object) -> None:
    recorder.install(environment, Path(CONFIG.samples_path))


events.init.add_listener(_record)  # type: ignore[no-untyped-call]  # locust's hooks are untyped
