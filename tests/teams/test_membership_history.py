"""Memberships and a user's service role decide who sees children's records (DESIGN §5), so
every change to them is kept in the change history (django-pghistory) with the user who made
it: through the services, and through the admin pages, which save through the same services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teams.models import Membership, User
from teams.roles import Discipline, Role, ServiceRole
from teams.services import membership_end, membership_start, user_update
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _history(model: str, obj: Any) -> list[tuple[str, int | None]]:
    """(label, acting user) of each change to ``obj``, oldest first."""
    event = apps.get_model("teams", f"{model}Event")
    return [
        (row.pgh_label, row.pgh_context.metadata.get("user") if row.pgh_context else None)
        for row in event.objects.select_related("pgh_context")
        .filter(pgh_obj=obj)
        .order_by("pgh_id")
    ]


@pytest.fixture
def manager() -> User:
    return MembershipFactory.create(role=Role.SERVICE_MANAGER).user


@pytest.fixture
def admin_client() -> tuple[Client, User]:
    admin = UserFactory.create(
        is_staff=True, is_superuser=True, service_role=ServiceRole.SYSTEM_ADMIN
    )
    client = Client()
    client.force_login(admin)
    return client, admin


# --- through the services -------------------------------------------------------------------


def test_a_membership_started_and_ended_through_the_services_names_who_did_it(
    manager: User,
) -> None:
    worker = UserFactory.create()
    team = TeamFactory.create()

    membership = membership_start(
        actor=manager,
        user=worker,
        team=team,
        role=Role.SOCIAL_WORKER,
        start_date=dt.date(2025, 4, 1),
    )
    membership_end(actor=manager, membership=membership, end_date=dt.date(2025, 9, 30))

    assert _history("Membership", membership) == [("insert", manager.pk), ("update", manager.pk)]
    ended = apps.get_model("teams", "MembershipEvent").objects.filter(pgh_obj=membership).last()
    assert (ended.role, ended.end_date) == (Role.SOCIAL_WORKER, dt.date(2025, 9, 30))


def test_a_change_of_service_role_names_who_made_it_and_nothing_else_is_copied(
    manager: User,
) -> None:
    reviewer = UserFactory.create()
    event = apps.get_model("teams", "UserEvent")

    user_update(
        actor=manager,
        user=reviewer,
        email=reviewer.email,
        given_name=reviewer.given_name,
        family_name=reviewer.family_name,
        job_title="Conference chair",
        employer=reviewer.employer,
        service_role=ServiceRole.INDEPENDENT_REVIEWING_OFFICER,
        is_active=True,
        is_staff=False,
        is_superuser=False,
    )
    reviewer.set_password("another-long-synthetic-passphrase")
    reviewer.last_login = timezone.now()
    reviewer.save()

    assert _history("User", reviewer) == [("insert", None), ("update", manager.pk)]
    assert event.objects.filter(pgh_obj=reviewer).last().service_role == (
        ServiceRole.INDEPENDENT_REVIEWING_OFFICER
    )
    assert {f.name for f in event._meta.fields} & {"password", "last_login", "email"} == set()


# --- through the admin ----------------------------------------------------------------------


def test_a_membership_added_in_the_admin_names_the_administrator(
    admin_client: tuple[Client, User],
) -> None:
    client, admin = admin_client
    worker = UserFactory.create()
    team = TeamFactory.create()

    response = client.post(
        reverse("admin:teams_membership_add"),
        {
            "user": worker.pk,
            "team": team.pk,
            "role": Role.DOMESTIC_ABUSE_SPECIALIST,
            "discipline": Discipline.DOMESTIC_ABUSE,
            "domestic_abuse_focus": "victim",
            "start_date": "2025-04-01",
            "is_home_team": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=worker, team=team)
    assert (membership.role, membership.domestic_abuse_focus) == (
        Role.DOMESTIC_ABUSE_SPECIALIST,
        "victim",
    )
    assert _history("Membership", membership) == [("insert", admin.pk)]


def test_a_membership_ended_in_the_admin_names_the_administrator(
    admin_client: tuple[Client, User],
) -> None:
    client, admin = admin_client
    membership = MembershipFactory.create(role=Role.SOCIAL_WORKER)

    response = client.post(
        reverse("admin:teams_membership_change", args=[membership.pk]),
        {"end_date": "2025-09-30", "fte": "1.00", "employer": "", "_save": "Save"},
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == dt.date(2025, 9, 30)
    assert _history("Membership", membership) == [("insert", None), ("update", admin.pk)]


def test_the_admin_shows_the_services_refusal_and_saves_nothing(
    admin_client: tuple[Client, User],
) -> None:
    """Leaving next month is still a member: a second membership of the same team is refused
    by ``membership_start``, whose message the admin form shows."""
    client, _ = admin_client
    today = timezone.localdate()
    current = MembershipFactory.create(end_date=today + dt.timedelta(days=30))
    # As after a restart: the page then looks its content type up while it is built.
    ContentType.objects.clear_cache()

    response = client.post(
        reverse("admin:teams_membership_add"),
        {
            "user": current.user_id,
            "team": current.team_id,
            "role": Role.SOCIAL_WORKER,
            "discipline": Discipline.SOCIAL_WORK,
            "domestic_abuse_focus": "",
            "start_date": today.isoformat(),
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert "is already a member of" in response.content.decode()
    assert Membership.objects.filter(user=current.user).count() == 1


def test_who_what_and_when_a_membership_started_cannot_be_edited_or_deleted_in_the_admin(
    admin_client: tuple[Client, User],
) -> None:
    client, _ = admin_client
    membership = MembershipFactory.create(role=Role.SOCIAL_WORKER)
    other_team = TeamFactory.create()

    client.post(
        reverse("admin:teams_membership_change", args=[membership.pk]),
        {"team": other_team.pk, "role": Role.TEAM_MANAGER, "fte": "1.00", "_save": "Save"},
    )
    deleting = client.post(
        reverse("admin:teams_membership_delete", args=[membership.pk]), {"post": "yes"}
    )

    team_id = membership.team_id
    membership.refresh_from_db()
    assert (membership.team_id, membership.role) == (team_id, Role.SOCIAL_WORKER)
    assert deleting.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_service_role_changed_in_the_admin_names_the_administrator(
    admin_client: tuple[Client, User],
) -> None:
    client, admin = admin_client
    user = UserFactory.create()

    response = client.post(
        reverse("admin:teams_user_change", args=[user.pk]),
        {
            "email": user.email,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "job_title": user.job_title,
            "employer": user.employer_id,
            "service_role": ServiceRole.AUDITOR,
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.service_role == ServiceRole.AUDITOR
    assert _history("User", user) == [("insert", None), ("update", admin.pk)]


def test_a_user_added_in_the_admin_names_the_administrator(
    admin_client: tuple[Client, User],
) -> None:
    client, admin = admin_client

    response = client.post(
        reverse("admin:teams_user_add"),
        {
            "email": "New.Starter@test.example.org",
            "given_name": "Wendeline",
            "family_name": "Quorrick",
            "password1": "a-long-synthetic-passphrase",
            "password2": "a-long-synthetic-passphrase",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.starter@test.example.org")
    assert user.check_password("a-long-synthetic-passphrase")
    assert _history("User", user) == [("insert", admin.pk)]
