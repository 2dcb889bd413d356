"""Browser test for the auditor's pages: the demo auditor opens Audit from the menu, filters the
access events by a family reference and sees that family's rows only, then visits the partner
disclosures, unusual access (and one person's drill-down) and emergency access pages. Every page
is checked with axe-core (WCAG 2.2 A/AA) and for Content Security Policy errors.

The ``transaction=True`` flush empties every table after a test, so the demo teams are loaded
again here; the access events are written directly, as the read audit writes them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from cases.models import AccessAction, AccessBasis, AccessEvent, DisclosureLog, Family, RecordType
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from teams.models import Team, User
from tests.factories import FamilyFactory, partner_client, police_force

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUDITOR = f"auditor@{DEMO_EMAIL_DOMAIN}"
READER = f"sw1.northgate@{DEMO_EMAIL_DOMAIN}"


def _read(reader: User, family: Family, record_id: int, minutes_ago: int, basis: str) -> None:
    AccessEvent.objects.create(
        user_id=reader.pk,
        family_id=family.pk,
        occurred_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        record_type=RecordType.PERSON,
        record_id=record_id,
        action=AccessAction.VIEW,
        basis=basis,
    )


def _audit_trail() -> tuple[Family, User]:
    """Two Northgate families read by a Northgate social worker, once through emergency access,
    and one call from a police force's system."""
    load_demo_teams()
    northgate = Team.objects.get(slug="northgate")
    reader = User.objects.get(email=READER)
    watched = FamilyFactory.create(owning_team=northgate)
    other = FamilyFactory.create(owning_team=northgate)
    _read(reader, watched, 4101, 30, AccessBasis.TEAM)
    _read(reader, watched, 4102, 20, AccessBasis.GRANT)
    _read(reader, other, 4201, 10, AccessBasis.TEAM)
    client, _secret = partner_client(police_force("Wessex Police"), name="Wessex RMS")
    DisclosureLog.objects.create(
        client_id=client.pk,
        organisation_id=client.organisation_id,
        scope="notifications:write",
        operation="notification.create",
        purpose="Domestic abuse notification under the data-sharing agreement.",
        method="POST",
        status_code=201,
    )
    return watched, reader


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return errors


def test_auditor_filters_access_events_by_family_reference(page: Page, live_server) -> None:
    watched, reader = _audit_trail()
    console_errors = _watch_console(page)
    base = live_server.url
    heading = page.get_by_role("heading", level=1)
    audit_pages = page.get_by_role("navigation", name="Audit pages")

    sign_in(page, base, AUDITOR)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit").click()
    expect(page).to_have_url(f"{base}/audit/access/")
    expect(heading).to_have_text("Access events")
    expect(page.get_by_role("row").filter(has_text="person 4201")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_label("Family reference").fill(watched.reference)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row").filter(has_text="person 4102")).to_contain_text(
        "Emergency access"
    )
    expect(page.get_by_role("row").filter(has_text="person 4101")).to_contain_text(
        reader.get_full_name()
    )
    expect(page.get_by_role("row").filter(has_text="person 4201")).to_have_count(0)
    expect(page.get_by_role("link", name="Download every matching event (CSV)")).to_be_visible()
    assert_no_axe_violations(page)

    audit_pages.get_by_role("link", name="Partner disclosures").click()
    expect(heading).to_have_text("Partner disclosures")
    expect(page.get_by_role("row").filter(has_text="notification.create")).to_contain_text(
        "Wessex Police"
    )
    assert_no_axe_violations(page)

    audit_pages.get_by_role("link", name="Unusual access").click()
    expect(heading).to_have_text("Unusual access")
    page.get_by_role("link", name=reader.get_full_name()).click()
    expect(heading).to_have_text(f"Unusual access by {reader.get_full_name()}")
    expect(page.get_by_role("row").filter(has_text="person 4102")).to_contain_text(
        watched.reference
    )
    assert_no_axe_violations(page)

    audit_pages.get_by_role("link", name="Emergency access").click()
    expect(heading).to_have_text("Emergency access")
    assert_no_axe_violations(page)
    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)
