"""Session lifetime (teams/sessions.py): idle timeout, absolute limit, activity, the timeout
dialog's endpoints, rotation at sign-in, sign-out and deactivation ending every session."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from teams.models import User, UserSession
from teams.sessions import LAST_ACTIVITY, SIGNED_IN_AT, end_all_sessions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IDLE = settings.SESSION_IDLE_TIMEOUT_SECONDS
ABSOLUTE = settings.SESSION_ABSOLUTE_LIMIT_SECONDS


def signed_in(user: User | None = None) -> Client:
    client = Client()
    client.force_login(user or UserFactory.create())
    return client


def backdate(client: Client, **seconds_ago: float) -> None:
    """Move the session's clocks into the past, as if time had passed."""
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_signing_in_records_the_session_and_its_clocks() -> None:
    user = UserFactory.create()
    client = signed_in(user)
    session = client.session
    assert abs(session[SIGNED_IN_AT] - time.time()) < 5
    assert abs(session[LAST_ACTIVITY] - time.time()) < 5
    assert UserSession.objects.filter(user=user, session_key=session.session_key).exists()


def test_a_session_idle_past_the_timeout_is_signed_out_with_the_reason() -> None:
    client = signed_in()
    backdate(client, last_activity=IDLE + 5)

    response = client.get(reverse("cases:caseload"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("teams:sign-in"))
    sign_in = client.get(response["Location"])
    assert b"because you did nothing for 30 minutes" in sign_in.content
    assert "_auth_user_id" not in client.session
    # The reason is shown once.
    assert b"did nothing" not in client.get(reverse("teams:sign-in")).content


def test_a_session_just_inside_the_timeout_carries_on_and_counts_as_activity() -> None:
    client = signed_in()
    backdate(client, last_activity=IDLE - 60)

    response = client.get(reverse("cases:caseload"))

    assert response.status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY] < 5


def test_the_absolute_limit_signs_out_even_an_active_session() -> None:
    client = signed_in()
    backdate(client, signed_in_at=ABSOLUTE + 60, last_activity=10)

    response = client.get(reverse("cases:caseload"))

    assert response.status_code == 302
    sign_in = client.get(response["Location"])
    assert b"signed in for 12 hours" in sign_in.content


def test_the_status_check_is_not_activity() -> None:
    client = signed_in()
    backdate(client, last_activity=IDLE - 100)

    response = client.get(reverse("teams:session-status"))

    assert response.json()["signed_in"] is True
    assert 95 <= response.json()["seconds_left"] <= 100
    assert time.time() - client.session[LAST_ACTIVITY] >= IDLE - 100 - 1


def test_stay_signed_in_restarts_the_idle_clock() -> None:
    client = signed_in()
    backdate(client, last_activity=IDLE - 100)

    response = client.post(reverse("teams:session-extend"))

    assert response.status_code == 200
    assert response.json()["seconds_left"] >= IDLE - 5
    status = client.get(reverse("teams:session-status")).json()
    assert status["seconds_left"] >= IDLE - 5


def test_stay_signed_in_cannot_pass_the_absolute_limit() -> None:
    client = signed_in()
    backdate(client, signed_in_at=ABSOLUTE - 50)

    response = client.post(reverse("teams:session-extend"))

    assert response.json()["seconds_left"] <= 50


def test_the_dialog_endpoints_after_sign_out() -> None:
    client = Client()
    assert client.get(reverse("teams:session-status")).json() == {
        "signed_in": False,
        "seconds_left": 0,
    }
    assert client.post(reverse("teams:session-extend")).status_code == 401
    assert client.get(reverse("teams:session-extend")).status_code == 405


def test_the_dialog_is_on_signed_in_pages_only() -> None:
    client = signed_in()
    page = client.get(reverse("cases:caseload")).content.decode()
    assert 'id="session-timeout"' in page
    assert f'data-timeout-seconds="{IDLE}"' in page
    assert 'aria-labelledby="session-timeout-title"' in page
    assert "js/session-timeout" in page
    assert 'id="session-timeout"' not in Client().get(reverse("teams:sign-in")).content.decode()


def test_signing_in_rotates_the_session_key() -> None:
    user = UserFactory.create()
    user.set_password("a-long-synthetic-passphrase")
    user.save()
    client = Client()
    client.get(reverse("teams:sign-in"))
    client.session.save()
    before = client.session.session_key
    client.force_login(user)
    assert client.session.session_key != before


def test_signing_out_deletes_the_server_session() -> None:
    user = UserFactory.create()
    client = signed_in(user)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()

    client.post(reverse("teams:sign-out"))

    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=user).exists()


def test_deactivating_a_user_ends_every_one_of_their_sessions_at_once() -> None:
    user = UserFactory.create()
    desk, laptop = signed_in(user), signed_in(user)
    other = signed_in()
    keys = {desk.session.session_key, laptop.session.session_key}
    assert Session.objects.filter(session_key__in=keys).count() == 2

    user.is_active = False
    user.save()

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=user).exists()
    for client in (desk, laptop):
        response = client.get(reverse("cases:caseload"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("teams:sign-in"))
    assert other.get(reverse("cases:caseload")).status_code == 200


def test_ending_sessions_of_a_user_with_none_is_harmless() -> None:
    assert end_all_sessions(UserFactory.create()) == 0
