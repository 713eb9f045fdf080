"""`wsoptv up`: every part of the platform on one machine, stopped together on Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from control.db.migrate import migrate
from deploy.infra import infrastructure
from deploy.processes import spawn, stop
from shared.settings import CommonSettings

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    command: str
    health_url: str
    public_url: str
    # What the health answer must contain (the worker has no port: control's health says
    # whether a worker beat lately).
    health_marker: bytes = b""


def services() -> list[Service]:
    """The services `up` starts, with their addresses from the services' own settings."""
    from control.settings import ControlSettings
    from edge.settings import EdgeSettings

    control_settings, edge_settings = ControlSettings(), EdgeSettings()
    control = f"http://{control_settings.control_host}:{control_settings.control_port}"
    edge = f"http://{edge_settings.edge_host}:{edge_settings.edge_port}"
    return [
        Service("control", "control", f"{control}/api/health", f"{control}/api"),
        Service("edge", "edge", f"{edge}/healthz", edge),
        Service(
            "worker",
            "worker",
            f"{control}/api/health",
            "background jobs (wsoptv jobs list)",
            health_marker=b'"worker":{"status":"up"',
        ),
    ]


def _healthy(url: str, marker: bytes = b"") -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return bool(response.status == 200) and marker in response.read()
    except (urllib.error.URLError, OSError):
        return False


def _wait_healthy(service: Service, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not _healthy(service.health_url, service.health_marker):
        if proc.poll() is not None:
            raise SystemExit(f"{service.name} exited with {proc.returncode} while starting")
        if time.monotonic() > deadline:
            raise SystemExit(f"{service.name} did not become healthy in {timeout:.0f} s")
        # A signal (Ctrl-C) ends the wait at once; otherwise poll the health URL again.
        if signal.sigtimedwait(_STOP_SIGNALS, 0.1) is not None:
            raise KeyboardInterrupt


def run(settings: CommonSettings, env: dict[str, str], *, demo: bool) -> int:
    """Start infrastructure, migrate, start the services; block until a stop signal."""
    # Stop signals are taken synchronously with sigtimedwait; children unblock them again.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    for root in (settings.nas_root, settings.ssd_cache_root):
        root.mkdir(parents=True, exist_ok=True)
    with infrastructure(settings) as endpoints:
        env.update(endpoints.as_env())
        applied = asyncio.run(migrate(endpoints.database_url))
        print(f"database ready ({len(applied)} migration(s) applied)", flush=True)
        if demo:
            from deploy.demo import ensure_demo_library, nas_has_videos

            if not nas_has_videos(settings.nas_root):
                ensure_demo_library(settings.nas_root)
        # The import is idempotent and cheap for unchanged files, so `up` always catches up.
        from deploy.library_scan import scan_with_progress

        scan_with_progress(endpoints, settings.nas_root)
        running: list[tuple[Service, subprocess.Popen[bytes]]] = []
        try:
            for service in services():
                proc = spawn([sys.executable, "-m", "deploy.cli", service.command], env=env)
                running.append((service, proc))
            for service, proc in running:
                _wait_healthy(service, proc)
            for service, _ in running:
                print(f"{service.name:8} {service.public_url}", flush=True)
            print("WSOPTV is up. Ctrl-C stops everything.", flush=True)
            _wait_for_stop(running)
        except KeyboardInterrupt:
            pass
        finally:
            print("stopping...", flush=True)
            for _service, proc in reversed(running):
                stop(proc, signal.SIGTERM, timeout=5.0)
    print("stopped", flush=True)
    return 0


def _wait_for_stop(running: list[tuple[Service, subprocess.Popen[bytes]]]) -> None:
    """Return on SIGINT/SIGTERM, or when any service exits on its own."""
    while True:
        if signal.sigtimedwait(_STOP_SIGNALS, 1.0) is not None:
            return
        for service, proc in running:
            if proc.poll() is not None:
                print(f"{service.name} exited with {proc.returncode}", file=sys.stderr)
                return
