"""The auditor's page of practice observation reads: who opened which worker's observed
practice, and why they could. The reads are written by the observation page itself
(``teams.workforce``); the auditor filters them, downloads them, and never sees an
observation's words. Only auditors open the page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teams.models import ObservationAccessEvent, PracticeObservation, User
from teams.roles import Role, ServiceRole
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("cases:audit-observations")
CSV = reverse("cases:audit-observations-csv")
SECRET = "Reflections are deep and well timed"


@pytest.fixture
def people() -> dict[str, User]:
    team = TeamFactory.create()
    return {
        "worker": MembershipFactory.create(team=team, user__email="worker@test.example.org").user,
        "manager": MembershipFactory.create(
            team=team, role=Role.TEAM_MANAGER, user__email="manager@test.example.org"
        ).user,
        "observer": MembershipFactory.create(user__email="observer@test.example.org").user,
        "auditor": UserFactory.create(
            service_role=ServiceRole.AUDITOR, email="auditor@test.example.org"
        ),
    }


def observe(people: dict[str, User]) -> PracticeObservation:
    return PracticeObservation.objects.create(
        worker=people["worker"],
        observer=people["observer"],
        observed_on=timezone.localdate() - dt.timedelta(days=2),
        context="home_visit",
        cultivating_change_talk=3,
        softening_sustain_talk=3,
        partnership=4,
        empathy=4,
        strengths=SECRET,
        development_points="Summarise more often",
    )


def read(user: User, observation: PracticeObservation) -> None:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("teams:observation", args=[observation.pk]))
    assert response.status_code == 200


def auditor_client(people: dict[str, User]) -> Client:
    client = Client()
    client.force_login(people["auditor"])
    return client


def test_reads_made_on_the_observation_page_are_listed_with_who_and_why(
    people: dict[str, User],
) -> None:
    observation = observe(people)
    read(people["manager"], observation)
    read(people["worker"], observation)

    response = auditor_client(people).get(PAGE)

    assert response.status_code == 200
    rows = response.context["page"].rows
    assert [(row.user_email, row.event.basis) for row in rows] == [
        ("worker@test.example.org", "worker"),
        ("manager@test.example.org", "manager"),
    ]
    assert all(row.worker_email == "worker@test.example.org" for row in rows)
    page = response.content.decode()
    assert "One of the worker&#x27;s managers" in page
    assert SECRET not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"reader": "manager@"}, ["manager@test.example.org"]),
        ({"worker": "worker@test"}, ["worker@test.example.org", "manager@test.example.org"]),
        ({"worker": "manager@"}, []),
        ({"basis": "worker"}, ["worker@test.example.org"]),
    ],
)
def test_filters(people: dict[str, User], query: dict[str, str], expected: list[str]) -> None:
    observation = observe(people)
    read(people["manager"], observation)
    read(people["worker"], observation)

    response = auditor_client(people).get(PAGE, query)

    assert response.status_code == 200
    assert [row.user_email for row in response.context["page"].rows] == expected


def test_a_period_filter_counts_whole_uk_days(people: dict[str, User]) -> None:
    observation = observe(people)
    read(people["manager"], observation)
    ObservationAccessEvent.objects.create(
        user_id=people["worker"].pk,
        observation_id=observation.pk,
        worker_id=people["worker"].pk,
        basis="worker",
        occurred_at=timezone.now() - dt.timedelta(days=10),
    )
    today = timezone.localdate()
    query = {
        "date_from_0": today.day,
        "date_from_1": today.month,
        "date_from_2": today.year,
    }

    response = auditor_client(people).get(PAGE, query)

    assert [row.user_email for row in response.context["page"].rows] == ["manager@test.example.org"]


def test_a_period_that_ends_before_it_starts_is_a_clear_error(people: dict[str, User]) -> None:
    response = auditor_client(people).get(
        PAGE,
        {
            "date_from_0": "10",
            "date_from_1": "3",
            "date_from_2": "2026",
            "date_to_0": "1",
            "date_to_1": "3",
            "date_to_2": "2026",
        },
    )

    assert response.status_code == 400
    assert "The &#x27;to&#x27; date must be the same as or after" in response.content.decode()


def test_the_csv_has_every_matching_read_and_no_observation_text(people: dict[str, User]) -> None:
    observation = observe(people)
    read(people["manager"], observation)
    read(people["observer"], observation)

    response = auditor_client(people).get(CSV, {"basis": "observer"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="observation-reads-')
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0][:4] == ["When", "User id", "Name", "Email"]
    assert [line[3] for line in lines[1:]] == ["observer@test.example.org"]
    assert lines[1][4] == str(observation.pk)
    assert lines[1][7] == "worker@test.example.org"
    assert SECRET not in body


@pytest.mark.parametrize("who", ["worker", "manager", "observer"])
def test_only_auditors_open_the_page_or_the_csv(people: dict[str, User], who: str) -> None:
    client = Client()
    client.force_login(people[who])
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403


def test_the_page_runs_the_same_queries_for_a_few_reads_or_many(people: dict[str, User]) -> None:
    observation = observe(people)

    def queries() -> int:
        client = auditor_client(people)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    def add(count: int) -> None:
        ObservationAccessEvent.objects.bulk_create(
            ObservationAccessEvent(
                user_id=people["manager"].pk,
                observation_id=observation.pk,
                worker_id=people["worker"].pk,
                basis="manager",
            )
            for _ in range(count)
        )

    add(2)
    few = queries()
    add(40)
    assert queries() == few
