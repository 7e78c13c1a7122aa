#!/usr/bin/env bash
# The whole test suite: prepare the Rasa model and KB index, start a throwaway PostgreSQL for the dispatch
# tests when the script for it exists, then run pytest. Exit code is pytest's.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
.venv/app/bin/python -m rexian.stack prepare
if [[ -x scripts/test_postgres.sh && -z "${REXIAN_TEST_PG_URL:-}" ]]; then
  REXIAN_TEST_PG_URL="$(scripts/test_postgres.sh start)"
  export REXIAN_TEST_PG_URL
  trap 'scripts/test_postgres.sh stop >/dev/null 2>&1 || true' EXIT
fi
.venv/app/bin/python -m pytest "$@"
