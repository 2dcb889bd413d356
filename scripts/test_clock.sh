#!/usr/bin/env bash
# The whole test suite (scripts/test.sh) with the system clock shifted, to prove no test depends
# on the day it runs: 'make test-clock SHIFT=+365d' (a year ahead) or SHIFT=-365d (a year
# behind). SHIFT is a libfaketime offset: +365d, -30d, +6h...
#
# libfaketime (Debian package 'faketime') is preloaded into every process of the run: pytest
# and its workers, the Celery workers the tests start, and the embedded PostgreSQL and Redis,
# which this script starts afresh under var/clock/SHIFT/ on their own ports so that the database's
# now() is shifted too. It never uses DATABASE_URL / REDIS_URL or the servers of 'make run' /
# 'make test', whose clock is the real one. The browser tests' Chromium is shifted too.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

clock_shift="${1:-}"
if [ -z "$clock_shift" ]; then
  echo "usage: scripts/test_clock.sh SHIFT [PYTEST_ARGS...]   (SHIFT: +365d, -365d, ...)" >&2
  exit 2
fi
shift

if [ "${TEST_CLOCK_INNER:-}" = "1" ]; then
  # Running under faketime, with the embedded servers started under it: check that the
  # database really has the shifted clock before trusting any result.
  .venv/bin/python - <<'EOF'
import datetime as dt
import os
import sys

import psycopg

with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
    database_now = connection.execute("SELECT now()").fetchone()[0]
here = dt.datetime.now(dt.UTC)
drift = abs((database_now - here).total_seconds())
print(f"==> shifted clock: pytest {here:%Y-%m-%d %H:%M} UTC, PostgreSQL {database_now:%Y-%m-%d %H:%M} UTC")
if drift > 60:
    sys.exit(f"PostgreSQL's clock is {drift:.0f}s away from the shifted clock: not under faketime")
EOF
  exec scripts/test.sh "$@"
fi

if ! command -v faketime >/dev/null 2>&1; then
  echo "error: faketime is not installed (Debian/Ubuntu: apt-get install faketime)" >&2
  exit 2
fi
if ! faketime -f "$clock_shift" true 2>/dev/null; then
  echo "error: faketime does not understand SHIFT=$clock_shift (try +365d or -365d)" >&2
  exit 2
fi

# Servers of their own, so they can be started under the shifted clock.
var_dir="var/clock/$(printf '%s' "$clock_shift" | tr -c 'A-Za-z0-9+-' '_')"
export SAFEGUARDING_VAR_DIR="$root/$var_dir"
export EMBEDDED_PG_PORT="${EMBEDDED_PG_PORT:-55532}"
export EMBEDDED_REDIS_PORT="${EMBEDDED_REDIS_PORT:-56479}"
unset DATABASE_URL REDIS_URL
if .venv/bin/python -m safeguarding.devservices status >/dev/null 2>&1; then
  echo "error: the servers under $var_dir are already running, so their clock may not be" >&2
  echo "shifted by $clock_shift (another 'make test-clock'?). Stop them with:" >&2
  echo "  SAFEGUARDING_VAR_DIR=$var_dir .venv/bin/python -m safeguarding.devservices stop" >&2
  exit 2
fi

# Every process runs the shifted clock, monotonic clocks included: with them left real
# (FAKETIME_DONT_FAKE_MONOTONIC=1), libfaketime 0.9.10 makes Python's time.sleep fail with
# EINVAL and Chromium stop loading pages.
unset FAKETIME_DONT_FAKE_MONOTONIC FAKETIME_SKIP_CMDS FAKETIME_ONLY_CMDS
echo "==> the test suite with the clock shifted by $clock_shift: $(faketime -f "$clock_shift" date -u '+%Y-%m-%d %H:%M UTC')"
exec faketime -f "$clock_shift" .venv/bin/python scripts/with_services.py -- \
  env TEST_CLOCK_INNER=1 scripts/test_clock.sh "$clock_shift" "$@"
