"""Every write to group supervision (STYLE.md §2)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    ChronologyKind,
    Family,
    FamilyMember,
    HouseholdRole,
    Person,
)
from cases.services import chronology_event_record
from safeguarding.lib.services import service
from safeguarding.lib.tasks import enqueue_on_commit
from teams.models import Membership, User
from teams.notifications import NotificationKind, notify
from workbook.services import cycle_open, cycle_roll_over, workbook_open

from .models import (
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
from .policies import can_complete_action, is_chair_eligible, sign_off_refusal
from .selectors import allocated_worker_ids

RECORD_TEXT_FIELDS = (
    "lived_experience",
    "working_well",
    "worried_about",
    "hypotheses",
    "decisions",
)
RISK_SCALE_MAX = 10
MAX_RECORD_CHARACTERS = 100_000


class SupervisionLockedError(ValidationError):
    pass


def supervision_interval() -> dt.timedelta:
    return dt.timedelta(weeks=settings.SUPERVISION_INTERVAL_WEEKS)


@service
def supervision_schedule(
    *, actor: User, case: Case, scheduled_for: dt.date, chair: User
) -> GroupSupervision:
    if not case.is_open:
        raise ValidationError("Supervision can only be scheduled for an open case")
    if not is_chair_eligible(chair, case):
        raise ValidationError(
            {
                "chair": "The chair must be a team manager or assistant team manager of the family's team"
            }
        )
    if scheduled_for < timezone.localdate() - dt.timedelta(days=365):
        raise ValidationError(
            {"scheduled_for": "Enter a date within the last year or in the future"}
        )
    if GroupSupervision.objects.filter(case=case, status=SupervisionStatus.SCHEDULED).exists():
        raise ValidationError(
            "This family already has a supervision scheduled. Reschedule it instead"
        )
    workbook = workbook_open(case=case)
    return GroupSupervision.objects.create(
        case=case, cycle=cycle_open(workbook=workbook), scheduled_for=scheduled_for, chair=chair
    )


@service
def supervision_reschedule(
    *, actor: User, supervision: GroupSupervision, to_date: dt.date, reason: str
) -> GroupSupervision:
    if supervision.is_signed_off:
        raise SupervisionLockedError(
            "This supervision has been signed off and cannot be rescheduled"
        )
    if len(reason.strip()) < 5:
        raise ValidationError({"reason": "Give the reason for the new date"})
    if to_date == supervision.scheduled_for:
        raise ValidationError({"to_date": "Choose a different date"})
    Reschedule.objects.create(
        supervision=supervision,
        from_date=supervision.scheduled_for,
        to_date=to_date,
        reason=reason.strip(),
        by=actor,
    )
    supervision.scheduled_for = to_date
    supervision.overdue_notified_at = None
    supervision.save(update_fields=["scheduled_for", "overdue_notified_at"])
    return supervision


def supervision_attendance_sync(supervision: GroupSupervision) -> list[Attendance]:
    """Every worker allocated to the case has an attendance row (present, apologies or not
    yet recorded), plus anyone invited. Called by the writes (saving the record, signing off);
    the page shows ``selectors.attendance_for``, which reads the same list without saving it."""
    allocated = allocated_worker_ids(supervision)
    existing = set(supervision.attendance.values_list("user_id", flat=True))
    Attendance.objects.bulk_create(
        [
            Attendance(supervision=supervision, user_id=user_id)
            for user_id in sorted(allocated - existing)
        ],
        ignore_conflicts=True,
    )
    return list(supervision.attendance.select_related("user"))


def _clean_record(record: dict[str, Any], case: Case) -> dict[str, Any]:
    children = set(
        FamilyMember.objects.filter(
            family_id=case.family_id, household_role=HouseholdRole.CHILD
        ).values_list("person_id", flat=True)
    )
    cleaned: dict[str, Any] = {name: str(record.get(name, "") or "") for name in RECORD_TEXT_FIELDS}
    cleaned["worker_updates"] = {
        str(k): str(v) for k, v in dict(record.get("worker_updates", {})).items()
    }
    cleaned["readiness"] = {str(k): str(v) for k, v in dict(record.get("readiness", {})).items()}
    risk: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    for person_id, judgement in dict(record.get("risk", {})).items():
        if int(person_id) not in children:
            continue
        scale = str(judgement.get("scale", "")).strip()
        if scale and not (
            scale.isascii() and scale.isdigit() and 0 <= int(scale) <= RISK_SCALE_MAX
        ):
            errors[f"risk_{person_id}"] = "The risk scale must be a whole number from 0 to 10"
        risk[str(person_id)] = {"scale": scale, "rationale": str(judgement.get("rationale", ""))}
    cleaned["risk"] = risk
    if sum(len(v) for v in cleaned.values() if isinstance(v, str)) > MAX_RECORD_CHARACTERS:
        errors["decisions"] = "The record is too long to save. Keep it under 100,000 characters"
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass(frozen=True)
class RecordSaveResult:
    supervision: GroupSupervision
    conflict: SupervisionRevision | None = None


def supervision_record_save(
    *,
    actor: User,
    supervision_id: int,
    record: dict[str, Any],
    attendance: dict[int, str],
    base_version: int,
    editor_token: str = "",
) -> RecordSaveResult:
    """Save the meeting record if nobody saved since ``base_version`` (or only this same page,
    whose autosave and save can cross in flight); otherwise keep this text as a conflict
    revision. Attendance marks are saved either way (they do not conflict)."""
    supervision = GroupSupervision.objects.select_related("case").get(pk=supervision_id)
    if supervision.is_signed_off:
        raise SupervisionLockedError(
            "This supervision has been signed off. The record can no longer change"
        )
    cleaned = _clean_record(record, supervision.case)
    editor_token = editor_token[:64]
    now = timezone.now()
    with transaction.atomic(), pghistory.context(user=actor.pk):
        supervision = (
            GroupSupervision.objects.select_for_update()
            .select_related("case")
            .get(pk=supervision_id)
        )
        for user_id, status in attendance.items():
            if status in AttendanceStatus.values:
                Attendance.objects.filter(supervision_id=supervision_id, user_id=user_id).update(
                    status=status
                )
        later = SupervisionRevision.objects.filter(
            supervision_id=supervision_id, version__gt=base_version, is_conflict=False
        )
        own_later_only = (
            bool(editor_token)
            and later.exists()
            and not later.exclude(editor_token=editor_token).exists()
        )
        accepted = not supervision.is_signed_off and (
            supervision.version == base_version or own_later_only
        )
        previous = supervision.version
        if accepted:
            supervision.record = cleaned
            supervision.version = previous + 1
            supervision.updated_at = now
            supervision.save(update_fields=["record", "version", "updated_at"])
        revision = SupervisionRevision.objects.create(
            supervision=supervision,
            version=supervision.version,
            record=cleaned,
            saved_by=actor,
            saved_at=now,
            is_conflict=not accepted,
            based_on_version=previous if accepted else base_version,
            editor_token=editor_token,
        )
    return RecordSaveResult(supervision=supervision, conflict=None if accepted else revision)


@service
def attendance_invite(*, actor: User, supervision: GroupSupervision, user: User) -> Attendance:
    if supervision.is_signed_off:
        raise SupervisionLockedError("This supervision has been signed off")
    attendance, _ = Attendance.objects.get_or_create(
        supervision=supervision, user=user, defaults={"is_allocated_worker": False}
    )
    return attendance


@service
def action_add(
    *,
    actor: User,
    supervision: GroupSupervision,
    description: str,
    owner: User,
    due_date: dt.date,
    children: list[Person],
) -> SupervisionAction:
    if supervision.is_signed_off:
        raise SupervisionLockedError(
            "This supervision has been signed off. Add actions at the next one"
        )
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Describe the action"
    if due_date < supervision.scheduled_for:
        errors["due_date"] = "The due date must be on or after the meeting"
    family_children = set(
        FamilyMember.objects.filter(
            family_id=supervision.case.family_id, household_role=HouseholdRole.CHILD
        ).values_list("person_id", flat=True)
    )
    if any(child.pk not in family_children for child in children):
        errors["children"] = "Choose children in this family"
    if (
        not Membership.objects.active()
        .filter(user=owner, team_id=supervision.case.family.owning_team_id)
        .exists()
    ):
        errors["owner"] = "The owner must work in the family's team"
    if errors:
        raise ValidationError(errors)
    action = SupervisionAction.objects.create(
        supervision=supervision,
        case=supervision.case,
        description=description.strip(),
        owner=owner,
        due_date=due_date,
    )
    action.children.set(children)
    notify(
        user=owner,
        kind=NotificationKind.ACTION_ASSIGNED,
        message="You have a new action from group supervision for family "
        f"{Family.reference_for(supervision.case.family_id)}, due {due_date:%-d %B %Y}.",
        url=reverse("supervision:my-actions"),
        dedupe_key=f"action_assigned:{action.pk}",
    )
    return action


@service
def action_complete(*, actor: User, action: SupervisionAction, note: str) -> SupervisionAction:
    action = SupervisionAction.objects.select_for_update().get(pk=action.pk)
    if action.status == ActionStatus.DONE:
        raise ValidationError("This action is already done")
    if not can_complete_action(actor, action):
        raise ValidationError("Only the action's owner or a manager of the team can complete it")
    if len(note.strip()) < 3:
        raise ValidationError({"note": "Say what was done"})
    action.status = ActionStatus.DONE
    action.completed_at = timezone.now()
    action.completed_by = actor
    action.completion_note = note.strip()
    action.save(update_fields=["status", "completed_at", "completed_by", "completion_note"])
    return action


@service
def supervision_sign_off(*, actor: User, supervision: GroupSupervision) -> GroupSupervision:
    """Lock the record, write the decisions into every child's chronology, close the workbook
    cycle, open the next, schedule the next supervision, and queue the PDF."""
    supervision = (
        GroupSupervision.objects.select_for_update()
        .select_related("case__family")
        .get(pk=supervision.pk)
    )
    if supervision.is_signed_off:
        raise SupervisionLockedError("This supervision has already been signed off")
    refusal = sign_off_refusal(actor, supervision, supervision.case)
    if refusal is not None:
        raise ValidationError(refusal)
    decisions = str(supervision.record.get("decisions", "")).strip()
    if not decisions:
        raise ValidationError({"decisions": "Record the decisions before signing off"})
    # Rows for every worker allocated now, so nobody allocated since the page was opened (or a
    # meeting nobody opened) slips through without attendance.
    supervision_attendance_sync(supervision)
    if supervision.attendance.filter(status=AttendanceStatus.NOT_RECORDED).exists():
        raise ValidationError(
            {"attendance": "Mark every allocated worker as present or apologies before signing off"}
        )
    today = timezone.localdate()
    supervision.status = SupervisionStatus.SIGNED_OFF
    supervision.signed_off_at = timezone.now()
    supervision.signed_off_by = actor
    supervision.save(update_fields=["status", "signed_off_at", "signed_off_by"])
    children = [
        m.person
        for m in FamilyMember.objects.filter(
            family_id=supervision.case.family_id,
            household_role=HouseholdRole.CHILD,
            end_date__isnull=True,
        ).select_related("person")
    ]
    for child in children:
        chronology_event_record(
            case=supervision.case,
            kind=ChronologyKind.SUPERVISION,
            summary=f"Group supervision decisions: {decisions}",
            actor=actor,
            person=child,
            source=supervision,
            significant=True,
        )
    workbook = workbook_open(case=supervision.case)
    cycle_roll_over(
        actor=actor, workbook=workbook, on=max(today, cycle_open(workbook=workbook).opened_on)
    )
    if supervision.case.is_open:
        GroupSupervision.objects.create(
            case=supervision.case,
            cycle=cycle_open(workbook=workbook),
            scheduled_for=today + supervision_interval(),
            chair=supervision.chair,
        )
    pdf, _ = SupervisionPdf.objects.get_or_create(supervision=supervision)
    pdf.status = PdfStatus.PENDING
    pdf.save(update_fields=["status"])
    from .tasks import render_supervision_pdf

    enqueue_on_commit(render_supervision_pdf, supervision.pk)
    return supervision


@service
def supervision_pdf_request(*, actor: User, supervision: GroupSupervision) -> SupervisionPdf:
    """Ask again for a PDF (after a failure). A finished PDF is not made twice."""
    if not supervision.is_signed_off:
        raise ValidationError("A PDF is made once the supervision is signed off")
    pdf, _ = SupervisionPdf.objects.get_or_create(supervision=supervision)
    if pdf.status in (PdfStatus.FAILED,):
        pdf.status = PdfStatus.PENDING
        pdf.save(update_fields=["status"])
        from .tasks import render_supervision_pdf

        enqueue_on_commit(render_supervision_pdf, supervision.pk)
    return pdf


# --- the record's PDF (made by ``tasks.render_supervision_pdf``) ---------------------------------


def pdf_path(stored_name: str) -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "supervision" / stored_name


@service
def supervision_pdf_mark_running(*, supervision_id: int) -> SupervisionPdf | None:
    """Claim the supervision's PDF for rendering: None when there is none to make, and the PDF
    unchanged (``DONE``) when it is already made and stored, so a second run stops."""
    pdf = SupervisionPdf.objects.select_for_update().filter(supervision_id=supervision_id).first()
    if pdf is None:
        return None
    if pdf.status == PdfStatus.DONE and pdf.stored_name and pdf_path(pdf.stored_name).exists():
        return pdf
    pdf.status = PdfStatus.RUNNING
    # The file name is fixed under the lock, so a duplicate delivery rendering at the same
    # time replaces the same file rather than leaving a second copy.
    pdf.stored_name = pdf.stored_name or f"{secrets.token_hex(24)}.pdf"
    pdf.save(update_fields=["status", "stored_name"])
    return pdf


@service
def supervision_pdf_mark_ready(*, pdf_id: int, stored_name: str, record_version: int) -> None:
    SupervisionPdf.objects.filter(pk=pdf_id).update(
        status=PdfStatus.DONE,
        stored_name=stored_name,
        finished_at=timezone.now(),
        record_version=record_version,
    )


@service
def supervision_pdf_mark_failed(*, pdf_id: int) -> None:
    SupervisionPdf.objects.filter(pk=pdf_id).update(status=PdfStatus.FAILED)
