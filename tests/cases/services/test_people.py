"""Recording people (``cases.services.people``), exercised through the services a view would call:
names, birth dates, NHS numbers and possible duplicates.

Most tests start from ``scenario`` (tests/cases/conftest.py): the Hughes family, referred by
the police on a Monday a year ago to a team with a manager, two social workers and a domestic
abuse specialist. Dates that services refuse when in the future are days of the story counted
from the referral (``after_referral``); dates that must be in the future are counted from today.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import HouseholdRole, Person
from cases.services import DuplicatePersonError, family_member_add, person_create, person_update
from cases.validators import synthetic_nhs_number
from teams.models import User
from tests.cases.conftest import MOTHER_NHS_NUMBER, REFERRAL_DATE, Scenario, after_referral
from tests.cases.services.conftest import _details, _tomorrow

pytestmark = pytest.mark.django_db


# --- person_create -----------------------------------------------------------------------------


def test_a_person_needs_a_first_and_last_name(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        person_create(actor=scenario.lead, details=_details("  ", "", dt.date(2019, 1, 1)))

    assert excinfo.value.message_dict == {
        "given_name": ["Enter the person's first name"],
        "family_name": ["Enter the person's last name"],
    }


def test_a_date_of_birth_in_the_future_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        person_create(actor=scenario.lead, details=_details("Baby", "Hughes", _tomorrow()))

    assert excinfo.value.message_dict == {
        "date_of_birth": [
            "Date of birth must be today or in the past. For an unborn child, enter the expected date of birth"
        ]
    }


def test_an_unborn_child_is_recorded_with_an_expected_date_of_birth(scenario: Scenario) -> None:
    expected = timezone.localdate() + dt.timedelta(days=90)

    person = person_create(
        actor=scenario.lead,
        details=_details("Baby", "Hughes", None, expected_date_of_birth=expected),
    )

    person.refresh_from_db()
    assert person.is_unborn
    assert person.expected_date_of_birth == expected
    assert person.date_of_birth is None


def test_a_date_of_birth_and_an_expected_date_together_are_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        person_create(
            actor=scenario.lead,
            details=_details(
                "Baby",
                "Hughes",
                REFERRAL_DATE - dt.timedelta(days=183),
                expected_date_of_birth=timezone.localdate() + dt.timedelta(days=90),
            ),
        )

    assert excinfo.value.message_dict == {
        "expected_date_of_birth": ["Enter a date of birth or an expected date of birth, not both"]
    }


def test_a_person_without_any_birth_date_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        person_create(actor=scenario.lead, details=_details("Baby", "Hughes", None))

    assert excinfo.value.message_dict == {
        "date_of_birth": ["Enter a date of birth, or an expected date of birth for an unborn child"]
    }


def test_an_nhs_number_with_the_wrong_check_digit_is_refused(scenario: Scenario) -> None:
    # 943 476 5919 is valid (check digit 9), so a last digit of 8 fails the modulus 11 check.
    with pytest.raises(ValidationError) as excinfo:
        person_create(
            actor=scenario.lead,
            details=_details("Tom", "Price", dt.date(1979, 2, 2), nhs_number="943 476 5918"),
        )

    assert excinfo.value.message_dict == {
        "nhs_number": [
            "Enter a valid NHS number: the last digit does not match. Check it against the letter or record you have"
        ]
    }


def test_a_valid_nhs_number_is_stored_without_spaces(scenario: Scenario) -> None:
    digits = synthetic_nhs_number(random.Random(7))
    typed = f"{digits[:3]} {digits[3:6]} {digits[6:]}"

    person = person_create(
        actor=scenario.lead, details=_details("Tom", "Price", dt.date(1979, 2, 2), nhs_number=typed)
    )

    person.refresh_from_db()
    assert person.nhs_number == digits
    assert " " not in person.nhs_number


def test_an_nhs_number_already_recorded_blocks_and_offers_the_existing_record(
    scenario: Scenario,
) -> None:
    typed = f"{MOTHER_NHS_NUMBER[:3]} {MOTHER_NHS_NUMBER[3:6]} {MOTHER_NHS_NUMBER[6:]}"

    with pytest.raises(DuplicatePersonError) as excinfo:
        person_create(
            actor=scenario.lead,
            details=_details("Sara", "Hewes", dt.date(1991, 1, 1), nhs_number=typed),
        )

    assert excinfo.value.blocking is True
    assert excinfo.value.candidates == [scenario.mother]
    assert excinfo.value.messages == [
        "A person with this NHS number is already recorded. Use their record instead of creating a new one"
    ]
    assert not Person.objects.filter(given_name="Sara", family_name="Hewes").exists()


def test_an_nhs_number_recorded_in_a_family_the_actor_cannot_see_blocks_without_naming_them(
    scenario: Scenario, outsider: User
) -> None:
    with pytest.raises(DuplicatePersonError) as excinfo:
        person_create(
            actor=outsider,
            details=_details("Sara", "Hewes", dt.date(1991, 1, 1), nhs_number=MOTHER_NHS_NUMBER),
        )

    message = excinfo.value.messages[0]
    assert excinfo.value.blocking is True
    assert excinfo.value.candidates == []
    assert message == (
        "A person with this NHS number is already recorded in a family you cannot see. "
        "Ask your team manager to check before you go on"
    )
    assert "Sarah" not in message
    assert "Hughes" not in message


@pytest.mark.parametrize(
    ("given", "family"), [("Jon", "Smyth"), ("Jon", "Smith"), ("John", "Smyth")]
)
def test_a_similar_name_with_the_same_date_of_birth_warns_with_the_possible_match(
    scenario: Scenario, given: str, family: str
) -> None:
    john = person_create(
        actor=scenario.lead, details=_details("John", "Smith", dt.date(1985, 4, 12))
    )
    family_member_add(
        actor=scenario.lead,
        case=scenario.case,
        person=john,
        household_role=HouseholdRole.OTHER_ADULT,
    )

    with pytest.raises(DuplicatePersonError) as excinfo:
        person_create(actor=scenario.lead, details=_details(given, family, dt.date(1985, 4, 12)))

    assert excinfo.value.blocking is False
    assert excinfo.value.candidates == [john]
    assert excinfo.value.messages == [
        "There may already be a record for this person. Check the people listed, then use their record or confirm this is someone new"
    ]


def test_a_different_name_with_the_same_date_of_birth_is_not_a_possible_duplicate(
    scenario: Scenario,
) -> None:
    john = person_create(
        actor=scenario.lead, details=_details("John", "Smith", dt.date(1985, 4, 12))
    )
    family_member_add(
        actor=scenario.lead,
        case=scenario.case,
        person=john,
        household_role=HouseholdRole.OTHER_ADULT,
    )

    created = person_create(
        actor=scenario.lead, details=_details("Priya", "Patel", dt.date(1985, 4, 12))
    )

    assert created.full_name == "Priya Patel"


def test_a_possible_duplicate_the_actor_cannot_see_is_not_offered(
    scenario: Scenario, outsider: User
) -> None:
    john = person_create(
        actor=scenario.lead, details=_details("John", "Smith", dt.date(1985, 4, 12))
    )
    family_member_add(
        actor=scenario.lead,
        case=scenario.case,
        person=john,
        household_role=HouseholdRole.OTHER_ADULT,
    )

    created = person_create(actor=outsider, details=_details("Jon", "Smith", dt.date(1985, 4, 12)))

    assert created.pk != john.pk
    assert created.full_name == "Jon Smith"


def test_confirming_a_new_person_creates_them_despite_a_similar_name(scenario: Scenario) -> None:
    john = person_create(
        actor=scenario.lead, details=_details("John", "Smith", dt.date(1985, 4, 12))
    )
    family_member_add(
        actor=scenario.lead,
        case=scenario.case,
        person=john,
        household_role=HouseholdRole.OTHER_ADULT,
    )

    created = person_create(
        actor=scenario.lead,
        details=_details("Jon", "Smith", dt.date(1985, 4, 12)),
        confirmed_new=True,
    )

    assert created.full_name == "Jon Smith"
    assert created.pk != john.pk


# --- person_update -----------------------------------------------------------------------------


def test_updating_a_person_changes_their_details(scenario: Scenario) -> None:
    person_update(
        actor=scenario.lead,
        person=scenario.father,
        details=_details(" Dan ", "Hughes-Barker", dt.date(1988, 7, 2)),
        deceased_date=after_referral(weeks=12, days=6),
    )

    scenario.father.refresh_from_db()
    assert scenario.father.full_name == "Dan Hughes-Barker"
    assert scenario.father.deceased_date == after_referral(weeks=12, days=6)


def test_a_date_of_death_before_the_date_of_birth_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        person_update(
            actor=scenario.lead,
            person=scenario.father,
            details=_details("Daniel", "Hughes", dt.date(1988, 7, 2)),
            deceased_date=dt.date(1988, 7, 1),
        )

    assert excinfo.value.message_dict == {
        "deceased_date": ["Date of death must be on or after the date of birth"]
    }
    scenario.father.refresh_from_db()
    assert scenario.father.deceased_date is None


def test_updating_to_another_persons_nhs_number_is_blocked(scenario: Scenario) -> None:
    with pytest.raises(DuplicatePersonError) as excinfo:
        person_update(
            actor=scenario.lead,
            person=scenario.father,
            details=_details("Daniel", "Hughes", dt.date(1988, 7, 2), nhs_number=MOTHER_NHS_NUMBER),
        )

    assert excinfo.value.blocking is True
    assert excinfo.value.candidates == [scenario.mother]
