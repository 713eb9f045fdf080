"""The machine a benchmark ran on, as every benchmark here quotes it."""

from __future__ import annotations

import os
import re
import subprocess


def cpu_model() -> str:
    """The CPU model as lscpu names it (and the number of CPUs)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return f"unknown ({os.cpu_count()} CPUs)"
    model = re.search(r"^Model name:\s*(.+)$", out, re.MULTILINE)
    return f"{model.group(1).strip() if model else 'unknown'} ({os.cpu_count()} CPUs)"


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]
