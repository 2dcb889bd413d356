"""What a user may do with an entry they can see (``workbook.policies.EntryPermissions``),
asked of the same object by the pages, their templates and the API: the author rule (only the
author changes and submits; nobody authorises or returns what they wrote), the allocation
rule (a worker no longer allocated reads their draft but does not change it), and who sees
the health detail of an adult assessment, at a fixed cost in queries."""

from __future__ import annotations

from typing import Any

import pytest

from cases.loader import load_record
from cases.services import allocation_end, allocation_start
from teams.models import User
from teams.roles import Discipline, Role
from tests.factories import MembershipFactory
from tests.workbook.conftest import (
    ALLOCATION_DATE,
    TeamCase,
    assessment_answers,
    case_note_answers,
)
from workbook.models import Entry
from workbook.policies import EntryPermissions, entry_permissions
from workbook.selectors import entry_records_for, form_context
from workbook.services import entry_save, entry_start, entry_submit

pytestmark = pytest.mark.django_db


def _can(user: User, entry: Entry) -> EntryPermissions:
    return load_record(
        user,
        entry_records_for(user),
        entry.pk,
        case_path="workbook__case",
        permissions=entry_permissions,
    ).can


def _submitted_assessment(tc: TeamCase, author: User) -> Entry:
    entry = entry_start(
        actor=author, case=tc.case, form_slug="assessment", subject_person=tc.older_child
    )
    saved = entry_save(
        actor=author, entry_id=entry.pk, answers=assessment_answers(), base_version=1
    ).entry
    return entry_submit(actor=author, entry=saved, context=form_context(tc.case))


def _what(can: EntryPermissions) -> dict[str, bool]:
    return {
        "edit": can.can_edit,
        "submit": can.can_submit,
        "authorise": can.can_authorise,
        "return": can.can_return,
        "correct": can.can_correct,
    }


NOTHING = dict.fromkeys(["edit", "submit", "authorise", "return", "correct"], False)


def test_the_author_of_a_draft_edits_and_submits_it_and_nobody_else_does(
    team_case: TeamCase,
) -> None:
    draft = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")

    assert _what(_can(team_case.lead, draft)) == NOTHING | {"edit": True, "submit": True}


def test_a_manager_decides_a_submitted_assessment_its_author_does_not(
    team_case: TeamCase,
) -> None:
    entry = _submitted_assessment(team_case, team_case.lead)

    by_manager = _what(_can(team_case.manager, entry))
    by_author = _what(_can(team_case.lead, entry))

    assert by_manager == NOTHING | {"authorise": True, "return": True}
    assert by_author == NOTHING | {"correct": True}


def test_a_manager_who_wrote_the_assessment_may_not_decide_it(team_case: TeamCase) -> None:
    """An assistant team manager who is a social worker writes assessments and decides
    other people's: the author rule decides, not the role."""
    writing_manager = MembershipFactory.create(
        team=team_case.team, role=Role.ASSISTANT_TEAM_MANAGER, discipline=Discipline.SOCIAL_WORK
    ).user
    allocation_start(
        actor=team_case.manager,
        case=team_case.case,
        worker=writing_manager,
        start_date=ALLOCATION_DATE,
    )
    own = _submitted_assessment(team_case, writing_manager)
    leads = _submitted_assessment(team_case, team_case.lead)

    assert _can(writing_manager, own).can_authorise is False
    assert _can(writing_manager, own).can_return is False
    assert _can(writing_manager, leads).can_authorise is True
    assert _can(team_case.manager, own).can_authorise is True


def test_a_case_note_needs_no_manager(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    saved = entry_save(
        actor=team_case.lead, entry_id=entry.pk, answers=case_note_answers(), base_version=1
    ).entry
    submitted = entry_submit(actor=team_case.lead, entry=saved, context={})

    assert _what(_can(team_case.manager, submitted)) == NOTHING


def test_an_author_no_longer_allocated_may_read_their_draft_but_not_change_it(
    team_case: TeamCase,
) -> None:
    draft = entry_start(actor=team_case.practitioner, case=team_case.case, form_slug="case-note")
    allocation = team_case.case.allocations.get(worker=team_case.practitioner)
    allocation_end(actor=team_case.manager, allocation=allocation, end_date=ALLOCATION_DATE)

    can = _can(team_case.practitioner, draft)

    assert (can.is_author, can.can_edit, can.can_submit) == (True, False, False)


def test_health_detail_costs_at_most_two_queries_however_often_it_is_asked(
    team_case: TeamCase, django_assert_max_num_queries: Any
) -> None:
    entry = _submitted_assessment(team_case, team_case.lead)
    teammate = MembershipFactory.create(team=team_case.team, role=Role.SOCIAL_WORKER).user
    can = _can(teammate, entry)
    assert not can.family.read_only  # the family's permissions: the loader's, asked before

    with django_assert_max_num_queries(2):
        answers = [can.can_see_health_detail for _ in range(5)]
        also = [(can.can_edit, can.can_correct, can.can_authorise) for _ in range(5)]

    assert answers == [False] * 5
    assert also == [(False, False, False)] * 5


def test_health_detail_is_for_allocated_workers_and_the_teams_managers(
    team_case: TeamCase,
) -> None:
    entry = _submitted_assessment(team_case, team_case.lead)
    teammate = MembershipFactory.create(team=team_case.team, role=Role.SOCIAL_WORKER).user
    readers = {
        "allocated specialist": team_case.da_specialist,
        "team manager": team_case.manager,
        "teammate": teammate,
    }

    shown = {name: _can(user, entry).can_see_health_detail for name, user in readers.items()}

    assert shown == {"allocated specialist": True, "team manager": True, "teammate": False}
