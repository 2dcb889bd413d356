#!/usr/bin/env bash
# The whole test suite: static checks, then pytest in parallel on real PostgreSQL and Redis.
# Runs every step even when one fails, then exits non-zero if any did.
# Expects DATABASE_URL and REDIS_URL: 'make test' runs it under scripts/with_services.py.
set -uo pipefail
: "${DATABASE_URL:?run through make test, which starts the embedded services}"
: "${REDIS_URL:?run through make test, which starts the embedded services}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DJANGO_SETTINGS_MODULE=safeguarding.settings.test
bin=.venv/bin
failed=()
warnings=()

step() {
  local name="$1"; shift
  echo "==> $name"
  if ! "$@"; then failed+=("$name"); fi
}

step "ruff check" "$bin/ruff" check .
step "ruff format --check" "$bin/ruff" format --check .
step "mypy" "$bin/mypy" .
step "makemigrations --check" "$bin/python" manage.py makemigrations --check --dry-run
step "check --deploy (production settings)" env \
  DJANGO_SETTINGS_MODULE=safeguarding.settings.prod \
  SECRET_KEY="throwaway-$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" \
  ALLOWED_HOSTS=safeguarding.example.org \
  "$bin/python" manage.py check --deploy --fail-level WARNING
# Security checks (docs/security.md, "Dependency and code checks").
step "bandit (high severity)" "$bin/bandit" -q -r . --severity-level high \
  -x "./tests,./.venv,./var,./static,./family_safeguarding.egg-info,*/migrations/*"
echo "==> pip-audit"
"$bin/python" scripts/audit_dependencies.py
audit=$?
# 2: the vulnerability data could not be reached, so the dependencies were not audited.
if [ "$audit" -eq 2 ] && [ "${PIP_AUDIT_REQUIRED:-0}" != "1" ]; then
  warnings+=("pip-audit could not reach the vulnerability data: dependencies NOT audited (PIP_AUDIT_REQUIRED=1 makes this a failure)")
elif [ "$audit" -ne 0 ]; then
  failed+=("pip-audit")
fi
step "pytest" "$bin/pytest" -n "${PYTEST_WORKERS:-auto}" --dist loadgroup "$@"

for warning in "${warnings[@]}"; do echo "WARNING: $warning" >&2; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "All checks passed."
