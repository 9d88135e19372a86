#!/usr/bin/env bash
# The whole suite on a throwaway PostgreSQL and Redis (make test). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
. scripts/services.sh
services_start
export DJANGO_ALLOW_ASYNC_UNSAFE=true  # Playwright's sync API runs an event loop beside Django's ORM in tests
set +e
"$PY" -m pytest --create-db "$@"
status=$?
set -e
exit $status
