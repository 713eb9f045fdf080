#!/usr/bin/env bash
# Set up and run the test suite (real embedded PostgreSQL and Redis, real files and servers);
# the dev extras (ruff, mypy) come along for the CI gates.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh test,dev
exec .venv/bin/python -m pytest "$@"
