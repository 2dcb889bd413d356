"""Police domestic abuse notifications through the services (DESIGN §9): received once per
force reference, matched to the one open family the people named belong to, otherwise left
for triage, where a team standards coordinator or a manager matches or dismisses them.

Most tests start from ``scenario`` (tests/cases/conftest.py): the Hughes family, an open case
in a team with a manager, two social workers and a domestic abuse specialist. The mother has
an NHS number; the father, Daniel Hughes, born 2 July 1988, does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from cases.models import (
    Case,
    CaseStatus,
    ChronologyEvent,
    ChronologyKind,
    DashRisk,
    DismissalReason,
    Family,
    FamilyMember,
    HouseholdRole,
    MatchBasis,
    NotificationStatus,
    PartnerNotification,
    Person,
    PersonRole,
)
from cases.partners.services import (
    NotificationDetails,
    NotifiedPerson,
    partner_notification_dismiss,
    partner_notification_match,
    partner_notification_receive,
)
from cases.services import allocation_start, family_member_end
from supervision.selectors import agenda_for
from supervision.services import supervision_schedule, supervision_sign_off
from teams.models import Notification, NotificationKind, PartnerClient, Team, User
from teams.roles import Role
from teams.tasks import send_notification_email
from tests.cases.conftest import Scenario
from tests.factories import (
    AdultFactory,
    CaseFactory,
    FamilyFactory,
    FamilyMemberFactory,
    MembershipFactory,
    TeamFactory,
    partner_client,
    police_force,
)
from tests.supervision.conftest import build_family_team, ready_to_sign_off

pytestmark = pytest.mark.django_db

SITE = "https://safeguarding.example.org"
FORCE = "Test Constabulary"
SUMMARY = "Officers attended a verbal argument at the family home; no injuries reported."
NO_MATCH = "No open family matches the people named"
SEVERAL_MATCH = "More than one open family matches the people named"
# The roles that triage (DOMAIN.md): written out here, not read from cases.policies.
TRIAGERS = [
    Role.TEAM_STANDARDS_COORDINATOR,
    Role.TEAM_MANAGER,
    Role.ASSISTANT_TEAM_MANAGER,
    Role.SERVICE_MANAGER,
]
NOT_TRIAGERS = [role for role in Role if role not in TRIAGERS]


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def client_(db: None) -> PartnerClient:
    client, _secret = partner_client(police_force(FORCE))
    return client


@pytest.fixture
def coordinator(scenario: Scenario) -> User:
    """The Hughes family's team standards coordinator."""
    return MembershipFactory.create(team=scenario.team, role=Role.TEAM_STANDARDS_COORDINATOR).user


def named(
    person: Person,
    *,
    role: str = PersonRole.VICTIM,
    nhs_number: bool = False,
    date_of_birth: bool = True,
) -> NotifiedPerson:
    """How the police would name ``person``: by default name and date of birth only."""
    return NotifiedPerson(
        role=role,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth if date_of_birth else None,
        nhs_number=person.nhs_number if nhs_number else "",
        address="1 Test Street, Testington",
    )


def stranger(given_name: str = "Ottoline", family_name: str = "Pargeter") -> NotifiedPerson:
    """Someone the council has never recorded."""
    return NotifiedPerson(
        role=PersonRole.SUSPECT,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=dt.date(1979, 11, 5),
    )


def details(
    *people: NotifiedPerson,
    reference: str = "NPT-0001",
    incident_at: dt.datetime | None = None,
    summary: str = SUMMARY,
) -> NotificationDetails:
    return NotificationDetails(
        reference=reference,
        incident_at=incident_at or timezone.now() - dt.timedelta(days=1),
        dash_risk_level=DashRisk.MEDIUM,
        children_present=True,
        summary=summary,
        people=list(people),
    )


def receive(
    client: PartnerClient, *people: NotifiedPerson, **kwargs: object
) -> PartnerNotification:
    return partner_notification_receive(
        client=client,
        details=details(*people, **kwargs),  # type: ignore[arg-type]
    ).notification


def awaiting(client: PartnerClient, reference: str = "NPT-0100") -> PartnerNotification:
    notification = receive(client, stranger(), reference=reference)
    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    return notification


def another_open_family(team: Team, *members: Person) -> Family:
    """A second family, with an open case, that ``members`` currently belong to."""
    case = CaseFactory.create(family=FamilyFactory.create(owning_team=team))
    for person in members:
        FamilyMemberFactory.create(
            family=case.family, person=person, household_role=HouseholdRole.PARENT
        )
    return case.family


def closed_family(team: Team, *members: Person) -> Family:
    case = CaseFactory.create(
        family=FamilyFactory.create(owning_team=team),
        status=CaseStatus.CLOSED,
        closed_date=dt.date(2025, 6, 2),
        closure_reason="RC8",
    )
    for person in members:
        FamilyMemberFactory.create(
            family=case.family, person=person, household_role=HouseholdRole.PARENT
        )
    return case.family


def notification_events(case: Case) -> list[ChronologyEvent]:
    return list(case.chronology.filter(kind=ChronologyKind.PARTNER_NOTIFICATION))


# --- receiving: once per client and reference --------------------------------------------------


def test_a_retry_of_the_same_reference_returns_the_first_notification(
    scenario: Scenario, client_: PartnerClient
) -> None:
    first = partner_notification_receive(
        client=client_, details=details(named(scenario.father), reference="NPT-42")
    )
    retry = partner_notification_receive(
        client=client_,
        details=replace(
            details(stranger(), reference="NPT-42", summary="A different account"),
            dash_risk_level=DashRisk.HIGH,
            children_present=False,
        ),
    )

    assert (first.created, retry.created) == (True, False)
    assert retry.notification.pk == first.notification.pk
    assert PartnerNotification.objects.filter(reference="NPT-42").count() == 1
    stored = PartnerNotification.objects.get(reference="NPT-42")
    assert (stored.summary, stored.dash_risk_level, stored.children_present) == (
        SUMMARY,
        DashRisk.MEDIUM,
        True,
    )
    assert stored.people[0]["given_name"] == "Daniel"
    assert len(notification_events(scenario.case)) == 1


def test_another_client_may_use_the_same_reference(
    scenario: Scenario, client_: PartnerClient
) -> None:
    other_client, _ = partner_client(police_force("Other Constabulary"), name="Other RMS")

    first = partner_notification_receive(client=client_, details=details(reference="NPT-7"))
    second = partner_notification_receive(client=other_client, details=details(reference="NPT-7"))

    assert (first.created, second.created) == (True, True)
    assert first.notification.pk != second.notification.pk
    assert second.notification.organisation.name == "Other Constabulary"
    assert PartnerNotification.objects.filter(reference="NPT-7").count() == 2


def test_the_notification_keeps_what_the_force_sent(
    scenario: Scenario, client_: PartnerClient
) -> None:
    incident_at = timezone.now() - dt.timedelta(hours=30)

    notification = receive(client_, stranger(), incident_at=incident_at)

    notification.refresh_from_db()
    assert notification.organisation.name == FORCE
    assert notification.incident_at == incident_at
    assert notification.people == [
        {
            "role": "suspect",
            "given_name": "Ottoline",
            "family_name": "Pargeter",
            "date_of_birth": "1979-11-05",
            "nhs_number": "",
            "address": "",
        }
    ]


# --- automatic matching ------------------------------------------------------------------------


def test_an_nhs_number_matches_the_family_whatever_the_name(
    scenario: Scenario, client_: PartnerClient
) -> None:
    police_spelling = NotifiedPerson(
        role=PersonRole.VICTIM,
        given_name="Sara",
        family_name="Hewes",
        nhs_number=scenario.mother.nhs_number,
    )

    notification = receive(client_, police_spelling)

    assert notification.status == NotificationStatus.MATCHED
    assert notification.match_basis == MatchBasis.NHS_NUMBER
    assert (notification.family_id, notification.case_id) == (
        scenario.family.pk,
        scenario.case.pk,
    )
    assert notification.matched_by is None
    assert notification.matched_at is not None


def test_name_and_date_of_birth_match_ignoring_case_and_surrounding_spaces(
    scenario: Scenario, client_: PartnerClient
) -> None:
    police_typing = NotifiedPerson(
        role=PersonRole.SUSPECT,
        given_name="  dANIEL ",
        family_name="HUGHES  ",
        date_of_birth=scenario.father.date_of_birth,
    )

    notification = receive(client_, police_typing)

    assert notification.status == NotificationStatus.MATCHED
    assert notification.match_basis == MatchBasis.NAME_AND_DATE_OF_BIRTH
    assert notification.family_id == scenario.family.pk


def test_a_name_with_a_different_date_of_birth_does_not_match(
    scenario: Scenario, client_: PartnerClient
) -> None:
    wrong_birthday = replace(named(scenario.father), date_of_birth=dt.date(1988, 7, 3))

    notification = receive(client_, wrong_birthday)

    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    assert notification.triage_reason == NO_MATCH


def test_an_nhs_number_match_wins_over_a_name_match_to_another_family(
    scenario: Scenario, client_: PartnerClient
) -> None:
    lodger = AdultFactory.create(nhs_number="")
    other = another_open_family(TeamFactory.create(), lodger)

    notification = receive(client_, named(scenario.mother, nhs_number=True), named(lodger))

    assert notification.status == NotificationStatus.MATCHED
    assert notification.match_basis == MatchBasis.NHS_NUMBER
    assert notification.family_id == scenario.family.pk
    assert notification.family_id != other.pk


def test_nobody_known_leaves_the_notification_for_triage(
    scenario: Scenario, client_: PartnerClient
) -> None:
    notification = receive(client_, stranger(), stranger("Quintus", "Abernethy"))

    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    assert notification.triage_reason == NO_MATCH
    assert (notification.family_id, notification.case_id, notification.match_basis) == (
        None,
        None,
        "",
    )
    assert ChronologyEvent.objects.filter(kind=ChronologyKind.PARTNER_NOTIFICATION).count() == 0


def test_people_in_two_open_families_leave_the_notification_for_triage(
    scenario: Scenario, client_: PartnerClient
) -> None:
    namesake = AdultFactory.create(
        given_name="Daniel",
        family_name="Hughes",
        date_of_birth=scenario.father.date_of_birth,
        nhs_number="",
    )
    another_open_family(TeamFactory.create(), namesake)

    notification = receive(client_, named(scenario.father))

    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    assert notification.triage_reason == SEVERAL_MATCH
    assert notification.family_id is None
    assert notification_events(scenario.case) == []


def test_one_person_in_two_open_families_by_nhs_number_is_left_for_triage(
    scenario: Scenario, client_: PartnerClient
) -> None:
    another_open_family(scenario.team, scenario.mother)

    notification = receive(client_, named(scenario.mother, nhs_number=True))

    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    assert notification.triage_reason == SEVERAL_MATCH


def test_a_family_whose_case_is_closed_is_not_matched(
    scenario: Scenario, client_: PartnerClient
) -> None:
    former_client = AdultFactory.create()
    closed_family(scenario.team, former_client)

    notification = receive(client_, named(former_client, nhs_number=True))

    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    assert notification.triage_reason == NO_MATCH


def test_someone_who_has_left_the_household_is_not_matched(
    scenario: Scenario, client_: PartnerClient
) -> None:
    membership = FamilyMember.objects.get(family=scenario.family, person=scenario.father)
    family_member_end(
        actor=scenario.manager,
        case=scenario.case,
        member=membership,
        end_date=timezone.localdate(),
    )

    notification = receive(client_, named(scenario.father))

    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    assert notification.triage_reason == NO_MATCH


def test_a_match_writes_one_significant_chronology_event_on_the_case(
    scenario: Scenario, client_: PartnerClient
) -> None:
    incident_at = timezone.now() - dt.timedelta(days=2)

    notification = receive(
        client_, named(scenario.mother, nhs_number=True), reference="NPT-9", incident_at=incident_at
    )
    # A retry of the same reference adds nothing.
    receive(client_, named(scenario.mother, nhs_number=True), reference="NPT-9")

    [event] = ChronologyEvent.objects.filter(kind=ChronologyKind.PARTNER_NOTIFICATION)
    assert event.case_id == scenario.case.pk
    assert event.significant is True
    assert event.occurred_at == incident_at
    assert (event.source_model, event.source_id) == ("cases.partnernotification", notification.pk)
    assert event.recorded_by is None
    assert FORCE in event.summary
    assert "NPT-9" in event.summary
    assert "medium risk, children present" in event.summary


def test_a_match_tells_the_allocated_workers_and_schedules_their_emails_with_the_id_only(
    scenario: Scenario, client_: PartnerClient, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        receive(client_, named(scenario.mother, nhs_number=True))

    [told] = Notification.objects.filter(kind=NotificationKind.PARTNER_NOTIFICATION)
    assert told.user == scenario.lead
    assert told.url == f"/families/{scenario.family.pk}/"
    [callback] = callbacks
    assert callback.func.__self__.name == send_notification_email.name
    assert callback.keywords == {"args": (told.pk,), "kwargs": {}}


def test_a_notification_left_for_triage_schedules_no_email(
    scenario: Scenario, client_: PartnerClient, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        receive(client_, stranger())

    assert callbacks == []


def test_a_matched_notification_is_on_the_next_supervision_agenda(
    scenario: Scenario, client_: PartnerClient
) -> None:
    supervision = supervision_schedule(
        actor=scenario.manager,
        case=scenario.case,
        scheduled_for=timezone.localdate() + dt.timedelta(days=7),
        chair=scenario.manager,
    )

    notification = receive(client_, named(scenario.mother, nhs_number=True))

    agenda = agenda_for(supervision)
    on_agenda = [
        e for e in agenda.significant_events if e.kind == ChronologyKind.PARTNER_NOTIFICATION
    ]
    assert [e.source_id for e in on_agenda] == [notification.pk]


def test_a_notification_received_after_a_sign_off_about_an_earlier_incident_is_on_the_next_agenda(
    db: None, reference_codes: None, client_: PartnerClient
) -> None:
    ft = build_family_team("Marchbank")
    incident_at = timezone.now() - dt.timedelta(days=2)
    first = supervision_schedule(
        actor=ft.manager,
        case=ft.case,
        scheduled_for=timezone.localdate() - dt.timedelta(days=1),
        chair=ft.manager,
    )
    supervision_sign_off(actor=ft.manager, supervision=ready_to_sign_off(ft, first))
    next_supervision = ft.case.supervisions.exclude(pk=first.pk).get()

    # The force's report of an incident two days ago arrives after yesterday's sign-off.
    notification = receive(client_, named(ft.mother), incident_at=incident_at)

    assert notification.status == NotificationStatus.MATCHED
    agenda = agenda_for(next_supervision)
    assert notification.pk in [
        e.source_id
        for e in agenda.significant_events
        if e.kind == ChronologyKind.PARTNER_NOTIFICATION
    ]


# --- triage: matching ----------------------------------------------------------------------------


def test_a_coordinator_matches_a_notification_to_a_family(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = awaiting(client_)

    partner_notification_match(actor=coordinator, notification=notification, family=scenario.family)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.MATCHED
    assert notification.match_basis == MatchBasis.TRIAGE
    assert (notification.family_id, notification.case_id) == (
        scenario.family.pk,
        scenario.case.pk,
    )
    assert notification.matched_by == coordinator
    [event] = notification_events(scenario.case)
    assert event.significant is True
    assert event.recorded_by == coordinator
    assert event.source_id == notification.pk


@pytest.mark.parametrize("role", TRIAGERS)
def test_triage_roles_may_dismiss(scenario: Scenario, client_: PartnerClient, role: Role) -> None:
    actor = MembershipFactory.create(team=scenario.team, role=role).user
    notification = awaiting(client_)

    partner_notification_dismiss(
        actor=actor, notification=notification, reason=DismissalReason.NOT_KNOWN
    )

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DISMISSED


@pytest.mark.parametrize("role", NOT_TRIAGERS)
def test_other_roles_may_not_match_or_dismiss(
    scenario: Scenario, client_: PartnerClient, role: Role
) -> None:
    actor = MembershipFactory.create(team=scenario.team, role=role).user
    notification = awaiting(client_)

    with pytest.raises(PermissionDenied):
        partner_notification_match(actor=actor, notification=notification, family=scenario.family)
    with pytest.raises(PermissionDenied):
        partner_notification_dismiss(
            actor=actor, notification=notification, reason=DismissalReason.NOT_KNOWN
        )

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    assert notification_events(scenario.case) == []


def test_a_former_coordinator_may_not_triage(scenario: Scenario, client_: PartnerClient) -> None:
    former = MembershipFactory.create(
        team=scenario.team,
        role=Role.TEAM_STANDARDS_COORDINATOR,
        end_date=timezone.localdate() - dt.timedelta(days=1),
    ).user

    with pytest.raises(PermissionDenied):
        partner_notification_dismiss(
            actor=former, notification=awaiting(client_), reason=DismissalReason.NOT_KNOWN
        )


def test_a_notification_already_matched_cannot_be_matched_again(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = receive(client_, named(scenario.mother, nhs_number=True))
    other = another_open_family(scenario.team, AdultFactory.create())

    with pytest.raises(ValidationError, match="already been dealt with"):
        partner_notification_match(actor=coordinator, notification=notification, family=other)
    with pytest.raises(ValidationError, match="already been dealt with"):
        partner_notification_dismiss(
            actor=coordinator, notification=notification, reason=DismissalReason.DUPLICATE
        )

    notification.refresh_from_db()
    assert notification.family_id == scenario.family.pk


def test_a_dismissed_notification_cannot_be_matched(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = awaiting(client_)
    partner_notification_dismiss(
        actor=coordinator, notification=notification, reason=DismissalReason.OUT_OF_AREA
    )

    with pytest.raises(ValidationError, match="already been dealt with"):
        partner_notification_match(
            actor=coordinator, notification=notification, family=scenario.family
        )

    assert notification_events(scenario.case) == []


def test_a_second_coordinator_working_from_the_same_page_cannot_undo_a_match(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    """Two coordinators open the same notification; the first matches it. The second one's
    copy still says "waiting for triage", but the service must go by what is stored."""
    manager_copy = awaiting(client_)
    coordinator_copy = PartnerNotification.objects.get(pk=manager_copy.pk)
    partner_notification_match(
        actor=scenario.manager, notification=manager_copy, family=scenario.family
    )

    with pytest.raises(ValidationError, match="already been dealt with"):
        partner_notification_dismiss(
            actor=coordinator, notification=coordinator_copy, reason=DismissalReason.NOT_KNOWN
        )

    stored = PartnerNotification.objects.get(pk=manager_copy.pk)
    assert stored.status == NotificationStatus.MATCHED
    assert stored.family_id == scenario.family.pk


def test_a_family_the_coordinator_cannot_see_is_refused(
    scenario: Scenario, client_: PartnerClient
) -> None:
    elsewhere = MembershipFactory.create(role=Role.TEAM_STANDARDS_COORDINATOR).user
    notification = awaiting(client_)

    with pytest.raises(ValidationError) as refused:
        partner_notification_match(
            actor=elsewhere, notification=notification, family=scenario.family
        )

    assert refused.value.message_dict == {"family": ["Choose a family you can see"]}
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING_TRIAGE


def test_a_family_without_an_open_case_is_refused(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    family = closed_family(scenario.team, AdultFactory.create())
    notification = awaiting(client_)

    with pytest.raises(ValidationError) as refused:
        partner_notification_match(actor=coordinator, notification=notification, family=family)

    assert list(refused.value.message_dict) == ["family"]
    assert family.reference in refused.value.message_dict["family"][0]
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING_TRIAGE


# --- triage: dismissing --------------------------------------------------------------------------


def test_a_dismissal_records_the_reason_who_and_when(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = awaiting(client_)
    before = timezone.now()

    partner_notification_dismiss(
        actor=coordinator,
        notification=notification,
        reason=DismissalReason.DUPLICATE,
        note="  Same incident as NPT-0099  ",
    )

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DISMISSED
    assert notification.dismissal_reason == DismissalReason.DUPLICATE
    assert notification.dismissal_note == "Same incident as NPT-0099"
    assert notification.dismissed_by == coordinator
    assert notification.dismissed_at is not None
    assert notification.dismissed_at >= before
    assert ChronologyEvent.objects.filter(kind=ChronologyKind.PARTNER_NOTIFICATION).count() == 0


@pytest.mark.parametrize("note", ["", "   "])
def test_dismissing_for_another_reason_needs_a_note(
    scenario: Scenario, client_: PartnerClient, coordinator: User, note: str
) -> None:
    notification = awaiting(client_)

    with pytest.raises(ValidationError) as refused:
        partner_notification_dismiss(
            actor=coordinator, notification=notification, reason=DismissalReason.OTHER, note=note
        )

    assert list(refused.value.message_dict) == ["note"]
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING_TRIAGE


def test_dismissing_for_another_reason_with_a_note_is_accepted(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = awaiting(client_)

    partner_notification_dismiss(
        actor=coordinator,
        notification=notification,
        reason=DismissalReason.OTHER,
        note="Police withdrew the notification",
    )

    notification.refresh_from_db()
    assert notification.dismissal_reason == DismissalReason.OTHER
    assert notification.dismissal_note == "Police withdrew the notification"


def test_an_unknown_dismissal_reason_is_refused(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = awaiting(client_)

    with pytest.raises(ValidationError) as refused:
        partner_notification_dismiss(actor=coordinator, notification=notification, reason="bored")

    assert list(refused.value.message_dict) == ["reason"]


# --- the email to allocated workers ---------------------------------------------------------------


@override_settings(SITE_URL=SITE)
def test_the_match_email_goes_to_the_allocated_workers_and_names_nobody(
    scenario: Scenario, client_: PartnerClient
) -> None:
    allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.da_specialist,
        adult=scenario.mother,
    )
    receive(
        client_, named(scenario.mother, nhs_number=True), named(scenario.father), reference="NPT-77"
    )
    mail.outbox.clear()
    told = Notification.objects.filter(kind=NotificationKind.PARTNER_NOTIFICATION)

    sent = [send_notification_email(notification.pk) for notification in told]

    assert sent == [True, True]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [scenario.lead.email, scenario.da_specialist.email]
    )
    assert sorted(f"{SITE}/notifications/{n.pk}/open/" for n in told) == sorted(
        message.body.split("Sign in to see it: ")[1].split()[0] for message in mail.outbox
    )
    text = "\n".join(f"{message.subject}\n{message.body}" for message in mail.outbox)
    for person in (scenario.mother, scenario.father, scenario.older_child, scenario.younger_child):
        assert person.given_name not in text
        assert person.family_name not in text
    assert scenario.mother.nhs_number not in text
    assert scenario.family.reference not in text
    assert scenario.family.name not in text
    assert "1 Test Street" not in text
    assert "NPT-77" not in text
    assert SUMMARY not in text


def test_no_email_for_a_notification_left_for_triage_or_gone(
    scenario: Scenario, client_: PartnerClient
) -> None:
    awaiting(client_)
    mail.outbox.clear()

    assert not Notification.objects.filter(kind=NotificationKind.PARTNER_NOTIFICATION).exists()
    assert send_notification_email(999_999_999) is False
    assert mail.outbox == []
