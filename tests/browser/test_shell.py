from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from safeguarding.demo.teams import load_demo_teams

from .conftest import assert_no_axe_violations, enter_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_has_no_accessibility_violations(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Family Safeguarding")
    assert_no_axe_violations(page)


def test_sign_in_errors_are_accessible(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your email address")
    assert_no_axe_violations(page)


def test_demo_social_worker_signs_in_and_home_is_accessible(page: Page, live_server) -> None:
    load_demo_teams()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/sign-in/?next=/")
    page.get_by_label("Email address").fill("sw1.northgate@demo.example.org")
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, "sw1.northgate@demo.example.org")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome,")
    expect(page.get_by_role("cell", name="Northgate Family Safeguarding Team")).to_be_visible()
    # GOV.UK Frontend's JavaScript ran: the CSP allowed the module script from our origin.
    expect(page.locator("body")).to_have_class(
        "govuk-template__body js-enabled govuk-frontend-supported"
    )
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
