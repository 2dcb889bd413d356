"""`make loadtest`: run the Locust load test headless against a running `make run`.

    python loadtest/run.py --host http://127.0.0.1:8000 --users 50 --spawn-rate 5 --duration 5m

1. Refuses any target that is not this machine (loopback only): a load test is never pointed
   at somebody else's service, or at a live one.
2. Finds the logins: the CSV in LOADTEST_USERS, else ``manage.py loadtest_logins`` against the
   target's database (DATABASE_URL, or the running embedded PostgreSQL of `make run`), only
   those on LOADTEST_DOMAIN's email domain when it is set.
3. Runs Locust headless for the duration (then it stops by itself; a hard limit kills it if it
   does not) and writes its CSV files under var/loadtest/<time>/.
4. Prints requests per second, p50/p95/p99 and errors for each kind of request and overall,
   and exits non-zero when any request failed.
"""

from __future__ import annotations

import argparse
import csv
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from safeguarding import devservices  # noqa: E402

PYTHON = sys.executable
LOCUST = str(Path(PYTHON).with_name("locust"))
DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")
# Locust's --stop-timeout plus time to start and write its files.
GRACE_SECONDS = 60


class LoadTestError(Exception):
    """Said to the person running the load test, then exit 2."""


def duration_seconds(text: str) -> int:
    match = DURATION.match(text.strip())
    if not text.strip() or match is None:
        raise LoadTestError(f"DURATION must look like 90s, 5m or 1h30m, not {text!r}")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise LoadTestError("DURATION must be longer than 0 seconds")
    return total


def loopback_target(url: str) -> str:
    """The target URL, if every address its host resolves to is this machine's loopback."""
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise LoadTestError(f"HOST must be an http(s) address on this machine, not {url!r}")
    try:
        addresses = {
            str(info[4][0])
            for info in socket.getaddrinfo(
                parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP
            )
        }
    except socket.gaierror as exc:
        raise LoadTestError(f"Cannot resolve {parts.hostname!r}: {exc}") from exc
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise LoadTestError(
            f"Refusing to load test {parts.hostname} ({', '.join(sorted(addresses))}): only "
            "loopback addresses (127.0.0.1, ::1, localhost) are allowed. Run `make run` here."
        )
    return f"{parts.scheme}://{parts.netloc}"


def check_up(host: str) -> None:
    try:
        with urllib.request.urlopen(f"{host}/healthz", timeout=5) as response:  # noqa: S310 - loopback only, checked above
            if response.status == 200:
                return
    except (urllib.error.URLError, OSError):
        pass
    raise LoadTestError(f"Nothing answers at {host}/healthz. Start it first: make run PORT=...")


def write_logins(path: Path) -> None:
    env = dict(os.environ)
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        if not devservices.is_running():
            raise LoadTestError(
                "Cannot find the target's database: set DATABASE_URL and REDIS_URL as for "
                "`make run`, or LOADTEST_USERS to a CSV of email,profile."
            )
        state = devservices.start()  # running already: only reads its ports
        env["DATABASE_URL"] = env.get("DATABASE_URL") or state.database_url
        env["REDIS_URL"] = env.get("REDIS_URL") or state.redis_url
    env.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings.dev")
    command = [PYTHON, "manage.py", "loadtest_logins"]
    if domain := env.get("LOADTEST_DOMAIN", ""):
        command += ["--domain", domain]
    result = subprocess.run(  # noqa: S603 - the project's own management command
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise LoadTestError(f"manage.py loadtest_logins failed: {result.stderr.strip()}")
    path.write_text(result.stdout)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def summarise(stats_csv: Path, failures_csv: Path) -> dict[str, Any]:
    """Rows of Locust's stats CSV as numbers: per request name and the aggregate."""
    with stats_csv.open(newline="") as file:
        rows = [
            {
                "method": row["Type"],
                "name": row["Name"],
                "requests": int(_number(row["Request Count"])),
                "failures": int(_number(row["Failure Count"])),
                "rps": round(_number(row["Requests/s"]), 2),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": round(_number(row["Max Response Time"])),
            }
            for row in csv.DictReader(file)
        ]
    failures = []
    if failures_csv.exists():
        with failures_csv.open(newline="") as file:
            failures = [
                {
                    "name": r["Name"],
                    "error": r["Error"],
                    "occurrences": int(_number(r["Occurrences"])),
                }
                for r in csv.DictReader(file)
            ]
    total = next((r for r in rows if r["name"] == "Aggregated"), None)
    return {
        "requests": [r for r in rows if r["name"] != "Aggregated"],
        "total": total,
        "failures": failures,
    }


def print_summary(summary: dict[str, Any], settings: dict[str, Any]) -> None:
    print(
        f"\nLoad test of {settings['host']}: {settings['users']} users "
        f"(spawn rate {settings['spawn_rate']}/s) for {settings['duration']}"
    )
    header = (
        f"{'request':<52} {'reqs':>7} {'fails':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    )
    print(header)
    print("-" * len(header))
    requests = summary["requests"]
    total = summary["total"]
    for row in [*requests, *([total] if total else [])]:
        label = f"{row['method']} {row['name']}".strip()[:52]
        print(
            f"{label:<52} {row['requests']:>7} {row['failures']:>6} {row['rps']:>7.2f} "
            f"{row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f} {row['p99_ms']:>6.0f}"
        )
    print("(times in milliseconds)")
    for failure in summary["failures"]:
        print(f"ERROR {failure['occurrences']}x {failure['name']}: {failure['error']}")
    if total:
        print(
            f"\nAll requests, sign-in included: {total['rps']:.2f} requests/s, "
            f"p50 {total['p50_ms']:.0f} ms, p95 {total['p95_ms']:.0f} ms, "
            f"p99 {total['p99_ms']:.0f} ms, {total['failures']} errors in "
            f"{total['requests']} requests"
        )
    work = summary.get("work")
    if isinstance(work, dict):
        print(
            f"Work after signing in:          {work['rps']:.2f} requests/s, "
            f"p50 {work['p50_ms']} ms, p95 {work['p95_ms']} ms, p99 {work['p99_ms']} ms, "
            f"{work['errors']} errors in {work['requests']} requests over {work['seconds']} s"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", default="5m")
    parser.add_argument("--out", type=Path, default=None, help="Folder for Locust's CSV files.")
    args = parser.parse_args(argv)
    try:
        host = loopback_target(args.host)
        seconds = duration_seconds(args.duration)
        if args.users < 1 or args.spawn_rate <= 0:
            raise LoadTestError("USERS must be at least 1 and SPAWN_RATE more than 0")
        check_up(host)
        out = args.out or ROOT / "var" / "loadtest" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out.mkdir(parents=True, exist_ok=True)
        users_file = os.environ.get("LOADTEST_USERS", "")
        if not users_file:
            users_file = str(out / "logins.csv")
            write_logins(Path(users_file))
    except LoadTestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    prefix = out / "locust"
    command = [
        LOCUST,
        "-f",
        str(ROOT / "loadtest" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print(f"Running Locust for {seconds} s against {host}; files in {out}", flush=True)
    work_file = out / "work.json"
    env = {**os.environ, "LOADTEST_USERS": users_file, "LOADTEST_SUMMARY": str(work_file)}
    try:
        code = subprocess.run(  # noqa: S603 - Locust from this virtualenv, fixed arguments
            command, cwd=ROOT, env=env, check=False, timeout=seconds + GRACE_SECONDS
        ).returncode
    except subprocess.TimeoutExpired:
        print("error: Locust did not stop in time and was killed", file=sys.stderr)
        return 1
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        print(f"error: Locust wrote no statistics (exit {code})", file=sys.stderr)
        return code or 1
    summary = summarise(stats, Path(f"{prefix}_failures.csv"))
    if work_file.exists():
        summary["work"] = json.loads(work_file.read_text())
    settings = {
        "host": host,
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "duration": args.duration,
    }
    (out / "summary.json").write_text(json.dumps({"settings": settings, **summary}, indent=2))
    print_summary(summary, settings)
    return code


if __name__ == "__main__":
    sys.exit(main())
