"""``/api/v1/actions/``: your actions from group supervision, and marking one as done.

The Whitlows' team has a manager, an assistant, the lead social worker (allocated), another
social worker (in the team, not allocated) and a domestic abuse specialist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision.models import ActionStatus, SupervisionAction
from supervision.services import action_add, action_complete
from teams.models import User
from tests.api.staff_world import session_client
from tests.supervision.conftest import FamilyTeam, build_family_team, schedule

pytestmark = pytest.mark.django_db

ACTIONS = reverse("api:actions")


def complete_url(action: SupervisionAction) -> str:
    return reverse("api:action-complete", args=[action.pk])


@pytest.fixture
def whitlows() -> FamilyTeam:
    return build_family_team("Whitlow")


@pytest.fixture
def okonjos() -> FamilyTeam:
    return build_family_team("Okonjo")


def give(
    ft: FamilyTeam, owner: User, days: int, text: str = "Visit the school"
) -> SupervisionAction:
    supervision = ft.case.supervisions.filter(status="scheduled").first() or schedule(
        ft, on=timezone.localdate()
    )
    return action_add(
        actor=ft.manager,
        supervision=supervision,
        description=text,
        owner=owner,
        due_date=timezone.localdate() + dt.timedelta(days=days),
        children=[ft.older_child],
    )


def test_your_actions_come_open_first_then_soonest_due(
    whitlows: FamilyTeam, okonjos: FamilyTeam
) -> None:
    later = give(whitlows, whitlows.lead, 10, "Later")
    done = give(whitlows, whitlows.lead, 1, "Done already")
    action_complete(actor=whitlows.lead, action=done, note="Phoned the school")
    sooner = give(whitlows, whitlows.lead, 3, "Sooner")
    give(whitlows, whitlows.social_worker, 2, "Someone else's")
    give(okonjos, okonjos.lead, 1, "Another family's")

    response = session_client(whitlows.lead).get(ACTIONS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [sooner.pk, later.pk, done.pk]
    assert rows[0] == {
        "id": sooner.pk,
        "description": "Sooner",
        "case_id": whitlows.case.pk,
        "family": {
            "id": whitlows.case.family_id,
            "reference": whitlows.case.family.reference,
            "name": "The Whitlow family",
        },
        "supervision_id": sooner.supervision_id,
        "due_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "status": "open",
        "overdue": False,
        "children": [whitlows.older_child.pk],
        "completed_at": None,
        "completed_by": None,
        "completion_note": "",
    }
    assert rows[2]["completed_by"]["id"] == whitlows.lead.pk


def test_the_cursor_walks_every_action_once_in_order(whitlows: FamilyTeam) -> None:
    actions = [give(whitlows, whitlows.lead, days % 4, f"Action {days}") for days in range(7)]
    action_complete(actor=whitlows.lead, action=actions[0], note="Done it")
    client = session_client(whitlows.lead)

    seen: list[int] = []
    url: str | None = f"{ACTIONS}?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    expected = [*sorted(actions[1:], key=lambda a: (a.due_date, a.pk)), actions[0]]
    assert seen == [a.pk for a in expected]


def test_the_list_filters_by_status(whitlows: FamilyTeam) -> None:
    open_action = give(whitlows, whitlows.lead, 3)
    done = give(whitlows, whitlows.lead, 4)
    action_complete(actor=whitlows.lead, action=done, note="Done it")
    client = session_client(whitlows.lead)

    assert [r["id"] for r in client.get(ACTIONS, {"status": "open"}).json()["results"]] == [
        open_action.pk
    ]
    assert [r["id"] for r in client.get(ACTIONS, {"status": "done"}).json()["results"]] == [done.pk]
    assert client.get(ACTIONS, {"status": "late"}).status_code == 400


def test_the_owner_completes_an_action_with_a_note(whitlows: FamilyTeam) -> None:
    action = give(whitlows, whitlows.lead, 3)

    response = session_client(whitlows.lead).post(
        complete_url(action), {"note": "Referred to breakfast club"}, format="json"
    )

    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.completion_note == "Referred to breakfast club"
    assert action.completed_by == whitlows.lead
    assert response.json()["status"] == "done"
    assert response.json()["completion_note"] == "Referred to breakfast club"


def test_a_manager_of_the_team_completes_someone_elses_action(whitlows: FamilyTeam) -> None:
    action = give(whitlows, whitlows.lead, 3)

    response = session_client(whitlows.manager).post(
        complete_url(action), {"note": "Done in the meeting"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["completed_by"]["id"] == whitlows.manager.pk


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"note": "  "}, "This field may not be blank."),
        ({"note": "ok"}, "Say what was done"),
        ({"note": "x" * 501}, "Ensure this field has no more than 500 characters."),
    ],
)
def test_a_note_that_says_nothing_is_a_400(
    whitlows: FamilyTeam, body: dict[str, str], message: str
) -> None:
    action = give(whitlows, whitlows.lead, 3)

    response = session_client(whitlows.lead).post(complete_url(action), body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"note": [message]}
    assert SupervisionAction.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_completing_a_done_action_is_a_conflict(whitlows: FamilyTeam) -> None:
    action = give(whitlows, whitlows.lead, 3)
    action_complete(actor=whitlows.lead, action=action, note="First time")

    response = session_client(whitlows.lead).post(
        complete_url(action), {"note": "Second time"}, format="json"
    )

    assert response.status_code == 409
    assert SupervisionAction.objects.get(pk=action.pk).completion_note == "First time"


def test_a_colleague_who_can_see_the_family_cannot_complete_your_action(
    whitlows: FamilyTeam,
) -> None:
    action = give(whitlows, whitlows.lead, 3)

    response = session_client(whitlows.social_worker).post(
        complete_url(action), {"note": "Not mine to do"}, format="json"
    )

    assert response.status_code == 403
    assert SupervisionAction.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_an_action_on_a_family_you_cannot_see_is_not_found(
    whitlows: FamilyTeam, okonjos: FamilyTeam
) -> None:
    action = give(okonjos, okonjos.lead, 3)
    client = session_client(whitlows.manager)

    theirs = client.post(complete_url(action), {"note": "Done it"}, format="json")
    nobodys = client.post(
        reverse("api:action-complete", args=[999_999_999]), {"note": "Done it"}, format="json"
    )

    assert theirs.status_code == 404
    assert nobodys.status_code == 404
    assert SupervisionAction.objects.get(pk=action.pk).status == ActionStatus.OPEN
