"""Notifications (issue "Statutory clocks, the work tray and notifications"): ``notify`` and its
emails, the daily digest, the pages, the header count, and the events that notify.

Email leaves the council, so every email is a generic sentence and a link. The canary test
gives a family distinctive names, an NHS number, dates of birth, an address and note text,
triggers every event that notifies, sends every email the events lead to, and looks for each
canary in every subject and body.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from cases.models import DashRisk, Family, PersonRole
from cases.partners.services import (
    NotificationDetails,
    NotifiedPerson,
    partner_notification_receive,
)
from cases.selectors import reference_codes
from cases.services import allocation_start
from supervision.services import action_add, supervision_schedule
from teams.models import Notification, NotificationEmail, User
from teams.notifications import (
    NotificationKind,
    notification_mark_read,
    notification_settings_update,
    notifications_mark_all_read,
    notify,
)
from teams.roles import Role
from teams.tasks import send_notification_digests, send_notification_email
from tests.factories import MembershipFactory, UserFactory, partner_client, police_force
from tests.workbook.conftest import TeamCase, assessment_answers, build_team_case
from workbook.models import Entry
from workbook.services import entry_authorise, entry_return, entry_save, entry_start, entry_submit

pytestmark = pytest.mark.django_db

SITE = "https://safeguarding.example.org"
SURNAME = "Quillfeather"  # the canary family's surname: it must never be in an email
ADDRESS = ("2 Test Road", "Testington", "te2 2rd", "TE2 2RD")
NOTE_TEXT = "Canary analysis: the kitchen cupboards held only mustard."
RETURN_REASON = "Canary reason: add what Jade told you about the mustard."
ACTION_TEXT = "Canary action: ask Liam about the mustard cupboard."
POLICE_SUMMARY = "Canary summary: officers found mustard on the ceiling."
POLICE_REFERENCE = "NPT-CANARY-1"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _note(user: User, *, dedupe_key: str = "", message: str = "Family FS-000001 changed.") -> Any:
    return notify(
        user=user,
        kind=NotificationKind.DUE,
        message=message,
        url="/families/1/",
        dedupe_key=dedupe_key,
    )


def _email_task_ids(callbacks: list[Any]) -> list[int]:
    """The notification ids whose email ``notify`` queued to send once the transaction commits."""
    return [
        callback.keywords["args"][0]
        for callback in callbacks
        if callback.func.__self__.name == send_notification_email.name
    ]


def _submitted_assessment(tc: TeamCase, analysis: str = NOTE_TEXT) -> Entry:
    entry = entry_start(
        actor=tc.lead, case=tc.case, form_slug="assessment", subject_person=tc.older_child
    )
    saved = entry_save(
        actor=tc.lead,
        entry_id=entry.pk,
        answers={**assessment_answers(), "analysis": analysis},
        base_version=entry.version,
    ).entry
    return entry_submit(
        actor=tc.lead, entry=saved, context={"cin_factors": reference_codes("cin_factor")}
    )


def _police_notification(tc: TeamCase) -> None:
    client, _secret = partner_client(police_force("Canary Constabulary"))
    partner_notification_receive(
        client=client,
        details=NotificationDetails(
            reference=POLICE_REFERENCE,
            incident_at=timezone.now() - dt.timedelta(days=1),
            dash_risk_level=DashRisk.HIGH,
            children_present=True,
            summary=POLICE_SUMMARY,
            people=[
                NotifiedPerson(
                    role=PersonRole.VICTIM,
                    given_name=tc.mother.given_name,
                    family_name=tc.mother.family_name,
                    date_of_birth=tc.mother.date_of_birth,
                    nhs_number=tc.mother.nhs_number,
                    address=", ".join(ADDRESS[:3]),
                )
            ],
        ),
    )


def _actions(tc: TeamCase, *owners: User) -> None:
    supervision = supervision_schedule(
        actor=tc.manager,
        case=tc.case,
        scheduled_for=timezone.localdate() + dt.timedelta(days=7),
        chair=tc.manager,
    )
    for owner in owners:
        action_add(
            actor=tc.manager,
            supervision=supervision,
            description=ACTION_TEXT,
            owner=owner,
            due_date=timezone.localdate() + dt.timedelta(days=21),
            children=[tc.older_child],
        )


def _canaries(tc: TeamCase) -> list[str]:
    people = (tc.mother, tc.father, tc.older_child, tc.younger_child)
    staff = (tc.manager, tc.lead, tc.practitioner, tc.da_specialist, tc.su_specialist)
    words = [SURNAME, NOTE_TEXT, RETURN_REASON, ACTION_TEXT, POLICE_SUMMARY, POLICE_REFERENCE]
    words += [person.given_name for person in people]
    words += [person.nhs_number for person in people if person.nhs_number]
    for person in people:
        born = person.date_of_birth
        assert born is not None
        words += [born.isoformat(), born.strftime("%d/%m/%Y"), f"{born:%-d %B %Y}"]
    words += [user.get_full_name() for user in staff]
    words += list(ADDRESS)
    words += ["mustard", "Canary"]
    return words


# --- notify ---------------------------------------------------------------------------------------


def test_notify_with_a_dedupe_key_is_idempotent_and_queues_one_email(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        first = _note(user, dedupe_key="due:visit:7")
        second = _note(user, dedupe_key="due:visit:7")

    assert first is not None
    assert second is None
    assert Notification.objects.filter(user=user).count() == 1
    assert _email_task_ids(callbacks) == [first.pk]


def test_the_same_dedupe_key_still_notifies_another_user(user: User) -> None:
    other = UserFactory.create()

    assert _note(user, dedupe_key="overdue:plan:3") is not None
    assert _note(other, dedupe_key="overdue:plan:3") is not None


def test_notify_without_a_dedupe_key_notifies_every_time(user: User) -> None:
    _note(user)
    _note(user)

    assert Notification.objects.filter(user=user).count() == 2


def test_notify_skips_an_inactive_user(user: User) -> None:
    user.is_active = False
    user.save()

    assert _note(user) is None
    assert not Notification.objects.exists()


@pytest.mark.parametrize("url", ["https://elsewhere.example.com/", "//elsewhere.example.com/"])
def test_notify_refuses_a_link_out_of_the_service(user: User, url: str) -> None:
    with pytest.raises(ValueError, match="path in this service"):
        notify(user=user, kind=NotificationKind.DUE, message="Due.", url=url)


def test_notify_refuses_an_unknown_kind(user: User) -> None:
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify(user=user, kind="gossip", message="Hello.", url="/")


def test_a_long_message_is_shortened_to_fit(user: User) -> None:
    notification = _note(user, message="x" * 400)

    assert len(notification.message) == 300


@override_settings(SITE_URL=SITE)
def test_the_email_is_generic_with_a_link_that_opens_the_notification(user: User) -> None:
    notification = _note(user, message="Visit for family FS-000042 is due.")

    assert send_notification_email(notification.pk) is True

    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "You have a new notification in Family Safeguarding"
    assert f"{SITE}/notifications/{notification.pk}/open/" in message.body
    assert "FS-000042" not in message.body
    assert "Visit" not in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_an_email_task_run_twice_sends_one_email(user: User) -> None:
    notification = _note(user)

    assert send_notification_email(notification.pk) is True
    assert send_notification_email(notification.pk) is False
    assert len(mail.outbox) == 1


def test_no_email_for_a_notification_already_read_or_gone(user: User) -> None:
    notification = _note(user)
    notification_mark_read(user=user, notification=notification)

    assert send_notification_email(notification.pk) is False
    assert send_notification_email(999_999_999) is False
    assert mail.outbox == []


# --- immediately or a daily digest ------------------------------------------------------------


def test_a_digest_user_gets_no_email_straight_away(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    notification_settings_update(user=user, notification_email=NotificationEmail.DAILY_DIGEST)

    with django_capture_on_commit_callbacks() as callbacks:
        notification = _note(user)

    assert notification is not None
    assert callbacks == []


@override_settings(SITE_URL=SITE)
def test_the_digest_counts_unread_notifications_and_runs_once(user: User) -> None:
    digest_user = UserFactory.create(notification_email=NotificationEmail.DAILY_DIGEST)
    for number in range(3):
        _note(digest_user, message=f"Family FS-00000{number} changed.")
    notification_mark_read(
        user=digest_user, notification=Notification.objects.filter(user=digest_user)[0]
    )
    _note(user)  # an immediately user: never in a digest

    first = send_notification_digests()
    second = send_notification_digests()

    assert (first, second) == (1, 0)
    [message] = mail.outbox
    assert message.to == [digest_user.email]
    assert message.subject == "You have 2 new notifications in Family Safeguarding"
    assert f"{SITE}/notifications/" in message.body
    assert "FS-0000" not in message.body


def test_the_next_digest_counts_only_what_arrived_since_the_last(user: User) -> None:
    notification_settings_update(user=user, notification_email=NotificationEmail.DAILY_DIGEST)
    _note(user)
    _note(user)
    send_notification_digests()
    _note(user)

    send_notification_digests()

    assert [message.subject for message in mail.outbox] == [
        "You have 2 new notifications in Family Safeguarding",
        "You have 1 new notification in Family Safeguarding",
    ]


def test_the_digest_is_on_the_beat_schedule() -> None:
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="teams.tasks.send_notification_digests")

    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("7", "30")


# --- the events that notify -------------------------------------------------------------------


@pytest.fixture
def canary_case(db: None) -> TeamCase:
    return build_team_case(SURNAME)


def test_allocating_a_worker_tells_that_worker(canary_case: TeamCase) -> None:
    worker = MembershipFactory.create(team=canary_case.team, role=Role.SOCIAL_WORKER).user

    allocation = allocation_start(actor=canary_case.manager, case=canary_case.case, worker=worker)

    [told] = Notification.objects.filter(kind=NotificationKind.ALLOCATED, user=worker)
    assert told.url == reverse("cases:family", args=[canary_case.case.family_id])
    assert told.dedupe_key == f"allocated:{allocation.pk}"
    assert told.message == (
        f"You have been allocated to family {Family.reference_for(canary_case.case.family_id)}."
    )


def test_returning_an_entry_tells_its_author_each_time(canary_case: TeamCase) -> None:
    entry = _submitted_assessment(canary_case)
    entry_return(actor=canary_case.manager, entry=entry, reason=RETURN_REASON)
    again = _submitted_assessment(canary_case)
    entry_return(actor=canary_case.manager, entry=again, reason=RETURN_REASON)

    told = Notification.objects.filter(kind=NotificationKind.ENTRY_RETURNED)

    assert [n.user for n in told] == [canary_case.lead, canary_case.lead]
    assert {n.url for n in told} == {
        reverse("workbook:entry", args=[entry.pk]),
        reverse("workbook:entry", args=[again.pk]),
    }


def test_authorising_an_entry_tells_its_author(canary_case: TeamCase) -> None:
    entry = _submitted_assessment(canary_case)

    entry_authorise(actor=canary_case.manager, entry=entry)

    [told] = Notification.objects.filter(kind=NotificationKind.ENTRY_AUTHORISED)
    assert told.user == canary_case.lead
    assert told.url == reverse("workbook:entry", args=[entry.pk])
    assert "authorised" in told.message


def test_a_matched_police_notification_tells_each_active_allocated_worker(
    canary_case: TeamCase,
) -> None:
    canary_case.su_specialist.is_active = False
    canary_case.su_specialist.save()

    _police_notification(canary_case)

    told = Notification.objects.filter(kind=NotificationKind.PARTNER_NOTIFICATION)
    assert {n.user for n in told} == {
        canary_case.lead,
        canary_case.practitioner,
        canary_case.da_specialist,
    }
    assert {n.url for n in told} == {reverse("cases:family", args=[canary_case.case.family_id])}


def test_adding_a_supervision_action_tells_its_owner(canary_case: TeamCase) -> None:
    _actions(canary_case, canary_case.practitioner)

    [told] = Notification.objects.filter(kind=NotificationKind.ACTION_ASSIGNED)
    assert told.user == canary_case.practitioner
    assert told.url == reverse("supervision:my-actions")


@override_settings(SITE_URL=SITE)
def test_no_email_or_message_carries_a_name_a_birth_date_an_address_or_note_text(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        tc = build_team_case(SURNAME)
        # One worker hears by daily digest, so the digest email is checked too.
        notification_settings_update(
            user=tc.practitioner, notification_email=NotificationEmail.DAILY_DIGEST
        )
        entry_return(actor=tc.manager, entry=_submitted_assessment(tc), reason=RETURN_REASON)
        entry_authorise(actor=tc.manager, entry=_submitted_assessment(tc))
        _police_notification(tc)
        _actions(tc, tc.practitioner, tc.lead)

    queued = _email_task_ids(callbacks)
    for notification_id in queued:
        send_notification_email(notification_id)
    send_notification_digests()

    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {
        NotificationKind.ALLOCATED,
        NotificationKind.ENTRY_RETURNED,
        NotificationKind.ENTRY_AUTHORISED,
        NotificationKind.PARTNER_NOTIFICATION,
        NotificationKind.ACTION_ASSIGNED,
    }
    assert len(mail.outbox) == len(queued) + 1  # the practitioner's digest
    reference = Family.reference_for(tc.case.family_id)
    emails = "\n".join(f"{message.subject}\n{message.body}" for message in mail.outbox)
    messages = "\n".join(Notification.objects.values_list("message", flat=True))
    for canary in _canaries(tc):
        assert canary not in emails, canary
        assert canary not in messages, canary
    assert reference not in emails
    assert reference in messages  # the app may name the family's reference
    assert re.findall(r"https?://\S+", emails) == [
        url
        for url in re.findall(r"https?://\S+", emails)
        if url.startswith(f"{SITE}/notifications/")
    ]


# --- the pages --------------------------------------------------------------------------------


def test_the_list_shows_newest_first_and_marks_the_unread(user: User) -> None:
    older = _note(user, message="Family FS-000001 older.")
    newer = _note(user, message="Family FS-000002 newer.")
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1), read_at=timezone.now()
    )

    page = signed_in(user).get(reverse("teams:notifications")).content.decode()

    assert page.index("FS-000002 newer") < page.index("FS-000001 older")
    assert page.count("Unread</strong>") == 1
    assert reverse("teams:notification-open", args=[newer.pk]) in page
    assert reverse("teams:notification-read", args=[newer.pk]) in page
    assert reverse("teams:notification-read", args=[older.pk]) not in page


def test_the_list_shows_only_the_users_own_notifications(user: User) -> None:
    other = UserFactory.create()
    _note(other, message="Family FS-000009 is someone else's.")

    page = signed_in(user).get(reverse("teams:notifications")).content.decode()

    assert "FS-000009" not in page
    assert "You have no notifications." in page


def test_the_list_is_paginated(user: User) -> None:
    for number in range(30):
        _note(user, message=f"Notification number {number:02d}.")

    client = signed_in(user)
    first = client.get(reverse("teams:notifications")).content.decode()
    second = client.get(reverse("teams:notifications") + "?page=2").content.decode()

    assert "Notification number 29." in first
    assert "Notification number 04." not in first
    assert "Notification number 04." in second
    assert "Notification number 05." not in second
    # The shared GOV.UK pagination (templates/includes/pagination.html) links the pages.
    assert 'aria-label="Pages of notifications"' in first
    assert 'href="?page=2" rel="next"' in first
    assert 'href="?page=1" rel="prev"' in second


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(user: User) -> None:
    notification = _note(user)

    response = signed_in(user).get(reverse("teams:notification-open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/families/1/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_somebody_elses_notification_is_not_found(user: User) -> None:
    notification = _note(UserFactory.create())
    client = signed_in(user)

    opened = client.get(reverse("teams:notification-open", args=[notification.pk]))
    marked = client.post(reverse("teams:notification-read", args=[notification.pk]))

    assert (opened.status_code, marked.status_code) == (404, 404)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_signed_out_users_are_sent_to_sign_in(user: User) -> None:
    notification = _note(user)

    for url in (
        reverse("teams:notifications"),
        reverse("teams:notification-open", args=[notification.pk]),
        reverse("teams:notification-settings"),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("teams:sign-in"))


def test_mark_as_read_is_a_post_and_returns_to_the_same_page(user: User) -> None:
    notification = _note(user)
    client = signed_in(user)
    url = reverse("teams:notification-read", args=[notification.pk])

    refused = client.get(url)
    response = client.post(url, {"page": "2"})

    assert refused.status_code == 405
    assert response["Location"] == reverse("teams:notifications") + "?page=2"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_as_read_marks_only_the_users_own(user: User) -> None:
    _note(user)
    _note(user)
    someone_elses = _note(UserFactory.create())

    response = signed_in(user).post(reverse("teams:notifications-read-all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    someone_elses.refresh_from_db()
    assert someone_elses.read_at is None


def test_marking_read_twice_keeps_the_first_time(user: User) -> None:
    notification = _note(user)
    notification_mark_read(user=user, notification=notification)
    first = Notification.objects.get(pk=notification.pk).read_at

    notification_mark_read(user=user, notification=Notification.objects.get(pk=notification.pk))

    assert notifications_mark_all_read(user=user) == 0
    assert Notification.objects.get(pk=notification.pk).read_at == first


def test_the_settings_page_saves_the_choice(user: User) -> None:
    client = signed_in(user)

    page = client.get(reverse("teams:notification-settings")).content.decode()
    response = client.post(
        reverse("teams:notification-settings"),
        {"notification_email": NotificationEmail.DAILY_DIGEST},
    )

    assert 'value="immediately" checked' in page
    assert response["Location"] == reverse("teams:notifications")
    user.refresh_from_db()
    assert user.notification_email == NotificationEmail.DAILY_DIGEST


def test_the_settings_page_says_how_to_fix_a_missing_choice(user: User) -> None:
    response = signed_in(user).post(reverse("teams:notification-settings"), {})

    assert response.status_code == 200
    assert "Choose when we should email you" in response.content.decode()
    user.refresh_from_db()
    assert user.notification_email == NotificationEmail.IMMEDIATELY


def test_the_header_shows_the_unread_count_with_an_accessible_name(user: User) -> None:
    for _ in range(3):
        _note(user)
    notification_mark_read(user=user, notification=Notification.objects.filter(user=user)[0])

    page = signed_in(user).get(reverse("home")).content.decode()

    assert 'aria-label="Notifications, 2 unread"' in page
    assert '<span class="app-notification-count">2</span>' in page


def test_the_header_says_none_unread_without_a_badge(user: User) -> None:
    page = signed_in(user).get(reverse("home")).content.decode()

    assert 'aria-label="Notifications, 0 unread"' in page
    assert "app-notification-count" not in page


def test_the_list_page_query_count_does_not_grow_with_notifications(
    user: User, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(user)
    _note(user)
    with django_assert_max_num_queries(15) as small:
        assert client.get(reverse("teams:notifications")).status_code == 200

    for _ in range(40):
        _note(user)

    with django_assert_num_queries(len(small)):
        response = client.get(reverse("teams:notifications"))
    assert response.content.decode().count("Unread</strong>") == 25
