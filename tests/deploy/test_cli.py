"""The `wsoptv` command line against real servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import asyncpg
import bcrypt
import psutil

from tests.support import REPO, free_port, wait_for_http


def wsoptv(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        input=stdin,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_user_create_admin_stores_a_bcrypt_cost_12_hash(data_env: dict[str, str]) -> None:
    result = wsoptv(
        [
            "user",
            "create",
            "--email",
            "Boss@Example.org",
            "--username",
            "boss",
            "--password-stdin",
            "--admin",
        ],
        data_env,
        stdin="Sup3rSecret!\n",
    )
    assert result.returncode == 0, result.stderr
    conn = await asyncpg.connect(data_env["DATABASE_URL"])
    try:
        row = await conn.fetchrow(
            "SELECT role, status, password_hash FROM users WHERE username = 'boss'"
        )
    finally:
        await conn.close()
    assert row is not None
    assert (row["role"], row["status"]) == ("admin", "active")
    assert row["password_hash"].startswith("$2b$12$")
    assert bcrypt.checkpw(b"Sup3rSecret!", row["password_hash"].encode())
    assert "Sup3rSecret" not in result.stdout + result.stderr


def test_user_create_refuses_weak_passwords_and_duplicates(data_env: dict[str, str]) -> None:
    args = ["user", "create", "--email", "a@b.io", "--username", "ann", "--password-stdin"]
    weak = wsoptv(args, data_env, stdin="short\n")
    assert weak.returncode != 0
    assert "at least 8 characters" in weak.stderr
    assert wsoptv(args, data_env, stdin="Corr3ctHorse\n").returncode == 0
    again = wsoptv(args, data_env, stdin="Corr3ctHorse\n")
    assert again.returncode != 0
    assert "exists" in again.stderr


def test_migrate_twice_is_a_no_op_the_second_time(data_env: dict[str, str]) -> None:
    # data_env's database is migrated already: migrate has nothing left to do.
    result = wsoptv(["migrate"], data_env)
    assert result.returncode == 0, result.stderr
    assert "0 migration(s) applied" in result.stdout


def test_every_command_of_the_spec_exists(data_env: dict[str, str]) -> None:
    help_text = wsoptv(["--help"], data_env).stdout
    for command in ("up", "control", "edge", "worker", "migrate", "user", "scan", "demo", "jobs"):
        assert f"  {command} " in help_text
    assert "--concurrency" in wsoptv(["worker", "--help"], data_env).stdout
    jobs = wsoptv(["jobs", "--help"], data_env).stdout
    assert "  list " in jobs and "  retry " in jobs
    listed = wsoptv(["jobs", "list"], data_env)
    assert listed.returncode == 0 and "0 of 0 job(s)" in listed.stdout, listed.stderr
    missing = wsoptv(["jobs", "retry", "12345"], data_env)
    assert missing.returncode != 0 and "no job 12345" in missing.stderr


def test_up_starts_everything_and_ctrl_c_stops_everything(data_env: dict[str, str]) -> None:
    """Embedded PostgreSQL and Redis (no URLs given), control and edge; then SIGINT."""
    env = {k: v for k, v in data_env.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    control_port, edge_port = free_port(), free_port()
    env |= {
        "CONTROL_PORT": str(control_port),
        "EDGE_PORT": str(edge_port),
        "EMBEDDED_POSTGRES_PORT": str(free_port()),
        "EMBEDDED_REDIS_PORT": str(free_port()),
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "deploy.cli", "up", "--no-demo"],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert launcher.stdout is not None
        lines = []
        for line in launcher.stdout:
            lines.append(line)
            if "WSOPTV is up" in line:
                break
        assert any(f"http://127.0.0.1:{control_port}/api" in line for line in lines), lines
        wait_for_http(f"http://127.0.0.1:{control_port}/api/health", launcher, timeout=5)
        wait_for_http(f"http://127.0.0.1:{edge_port}/healthz", launcher, timeout=5)
        with urllib.request.urlopen(f"http://127.0.0.1:{control_port}/api/health") as response:
            health = response.read()
        assert b'"postgres":{"status":"up"' in health
        assert b'"worker":{"status":"up"' in health, health  # it beat before up said so
        tree = psutil.Process(launcher.pid).children(recursive=True)
        names = {p.name() for p in tree}
        assert {"postgres", "redis-server"} <= names, names
        assert any(p.cmdline()[-1:] == ["worker"] for p in tree)
        started = time.monotonic()
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
        _, alive = psutil.wait_procs(tree, timeout=2)
        assert alive == []
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
        if launcher.stdout is not None:
            launcher.stdout.close()
