"""The load test itself works: Locust's three kinds of staff sign in through the real forms and
the second factor, do every one of their tasks against a live server, and nothing fails.

Locust runs as its own process (it patches the standard library with gevent), against the
test's live server and database, for a few seconds with short think times. The data is
demo-like: the demo teams and logins (the shared demo authenticator), one Northgate family with
seven practitioners allocated, a supervision due today and this month's KPI figures, so that ten
simulated users (7 practitioners, 2 managers, 1 board member, Locust's weights) each get a login
of their own. The logins come from ``manage.py loadtest_logins``, as `make loadtest` takes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, HouseholdRole, Person, Sex
from kpis.services import scope_snapshots_write
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from supervision import services as supervision_services
from teams.models import Team, User
from workbook.models import Entry, EntryStatus

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
LOCUST = str(Path(sys.executable).with_name("locust"))
RUN_SECONDS = 20

PRACTITIONERS = ["sw1", "sw2", "sw3", "ssw", "fp1", "fp2", "da"]
MANAGERS = ["tm", "atm"]

# Every request each kind of user makes (the names Locust groups them by).
EXPECTED_REQUESTS = {
    ("GET", "sign in"),
    ("POST", "sign in"),
    ("POST", "sign in: code"),
    # practitioners
    ("GET", "/caseload/"),
    ("GET", "/families/[id]/"),
    ("GET", "/families/[id]/workbook/"),
    ("GET", "/tray/"),
    ("GET", "/families/[id]/workbook/new/case-note/"),
    ("POST", "/families/[id]/workbook/new/case-note/"),
    ("POST", "/workbook/entries/[id]/edit/ (submit)"),
    # managers
    ("GET", "/supervision/"),
    ("GET", "/supervision/[id]/"),
    ("GET", "/teams/[slug]/caseload/"),
    ("GET", "/workbook/authorisations/"),
    # the board
    ("GET", "/kpis/"),
    ("GET", "/kpis/[code]/"),
    ("GET", "/kpis/[code]/snapshots.csv"),
    ("GET", "/api/v1/kpis/snapshots/"),
}


def _email(prefix: str) -> str:
    return f"{prefix}.northgate@{DEMO_EMAIL_DOMAIN}"


def _person(lead: User, given: str, years: int, sex: str) -> Person:
    return case_services.person_create(
        actor=lead,
        details=case_services.PersonDetails(
            given_name=given,
            family_name="Quennell",
            date_of_birth=timezone.localdate() - dt.timedelta(days=years * 365),
            sex=sex,
        ),
    )


def _northgate_family() -> Case:
    load_demo_teams()
    lead = User.objects.get(email=_email("sw1"))
    manager = User.objects.get(email=_email("tm"))
    child = _person(lead, "Ysolde", 6, Sex.FEMALE)
    parent = _person(lead, "Bramwell", 33, Sex.MALE)
    case = case_services.referral_record(
        actor=lead,
        team=Team.objects.get(slug="northgate"),
        family_name="Quennell family",
        address=case_services.AddressDetails("3 Example Yard", "", "Northgate", "ZZ99 3ZZ"),
        members=[
            case_services.MemberSpec(child, HouseholdRole.CHILD),
            case_services.MemberSpec(parent, HouseholdRole.PARENT),
        ],
        referral_date=timezone.localdate() - dt.timedelta(days=40),
        referral_source="2A",
        lead_social_worker=lead,
    )
    allocated = set(case.allocations.values_list("worker__email", flat=True))
    for prefix in PRACTITIONERS:
        worker = User.objects.get(email=_email(prefix))
        if worker.email not in allocated:
            case_services.allocation_start(
                actor=manager,
                case=case,
                worker=worker,
                adult=parent if prefix == "da" else None,
            )
    supervision_services.supervision_schedule(
        actor=manager, case=case, scheduled_for=timezone.localdate(), chair=manager
    )
    scope_snapshots_write(month=timezone.localdate().replace(day=1), team=None, run=None)
    return case


def _logins() -> dict[str, set[str]]:
    out = io.StringIO()
    call_command("loadtest_logins", stdout=out)
    by_profile: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO(out.getvalue())):
        by_profile.setdefault(row["profile"], set()).add(row["email"])
    return by_profile


def test_every_kind_of_user_does_every_task_without_an_error(
    live_server: object, tmp_path: Path
) -> None:
    _northgate_family()
    logins = _logins()
    assert logins["practitioner"] == {_email(p) for p in PRACTITIONERS}
    assert {_email(p) for p in MANAGERS} <= logins["manager"]
    assert f"board@{DEMO_EMAIL_DOMAIN}" in logins["board"]
    # Of the managers and the board, the ones who chair this family's supervision and watch
    # the KPIs (the other teams' managers have no supervision to open).
    users_file = tmp_path / "logins.csv"
    with users_file.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["email", "profile"])
        writer.writerows((_email(p), "practitioner") for p in PRACTITIONERS)
        writer.writerows((_email(p), "manager") for p in MANAGERS)
        writer.writerow([f"board@{DEMO_EMAIL_DOMAIN}", "board"])

    prefix = tmp_path / "locust"
    result = subprocess.run(  # noqa: S603 - Locust from this virtualenv, fixed arguments
        [
            LOCUST,
            "-f",
            str(ROOT / "loadtest" / "locustfile.py"),
            "--headless",
            "--users",
            "10",
            "--spawn-rate",
            "10",
            "--run-time",
            f"{RUN_SECONDS}s",
            "--stop-timeout",
            "5",
            "--host",
            str(live_server),
            "--csv",
            str(prefix),
            "--only-summary",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "LOADTEST_USERS": str(users_file),
            "LOADTEST_WAIT_MIN": "0.1",
            "LOADTEST_WAIT_MAX": "0.3",
        },
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS + 40,
        check=False,
    )
    output = result.stdout + result.stderr
    with Path(f"{prefix}_stats.csv").open(newline="") as file:
        rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(file)}
    failures = Path(f"{prefix}_failures.csv").read_text()
    assert result.returncode == 0, output + failures
    assert rows[("", "Aggregated")]["Failure Count"] == "0", failures
    made = {key for key, row in rows.items() if int(row["Request Count"]) > 0}
    assert made >= EXPECTED_REQUESTS, sorted(EXPECTED_REQUESTS - made)
    # One sign-in per simulated user, and the notes they submitted are in the database.
    assert rows[("POST", "sign in: code")]["Request Count"] == "10"
    submitted = int(rows[("POST", "/workbook/entries/[id]/edit/ (submit)")]["Request Count"])
    notes = Entry.objects.filter(form_slug="case-note", status=EntryStatus.SUBMITTED).count()
    # At least as many: a submit cut off by the end of the run is saved but not counted.
    assert notes >= submitted > 0
