"""The session timeout warning in a real browser: it appears before an idle session ends, is a
modal dialog announced to screen readers, "Stay signed in" keeps the session, and doing nothing
ends it on the sign-in page with the reason. The timeout is shortened to seconds for the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.factories import UserFactory

from .conftest import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDLE_SECONDS = 10
WARNING_SECONDS = 7


def _sign_in(page: Page, base: str) -> None:
    """A signed-in session made by Django's test client, handed to the browser as its cookie."""
    client = Client()
    client.force_login(UserFactory.create(given_name="Robin"))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", record)
    return errors


@pytest.fixture
def short_timeout(settings: Any) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = IDLE_SECONDS
    settings.SESSION_WARNING_SECONDS = WARNING_SECONDS


def test_the_warning_appears_and_stay_signed_in_keeps_the_session(
    page: Page, live_server: Any, short_timeout: None
) -> None:
    errors = _console_errors(page)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    dialog = page.get_by_role("dialog", name="You're about to be signed out")
    expect(dialog).to_be_visible(timeout=(IDLE_SECONDS - WARNING_SECONDS + 5) * 1000)
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(page.locator("#session-timeout-announce")).to_contain_text("You will be signed out in")
    assert_no_axe_violations(page)

    stay.click()
    expect(dialog).to_be_hidden()
    # Past the moment the session would have ended without "stay signed in".
    page.wait_for_timeout(WARNING_SECONDS * 1000)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    assert errors == []


def test_doing_nothing_ends_the_session_on_the_sign_in_page(
    page: Page, live_server: Any, short_timeout: None
) -> None:
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/")
    dialog = page.get_by_role("dialog", name="You're about to be signed out")
    expect(dialog).to_be_visible(timeout=(IDLE_SECONDS - WARNING_SECONDS + 5) * 1000)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign in to Family Safeguarding", timeout=(WARNING_SECONDS + 8) * 1000
    )
    expect(page.get_by_text("because you did nothing for")).to_be_visible()
    assert_no_axe_violations(page)
