"""Allocating workers to cases."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from safeguarding.lib.dates import start_of_day
from safeguarding.lib.services import service
from teams.models import Membership, User
from teams.notifications import NotificationKind, notify
from teams.roles import ADULT_SPECIALIST_ROLES

from ..models import (
    ADULT_HOUSEHOLD_ROLES,
    Allocation,
    Case,
    ChronologyKind,
    Family,
    FamilyMember,
    Person,
)
from .chronology import chronology_event_record


@service
def allocation_start(
    *,
    actor: User,
    case: Case,
    worker: User,
    adult: Person | None = None,
    start_date: dt.date | None = None,
) -> Allocation:
    day = start_date or timezone.localdate()
    if not case.is_open:
        raise ValidationError("Workers can only be allocated to an open case")
    membership = (
        Membership.objects.active(day)
        .filter(user=worker, team_id=case.family.owning_team_id)
        .order_by("-is_home_team")
        .first()
    )
    if membership is None or not worker.is_active:
        raise ValidationError(
            {"worker": f"Choose someone who works in {case.family.owning_team.name}"}
        )
    is_specialist = membership.role in ADULT_SPECIALIST_ROLES
    if is_specialist and adult is None:
        raise ValidationError(
            {
                "adult": "Adult specialists are allocated to an adult. Choose the adult they will work with"
            }
        )
    if (
        adult is not None
        and not FamilyMember.objects.filter(
            family_id=case.family_id,
            person=adult,
            household_role__in=ADULT_HOUSEHOLD_ROLES,
            end_date__isnull=True,
        ).exists()
    ):
        raise ValidationError({"adult": "Choose an adult who is a member of this family"})
    if Allocation.objects.filter(case=case, worker=worker, end_date__isnull=True).exists():
        raise ValidationError(
            {"worker": f"{worker.get_full_name()} is already allocated to this family"}
        )
    if day > timezone.localdate():
        raise ValidationError({"start_date": "Allocation date must be today or in the past"})
    allocation = Allocation.objects.create(
        case=case, worker=worker, discipline=membership.discipline, adult=adult, start_date=day
    )
    to_whom = f" to work with {adult.full_name}" if adult is not None else ""
    chronology_event_record(
        case=case,
        kind=ChronologyKind.ALLOCATION,
        summary=f"{worker.get_full_name()} ({membership.get_role_display().lower()}) allocated{to_whom}.",
        actor=actor,
        occurred_at=start_of_day(day),
        person=adult,
        source=allocation,
    )
    notify(
        user=worker,
        kind=NotificationKind.ALLOCATED,
        message=f"You have been allocated to family {Family.reference_for(case.family_id)}.",
        url=reverse("cases:family", args=[case.family_id]),
        dedupe_key=f"allocated:{allocation.pk}",
    )
    return allocation


@service
def allocation_end(
    *, actor: User, allocation: Allocation, end_date: dt.date | None = None
) -> Allocation:
    day = end_date or timezone.localdate()
    if allocation.end_date is not None:
        raise ValidationError("This allocation has already ended")
    if day < allocation.start_date:
        raise ValidationError(
            {"end_date": "The end date must be on or after the allocation started"}
        )
    case = allocation.case
    if allocation.worker_id == case.lead_social_worker_id and case.is_open:
        raise ValidationError(
            "This worker is the lead social worker. Transfer the lead to someone else first"
        )
    allocation.end_date = day
    allocation.save(update_fields=["end_date"])
    chronology_event_record(
        case=case,
        kind=ChronologyKind.ALLOCATION,
        summary=f"{allocation.worker.get_full_name()} no longer allocated.",
        actor=actor,
        occurred_at=start_of_day(day),
        source=allocation,
    )
    return allocation
