"""The daily escalations (``cases.tasks.escalate_deadlines``): the beat schedule entry, and a real
Celery worker running the task twice, which sends each notification (and its email) once.

On the due date the owner is told; once overdue the owner is told and the owning team's manager
is escalated to. Messages name the family reference and what is due, never a person; emails are
a link only. The worker tests commit for real (``transaction=True``), as in
tests/supervision/test_tasks.py.
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import time
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from cases.clocks.engine import ClockKind, case_clocks
from cases.clocks.escalations import deadline_notifications_send, dedupe_key
from cases.clocks.tray import case_facts
from cases.models import StatusKind
from cases.services import child_status_record_visit, child_status_start
from cases.tasks import escalate_deadlines
from safeguarding.celery import app
from supervision.services import action_add
from teams.models import Notification, NotificationKind
from teams.tasks import send_notification_email
from tests.supervision.conftest import FamilyTeam, build_family_team, schedule

TASK = "cases.tasks.escalate_deadlines"
MIGRATION = "cases.migrations.0010_escalate_deadlines_schedule"
TIMEOUT_SECONDS = 60


def _story(ft: FamilyTeam) -> None:
    """Mia's visit is overdue (the lead's), an action is due today (the lead's), and the
    supervision is today (the chair's)."""
    today = timezone.localdate()
    start = ft.case.referral_date + dt.timedelta(days=14)
    plan = child_status_start(
        actor=ft.lead,
        case=ft.case,
        person=ft.older_child,
        kind=StatusKind.CP_PLAN,
        start_date=start,
        cp_category="NEG",
        icpc_date=start,
    )
    child_status_record_visit(actor=ft.lead, status=plan, visit_date=start)
    supervision = schedule(ft, on=today)
    action_add(
        actor=ft.manager,
        supervision=supervision,
        description="Ring Mia's school",
        owner=ft.lead,
        due_date=today,
        children=[ft.older_child],
    )


def _email_task_ids(callbacks: list[Any]) -> list[int]:
    """The notification ids whose email ``notify`` queued to send once the transaction commits."""
    return [
        callback.keywords["args"][0]
        for callback in callbacks
        if getattr(callback, "keywords", None)
        and callback.func.__self__.name == send_notification_email.name
    ]


def _people_names(ft: FamilyTeam) -> list[str]:
    people = [ft.mother, ft.father, ft.older_child, ft.younger_child]
    return [name for person in people for name in (person.given_name, person.family_name)]


# --- the schedule ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_escalations_run_every_morning_from_beat() -> None:
    module = importlib.import_module(MIGRATION)
    module.schedule(apps, None)  # rerunnable: still one row

    [task] = PeriodicTask.objects.filter(task=TASK).select_related("crontab")

    assert module.TASK == TASK
    assert task.enabled is True
    assert task.interval is None
    assert task.crontab is not None
    assert (
        task.crontab.minute,
        task.crontab.hour,
        task.crontab.day_of_week,
        task.crontab.day_of_month,
        task.crontab.month_of_year,
    ) == ("30", "6", "*", "*", "*")
    assert str(task.crontab.timezone) == settings.TIME_ZONE
    assert TASK in app.tasks
    assert app.amqp.router.route({}, TASK)["queue"].name == "default"


# --- who is told what, in process -----------------------------------------------------------------


@pytest.mark.django_db
def test_owners_hear_on_the_due_date_and_managers_once_it_is_overdue(
    django_capture_on_commit_callbacks: Any,
) -> None:
    ft = build_family_team("Whitlow")
    _story(ft)
    today = timezone.localdate()

    with django_capture_on_commit_callbacks() as first_callbacks:
        first = deadline_notifications_send(today=today)
    with django_capture_on_commit_callbacks() as second_callbacks:
        second = deadline_notifications_send(today=today)
    for notification_id in _email_task_ids(first_callbacks + second_callbacks):
        send_notification_email(notification_id)

    assert first.sent > 0
    assert second.sent == 0
    assert second_callbacks == []
    clocks = Notification.objects.filter(dedupe_key__startswith="clock:")
    sent = set(clocks.values_list("user_id", "kind", "dedupe_key"))
    assert len(sent) == clocks.count() == first.sent
    items = {
        item.kind: item
        for facts in case_facts(type(ft.case).objects.filter(pk=ft.case.pk), today).values()
        for item in case_clocks(facts)
    }
    visit = items[ClockKind.CP_VISIT]
    action = items[ClockKind.ACTION]
    meeting = items[ClockKind.SUPERVISION]
    assert {
        (ft.lead.pk, NotificationKind.OVERDUE, dedupe_key(visit, "overdue")),
        (ft.manager.pk, NotificationKind.OVERDUE_ESCALATION, dedupe_key(visit, "escalation")),
        (ft.lead.pk, NotificationKind.DUE, dedupe_key(action, "due")),
        (ft.manager.pk, NotificationKind.DUE, dedupe_key(meeting, "due")),
    } <= sent
    # Nothing due in the future is announced early, and the chair is not escalated to about
    # their own meeting.
    assert not any(
        key.startswith(f"clock:{items[ClockKind.REVIEW_CONFERENCE].key}") for _, _, key in sent
    )
    assert (
        ft.manager.pk,
        NotificationKind.OVERDUE_ESCALATION,
        dedupe_key(meeting, "escalation"),
    ) not in sent
    # One email per notification (everyone here asked for them straight away), a link only.
    assert len(mail.outbox) == first.sent
    names = _people_names(ft)
    for notification in clocks:
        assert not [name for name in names if name in notification.message]
        assert not [name for name in names if name in notification.url]
        assert ft.case.family.reference in notification.message
    for email in mail.outbox:
        assert not [name for name in names if name in email.body or name in email.subject]
        assert ft.case.family.reference not in email.body


@pytest.mark.django_db
def test_a_visit_recorded_ends_the_overdue_notices_and_the_next_one_is_new() -> None:
    ft = build_family_team("Whitlow")
    _story(ft)
    today = timezone.localdate()
    deadline_notifications_send(today=today)
    plan = ft.older_child.statuses.get(kind=StatusKind.CP_PLAN)

    child_status_record_visit(actor=ft.lead, status=plan, visit_date=today)
    again = deadline_notifications_send(today=today)

    assert again.sent == 0
    visit_notices = Notification.objects.filter(
        dedupe_key__startswith=f"clock:visit:status:{plan.pk}:"
    )
    # The lead's overdue notice and the manager's escalation, for the visit that was missed;
    # the next visit is not due yet.
    assert visit_notices.count() == 2


# --- a real worker and the beat task --------------------------------------------------------------


def _clock_notifications() -> Any:
    return Notification.objects.filter(dedupe_key__startswith="clock:")


def _wait_for_emails(expected: int) -> list[Notification]:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        emailed = list(_clock_notifications().filter(emailed_at__isnull=False))
        if len(emailed) >= expected:
            return emailed
        time.sleep(0.25)
    return list(_clock_notifications().filter(emailed_at__isnull=False))


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_run_twice_by_a_worker_notifies_and_emails_once(
    celery_worker_process: subprocess.Popen[bytes],
) -> None:
    [periodic] = PeriodicTask.objects.filter(task=TASK, enabled=True)
    assert periodic.crontab is not None
    ft = build_family_team("Whitlow")
    _story(ft)

    first = app.send_task(periodic.task).get(timeout=TIMEOUT_SECONDS)
    sent = first["due"] + first["overdue"] + first["escalated"]
    emailed = _wait_for_emails(sent)
    second = escalate_deadlines.delay().get(timeout=TIMEOUT_SECONDS)

    # The action and the meeting are due today; the visit, core group, assessment and both
    # summaries are overdue, so the team manager hears about them too.
    assert first["due"] == 2
    assert first["overdue"] >= 3
    assert first["escalated"] == first["overdue"]
    assert second == {"due": 0, "overdue": 0, "escalated": 0}
    assert _clock_notifications().count() == sent
    assert len(emailed) == sent
    # Emailed once: a second email would have moved emailed_at on.
    time.sleep(1)
    assert {n.pk: n.emailed_at for n in _clock_notifications()} == {
        n.pk: n.emailed_at for n in emailed
    }
    names = _people_names(ft)
    assert not [
        n.pk for n in _clock_notifications() if any(name in n.message + n.url for name in names)
    ]
