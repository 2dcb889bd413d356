"""Group supervision through the services the pages call: schedule, reschedule, record the
meeting (never last-write-wins), add and complete actions, and sign off, which locks the record,
writes the decisions into each child's chronology, rolls the workbook cycle and schedules the
next supervision (DESIGN §7).

Every test starts from ``family_team`` (tests/supervision/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import ChronologyEvent, ChronologyKind
from cases.services import case_close
from supervision.models import (
    ActionStatus,
    Attendance,
    AttendanceStatus,
    GroupSupervision,
    PdfStatus,
    Reschedule,
    SupervisionAction,
    SupervisionPdf,
    SupervisionRevision,
    SupervisionStatus,
)
from supervision.services import (
    SupervisionLockedError,
    action_add,
    action_complete,
    supervision_attendance_sync,
    supervision_reschedule,
    supervision_sign_off,
)
from tests.supervision.conftest import (
    DECISIONS,
    FamilyTeam,
    everyone_present,
    full_record,
    ready_to_sign_off,
    save_record,
    schedule,
)
from workbook.models import Cycle
from workbook.services import workbook_open

pytestmark = pytest.mark.django_db

RISK_MESSAGE = "The risk scale must be a whole number from 0 to 10"


def _in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _signed_off(ft: FamilyTeam) -> GroupSupervision:
    supervision = ready_to_sign_off(ft, schedule(ft))
    return supervision_sign_off(actor=ft.manager, supervision=supervision)


def _add_action(ft: FamilyTeam, supervision: GroupSupervision) -> SupervisionAction:
    return action_add(
        actor=ft.manager,
        supervision=supervision,
        description="Refer Mia to the breakfast club",
        owner=ft.lead,
        due_date=supervision.scheduled_for + dt.timedelta(days=14),
        children=[ft.older_child],
    )


def _decision_events(supervision: GroupSupervision) -> list[ChronologyEvent]:
    return list(
        ChronologyEvent.objects.filter(
            source_model="supervision.groupsupervision", source_id=supervision.pk
        ).order_by("person__given_name")
    )


# --- scheduling ----------------------------------------------------------------------------------


def test_schedule_creates_a_supervision_in_the_current_workbook_cycle(
    family_team: FamilyTeam,
) -> None:
    supervision = schedule(family_team, on=_in_days(7))

    assert supervision.status == SupervisionStatus.SCHEDULED
    assert supervision.scheduled_for == _in_days(7)
    assert supervision.chair == family_team.manager
    assert supervision.version == 1
    assert supervision.cycle is not None
    assert supervision.cycle.number == 1


def test_the_assistant_team_manager_can_chair(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team, chair=family_team.assistant)

    assert supervision.chair == family_team.assistant


def test_schedule_refuses_a_social_worker_as_chair(family_team: FamilyTeam) -> None:
    with pytest.raises(ValidationError) as refused:
        schedule(family_team, chair=family_team.lead)

    assert refused.value.message_dict == {
        "chair": ["The chair must be a team manager or assistant team manager of the family's team"]
    }
    assert not GroupSupervision.objects.filter(case=family_team.case).exists()


def test_schedule_refuses_a_manager_of_another_team_as_chair(
    family_team: FamilyTeam, other_family_team: FamilyTeam
) -> None:
    with pytest.raises(ValidationError) as refused:
        schedule(family_team, chair=other_family_team.manager)

    assert list(refused.value.message_dict) == ["chair"]
    assert not GroupSupervision.objects.filter(case=family_team.case).exists()


def test_schedule_refuses_a_second_supervision_for_the_family(family_team: FamilyTeam) -> None:
    first = schedule(family_team, on=_in_days(7))

    with pytest.raises(ValidationError) as refused:
        schedule(family_team, on=_in_days(14))

    assert refused.value.messages == [
        "This family already has a supervision scheduled. Reschedule it instead"
    ]
    assert list(GroupSupervision.objects.filter(case=family_team.case)) == [first]


def test_schedule_refuses_a_closed_case(family_team: FamilyTeam) -> None:
    case_close(
        actor=family_team.manager,
        case=family_team.case,
        closed_date=timezone.localdate(),
        closure_reason="RC6",
    )

    with pytest.raises(ValidationError) as refused:
        schedule(family_team)

    assert refused.value.messages == ["Supervision can only be scheduled for an open case"]
    assert not GroupSupervision.objects.filter(case=family_team.case).exists()


# --- rescheduling --------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "ill"])
def test_reschedule_needs_a_reason(family_team: FamilyTeam, reason: str) -> None:
    supervision = schedule(family_team, on=_in_days(7))

    with pytest.raises(ValidationError) as refused:
        supervision_reschedule(
            actor=family_team.manager, supervision=supervision, to_date=_in_days(9), reason=reason
        )

    assert refused.value.message_dict == {"reason": ["Give the reason for the new date"]}
    supervision.refresh_from_db()
    assert supervision.scheduled_for == _in_days(7)
    assert not Reschedule.objects.filter(supervision=supervision).exists()


def test_reschedule_moves_the_date_and_keeps_the_history(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team, on=_in_days(7))

    supervision_reschedule(
        actor=family_team.manager,
        supervision=supervision,
        to_date=_in_days(9),
        reason="  The chair is on leave  ",
    )
    supervision_reschedule(
        actor=family_team.assistant,
        supervision=supervision,
        to_date=_in_days(12),
        reason="Room not available",
    )

    supervision.refresh_from_db()
    assert supervision.scheduled_for == _in_days(12)
    assert sorted(
        Reschedule.objects.filter(supervision=supervision).values_list(
            "from_date", "to_date", "reason", "by"
        )
    ) == [
        (_in_days(7), _in_days(9), "The chair is on leave", family_team.manager.pk),
        (_in_days(9), _in_days(12), "Room not available", family_team.assistant.pk),
    ]


def test_reschedule_clears_the_overdue_reminder(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team, on=_in_days(-3))
    GroupSupervision.objects.filter(pk=supervision.pk).update(overdue_notified_at=timezone.now())
    supervision.refresh_from_db()

    supervision_reschedule(
        actor=family_team.manager,
        supervision=supervision,
        to_date=_in_days(2),
        reason="Chair was off sick",
    )

    supervision.refresh_from_db()
    assert supervision.overdue_notified_at is None


def test_reschedule_refuses_a_signed_off_supervision(family_team: FamilyTeam) -> None:
    supervision = _signed_off(family_team)

    with pytest.raises(SupervisionLockedError):
        supervision_reschedule(
            actor=family_team.manager,
            supervision=supervision,
            to_date=_in_days(20),
            reason="Wrong date entered",
        )


# --- recording the meeting -----------------------------------------------------------------------


def test_each_save_makes_a_new_version_and_a_revision(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)
    record = full_record(family_team)

    first = save_record(family_team.lead, supervision, record, base_version=1)
    second = save_record(
        family_team.manager,
        supervision,
        {**record, "decisions": "Revised decisions"},
        base_version=2,
    )

    assert first.conflict is None
    assert second.conflict is None
    supervision.refresh_from_db()
    assert supervision.version == 3
    assert supervision.record["decisions"] == "Revised decisions"
    assert supervision.record["lived_experience"] == record["lived_experience"]
    assert list(
        SupervisionRevision.objects.filter(supervision=supervision)
        .order_by("version")
        .values_list("version", "based_on_version", "is_conflict", "saved_by")
    ) == [(2, 1, False, family_team.lead.pk), (3, 2, False, family_team.manager.pk)]


def test_a_stale_save_is_kept_as_a_conflict_revision_and_changes_nothing(
    family_team: FamilyTeam,
) -> None:
    supervision = schedule(family_team)
    record = full_record(family_team)
    save_record(family_team.lead, supervision, {**record, "decisions": "First"}, base_version=1)

    stale = save_record(
        family_team.manager, supervision, {**record, "decisions": "Second"}, base_version=1
    )

    assert stale.conflict is not None
    assert stale.conflict.is_conflict is True
    assert stale.conflict.record["decisions"] == "Second"
    assert stale.conflict.based_on_version == 1
    assert stale.conflict.saved_by == family_team.manager
    supervision.refresh_from_db()
    assert supervision.version == 2
    assert supervision.record["decisions"] == "First"


@pytest.mark.parametrize("scale", ["11", "-1", "five", "3.5", "10/10"])
def test_a_risk_scale_outside_0_to_10_is_refused_on_its_field(
    family_team: FamilyTeam, scale: str
) -> None:
    supervision = schedule(family_team)
    child = family_team.older_child
    record = {**full_record(family_team), "risk": {str(child.pk): {"scale": scale}}}

    with pytest.raises(ValidationError) as refused:
        save_record(family_team.lead, supervision, record)

    assert refused.value.message_dict == {f"risk_{child.pk}": [RISK_MESSAGE]}
    supervision.refresh_from_db()
    assert supervision.version == 1
    assert supervision.record == {}


def test_a_superscript_risk_scale_is_refused_on_its_field(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)
    child = family_team.older_child
    record = {**full_record(family_team), "risk": {str(child.pk): {"scale": "²"}}}

    with pytest.raises(ValidationError) as refused:
        save_record(family_team.lead, supervision, record)

    assert refused.value.message_dict == {f"risk_{child.pk}": [RISK_MESSAGE]}


@pytest.mark.parametrize("scale", ["0", "10", " 7 ", ""])
def test_a_risk_scale_from_0_to_10_or_blank_is_saved(family_team: FamilyTeam, scale: str) -> None:
    supervision = schedule(family_team)
    child = family_team.younger_child
    record = {
        **full_record(family_team),
        "risk": {str(child.pk): {"scale": scale, "rationale": "Settled at nursery"}},
    }

    save_record(family_team.lead, supervision, record)

    supervision.refresh_from_db()
    assert supervision.record["risk"] == {
        str(child.pk): {"scale": scale.strip(), "rationale": "Settled at nursery"}
    }


def test_a_risk_judgement_about_someone_outside_the_children_is_dropped(
    family_team: FamilyTeam, other_family_team: FamilyTeam
) -> None:
    supervision = schedule(family_team)
    record = {
        **full_record(family_team),
        "risk": {
            str(family_team.mother.pk): {"scale": "5"},
            str(other_family_team.older_child.pk): {"scale": "5"},
        },
    }

    save_record(family_team.lead, supervision, record)

    supervision.refresh_from_db()
    assert supervision.record["risk"] == {}


def test_attendance_marks_are_saved_with_the_record(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)
    supervision_attendance_sync(supervision)

    save_record(
        family_team.lead,
        supervision,
        full_record(family_team),
        {
            family_team.lead.pk: AttendanceStatus.PRESENT,
            family_team.da_specialist.pk: AttendanceStatus.APOLOGIES,
        },
    )

    assert dict(supervision.attendance.values_list("user_id", "status")) == {
        family_team.lead.pk: AttendanceStatus.PRESENT,
        family_team.da_specialist.pk: AttendanceStatus.APOLOGIES,
    }


def test_attendance_marks_are_saved_even_when_the_record_conflicts(
    family_team: FamilyTeam,
) -> None:
    supervision = schedule(family_team)
    supervision_attendance_sync(supervision)
    save_record(family_team.lead, supervision, full_record(family_team), base_version=1)

    stale = save_record(
        family_team.manager,
        supervision,
        full_record(family_team),
        {family_team.da_specialist.pk: AttendanceStatus.APOLOGIES},
        base_version=1,
    )

    assert stale.conflict is not None
    assert (
        Attendance.objects.get(supervision=supervision, user=family_team.da_specialist).status
        == AttendanceStatus.APOLOGIES
    )


def test_an_unknown_attendance_mark_is_ignored(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)
    supervision_attendance_sync(supervision)

    save_record(
        family_team.lead, supervision, full_record(family_team), {family_team.lead.pk: "late"}
    )

    assert (
        Attendance.objects.get(supervision=supervision, user=family_team.lead).status
        == AttendanceStatus.NOT_RECORDED
    )


def test_attendance_lists_every_allocated_worker_once(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)

    supervision_attendance_sync(supervision)
    rows = supervision_attendance_sync(supervision)

    assert sorted(a.user_id for a in rows) == sorted(u.pk for u in family_team.allocated)
    assert {a.status for a in rows} == {AttendanceStatus.NOT_RECORDED}


# --- actions -------------------------------------------------------------------------------------


def test_action_add_records_owner_due_date_and_children(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team, on=_in_days(7))

    action = action_add(
        actor=family_team.manager,
        supervision=supervision,
        description="  Refer Mia and Noah to the breakfast club  ",
        owner=family_team.social_worker,
        due_date=_in_days(7),
        children=family_team.children,
    )

    assert action.description == "Refer Mia and Noah to the breakfast club"
    assert action.owner == family_team.social_worker
    assert action.case == family_team.case
    assert action.due_date == _in_days(7)
    assert action.status == ActionStatus.OPEN
    assert set(action.children.all()) == set(family_team.children)


def test_action_add_refuses_an_owner_outside_the_team(
    family_team: FamilyTeam, other_family_team: FamilyTeam
) -> None:
    supervision = schedule(family_team)

    with pytest.raises(ValidationError) as refused:
        action_add(
            actor=family_team.manager,
            supervision=supervision,
            description="Visit the school",
            owner=other_family_team.lead,
            due_date=_in_days(14),
            children=[],
        )

    assert refused.value.message_dict == {"owner": ["The owner must work in the family's team"]}
    assert not SupervisionAction.objects.filter(supervision=supervision).exists()


def test_action_add_refuses_a_child_from_another_family(
    family_team: FamilyTeam, other_family_team: FamilyTeam
) -> None:
    supervision = schedule(family_team)

    with pytest.raises(ValidationError) as refused:
        action_add(
            actor=family_team.manager,
            supervision=supervision,
            description="Visit the school",
            owner=family_team.lead,
            due_date=_in_days(14),
            children=[family_team.older_child, other_family_team.older_child],
        )

    assert refused.value.message_dict == {"children": ["Choose children in this family"]}
    assert not SupervisionAction.objects.filter(supervision=supervision).exists()


def test_action_add_refuses_a_parent_as_a_child(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)

    with pytest.raises(ValidationError) as refused:
        action_add(
            actor=family_team.manager,
            supervision=supervision,
            description="Visit the school",
            owner=family_team.lead,
            due_date=_in_days(14),
            children=[family_team.mother],
        )

    assert refused.value.message_dict == {"children": ["Choose children in this family"]}


def test_action_add_refuses_a_due_date_before_the_meeting(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team, on=_in_days(7))

    with pytest.raises(ValidationError) as refused:
        action_add(
            actor=family_team.manager,
            supervision=supervision,
            description="Visit the school",
            owner=family_team.lead,
            due_date=_in_days(6),
            children=[],
        )

    assert refused.value.message_dict == {
        "due_date": ["The due date must be on or after the meeting"]
    }


def test_action_add_refuses_a_blank_description(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)

    with pytest.raises(ValidationError) as refused:
        action_add(
            actor=family_team.manager,
            supervision=supervision,
            description="   ",
            owner=family_team.lead,
            due_date=_in_days(14),
            children=[],
        )

    assert refused.value.message_dict == {"description": ["Describe the action"]}


def test_action_add_refuses_after_sign_off(family_team: FamilyTeam) -> None:
    supervision = _signed_off(family_team)

    with pytest.raises(SupervisionLockedError):
        _add_action(family_team, supervision)

    assert not SupervisionAction.objects.filter(supervision=supervision).exists()


def test_the_owner_completes_an_action_with_a_note(family_team: FamilyTeam) -> None:
    action = _add_action(family_team, schedule(family_team))

    done = action_complete(actor=family_team.lead, action=action, note="  Referral made  ")

    assert done.status == ActionStatus.DONE
    assert done.completed_by == family_team.lead
    assert done.completed_at is not None
    assert done.completion_note == "Referral made"


def test_a_team_manager_completes_someone_elses_action(family_team: FamilyTeam) -> None:
    action = _add_action(family_team, schedule(family_team))

    done = action_complete(actor=family_team.assistant, action=action, note="Done in the meeting")

    assert done.status == ActionStatus.DONE
    assert done.completed_by == family_team.assistant


def test_a_colleague_cannot_complete_someone_elses_action(family_team: FamilyTeam) -> None:
    action = _add_action(family_team, schedule(family_team))

    with pytest.raises(ValidationError) as refused:
        action_complete(actor=family_team.social_worker, action=action, note="Referral made")

    assert refused.value.messages == [
        "Only the action's owner or a manager of the team can complete it"
    ]
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


@pytest.mark.parametrize("note", ["", "  ", "ok"])
def test_completing_an_action_needs_a_note(family_team: FamilyTeam, note: str) -> None:
    action = _add_action(family_team, schedule(family_team))

    with pytest.raises(ValidationError) as refused:
        action_complete(actor=family_team.lead, action=action, note=note)

    assert refused.value.message_dict == {"note": ["Say what was done"]}
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_an_action_cannot_be_completed_twice(family_team: FamilyTeam) -> None:
    action = _add_action(family_team, schedule(family_team))
    first = action_complete(actor=family_team.lead, action=action, note="Referral made")

    with pytest.raises(ValidationError) as refused:
        action_complete(actor=family_team.manager, action=action, note="Done again")

    assert refused.value.messages == ["This action is already done"]
    action.refresh_from_db()
    assert action.completed_by == family_team.lead
    assert action.completed_at == first.completed_at
    assert action.completion_note == "Referral made"


# --- sign-off: refusals --------------------------------------------------------------------------


def test_only_the_chair_can_sign_off(family_team: FamilyTeam) -> None:
    supervision = ready_to_sign_off(family_team, schedule(family_team, chair=family_team.manager))

    with pytest.raises(ValidationError) as refused:
        supervision_sign_off(actor=family_team.assistant, supervision=supervision)

    assert refused.value.messages == ["Only the chair can sign off this supervision"]
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.SCHEDULED
    assert supervision.signed_off_at is None


def test_sign_off_is_refused_without_decisions(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)
    marks = everyone_present(supervision)
    save_record(family_team.lead, supervision, full_record(family_team, decisions="  "), marks)

    with pytest.raises(ValidationError) as refused:
        supervision_sign_off(actor=family_team.manager, supervision=supervision)

    assert refused.value.message_dict == {"decisions": ["Record the decisions before signing off"]}
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.SCHEDULED


def test_sign_off_is_refused_while_a_worker_has_no_attendance_mark(
    family_team: FamilyTeam,
) -> None:
    supervision = schedule(family_team)
    supervision_attendance_sync(supervision)
    save_record(
        family_team.lead,
        supervision,
        full_record(family_team),
        {family_team.lead.pk: AttendanceStatus.PRESENT},
    )

    with pytest.raises(ValidationError) as refused:
        supervision_sign_off(actor=family_team.manager, supervision=supervision)

    assert refused.value.message_dict == {
        "attendance": ["Mark every allocated worker as present or apologies before signing off"]
    }
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.SCHEDULED


def test_sign_off_is_refused_when_attendance_was_never_taken(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)
    save_record(family_team.lead, supervision, full_record(family_team))

    with pytest.raises(ValidationError) as refused:
        supervision_sign_off(actor=family_team.manager, supervision=supervision)

    assert list(refused.value.message_dict) == ["attendance"]


# --- sign-off: what it does ----------------------------------------------------------------------


def test_sign_off_locks_the_record(family_team: FamilyTeam) -> None:
    supervision = _signed_off(family_team)

    assert supervision.status == SupervisionStatus.SIGNED_OFF
    assert supervision.signed_off_by == family_team.manager
    assert supervision.signed_off_at is not None
    with pytest.raises(SupervisionLockedError):
        save_record(family_team.manager, supervision, full_record(family_team, decisions="Later"))
    supervision.refresh_from_db()
    assert supervision.record["decisions"] == DECISIONS


def test_sign_off_writes_the_decisions_into_each_childs_chronology(
    family_team: FamilyTeam,
) -> None:
    supervision = _signed_off(family_team)

    events = _decision_events(supervision)
    assert [(e.person, e.kind, e.significant, e.recorded_by) for e in events] == [
        (child, ChronologyKind.SUPERVISION, True, family_team.manager)
        for child in family_team.children  # Mia, then Noah
    ]
    assert {e.summary for e in events} == {f"Group supervision decisions: {DECISIONS}"}
    assert (
        ChronologyEvent.objects.filter(
            case=family_team.case, kind=ChronologyKind.SUPERVISION
        ).count()
        == 2
    )


def test_sign_off_closes_the_workbook_cycle_and_opens_the_next(family_team: FamilyTeam) -> None:
    _signed_off(family_team)

    workbook = workbook_open(case=family_team.case)
    today = timezone.localdate()
    assert list(
        Cycle.objects.filter(workbook=workbook)
        .order_by("number")
        .values_list("number", "opened_on", "closed_on")
    ) == [(1, family_team.case.referral_date, today), (2, today, None)]


def test_sign_off_schedules_the_next_supervision_with_the_same_chair(
    family_team: FamilyTeam,
) -> None:
    supervision = ready_to_sign_off(family_team, schedule(family_team, chair=family_team.assistant))

    supervision_sign_off(actor=family_team.assistant, supervision=supervision)

    upcoming = GroupSupervision.objects.get(
        case=family_team.case, status=SupervisionStatus.SCHEDULED
    )
    assert upcoming.pk != supervision.pk
    assert upcoming.scheduled_for == timezone.localdate() + dt.timedelta(
        weeks=settings.SUPERVISION_INTERVAL_WEEKS
    )
    assert upcoming.chair == family_team.assistant
    assert upcoming.cycle is not None
    assert upcoming.cycle.number == 2


def test_sign_off_asks_for_the_pdf(family_team: FamilyTeam) -> None:
    supervision = _signed_off(family_team)

    pdf = SupervisionPdf.objects.get(supervision=supervision)
    assert pdf.status == PdfStatus.PENDING
    assert pdf.stored_name == ""


def test_sign_off_queues_the_pdf_task_once_the_transaction_commits(
    family_team: FamilyTeam, django_capture_on_commit_callbacks: Any
) -> None:
    supervision = ready_to_sign_off(family_team, schedule(family_team))

    with django_capture_on_commit_callbacks() as callbacks:
        supervision_sign_off(actor=family_team.manager, supervision=supervision)

    assert [(c.func.__self__.name, c.keywords["args"]) for c in callbacks] == [
        ("supervision.tasks.render_supervision_pdf", (supervision.pk,))
    ]


def test_signing_off_twice_is_refused_and_changes_nothing(family_team: FamilyTeam) -> None:
    supervision = _signed_off(family_team)
    events = ChronologyEvent.objects.filter(case=family_team.case).count()

    with pytest.raises(SupervisionLockedError) as refused:
        supervision_sign_off(actor=family_team.manager, supervision=supervision)

    assert refused.value.messages == ["This supervision has already been signed off"]
    assert "already been signed off" in refused.value.messages[0]
    assert ChronologyEvent.objects.filter(case=family_team.case).count() == events
    assert len(_decision_events(supervision)) == 2
    assert Cycle.objects.filter(workbook__case=family_team.case).count() == 2
    assert GroupSupervision.objects.filter(case=family_team.case).count() == 2
