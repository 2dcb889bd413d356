"""Emergency access, shares with reviewing officers and the read audit (``cases.services.access``),
and who sees what once they are granted (``cases.policies`` through ``visible_to``).

Most tests start from ``scenario`` (tests/cases/conftest.py): the Hughes family, referred by
the police on a Monday a year ago to a team with a manager, two social workers and a domestic
abuse specialist. Dates that services refuse when in the future are days of the story counted
from the referral (``after_referral``); dates that must be in the future are counted from today.
"""

from __future__ import annotations

import datetime as dt

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
    Case,
    Family,
    HouseholdRole,
    Person,
    RecordType,
)
from cases.services import (
    AddressDetails,
    MemberSpec,
    access_event_record,
    access_grant_request,
    access_grant_review,
    access_grant_revoke,
    case_share,
    case_unshare,
    person_create,
    referral_record,
)
from teams.models import User
from teams.roles import Role, ServiceRole
from tests.cases.conftest import POLICE, Scenario, after_referral
from tests.cases.services.conftest import _details
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_REASON = "Child presented at A&E out of hours; checking for a protection plan."


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
        referral_date=after_referral(weeks=6),
        referral_source=POLICE,
        lead_social_worker=scenario.lead,
        restricted=True,
    )


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
