"""Run a command with DATABASE_URL and REDIS_URL set, starting embedded servers if needed.

    python scripts/with_services.py -- pytest -n auto

When both URLs are already set they are used as they are. Otherwise the embedded PostgreSQL
and Redis are started (or reused if already running) and, if this script started them, they
are stopped again when the command ends, so nothing is left running.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from safeguarding import devservices


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: with_services.py -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    started_here = False
    env = dict(os.environ)
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        started_here = not devservices.is_running()
        state = devservices.start()
        env.setdefault("DATABASE_URL", state.database_url)
        env.setdefault("REDIS_URL", state.redis_url)
        if not env["DATABASE_URL"]:
            env["DATABASE_URL"] = state.database_url
        if not env["REDIS_URL"]:
            env["REDIS_URL"] = state.redis_url
    try:
        return subprocess.call(argv, env=env)  # noqa: S603 - runs the project's own test tools
    except KeyboardInterrupt:
        return 130
    finally:
        if started_here:
            devservices.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
