"""The second factor in a real browser: a new member of staff sets up an authenticator app from
the QR code page, saves their recovery codes, signs out, and signs in again with a code. Every
page of it passes axe-core and keeps to the Content Security Policy (the QR code is a data:
image drawn on the server)."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.factories import UserFactory
from tests.second_factor import current_code

from .conftest import assert_no_axe_violations, enter_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-synthetic-passphrase"  # UserFactory's


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return errors


def test_new_user_sets_up_an_app_saves_recovery_codes_and_signs_in_with_a_code(
    page: Page, live_server
) -> None:
    user = UserFactory.create(given_name="Robin")
    console_errors = _watch_console(page)
    base = live_server.url
    heading = page.get_by_role("heading", level=1)

    page.goto(f"{base}/caseload/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Set-up: the QR code (drawn, not broken), the key to type, then a code from the app.
    expect(heading).to_have_text("Set up an authenticator app")
    qr_code = page.get_by_role("img", name="QR code that adds Family Safeguarding")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    assert_no_axe_violations(page)
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    page.get_by_label("Security code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")
    assert_no_axe_violations(page)
    page.wait_for_timeout(1_100)  # a wrong code makes the next try wait a second

    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()

    # The recovery codes, once.
    expect(heading).to_have_text("Your authenticator app is set up")
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.locator(".app-recovery-codes li")).to_have_count(10)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="I have saved these codes").click()
    expect(page).to_have_url(f"{base}/caseload/")

    page.get_by_role("button", name="Sign out").click()
    expect(heading).to_have_text("You have signed out")

    # Signing in again asks for a code from the app; a recovery code is one link away.
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading).to_have_text("Enter the code from your authenticator app")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Use a recovery code").click()
    expect(heading).to_have_text("Enter a recovery code")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Use your authenticator app instead").click()

    enter_code(page, user.email)
    expect(heading).to_contain_text("Welcome, Robin")

    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)
