"""Police domestic abuse notifications: receive (idempotent on the force's reference), match
to an open family, or leave for triage; triage matches or dismisses them; and the disclosure
log of every partner API call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Allocation,
    Case,
    CaseStatus,
    ChronologyKind,
    DashRisk,
    DisclosureLog,
    DismissalReason,
    Family,
    FamilyMember,
    MatchBasis,
    NotificationStatus,
    PartnerNotification,
)
from cases.policies import can_triage_notifications, families_visible_to
from cases.services.chronology import chronology_event_record
from safeguarding.lib.request_id import current_request_id
from safeguarding.lib.services import service
from teams.models import PartnerClient, User
from teams.notifications import NotificationKind, notify


@dataclass(frozen=True)
class NotifiedPerson:
    role: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None
    nhs_number: str = ""
    address: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "nhs_number": self.nhs_number,
            "address": self.address,
        }


@dataclass(frozen=True)
class NotificationDetails:
    reference: str
    incident_at: dt.datetime
    dash_risk_level: str
    children_present: bool
    summary: str
    people: list[NotifiedPerson] = field(default_factory=list)


@dataclass(frozen=True)
class Receipt:
    notification: PartnerNotification
    created: bool


def _open_families(members: Q) -> set[int]:
    """Families with an open case that someone matching ``members`` belongs to now."""
    return set(
        FamilyMember.objects.filter(members, end_date__isnull=True)
        .filter(family__cases__status=CaseStatus.OPEN)
        .values_list("family_id", flat=True)
        .distinct()
    )


def _match(details: NotificationDetails) -> tuple[set[int], str]:
    """The open families the notification's people belong to, and the basis of the match.

    NHS numbers are definitive, so they are tried first and alone; names and dates of birth
    are the fallback for people the police could not give one for."""
    numbers = {p.nhs_number for p in details.people if p.nhs_number}
    if numbers:
        families = _open_families(Q(person__nhs_number__in=numbers))
        if families:
            return families, MatchBasis.NHS_NUMBER
    by_name = Q(pk__in=[])
    for person in details.people:
        if person.date_of_birth is None:
            continue
        by_name |= Q(
            person__date_of_birth=person.date_of_birth,
            person__given_name__iexact=person.given_name.strip(),
            person__family_name__iexact=person.family_name.strip(),
        )
    return _open_families(by_name), MatchBasis.NAME_AND_DATE_OF_BIRTH


def _chronology_summary(notification: PartnerNotification) -> str:
    present = "children present" if notification.children_present else "no children present"
    risk = DashRisk(notification.dash_risk_level).label.lower()
    return (
        f"Police domestic abuse notification from {notification.organisation.name} "
        f"(ref {notification.reference}): {risk} risk, {present}. {notification.summary}"
    )


def _attach(notification: PartnerNotification, case: Case, basis: str, actor: User | None) -> None:
    notification.status = NotificationStatus.MATCHED
    notification.family_id = case.family_id
    notification.case = case
    notification.match_basis = basis
    notification.matched_at = timezone.now()
    notification.matched_by = actor
    notification.triage_reason = ""
    notification.save()
    # Significant, so it is on the family's chronology and the next supervision's agenda.
    chronology_event_record(
        case=case,
        kind=ChronologyKind.PARTNER_NOTIFICATION,
        summary=_chronology_summary(notification),
        actor=actor,
        occurred_at=notification.incident_at,
        source=notification,
        significant=True,
    )
    _notify_allocated_workers(notification, case)


def _notify_allocated_workers(notification: PartnerNotification, case: Case) -> None:
    """Tell the workers allocated to the family that a police notification has arrived. The
    message names the family's reference only: what the police sent is on the record."""
    workers = User.objects.filter(
        pk__in=Allocation.objects.active().filter(case=case).values("worker_id"),
        is_active=True,
    )
    reference = Family.reference_for(case.family_id)
    url = reverse("cases:family", args=[case.family_id])
    for worker in workers:
        notify(
            user=worker,
            kind=NotificationKind.PARTNER_NOTIFICATION,
            message=f"A police domestic abuse notification has been added to family {reference}.",
            url=url,
            dedupe_key=f"partner_notification:{notification.pk}",
        )


def partner_notification_receive(
    *, client: PartnerClient, details: NotificationDetails, received_at: dt.datetime | None = None
) -> Receipt:
    """Store a notification once per (client, reference) and match it, or return the first.

    A retry of a reference already received returns the notification stored the first time,
    whatever the retry carries: the force's reference names one incident report."""
    existing = PartnerNotification.objects.filter(
        client=client, reference=details.reference
    ).first()
    if existing is not None:
        return Receipt(existing, created=False)
    try:
        with transaction.atomic():
            notification = _receive(client, details, received_at)
    except IntegrityError:
        # Two deliveries of the same reference raced: the other one stored it first.
        return Receipt(
            PartnerNotification.objects.get(client=client, reference=details.reference),
            created=False,
        )
    return Receipt(notification, created=True)


@service
def _receive(
    client: PartnerClient, details: NotificationDetails, received_at: dt.datetime | None
) -> PartnerNotification:
    notification = PartnerNotification.objects.create(
        client=client,
        organisation_id=client.organisation_id,
        reference=details.reference,
        incident_at=details.incident_at,
        received_at=received_at or timezone.now(),
        dash_risk_level=details.dash_risk_level,
        children_present=details.children_present,
        summary=details.summary,
        people=[person.as_json() for person in details.people],
        status=NotificationStatus.AWAITING_TRIAGE,
    )
    families, basis = _match(details)
    if len(families) == 1:
        case = Case.objects.get(family_id=families.pop(), status=CaseStatus.OPEN)
        _attach(notification, case, basis, actor=None)
    else:
        notification.triage_reason = (
            "More than one open family matches the people named"
            if families
            else "No open family matches the people named"
        )
        notification.save(update_fields=["triage_reason"])
    return notification


def _require_triage(actor: User, notification: PartnerNotification) -> None:
    if not can_triage_notifications(actor):
        raise PermissionDenied("Only team standards coordinators and managers triage notifications")
    # The stored status, locked until the service commits, not the caller's copy: two
    # coordinators may have the same notification open, and the second one's stale copy would
    # otherwise overwrite the first one's match or dismissal.
    status = (
        PartnerNotification.objects.select_for_update()
        .filter(pk=notification.pk)
        .values_list("status", flat=True)
        .get()
    )
    if status != NotificationStatus.AWAITING_TRIAGE:
        raise ValidationError(
            f"This notification has already been dealt with ({NotificationStatus(status).label.lower()})"
        )


@service
def partner_notification_match(
    *, actor: User, notification: PartnerNotification, family: Family
) -> PartnerNotification:
    _require_triage(actor, notification)
    if not families_visible_to(actor).filter(pk=family.pk).exists():
        raise ValidationError({"family": "Choose a family you can see"})
    case = Case.objects.filter(family=family, status=CaseStatus.OPEN).first()
    if case is None:
        raise ValidationError(
            {"family": f"{family.reference} has no open case: dismiss the notification instead"}
        )
    _attach(notification, case, MatchBasis.TRIAGE, actor=actor)
    return notification


@service
def partner_notification_dismiss(
    *, actor: User, notification: PartnerNotification, reason: str, note: str = ""
) -> PartnerNotification:
    _require_triage(actor, notification)
    if reason not in DismissalReason.values:
        raise ValidationError({"reason": "Choose why the notification is being dismissed"})
    note = note.strip()
    if reason == DismissalReason.OTHER and not note:
        raise ValidationError({"note": "Say why the notification is being dismissed"})
    notification.status = NotificationStatus.DISMISSED
    notification.dismissal_reason = reason
    notification.dismissal_note = note[:500]
    notification.dismissed_at = timezone.now()
    notification.dismissed_by = actor
    notification.save()
    return notification


def disclosure_log_record(
    *,
    client: PartnerClient,
    scope: str,
    operation: str,
    purpose: str,
    method: str,
    status_code: int,
    disclosed: dict[str, Any],
) -> DisclosureLog:
    return DisclosureLog.objects.create(
        client_id=client.pk,
        organisation_id=client.organisation_id,
        scope=scope,
        operation=operation[:80],
        purpose=purpose[:300],
        method=method[:8],
        status_code=status_code,
        disclosed=disclosed,
        request_id="" if current_request_id() == "-" else current_request_id(),
    )
