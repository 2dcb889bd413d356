"""Browser test for notifications: a Northgate social worker sees the unread count in the
header, opens the list (checked with axe-core, WCAG 2.2 A/AA), opens one notification, lands
on its page, and the count goes down.

The ``transaction=True`` flush empties every table after a test, so the demo teams are loaded
again here; the notifications are made through ``teams.notifications.notify``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from teams.models import Notification, User
from teams.notifications import NotificationKind, notify

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKER = f"sw1.northgate@{DEMO_EMAIL_DOMAIN}"


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return errors


def test_worker_opens_a_notification_from_the_header_count(page: Page, live_server) -> None:
    load_demo_teams()
    worker = User.objects.get(email=WORKER)
    for reference in ("FS-900001", "FS-900002"):
        notify(
            user=worker,
            kind=NotificationKind.DUE,
            message=f"A statutory visit for family {reference} is due in 3 working days.",
            # A page that needs no family: the test is about the notification, not the visit.
            url="/supervision/actions/",
        )
    console_errors = _watch_console(page)
    base = live_server.url
    menu = page.get_by_role("navigation", name="Menu")

    sign_in(page, base, WORKER)
    expect(menu.get_by_role("link", name="Notifications, 2 unread")).to_be_visible()

    menu.get_by_role("link", name="Notifications, 2 unread").click()
    expect(page).to_have_url(f"{base}/notifications/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_text("Unread", exact=True)).to_have_count(2)
    assert_no_axe_violations(page)

    page.get_by_role("link", name=re.compile("FS-900001")).click()
    expect(page).to_have_url(f"{base}/supervision/actions/")
    expect(menu.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    opened = Notification.objects.get(message__contains="FS-900001")
    assert opened.read_at is not None

    menu.get_by_role("link", name="Notifications, 1 unread").click()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("alert")).to_contain_text("All your notifications are marked as read")
    expect(menu.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
    expect(page.get_by_text("Unread", exact=True)).to_have_count(0)
    assert_no_axe_violations(page)
    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)
