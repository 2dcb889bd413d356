"""Browser tests for the case pages: finding a child, family warnings, accessibility (axe-core,
WCAG 2.2 A/AA), the Content Security Policy, and a form that works without JavaScript.

Each test builds its own Northgate family through ``cases.services`` (never ``safeguarding.demo.families``): the
``transaction=True`` flush empties every table after a test, so the demo teams and the national
code lists are loaded again at the start of each one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect

from cases import services
from cases.models import Case, HouseholdRole, Person, ReferenceCode, Sex, Warning, WarningKind
from cases.reference_data import CENSUS_YEAR_START, CODE_LISTS
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from teams.models import Team, User

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOCIAL_WORKER = f"sw1.northgate@{DEMO_EMAIL_DOMAIN}"
TEAM_MANAGER = f"tm.northgate@{DEMO_EMAIL_DOMAIN}"
# Synthetic names unlike anything Faker (en_GB) draws for the demo council.
CHILD_GIVEN, SURNAME = "Zephyrine", "Quillthorpe"
CHILD_NAME = f"{CHILD_GIVEN} {SURNAME}"
FAMILY_NAME = f"{SURNAME} family"
WARNING_DETAILS = "Father has threatened visiting staff; visit in pairs"


@dataclass(frozen=True)
class SeededFamily:
    case: Case
    child: Person

    @property
    def pk(self) -> int:
        return self.case.family_id


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


def _northgate_family(*, warning: bool) -> SeededFamily:
    """The demo teams and one open Northgate family led by sw1, with a risk-to-staff warning."""
    load_demo_teams()
    _seed_reference_codes()
    lead = User.objects.get(email=SOCIAL_WORKER)
    today = timezone.localdate()
    child = services.person_create(
        actor=lead,
        details=services.PersonDetails(
            given_name=CHILD_GIVEN,
            family_name=SURNAME,
            date_of_birth=today - dt.timedelta(days=7 * 365),
            sex=Sex.FEMALE,
        ),
    )
    parent = services.person_create(
        actor=lead,
        details=services.PersonDetails(
            given_name="Orlagh",
            family_name=SURNAME,
            date_of_birth=today - dt.timedelta(days=34 * 365),
            sex=Sex.FEMALE,
        ),
    )
    case = services.referral_record(
        actor=lead,
        team=Team.objects.get(slug="northgate"),
        family_name=FAMILY_NAME,
        address=services.AddressDetails("12 Example Row", "", "Northgate", "ZZ99 1ZZ"),
        members=[
            services.MemberSpec(child, HouseholdRole.CHILD),
            services.MemberSpec(parent, HouseholdRole.PARENT),
        ],
        referral_date=today - dt.timedelta(days=30),
        referral_source="2A",  # Schools
        lead_social_worker=lead,
    )
    if warning:
        services.warning_add(
            actor=lead,
            case=case,
            kind=WarningKind.RISK_TO_STAFF,
            details=WARNING_DETAILS,
            review_date=today + dt.timedelta(days=90),
        )
    return SeededFamily(case=case, child=child)


def _watch_console(page: Page) -> list[str]:
    """Every console error the page logs from now on, prefixed with the page's address."""
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return errors


def _assert_no_csp_errors(console_errors: list[str]) -> None:
    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)


def _banner(page: Page) -> Locator:
    return page.locator(".app-warning-banner")


def _expect_scripts_ran(page: Page) -> None:
    """js-enabled.js and GOV.UK Frontend's module (app.mjs) both ran under the CSP."""
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    expect(page.locator("[data-module=govuk-service-navigation]")).to_have_attribute(
        "data-govuk-service-navigation-init", ""
    )


def _axe_failures(page: Page, label: str) -> list[str]:
    """assert_no_axe_violations, kept as a message so one test reports every failing page."""
    try:
        assert_no_axe_violations(page)
    except AssertionError as exc:
        return [f"{label} ({page.url}):\n{exc}"]
    return []


def test_social_worker_finds_a_child_and_sees_the_family_warning(page: Page, live_server) -> None:
    family = _northgate_family(warning=True)
    console_errors = _watch_console(page)
    sign_in(page, live_server.url, SOCIAL_WORKER)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
    page.get_by_label("Name").fill(CHILD_GIVEN)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2, name="1 person found")).to_be_visible()
    result = page.get_by_role("row").filter(has_text=CHILD_NAME)
    result.get_by_role("link", name=FAMILY_NAME).click()

    expect(page).to_have_url(f"{live_server.url}/families/{family.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(FAMILY_NAME)
    expect(_banner(page)).to_have_count(1)
    expect(_banner(page)).to_contain_text("Risk to staff")
    expect(_banner(page)).to_contain_text(WARNING_DETAILS)
    _expect_scripts_ran(page)

    page.get_by_role("row").get_by_role("link", name=CHILD_NAME).click()
    expect(page).to_have_url(f"{live_server.url}/people/{family.child.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(CHILD_NAME)
    expect(_banner(page)).to_have_count(1)
    expect(_banner(page)).to_contain_text("Risk to staff")
    expect(_banner(page)).to_contain_text(WARNING_DETAILS)
    _assert_no_csp_errors(console_errors)


def test_social_worker_pages_are_accessible_and_keep_to_the_csp(page: Page, live_server) -> None:
    family = _northgate_family(warning=True)
    console_errors = _watch_console(page)
    base = live_server.url
    sign_in(page, base, SOCIAL_WORKER)
    heading = page.get_by_role("heading", level=1)
    failures: list[str] = []

    response = page.goto(f"{base}/caseload/")
    assert response is not None
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    expect(heading).to_have_text("My caseload")
    expect(page.get_by_role("link", name=FAMILY_NAME)).to_be_visible()
    _expect_scripts_ran(page)
    failures += _axe_failures(page, "My caseload")

    page.goto(f"{base}/families/{family.pk}/")
    expect(_banner(page)).to_contain_text("Risk to staff")
    failures += _axe_failures(page, "Family page")

    page.goto(f"{base}/search/")
    page.get_by_label("Name").fill(CHILD_GIVEN)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2, name="1 person found")).to_be_visible()
    failures += _axe_failures(page, "Search with results")

    page.goto(f"{base}/search/")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_title(re.compile(r"^Error: Find a person"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter a name, a date of birth or an NHS number to search"
    )
    failures += _axe_failures(page, "Search with a validation error")

    page.goto(f"{base}/families/{family.pk}/warnings/add/")
    page.get_by_role("button", name="Add warning").click()
    expect(page).to_have_title(re.compile(r"^Error: Add a warning"))
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    failures += _axe_failures(page, "Add a warning, submitted empty")

    page.goto(f"{base}/teams/northgate/")
    expect(heading).to_have_text("Northgate Family Safeguarding Team")
    failures += _axe_failures(page, "Team page")

    page.goto(f"{base}/referrals/new/")
    expect(heading).to_have_text("Record a new referral")
    failures += _axe_failures(page, "Referral form")

    assert not failures, "\n\n".join(failures)
    _assert_no_csp_errors(console_errors)


def test_team_manager_pages_are_accessible_and_keep_to_the_csp(page: Page, live_server) -> None:
    family = _northgate_family(warning=True)
    console_errors = _watch_console(page)
    base = live_server.url
    sign_in(page, base, TEAM_MANAGER)
    heading = page.get_by_role("heading", level=1)
    failures: list[str] = []

    page.goto(f"{base}/teams/northgate/caseload/")
    expect(heading).to_have_text("Northgate Family Safeguarding Team caseload")
    expect(page.get_by_role("link", name=FAMILY_NAME)).to_be_visible()
    _expect_scripts_ran(page)
    failures += _axe_failures(page, "Team caseload")

    page.goto(f"{base}/families/{family.pk}/")
    expect(_banner(page)).to_contain_text("Risk to staff")
    page.get_by_role("link", name="Who has viewed this family").click()
    expect(page).to_have_url(f"{base}/families/{family.pk}/who-viewed/")
    expect(heading).to_have_text(f"Who has viewed {family.case.family.reference}")
    expect(_banner(page)).to_contain_text("Risk to staff")
    # The team manager's own visit to the family page a moment ago is in the read audit.
    expect(page.get_by_role("row").filter(has_text=TEAM_MANAGER)).not_to_have_count(0)
    failures += _axe_failures(page, "Who has viewed")

    assert not failures, "\n\n".join(failures)
    _assert_no_csp_errors(console_errors)


def test_warning_can_be_added_without_javascript(browser: Browser, live_server) -> None:
    family = _northgate_family(warning=False)
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        console_errors = _watch_console(page)
        base = live_server.url
        sign_in(page, base, SOCIAL_WORKER)
        # No script ran: js-enabled.js would have added classes to the body.
        expect(page.locator("body")).to_have_class("govuk-template__body")

        page.goto(f"{base}/families/{family.pk}/")
        expect(_banner(page)).to_have_count(0)
        page.get_by_role("link", name="Add a warning").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Add a warning")
        page.get_by_role("group", name="Kind of warning").get_by_label("Risk to staff").check()
        page.get_by_label("What should a colleague know before visiting?").fill(WARNING_DETAILS)
        review = timezone.localdate() + dt.timedelta(days=60)
        review_date = page.get_by_role("group", name="Review date")
        review_date.get_by_label("Day").fill(str(review.day))
        review_date.get_by_label("Month").fill(str(review.month))
        review_date.get_by_label("Year").fill(str(review.year))
        page.get_by_role("button", name="Add warning").click()

        expect(page).to_have_url(f"{base}/families/{family.pk}/")
        expect(page.get_by_role("alert")).to_contain_text(
            "Warning added. It shows on every page of this family"
        )
        expect(_banner(page)).to_have_count(1)
        expect(_banner(page)).to_contain_text("Risk to staff")
        expect(_banner(page)).to_contain_text(WARNING_DETAILS)
        expect(_banner(page)).to_contain_text(f"Review by {review.day} {review:%B %Y}")
        assert (
            Warning.objects.filter(
                family_id=family.pk, kind=WarningKind.RISK_TO_STAFF, ended_at__isnull=True
            ).count()
            == 1
        )
        _assert_no_csp_errors(console_errors)
    finally:
        context.close()
