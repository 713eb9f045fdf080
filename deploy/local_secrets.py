"""Secrets for a single-machine install, made once and kept in DATA_DIR.

Real deployments set STREAM_TOKEN_KEYS and ACCESS_TOKEN_KEYS in the environment of every
process. For `wsoptv up` and the other local commands, missing ones are generated on first
use and kept (0600) in DATA_DIR/secrets.json, so control and edge agree and tokens survive a
restart.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import MutableMapping
from pathlib import Path

SECRET_NAMES = ("STREAM_TOKEN_KEYS", "ACCESS_TOKEN_KEYS")


def _new_ring() -> str:
    return f"k{secrets.token_hex(3)}:{secrets.token_urlsafe(32)}"


def load_or_create(data_dir: Path) -> dict[str, str]:
    """The local secrets file's values, creating any that are missing."""
    path = data_dir / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in SECRET_NAMES if not stored.get(name)]
    if missing:
        stored.update({name: _new_ring() for name in missing})
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(stored, out, indent=2)
        tmp.replace(path)
    return stored


def fill_environment(env: MutableMapping[str, str], data_dir: Path) -> None:
    """Set each secret the environment lacks from the local secrets file."""
    if all(env.get(name) for name in SECRET_NAMES):
        return
    for name, value in load_or_create(data_dir).items():
        if not env.get(name):
            env[name] = value
