from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from teams.models import User
from tests.second_factor import confirmed_device, current_code

pytestmark = pytest.mark.django_db

SAME_MESSAGE = "Enter the email address and password for your account"


def test_a_page_that_needs_sign_in_redirects_to_the_sign_in_page(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('teams:sign-in')}?next=/"


def test_sign_in_page_shows_the_form(client: Client) -> None:
    response = client.get(reverse("teams:sign-in"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'type="email"' in response.content
    assert b"Sign in to Family Safeguarding" in response.content


def test_signing_in_opens_the_home_page_and_rotates_the_session(
    client: Client, user: User, password: str
) -> None:
    device = confirmed_device(user)
    client.get(reverse("teams:sign-in"))
    before = client.cookies.get("sessionid")
    response = client.post(
        reverse("teams:sign-in"),
        {"username": user.email.upper(), "password": password},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{reverse('teams:mfa-verify')}?next=%2F"
    assert client.cookies["sessionid"].value != (before.value if before else None)

    response = client.post(
        reverse("teams:mfa-verify"), {"code": current_code(device), "next": "/"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert f"Welcome, {user.given_name}".encode() in response.content


def test_wrong_password_and_unknown_email_get_the_same_message(client: Client, user: User) -> None:
    wrong_password = client.post(
        reverse("teams:sign-in"), {"username": user.email, "password": "not-the-password"}
    )
    unknown_user = client.post(
        reverse("teams:sign-in"),
        {"username": "nobody@test.example.org", "password": "not-the-password"},
    )
    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        content = response.content.decode()
        assert SAME_MESSAGE in content
        assert "There is a problem" in content
        assert "<title>Error: Sign in" in content


def test_empty_sign_in_form_says_what_to_enter(client: Client) -> None:
    response = client.post(reverse("teams:sign-in"), {"username": "", "password": ""})
    content = response.content.decode()
    assert 'href="#id_username"' in content
    assert "Enter your email address" in content
    assert "Enter your password" in content


def test_sign_out_ends_the_session(client: Client, user: User) -> None:
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("teams:sign-out"))
    assert response.status_code == 302
    assert response["Location"] == reverse("teams:signed-out")
    assert client.get(reverse("home")).status_code == 302


def test_sign_out_by_get_is_refused(client: Client, user: User) -> None:
    client.force_login(user)
    response = client.get(reverse("teams:sign-out"))
    assert response.status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_unknown_page_is_a_styled_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"govuk-header" in response.content


def test_accessibility_statement_is_public(client: Client) -> None:
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    assert b"Accessibility statement for Family Safeguarding" in response.content


def _attempt(client: Client, email: str, password: str) -> int:
    return client.post(
        reverse("teams:sign-in"), {"username": email, "password": password}
    ).status_code


def test_five_failures_lock_the_email_and_address_for_15_minutes(
    client: Client, user: User, password: str
) -> None:
    import datetime as dt

    from axes.models import AccessAttempt

    for _ in range(4):
        assert _attempt(client, user.email, "not-the-password") == 200
    # The fifth failure locks: even the right password is refused now.
    assert _attempt(client, user.email, "not-the-password") == 429
    locked = client.post(reverse("teams:sign-in"), {"username": user.email, "password": password})
    assert locked.status_code == 429
    assert b"You cannot sign in for 15 minutes" in locked.content
    assert "_auth_user_id" not in client.session
    # Another address is not locked out by this one's failures.
    assert _attempt(Client(REMOTE_ADDR="203.0.113.9"), user.email, password) == 302

    # After the cool-off the right password works again.
    AccessAttempt.objects.filter(username=user.email).update(
        attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    )
    assert _attempt(client, user.email, password) == 302


def test_an_unknown_email_locks_out_the_same_way(client: Client) -> None:
    """Lockout must not tell an attacker which emails have accounts."""
    statuses = [_attempt(client, "nobody@test.example.org", "guess") for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
