"""Permission matrix for every workforce page (STYLE.md §15): each role against each page,
with the status it must get. Practice observations are seen by the observed worker, the
observer and the worker's managers only; colleagues get 404, as do the board and analysts,
who see the workforce only through the KPIs.

The world: team Home (service North) with its team manager, assistant, team standards
coordinator, the observed social worker and a peer social worker; the service manager of
North; a trainer from team Far (another service) who ran an MI session and observed the worker;
Far's team manager; a board member and an analyst.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teams.models import ObservationAccessEvent, PracticeObservation, TrainingSession, User
from teams.roles import Role, ServiceRole
from tests import permission_matrix
from tests.factories import MembershipFactory, ServiceFactory, TeamFactory, UserFactory

from .workforce_world import session

pytestmark = pytest.mark.django_db

SECRET = "Reflections are deep and well timed"


@dataclass(frozen=True)
class World:
    users: dict[str, User]
    observation: PracticeObservation
    session: TrainingSession
    team_slug: str
    membership_pk: int


@pytest.fixture
def world() -> World:
    north, south = ServiceFactory.create(), ServiceFactory.create()
    home, far = TeamFactory.create(service=north), TeamFactory.create(service=south)
    users = {
        "service manager": MembershipFactory.create(team=home, role=Role.SERVICE_MANAGER).user,
        "team manager": MembershipFactory.create(team=home, role=Role.TEAM_MANAGER).user,
        "assistant": MembershipFactory.create(team=home, role=Role.ASSISTANT_TEAM_MANAGER).user,
        "coordinator": MembershipFactory.create(
            team=home, role=Role.TEAM_STANDARDS_COORDINATOR
        ).user,
        "peer": MembershipFactory.create(team=home).user,
        "trainer": MembershipFactory.create(team=far).user,
        "other manager": MembershipFactory.create(team=far, role=Role.TEAM_MANAGER).user,
        "board": UserFactory.create(service_role=ServiceRole.BOARD_MEMBER),
        "analyst": UserFactory.create(service_role=ServiceRole.PERFORMANCE_ANALYST),
    }
    worker_membership = MembershipFactory.create(team=home)
    users["worker"] = worker_membership.user
    mi = session("mi-first-course", timezone.localdate(), trainer=users["trainer"])
    observation = PracticeObservation.objects.create(
        worker=users["worker"],
        observer=users["trainer"],
        observed_on=timezone.localdate() - dt.timedelta(days=3),
        context="home_visit",
        cultivating_change_talk=3,
        softening_sustain_talk=2,
        partnership=4,
        empathy=4,
        strengths=SECRET,
        development_points="More complex reflections",
    )
    return World(users, observation, mi, home.slug, worker_membership.pk)


def _url(world: World, page: str) -> str:
    worker = world.users["worker"].pk
    return {
        "observations": reverse("teams:observations", args=[worker]),
        "observation": reverse("teams:observation", args=[world.observation.pk]),
        "observation-new": reverse("teams:observation-new", args=[worker]),
        "training-record": reverse("teams:training-record", args=[worker]),
        "establishment": reverse("teams:establishment", args=[world.team_slug]),
        "establishment-change": reverse("teams:establishment-change", args=[world.team_slug]),
        "membership-post": reverse(
            "teams:membership-post", args=[world.team_slug, world.membership_pk]
        ),
        "workforce": reverse("teams:workforce"),
        "training": reverse("teams:training"),
        "session": reverse("teams:session", args=[world.session.pk]),
        "session-new": reverse("teams:session-new"),
        "session-book": reverse("teams:session-book", args=[world.session.pk]),
        "session-attendance": reverse("teams:session-attendance", args=[world.session.pk]),
    }[page]


PAGES = [
    "observations", "observation", "observation-new", "training-record", "establishment",
    "establishment-change", "membership-post", "workforce", "training", "session", "session-new",
    "session-book", "session-attendance",
]  # fmt: skip
permission_matrix.register(__name__, [f"teams:{page}" for page in PAGES])

# role -> the status of each page, in PAGES' order.
MATRIX: dict[str, tuple[int, ...]] = {
    #                 obs  obs1 new  rec  est  chg  post wf   trn  sess new  book att
    "worker":        (200, 200, 403, 200, 403, 403, 403, 403, 200, 200, 403, 403, 403),
    "trainer":       (200, 200, 200, 404, 404, 404, 404, 403, 200, 200, 403, 200, 200),
    "team manager":  (200, 200, 200, 200, 200, 403, 403, 200, 200, 200, 200, 200, 403),
    "assistant":     (200, 200, 200, 200, 200, 403, 403, 200, 200, 200, 200, 200, 403),
    "service manager": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "coordinator":   (404, 404, 404, 200, 403, 403, 403, 403, 200, 200, 200, 200, 200),
    "peer":          (404, 404, 404, 404, 403, 403, 403, 403, 200, 200, 403, 403, 403),
    "other manager": (404, 404, 404, 404, 404, 404, 404, 200, 200, 200, 200, 200, 403),
    "board":         (404, 404, 404, 404, 404, 404, 404, 403, 403, 404, 403, 404, 404),
    "analyst":       (404, 404, 404, 404, 404, 404, 404, 403, 403, 404, 403, 404, 404),
}  # fmt: skip


@pytest.mark.parametrize("role", list(MATRIX))
def test_every_workforce_page_answers_each_role_as_the_matrix_says(world: World, role: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])

    got = tuple(client.get(_url(world, page)).status_code for page in PAGES)

    assert dict(zip(PAGES, got, strict=True)) == dict(zip(PAGES, MATRIX[role], strict=True))


@pytest.mark.parametrize("role", ["peer", "coordinator", "other manager", "board", "analyst"])
def test_no_one_else_sees_an_observations_words(world: World, role: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])

    bodies = [client.get(_url(world, page)).content.decode() for page in PAGES]

    assert not any(SECRET in body for body in bodies)


def test_reading_an_observation_is_logged_with_the_basis(world: World) -> None:
    for role in ("worker", "trainer", "team manager"):
        client = Client()
        client.force_login(world.users[role])
        assert SECRET in client.get(_url(world, "observation")).content.decode()

    assert sorted(
        ObservationAccessEvent.objects.filter(observation_id=world.observation.pk).values_list(
            "basis", flat=True
        )
    ) == ["manager", "observer", "worker"]


def test_an_observer_who_is_not_a_manager_sees_only_their_own_observations(world: World) -> None:
    PracticeObservation.objects.create(
        worker=world.users["worker"],
        observer=world.users["team manager"],
        observed_on=timezone.localdate(),
        context="office_meeting",
        cultivating_change_talk=4,
        softening_sustain_talk=4,
        partnership=5,
        empathy=5,
        strengths="Managers' own words",
        development_points="Keep going",
    )
    trainer, worker = Client(), Client()
    trainer.force_login(world.users["trainer"])
    worker.force_login(world.users["worker"])

    assert "Managers' own words" not in trainer.get(_url(world, "observations")).content.decode()
    history = worker.get(_url(world, "observations")).content.decode()
    assert "Managers&#x27; own words" not in history  # the list shows scores, not words
    assert history.index(">3.3<") < history.index(">4.5<")  # oldest first: (3+2+4+4)/4, (4+4+5+5)/4


def test_the_worker_cannot_record_an_observation_by_posting(world: World) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.users["worker"])

    response = client.post(_url(world, "observation-new"), {"strengths": "Self-praise"})

    assert response.status_code == 403
    assert not PracticeObservation.objects.filter(strengths="Self-praise").exists()
