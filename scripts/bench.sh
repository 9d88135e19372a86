#!/usr/bin/env bash
# Benchmarks on a throwaway PostgreSQL and Redis (make bench). Figures are written as JSON under var/bench/.
# Arguments: names of benchmarks to run (default: all), e.g. `make bench ARGS="areas_import"`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
. scripts/services.sh
services_start
"$PY" manage.py migrate --noinput -v0
"$PY" -m bench "$@"
