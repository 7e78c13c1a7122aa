#!/usr/bin/env bash
# The whole test suite: prepare the Rasa model and KB index, then run pytest inside a private throwaway
# PostgreSQL server for the dispatch tests when the script for it exists (its own directory and free port,
# stopped and deleted afterwards, so two checkouts can run `make test` at once). Exit code is pytest's.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
.venv/app/bin/python -m rexian.stack prepare
# Chromium + a CJK font for tests/browser (apt-get as root when missing); a failure only skips the browser tests.
scripts/install_browser.sh || echo "run_tests: scripts/install_browser.sh failed: tests/browser will be skipped" >&2
if [[ -x scripts/test_postgres.sh && -z "${REXIAN_TEST_PG_URL:-}" ]]; then
  exec scripts/test_postgres.sh run .venv/app/bin/python -m pytest "$@"
fi
exec .venv/app/bin/python -m pytest "$@"
