from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguarding.demo.teams import (
    DEMO_TOTP_KEY_BASE32,
    demo_totp_code,
    demo_totp_key_hex,
    load_demo_teams,
)
from teams.models import Membership, Organisation, Service, Team, User
from teams.roles import Role, ServiceRole

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "services": Service.objects.count(),
        "teams": Team.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "authenticators": TOTPDevice.objects.count(),
    }


def test_loading_twice_gives_the_same_counts() -> None:
    call_command("load_demo_council")
    first = _counts()
    out = io.StringIO()
    call_command("load_demo_council", "--print-logins", stdout=out)
    assert _counts() == first
    assert first["teams"] == 5
    # The login table says how to get the second factor (teams.mfa).
    assert "make demo-code" in out.getvalue()
    assert DEMO_TOTP_KEY_BASE32 in out.getvalue()


def test_every_team_has_the_family_safeguarding_shape() -> None:
    load_demo_teams()
    for team in Team.objects.all():
        roles = set(Membership.objects.filter(team=team).values_list("role", flat=True))
        assert {
            Role.SERVICE_MANAGER,
            Role.TEAM_MANAGER,
            Role.ASSISTANT_TEAM_MANAGER,
            Role.SENIOR_SOCIAL_WORKER,
            Role.SOCIAL_WORKER,
            Role.FAMILY_PRACTITIONER,
            Role.TEAM_STANDARDS_COORDINATOR,
            Role.DOMESTIC_ABUSE_SPECIALIST,
            Role.MENTAL_HEALTH_SPECIALIST,
            Role.SUBSTANCE_USE_SPECIALIST,
        } <= roles, team.name


def test_specialists_are_seconded_and_one_is_shared_by_two_teams() -> None:
    load_demo_teams()
    mental_health = Membership.objects.filter(role=Role.MENTAL_HEALTH_SPECIALIST).select_related(
        "user__employer"
    )
    assert all(m.is_seconded for m in mental_health)
    shared = User.objects.get(email="mh.harbour@demo.example.org")
    assert sorted(shared.memberships.values_list("team__slug", "is_home_team")) == [
        ("harbour", True),
        ("westfield", False),
    ]


def test_people_outside_teams_are_loaded() -> None:
    load_demo_teams()
    assert set(User.objects.exclude(service_role="").values_list("service_role", flat=True)) == set(
        ServiceRole.values
    )


def test_every_demo_login_can_sign_in_with_the_demo_code_and_see_home(client: Client) -> None:
    logins = load_demo_teams()
    verify = reverse("teams:mfa-verify")
    for login in logins:
        response = client.post(
            reverse("teams:sign-in"),
            {"username": login.email, "password": settings.DEMO_PASSWORD},
        )
        assert response["Location"] == f"{verify}?next=%2F", login.email
        response = client.post(verify, {"code": demo_totp_code(), "next": "/"}, follow=True)
        assert response.redirect_chain == [(reverse("home"), 302)], login.email
        assert response.status_code == 200
        assert b"Welcome," in response.content
        client.post(reverse("teams:sign-out"))


def test_every_demo_login_has_the_one_documented_demo_authenticator() -> None:
    logins = load_demo_teams()
    devices = TOTPDevice.objects.filter(user__email__in=[login.email for login in logins])
    assert devices.count() == len(logins)
    assert set(devices.values_list("key", "confirmed")) == {(demo_totp_key_hex(), True)}
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert DEMO_TOTP_KEY_BASE32 in readme
    assert "make demo-code" in readme


def test_demo_totp_prints_the_code_an_authenticator_app_shows() -> None:
    out = io.StringIO()
    before = demo_totp_code()
    call_command("demo_totp", stdout=out)
    after = demo_totp_code()  # the 30-second step may have turned in between
    assert out.getvalue().strip() in {before, after}


@override_settings(ALLOW_DEMO_DATA=False)
def test_demo_totp_refuses_when_demo_data_is_switched_off() -> None:
    with pytest.raises(CommandError, match="Demo data is switched off"):
        call_command("demo_totp")


@override_settings(ALLOW_DEMO_DATA=False)
def test_loader_refuses_when_demo_data_is_switched_off() -> None:
    with pytest.raises(CommandError, match="Demo data is switched off"):
        call_command("load_demo_council")
    assert User.objects.count() == 0


def test_the_demo_workforce_has_vacancies_training_and_observations() -> None:
    from safeguarding.demo.workforce import load_demo_workforce
    from teams.models import PracticeObservation
    from teams.workforce.selectors import follow_ups_due_in_team, workforce_overview

    load_demo_teams()
    added = load_demo_workforce()
    total = workforce_overview(Team.objects.all()).total

    # Mental health is the hardest post to fill: 7.5 planned, 4.0 filled (one shared 0.5/0.5).
    mental_health = total.line(Role.MENTAL_HEALTH_SPECIALIST)
    assert (mental_health.planned, mental_health.filled) == (7.5, 4.0)
    assert mental_health.vacant == max(line.vacant for line in total.lines)
    assert total.line(Role.SOCIAL_WORKER).covered == 1
    # Harbour's embedding sessions are overdue for half the team; Westfield's are due (and the
    # specialist Westfield shares with Harbour shows in both); in Northgate only the family
    # practitioner who missed phase 1's embedding session is overdue.
    states = {
        slug: sorted({row.state for row in follow_ups_due_in_team(Team.objects.get(slug=slug))})
        for slug in ("harbour", "westfield", "northgate")
    }
    assert states == {"harbour": ["due", "overdue"], "westfield": ["due"], "northgate": ["overdue"]}
    assert PracticeObservation.objects.count() >= 6
    assert added > 0
    assert load_demo_workforce() == 0  # idempotent
