"""Query budgets (STYLE.md §3, §13) for the group supervision pages: each test measures the count
on a small data set, grows the data tenfold, and asserts the count is exactly the same; the small
count also stays under a ceiling so a new per-page query shows up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, ChronologyKind
from cases.services import chronology_event_record
from supervision.models import GroupSupervision, SupervisionAction, SupervisionStatus
from supervision.services import (
    action_add,
    action_complete,
    supervision_schedule,
    supervision_sign_off,
)
from teams.models import User
from tests.factories import CaseFactory, FamilyFactory
from tests.supervision.conftest import FamilyTeam, ready_to_sign_off, schedule
from tests.workbook.conftest import case_note_answers, domestic_abuse_answers
from workbook.models import Entry
from workbook.services import entry_return, entry_save, entry_start, entry_submit

pytestmark = pytest.mark.django_db

# A page needing more queries than this has grown a per-row query or lost a prefetch.
CEILING = 59
SMALL, LARGE = 2, 20


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the due list --------------------------------------------------------------------------------


def _scheduled_families(ft: FamilyTeam, count: int, start: int) -> None:
    """Open families in the team, each with a supervision chaired by one of its two managers."""
    for n in range(start, start + count):
        family = FamilyFactory.create(owning_team=ft.team, name=f"The Budget{n:02d} family")
        case = CaseFactory.create(family=family, lead_social_worker=ft.lead)
        supervision_schedule(
            actor=ft.manager,
            case=case,
            scheduled_for=timezone.localdate() + dt.timedelta(days=n - 3),
            chair=ft.manager if n % 2 else ft.assistant,
        )


def test_the_due_list_runs_the_same_queries_for_2_and_20_supervisions(
    family_team: FamilyTeam,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _scheduled_families(family_team, SMALL, 0)
    client = signed_in(family_team.manager)
    url = reverse("supervision:due")
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    _scheduled_families(family_team, LARGE - SMALL, SMALL)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"family</a>") == LARGE
    # The Whitlows have nothing scheduled, so they are offered for scheduling.
    assert b"The Whitlow family (" in response.content


# --- the supervision page (agenda and record) ----------------------------------------------------


def _grow_meeting(
    ft: FamilyTeam,
    previous: GroupSupervision,
    current: GroupSupervision,
    count: int,
    start: int,
) -> None:
    """Significant events, submitted and returned entries since the previous sign-off, actions
    agreed at this meeting, and open actions left from the previous one."""
    for n in range(start, start + count):
        chronology_event_record(
            case=ft.case,
            kind=ChronologyKind.WARNING,
            summary=f"Budget event {n}",
            actor=ft.manager,
            person=ft.children[n % 2],
            significant=True,
        )
        author = ft.lead if n % 2 else ft.da_specialist
        entry = entry_start(
            actor=author,
            case=ft.case,
            form_slug="case-note",
            subject_person=ft.children[n % 2] if n % 3 else None,
        )
        entry = entry_save(
            actor=author,
            entry_id=entry.pk,
            answers=case_note_answers(timezone.localdate()),
            base_version=entry.version,
        ).entry
        entry_submit(actor=author, entry=entry, context={})
        assessment = entry_start(
            actor=ft.da_specialist,
            case=ft.case,
            form_slug="adult-assessment",
            subject_person=ft.mother,
        )
        assessment = entry_save(
            actor=ft.da_specialist,
            entry_id=assessment.pk,
            answers=domestic_abuse_answers(n % 10, "standard"),
            base_version=assessment.version,
        ).entry
        assessment = entry_submit(actor=ft.da_specialist, entry=assessment, context={})
        entry_return(actor=ft.manager, entry=assessment, reason=f"Budget return {n}")
        action_add(
            actor=ft.manager,
            supervision=current,
            description=f"Budget action {n}",
            owner=ft.lead if n % 2 else ft.social_worker,
            due_date=current.scheduled_for,
            children=ft.children[: n % 3],
        )
        # The previous supervision is locked, so its left-over actions are written directly.
        left_over = SupervisionAction.objects.create(
            supervision=previous,
            case=ft.case,
            description=f"Left over action {n}",
            owner=ft.da_specialist if n % 2 else ft.lead,
            due_date=previous.scheduled_for,
        )
        left_over.children.set(ft.children[: n % 3])


def test_the_supervision_page_runs_the_same_queries_for_2_and_20_of_everything(
    family_team: FamilyTeam,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    previous = schedule(family_team, on=timezone.localdate() - dt.timedelta(days=14))
    supervision_sign_off(
        actor=family_team.manager, supervision=ready_to_sign_off(family_team, previous)
    )
    current = GroupSupervision.objects.get(
        case=family_team.case, status=SupervisionStatus.SCHEDULED
    )
    _grow_meeting(family_team, previous, current, SMALL, 0)
    client = signed_in(family_team.manager)
    url = reverse("supervision:detail", args=[current.pk])
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    _grow_meeting(family_team, previous, current, LARGE - SMALL, SMALL)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"Budget event") == LARGE
    assert response.content.count(b"Budget action") == LARGE
    assert response.content.count(b"Left over action") == LARGE
    assert response.content.count(b"Budget return") == LARGE
    assert Entry.objects.filter(workbook__case=family_team.case, form_slug="case-note").count() == (
        LARGE
    )


def test_a_signed_off_supervision_page_runs_the_same_queries_for_2_and_20_actions(
    family_team: FamilyTeam,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    """The read-only record (attendance list, risk and readiness rows) after sign-off."""
    supervision = schedule(family_team, on=timezone.localdate())
    for n in range(SMALL):
        action_add(
            actor=family_team.manager,
            supervision=supervision,
            description=f"Budget action {n}",
            owner=family_team.lead,
            due_date=supervision.scheduled_for,
            children=family_team.children,
        )
    client = signed_in(family_team.lead)
    url = reverse("supervision:detail", args=[supervision.pk])
    supervision_sign_off(
        actor=family_team.manager, supervision=ready_to_sign_off(family_team, supervision)
    )
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    for n in range(SMALL, LARGE):
        action = SupervisionAction.objects.create(
            supervision=supervision,
            case=family_team.case,
            description=f"Budget action {n}",
            owner=family_team.lead,
            due_date=supervision.scheduled_for,
        )
        action.children.set(family_team.children)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"Budget action") == LARGE


# --- my actions ----------------------------------------------------------------------------------


def _my_actions(ft: FamilyTeam, cases: list[Case], count: int, start: int) -> None:
    """Actions for the lead social worker across families, every fourth one done."""
    for n in range(start, start + count):
        case = cases[n % len(cases)]
        supervision = GroupSupervision.objects.get(case=case, status=SupervisionStatus.SCHEDULED)
        children = ft.children[: n % 3] if case.pk == ft.case.pk else []
        action = action_add(
            actor=ft.manager,
            supervision=supervision,
            description=f"Budget action {n}",
            owner=ft.lead,
            due_date=supervision.scheduled_for + dt.timedelta(days=n),
            children=children,
        )
        if n % 4 == 1:
            action_complete(actor=ft.lead, action=action, note=f"Done note {n}")


def test_my_actions_runs_the_same_queries_for_2_and_20_actions(
    family_team: FamilyTeam,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    schedule(family_team)
    _scheduled_families(family_team, 1, 0)
    cases = [family_team.case, Case.objects.get(family__name="The Budget00 family")]
    _my_actions(family_team, cases, SMALL, 0)
    client = signed_in(family_team.lead)
    url = reverse("supervision:my-actions")
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        response = client.get(url)
    assert response.status_code == 200
    assert b"Done note 1" in response.content

    _my_actions(family_team, cases, LARGE - SMALL, SMALL)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'<td class="govuk-table__cell">Budget action') == LARGE
    assert response.content.count(b"Done note") == 5
