"""Browser tests: Playwright driving the system Chromium, axe-core for accessibility."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

from teams.models import User
from tests.second_factor import confirmed_device, fresh_code

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The ORM is called from test bodies while Playwright's event loop runs in the same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}; .ci/run installs the Debian package 'chromium'"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def assert_no_axe_violations(page: Page) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    assert results.violations_count == 0, results.generate_report()


def enter_password(page: Page, base_url: str, email: str) -> None:
    """The first step of signing in: the email and password form."""
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def enter_code(page: Page, email: str) -> None:
    """The second step (teams.mfa): the code the user's authenticator app shows now, worked
    out from the device's key as the app would."""
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    device = confirmed_device(User.objects.get(email=email))
    page.get_by_label("Security code").fill(fresh_code(device))
    page.get_by_role("button", name="Continue").click()


def sign_in(page: Page, base_url: str, email: str) -> None:
    """Sign in through the forms, password then code, and land on the home page."""
    enter_password(page, base_url, email)
    enter_code(page, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome,")
