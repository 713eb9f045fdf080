#!/usr/bin/env bash
# Set up a virtualenv with WSOPTV and everything it needs (idempotent).
# Usage: source-free; called by deploy/up.sh and deploy/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

extra="${1:-}"
python="${PYTHON:-python3}"

# The Debian packages the test suite drives as real clients: curl, and Chromium for the
# browser tests (Playwright drives /usr/bin/chromium; its own browser downloads are never
# used). FFmpeg comes with the PyAV wheel. Installed only when missing. The edge benchmark
# also needs nginx and wrk: see benchmarks/README.md.
if [[ ",$extra," == *",test,"* ]]; then
  missing=()
  for tool in curl chromium; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ -n "$extra" ]; then
  .venv/bin/python -m pip install -q -e ".[$extra]"
else
  .venv/bin/python -m pip install -q -e .
fi
