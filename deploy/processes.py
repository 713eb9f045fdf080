"""Child processes that never outlive their parent.

Every server the launcher starts runs in its own session (a terminal's Ctrl-C reaches only
the launcher, which then stops the children in order) and with a parent-death signal, so a
launcher killed with SIGKILL still takes its children with it: no orphans.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _child_setup(death_signal: int, user: str | None) -> Callable[[], None]:
    entry = pwd.getpwnam(user) if user else None

    def setup() -> None:
        # The launcher blocks its stop signals to take them synchronously; servers need them.
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        if entry is not None:
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
        # After setuid: a credential change clears the parent-death signal.
        _libc.prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
        # The parent may have died between fork and prctl; then nobody would signal us.
        if os.getppid() == 1:
            os._exit(1)

    return setup


def spawn(
    argv: Sequence[str | Path],
    *,
    death_signal: int = signal.SIGTERM,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    log: Path | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child in its own session that receives `death_signal` when we die.

    Must be called from the main thread: the kernel sends the parent-death signal when the
    *thread* that forked the child exits.
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("spawn() must run on the main thread (parent-death signal)")
    out = open(log, "ab") if log is not None else None  # noqa: SIM115 - handed to the child
    try:
        return subprocess.Popen(
            [str(a) for a in argv],
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            start_new_session=True,
            preexec_fn=_child_setup(death_signal, user),
        )
    finally:
        if out is not None:
            out.close()


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 8.0) -> int:
    """Signal a child, wait up to `timeout`, then kill it; return its exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode
