"""Browser test for the police notification triage queue: Northgate's team standards
coordinator opens the queue, opens a notification nobody could match, dismisses it with a
reason and sees the success banner. Both pages are checked with axe-core (WCAG 2.2 A/AA) and
for Content Security Policy errors.

The ``transaction=True`` flush empties every table after a test, so the demo teams and the
national code lists are loaded again here, and the family is built through ``cases.services``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from cases import services
from cases.models import (
    DashRisk,
    DismissalReason,
    HouseholdRole,
    NotificationStatus,
    PartnerNotification,
    PersonRole,
    ReferenceCode,
    Sex,
)
from cases.partners import services as partner_services
from cases.reference_data import CENSUS_YEAR_START, CODE_LISTS
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from teams.models import Team, User
from tests.factories import partner_client, police_force

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COORDINATOR = f"tsc.northgate@{DEMO_EMAIL_DOMAIN}"
REFERENCE = "WXP-2026-00417"
# Synthetic names unlike anything Faker (en_GB) draws for the demo council.
SURNAME = "Quillthorpe"
CHILD_BORN = dt.date(2019, 3, 8)


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


def _notification_waiting_for_triage() -> PartnerNotification:
    """An open Northgate family, and a notification naming a child born the same day as theirs
    under another name: not matched automatically, but a possible match to show."""
    load_demo_teams()
    _seed_reference_codes()
    lead = User.objects.get(email=f"sw1.northgate@{DEMO_EMAIL_DOMAIN}")
    today = timezone.localdate()
    child = services.person_create(
        actor=lead,
        details=services.PersonDetails(
            given_name="Zephyrine", family_name=SURNAME, date_of_birth=CHILD_BORN, sex=Sex.FEMALE
        ),
    )
    services.referral_record(
        actor=lead,
        team=Team.objects.get(slug="northgate"),
        family_name=f"{SURNAME} family",
        address=services.AddressDetails("12 Example Row", "", "Northgate", "ZZ99 1ZZ"),
        members=[services.MemberSpec(child, HouseholdRole.CHILD)],
        referral_date=today - dt.timedelta(days=30),
        referral_source="2A",  # Schools
        lead_social_worker=lead,
    )
    client, _secret = partner_client(police_force("Wessex Police"))
    receipt = partner_services.partner_notification_receive(
        client=client,
        details=partner_services.NotificationDetails(
            reference=REFERENCE,
            incident_at=timezone.now() - dt.timedelta(days=1),
            dash_risk_level=DashRisk.MEDIUM,
            children_present=True,
            summary="Neighbours reported shouting. Officers spoke to both adults.",
            people=[
                partner_services.NotifiedPerson(
                    role=PersonRole.VICTIM,
                    given_name="Marisol",
                    family_name="Vantongeren",
                    date_of_birth=dt.date(1991, 5, 17),
                ),
                partner_services.NotifiedPerson(
                    role=PersonRole.CHILD,
                    given_name="Tamsin",
                    family_name="Vantongeren",
                    date_of_birth=CHILD_BORN,
                ),
            ],
        ),
    )
    assert receipt.notification.status == NotificationStatus.AWAITING_TRIAGE
    return receipt.notification


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return errors


def test_coordinator_dismisses_a_notification_from_the_queue(page: Page, live_server) -> None:
    notification = _notification_waiting_for_triage()
    console_errors = _watch_console(page)
    base = live_server.url
    heading = page.get_by_role("heading", level=1)

    sign_in(page, base, COORDINATOR)
    expect(heading).to_contain_text("Welcome,")

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Police notifications"
    ).click()
    expect(page).to_have_url(f"{base}/notifications/triage/")
    expect(heading).to_have_text("Police notifications to triage")
    row = page.get_by_role("row").filter(has_text=REFERENCE)
    expect(row).to_contain_text("Wessex Police")
    expect(row).to_contain_text("Medium")
    expect(row).to_contain_text("No open family matches the people named")
    assert_no_axe_violations(page)

    row.get_by_role("link", name=re.compile(REFERENCE)).click()
    expect(page).to_have_url(f"{base}/notifications/triage/{notification.public_id}/")
    expect(heading).to_have_text(f"Police notification {REFERENCE}")
    expect(page.get_by_role("row").filter(has_text="Marisol Vantongeren")).to_contain_text("Victim")
    expect(page.get_by_role("row").filter(has_text=f"Zephyrine {SURNAME}")).to_contain_text(
        "Same date of birth"
    )
    assert_no_axe_violations(page)

    page.get_by_role("group", name="Why are you dismissing it?").get_by_label(
        "Family lives outside the council's area"
    ).check()
    page.get_by_role("button", name="Dismiss notification").click()

    expect(page).to_have_url(f"{base}/notifications/triage/")
    expect(page.get_by_role("alert")).to_contain_text(
        f"Notification {REFERENCE} dismissed: family lives outside the council's area"
    )
    expect(page.get_by_text("There are no notifications waiting for triage.")).to_be_visible()
    assert_no_axe_violations(page)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DISMISSED
    assert notification.dismissal_reason == DismissalReason.OUT_OF_AREA
    assert notification.dismissed_by is not None
    assert notification.dismissed_by.email == COORDINATOR
    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)
