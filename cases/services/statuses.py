"""A child's statutory status periods: child in need, child protection, looked after, s47."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.clocks.engine import review_conference_due_by
from safeguarding.lib.dates import start_of_day
from safeguarding.lib.services import service
from teams.models import User

from ..models import (
    Case,
    ChildStatus,
    ChronologyKind,
    FamilyMember,
    HouseholdRole,
    Person,
    ReviewConference,
    StatusKind,
)
from ._base import reference_label, require_code
from .chronology import chronology_event_record

OVERLAP_CONSTRAINTS = {
    "status_periods_do_not_overlap": "{name} already has a {kind} that overlaps these dates. End it first, or change the start date",
    "cin_and_cp_plans_do_not_overlap": "{name} cannot have a child in need plan and a child protection plan at the same time. End the other plan first",
}


@service
def child_status_start(
    *,
    actor: User,
    case: Case,
    person: Person,
    kind: str,
    start_date: dt.date,
    cp_category: str = "",
    legal_status: str = "",
    strategy_discussion_date: dt.date | None = None,
    icpc_date: dt.date | None = None,
    next_review_date: dt.date | None = None,
) -> ChildStatus:
    errors: dict[str, str] = {}
    if kind not in StatusKind.values:
        errors["kind"] = "Select the status"
    if start_date > timezone.localdate():
        errors["start_date"] = "Start date must be today or in the past"
    if start_date < case.referral_date:
        errors["start_date"] = "Start date must be on or after the referral date"
    if not case.is_open:
        errors["kind"] = "Statuses can only be started on an open case"
    if not FamilyMember.objects.filter(
        family_id=case.family_id,
        person=person,
        household_role=HouseholdRole.CHILD,
        end_date__isnull=True,
    ).exists():
        errors["person"] = "Choose a child in this family"
    if next_review_date is not None and next_review_date < start_date:
        errors["next_review_date"] = "The review must be after the status starts"
    if kind == StatusKind.S47_ENQUIRY and strategy_discussion_date is None:
        errors["strategy_discussion_date"] = "Enter the date of the strategy discussion"
    if strategy_discussion_date and strategy_discussion_date > start_date:
        errors["strategy_discussion_date"] = (
            "The strategy discussion must be on or before the enquiry started"
        )
    if icpc_date and strategy_discussion_date and icpc_date < strategy_discussion_date:
        errors["icpc_date"] = "The conference must be after the strategy discussion"
    if errors:
        raise ValidationError(errors)
    if kind == StatusKind.CP_PLAN:
        require_code(
            "cp_category", cp_category, "cp_category", "Select the category of abuse or neglect"
        )
    if kind == StatusKind.LOOKED_AFTER:
        require_code("lac_legal_status", legal_status, "legal_status", "Select the legal status")
    status = ChildStatus(
        case=case,
        person=person,
        kind=kind,
        start_date=start_date,
        cp_initial_category=cp_category if kind == StatusKind.CP_PLAN else "",
        cp_latest_category=cp_category if kind == StatusKind.CP_PLAN else "",
        legal_status=legal_status if kind == StatusKind.LOOKED_AFTER else "",
        strategy_discussion_date=strategy_discussion_date,
        icpc_date=icpc_date,
        next_review_date=next_review_date,
    )
    try:
        with transaction.atomic():
            status.save()
    except IntegrityError as exc:
        for constraint, message in OVERLAP_CONSTRAINTS.items():
            if constraint in str(exc):
                raise ValidationError(
                    {
                        "start_date": message.format(
                            name=person.given_name, kind=status.get_kind_display().lower()
                        )
                    }
                ) from exc
        raise
    detail = ""
    if kind == StatusKind.CP_PLAN:
        detail = f" (category: {reference_label('cp_category', cp_category).lower()})"
    elif kind == StatusKind.LOOKED_AFTER:
        detail = f" ({reference_label('lac_legal_status', legal_status).lower()})"
    chronology_event_record(
        case=case,
        kind=ChronologyKind.STATUS_STARTED,
        summary=f"{status.get_kind_display()} started for {person.full_name}{detail}.",
        actor=actor,
        occurred_at=start_of_day(start_date),
        person=person,
        source=status,
        significant=kind in (StatusKind.CP_PLAN, StatusKind.LOOKED_AFTER, StatusKind.S47_ENQUIRY),
    )
    return status


@service
def child_status_end(*, actor: User, status: ChildStatus, end_date: dt.date) -> ChildStatus:
    if status.end_date is not None:
        raise ValidationError("This status has already ended")
    if end_date < status.start_date:
        raise ValidationError({"end_date": "End date must be on or after the start date"})
    if end_date > timezone.localdate():
        raise ValidationError({"end_date": "End date must be today or in the past"})
    status.end_date = end_date
    status.save(update_fields=["end_date"])
    chronology_event_record(
        case=status.case,
        kind=ChronologyKind.STATUS_ENDED,
        summary=f"{status.get_kind_display()} ended for {status.person.full_name}.",
        actor=actor,
        occurred_at=start_of_day(end_date),
        person=status.person,
        source=status,
        significant=status.kind in (StatusKind.CP_PLAN, StatusKind.LOOKED_AFTER),
    )
    return status


@service
def child_status_update(
    *,
    actor: User,
    status: ChildStatus,
    cp_latest_category: str | None = None,
    icpc_date: dt.date | None = None,
    next_review_date: dt.date | None = None,
    first_core_group_date: dt.date | None = None,
) -> ChildStatus:
    """Record the latest category, the conference date, the first core group or the next
    review of a current status."""
    if status.end_date is not None:
        raise ValidationError("This status has ended and can no longer be changed")
    changed: list[str] = []
    if cp_latest_category is not None and cp_latest_category != status.cp_latest_category:
        if status.kind != StatusKind.CP_PLAN:
            raise ValidationError(
                {"cp_latest_category": "Only a child protection plan has a category"}
            )
        require_code(
            "cp_category",
            cp_latest_category,
            "cp_latest_category",
            "Select the category of abuse or neglect",
        )
        status.cp_latest_category = cp_latest_category
        changed.append("cp_latest_category")
    if icpc_date is not None and icpc_date != status.icpc_date:
        status.icpc_date = icpc_date
        changed.append("icpc_date")
    if next_review_date is not None and next_review_date != status.next_review_date:
        if next_review_date < status.start_date:
            raise ValidationError({"next_review_date": "The review must be after the plan started"})
        status.next_review_date = next_review_date
        changed.append("next_review_date")
    if first_core_group_date is not None and first_core_group_date != status.first_core_group_date:
        if status.kind != StatusKind.CP_PLAN:
            raise ValidationError(
                {"first_core_group_date": "Only a child protection plan has core group meetings"}
            )
        if first_core_group_date > timezone.localdate():
            raise ValidationError(
                {"first_core_group_date": "The meeting date must be today or in the past"}
            )
        if first_core_group_date < (status.icpc_date or status.start_date):
            raise ValidationError(
                {
                    "first_core_group_date": "The first core group meets after the initial child protection conference"
                }
            )
        status.first_core_group_date = first_core_group_date
        changed.append("first_core_group_date")
    if changed:
        status.save(update_fields=changed)
    return status


@service
def child_status_record_visit(
    *, actor: User, status: ChildStatus, visit_date: dt.date
) -> ChildStatus:
    """Record a statutory visit at which the child was seen (the workbook's visit form calls this)."""
    if visit_date > timezone.localdate():
        raise ValidationError({"visit_date": "Visit date must be today or in the past"})
    if visit_date < status.start_date:
        raise ValidationError({"visit_date": "Visit date must be on or after the status started"})
    if status.last_visit_date is None or visit_date > status.last_visit_date:
        status.last_visit_date = visit_date
        status.save(update_fields=["last_visit_date"])
    return status


@service
def review_conference_record(
    *, actor: User, status: ChildStatus, held_on: dt.date, next_review_date: dt.date | None = None
) -> ReviewConference:
    """Record a CP review conference, with the date it was due by, and book the next one."""
    if status.kind != StatusKind.CP_PLAN:
        raise ValidationError("Review conferences are for child protection plans")
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "The conference date must be today or in the past"})
    first_conference = status.icpc_date or status.start_date
    if held_on < first_conference or (status.end_date is not None and held_on > status.end_date):
        raise ValidationError({"held_on": "The conference must be held while the plan is in place"})
    previous = status.review_conferences.filter(held_on__lt=held_on).order_by("-held_on").first()
    if status.review_conferences.filter(held_on=held_on).exists():
        raise ValidationError({"held_on": "A review conference on this date is already recorded"})
    due_by = review_conference_due_by(
        first_conference, previous.held_on if previous is not None else None
    )
    next_date = next_review_date or review_conference_due_by(first_conference, held_on)
    if next_date <= held_on:
        raise ValidationError({"next_review_date": "The next review must be after this one"})
    conference = ReviewConference.objects.create(
        status=status, held_on=held_on, due_by=due_by, recorded_by=actor
    )
    if status.end_date is None:
        status.next_review_date = next_date
        status.save(update_fields=["next_review_date"])
    chronology_event_record(
        case=status.case,
        kind=ChronologyKind.STATUS_STARTED,
        summary=f"Child protection review conference held for {status.person.full_name}"
        + ("" if conference.on_time else f" (due by {due_by:%-d %B %Y})")
        + ".",
        actor=actor,
        occurred_at=start_of_day(held_on),
        person=status.person,
        source=conference,
        significant=True,
    )
    return conference
