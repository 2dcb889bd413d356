"""``POST /api/v1/partner/notifications/`` (DESIGN §9): police domestic abuse notifications,
idempotent on the force's reference, matched to an open family or left for triage, with a
receipt that never says which; every call in the disclosure log; throttled per client.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import (
    ChronologyEvent,
    DisclosureLog,
    Family,
    MatchBasis,
    NotificationStatus,
    PartnerNotification,
    Person,
)
from cases.validators import synthetic_nhs_number
from safeguarding.lib.api import ClientRateThrottle
from teams.models import Organisation, PartnerClient, PartnerScope
from tests.factories import (
    CaseFactory,
    FamilyMemberFactory,
    PersonFactory,
    partner_client,
    police_force,
)

from .conftest import assert_error_body, bearer, token_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/partner/notifications/"
RECEIPT_KEYS = {"id", "reference", "received_at", "status"}
CHILD_NHS_NUMBER = synthetic_nhs_number(random.Random(21))
CHILD_BORN = dt.date(2017, 9, 3)


def payload(reference: str = "WX-DA-2026-000001", **changes: Any) -> dict[str, Any]:
    """A valid notification naming a victim and a child unknown to the council."""
    body: dict[str, Any] = {
        "reference": reference,
        "incident_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "dash_risk_level": "high",
        "children_present": True,
        "summary": "Officers attended an argument between two adults; two children were home.",
        "people": [
            {
                "role": "victim",
                "given_name": "Alex",
                "family_name": "Nobody-Known",
                "date_of_birth": "1990-04-12",
                "address": "1 Example Street, Exampletown, EX1 1AA",
            },
            {
                "role": "child",
                "given_name": "Sam",
                "family_name": "Nobody-Known",
                "date_of_birth": CHILD_BORN.isoformat(),
            },
        ],
    }
    body.update(changes)
    return body


def post(api: APIClient, body: Any, **headers: str) -> Any:
    return api.post(URL, body, format="json", headers=headers)


@pytest.fixture
def known_child(db: None) -> Person:
    """A child in a family with an open case."""
    child = PersonFactory.create(
        given_name="Zebedee",
        family_name="Quillfeather",
        date_of_birth=CHILD_BORN,
        nhs_number=CHILD_NHS_NUMBER,
    )
    FamilyMemberFactory.create(family=CaseFactory.create().family, person=child)
    return child


def family_of(person: Person) -> Family:
    return Family.objects.get(members__person=person)


# --- receiving ---------------------------------------------------------------------------------


def test_a_notification_is_received_with_a_receipt(
    api: APIClient, partner: PartnerClient, force: Organisation
) -> None:
    response = post(api, payload())

    assert response.status_code == 201
    receipt = response.json()
    assert set(receipt) == RECEIPT_KEYS
    stored = PartnerNotification.objects.get()
    assert receipt["id"] == str(stored.public_id)
    assert receipt["reference"] == "WX-DA-2026-000001"
    assert receipt["status"] == "received"
    assert receipt["received_at"].endswith("Z")  # UTC, whatever the council's zone
    assert (stored.client, stored.organisation) == (partner, force)
    assert stored.people[0]["family_name"] == "Nobody-Known"


def test_the_same_reference_twice_stores_one_notification_and_returns_the_first_receipt(
    api: APIClient,
) -> None:
    first = post(api, payload())
    retry = post(api, payload(summary="A retry after a timeout, with different words."))

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.content == first.content
    assert PartnerNotification.objects.count() == 1
    assert PartnerNotification.objects.get().summary.startswith("Officers attended")


def test_another_client_may_use_the_same_reference(api: APIClient, force: Organisation) -> None:
    other_force = police_force("Other Constabulary")
    other = bearer(token_for(*partner_client(other_force)))
    same_force_other_system = bearer(token_for(*partner_client(force, name="Control room")))

    responses = [post(client, payload()) for client in (api, other, same_force_other_system)]

    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.json()["id"] for r in responses}) == 3
    assert PartnerNotification.objects.count() == 3


# --- matching ----------------------------------------------------------------------------------


def test_a_notification_is_matched_by_nhs_number(api: APIClient, known_child: Person) -> None:
    spaced = f"{CHILD_NHS_NUMBER[:3]} {CHILD_NHS_NUMBER[3:6]} {CHILD_NHS_NUMBER[6:]}"
    # Names the council would not match on their own: the NHS number is enough.
    child = {"role": "child", "given_name": "S", "family_name": "X", "nhs_number": spaced}

    response = post(api, payload(people=[child]))

    assert response.status_code == 201
    stored = PartnerNotification.objects.get()
    assert stored.status == NotificationStatus.MATCHED
    assert stored.match_basis == MatchBasis.NHS_NUMBER
    assert stored.family == family_of(known_child)
    assert ChronologyEvent.objects.filter(case=stored.case, significant=True).exists()


def test_a_notification_is_matched_by_name_and_date_of_birth(
    api: APIClient, known_child: Person
) -> None:
    child = {
        "role": "child",
        "given_name": "zebedee",  # case does not matter
        "family_name": " QUILLFEATHER ",
        "date_of_birth": CHILD_BORN.isoformat(),
    }

    post(api, payload(people=[child]))

    stored = PartnerNotification.objects.get()
    assert stored.status == NotificationStatus.MATCHED
    assert stored.match_basis == MatchBasis.NAME_AND_DATE_OF_BIRTH
    assert stored.family == family_of(known_child)


def test_an_unmatched_notification_waits_for_triage(api: APIClient, known_child: Person) -> None:
    post(api, payload())

    stored = PartnerNotification.objects.get()
    assert stored.status == NotificationStatus.AWAITING_TRIAGE
    assert stored.family is None
    assert stored.triage_reason == "No open family matches the people named"


def test_the_receipt_does_not_say_whether_the_people_were_known(
    api: APIClient, known_child: Person
) -> None:
    known = {"role": "child", "given_name": "Z", "family_name": "Q", "nhs_number": CHILD_NHS_NUMBER}

    matched = post(api, payload("REF-MATCHED", people=[known]))
    unmatched = post(api, payload("REF-UNMATCHED"))

    statuses = dict(PartnerNotification.objects.values_list("reference", "status"))
    assert statuses == {
        "REF-MATCHED": NotificationStatus.MATCHED,
        "REF-UNMATCHED": NotificationStatus.AWAITING_TRIAGE,
    }
    assert matched.status_code == unmatched.status_code == 201
    same_shape = {"id": "-", "received_at": "-", "reference": "-"}
    assert {**matched.json(), **same_shape} == {**unmatched.json(), **same_shape}
    assert set(matched.headers) == set(unmatched.headers)


# --- validation --------------------------------------------------------------------------------


def _without(field: str) -> dict[str, Any]:
    body = payload()
    del body[field]
    return body


def _person_change(**changes: Any) -> dict[str, Any]:
    body = payload()
    body["people"][0].update(changes)
    return body


FUTURE = (timezone.now() + dt.timedelta(days=1)).isoformat()
INVALID = {
    "missing reference": (_without("reference"), "reference"),
    "missing incident time": (_without("incident_at"), "incident_at"),
    "missing people": (_without("people"), "people"),
    "bad NHS number": (_person_change(nhs_number="999 123 4567"), "people[0].nhs_number"),
    "NHS number not digits": (_person_change(nhs_number="999-ABC-4567"), "people[0].nhs_number"),
    "NHS number in other digits": (_person_change(nhs_number="²" * 10), "people[0].nhs_number"),
    "future incident": (payload(incident_at=FUTURE), "incident_at"),
    "unknown DASH level": (payload(dash_risk_level="severe"), "dash_risk_level"),
    "no people": (payload(people=[]), "people"),
    "31 people": (payload(people=payload()["people"][:1] * 31), "people"),
    "NUL in summary": (payload(summary="Officers\x00attended"), "summary"),
    "NUL in a name": (_person_change(given_name="Al\x00ex"), "people[0].given_name"),
    "NUL in reference": (payload(reference="WX\x00"), "reference"),
    "blank summary": (payload(summary="   "), "summary"),
    "unknown role": (_person_change(role="witness"), "people[0].role"),
}


@pytest.mark.parametrize(("body", "field"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_notification_is_400_with_errors_for_the_field_and_nothing_is_saved(
    api: APIClient, partner: PartnerClient, body: dict[str, Any], field: str
) -> None:
    response = post(api, copy.deepcopy(body))

    error = assert_error_body(response, 400)
    assert error["code"] == "invalid"
    assert list(error["errors"]) == [field], error["errors"]
    assert all(isinstance(message, str) for message in error["errors"][field])
    assert not PartnerNotification.objects.exists()
    assert not ChronologyEvent.objects.exists()
    log = DisclosureLog.objects.get()
    assert (log.client_id, log.status_code, log.disclosed) == (partner.pk, 400, {})


def test_thirty_people_is_allowed(api: APIClient) -> None:
    response = post(api, payload(people=payload()["people"][:1] * 30))

    assert response.status_code == 201


def test_a_body_that_is_not_json_is_400_and_logged(api: APIClient, partner: PartnerClient) -> None:
    response = api.post(URL, b"{not json", content_type="application/json")

    error = assert_error_body(response, 400)
    assert error["code"] == "parse_error"
    assert not PartnerNotification.objects.exists()
    log = DisclosureLog.objects.get()
    assert (log.client_id, log.status_code, log.disclosed) == (partner.pk, 400, {})


def test_a_body_that_is_not_json_without_credentials_is_401(db: None) -> None:
    response = APIClient().post(URL, b"{not json", content_type="application/json")

    assert_error_body(response, 401)


def test_a_body_over_64_kb_is_413_before_it_is_read(api: APIClient) -> None:
    body = payload(summary="x" * 2000)
    body["people"] = [dict(body["people"][0], address="y" * 300) for _ in range(30)]
    body["padding"] = "z" * 60_000
    raw = json.dumps(body).encode()
    assert len(raw) > 64 * 1024

    response = api.post(URL, raw, content_type="application/json")

    error = assert_error_body(response, 413)
    assert error["code"] == "request_too_large"
    assert not PartnerNotification.objects.exists()


# --- the disclosure log ------------------------------------------------------------------------


def test_a_received_notification_is_logged_once_with_what_was_received(
    api: APIClient, partner: PartnerClient, force: Organisation
) -> None:
    response = post(api, payload(), **{"X-Request-Purpose": "Incident 4211, DA officer"})

    log = DisclosureLog.objects.get()
    assert log.client_id == partner.pk
    assert log.organisation_id == force.pk
    assert log.scope == PartnerScope.NOTIFICATIONS_WRITE
    assert log.operation == "notification.create"
    assert log.method == "POST"
    assert log.status_code == 201
    assert log.disclosed == {
        "received": response.json()["id"],
        "reference": "WX-DA-2026-000001",
        "new": True,
    }
    assert log.purpose.startswith("Police domestic abuse notification")
    assert log.purpose.endswith("Stated: Incident 4211, DA officer")
    assert log.request_id == response["X-Request-ID"]


def test_a_retry_is_logged_as_not_new(api: APIClient) -> None:
    post(api, payload())
    post(api, payload())

    logs = DisclosureLog.objects.order_by("pk")
    assert [(log.status_code, log.disclosed["new"]) for log in logs] == [(201, True), (200, False)]


def test_without_a_stated_purpose_the_log_has_the_operations_purpose(api: APIClient) -> None:
    post(api, payload())

    assert DisclosureLog.objects.get().purpose == (
        "Police domestic abuse notification to children's social care."
    )


def test_a_refused_call_is_logged_once(force: Organisation) -> None:
    client, secret = partner_client(force, scopes=[PartnerScope.KPIS_READ])
    api = bearer(token_for(client, secret))

    response = post(api, payload())

    assert_error_body(response, 403)
    log = DisclosureLog.objects.get()
    assert (log.client_id, log.organisation_id) == (client.pk, force.pk)
    assert (log.scope, log.status_code, log.disclosed) == (
        PartnerScope.NOTIFICATIONS_WRITE,
        403,
        {},
    )
    assert not PartnerNotification.objects.exists()


def test_every_call_writes_exactly_one_log_row(api: APIClient) -> None:
    calls = [
        post(api, payload("REF-1")),
        post(api, payload("REF-1")),
        post(api, payload("REF-2", people=[])),
        post(api, payload("REF-3")),
    ]

    logged = list(DisclosureLog.objects.order_by("pk").values_list("status_code", flat=True))
    assert logged == [response.status_code for response in calls] == [201, 200, 400, 201]


# --- throttling --------------------------------------------------------------------------------


@pytest.fixture
def two_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF copies the rates onto the class when it is imported: overriding settings is not seen.
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "2/minute"})


@pytest.mark.usefixtures("two_a_minute")
def test_a_client_over_its_rate_gets_429_with_retry_after(
    api: APIClient, partner: PartnerClient
) -> None:
    allowed = [post(api, payload(f"REF-{n}")) for n in range(2)]

    throttled = post(api, payload("REF-3"))

    assert [r.status_code for r in allowed] == [201, 201]
    error = assert_error_body(throttled, 429)
    assert error["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert PartnerNotification.objects.count() == 2
    assert DisclosureLog.objects.filter(client_id=partner.pk, status_code=429).count() == 1


@pytest.mark.usefixtures("two_a_minute")
def test_throttling_is_per_client(api: APIClient, force: Organisation) -> None:
    other = bearer(token_for(*partner_client(force, name="Control room")))
    for n in range(3):
        post(api, payload(f"REF-{n}"))

    assert post(api, payload("REF-9")).status_code == 429
    assert post(other, payload("REF-9")).status_code == 201
