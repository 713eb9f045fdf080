#!/usr/bin/env bash
# Set up and run the whole platform on this machine (`wsoptv up`); Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
exec .venv/bin/wsoptv up "$@"
