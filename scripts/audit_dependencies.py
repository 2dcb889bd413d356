"""Known vulnerabilities in the installed dependencies (pip-audit), for ``make test``.

Audits every package in ``.venv`` except the project itself (an editable install) against
PyPI's vulnerability data, which comes from the Python Packaging Advisory Database (the same
data OSV serves). Accepted vulnerabilities are listed, each with the date it was accepted and
why, in ``security/pip-audit-exceptions.txt``.

Exit codes:
  0  every package was audited and none has a known vulnerability (other than an exception)
  1  a known vulnerability, a malformed exceptions file, or pip-audit itself failed
  2  the vulnerability data could not be reached, so nothing (or not everything) was audited

``scripts/test.sh`` reports 2 as a warning, not a failure, unless ``PIP_AUDIT_REQUIRED=1``:
the per-release JSON API pip-audit reads (``pypi.org/pypi/<name>/<version>/json``) answers
404 from this project's development and CI machines, whose network reaches only the package
index (docs/security.md, "Dependency checks").
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXCEPTIONS_FILE = ROOT / "security" / "pip-audit-exceptions.txt"
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
REVIEW_AFTER = dt.timedelta(days=90)
TIMEOUT_SECONDS = 300
_EXCEPTION = re.compile(
    r"^(?P<id>[A-Z][A-Z0-9]*-[A-Za-z0-9-]+)\s+(?P<date>\d{4}-\d{2}-\d{2})\s+(?P<reason>\S.*)$"
)
OK, FAILED, NOT_AUDITED = 0, 1, 2


@dataclass(frozen=True)
class AcceptedVulnerability:
    id: str
    accepted_on: dt.date
    reason: str


def read_exceptions(path: Path = EXCEPTIONS_FILE) -> list[AcceptedVulnerability]:
    """Lines ``<ID> <YYYY-MM-DD> <reason>``; lines starting ``#`` are comments."""
    accepted = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _EXCEPTION.match(line)
        if match is None:
            raise ValueError(
                f"{path.name}:{number}: write '<ID> <YYYY-MM-DD> <why it is accepted>', not {raw!r}"
            )
        accepted.append(
            AcceptedVulnerability(
                match["id"], dt.date.fromisoformat(match["date"]), match["reason"]
            )
        )
    return accepted


def run_pip_audit(ignored: list[str]) -> tuple[int, str, str]:
    command = [
        str(PIP_AUDIT),
        "--local",
        "--skip-editable",  # the project itself is not on PyPI
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        "15",
    ]
    for vuln_id in ignored:
        command += ["--ignore-vuln", vuln_id]
    try:
        result = subprocess.run(  # noqa: S603 - pip-audit from this virtualenv, fixed arguments
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return -1, "", f"pip-audit did not finish in {TIMEOUT_SECONDS} s"
    return result.returncode, result.stdout, result.stderr


def judge(report: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit code and the lines to print for pip-audit's JSON report."""
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = len(dependencies) - len(skipped)
    lines = [f"pip-audit: {audited} of {len(dependencies)} packages audited"]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            lines.append(
                f"  VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} "
                f"(fixed in {fixes}) {', '.join(vuln.get('aliases', []))}"
            )
    if vulnerable:
        lines.append(
            "Upgrade the package in pyproject.toml, or accept the vulnerability in "
            f"{EXCEPTIONS_FILE.relative_to(ROOT)} with today's date and the reason."
        )
        return FAILED, lines
    if skipped:
        lines.append(
            f"NOT AUDITED: {len(skipped)} packages could not be checked, e.g. "
            f"{skipped[0]['name']}: {skipped[0]['skip_reason']}"
        )
        return NOT_AUDITED, lines
    lines.append("pip-audit: no known vulnerabilities")
    return OK, lines


def main() -> int:
    try:
        accepted = read_exceptions()
    except (OSError, ValueError) as error:
        print(f"pip-audit: {error}", file=sys.stderr)
        return FAILED
    today = dt.date.today()  # noqa: DTZ011 - a calendar date for a human review reminder
    for item in accepted:
        print(f"pip-audit: accepted {item.id} since {item.accepted_on}: {item.reason}")
        if today - item.accepted_on > REVIEW_AFTER:
            print(f"pip-audit: review {item.id}: accepted more than 90 days ago")
    code, stdout, stderr = run_pip_audit([item.id for item in accepted])
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        print(stderr.strip() or f"pip-audit exited {code} with no report", file=sys.stderr)
        unreachable = any(
            words in stderr
            for words in ("connect", "Connection", "timed out", "did not finish", "resolve host")
        )
        if unreachable:
            print("NOT AUDITED: the vulnerability service could not be reached", file=sys.stderr)
            return NOT_AUDITED
        return FAILED
    verdict, lines = judge(report)
    print("\n".join(lines))
    return verdict


if __name__ == "__main__":
    sys.exit(main())
