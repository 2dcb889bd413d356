"""The triage pages for police notifications that matched no single open family: who may open
them, what they show, matching by suggestion or by reference, dismissing, the errors a
coordinator sees, the read audit of the possible matches, and the pages' query budgets.

Data comes from ``scenario`` (tests/cases/conftest.py): the Hughes family in a team with a
manager, two social workers and a domestic abuse specialist; this module adds the team's
standards coordinator and a police force's partner client.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    AccessAction,
    AccessEvent,
    CaseStatus,
    ChronologyKind,
    DashRisk,
    DismissalReason,
    Family,
    HouseholdRole,
    NotificationStatus,
    PartnerNotification,
    Person,
    PersonRole,
    RecordType,
)
from cases.partners.services import (
    NotificationDetails,
    NotifiedPerson,
    partner_notification_dismiss,
    partner_notification_receive,
)
from teams.models import PartnerClient, Team, User
from teams.roles import Role, ServiceRole
from tests import permission_matrix
from tests.cases.conftest import Scenario
from tests.factories import (
    AdultFactory,
    CaseFactory,
    FamilyFactory,
    FamilyMemberFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    partner_client,
    police_force,
)

pytestmark = pytest.mark.django_db

FORCE = "Test Constabulary"
SUMMARY = "Officers attended a report of shouting; the children were upstairs."
# Who triages (DOMAIN.md), written out here rather than read from cases.policies.
TRIAGERS = {
    Role.TEAM_STANDARDS_COORDINATOR,
    Role.TEAM_MANAGER,
    Role.ASSISTANT_TEAM_MANAGER,
    Role.SERVICE_MANAGER,
}
CEILING = 30  # more queries than this and a page has grown a per-row query


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def client_(db: None) -> PartnerClient:
    client, _secret = partner_client(police_force(FORCE))
    return client


@pytest.fixture
def coordinator(scenario: Scenario) -> User:
    return MembershipFactory.create(team=scenario.team, role=Role.TEAM_STANDARDS_COORDINATOR).user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def notify(
    client: PartnerClient,
    *people: NotifiedPerson,
    reference: str = "NPT-0001",
    received_at: dt.datetime | None = None,
    dash: str = DashRisk.HIGH,
    children_present: bool = True,
) -> PartnerNotification:
    return partner_notification_receive(
        client=client,
        details=NotificationDetails(
            reference=reference,
            incident_at=timezone.now() - dt.timedelta(days=3),
            dash_risk_level=dash,
            children_present=children_present,
            summary=SUMMARY,
            people=list(people),
        ),
        received_at=received_at,
    ).notification


def unknown(given_name: str = "Ottoline", family_name: str = "Pargeter") -> NotifiedPerson:
    return NotifiedPerson(
        role=PersonRole.SUSPECT,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=dt.date(1979, 11, 5),
        address="9 Elsewhere Lane",
    )


def as_named(person: Person, given_name: str | None = None) -> NotifiedPerson:
    """``person`` as the police might name them: name and date of birth, no NHS number."""
    return NotifiedPerson(
        role=PersonRole.VICTIM,
        given_name=given_name or person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
    )


def waiting(client: PartnerClient, reference: str = "NPT-0100") -> PartnerNotification:
    return notify(client, unknown(), reference=reference)


def second_open_family(team: Team, *members: Person) -> Family:
    case = CaseFactory.create(
        family=FamilyFactory.create(owning_team=team, name="The Ashby family")
    )
    for person in members:
        FamilyMemberFactory.create(
            family=case.family, person=person, household_role=HouseholdRole.PARENT
        )
    return case.family


def detail_url(notification: PartnerNotification) -> str:
    return reverse("cases:triage-detail", args=[notification.public_id])


LIST_URL = "/notifications/triage/"
DETAIL_LINK = re.compile(r'href="/notifications/triage/[0-9a-f-]{36}/"')


# --- who may open the pages ------------------------------------------------------------------

permission_matrix.register(__name__, ["cases:triage", "cases:triage-detail"])


def test_the_pages_are_at_the_documented_addresses(client_: PartnerClient) -> None:
    notification = waiting(client_)

    assert reverse("cases:triage") == LIST_URL
    assert detail_url(notification) == f"{LIST_URL}{notification.public_id}/"


@pytest.mark.parametrize("role", list(Role))
def test_team_roles_open_the_queue_only_if_they_triage(
    scenario: Scenario, client_: PartnerClient, role: Role
) -> None:
    user = MembershipFactory.create(team=scenario.team, role=role).user
    notification = waiting(client_)
    expected = 200 if role in TRIAGERS else 403
    client = signed_in(user)

    assert client.get(LIST_URL).status_code == expected
    assert client.get(detail_url(notification)).status_code == expected


@pytest.mark.parametrize("service_role", list(ServiceRole))
def test_roles_outside_a_team_never_open_the_queue(
    client_: PartnerClient, service_role: ServiceRole
) -> None:
    user = UserFactory.create(service_role=service_role)
    notification = waiting(client_)
    client = signed_in(user)

    assert client.get(LIST_URL).status_code == 403
    assert client.get(detail_url(notification)).status_code == 403


def test_a_coordinator_whose_membership_ended_is_refused(
    scenario: Scenario, client_: PartnerClient
) -> None:
    former = MembershipFactory.create(
        team=scenario.team,
        role=Role.TEAM_STANDARDS_COORDINATOR,
        end_date=timezone.localdate() - dt.timedelta(days=1),
    ).user

    assert signed_in(former).get(LIST_URL).status_code == 403


def test_a_signed_out_visitor_is_sent_to_sign_in(client_: PartnerClient) -> None:
    notification = waiting(client_)

    for url in (LIST_URL, detail_url(notification)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


def test_the_navigation_links_to_the_queue_only_for_those_who_triage(
    scenario: Scenario, coordinator: User
) -> None:
    link = f'href="{LIST_URL}"'.encode()

    assert link in signed_in(coordinator).get(reverse("home")).content
    assert link in signed_in(scenario.manager).get(reverse("home")).content
    assert link not in signed_in(scenario.social_worker).get(reverse("home")).content
    assert link not in signed_in(scenario.da_specialist).get(reverse("home")).content


# --- the queue -----------------------------------------------------------------------------------


def test_the_queue_lists_notifications_waiting_for_triage_oldest_first(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    now = timezone.now()
    newer = notify(
        client_,
        unknown(),
        reference="NPT-NEWER",
        received_at=now - dt.timedelta(hours=1),
        dash=DashRisk.STANDARD,
        children_present=False,
    )
    older = notify(
        client_, unknown(), reference="NPT-OLDER", received_at=now - dt.timedelta(days=2)
    )
    notify(client_, as_named(scenario.father), reference="NPT-MATCHED")
    dismissed = waiting(client_, reference="NPT-DISMISSED")
    partner_notification_dismiss(
        actor=coordinator, notification=dismissed, reason=DismissalReason.NOT_KNOWN
    )

    response = signed_in(coordinator).get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 waiting" in html
    assert html.index("NPT-OLDER") < html.index("NPT-NEWER")
    assert "NPT-MATCHED" not in html
    assert "NPT-DISMISSED" not in html
    assert html.count(FORCE) == 2
    assert "No open family matches the people named" in html
    assert (
        f"{older.received_at.astimezone(timezone.get_current_timezone()):%-d %b %Y %H:%M}" in html
    )
    assert "govuk-tag--red" in html  # the older one's high risk
    assert "Standard" in html
    assert detail_url(newer) in html
    # Names, dates of birth and addresses stay on the detail page.
    assert "Ottoline" not in html
    assert "9 Elsewhere Lane" not in html
    assert "1 dealt with in the last 30 days" in html


def test_the_queue_says_when_nothing_is_waiting(coordinator: User) -> None:
    response = signed_in(coordinator).get(LIST_URL)

    assert response.status_code == 200
    assert b"There are no notifications waiting for triage." in response.content


def test_the_queue_shows_50_a_page(client_: PartnerClient, coordinator: User) -> None:
    start = timezone.now() - dt.timedelta(days=60)
    for n in range(51):
        notify(
            client_, unknown(), reference=f"NPT-{n:04d}", received_at=start + dt.timedelta(hours=n)
        )
    client = signed_in(coordinator)

    first = client.get(LIST_URL).content.decode()
    second = client.get(LIST_URL, {"page": 2}).content.decode()

    assert "51 waiting" in first
    assert len(DETAIL_LINK.findall(first)) == 50
    assert "NPT-0000" in first
    assert "NPT-0050" not in first
    assert len(DETAIL_LINK.findall(second)) == 1
    assert "NPT-0050" in second
    assert 'aria-label="Page 2"' in first


# --- one notification ----------------------------------------------------------------------------


def test_the_detail_shows_what_the_police_sent(client_: PartnerClient, coordinator: User) -> None:
    notification = notify(client_, unknown(), unknown("Quintus", "Abernethy"))

    response = signed_in(coordinator).get(detail_url(notification))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Police notification {notification.reference}" in html
    assert FORCE in html
    assert SUMMARY in html
    assert "Ottoline Pargeter" in html
    assert "Quintus Abernethy" in html
    assert "5 Nov 1979" in html
    assert "9 Elsewhere Lane" in html
    assert "Suspect" in html
    assert "No open family matches the people named" in html
    assert "Match notification" in html
    assert "Dismiss notification" in html


def test_possible_matches_are_people_the_coordinator_can_see_born_the_same_day_or_named_alike(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    # Unknown to automatic matching: the police spelt the father's first name differently and
    # have the older child's date of birth but an unfamiliar name.
    notification = notify(
        client_,
        as_named(scenario.father, given_name="Danial"),
        NotifiedPerson(
            role=PersonRole.CHILD,
            given_name="Kit",
            family_name="Marlow",
            date_of_birth=scenario.older_child.date_of_birth,
        ),
    )
    assert notification.status == NotificationStatus.AWAITING_TRIAGE
    hidden_namesake = AdultFactory.create(
        given_name="Daniel", family_name="Hughes", date_of_birth=scenario.father.date_of_birth
    )
    second_open_family(TeamFactory.create(), hidden_namesake)

    response = signed_in(coordinator).get(detail_url(notification))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("cases:person", args=[scenario.father.pk]) in html
    assert reverse("cases:person", args=[scenario.older_child.pk]) in html
    assert reverse("cases:person", args=[scenario.mother.pk]) not in html
    assert reverse("cases:person", args=[hidden_namesake.pk]) not in html
    assert reverse("cases:family", args=[scenario.family.pk]) in html
    assert scenario.family.reference in html
    assert "Same date of birth and similar name" in html  # the father
    assert "Same date of birth<" in html  # the older child
    # The family is offered in the match form.
    assert f'value="{scenario.family.pk}"' in html


def test_showing_possible_matches_is_audited_like_a_search(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = notify(client_, as_named(scenario.father, given_name="Danial"))

    signed_in(coordinator).get(detail_url(notification))

    listed = AccessEvent.objects.filter(user_id=coordinator.pk, action=AccessAction.LIST)
    assert {(e.record_type, e.record_id, e.family_id) for e in listed} == {
        (RecordType.PERSON, scenario.father.pk, scenario.family.pk)
    }


def test_a_family_without_an_open_case_is_not_offered(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    former = AdultFactory.create(given_name="Rowena", family_name="Tregarthen")
    closed = CaseFactory.create(
        family=FamilyFactory.create(owning_team=scenario.team),
        status=CaseStatus.CLOSED,
        closed_date=dt.date(2025, 6, 2),
        closure_reason="RC8",
    )
    FamilyMemberFactory.create(family=closed.family, person=former)
    notification = notify(client_, as_named(former))
    assert notification.status == NotificationStatus.AWAITING_TRIAGE

    html = signed_in(coordinator).get(detail_url(notification)).content.decode()

    assert reverse("cases:person", args=[former.pk]) in html
    assert f'value="{closed.family.pk}"' not in html
    assert 'name="match-family_reference"' in html


def test_an_unknown_notification_is_not_found(coordinator: User) -> None:
    url = reverse("cases:triage-detail", args=["2b1c4b9e-8a8f-4a49-9d6a-3f0a1b2c3d4e"])

    assert signed_in(coordinator).get(url).status_code == 404


# --- matching ----------------------------------------------------------------------------------


def test_a_coordinator_matches_by_family_reference(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = waiting(client_)
    client = signed_in(coordinator)

    response = client.post(
        detail_url(notification),
        {"action": "match", "match-family_reference": scenario.family.reference.lower()},
        follow=True,
    )

    assert response.redirect_chain == [(LIST_URL, 302)]
    html = response.content.decode()
    assert "govuk-notification-banner--success" in html
    assert (
        f"Notification NPT-0100 matched to {scenario.family.reference}. "
        "It is on the family&#x27;s chronology"
    ) in html
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.MATCHED
    assert notification.matched_by == coordinator
    assert notification.family_id == scenario.family.pk
    assert scenario.case.chronology.filter(kind=ChronologyKind.PARTNER_NOTIFICATION).count() == 1


def test_a_coordinator_matches_to_a_suggested_family(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = notify(client_, as_named(scenario.father, given_name="Danial"))

    response = signed_in(coordinator).post(
        detail_url(notification), {"action": "match", "match-family": str(scenario.family.pk)}
    )

    assert response.status_code == 302
    notification.refresh_from_db()
    assert (notification.status, notification.family_id) == (
        NotificationStatus.MATCHED,
        scenario.family.pk,
    )


def test_another_family_by_reference_when_families_are_suggested(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    other = second_open_family(scenario.team, AdultFactory.create())
    notification = notify(client_, as_named(scenario.father, given_name="Danial"))

    response = signed_in(coordinator).post(
        detail_url(notification),
        {
            "action": "match",
            "match-family": "another",
            "match-family_reference": other.reference,
        },
    )

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.family_id == other.pk


def test_a_reference_typed_without_choosing_a_radio_is_used(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    other = second_open_family(scenario.team, AdultFactory.create())
    notification = notify(client_, as_named(scenario.father, given_name="Danial"))

    response = signed_in(coordinator).post(
        detail_url(notification), {"action": "match", "match-family_reference": other.reference}
    )

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.family_id == other.pk


def test_a_suggested_family_and_a_typed_reference_together_are_refused(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    other = second_open_family(scenario.team, AdultFactory.create())
    notification = notify(client_, as_named(scenario.father, given_name="Danial"))

    response = signed_in(coordinator).post(
        detail_url(notification),
        {
            "action": "match",
            "match-family": str(scenario.family.pk),
            "match-family_reference": other.reference,
        },
    )

    assert response.status_code == 400
    assert (
        b'<a href="#id_match-family_reference">Clear the reference, or choose another family'
        in response.content
    )
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING_TRIAGE


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ({}, "Enter the family reference, for example FS-000123"),
        ({"match-family_reference": "Hughes"}, "Enter a family reference in the format FS-000123"),
        ({"match-family_reference": "FS-999999"}, "Choose a family you can see"),
    ],
)
def test_match_errors_are_shown_on_the_reference(
    client_: PartnerClient, coordinator: User, posted: dict[str, str], error: str
) -> None:
    notification = waiting(client_)

    response = signed_in(coordinator).post(detail_url(notification), {"action": "match", **posted})

    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: " in html
    assert f'<a href="#id_match-family_reference">{error}</a>' in html
    assert 'id="id_match-family_reference-error"' in html
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING_TRIAGE


def test_a_family_the_coordinator_cannot_see_is_refused_like_one_that_does_not_exist(
    client_: PartnerClient, coordinator: User
) -> None:
    elsewhere = second_open_family(TeamFactory.create(), AdultFactory.create())
    notification = waiting(client_)

    response = signed_in(coordinator).post(
        detail_url(notification),
        {"action": "match", "match-family_reference": elsewhere.reference},
    )

    assert response.status_code == 400
    assert b'<a href="#id_match-family_reference">Choose a family you can see</a>' in (
        response.content
    )
    assert elsewhere.name.encode() not in response.content


def test_a_family_with_a_closed_case_is_refused_with_the_services_reason(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    closed = CaseFactory.create(
        family=FamilyFactory.create(owning_team=scenario.team),
        status=CaseStatus.CLOSED,
        closed_date=dt.date(2025, 6, 2),
        closure_reason="RC8",
    )
    notification = waiting(client_)

    response = signed_in(coordinator).post(
        detail_url(notification),
        {"action": "match", "match-family_reference": closed.family.reference},
    )

    assert response.status_code == 400
    assert (
        f"{closed.family.reference} has no open case: dismiss the notification instead"
    ).encode() in response.content


def test_choosing_no_suggested_family_is_an_error_on_the_radios(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = notify(client_, as_named(scenario.father, given_name="Danial"))

    response = signed_in(coordinator).post(detail_url(notification), {"action": "match"})

    assert response.status_code == 400
    assert (
        b'<a href="#id_match-family-0">Choose the family this notification is about</a>'
        in response.content
    )
    assert b'id="id_match-family-0"' in response.content


# --- dismissing ----------------------------------------------------------------------------------


def test_a_coordinator_dismisses_with_a_reason(client_: PartnerClient, coordinator: User) -> None:
    notification = waiting(client_)

    response = signed_in(coordinator).post(
        detail_url(notification),
        {"action": "dismiss", "dismiss-reason": DismissalReason.OUT_OF_AREA, "dismiss-note": ""},
        follow=True,
    )

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert (
        b"Notification NPT-0100 dismissed: family lives outside the council&#x27;s area"
        in response.content
    )
    assert b"There are no notifications waiting for triage." in response.content
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DISMISSED
    assert notification.dismissal_reason == DismissalReason.OUT_OF_AREA
    assert notification.dismissed_by == coordinator


def test_dismissing_without_a_reason_shows_an_error(
    client_: PartnerClient, coordinator: User
) -> None:
    notification = waiting(client_)

    response = signed_in(coordinator).post(detail_url(notification), {"action": "dismiss"})

    assert response.status_code == 400
    assert (
        b'<a href="#id_dismiss-reason-0">Choose why you are dismissing the notification</a>'
        in response.content
    )
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING_TRIAGE


def test_dismissing_for_another_reason_without_a_note_shows_the_services_error(
    client_: PartnerClient, coordinator: User
) -> None:
    notification = waiting(client_)

    response = signed_in(coordinator).post(
        detail_url(notification),
        {"action": "dismiss", "dismiss-reason": DismissalReason.OTHER, "dismiss-note": "  "},
    )

    assert response.status_code == 400
    assert (
        b'<a href="#id_dismiss-note">Say why the notification is being dismissed</a>'
        in response.content
    )
    # What the coordinator chose is kept.
    assert b'value="other" checked' in response.content
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING_TRIAGE


# --- after triage --------------------------------------------------------------------------------


def test_a_dismissed_notification_shows_its_outcome_read_only(
    client_: PartnerClient, coordinator: User
) -> None:
    notification = waiting(client_)
    partner_notification_dismiss(
        actor=coordinator,
        notification=notification,
        reason=DismissalReason.DUPLICATE,
        note="Same incident as NPT-0099",
    )

    response = signed_in(coordinator).get(detail_url(notification))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Dismissed by {coordinator.get_full_name()}" in html
    assert "duplicate of another notification" in html
    assert "Same incident as NPT-0099" in html
    assert "Match notification" not in html
    assert "Dismiss notification" not in html
    assert "Possible matches" not in html


def test_a_matched_notification_shows_the_family_to_those_who_can_see_it(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = notify(client_, as_named(scenario.father))
    assert notification.status == NotificationStatus.MATCHED

    response = signed_in(coordinator).get(detail_url(notification))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("cases:family", args=[scenario.family.pk]) in html
    assert "automatically, by name and date of birth" in html
    assert "Match notification" not in html


def test_a_notification_matched_to_a_family_the_triager_cannot_see_is_not_found(
    scenario: Scenario, client_: PartnerClient
) -> None:
    elsewhere = MembershipFactory.create(role=Role.TEAM_STANDARDS_COORDINATOR).user
    notification = notify(client_, as_named(scenario.father))

    assert signed_in(elsewhere).get(detail_url(notification)).status_code == 404


def test_posting_to_a_notification_already_dealt_with_changes_nothing(
    scenario: Scenario, client_: PartnerClient, coordinator: User
) -> None:
    notification = waiting(client_)
    partner_notification_dismiss(
        actor=scenario.manager, notification=notification, reason=DismissalReason.NOT_KNOWN
    )

    response = signed_in(coordinator).post(
        detail_url(notification),
        {"action": "match", "match-family_reference": scenario.family.reference},
        follow=True,
    )

    assert response.redirect_chain == [(detail_url(notification), 302)]
    assert b"This notification has already been dealt with" in response.content
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DISMISSED
    assert notification.dismissed_by == scenario.manager


# --- query budgets (STYLE.md §13) ----------------------------------------------------------------


def test_the_queue_runs_the_same_queries_for_3_and_30_notifications(
    client_: PartnerClient,
    coordinator: User,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(3):
        waiting(client_, reference=f"NPT-A{n}")
    client = signed_in(coordinator)
    client.get(LIST_URL)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(LIST_URL).status_code == 200

    for n in range(27):
        waiting(client_, reference=f"NPT-B{n}")

    with django_assert_num_queries(len(small)):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert b"30 waiting" in response.content


def test_the_detail_runs_the_same_queries_for_1_and_12_possible_matches(
    scenario: Scenario,
    client_: PartnerClient,
    coordinator: User,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    born = dt.date(1984, 2, 29)
    FamilyMemberFactory.create(
        family=scenario.family,
        person=AdultFactory.create(date_of_birth=born),
        household_role=HouseholdRole.OTHER_ADULT,
    )
    notification = notify(
        client_,
        NotifiedPerson(
            role=PersonRole.VICTIM, given_name="Unmatched", family_name="Name", date_of_birth=born
        ),
    )
    client = signed_in(coordinator)
    url = detail_url(notification)
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    for _ in range(11):
        second_open_family(scenario.team, AdultFactory.create(date_of_birth=born))

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"Same date of birth<") == 12
