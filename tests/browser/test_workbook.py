"""Browser tests for the workbook: htmx autosave, save conflicts (with and without JavaScript),
accessibility (axe-core, WCAG 2.2 A/AA) and the Content Security Policy.

The writer is Northgate's domestic abuse specialist, allocated to one parent of a family the
lead social worker (sw1) took in through ``cases.services``. Each test builds that family
again: the ``transaction=True`` flush empties every table after a test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from cases import services as case_services
from cases.models import Case, HouseholdRole, Person, ReferenceCode, Sex
from cases.reference_data import CENSUS_YEAR_START, CODE_LISTS
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from teams.models import Team, User
from workbook import services as workbook_services
from workbook.models import Entry, EntryRevision, EntryStatus

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOCIAL_WORKER = f"sw1.northgate@{DEMO_EMAIL_DOMAIN}"
SPECIALIST = f"da.northgate@{DEMO_EMAIL_DOMAIN}"
TEAM_MANAGER = f"tm.northgate@{DEMO_EMAIL_DOMAIN}"
# Synthetic names unlike anything Faker (en_GB) draws for the demo council.
SURNAME = "Quillthorpe"
FAMILY_NAME = f"{SURNAME} family"
MOTHER_GIVEN, FATHER_GIVEN, CHILD_GIVEN = "Orlagh", "Tavish", "Zephyrine"
MOTHER_NAME, FATHER_NAME = f"{MOTHER_GIVEN} {SURNAME}", f"{FATHER_GIVEN} {SURNAME}"
WORK_DONE = "Work done this cycle"
# Autosave fires 3 s after the last keystroke (hx-trigger "input delay:3s"), and at once when a
# field loses focus; allow for a slow server on top.
AUTOSAVE_DELAY = 3_000
AUTOSAVE_TIMEOUT = 10_000

PageFactory = Callable[..., tuple[Page, list[str]]]


@dataclass(frozen=True)
class SeededFamily:
    case: Case
    mother: Person
    father: Person
    specialist: User

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


def _person(lead: User, given: str, years: int, sex: str) -> Person:
    return case_services.person_create(
        actor=lead,
        details=case_services.PersonDetails(
            given_name=given,
            family_name=SURNAME,
            date_of_birth=timezone.localdate() - dt.timedelta(days=years * 365),
            sex=sex,
        ),
    )


def _northgate_family() -> SeededFamily:
    """Two parents and a child led by sw1, the DA specialist allocated to the mother."""
    load_demo_teams()
    _seed_reference_codes()
    lead = User.objects.get(email=SOCIAL_WORKER)
    specialist = User.objects.get(email=SPECIALIST)
    child = _person(lead, CHILD_GIVEN, 7, Sex.FEMALE)
    mother = _person(lead, MOTHER_GIVEN, 34, Sex.FEMALE)
    father = _person(lead, FATHER_GIVEN, 37, Sex.MALE)
    case = case_services.referral_record(
        actor=lead,
        team=Team.objects.get(slug="northgate"),
        family_name=FAMILY_NAME,
        address=case_services.AddressDetails("12 Example Row", "", "Northgate", "ZZ99 1ZZ"),
        members=[
            case_services.MemberSpec(child, HouseholdRole.CHILD),
            case_services.MemberSpec(mother, HouseholdRole.PARENT),
            case_services.MemberSpec(father, HouseholdRole.PARENT),
        ],
        referral_date=timezone.localdate() - dt.timedelta(days=30),
        referral_source="2A",  # Schools
        lead_social_worker=lead,
    )
    case_services.allocation_start(actor=lead, case=case, worker=specialist, adult=mother)
    return SeededFamily(case=case, mother=mother, father=father, specialist=specialist)


def _draft_summary(family: SeededFamily) -> Entry:
    return workbook_services.entry_start(
        actor=family.specialist, case=family.case, form_slug="intervention-summary"
    )


@pytest.fixture
def new_page(browser: Browser) -> Iterator[PageFactory]:
    """A page in a fresh browser context, and the console errors it logs; closed afterwards."""
    contexts = []

    def make(*, javascript: bool = True) -> tuple[Page, list[str]]:
        context = browser.new_context(locale="en-GB", java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []

        def record(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(f"{page.url}: {message.text}")

        page.on("console", record)
        return page, errors

    yield make
    for context in contexts:
        context.close()


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


def _edit_url(base_url: str, entry: Entry) -> str:
    return f"{base_url}/workbook/entries/{entry.pk}/edit/"


def _conflict_url(base_url: str, entry: Entry) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(base_url)}/workbook/entries/{entry.pk}/conflict/\d+/$")


def _expect_conflict_page(
    page: Page, base_url: str, entry: Entry, yours: str, current: str
) -> None:
    expect(page).to_have_url(_conflict_url(base_url, entry))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This entry was saved somewhere else while you were writing"
    )
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=WORK_DONE))
    expect(row.get_by_role("cell")).to_have_text([yours, current])
    expect(row).to_contain_text("Different")


def test_specialist_autosaves_an_intervention_summary(new_page: PageFactory, live_server) -> None:
    family = _northgate_family()
    page, console_errors = new_page()
    base = live_server.url
    sign_in(page, base, SPECIALIST)

    page.goto(f"{base}/families/{family.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(FAMILY_NAME)
    page.get_by_role("link", name="Open the workbook").click()
    expect(page).to_have_url(f"{base}/families/{family.pk}/workbook/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Workbook: {FAMILY_NAME}")
    writable = page.locator("h2:text-is('Write an entry') + ul")
    writable.get_by_role("link", name="Intervention summary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New intervention summary")
    page.get_by_role("button", name="Start writing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intervention summary")

    entry = Entry.objects.get(form_slug="intervention-summary", author=family.specialist)
    expect(page).to_have_url(_edit_url(base, entry))
    expect(page.get_by_role("heading", level=1)).to_have_text("Intervention summary")
    for adult in (MOTHER_NAME, FATHER_NAME):
        expect(page.get_by_label(f"{adult}: stage of change")).to_be_visible()
        expect(page.get_by_label(f"{adult}: how important change is to them")).to_be_visible()
        expect(
            page.get_by_label(f"{adult}: how confident they are they can change")
        ).to_be_visible()

    text = "Safety planning session with Orlagh; agreed a code word with the school."
    page.get_by_label(WORK_DONE).fill(text)
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=AUTOSAVE_TIMEOUT)
    expect(page).to_have_url(_edit_url(base, entry))  # no conflict with its own saves

    page.reload()
    expect(page.get_by_label(WORK_DONE)).to_have_value(text)
    entry.refresh_from_db()
    assert entry.data["work_done"] == text
    assert not EntryRevision.objects.filter(entry=entry, is_conflict=True).exists()
    _assert_no_csp_errors(console_errors)


def test_autosave_conflict_shows_both_versions(new_page: PageFactory, live_server) -> None:
    family = _northgate_family()
    entry = _draft_summary(family)
    base = live_server.url
    page_a, errors_a = new_page()
    page_b, errors_b = new_page()
    for page in (page_a, page_b):
        sign_in(page, base, SPECIALIST)
        page.goto(_edit_url(base, entry))
        expect(page.get_by_label(WORK_DONE)).to_be_visible()

    text_a = "Written on the laptop: met Orlagh at the refuge."
    text_b = "Written on the phone: rang Orlagh after school pick-up."
    # A's field loses focus (the focusout trigger); B waits out the typing delay.
    page_a.get_by_label(WORK_DONE).fill(text_a)
    page_a.get_by_label(WORK_DONE).blur()
    expect(page_a.locator("#save-status")).to_contain_text("Saved at", timeout=AUTOSAVE_TIMEOUT)

    # B's page still carries the version both pages opened with.
    page_b.get_by_label(WORK_DONE).fill(text_b)
    page_b.wait_for_url(_conflict_url(base, entry), timeout=AUTOSAVE_TIMEOUT)
    _expect_conflict_page(page_b, base, entry, yours=text_b, current=text_a)

    entry.refresh_from_db()
    assert entry.data["work_done"] == text_a
    conflict = EntryRevision.objects.get(entry=entry, is_conflict=True)
    assert conflict.data["work_done"] == text_b
    _assert_no_csp_errors(errors_a + errors_b)


def test_save_draft_conflict_without_javascript(new_page: PageFactory, live_server) -> None:
    family = _northgate_family()
    entry = _draft_summary(family)
    base = live_server.url
    page_a, errors_a = new_page(javascript=False)
    page_b, errors_b = new_page(javascript=False)
    for page in (page_a, page_b):
        sign_in(page, base, SPECIALIST)
        page.goto(_edit_url(base, entry))
        expect(page.locator("body")).to_have_class("govuk-template__body")  # no script ran

    text_a = "Saved first: home visit with both parents."
    text_b = "Saved second: telephone call with Orlagh."
    page_a.get_by_label(WORK_DONE).fill(text_a)
    page_a.get_by_role("button", name="Save draft").click()
    expect(page_a).to_have_url(_edit_url(base, entry))
    expect(page_a.get_by_role("alert")).to_contain_text("Draft saved at")
    expect(page_a.get_by_label(WORK_DONE)).to_have_value(text_a)

    page_b.get_by_label(WORK_DONE).fill(text_b)
    page_b.get_by_role("button", name="Save draft").click()
    _expect_conflict_page(page_b, base, entry, yours=text_b, current=text_a)

    entry.refresh_from_db()
    assert entry.data["work_done"] == text_a
    _assert_no_csp_errors(errors_a + errors_b)


def test_workbook_pages_are_accessible_and_keep_to_the_csp(
    new_page: PageFactory, live_server
) -> None:
    family = _northgate_family()
    base = live_server.url
    page, console_errors = new_page()
    sign_in(page, base, SPECIALIST)
    heading = page.get_by_role("heading", level=1)
    failures: list[str] = []

    page.goto(f"{base}/families/{family.pk}/workbook/")
    expect(heading).to_have_text(f"Workbook: {FAMILY_NAME}")
    failures += _axe_failures(page, "Workbook")

    # An adult assessment: the specialist writes it, a manager authorises it.
    page.get_by_role("link", name="Adult assessment").click()
    page.get_by_label(MOTHER_NAME).check()
    page.get_by_role("button", name="Start writing").click()
    expect(heading).to_have_text(f"Adult assessment: {MOTHER_NAME}")
    entry = Entry.objects.get(form_slug="adult-assessment", author=family.specialist)
    page.get_by_role("group", name="Assessment").get_by_label("Domestic abuse").check()
    page.get_by_label("DASH checklist score").fill("15")
    page.get_by_label("Domestic abuse risk level").select_option("high")
    analysis = page.get_by_label("Analysis")
    analysis.fill("High risk; MARAC referral made and safety plan agreed.")
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=AUTOSAVE_TIMEOUT)
    failures += _axe_failures(page, "Entry edit (after an autosave)")
    # Submit straight after typing: the page's own autosave and submit may cross in flight.
    page.get_by_role("button", name="Submit for authorisation").click()
    expect(page).to_have_url(f"{base}/workbook/entries/{entry.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("waiting for a manager to authorise it")
    failures += _axe_failures(page, "Entry (submitted)")

    page.get_by_role("link", name="Revisions").click()
    expect(heading).to_have_text("Revisions of the adult assessment")
    failures += _axe_failures(page, "Revisions")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED

    # A conflict page: two saves of the specialist's intervention summary from the same version
    # (the browser tests above drive the real conflicts; here only the page matters).
    summary = _draft_summary(family)
    for text in ("Saved elsewhere", "Written here"):
        result = workbook_services.entry_save(
            actor=family.specialist,
            entry_id=summary.pk,
            answers={"work_done": text},
            base_version=summary.version,
        )
    assert result.conflict is not None
    page.goto(f"{base}/workbook/entries/{summary.pk}/conflict/{result.conflict.pk}/")
    expect(heading).to_have_text("This entry was saved somewhere else while you were writing")
    failures += _axe_failures(page, "Conflict")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, TEAM_MANAGER)
    page.goto(f"{base}/workbook/authorisations/")
    expect(heading).to_have_text("Waiting for authorisation")
    expect(page.get_by_role("link", name=f"Adult assessment: {MOTHER_NAME}")).to_be_visible()
    failures += _axe_failures(page, "Authorisation queue")

    assert not failures, "\n\n".join(failures)
    _assert_no_csp_errors(console_errors)


def test_save_draft_straight_after_typing_saves_the_draft(
    new_page: PageFactory, live_server
) -> None:
    family = _northgate_family()
    entry = _draft_summary(family)
    base = live_server.url
    page, console_errors = new_page()
    sign_in(page, base, SPECIALIST)
    page.goto(_edit_url(base, entry))

    text = "Typed, then saved at once."
    page.get_by_label(WORK_DONE).fill(text)
    # A person's click: the button takes focus on mouse down, the form submits on mouse up.
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click(delay=100)
    assert page.url == _edit_url(base, entry), f"Save draft landed on {page.url}"
    expect(page.get_by_role("alert")).to_contain_text("Draft saved at")
    expect(page.get_by_label(WORK_DONE)).to_have_value(text)
    assert not EntryRevision.objects.filter(entry=entry, is_conflict=True).exists()
    _assert_no_csp_errors(console_errors)
