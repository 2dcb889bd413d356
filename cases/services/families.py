"""Referral intake, household members, relationships, closure, transfer and warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from safeguarding.lib.dates import start_of_day
from safeguarding.lib.services import service
from teams.models import Membership, Team, User

from ..models import (
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    ChronologyKind,
    Family,
    FamilyMember,
    HouseholdRole,
    Person,
    Relationship,
    RelationshipKind,
    StatusKind,
    Warning,
    WarningKind,
)
from ..policies import can_lead_family_in
from ._base import reference_label, require_code
from .allocations import allocation_start
from .chronology import chronology_event_record


@dataclass(frozen=True)
class MemberSpec:
    person: Person
    household_role: str


@dataclass(frozen=True)
class AddressDetails:
    address_line_1: str = ""
    address_line_2: str = ""
    town: str = ""
    postcode: str = ""


def _require_lead_in_team(worker: User, team: Team) -> None:
    if not can_lead_family_in(worker, team):
        raise ValidationError({"lead_social_worker": f"Choose a social worker in {team.name}"})


@service
def referral_record(
    *,
    actor: User,
    team: Team,
    family_name: str,
    address: AddressDetails,
    members: list[MemberSpec],
    referral_date: dt.date,
    referral_source: str,
    lead_social_worker: User,
    restricted: bool = False,
    family: Family | None = None,
) -> Case:
    """Open a case for a new family, or for an existing family with no open case."""
    errors: dict[str, str] = {}
    if referral_date > timezone.localdate():
        errors["referral_date"] = "Referral date must be today or in the past"
    if not family_name.strip() and family is None:
        errors["family_name"] = "Enter a name for the family, for example the Hughes family"
    if family is None and not any(m.household_role == HouseholdRole.CHILD for m in members):
        errors["members"] = "Add at least one child to the family"
    if len({m.person.pk for m in members}) != len(members):
        errors["members"] = "Each person can only be added to the family once"
    if errors:
        raise ValidationError(errors)
    require_code(
        "referral_source", referral_source, "referral_source", "Select where the referral came from"
    )
    _require_lead_in_team(lead_social_worker, team)
    if family is None:
        family = Family.objects.create(
            name=family_name.strip(),
            owning_team=team,
            restricted=restricted,
            address_line_1=address.address_line_1.strip(),
            address_line_2=address.address_line_2.strip(),
            town=address.town.strip(),
            postcode=address.postcode.strip().upper(),
        )
    elif family.cases.filter(status=CaseStatus.OPEN).exists():
        raise ValidationError(
            "This family already has an open case. Record the new information on it"
        )
    for member in members:
        FamilyMember.objects.create(
            family=family,
            person=member.person,
            household_role=member.household_role,
            start_date=referral_date,
        )
    case = Case.objects.create(
        family=family,
        referral_date=referral_date,
        referral_source=referral_source,
        lead_social_worker=lead_social_worker,
    )
    chronology_event_record(
        case=case,
        kind=ChronologyKind.REFERRAL,
        summary=f"Referral received from {reference_label('referral_source', referral_source)}. Case opened in {team.name}.",
        actor=actor,
        occurred_at=start_of_day(referral_date),
        source=case,
        significant=True,
    )
    allocation_start(actor=actor, case=case, worker=lead_social_worker, start_date=referral_date)
    return case


@service
def family_member_add(
    *,
    actor: User,
    case: Case,
    person: Person,
    household_role: str,
    start_date: dt.date | None = None,
) -> FamilyMember:
    if household_role not in HouseholdRole.values:
        raise ValidationError({"household_role": "Select the person's place in the household"})
    family = case.family
    if FamilyMember.objects.filter(family=family, person=person, end_date__isnull=True).exists():
        raise ValidationError({"person": "This person is already a member of the family"})
    member = FamilyMember.objects.create(
        family=family,
        person=person,
        household_role=household_role,
        start_date=start_date or timezone.localdate(),
    )
    chronology_event_record(
        case=case,
        kind=ChronologyKind.MEMBER,
        summary=f"{person.full_name} added to the household as {member.get_household_role_display().lower()}.",
        actor=actor,
        person=person,
        source=member,
    )
    return member


@service
def family_member_end(
    *, actor: User, case: Case, member: FamilyMember, end_date: dt.date
) -> FamilyMember:
    if member.end_date is not None:
        raise ValidationError("This person has already left the household")
    if end_date < member.start_date:
        raise ValidationError(
            {"end_date": "The date they left must be on or after the date they joined"}
        )
    if end_date > timezone.localdate():
        raise ValidationError({"end_date": "The date they left must be today or in the past"})
    member.end_date = end_date
    member.save(update_fields=["end_date"])
    chronology_event_record(
        case=case,
        kind=ChronologyKind.MEMBER,
        summary=f"{member.person.full_name} left the household.",
        actor=actor,
        person=member.person,
        source=member,
        occurred_at=start_of_day(end_date),
    )
    return member


@service
def relationship_add(
    *, actor: User, case: Case, from_person: Person, to_person: Person, kind: str, notes: str = ""
) -> Relationship:
    if from_person.pk == to_person.pk:
        raise ValidationError({"to_person": "Choose two different people"})
    if kind not in RelationshipKind.values:
        raise ValidationError({"kind": "Select how the two people are related"})
    members = set(
        FamilyMember.objects.filter(family=case.family).values_list("person_id", flat=True)
    )
    if not {from_person.pk, to_person.pk} <= members:
        raise ValidationError("Both people must be members of this family")
    try:
        return Relationship.objects.create(
            from_person=from_person, to_person=to_person, kind=kind, notes=notes.strip()
        )
    except IntegrityError as exc:
        raise ValidationError("This relationship is already recorded") from exc


@service
def case_close(
    *, actor: User, case: Case, closed_date: dt.date, closure_reason: str, note: str = ""
) -> Case:
    if not case.is_open:
        raise ValidationError("This case is already closed")
    if closed_date > timezone.localdate():
        raise ValidationError({"closed_date": "Closure date must be today or in the past"})
    if closed_date < case.referral_date:
        raise ValidationError({"closed_date": "Closure date must be on or after the referral date"})
    require_code(
        "closure_reason", closure_reason, "closure_reason", "Select the reason the case is closing"
    )
    open_plans = ChildStatus.objects.filter(case=case, end_date__isnull=True).exclude(
        kind=StatusKind.S47_ENQUIRY
    )
    if open_plans.exists():
        names = ", ".join(
            sorted(
                {
                    f"{s.person.full_name} ({s.get_kind_display().lower()})"
                    for s in open_plans.select_related("person")
                }
            )
        )
        raise ValidationError({"closure_reason": f"End the open plans first: {names}"})
    latest_end = (
        ChildStatus.objects.filter(case=case, end_date__isnull=False)
        .order_by("-end_date")
        .values_list("end_date", flat=True)
        .first()
    )
    if latest_end is not None and closed_date < latest_end:
        raise ValidationError(
            {
                "closed_date": f"Closure date must be on or after the last plan ended ({latest_end:%-d %B %Y})"
            }
        )
    latest_start = (
        Allocation.objects.filter(case=case, end_date__isnull=True)
        .order_by("-start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    if latest_start is not None and closed_date < latest_start:
        raise ValidationError(
            {
                "closed_date": f"Closure date must be on or after the latest allocation started ({latest_start:%-d %B %Y})"
            }
        )
    # An enquiry still open when the case closes ends with it.
    ChildStatus.objects.filter(
        case=case, end_date__isnull=True, kind=StatusKind.S47_ENQUIRY, start_date__lte=closed_date
    ).update(end_date=closed_date)
    case.status = CaseStatus.CLOSED
    case.closed_date = closed_date
    case.closure_reason = closure_reason
    case.closure_note = note.strip()
    case.save(update_fields=["status", "closed_date", "closure_reason", "closure_note"])
    Allocation.objects.filter(case=case, end_date__isnull=True).update(end_date=closed_date)
    chronology_event_record(
        case=case,
        kind=ChronologyKind.CASE_CLOSED,
        summary=f"Case closed: {reference_label('closure_reason', closure_reason)}.",
        actor=actor,
        occurred_at=start_of_day(closed_date),
        source=case,
        significant=True,
    )
    return case


@service
def case_reopen(*, actor: User, case: Case, reason: str) -> Case:
    """Undo a closure recorded in error. A new referral opens a new case instead."""
    if case.is_open:
        raise ValidationError("This case is already open")
    if len(reason.strip()) < 10:
        raise ValidationError(
            {"reason": "Explain why the case is being reopened (at least 10 characters)"}
        )
    if case.family.cases.filter(status=CaseStatus.OPEN).exists():
        raise ValidationError("This family already has another open case")
    case.status = CaseStatus.OPEN
    case.closed_date = None
    case.closure_reason = ""
    case.save(update_fields=["status", "closed_date", "closure_reason"])
    allocation_start(actor=actor, case=case, worker=case.lead_social_worker)
    chronology_event_record(
        case=case,
        kind=ChronologyKind.CASE_REOPENED,
        summary=f"Case reopened: {reason.strip()}",
        actor=actor,
        source=case,
        significant=True,
    )
    return case


@service
def case_transfer(
    *,
    actor: User,
    case: Case,
    to_team: Team,
    lead_social_worker: User,
    transfer_date: dt.date | None = None,
) -> Case:
    family = case.family
    if to_team.pk == family.owning_team_id:
        raise ValidationError({"to_team": "The family is already in this team"})
    if not case.is_open:
        raise ValidationError("Only an open case can be transferred")
    _require_lead_in_team(lead_social_worker, to_team)
    day = transfer_date or timezone.localdate()
    if day < case.referral_date or day > timezone.localdate():
        raise ValidationError(
            {"transfer_date": "The transfer date must be between the referral date and today"}
        )
    latest_start = (
        Allocation.objects.filter(case=case, end_date__isnull=True)
        .order_by("-start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    if latest_start is not None and day < latest_start:
        raise ValidationError(
            {
                "transfer_date": f"The transfer date must be on or after the latest allocation started ({latest_start:%-d %B %Y})"
            }
        )
    from_team = family.owning_team
    staying = Membership.objects.active(day).filter(team=to_team).values("user_id")
    Allocation.objects.filter(case=case, end_date__isnull=True).exclude(
        worker_id__in=staying
    ).update(end_date=day)
    family.owning_team = to_team
    family.save(update_fields=["owning_team"])
    case.lead_social_worker = lead_social_worker
    case.save(update_fields=["lead_social_worker"])
    if not Allocation.objects.filter(
        case=case, worker=lead_social_worker, end_date__isnull=True
    ).exists():
        allocation_start(actor=actor, case=case, worker=lead_social_worker, start_date=day)
    chronology_event_record(
        case=case,
        kind=ChronologyKind.TRANSFER,
        summary=f"Case transferred from {from_team.name} to {to_team.name}.",
        actor=actor,
        source=case,
        occurred_at=start_of_day(day),
        significant=True,
    )
    return case


@service
def warning_add(
    *,
    actor: User,
    case: Case,
    kind: str,
    details: str,
    review_date: dt.date,
    person: Person | None = None,
) -> Warning:
    errors: dict[str, str] = {}
    if kind not in WarningKind.values:
        errors["kind"] = "Select the kind of warning"
    if not details.strip():
        errors["details"] = "Describe the warning so a colleague visiting knows what to do"
    if review_date <= timezone.localdate():
        errors["review_date"] = "Review date must be in the future"
    if (
        person is not None
        and not FamilyMember.objects.filter(family=case.family, person=person).exists()
    ):
        errors["person"] = "Choose a member of this family"
    if errors:
        raise ValidationError(errors)
    warning = Warning.objects.create(
        family=case.family,
        person=person,
        kind=kind,
        details=details.strip(),
        review_date=review_date,
        created_by=actor,
    )
    chronology_event_record(
        case=case,
        kind=ChronologyKind.WARNING,
        summary=f"Warning added: {warning.get_kind_display()}.",
        actor=actor,
        person=person,
        source=warning,
    )
    return warning


@service
def warning_review(*, actor: User, case: Case, warning: Warning, review_date: dt.date) -> Warning:
    """Record that a warning was reviewed and still applies, with the date of its next review."""
    if warning.ended_at is not None:
        raise ValidationError("This warning has been removed")
    if warning.family_id != case.family_id:
        raise ValidationError("This warning belongs to another family")
    if review_date <= timezone.localdate():
        raise ValidationError({"review_date": "The next review date must be in the future"})
    warning.review_date = review_date
    warning.save(update_fields=["review_date"])
    chronology_event_record(
        case=case,
        kind=ChronologyKind.WARNING,
        summary=f"Warning reviewed: {warning.get_kind_display()}. Next review {review_date:%-d %B %Y}.",
        actor=actor,
        person=warning.person,
        source=warning,
    )
    return warning


@service
def warning_end(*, actor: User, case: Case, warning: Warning) -> Warning:
    if warning.ended_at is not None:
        raise ValidationError("This warning has already been removed")
    warning.ended_at = timezone.now()
    warning.ended_by = actor
    warning.save(update_fields=["ended_at", "ended_by"])
    chronology_event_record(
        case=case,
        kind=ChronologyKind.WARNING,
        summary=f"Warning removed: {warning.get_kind_display()}.",
        actor=actor,
        person=warning.person,
        source=warning,
    )
    return warning


__all__ = [
    "AddressDetails",
    "MemberSpec",
    "case_close",
    "case_reopen",
    "case_transfer",
    "family_member_add",
    "family_member_end",
    "referral_record",
    "relationship_add",
    "warning_add",
    "warning_end",
    "warning_review",
]
