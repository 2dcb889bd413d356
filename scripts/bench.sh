#!/usr/bin/env bash
# make bench FAMILIES=N [SEED=S] [SAMPLES=K]: benchmark a synthetic council of N families on its
# own database (safeguarding_bench_N on the same server as DATABASE_URL), generating it the first
# time and reusing it afterwards, so the development database is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
FAMILIES="${1:?families}"
SEED="${2:-1}"
SAMPLES="${3:-50}"
PY=.venv/bin/python
BENCH_URL="$($PY - "$FAMILIES" <<'PYEOF'
import os, sys
from urllib.parse import urlsplit, urlunsplit
parts = urlsplit(os.environ["DATABASE_URL"])
print(urlunsplit(parts._replace(path=f"/safeguarding_bench_{sys.argv[1]}")))
PYEOF
)"
$PY - "$FAMILIES" <<'PYEOF'
import os, sys
from urllib.parse import urlsplit, urlunsplit
import psycopg
parts = urlsplit(os.environ["DATABASE_URL"])
name = f"safeguarding_bench_{sys.argv[1]}"
with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
        conn.execute(f'CREATE DATABASE "{name}"')
PYEOF
export DATABASE_URL="$BENCH_URL"
$PY manage.py migrate --no-input -v 0
$PY manage.py bench --families "$FAMILIES" --seed "$SEED" --samples "$SAMPLES"
