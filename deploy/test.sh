#!/usr/bin/env bash
# Set up and run the test suite (real embedded PostgreSQL and Redis, real files and servers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh test
exec .venv/bin/python -m pytest "$@"
