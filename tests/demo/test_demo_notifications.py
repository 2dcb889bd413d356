"""The demo council's police notifications (``safeguarding.demo.notifications``): received through the
service the API uses, idempotent, a triage queue with work in it, a police client that works
with its documented secret, and the model's effect visible in the repeat-notification KPI."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from cases.models import ChronologyEvent, ChronologyKind, NotificationStatus, PartnerNotification
from kpis.registry import BY_CODE
from kpis.services import month_start
from safeguarding.demo.families import load_demo_families
from safeguarding.demo.notifications import (
    DEMO_POLICE_CLIENT_ID,
    LAUNCH_MONTHS_AGO,
    demo_police_secret,
    load_demo_partner_notifications,
)
from safeguarding.demo.teams import load_demo_teams
from teams.models import Organisation, PartnerClient, Team

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Loaded:
    first: int
    second: int
    before_launch: Decimal
    after_launch: Decimal


def _repeats(first_month: object, months: int) -> Decimal:
    kpi = BY_CODE["da_repeat_notifications"]
    total = Decimal(0)
    for n in range(months):
        start = first_month + relativedelta(months=n)  # type: ignore[operator]
        end = start + relativedelta(months=1, days=-1)
        total += kpi.calculate(period_start=start, period_end=end, team_id=None).numerator
    return total


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    with django_db_blocker.unblock(), transaction.atomic():
        importlib.import_module("cases.migrations.0002_seed_reference_codes").seed(apps, None)
        load_demo_teams()
        load_demo_families()
        first = load_demo_partner_notifications()
        second = load_demo_partner_notifications()
        launch = month_start(timezone.localdate()) - relativedelta(months=LAUNCH_MONTHS_AGO)
        # The 11 whole months before the launch month against the 11 after it (the month of
        # the launch and the current, partial month are left out of both).
        before = _repeats(launch - relativedelta(months=11), 11)
        after = _repeats(launch + relativedelta(months=1), 11)
        yield Loaded(first, second, before, after)
        transaction.set_rollback(True)


def test_a_second_load_adds_nothing(loaded: Loaded) -> None:
    assert loaded.first == PartnerNotification.objects.count() > 50
    assert loaded.second == 0


def test_almost_every_notification_is_matched_and_two_wait_for_triage(loaded: Loaded) -> None:
    waiting = PartnerNotification.objects.filter(status=NotificationStatus.AWAITING_TRIAGE)
    assert waiting.count() == 2
    matched = PartnerNotification.objects.filter(status=NotificationStatus.MATCHED)
    assert matched.count() == loaded.first - 2
    # Each matched one is on its family's chronology, significant, once.
    events = ChronologyEvent.objects.filter(
        kind=ChronologyKind.PARTNER_NOTIFICATION, significant=True
    )
    assert events.count() == matched.count()


def test_repeat_notifications_fall_after_the_model_launches(loaded: Loaded) -> None:
    assert loaded.before_launch > 0
    # Visibly fewer: at most half as many repeats in the year after the launch.
    assert loaded.after_launch * 2 <= loaded.before_launch, (
        loaded.before_launch,
        loaded.after_launch,
    )


def test_agreements_and_team_contacts_are_set(loaded: Loaded) -> None:
    police = Organisation.objects.get(kind="police_force")
    assert set(police.agreed_scopes) == {"notifications:write", "child-status:read", "kpis:read"}
    nhs = Organisation.objects.get(kind="nhs_trust")
    assert set(nhs.agreed_scopes) == {"child-status:read", "kpis:read"}
    assert not Team.objects.filter(contact_email="").exists()


def test_the_police_client_gets_a_token_with_its_documented_secret(loaded: Loaded) -> None:
    assert PartnerClient.objects.count() == 1
    response = Client().post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": DEMO_POLICE_CLIENT_ID,
            "client_secret": demo_police_secret(),
        },
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == 600
