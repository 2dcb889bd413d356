"""Browser tests for group supervision: a team manager chairs a due supervision from the due
list to sign-off, the allocated social worker finds the action it gave them, every page on the
way passes axe-core (WCAG 2.2 A/AA), and nothing breaks the Content Security Policy.

The family is a Northgate family led by sw1, taken in through ``cases.services`` (never
``safeguarding.demo.families``), with a supervision chaired by the team manager scheduled for today through
``supervision.services``: the ``transaction=True`` flush empties every table after a test, so
each test builds it again (the national code lists are put back by tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Request, expect

from cases import services as case_services
from cases.models import Allocation, Case, HouseholdRole, Person, Sex
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from supervision import services as supervision_services
from supervision.models import (
    AttendanceStatus,
    GroupSupervision,
    SupervisionAction,
    SupervisionStatus,
)
from teams.models import Team, User

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOCIAL_WORKER = f"sw1.northgate@{DEMO_EMAIL_DOMAIN}"
TEAM_MANAGER = f"tm.northgate@{DEMO_EMAIL_DOMAIN}"
# Synthetic names unlike anything Faker (en_GB) draws for the demo council.
SURNAME = "Quillthorpe"
FAMILY_NAME = f"{SURNAME} family"
CHILD_NAME = f"Zephyrine {SURNAME}"
DECISIONS = "Stay on the child in need plan; review the safety plan with both parents."
ACTION = "Book a joint home visit with the domestic abuse specialist"
# Autosave fires 3 s after the last keystroke (hx-trigger "input delay:3s") and at once when a
# field loses focus; a click on "Save the record" must not race it (see test_workbook.py).
AUTOSAVE_DELAY = 3_000


@dataclass(frozen=True)
class DueSupervision:
    case: Case
    child: Person
    supervision: GroupSupervision
    lead: User


def _person(lead: User, name: str, years: int) -> Person:
    given, family = name.split()
    return case_services.person_create(
        actor=lead,
        details=case_services.PersonDetails(
            given_name=given,
            family_name=family,
            date_of_birth=timezone.localdate() - dt.timedelta(days=years * 365),
            sex=Sex.FEMALE,
        ),
    )


def _due_supervision() -> DueSupervision:
    """The demo teams, one open Northgate family led by sw1, and a supervision due today."""
    load_demo_teams()
    lead = User.objects.get(email=SOCIAL_WORKER)
    manager = User.objects.get(email=TEAM_MANAGER)
    child = _person(lead, CHILD_NAME, 7)
    parent = _person(lead, f"Orlagh {SURNAME}", 34)
    case = case_services.referral_record(
        actor=lead,
        team=Team.objects.get(slug="northgate"),
        family_name=FAMILY_NAME,
        address=case_services.AddressDetails("12 Example Row", "", "Northgate", "ZZ99 1ZZ"),
        members=[
            case_services.MemberSpec(child, HouseholdRole.CHILD),
            case_services.MemberSpec(parent, HouseholdRole.PARENT),
        ],
        referral_date=timezone.localdate() - dt.timedelta(days=30),
        referral_source="2A",  # Schools
        lead_social_worker=lead,
    )
    supervision = supervision_services.supervision_schedule(
        actor=manager, case=case, scheduled_for=timezone.localdate(), chair=manager
    )
    return DueSupervision(case=case, child=child, supervision=supervision, lead=lead)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Page]:
    """A second page in its own browser context (its own sign-in), closed afterwards."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return errors


def _assert_no_csp_errors(console_errors: list[str]) -> None:
    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)


def _axe_failures(page: Page, label: str) -> list[str]:
    """assert_no_axe_violations, kept as a message so one test reports every failing page."""
    try:
        assert_no_axe_violations(page)
    except AssertionError as exc:
        return [f"{label} ({page.url}):\n{exc}"]
    return []


class AutosaveWatch:
    """Counts the page's autosave requests still in flight."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.in_flight = 0
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self.in_flight += request.url.endswith("/autosave/")

    def _ended(self, request: Request) -> None:
        self.in_flight -= request.url.endswith("/autosave/")

    def settle(self, field: Locator) -> None:
        """Move focus off ``field`` and wait out every autosave it queued."""
        field.blur()
        self.page.wait_for_timeout(AUTOSAVE_DELAY + 300)
        for _ in range(200):
            if not self.in_flight:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError("An autosave was still running after 10 s")


def _alert(page: Page) -> Locator:
    return page.get_by_role("alert")


def test_team_manager_chairs_and_signs_off_a_due_supervision(
    page: Page, new_page: Page, live_server
) -> None:
    due = _due_supervision()
    base = live_server.url
    console_errors = _watch_console(page)
    autosaves = AutosaveWatch(page)
    heading = page.get_by_role("heading", level=1)
    failures: list[str] = []
    sign_in(page, base, TEAM_MANAGER)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Supervision").click()
    expect(heading).to_have_text("Group supervision")
    scheduled = page.get_by_role("row").filter(has_text=FAMILY_NAME)
    expect(scheduled).to_contain_text("Today")
    failures += _axe_failures(page, "Due list")

    scheduled.get_by_role("link", name=FAMILY_NAME).click()
    expect(page).to_have_url(f"{base}/supervision/{due.supervision.pk}/")
    expect(heading).to_have_text(f"Group supervision: {FAMILY_NAME}")
    failures += _axe_failures(page, "Supervision (before sign-off)")

    # Every allocated worker is on the attendance list (opening the page saves no rows).
    allocated = Allocation.objects.active().filter(case=due.case).count()
    present = page.get_by_role("radio", name="Present")
    expect(present).to_have_count(allocated)
    assert allocated >= 1  # sw1, the allocated lead social worker
    for radio in present.all():
        radio.check()
    page.get_by_label(f"{CHILD_NAME}: risk scale (0 to 10)").fill("6")
    decisions = page.get_by_label("Decisions", exact=True)
    decisions.fill(DECISIONS)
    autosaves.settle(decisions)
    page.get_by_role("button", name="Save the record").click()
    expect(page).to_have_url(f"{base}/supervision/{due.supervision.pk}/")
    expect(_alert(page)).to_contain_text("Record saved at")
    expect(decisions).to_have_value(DECISIONS)

    action_due = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("Action", exact=True).fill(ACTION)
    page.get_by_label("Owner").select_option(label=due.lead.get_full_name())
    due_date = page.get_by_role("group", name="Due date")
    due_date.get_by_label("Day").fill(str(action_due.day))
    due_date.get_by_label("Month").fill(str(action_due.month))
    due_date.get_by_label("Year").fill(str(action_due.year))
    page.get_by_role("button", name="Add action").click()
    expect(_alert(page)).to_contain_text("Action added")
    action_row = page.get_by_role("row").filter(has_text=ACTION)
    expect(action_row).to_contain_text(due.lead.get_full_name())
    expect(action_row).to_contain_text(f"{action_due.day} {action_due:%b %Y}")

    page.get_by_role("button", name="Sign off the supervision").click()
    expect(_alert(page)).to_contain_text(
        "Supervision signed off. The decisions are in every child's chronology"
    )
    expect(page.get_by_text("Signed off by")).to_be_visible()
    expect(page.get_by_role("button", name="Sign off the supervision")).to_have_count(0)
    failures += _axe_failures(page, "Supervision (signed off)")

    page.get_by_role("link", name="Back to the family's supervisions").click()
    expect(page).to_have_url(f"{base}/families/{due.case.family_id}/supervision/")
    expect(heading).to_have_text(f"Group supervision: {FAMILY_NAME}")
    expect(page.get_by_role("row").filter(has_text="Signed off")).to_have_count(1)
    expect(page.get_by_role("heading", level=3, name=CHILD_NAME)).to_be_visible()
    failures += _axe_failures(page, "Family supervisions")

    signed = GroupSupervision.objects.get(pk=due.supervision.pk)
    assert signed.status == SupervisionStatus.SIGNED_OFF
    assert signed.record["decisions"] == DECISIONS
    assert set(signed.attendance.values_list("status", flat=True)) == {AttendanceStatus.PRESENT}
    assert GroupSupervision.objects.filter(
        case=due.case, status=SupervisionStatus.SCHEDULED
    ).exists()  # the next one
    action = SupervisionAction.objects.get(supervision=signed)
    assert (action.description, action.owner, action.due_date) == (ACTION, due.lead, action_due)
    _assert_no_csp_errors(console_errors)

    # The owner, in a browser of their own.
    worker_errors = _watch_console(new_page)
    sign_in(new_page, base, SOCIAL_WORKER)
    new_page.goto(f"{base}/supervision/actions/")
    expect(new_page.get_by_role("heading", level=1)).to_have_text("My actions")
    mine = new_page.get_by_role("row").filter(has_text=ACTION)
    expect(mine).to_have_count(1)
    expect(mine.get_by_role("link", name=FAMILY_NAME)).to_be_visible()
    expect(mine).to_contain_text(f"{action_due.day} {action_due:%b %Y}")
    expect(mine.get_by_role("link", name="Mark as done")).to_be_visible()
    failures += _axe_failures(new_page, "My actions")

    assert not failures, "\n\n".join(failures)
    _assert_no_csp_errors(worker_errors)


def test_team_manager_opens_supervision_from_the_service_navigation(
    page: Page, live_server
) -> None:
    load_demo_teams()
    sign_in(page, live_server.url, TEAM_MANAGER)
    menu = page.get_by_role("navigation", name="Menu")

    links = [text.strip() for text in menu.get_by_role("link").all_inner_texts()]

    assert "Supervision" in links, f"service navigation: {links}"
    menu.get_by_role("link", name="Supervision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group supervision")
