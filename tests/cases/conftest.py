"""A Family Safeguarding team with one family referred to it, built through the services."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cases.models import Case, Family, HouseholdRole, Person, ReferenceCode, Sex
from cases.reference_data import CENSUS_YEAR_START, CODE_LISTS
from cases.services import AddressDetails, MemberSpec, PersonDetails, person_create, referral_record
from cases.validators import synthetic_nhs_number
from teams.models import Team, User
from teams.roles import Role
from tests.factories import MembershipFactory, TeamFactory


def _monday_weeks_back(weeks: int) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(weeks=weeks, days=today.weekday())


# A Monday a year before the day the tests run, so every later step of the story (half a year
# of it) is dated in the past whatever the date, on the weekday it was written for.
REFERRAL_DATE = _monday_weeks_back(52)


def after_referral(*, weeks: int = 0, days: int = 0) -> dt.date:
    """The day ``weeks`` and ``days`` after the referral: a date in the family's story."""
    return REFERRAL_DATE + dt.timedelta(weeks=weeks, days=days)


POLICE = "6"  # CIN census referral source code
MOTHER_NHS_NUMBER = synthetic_nhs_number(random.Random(1))


@dataclass(frozen=True)
class Scenario:
    team: Team
    manager: User
    lead: User
    social_worker: User
    da_specialist: User
    mother: Person
    father: Person
    older_child: Person
    younger_child: Person
    case: Case

    @property
    def family(self) -> Family:
        return self.case.family


def _person(actor: User, given: str, family: str, born: dt.date, nhs_number: str = "") -> Person:
    return person_create(
        actor=actor,
        details=PersonDetails(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=Sex.UNKNOWN,
            nhs_number=nhs_number,
        ),
    )


@pytest.fixture
def reference_codes(db: None) -> None:
    """The national code lists, as the 0002 data migration seeds them.

    A transactional test (the Celery worker tests) flushes every table when it ends, and with
    ``--reuse-db`` the next run starts without the seeded codes, so services would refuse every
    referral source. Seeding here, idempotently, keeps these tests independent of run order.
    """
    ReferenceCode.objects.bulk_create(
        [
            ReferenceCode(
                code_list=code_list,
                code=code,
                label=label,
                valid_from=CENSUS_YEAR_START,
                sort_order=order,
            )
            for code_list, codes in CODE_LISTS.items()
            for order, (code, label) in enumerate(codes)
        ],
        ignore_conflicts=True,
    )


@pytest.fixture
def scenario(reference_codes: None) -> Scenario:
    team = TeamFactory.create()
    manager = MembershipFactory.create(team=team, role=Role.TEAM_MANAGER).user
    lead = MembershipFactory.create(team=team, role=Role.SOCIAL_WORKER).user
    social_worker = MembershipFactory.create(team=team, role=Role.SOCIAL_WORKER).user
    da_specialist = MembershipFactory.create(team=team, role=Role.DOMESTIC_ABUSE_SPECIALIST).user
    mother = _person(manager, "Sarah", "Hughes", dt.date(1990, 3, 14), MOTHER_NHS_NUMBER)
    father = _person(manager, "Daniel", "Hughes", dt.date(1988, 7, 2))
    older_child = _person(manager, "Amy", "Hughes", dt.date(2016, 5, 20))
    younger_child = _person(manager, "Leo", "Hughes", dt.date(2020, 9, 9))
    case = referral_record(
        actor=manager,
        team=team,
        family_name="The Hughes family",
        address=AddressDetails(
            address_line_1="1 Test Street", town="Testington", postcode="te1 1st"
        ),
        members=[
            MemberSpec(mother, HouseholdRole.PARENT),
            MemberSpec(father, HouseholdRole.PARENT),
            MemberSpec(older_child, HouseholdRole.CHILD),
            MemberSpec(younger_child, HouseholdRole.CHILD),
        ],
        referral_date=REFERRAL_DATE,
        referral_source=POLICE,
        lead_social_worker=lead,
    )
    return Scenario(
        team=team,
        manager=manager,
        lead=lead,
        social_worker=social_worker,
        da_specialist=da_specialist,
        mother=mother,
        father=father,
        older_child=older_child,
        younger_child=younger_child,
        case=case,
    )


@pytest.fixture
def outsider(db: None) -> User:
    """A social worker in a team of a different service: no relationship with the family."""
    return MembershipFactory.create(role=Role.SOCIAL_WORKER).user
