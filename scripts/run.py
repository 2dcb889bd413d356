"""`make run`: the whole system on one machine for development and demos.

Starts (or reuses) the embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set,
applies migrations, loads the demo council (idempotent), then runs the web server, a Celery
worker and Celery beat together. Ctrl-C stops everything this script started.

DEMO=off skips the demo council: for a database that already holds data, such as a synthetic
council from ``manage.py generate_synthetic`` that ``make loadtest`` runs against.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from safeguarding import devservices  # noqa: E402

PYTHON = sys.executable
CELERY = str(Path(PYTHON).with_name("celery"))
DEMO_SWITCH = {"on": True, "1": True, "true": True, "off": False, "0": False, "false": False}


def _run_step(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"error: 'manage.py {' '.join(args)}' failed (exit {result.returncode})")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C and SIGTERM both stop everything; set explicitly because a shell that starts this
    # in the background hands it SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    if not port.isdigit() or not 0 < int(port) < 65536:
        print(f"error: PORT must be a number between 1 and 65535, not {port!r}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    demo = os.environ.get("DEMO", "on").strip().lower()
    if demo not in DEMO_SWITCH:
        print(f"error: DEMO must be 'on' or 'off', not {demo!r}", file=sys.stderr)
        return 2
    env.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings.dev")
    started_services = False
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        started_services = not devservices.is_running()
        state = devservices.start()
        env["DATABASE_URL"] = env.get("DATABASE_URL") or state.database_url
        env["REDIS_URL"] = env.get("REDIS_URL") or state.redis_url

    children: list[subprocess.Popen[bytes]] = []

    def shutdown(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if started_services:
            devservices.stop()

    try:
        _run_step(env, "migrate", "--no-input")
        login_table = (
            "The demo council was not loaded (DEMO=off): sign in with this database's own accounts."
        )
        if DEMO_SWITCH[demo]:
            # Load once, keeping the login table to print when everything is up.
            loaded = subprocess.run(  # noqa: S603
                [PYTHON, "manage.py", "load_demo_council", "--print-logins"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if loaded.returncode != 0:
                sys.stderr.write(loaded.stderr)
                raise SystemExit(
                    f"error: loading the demo council failed (exit {loaded.returncode})"
                )
            login_table = loaded.stdout
        commands = {
            "web": [PYTHON, "manage.py", "runserver", f"{host}:{port}"],
            "worker": [
                CELERY,
                "-A",
                "safeguarding",
                "worker",
                "-Q",
                "default,kpis,pdf",
                "--concurrency",
                "2",
                "-l",
                "INFO",
            ],
            "beat": [CELERY, "-A", "safeguarding", "beat", "-l", "INFO"],
        }
        children.extend(
            subprocess.Popen(argv, cwd=ROOT, env=env)  # noqa: S603
            for argv in commands.values()
        )
        time.sleep(2)
        print("\n" + "=" * 72)
        print(f"Family Safeguarding is running at http://{host}:{port}/")
        print(login_table)
        print("Press Ctrl-C to stop the web server, worker, beat and embedded services.")
        print("=" * 72 + "\n", flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(1)
        stopped = [
            name for name, child in zip(commands, children, strict=True) if child.poll() is not None
        ]
        print(f"error: {', '.join(stopped)} stopped unexpectedly; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        shutdown()


if __name__ == "__main__":
    sys.exit(main())
