"""Referrals, households, relationships, warnings, closing, reopening and transfers
(``cases.services.families``), exercised through the services a view would call.

Most tests start from ``scenario`` (tests/cases/conftest.py): the Hughes family, referred by
the police on a Monday a year ago to a team with a manager, two social workers and a domestic
abuse specialist. Dates that services refuse when in the future are days of the story counted
from the referral (``after_referral``); dates that must be in the future are counted from today.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import (
    Allocation,
    Case,
    CaseStatus,
    ChronologyEvent,
    ChronologyKind,
    Family,
    FamilyMember,
    HouseholdRole,
    Relationship,
    RelationshipKind,
    WarningKind,
)
from cases.services import (
    AddressDetails,
    MemberSpec,
    allocation_start,
    case_close,
    case_reopen,
    case_transfer,
    child_status_end,
    family_member_add,
    family_member_end,
    person_create,
    referral_record,
    relationship_add,
    warning_add,
    warning_end,
)
from teams.models import User
from teams.roles import Role
from tests.cases.conftest import POLICE, REFERRAL_DATE, Scenario, after_referral
from tests.cases.services.conftest import _details, _start_cp_plan, _tomorrow
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

NO_FURTHER_ACTION = "RC8"  # closure reason: case closed after assessment, no further action


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
            referral_date=after_referral(weeks=6),
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
            referral_date=after_referral(weeks=6),
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
            referral_date=after_referral(weeks=6),
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
            referral_date=after_referral(weeks=6),
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
            referral_date=after_referral(weeks=6),
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
        closed_date=after_referral(weeks=8, days=4),
        closure_reason=NO_FURTHER_ACTION,
    )

    second = referral_record(
        actor=scenario.manager,
        team=scenario.team,
        family_name="",
        address=AddressDetails(),
        members=[],
        referral_date=after_referral(weeks=23),
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
        start_date=after_referral(weeks=5),
    )

    assert member.family == scenario.family
    assert member.start_date == after_referral(weeks=5)
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
        actor=scenario.lead,
        case=scenario.case,
        member=member,
        end_date=after_referral(weeks=10, days=5),
    )

    member.refresh_from_db()
    assert member.end_date == after_referral(weeks=10, days=5)
    assert ChronologyEvent.objects.filter(
        case=scenario.case,
        kind=ChronologyKind.MEMBER,
        person=scenario.father,
        summary="Daniel Hughes left the household.",
    ).exists()


def test_someone_who_left_can_rejoin_the_household(scenario: Scenario) -> None:
    member = FamilyMember.objects.get(family=scenario.family, person=scenario.father)
    family_member_end(
        actor=scenario.lead,
        case=scenario.case,
        member=member,
        end_date=after_referral(weeks=10, days=5),
    )

    family_member_add(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.father,
        household_role=HouseholdRole.PARENT,
        start_date=after_referral(weeks=17, days=2),
    )

    assert FamilyMember.objects.filter(family=scenario.family, person=scenario.father).count() == 2


def test_a_leaving_date_before_the_joining_date_is_refused(scenario: Scenario) -> None:
    member = FamilyMember.objects.get(family=scenario.family, person=scenario.father)

    with pytest.raises(ValidationError) as excinfo:
        family_member_end(
            actor=scenario.lead,
            case=scenario.case,
            member=member,
            end_date=REFERRAL_DATE - dt.timedelta(days=1),
        )

    assert excinfo.value.message_dict == {
        "end_date": ["The date they left must be on or after the date they joined"]
    }


def test_ending_a_membership_twice_is_refused(scenario: Scenario) -> None:
    member = FamilyMember.objects.get(family=scenario.family, person=scenario.father)
    family_member_end(
        actor=scenario.lead,
        case=scenario.case,
        member=member,
        end_date=after_referral(weeks=10, days=5),
    )

    with pytest.raises(ValidationError) as excinfo:
        family_member_end(
            actor=scenario.lead,
            case=scenario.case,
            member=member,
            end_date=after_referral(weeks=11, days=4),
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


# --- warning_add / warning_end -----------------------------------------------------------------


def test_a_warning_with_a_review_date_in_the_past_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        warning_add(
            actor=scenario.lead,
            case=scenario.case,
            kind=WarningKind.ANIMALS,
            details="Two large dogs, ask for them to be shut away",
            review_date=after_referral(weeks=4, days=3),
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
            closed_date=after_referral(weeks=26),
            closure_reason=NO_FURTHER_ACTION,
        )

    assert excinfo.value.message_dict == {
        "closure_reason": ["End the open plans first: Amy Hughes (child protection plan)"]
    }
    scenario.case.refresh_from_db()
    assert scenario.case.is_open


def test_closing_a_case_ends_its_allocations_and_writes_the_chronology(scenario: Scenario) -> None:
    plan = _start_cp_plan(scenario)
    child_status_end(actor=scenario.lead, status=plan, end_date=after_referral(weeks=25, days=4))
    allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.da_specialist,
        adult=scenario.mother,
        start_date=after_referral(weeks=1),
    )

    case_close(
        actor=scenario.manager,
        case=scenario.case,
        closed_date=after_referral(weeks=26),
        closure_reason=NO_FURTHER_ACTION,
        note="  Plan ended, family engaging with early help. ",
    )

    case = Case.objects.get(pk=scenario.case.pk)
    assert case.status == CaseStatus.CLOSED
    assert case.closed_date == after_referral(weeks=26)
    assert case.closure_reason == NO_FURTHER_ACTION
    assert case.closure_note == "Plan ended, family engaging with early help."
    assert list(Allocation.objects.filter(case=case).values_list("end_date", flat=True)) == [
        after_referral(weeks=26),
        after_referral(weeks=26),
    ]
    event = ChronologyEvent.objects.get(case=case, kind=ChronologyKind.CASE_CLOSED)
    assert event.summary == "Case closed: Case closed after assessment, no further action."
    assert event.significant is True


def test_closing_a_closed_case_is_refused(scenario: Scenario) -> None:
    case_close(
        actor=scenario.manager,
        case=scenario.case,
        closed_date=after_referral(weeks=8, days=4),
        closure_reason=NO_FURTHER_ACTION,
    )

    with pytest.raises(ValidationError) as excinfo:
        case_close(
            actor=scenario.manager,
            case=scenario.case,
            closed_date=after_referral(weeks=9),
            closure_reason=NO_FURTHER_ACTION,
        )

    assert excinfo.value.messages == ["This case is already closed"]


def test_a_closure_dated_before_a_current_allocation_started_is_refused_with_a_message(
    scenario: Scenario,
) -> None:
    started = after_referral(weeks=13)
    allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.social_worker,
        start_date=started,
    )

    with pytest.raises(ValidationError) as refused:
        case_close(
            actor=scenario.manager,
            case=scenario.case,
            closed_date=started - dt.timedelta(days=3),
            closure_reason=NO_FURTHER_ACTION,
        )

    assert refused.value.message_dict == {
        "closed_date": [
            "Closure date must be on or after the latest allocation started"
            f" ({started.day} {started:%B %Y})"
        ]
    }
    scenario.case.refresh_from_db()
    assert scenario.case.is_open


def test_reopening_needs_a_reason_of_at_least_ten_characters(scenario: Scenario) -> None:
    case_close(
        actor=scenario.manager,
        case=scenario.case,
        closed_date=after_referral(weeks=8, days=4),
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
        closed_date=after_referral(weeks=8, days=4),
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
        start_date=after_referral(weeks=1),
    )

    case_transfer(
        actor=scenario.manager,
        case=scenario.case,
        to_team=new_team,
        lead_social_worker=new_lead,
        transfer_date=after_referral(weeks=9),
    )

    case = Case.objects.select_related("family").get(pk=scenario.case.pk)
    assert case.family.owning_team == new_team
    assert case.lead_social_worker == new_lead
    assert sorted(
        Allocation.objects.filter(case=case).values_list("worker__email", "start_date", "end_date")
    ) == sorted(
        [
            (scenario.lead.email, REFERRAL_DATE, after_referral(weeks=9)),
            (scenario.da_specialist.email, after_referral(weeks=1), None),
            (new_lead.email, after_referral(weeks=9), None),
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
        transfer_date=after_referral(weeks=9),
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
            transfer_date=REFERRAL_DATE - dt.timedelta(days=28),
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
            transfer_date=after_referral(weeks=9),
        )

    assert excinfo.value.message_dict == {"to_team": ["The family is already in this team"]}
