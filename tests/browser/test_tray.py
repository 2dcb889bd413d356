"""Browser test for the work tray: Northgate's first social worker opens "My work tray" from the
menu, sees an overdue statutory visit and a visit due soon for a family they lead, and follows
the overdue one to the statutory visit form with the child already chosen; the team manager
opens the team view. Every page is checked with axe-core (WCAG 2.2 A/AA) and for Content
Security Policy errors.

The ``transaction=True`` flush empties every table after a test, so the demo teams and the
national code lists are loaded again here, and the family is built through ``cases.services``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from cases import services
from cases.models import HouseholdRole, ReferenceCode, Sex, StatusKind
from cases.reference_data import CENSUS_YEAR_START, CODE_LISTS
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from safeguarding.lib.working_days import add_working_days
from teams.models import Team, User

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD = f"sw1.northgate@{DEMO_EMAIL_DOMAIN}"
MANAGER = f"tm.northgate@{DEMO_EMAIL_DOMAIN}"
# Synthetic names unlike anything Faker (en_GB) draws for the demo council.
SURNAME = "Quarrendon"


def _seed_reference_codes() -> None:
    """What migration 0002 seeds; the previous transactional test's flush deleted it."""
    for code_list, codes in CODE_LISTS.items():
        for order, (code, label) in enumerate(codes):
            ReferenceCode.objects.update_or_create(
                code_list=code_list,
                code=code,
                valid_from=CENSUS_YEAR_START,
                defaults={"label": label, "sort_order": order},
            )


def _family_with_visits_due() -> None:
    """A Northgate family led by sw1: Wren's child protection visit is two working days
    overdue, Ash's child in need visit falls due in five working days."""
    load_demo_teams()
    _seed_reference_codes()
    lead = User.objects.get(email=LEAD)
    today = timezone.localdate()
    referral = today - dt.timedelta(weeks=10)
    wren, ash = (
        services.person_create(
            actor=lead,
            details=services.PersonDetails(
                given_name=given, family_name=SURNAME, date_of_birth=born, sex=Sex.UNKNOWN
            ),
        )
        for given, born in (("Wren", dt.date(2017, 4, 3)), ("Ash", dt.date(2021, 8, 19)))
    )
    case = services.referral_record(
        actor=lead,
        team=Team.objects.get(slug="northgate"),
        family_name=f"The {SURNAME} family",
        address=services.AddressDetails("4 Example Row", "", "Northgate", "ZZ99 2ZZ"),
        members=[
            services.MemberSpec(wren, HouseholdRole.CHILD),
            services.MemberSpec(ash, HouseholdRole.CHILD),
        ],
        referral_date=referral,
        referral_source="2A",  # Schools
        lead_social_worker=lead,
    )
    start = referral + dt.timedelta(days=14)
    plan = services.child_status_start(
        actor=lead,
        case=case,
        person=wren,
        kind=StatusKind.CP_PLAN,
        start_date=start,
        cp_category="NEG",
        icpc_date=start,
    )
    services.child_status_record_visit(
        actor=lead, status=plan, visit_date=add_working_days(today, -12)
    )
    cin = services.child_status_start(
        actor=lead, case=case, person=ash, kind=StatusKind.CIN_PLAN, start_date=start
    )
    services.child_status_record_visit(
        actor=lead, status=cin, visit_date=add_working_days(today, -15)
    )


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return errors


def test_a_social_worker_opens_the_tray_and_follows_an_overdue_visit(
    page: Page, live_server
) -> None:
    _family_with_visits_due()
    console_errors = _watch_console(page)
    base = live_server.url
    heading = page.get_by_role("heading", level=1)

    sign_in(page, base, LEAD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My work tray").click()

    expect(page).to_have_url(f"{base}/tray/")
    expect(heading).to_have_text("My work tray")
    table = page.get_by_role("table", name=f"What is overdue or due soon for The {SURNAME} family")
    overdue = (
        table.get_by_role("row")
        .filter(has_text=f"Wren {SURNAME}")
        .filter(has_text="Statutory visit (child protection plan)")
    )
    expect(overdue).to_contain_text("Overdue")
    due_soon = table.get_by_role("row").filter(has_text=f"Ash {SURNAME}")
    expect(due_soon).to_contain_text("Statutory visit (child in need plan)")
    expect(due_soon).not_to_contain_text("Overdue")
    assert_no_axe_violations(page)

    overdue.get_by_role("link", name="Record the visit").click()

    expect(heading).to_have_text("Who is this statutory visit about?")
    expect(page.get_by_label(f"Wren {SURNAME}")).to_be_checked()
    assert_no_axe_violations(page)
    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)


def test_the_team_manager_sees_the_team_view(page: Page, live_server) -> None:
    _family_with_visits_due()
    console_errors = _watch_console(page)
    base = live_server.url

    sign_in(page, base, MANAGER)
    page.goto(f"{base}/tray/")
    page.get_by_role(
        "link", name="Northgate Family Safeguarding Team: what is due across the team"
    ).click()

    expect(page).to_have_url(f"{base}/teams/northgate/tray/")
    lead = User.objects.get(email=LEAD)
    row = (
        page.get_by_role("table", name="By worker")
        .get_by_role("row")
        .filter(has_text=lead.get_full_name())
    )
    expect(row).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting for authorisation")).to_be_visible()
    assert_no_axe_violations(page)
    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)
