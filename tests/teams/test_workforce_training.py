"""Training rules and records: the MI embedding session falls due 4 to 6 weeks after the first
course (both boundaries inclusive), shows in the worker's tray and the team manager's view
when due or overdue, and leaves them when attended; attendance through the services.

The first course is on Monday 3 March 2025: the window opens on Monday 31 March (day 28) and
its last day is Monday 14 April (day 42); on Tuesday 15 April (day 43) it is overdue.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.clocks.tray import team_tray, tray_for_user
from teams.models import PlaceStatus, SessionPlace
from teams.roles import Role
from teams.workforce import services
from teams.workforce.rules import FollowUpState
from teams.workforce.selectors import follow_ups_due_for_user, training_record
from tests.factories import MembershipFactory, TeamFactory, UserFactory

from .workforce_world import embedding, first_course, session

pytestmark = pytest.mark.django_db

D = dt.date
FIRST = D(2025, 3, 3)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (D(2025, 3, 30), FollowUpState.NOT_YET),  # day 27
        (D(2025, 3, 31), FollowUpState.DUE),  # day 28: 4 weeks
        (D(2025, 4, 14), FollowUpState.DUE),  # day 42: 6 weeks, the last day
        (D(2025, 4, 15), FollowUpState.OVERDUE),  # day 43
    ],
)
def test_the_embedding_session_is_due_from_4_to_6_weeks(today: dt.date, state: str) -> None:
    worker = MembershipFactory.create().user
    first_course(worker, FIRST)

    (row,) = training_record(worker, today).follow_ups

    assert (row.follow_up.due_from, row.follow_up.due_by) == (D(2025, 3, 31), D(2025, 4, 14))
    assert row.follow_up.state(today) == state
    shown = [r.follow_up_course.code for r in follow_ups_due_for_user(worker, today)]
    assert shown == ([] if state == FollowUpState.NOT_YET else ["mi-embedding"])


@pytest.mark.parametrize(("today", "overdue"), [(D(2025, 4, 14), False), (D(2025, 4, 15), True)])
def test_the_worker_tray_shows_the_embedding_session(today: dt.date, overdue: bool) -> None:
    worker = MembershipFactory.create().user
    first_course(worker, FIRST)

    tray = tray_for_user(worker, today=today)

    assert [(r.follow_up_course.code, r.overdue) for r in tray.training] == [
        ("mi-embedding", overdue)
    ]


def test_the_team_manager_sees_it_become_due_and_leave_when_attended() -> None:
    team = TeamFactory.create()
    manager = MembershipFactory.create(team=team, role=Role.TEAM_MANAGER).user
    worker = MembershipFactory.create(team=team).user
    elsewhere = MembershipFactory.create().user  # another team's worker is not shown
    first_course(worker, FIRST)
    first_course(elsewhere, FIRST)

    before = team_tray(manager, team, today=D(2025, 3, 30)).training
    due = team_tray(manager, team, today=D(2025, 3, 31)).training
    embedding(worker, D(2025, 4, 7))
    after = team_tray(manager, team, today=D(2025, 4, 20)).training

    assert before == []
    assert [row.user for row in due] == [worker]
    assert after == []


def test_an_embedding_session_before_a_repeat_first_course_does_not_count() -> None:
    worker = MembershipFactory.create().user
    first_course(worker, D(2024, 9, 2))
    embedding(worker, D(2024, 10, 7))
    first_course(worker, FIRST)

    (row,) = training_record(worker, D(2025, 4, 1)).follow_ups

    assert row.follow_up.completed_on == FIRST
    assert row.follow_up.state(D(2025, 4, 1)) == FollowUpState.DUE


def test_the_tray_page_shows_the_training_item(client: Client) -> None:
    worker = MembershipFactory.create().user
    first_course(worker, timezone.localdate() - dt.timedelta(weeks=5))
    client.force_login(worker)

    body = client.get(reverse("cases:tray")).content.decode()

    assert "Motivational Interviewing: embedding session" in body


def test_recording_attendance_marks_everyone_booked() -> None:
    trainer = UserFactory.create()
    held = session("mi-first-course", timezone.localdate(), trainer=trainer, capacity=2)
    came, missed = MembershipFactory.create().user, MembershipFactory.create().user
    for person in (came, missed):
        services.session_place_book(actor=trainer, session=held, user=person)

    attended = services.session_attendance_record(
        actor=trainer, session=held, attended_user_ids={came.pk}
    )

    assert attended == 1
    assert dict(SessionPlace.objects.filter(session=held).values_list("user_id", "status")) == {
        came.pk: PlaceStatus.ATTENDED,
        missed.pk: PlaceStatus.DID_NOT_ATTEND,
    }


def test_a_full_session_refuses_another_place() -> None:
    held = session("thresholds", timezone.localdate(), capacity=1)
    services.session_place_book(actor=None, session=held, user=MembershipFactory.create().user)

    with pytest.raises(ValidationError, match="full"):
        services.session_place_book(actor=None, session=held, user=MembershipFactory.create().user)


def test_attendance_cannot_be_recorded_before_the_session() -> None:
    held = session("thresholds", timezone.localdate() + dt.timedelta(days=1))

    with pytest.raises(ValidationError):
        services.session_attendance_record(
            actor=held.trainer, session=held, attended_user_ids=set()
        )
