"""The dependency and code checks ``make test`` runs (scripts/audit_dependencies.py, bandit).

pip-audit's verdicts are checked on reports shaped like its JSON output, so the rules (a
vulnerability fails, an unreachable service is never a pass) hold without the network.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "audit_dependencies", ROOT / "scripts" / "audit_dependencies.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


audit = _load_script()


def test_a_known_vulnerability_fails_and_says_how_to_fix_it() -> None:
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {
                "name": "pillow",
                "version": "9.0.0",
                "vulns": [{"id": "PYSEC-2022-1", "fix_versions": ["9.0.1"], "aliases": []}],
            },
        ]
    }

    code, lines = audit.judge(report)

    assert code == audit.FAILED
    assert "VULNERABLE pillow 9.0.0: PYSEC-2022-1 (fixed in 9.0.1)" in "\n".join(lines)
    assert "pip-audit-exceptions.txt" in lines[-1]


def test_packages_that_could_not_be_checked_are_not_a_pass() -> None:
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {"name": "celery", "skip_reason": "Dependency not found on PyPI"},
        ]
    }

    code, lines = audit.judge(report)

    assert code == audit.NOT_AUDITED
    assert lines[0] == "pip-audit: 1 of 2 packages audited"
    assert lines[-1].startswith("NOT AUDITED: 1 packages could not be checked")


def test_a_clean_report_passes() -> None:
    report = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]}

    assert audit.judge(report) == (
        audit.OK,
        [
            "pip-audit: 1 of 1 packages audited",
            "pip-audit: no known vulnerabilities",
        ],
    )


def test_the_exceptions_file_in_the_repository_is_well_formed() -> None:
    accepted = audit.read_exceptions()

    assert all(item.accepted_on <= dt.date.today() for item in accepted)  # noqa: DTZ011


def test_an_exception_needs_a_date_and_a_reason(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# a comment\n\nGHSA-abcd-efgh-ijkl  2026-11-01  Only the CLI is affected\n")
    bad = tmp_path / "bad.txt"
    bad.write_text("PYSEC-2026-1\n")

    assert audit.read_exceptions(good) == [
        audit.AcceptedVulnerability(
            "GHSA-abcd-efgh-ijkl", dt.date(2026, 11, 1), "Only the CLI is affected"
        )
    ]
    with pytest.raises(ValueError, match=r"bad.txt:1: write '<ID> <YYYY-MM-DD>"):
        audit.read_exceptions(bad)


def test_make_test_runs_bandit_and_pip_audit() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text()

    assert "bandit" in script
    assert "--severity-level high" in script
    assert "scripts/audit_dependencies.py" in script
