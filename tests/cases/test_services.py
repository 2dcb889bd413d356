"""Every write to a family's record, exercised through the services a view would call.

Most tests start from ``scenario`` (tests/cases/conftest.py): the Hughes family, referred by
the police on Monday 1 December 2025 to a team with a manager, two social workers and a
domestic abuse specialist. Dates that services refuse when in the future are fixed dates
before today; dates that must be in the future are counted from today.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.utils import ProgrammingError
from django.utils import timezone

from cases.models import (
    AccessAction,
    AccessBasis,
    AccessEvent,
    AccessGrant,
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    ChronologyEvent,
    ChronologyKind,
    Family,
    FamilyMember,
    HouseholdRole,
    Person,
    RecordType,
    Relationship,
    RelationshipKind,
    StatusKind,
    WarningKind,
)
from cases.services import (
    AddressDetails,
    DuplicatePersonError,
    MemberSpec,
    PersonDetails,
    access_event_record,
    access_grant_request,
    access_grant_review,
    access_grant_revoke,
    allocation_end,
    allocation_start,
    case_close,
    case_reopen,
    case_share,
    case_transfer,
    case_unshare,
    child_status_end,
    child_status_record_visit,
    child_status_start,
    child_status_update,
    family_member_add,
    family_member_end,
    person_create,
    person_update,
    referral_record,
    relationship_add,
    warning_add,
    warning_end,
)
from cases.validators import synthetic_nhs_number
from teams.models import User
from teams.roles import Role, ServiceRole
from tests.cases.conftest import MOTHER_NHS_NUMBER, POLICE, REFERRAL_DATE, Scenario
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NO_FURTHER_ACTION = "RC8"  # closure reason: case closed after assessment, no further action
NEGLECT = "NEG"
PHYSICAL_ABUSE = "PHY"
INTERIM_CARE_ORDER = "C1"
GOOD_REASON = "Child presented at A&E out of hours; checking for a protection plan."


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _details(given: str, family: str, born: dt.date | None, **extra: object) -> PersonDetails:
    return PersonDetails(given_name=given, family_name=family, date_of_birth=born, **extra)  # type: ignore[arg-type]


def _refer_restricted_family(scenario: Scenario) -> Case:
    child = person_create(
        actor=scenario.manager, details=_details("Mia", "Okafor", dt.date(2018, 4, 3))
    )
    return referral_record(
        actor=scenario.manager,
        team=scenario.team,
        family_name="The Okafor family",
        address=AddressDetails(),
        members=[MemberSpec(child, HouseholdRole.CHILD)],
        referral_date=dt.date(2026, 1, 12),
        referral_source=POLICE,
        lead_social_worker=scenario.lead,
        restricted=True,
    )


def _start_cp_plan(scenario: Scenario, start: dt.date = dt.date(2026, 2, 2)) -> ChildStatus:
    return child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CP_PLAN,
        start_date=start,
        cp_category=NEGLECT,
    )


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
                dt.date(2025, 6, 1),
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
        deceased_date=dt.date(2026, 3, 1),
    )

    scenario.father.refresh_from_db()
    assert scenario.father.full_name == "Dan Hughes-Barker"
    assert scenario.father.deceased_date == dt.date(2026, 3, 1)


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


# --- referral_record ---------------------------------------------------------------------------


def test_a_referral_opens_a_case_for_a_new_family(scenario: Scenario) -> None:
    case = scenario.case
    family = Family.objects.get(pk=case.family_id)

    assert family.name == "The Hughes family"
    assert family.owning_team == scenario.team
    assert family.postcode == "TE1 1ST"
    assert sorted(
        FamilyMember.objects.filter(family=family).values_list(
            "person__given_name", "household_role", "start_date"
        )
    ) == [
        ("Amy", HouseholdRole.CHILD, REFERRAL_DATE),
        ("Daniel", HouseholdRole.PARENT, REFERRAL_DATE),
        ("Leo", HouseholdRole.CHILD, REFERRAL_DATE),
        ("Sarah", HouseholdRole.PARENT, REFERRAL_DATE),
    ]
    assert case.status == CaseStatus.OPEN
    assert case.referral_date == REFERRAL_DATE
    assert case.referral_source == POLICE
    assert case.lead_social_worker == scenario.lead


def test_a_referral_writes_a_significant_referral_line_to_the_chronology(
    scenario: Scenario,
) -> None:
    event = ChronologyEvent.objects.get(case=scenario.case, kind=ChronologyKind.REFERRAL)

    assert event.summary == f"Referral received from Police. Case opened in {scenario.team.name}."
    assert event.significant is True
    assert timezone.localtime(event.occurred_at).date() == REFERRAL_DATE
    assert event.recorded_by == scenario.manager


def test_a_referral_allocates_the_lead_social_worker_from_the_referral_date(
    scenario: Scenario,
) -> None:
    allocation = Allocation.objects.get(case=scenario.case)

    assert allocation.worker == scenario.lead
    assert allocation.start_date == REFERRAL_DATE
    assert allocation.end_date is None
    assert allocation.discipline == "social_work"
    assert ChronologyEvent.objects.filter(
        case=scenario.case,
        kind=ChronologyKind.ALLOCATION,
        summary=f"{scenario.lead.get_full_name()} (social worker) allocated.",
    ).exists()


def test_a_referral_dated_in_the_future_is_refused(scenario: Scenario) -> None:
    child = person_create(
        actor=scenario.manager, details=_details("Mia", "Okafor", dt.date(2018, 4, 3))
    )

    with pytest.raises(ValidationError) as excinfo:
        referral_record(
            actor=scenario.manager,
            team=scenario.team,
            family_name="The Okafor family",
            address=AddressDetails(),
            members=[MemberSpec(child, HouseholdRole.CHILD)],
            referral_date=_tomorrow(),
            referral_source=POLICE,
            lead_social_worker=scenario.lead,
        )

    assert excinfo.value.message_dict == {
        "referral_date": ["Referral date must be today or in the past"]
    }
    assert list(Family.objects.filter(owning_team=scenario.team)) == [scenario.family]


def test_a_referral_without_a_child_is_refused(scenario: Scenario) -> None:
    adult = person_create(
        actor=scenario.manager, details=_details("Grace", "Okafor", dt.date(1990, 1, 9))
    )

    with pytest.raises(ValidationError) as excinfo:
        referral_record(
            actor=scenario.manager,
            team=scenario.team,
            family_name="The Okafor family",
            address=AddressDetails(),
            members=[MemberSpec(adult, HouseholdRole.PARENT)],
            referral_date=dt.date(2026, 1, 12),
            referral_source=POLICE,
            lead_social_worker=scenario.lead,
        )

    assert excinfo.value.message_dict == {"members": ["Add at least one child to the family"]}


def test_a_referral_from_an_unknown_source_is_refused(scenario: Scenario) -> None:
    child = person_create(
        actor=scenario.manager, details=_details("Mia", "Okafor", dt.date(2018, 4, 3))
    )

    with pytest.raises(ValidationError) as excinfo:
        referral_record(
            actor=scenario.manager,
            team=scenario.team,
            family_name="The Okafor family",
            address=AddressDetails(),
            members=[MemberSpec(child, HouseholdRole.CHILD)],
            referral_date=dt.date(2026, 1, 12),
            referral_source="99",
            lead_social_worker=scenario.lead,
        )

    assert excinfo.value.message_dict == {
        "referral_source": ["Select where the referral came from"]
    }


def test_a_lead_from_another_team_is_refused(scenario: Scenario, outsider: User) -> None:
    child = person_create(
        actor=scenario.manager, details=_details("Mia", "Okafor", dt.date(2018, 4, 3))
    )

    with pytest.raises(ValidationError) as excinfo:
        referral_record(
            actor=scenario.manager,
            team=scenario.team,
            family_name="The Okafor family",
            address=AddressDetails(),
            members=[MemberSpec(child, HouseholdRole.CHILD)],
            referral_date=dt.date(2026, 1, 12),
            referral_source=POLICE,
            lead_social_worker=outsider,
        )

    assert excinfo.value.message_dict == {
        "lead_social_worker": [f"Choose a social worker in {scenario.team.name}"]
    }


def test_a_domestic_abuse_specialist_cannot_lead_a_case(scenario: Scenario) -> None:
    child = person_create(
        actor=scenario.manager, details=_details("Mia", "Okafor", dt.date(2018, 4, 3))
    )

    with pytest.raises(ValidationError) as excinfo:
        referral_record(
            actor=scenario.manager,
            team=scenario.team,
            family_name="The Okafor family",
            address=AddressDetails(),
            members=[MemberSpec(child, HouseholdRole.CHILD)],
            referral_date=dt.date(2026, 1, 12),
            referral_source=POLICE,
            lead_social_worker=scenario.da_specialist,
        )

    assert excinfo.value.message_dict == {
        "lead_social_worker": [f"Choose a social worker in {scenario.team.name}"]
    }


def test_a_second_open_case_for_the_same_family_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        referral_record(
            actor=scenario.manager,
            team=scenario.team,
            family_name="",
            address=AddressDetails(),
            members=[],
            referral_date=dt.date(2026, 1, 12),
            referral_source=POLICE,
            lead_social_worker=scenario.lead,
            family=scenario.family,
        )

    assert excinfo.value.messages == [
        "This family already has an open case. Record the new information on it"
    ]
    assert Case.objects.filter(family=scenario.family).count() == 1


def test_a_new_referral_opens_a_new_case_for_a_family_whose_case_closed(scenario: Scenario) -> None:
    case_close(
        actor=scenario.manager,
        case=scenario.case,
        closed_date=dt.date(2026, 1, 30),
        closure_reason=NO_FURTHER_ACTION,
    )

    second = referral_record(
        actor=scenario.manager,
        team=scenario.team,
        family_name="",
        address=AddressDetails(),
        members=[],
        referral_date=dt.date(2026, 5, 11),
        referral_source=POLICE,
        lead_social_worker=scenario.social_worker,
        family=scenario.family,
    )

    assert second.pk != scenario.case.pk
    assert second.is_open
    assert list(Case.objects.filter(family=scenario.family).values_list("status", flat=True)) == [
        CaseStatus.OPEN,
        CaseStatus.CLOSED,
    ]


# --- family_member_add / family_member_end -----------------------------------------------------


def test_adding_a_member_records_them_and_writes_the_chronology(scenario: Scenario) -> None:
    grandmother = person_create(
        actor=scenario.lead, details=_details("Margaret", "Hughes", dt.date(1962, 11, 5))
    )

    member = family_member_add(
        actor=scenario.lead,
        case=scenario.case,
        person=grandmother,
        household_role=HouseholdRole.CARER,
        start_date=dt.date(2026, 1, 5),
    )

    assert member.family == scenario.family
    assert member.start_date == dt.date(2026, 1, 5)
    assert ChronologyEvent.objects.filter(
        case=scenario.case,
        kind=ChronologyKind.MEMBER,
        person=grandmother,
        summary="Margaret Hughes added to the household as carer.",
    ).exists()


def test_adding_someone_already_in_the_family_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        family_member_add(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.father,
            household_role=HouseholdRole.CARER,
        )

    assert excinfo.value.message_dict == {
        "person": ["This person is already a member of the family"]
    }


def test_ending_a_membership_records_the_leaving_date(scenario: Scenario) -> None:
    member = FamilyMember.objects.get(family=scenario.family, person=scenario.father)

    family_member_end(
        actor=scenario.lead, case=scenario.case, member=member, end_date=dt.date(2026, 2, 14)
    )

    member.refresh_from_db()
    assert member.end_date == dt.date(2026, 2, 14)
    assert ChronologyEvent.objects.filter(
        case=scenario.case,
        kind=ChronologyKind.MEMBER,
        person=scenario.father,
        summary="Daniel Hughes left the household.",
    ).exists()


def test_someone_who_left_can_rejoin_the_household(scenario: Scenario) -> None:
    member = FamilyMember.objects.get(family=scenario.family, person=scenario.father)
    family_member_end(
        actor=scenario.lead, case=scenario.case, member=member, end_date=dt.date(2026, 2, 14)
    )

    family_member_add(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.father,
        household_role=HouseholdRole.PARENT,
        start_date=dt.date(2026, 4, 1),
    )

    assert FamilyMember.objects.filter(family=scenario.family, person=scenario.father).count() == 2


def test_a_leaving_date_before_the_joining_date_is_refused(scenario: Scenario) -> None:
    member = FamilyMember.objects.get(family=scenario.family, person=scenario.father)

    with pytest.raises(ValidationError) as excinfo:
        family_member_end(
            actor=scenario.lead, case=scenario.case, member=member, end_date=dt.date(2025, 11, 30)
        )

    assert excinfo.value.message_dict == {
        "end_date": ["The date they left must be on or after the date they joined"]
    }


def test_ending_a_membership_twice_is_refused(scenario: Scenario) -> None:
    member = FamilyMember.objects.get(family=scenario.family, person=scenario.father)
    family_member_end(
        actor=scenario.lead, case=scenario.case, member=member, end_date=dt.date(2026, 2, 14)
    )

    with pytest.raises(ValidationError) as excinfo:
        family_member_end(
            actor=scenario.lead, case=scenario.case, member=member, end_date=dt.date(2026, 2, 20)
        )

    assert excinfo.value.messages == ["This person has already left the household"]


# --- relationship_add --------------------------------------------------------------------------


def test_a_relationship_between_two_members_is_recorded(scenario: Scenario) -> None:
    relationship = relationship_add(
        actor=scenario.lead,
        case=scenario.case,
        from_person=scenario.mother,
        to_person=scenario.older_child,
        kind=RelationshipKind.PARENT_OF,
        notes="  Birth mother ",
    )

    relationship.refresh_from_db()
    assert relationship.from_person == scenario.mother
    assert relationship.to_person == scenario.older_child
    assert relationship.notes == "Birth mother"


def test_a_relationship_with_oneself_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        relationship_add(
            actor=scenario.lead,
            case=scenario.case,
            from_person=scenario.mother,
            to_person=scenario.mother,
            kind=RelationshipKind.PARENT_OF,
        )

    assert excinfo.value.message_dict == {"to_person": ["Choose two different people"]}


def test_a_relationship_with_someone_outside_the_family_is_refused(scenario: Scenario) -> None:
    stranger = person_create(
        actor=scenario.lead, details=_details("Kyle", "Brown", dt.date(1987, 6, 6))
    )

    with pytest.raises(ValidationError) as excinfo:
        relationship_add(
            actor=scenario.lead,
            case=scenario.case,
            from_person=stranger,
            to_person=scenario.mother,
            kind=RelationshipKind.PARTNER_OF,
        )

    assert excinfo.value.messages == ["Both people must be members of this family"]
    assert not Relationship.objects.filter(from_person=stranger).exists()


def test_recording_the_same_relationship_twice_is_refused(scenario: Scenario) -> None:
    relationship_add(
        actor=scenario.lead,
        case=scenario.case,
        from_person=scenario.father,
        to_person=scenario.younger_child,
        kind=RelationshipKind.PARENT_OF,
    )

    with pytest.raises(ValidationError) as excinfo:
        relationship_add(
            actor=scenario.lead,
            case=scenario.case,
            from_person=scenario.father,
            to_person=scenario.younger_child,
            kind=RelationshipKind.PARENT_OF,
        )

    assert excinfo.value.messages == ["This relationship is already recorded"]
    assert Relationship.objects.filter(from_person=scenario.father).count() == 1


# --- allocation_start / allocation_end ---------------------------------------------------------


def test_an_adult_specialist_must_be_allocated_to_an_adult(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        allocation_start(
            actor=scenario.manager,
            case=scenario.case,
            worker=scenario.da_specialist,
            start_date=dt.date(2025, 12, 8),
        )

    assert excinfo.value.message_dict == {
        "adult": [
            "Adult specialists are allocated to an adult. Choose the adult they will work with"
        ]
    }


def test_an_adult_specialist_allocated_to_a_parent_is_recorded_in_the_chronology(
    scenario: Scenario,
) -> None:
    allocation = allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.da_specialist,
        adult=scenario.mother,
        start_date=dt.date(2025, 12, 8),
    )

    assert allocation.adult == scenario.mother
    assert allocation.discipline == "domestic_abuse"
    assert allocation.start_date == dt.date(2025, 12, 8)
    event = ChronologyEvent.objects.get(source_model="cases.allocation", source_id=allocation.pk)
    assert event.summary == (
        f"{scenario.da_specialist.get_full_name()} (domestic abuse specialist) allocated "
        "to work with Sarah Hughes."
    )
    assert event.person == scenario.mother


def test_an_adult_specialist_cannot_be_allocated_to_a_child(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        allocation_start(
            actor=scenario.manager,
            case=scenario.case,
            worker=scenario.da_specialist,
            adult=scenario.older_child,
            start_date=dt.date(2025, 12, 8),
        )

    assert excinfo.value.message_dict == {
        "adult": ["Choose an adult who is a member of this family"]
    }


def test_a_worker_outside_the_owning_team_cannot_be_allocated(
    scenario: Scenario, outsider: User
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        allocation_start(
            actor=scenario.manager,
            case=scenario.case,
            worker=outsider,
            start_date=dt.date(2025, 12, 8),
        )

    assert excinfo.value.message_dict == {
        "worker": [f"Choose someone who works in {scenario.team.name}"]
    }


def test_allocating_a_worker_already_allocated_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        allocation_start(
            actor=scenario.manager,
            case=scenario.case,
            worker=scenario.lead,
            start_date=dt.date(2025, 12, 8),
        )

    assert excinfo.value.message_dict == {
        "worker": [f"{scenario.lead.get_full_name()} is already allocated to this family"]
    }
    assert Allocation.objects.filter(case=scenario.case, worker=scenario.lead).count() == 1


def test_allocating_a_social_worker_writes_the_chronology(scenario: Scenario) -> None:
    allocation = allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.social_worker,
        start_date=dt.date(2025, 12, 8),
    )

    event = ChronologyEvent.objects.get(source_model="cases.allocation", source_id=allocation.pk)
    assert event.kind == ChronologyKind.ALLOCATION
    assert event.summary == f"{scenario.social_worker.get_full_name()} (social worker) allocated."
    assert timezone.localtime(event.occurred_at).date() == dt.date(2025, 12, 8)
    assert event.recorded_by == scenario.manager


def test_ending_an_allocation_records_the_end_date(scenario: Scenario) -> None:
    allocation = allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.social_worker,
        start_date=dt.date(2025, 12, 8),
    )

    allocation_end(actor=scenario.manager, allocation=allocation, end_date=dt.date(2026, 3, 2))

    allocation.refresh_from_db()
    assert allocation.end_date == dt.date(2026, 3, 2)
    assert list(
        Allocation.objects.active().filter(case=scenario.case).values_list("worker", flat=True)
    ) == [scenario.lead.pk]
    assert ChronologyEvent.objects.filter(
        case=scenario.case,
        kind=ChronologyKind.ALLOCATION,
        summary=f"{scenario.social_worker.get_full_name()} no longer allocated.",
    ).exists()


def test_ending_the_lead_social_workers_allocation_is_refused(scenario: Scenario) -> None:
    allocation = Allocation.objects.get(case=scenario.case, worker=scenario.lead)

    with pytest.raises(ValidationError) as excinfo:
        allocation_end(actor=scenario.manager, allocation=allocation, end_date=dt.date(2026, 3, 2))

    assert excinfo.value.messages == [
        "This worker is the lead social worker. Transfer the lead to someone else first"
    ]
    allocation.refresh_from_db()
    assert allocation.end_date is None


def test_ending_an_allocation_before_it_started_is_refused(scenario: Scenario) -> None:
    allocation = allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.social_worker,
        start_date=dt.date(2025, 12, 8),
    )

    with pytest.raises(ValidationError) as excinfo:
        allocation_end(actor=scenario.manager, allocation=allocation, end_date=dt.date(2025, 12, 5))

    assert excinfo.value.message_dict == {
        "end_date": ["The end date must be on or after the allocation started"]
    }


# --- child_status_start ------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["", "XYZ"])
def test_a_child_protection_plan_needs_a_category(scenario: Scenario, category: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.CP_PLAN,
            start_date=dt.date(2026, 2, 2),
            cp_category=category,
        )

    assert excinfo.value.message_dict == {
        "cp_category": ["Select the category of abuse or neglect"]
    }


def test_looked_after_needs_a_legal_status(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.LOOKED_AFTER,
            start_date=dt.date(2026, 2, 2),
        )

    assert excinfo.value.message_dict == {"legal_status": ["Select the legal status"]}


def test_a_section_47_enquiry_needs_a_strategy_discussion(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.S47_ENQUIRY,
            start_date=dt.date(2026, 1, 8),
        )

    assert excinfo.value.message_dict == {
        "strategy_discussion_date": ["Enter the date of the strategy discussion"]
    }


def test_a_section_47_enquiry_after_its_strategy_discussion_is_recorded(scenario: Scenario) -> None:
    status = child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.S47_ENQUIRY,
        start_date=dt.date(2026, 1, 8),
        strategy_discussion_date=dt.date(2026, 1, 7),
    )

    status.refresh_from_db()
    assert status.strategy_discussion_date == dt.date(2026, 1, 7)
    assert status.end_date is None


def test_an_overlapping_status_of_the_same_kind_is_refused_with_a_plain_message(
    scenario: Scenario,
) -> None:
    child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.LOOKED_AFTER,
        start_date=dt.date(2026, 1, 5),
        legal_status=INTERIM_CARE_ORDER,
    )

    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.LOOKED_AFTER,
            start_date=dt.date(2026, 2, 2),
            legal_status=INTERIM_CARE_ORDER,
        )

    assert excinfo.value.message_dict == {
        "start_date": [
            "Amy already has a looked after that overlaps these dates. End it first, or change the start date"
        ]
    }


def test_an_overlapping_child_in_need_plan_is_refused_with_a_plain_message(
    scenario: Scenario,
) -> None:
    child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CIN_PLAN,
        start_date=dt.date(2026, 1, 5),
    )

    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.CIN_PLAN,
            start_date=dt.date(2026, 2, 2),
        )

    assert excinfo.value.message_dict == {
        "start_date": [
            "Amy already has a child in need plan that overlaps these dates. End it first, or change the start date"
        ]
    }


def test_a_child_protection_plan_overlapping_a_child_in_need_plan_is_refused(
    scenario: Scenario,
) -> None:
    child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CIN_PLAN,
        start_date=dt.date(2026, 1, 5),
    )

    with pytest.raises(ValidationError) as excinfo:
        _start_cp_plan(scenario)

    assert excinfo.value.message_dict == {
        "start_date": [
            "Amy cannot have a child in need plan and a child protection plan at the same time. End the other plan first"
        ]
    }
    assert not ChildStatus.objects.filter(
        person=scenario.older_child, kind=StatusKind.CP_PLAN
    ).exists()


def test_a_child_protection_plan_can_start_the_day_the_child_in_need_plan_ends(
    scenario: Scenario,
) -> None:
    cin = child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CIN_PLAN,
        start_date=dt.date(2026, 1, 5),
    )
    child_status_end(actor=scenario.lead, status=cin, end_date=dt.date(2026, 2, 2))

    cp = _start_cp_plan(scenario, start=dt.date(2026, 2, 2))

    assert cp.start_date == dt.date(2026, 2, 2)


def test_a_status_starting_before_the_referral_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.CIN_PLAN,
            start_date=dt.date(2025, 11, 28),
        )

    assert excinfo.value.message_dict == {
        "start_date": ["Start date must be on or after the referral date"]
    }


def test_a_status_for_an_adult_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.mother,
            kind=StatusKind.CIN_PLAN,
            start_date=dt.date(2026, 1, 5),
        )

    assert excinfo.value.message_dict == {"person": ["Choose a child in this family"]}


def test_starting_a_child_protection_plan_writes_a_significant_chronology_line(
    scenario: Scenario,
) -> None:
    status = _start_cp_plan(scenario)

    event = ChronologyEvent.objects.get(source_model="cases.childstatus", source_id=status.pk)
    assert event.kind == ChronologyKind.STATUS_STARTED
    assert event.summary == "Child protection plan started for Amy Hughes (category: neglect)."
    assert event.significant is True
    assert event.person == scenario.older_child
    assert timezone.localtime(event.occurred_at).date() == dt.date(2026, 2, 2)


def test_starting_a_child_in_need_plan_writes_an_ordinary_chronology_line(
    scenario: Scenario,
) -> None:
    status = child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.younger_child,
        kind=StatusKind.CIN_PLAN,
        start_date=dt.date(2026, 1, 5),
    )

    event = ChronologyEvent.objects.get(source_model="cases.childstatus", source_id=status.pk)
    assert event.summary == "Child in need plan started for Leo Hughes."
    assert event.significant is False


# --- child_status_end / update / record_visit --------------------------------------------------


def test_ending_a_plan_records_the_end_date_and_the_chronology(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    child_status_end(actor=scenario.lead, status=status, end_date=dt.date(2026, 6, 1))

    status.refresh_from_db()
    assert status.end_date == dt.date(2026, 6, 1)
    event = ChronologyEvent.objects.get(kind=ChronologyKind.STATUS_ENDED, source_id=status.pk)
    assert event.summary == "Child protection plan ended for Amy Hughes."
    assert event.significant is True


def test_ending_a_plan_before_it_started_is_refused(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    with pytest.raises(ValidationError) as excinfo:
        child_status_end(actor=scenario.lead, status=status, end_date=dt.date(2026, 1, 30))

    assert excinfo.value.message_dict == {
        "end_date": ["End date must be on or after the start date"]
    }


def test_ending_a_plan_twice_is_refused(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)
    child_status_end(actor=scenario.lead, status=status, end_date=dt.date(2026, 6, 1))

    with pytest.raises(ValidationError) as excinfo:
        child_status_end(actor=scenario.lead, status=status, end_date=dt.date(2026, 6, 8))

    assert excinfo.value.messages == ["This status has already ended"]


def test_updating_the_category_keeps_the_initial_category(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    child_status_update(actor=scenario.lead, status=status, cp_latest_category=PHYSICAL_ABUSE)

    status.refresh_from_db()
    assert status.cp_initial_category == NEGLECT
    assert status.cp_latest_category == PHYSICAL_ABUSE


def test_a_child_in_need_plan_has_no_category_to_update(scenario: Scenario) -> None:
    status = child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CIN_PLAN,
        start_date=dt.date(2026, 1, 5),
    )

    with pytest.raises(ValidationError) as excinfo:
        child_status_update(actor=scenario.lead, status=status, cp_latest_category=NEGLECT)

    assert excinfo.value.message_dict == {
        "cp_latest_category": ["Only a child protection plan has a category"]
    }


def test_an_ended_plan_cannot_be_updated(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)
    child_status_end(actor=scenario.lead, status=status, end_date=dt.date(2026, 6, 1))

    with pytest.raises(ValidationError) as excinfo:
        child_status_update(actor=scenario.lead, status=status, cp_latest_category=PHYSICAL_ABUSE)

    assert excinfo.value.messages == ["This status has ended and can no longer be changed"]


def test_recording_visits_keeps_the_latest_visit_date(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    child_status_record_visit(actor=scenario.lead, status=status, visit_date=dt.date(2026, 3, 10))
    child_status_record_visit(actor=scenario.lead, status=status, visit_date=dt.date(2026, 3, 3))

    status.refresh_from_db()
    assert status.last_visit_date == dt.date(2026, 3, 10)


def test_a_visit_before_the_plan_started_is_refused(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    with pytest.raises(ValidationError) as excinfo:
        child_status_record_visit(
            actor=scenario.lead, status=status, visit_date=dt.date(2026, 1, 30)
        )

    assert excinfo.value.message_dict == {
        "visit_date": ["Visit date must be on or after the status started"]
    }


# --- warning_add / warning_end -----------------------------------------------------------------


def test_a_warning_with_a_review_date_in_the_past_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        warning_add(
            actor=scenario.lead,
            case=scenario.case,
            kind=WarningKind.ANIMALS,
            details="Two large dogs, ask for them to be shut away",
            review_date=dt.date(2026, 1, 1),
        )

    assert excinfo.value.message_dict == {"review_date": ["Review date must be in the future"]}


def test_a_warning_about_someone_outside_the_family_is_refused(scenario: Scenario) -> None:
    stranger = person_create(
        actor=scenario.lead, details=_details("Kyle", "Brown", dt.date(1987, 6, 6))
    )

    with pytest.raises(ValidationError) as excinfo:
        warning_add(
            actor=scenario.lead,
            case=scenario.case,
            kind=WarningKind.RISK_TO_STAFF,
            details="Threatened a worker",
            review_date=_tomorrow(),
            person=stranger,
        )

    assert excinfo.value.message_dict == {"person": ["Choose a member of this family"]}


def test_adding_and_ending_a_warning(scenario: Scenario) -> None:
    warning = warning_add(
        actor=scenario.lead,
        case=scenario.case,
        kind=WarningKind.DO_NOT_VISIT_ALONE,
        details="  Visit in pairs  ",
        review_date=timezone.localdate() + dt.timedelta(days=90),
        person=scenario.father,
    )

    warning_end(actor=scenario.manager, case=scenario.case, warning=warning)

    warning.refresh_from_db()
    assert warning.details == "Visit in pairs"
    assert warning.created_by == scenario.lead
    assert warning.ended_by == scenario.manager
    assert warning.ended_at is not None
    assert list(
        ChronologyEvent.objects.filter(case=scenario.case, kind=ChronologyKind.WARNING)
        .order_by("pk")
        .values_list("summary", flat=True)
    ) == ["Warning added: Do not visit alone.", "Warning removed: Do not visit alone."]


def test_ending_a_warning_twice_is_refused(scenario: Scenario) -> None:
    warning = warning_add(
        actor=scenario.lead,
        case=scenario.case,
        kind=WarningKind.ANIMALS,
        details="Two large dogs",
        review_date=timezone.localdate() + dt.timedelta(days=90),
    )
    warning_end(actor=scenario.lead, case=scenario.case, warning=warning)

    with pytest.raises(ValidationError) as excinfo:
        warning_end(actor=scenario.lead, case=scenario.case, warning=warning)

    assert excinfo.value.messages == ["This warning has already been removed"]


# --- case_close / case_reopen ------------------------------------------------------------------


def test_a_case_with_an_open_plan_cannot_close_and_the_message_names_the_child(
    scenario: Scenario,
) -> None:
    _start_cp_plan(scenario)

    with pytest.raises(ValidationError) as excinfo:
        case_close(
            actor=scenario.manager,
            case=scenario.case,
            closed_date=dt.date(2026, 6, 1),
            closure_reason=NO_FURTHER_ACTION,
        )

    assert excinfo.value.message_dict == {
        "closure_reason": ["End the open plans first: Amy Hughes (child protection plan)"]
    }
    scenario.case.refresh_from_db()
    assert scenario.case.is_open


def test_closing_a_case_ends_its_allocations_and_writes_the_chronology(scenario: Scenario) -> None:
    plan = _start_cp_plan(scenario)
    child_status_end(actor=scenario.lead, status=plan, end_date=dt.date(2026, 5, 29))
    allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.da_specialist,
        adult=scenario.mother,
        start_date=dt.date(2025, 12, 8),
    )

    case_close(
        actor=scenario.manager,
        case=scenario.case,
        closed_date=dt.date(2026, 6, 1),
        closure_reason=NO_FURTHER_ACTION,
        note="  Plan ended, family engaging with early help. ",
    )

    case = Case.objects.get(pk=scenario.case.pk)
    assert case.status == CaseStatus.CLOSED
    assert case.closed_date == dt.date(2026, 6, 1)
    assert case.closure_reason == NO_FURTHER_ACTION
    assert case.closure_note == "Plan ended, family engaging with early help."
    assert list(Allocation.objects.filter(case=case).values_list("end_date", flat=True)) == [
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 1),
    ]
    event = ChronologyEvent.objects.get(case=case, kind=ChronologyKind.CASE_CLOSED)
    assert event.summary == "Case closed: Case closed after assessment, no further action."
    assert event.significant is True


def test_closing_a_closed_case_is_refused(scenario: Scenario) -> None:
    case_close(
        actor=scenario.manager,
        case=scenario.case,
        closed_date=dt.date(2026, 1, 30),
        closure_reason=NO_FURTHER_ACTION,
    )

    with pytest.raises(ValidationError) as excinfo:
        case_close(
            actor=scenario.manager,
            case=scenario.case,
            closed_date=dt.date(2026, 2, 2),
            closure_reason=NO_FURTHER_ACTION,
        )

    assert excinfo.value.messages == ["This case is already closed"]


def test_a_closure_dated_before_a_current_allocation_started_is_refused_with_a_message(
    scenario: Scenario,
) -> None:
    allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.social_worker,
        start_date=dt.date(2026, 3, 2),
    )

    with pytest.raises(ValidationError) as refused:
        case_close(
            actor=scenario.manager,
            case=scenario.case,
            closed_date=dt.date(2026, 2, 27),
            closure_reason=NO_FURTHER_ACTION,
        )

    assert refused.value.message_dict == {
        "closed_date": [
            "Closure date must be on or after the latest allocation started (2 March 2026)"
        ]
    }
    scenario.case.refresh_from_db()
    assert scenario.case.is_open


def test_reopening_needs_a_reason_of_at_least_ten_characters(scenario: Scenario) -> None:
    case_close(
        actor=scenario.manager,
        case=scenario.case,
        closed_date=dt.date(2026, 1, 30),
        closure_reason=NO_FURTHER_ACTION,
    )

    with pytest.raises(ValidationError) as excinfo:
        case_reopen(actor=scenario.manager, case=scenario.case, reason="  mistake  ")

    assert excinfo.value.message_dict == {
        "reason": ["Explain why the case is being reopened (at least 10 characters)"]
    }


def test_reopening_a_case_closed_in_error(scenario: Scenario) -> None:
    case_close(
        actor=scenario.manager,
        case=scenario.case,
        closed_date=dt.date(2026, 1, 30),
        closure_reason=NO_FURTHER_ACTION,
    )

    case_reopen(actor=scenario.manager, case=scenario.case, reason="Closed on the wrong family")

    case = Case.objects.get(pk=scenario.case.pk)
    assert case.status == CaseStatus.OPEN
    assert case.closed_date is None
    assert case.closure_reason == ""
    assert list(Allocation.objects.active().filter(case=case).values_list("worker", flat=True)) == [
        scenario.lead.pk
    ]
    assert ChronologyEvent.objects.filter(
        case=case,
        kind=ChronologyKind.CASE_REOPENED,
        summary="Case reopened: Closed on the wrong family",
    ).exists()


# --- case_transfer -----------------------------------------------------------------------------


def test_transferring_a_case_moves_the_family_and_keeps_only_workers_in_the_new_team(
    scenario: Scenario,
) -> None:
    new_team = TeamFactory.create(service=scenario.team.service)
    new_lead = MembershipFactory.create(team=new_team, role=Role.SOCIAL_WORKER).user
    MembershipFactory.create(
        user=scenario.da_specialist,
        team=new_team,
        role=Role.DOMESTIC_ABUSE_SPECIALIST,
        is_home_team=False,
    )
    allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.da_specialist,
        adult=scenario.mother,
        start_date=dt.date(2025, 12, 8),
    )

    case_transfer(
        actor=scenario.manager,
        case=scenario.case,
        to_team=new_team,
        lead_social_worker=new_lead,
        transfer_date=dt.date(2026, 2, 2),
    )

    case = Case.objects.select_related("family").get(pk=scenario.case.pk)
    assert case.family.owning_team == new_team
    assert case.lead_social_worker == new_lead
    assert sorted(
        Allocation.objects.filter(case=case).values_list("worker__email", "start_date", "end_date")
    ) == sorted(
        [
            (scenario.lead.email, REFERRAL_DATE, dt.date(2026, 2, 2)),
            (scenario.da_specialist.email, dt.date(2025, 12, 8), None),
            (new_lead.email, dt.date(2026, 2, 2), None),
        ]
    )
    assert ChronologyEvent.objects.filter(
        case=case,
        kind=ChronologyKind.TRANSFER,
        summary=f"Case transferred from {scenario.team.name} to {new_team.name}.",
    ).exists()


def test_after_a_transfer_the_old_team_no_longer_sees_the_family(scenario: Scenario) -> None:
    other_service_team = TeamFactory.create()
    new_lead = MembershipFactory.create(team=other_service_team, role=Role.SOCIAL_WORKER).user

    case_transfer(
        actor=scenario.manager,
        case=scenario.case,
        to_team=other_service_team,
        lead_social_worker=new_lead,
        transfer_date=dt.date(2026, 2, 2),
    )

    assert not Case.objects.visible_to(scenario.manager).exists()
    assert not Case.objects.visible_to(scenario.lead).exists()
    assert list(Case.objects.visible_to(new_lead)) == [scenario.case]


def test_a_transfer_dated_before_the_referral_is_refused_with_a_message(scenario: Scenario) -> None:
    new_team = TeamFactory.create(service=scenario.team.service)
    new_lead = MembershipFactory.create(team=new_team, role=Role.SOCIAL_WORKER).user

    with pytest.raises(ValidationError) as refused:
        case_transfer(
            actor=scenario.manager,
            case=scenario.case,
            to_team=new_team,
            lead_social_worker=new_lead,
            transfer_date=dt.date(2025, 11, 3),
        )

    assert refused.value.message_dict == {
        "transfer_date": ["The transfer date must be between the referral date and today"]
    }


def test_transferring_to_the_owning_team_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        case_transfer(
            actor=scenario.manager,
            case=scenario.case,
            to_team=scenario.team,
            lead_social_worker=scenario.social_worker,
            transfer_date=dt.date(2026, 2, 2),
        )

    assert excinfo.value.message_dict == {"to_team": ["The family is already in this team"]}


# --- access_grant_request / revoke / review ----------------------------------------------------


def test_emergency_access_needs_a_reason_of_at_least_twenty_characters(
    scenario: Scenario, outsider: User
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        access_grant_request(actor=outsider, case=scenario.case, reason="  Urgent check now  ")

    assert excinfo.value.message_dict == {
        "reason": ["Explain why you need access now, in at least 20 characters"]
    }
    assert not AccessGrant.objects.filter(case=scenario.case).exists()


@pytest.mark.parametrize("hours", [0, 5])
def test_emergency_access_lasts_between_one_and_four_hours(
    scenario: Scenario, outsider: User, hours: int
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        access_grant_request(actor=outsider, case=scenario.case, reason=GOOD_REASON, hours=hours)

    assert excinfo.value.message_dict == {"hours": ["Emergency access lasts between 1 and 4 hours"]}


def test_emergency_access_expires_within_four_hours_and_shows_the_case(
    scenario: Scenario, outsider: User
) -> None:
    before = timezone.now()

    grant = access_grant_request(actor=outsider, case=scenario.case, reason=GOOD_REASON)

    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=4)
    assert before <= grant.granted_at <= timezone.now()
    assert grant.is_active
    assert list(Case.objects.visible_to(outsider)) == [scenario.case]
    assert list(Family.objects.visible_to(outsider)) == [scenario.family]


def test_revoked_emergency_access_no_longer_shows_the_case(
    scenario: Scenario, outsider: User
) -> None:
    grant = access_grant_request(actor=outsider, case=scenario.case, reason=GOOD_REASON)

    access_grant_revoke(actor=scenario.manager, grant=grant)

    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert not Case.objects.visible_to(outsider).exists()


def test_expired_emergency_access_no_longer_shows_the_case(
    scenario: Scenario, outsider: User
) -> None:
    grant = access_grant_request(actor=outsider, case=scenario.case, reason=GOOD_REASON)
    now = timezone.now()
    AccessGrant.objects.filter(pk=grant.pk).update(
        granted_at=now - dt.timedelta(hours=5), expires_at=now - dt.timedelta(hours=1)
    )

    assert not Case.objects.visible_to(outsider).exists()
    assert not Person.objects.visible_to(outsider).exists()


def test_nobody_can_review_their_own_emergency_access(scenario: Scenario, outsider: User) -> None:
    grant = access_grant_request(actor=outsider, case=scenario.case, reason=GOOD_REASON)

    with pytest.raises(ValidationError) as excinfo:
        access_grant_review(actor=outsider, grant=grant, outcome="Justified: out-of-hours visit")

    assert excinfo.value.messages == ["You cannot review your own emergency access"]
    grant.refresh_from_db()
    assert grant.reviewed_at is None


def test_a_manager_reviews_emergency_access(scenario: Scenario, outsider: User) -> None:
    grant = access_grant_request(actor=outsider, case=scenario.case, reason=GOOD_REASON)

    access_grant_review(
        actor=scenario.manager, grant=grant, outcome="  Justified: out-of-hours visit "
    )

    grant.refresh_from_db()
    assert grant.reviewed_by == scenario.manager
    assert grant.review_outcome == "Justified: out-of-hours visit"
    assert grant.reviewed_at is not None


def test_a_board_member_cannot_request_emergency_access(scenario: Scenario) -> None:
    board_member = UserFactory.create(service_role=ServiceRole.BOARD_MEMBER)

    with pytest.raises(ValidationError) as excinfo:
        access_grant_request(actor=board_member, case=scenario.case, reason=GOOD_REASON)

    assert excinfo.value.messages == [
        "Your role cannot request emergency access to a family's records"
    ]
    assert not AccessGrant.objects.filter(case=scenario.case).exists()


# --- case_share / case_unshare -----------------------------------------------------------------


def test_a_case_can_only_be_shared_with_an_independent_reviewing_officer(
    scenario: Scenario, outsider: User
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        case_share(actor=scenario.manager, case=scenario.case, user=outsider)

    assert excinfo.value.message_dict == {
        "user": [
            "Cases can only be shared with an independent reviewing officer or conference chair"
        ]
    }
    assert not Case.objects.visible_to(outsider).exists()


def test_sharing_shows_the_case_to_the_reviewing_officer_until_unshared(scenario: Scenario) -> None:
    iro = UserFactory.create(service_role=ServiceRole.INDEPENDENT_REVIEWING_OFFICER)

    case_share(actor=scenario.manager, case=scenario.case, user=iro)
    shared = list(Case.objects.visible_to(iro))
    case_unshare(actor=scenario.manager, case=scenario.case, user=iro)

    assert shared == [scenario.case]
    assert not Case.objects.visible_to(iro).exists()


# --- who sees what (cases.policies through visible_to) -----------------------------------------


def test_a_restricted_family_is_hidden_from_team_members_not_allocated(scenario: Scenario) -> None:
    restricted = _refer_restricted_family(scenario)

    assert list(Case.objects.visible_to(scenario.social_worker)) == [scenario.case]
    assert list(Case.objects.visible_to(scenario.manager)) == [scenario.case]
    assert (
        not Family.objects.visible_to(scenario.social_worker)
        .filter(pk=restricted.family_id)
        .exists()
    )
    assert not Person.objects.visible_to(scenario.social_worker).filter(given_name="Mia").exists()


def test_a_restricted_family_is_visible_to_its_allocated_worker(scenario: Scenario) -> None:
    restricted = _refer_restricted_family(scenario)

    assert set(Case.objects.visible_to(scenario.lead)) == {scenario.case, restricted}
    assert Person.objects.visible_to(scenario.lead).filter(given_name="Mia").exists()


def test_a_service_manager_sees_cases_of_every_team_in_the_service(scenario: Scenario) -> None:
    sister_team = TeamFactory.create(service=scenario.team.service)
    service_manager = MembershipFactory.create(team=sister_team, role=Role.SERVICE_MANAGER).user

    assert list(Case.objects.visible_to(service_manager)) == [scenario.case]
    assert list(Family.objects.visible_to(service_manager)) == [scenario.family]
    assert Person.objects.visible_to(service_manager).count() == 4


def test_a_team_manager_in_a_sister_team_does_not_see_the_case(scenario: Scenario) -> None:
    sister_team = TeamFactory.create(service=scenario.team.service)
    other_manager = MembershipFactory.create(team=sister_team, role=Role.TEAM_MANAGER).user

    assert not Case.objects.visible_to(other_manager).exists()


def test_a_team_member_in_another_service_sees_nothing(scenario: Scenario, outsider: User) -> None:
    assert not Case.objects.visible_to(outsider).exists()
    assert not Family.objects.visible_to(outsider).exists()
    assert not Person.objects.visible_to(outsider).exists()


@pytest.mark.parametrize(
    "service_role",
    [ServiceRole.BOARD_MEMBER, ServiceRole.PERFORMANCE_ANALYST, ServiceRole.SYSTEM_ADMIN],
)
def test_aggregate_only_roles_see_no_family_records(scenario: Scenario, service_role: str) -> None:
    user = UserFactory.create(service_role=service_role, is_staff=True, is_superuser=True)

    assert list(Case.objects.visible_to(user)) == []
    assert list(Family.objects.visible_to(user)) == []
    assert list(Person.objects.visible_to(user)) == []


def test_an_aggregate_only_role_sees_nothing_even_with_a_team_membership(
    scenario: Scenario,
) -> None:
    analyst = UserFactory.create(service_role=ServiceRole.PERFORMANCE_ANALYST)
    MembershipFactory.create(user=analyst, team=scenario.team, role=Role.TEAM_STANDARDS_COORDINATOR)

    assert not Case.objects.visible_to(analyst).exists()


# --- access_event_record: the append-only read audit -------------------------------------------


def _record_view(scenario: Scenario) -> AccessEvent:
    return access_event_record(
        user=scenario.lead,
        record_type=RecordType.FAMILY,
        record_id=scenario.family.pk,
        family_id=scenario.family.pk,
        basis=AccessBasis.ALLOCATION,
    )


def test_recording_a_read_writes_one_audit_row(scenario: Scenario) -> None:
    event = _record_view(scenario)

    assert list(
        AccessEvent.objects.filter(user_id=scenario.lead.pk).values_list(
            "user_id", "record_type", "record_id", "family_id", "action", "basis"
        )
    ) == [
        (
            scenario.lead.pk,
            RecordType.FAMILY,
            scenario.family.pk,
            scenario.family.pk,
            AccessAction.VIEW,
            AccessBasis.ALLOCATION,
        )
    ]
    assert event.request_id == ""


def test_the_read_audit_cannot_be_changed(scenario: Scenario) -> None:
    event = _record_view(scenario)

    with pytest.raises(ProgrammingError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(user_id=None)

    assert AccessEvent.objects.get(pk=event.pk).user_id == scenario.lead.pk


def test_the_read_audit_cannot_be_deleted(scenario: Scenario) -> None:
    event = _record_view(scenario)

    with pytest.raises(ProgrammingError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()

    assert AccessEvent.objects.filter(pk=event.pk).exists()
