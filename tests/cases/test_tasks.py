"""Notification emails carry a link, never case details (email leaves the council)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from cases.services import access_grant_request, allocation_start
from cases.tasks import notify_emergency_access
from teams.models import Notification, NotificationEmail, NotificationKind
from teams.roles import Role
from teams.tasks import send_notification_email
from tests.factories import MembershipFactory, TeamFactory

from .conftest import Scenario

pytestmark = pytest.mark.django_db

SITE = "https://safeguarding.example.org"


def _no_case_details(body: str, scenario: Scenario) -> None:
    for person in (scenario.mother, scenario.father, scenario.older_child, scenario.younger_child):
        assert person.given_name not in body
        assert person.family_name not in body
    assert scenario.case.family.reference not in body
    assert scenario.case.family.name not in body


@override_settings(SITE_URL=SITE)
def test_allocation_email_links_to_the_notification_and_says_nothing_else(
    scenario: Scenario,
) -> None:
    allocation_start(actor=scenario.manager, case=scenario.case, worker=scenario.social_worker)
    [told] = Notification.objects.filter(
        user=scenario.social_worker, kind=NotificationKind.ALLOCATED
    )
    mail.outbox.clear()

    sent = send_notification_email(told.pk)

    assert sent is True
    assert told.url == f"/families/{scenario.case.family_id}/"
    [message] = mail.outbox
    assert message.to == [scenario.social_worker.email]
    assert f"{SITE}/notifications/{told.pk}/open/" in message.body
    _no_case_details(f"{message.subject} {message.body}", scenario)


def test_allocation_email_for_a_deleted_or_inactive_worker_is_skipped(scenario: Scenario) -> None:
    allocation_start(actor=scenario.manager, case=scenario.case, worker=scenario.social_worker)
    [told] = Notification.objects.filter(
        user=scenario.social_worker, kind=NotificationKind.ALLOCATED
    )
    scenario.social_worker.is_active = False
    scenario.social_worker.save()
    mail.outbox.clear()

    assert send_notification_email(told.pk) is False
    assert send_notification_email(999_999_999) is False
    assert mail.outbox == []


@override_settings(SITE_URL=SITE)
def test_emergency_access_tells_the_owning_teams_managers_with_a_link_only(
    scenario: Scenario,
) -> None:
    outsider = MembershipFactory.create(team=TeamFactory.create(), role=Role.SOCIAL_WORKER).user
    grant = access_grant_request(
        actor=outsider,
        case=scenario.case,
        reason="Police called out of hours about the younger child",
    )
    mail.outbox.clear()

    told = notify_emergency_access(grant.pk)
    again = notify_emergency_access(grant.pk)

    assert (told, again) == (1, 0)
    [notification] = Notification.objects.filter(kind=NotificationKind.EMERGENCY_ACCESS)
    assert notification.user == scenario.manager
    assert notification.url == "/emergency-access/review/"
    assert scenario.case.family.reference in notification.message
    assert "Police called" not in notification.message
    send_notification_email(notification.pk)
    [message] = mail.outbox
    assert message.to == [scenario.manager.email]
    assert f"{SITE}/notifications/{notification.pk}/open/" in message.body
    assert "Police called" not in message.body
    _no_case_details(f"{message.subject} {message.body}", scenario)


def test_emergency_access_goes_to_a_managers_daily_digest_when_they_chose_one(
    scenario: Scenario,
) -> None:
    """Every message goes through ``notify``, so a manager's email preference holds for
    emergency access too (it used to be emailed straight away whatever they chose)."""
    scenario.manager.notification_email = NotificationEmail.DAILY_DIGEST
    scenario.manager.save(update_fields=["notification_email"])
    outsider = MembershipFactory.create(team=TeamFactory.create(), role=Role.SOCIAL_WORKER).user
    grant = access_grant_request(
        actor=outsider, case=scenario.case, reason="Police called out of hours about the child"
    )
    mail.outbox.clear()

    notify_emergency_access(grant.pk)

    assert mail.outbox == []
    assert Notification.objects.filter(
        user=scenario.manager, kind=NotificationKind.EMERGENCY_ACCESS, emailed_at__isnull=True
    ).exists()
