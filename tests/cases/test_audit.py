"""The read audit and the change history, seen through the pages (DESIGN §4 audit, §5).

- every GET of a family or person page writes exactly one ``AccessEvent`` saying who, which
  record, which family, why they could (the basis) and the request id the response carries;
- a page the user may not see (404) writes none; forms and lists write no view events;
- the audit table is append-only at the database: UPDATE and DELETE are refused by a trigger,
  whether they come from the ORM or from raw SQL;
- the "who viewed" page lists the viewer;
- change history (django-pghistory) records the signed-in user who made a change through a form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessAction, AccessBasis, AccessEvent, RecordType, Warning, WarningKind
from cases.services import access_grant_request, case_share
from teams.models import User
from teams.roles import Role, ServiceRole
from tests.cases.conftest import Scenario
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

EMERGENCY_REASON = "Child presented at A&E out of hours; checking for a protection plan."
PROTECTED = "pgtrigger: Cannot"  # the start of the message pgtrigger's Protect trigger raises


# --- who opens the page, and why they may -------------------------------------------------------


def _allocated_worker(scenario: Scenario) -> User:
    return scenario.lead


def _team_member(scenario: Scenario) -> User:
    return scenario.social_worker


def _service_manager(scenario: Scenario) -> User:
    sister_team = TeamFactory.create(service=scenario.team.service)
    return MembershipFactory.create(team=sister_team, role=Role.SERVICE_MANAGER).user


def _emergency_grantee(scenario: Scenario) -> User:
    outsider = MembershipFactory.create(role=Role.SOCIAL_WORKER).user
    access_grant_request(actor=outsider, case=scenario.case, reason=EMERGENCY_REASON)
    return outsider


def _reviewing_officer(scenario: Scenario) -> User:
    officer = UserFactory.create(service_role=ServiceRole.INDEPENDENT_REVIEWING_OFFICER)
    case_share(actor=scenario.manager, case=scenario.case, user=officer)
    return officer


VIEWERS: dict[AccessBasis, Callable[[Scenario], User]] = {
    AccessBasis.ALLOCATION: _allocated_worker,
    AccessBasis.TEAM: _team_member,
    AccessBasis.SERVICE: _service_manager,
    AccessBasis.GRANT: _emergency_grantee,
    AccessBasis.SHARED: _reviewing_officer,
}


def _signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _event_fields(event: AccessEvent) -> tuple[object, ...]:
    return (
        event.user_id,
        event.record_type,
        event.record_id,
        event.family_id,
        event.action,
        event.basis,
    )


# --- one event per read ---------------------------------------------------------------------------


@pytest.mark.parametrize("basis", list(VIEWERS))
def test_opening_a_family_page_writes_one_view_event_with_the_basis(
    scenario: Scenario, client: Client, basis: AccessBasis
) -> None:
    viewer = VIEWERS[basis](scenario)
    _signed_in(client, viewer)
    before = AccessEvent.objects.count()

    response = client.get(reverse("cases:family", args=[scenario.family.pk]))

    assert response.status_code == 200
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.latest("pk")
    assert _event_fields(event) == (
        viewer.pk,
        RecordType.FAMILY,
        scenario.family.pk,
        scenario.family.pk,
        AccessAction.VIEW,
        basis,
    )
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) >= 8


@pytest.mark.parametrize("basis", list(VIEWERS))
def test_opening_a_person_page_writes_one_view_event_with_the_basis(
    scenario: Scenario, client: Client, basis: AccessBasis
) -> None:
    viewer = VIEWERS[basis](scenario)
    _signed_in(client, viewer)
    before = AccessEvent.objects.count()

    response = client.get(reverse("cases:person", args=[scenario.older_child.pk]))

    assert response.status_code == 200
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.latest("pk")
    assert _event_fields(event) == (
        viewer.pk,
        RecordType.PERSON,
        scenario.older_child.pk,
        scenario.family.pk,
        AccessAction.VIEW,
        basis,
    )
    assert event.request_id == response["X-Request-ID"]


def test_the_event_carries_the_request_id_a_load_balancer_sent(
    scenario: Scenario, client: Client
) -> None:
    _signed_in(client, scenario.lead)

    response = client.get(
        reverse("cases:family", args=[scenario.family.pk]),
        headers={"X-Request-ID": "lb-trace-0001"},
    )

    assert response["X-Request-ID"] == "lb-trace-0001"
    assert AccessEvent.objects.latest("pk").request_id == "lb-trace-0001"


def test_each_read_writes_its_own_event(scenario: Scenario, client: Client) -> None:
    _signed_in(client, scenario.lead)
    url = reverse("cases:family", args=[scenario.family.pk])

    first = client.get(url)
    second = client.get(url)

    assert list(
        AccessEvent.objects.filter(user_id=scenario.lead.pk)
        .order_by("pk")
        .values_list("request_id", flat=True)
    ) == [first["X-Request-ID"], second["X-Request-ID"]]
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("url_name", ["cases:family", "cases:person"])
def test_a_page_the_user_cannot_see_writes_no_event(
    scenario: Scenario, client: Client, url_name: str
) -> None:
    _signed_in(client, MembershipFactory.create(role=Role.SOCIAL_WORKER).user)
    target = {"cases:family": scenario.family.pk, "cases:person": scenario.older_child.pk}[url_name]
    before = AccessEvent.objects.count()

    response = client.get(reverse(url_name, args=[target]))

    assert response.status_code == 404
    assert AccessEvent.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        lambda s: reverse("cases:member-add", args=[s.family.pk]),
        lambda s: reverse("cases:relationship-add", args=[s.family.pk]),
        lambda s: reverse("cases:warning-add", args=[s.family.pk]),
        lambda s: reverse("cases:status-add", args=[s.family.pk]),
        lambda s: reverse("cases:allocate", args=[s.family.pk]),
        lambda s: reverse("cases:transfer", args=[s.family.pk]),
        lambda s: reverse("cases:close", args=[s.family.pk]),
        lambda s: reverse("cases:share", args=[s.family.pk]),
        lambda s: reverse("cases:access-log", args=[s.family.pk]),
        lambda s: reverse("cases:caseload"),
        lambda s: reverse("cases:team-caseload", args=[s.team.slug]),
        lambda s: reverse("cases:team", args=[s.team.slug]),
        lambda s: reverse("cases:search") + "?name=Hughes",
    ],
    ids=[
        "member-add",
        "relationship-add",
        "warning-add",
        "status-add",
        "allocate",
        "transfer",
        "close",
        "share",
        "who-viewed",
        "caseload",
        "team-caseload",
        "team",
        "search",
    ],
)
def test_forms_and_lists_write_no_view_event(
    scenario: Scenario, client: Client, url: Callable[[Scenario], str]
) -> None:
    _signed_in(client, scenario.manager)
    before = AccessEvent.objects.filter(action=AccessAction.VIEW).count()

    response = client.get(url(scenario))

    assert response.status_code == 200
    assert AccessEvent.objects.filter(action=AccessAction.VIEW).count() == before


def test_opening_a_person_to_change_their_details_is_audited_as_a_view(
    scenario: Scenario, client: Client
) -> None:
    _signed_in(client, scenario.manager)

    response = client.get(reverse("cases:person-edit", args=[scenario.older_child.pk]))

    assert response.status_code == 200
    [event] = AccessEvent.objects.filter(user_id=scenario.manager.pk, action=AccessAction.VIEW)
    assert (event.record_type, event.record_id, event.family_id) == (
        RecordType.PERSON,
        scenario.older_child.pk,
        scenario.family.pk,
    )


def test_search_results_write_one_list_event_per_person_shown(
    scenario: Scenario, client: Client
) -> None:
    _signed_in(client, scenario.manager)

    response = client.get(reverse("cases:search") + "?name=Hughes")

    assert response.status_code == 200
    events = AccessEvent.objects.filter(user_id=scenario.manager.pk, action=AccessAction.LIST)
    assert sorted(events.values_list("record_id", flat=True)) == sorted(
        person.pk
        for person in (
            scenario.mother,
            scenario.father,
            scenario.older_child,
            scenario.younger_child,
        )
    )
    assert set(events.values_list("record_type", "family_id", "basis")) == {
        (RecordType.PERSON, scenario.family.pk, AccessBasis.TEAM)
    }


# --- append-only ----------------------------------------------------------------------------------


def _orm_queryset_update(event: AccessEvent) -> None:
    AccessEvent.objects.filter(pk=event.pk).update(basis=AccessBasis.GRANT)


def _orm_save(event: AccessEvent) -> None:
    event.basis = AccessBasis.GRANT
    event.save()


def _orm_queryset_delete(event: AccessEvent) -> None:
    AccessEvent.objects.filter(pk=event.pk).delete()


def _orm_instance_delete(event: AccessEvent) -> None:
    event.delete()


def _sql_update(event: AccessEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AccessEvent._meta.db_table} SET basis = %s WHERE id = %s",  # noqa: S608 - table name from the model
            [AccessBasis.GRANT, event.pk],
        )


def _sql_delete(event: AccessEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {AccessEvent._meta.db_table} WHERE id = %s",  # noqa: S608 - table name from the model
            [event.pk],
        )


@pytest.mark.parametrize(
    "change",
    [
        _orm_queryset_update,
        _orm_save,
        _orm_queryset_delete,
        _orm_instance_delete,
        _sql_update,
        _sql_delete,
    ],
    ids=[
        "ORM update",
        "ORM save",
        "ORM queryset delete",
        "ORM instance delete",
        "SQL update",
        "SQL delete",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_access_event(
    scenario: Scenario, client: Client, change: Callable[[AccessEvent], None]
) -> None:
    _signed_in(client, scenario.lead)
    client.get(reverse("cases:family", args=[scenario.family.pk]))
    event = AccessEvent.objects.latest("pk")

    with pytest.raises(ProgrammingError, match=PROTECTED), transaction.atomic():
        change(event)

    assert _event_fields(AccessEvent.objects.get(pk=event.pk)) == (
        scenario.lead.pk,
        RecordType.FAMILY,
        scenario.family.pk,
        scenario.family.pk,
        AccessAction.VIEW,
        AccessBasis.ALLOCATION,
    )


# --- who viewed -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reader",
    [
        lambda s: s.manager,
        lambda s: UserFactory.create(service_role=ServiceRole.AUDITOR),
    ],
    ids=["team manager", "auditor"],
)
def test_the_who_viewed_page_lists_the_viewer_and_why_they_could(
    scenario: Scenario, reader: Callable[[Scenario], User]
) -> None:
    viewer = Client()
    viewer.force_login(scenario.social_worker)
    viewer.get(reverse("cases:family", args=[scenario.family.pk]))
    manager = Client()
    manager.force_login(reader(scenario))

    response = manager.get(reverse("cases:access-log", args=[scenario.family.pk]))

    assert response.status_code == 200
    assert scenario.social_worker.get_full_name().encode() in response.content
    assert scenario.social_worker.email.encode() in response.content
    assert AccessBasis.TEAM.label.encode() in response.content


def test_the_who_viewed_page_tags_emergency_access(scenario: Scenario) -> None:
    grantee = _emergency_grantee(scenario)
    viewer = Client()
    viewer.force_login(grantee)
    viewer.get(reverse("cases:family", args=[scenario.family.pk]))
    manager = Client()
    manager.force_login(scenario.manager)

    response = manager.get(reverse("cases:access-log", args=[scenario.family.pk]))

    assert grantee.get_full_name().encode() in response.content
    assert b'govuk-tag--orange">Emergency access' in response.content


# --- change history -------------------------------------------------------------------------------


def test_a_warning_added_through_the_form_records_the_signed_in_user_in_its_history(
    scenario: Scenario, client: Client
) -> None:
    _signed_in(client, scenario.lead)
    review = timezone.localdate() + dt.timedelta(days=30)
    url = reverse("cases:warning-add", args=[scenario.family.pk])

    response = client.post(
        url,
        {
            "kind": WarningKind.DO_NOT_VISIT_ALONE,
            "person": "",
            "details": "Visit in pairs after a threat at the door",
            "review_date_0": str(review.day),
            "review_date_1": str(review.month),
            "review_date_2": str(review.year),
        },
    )

    assert response.status_code == 302
    warning = Warning.objects.get(family=scenario.family)
    warning_event = apps.get_model("cases", "WarningEvent")
    history = warning_event.objects.select_related("pgh_context").get(pgh_obj=warning)
    assert history.pgh_label == "insert"
    assert history.pgh_context is not None
    assert history.pgh_context.metadata["user"] == scenario.lead.pk
    assert history.pgh_context.metadata["url"] == url
