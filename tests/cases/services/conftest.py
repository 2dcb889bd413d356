"""Helpers shared by the service tests of several ``cases.services`` modules."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import ChildStatus, StatusKind
from cases.services import PersonDetails, child_status_start
from tests.cases.conftest import Scenario, after_referral

NEGLECT = "NEG"


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _details(given: str, family: str, born: dt.date | None, **extra: object) -> PersonDetails:
    return PersonDetails(given_name=given, family_name=family, date_of_birth=born, **extra)  # type: ignore[arg-type]


def _start_cp_plan(scenario: Scenario, start: dt.date | None = None) -> ChildStatus:
    return child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CP_PLAN,
        start_date=start or after_referral(weeks=9),
        cp_category=NEGLECT,
    )
