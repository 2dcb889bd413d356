"""Emergency (break-glass) access, read-only shares, and the read audit."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from safeguarding.lib.request_id import current_request_id
from safeguarding.lib.services import service
from safeguarding.lib.tasks import enqueue_on_commit
from teams.models import User
from teams.notifications import NotificationKind, notify

from ..models import (
    BREAK_GLASS_MAX_HOURS,
    BREAK_GLASS_MIN_REASON,
    AccessAction,
    AccessEvent,
    AccessGrant,
    Case,
    Family,
    RecordType,
)
from ..policies import (
    SHARED_CASE_PERMISSION,
    can_request_emergency_access,
    emergency_grant_reviewers_to_tell,
    emergency_grants_reviewable_by,
    share_recipients,
)


@service
def access_grant_request(
    *, actor: User, case: Case, reason: str, hours: int = BREAK_GLASS_MAX_HOURS
) -> AccessGrant:
    if not can_request_emergency_access(actor):
        raise ValidationError("Your role cannot request emergency access to a family's records")
    reason = reason.strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise ValidationError(
            {
                "reason": f"Explain why you need access now, in at least {BREAK_GLASS_MIN_REASON} characters"
            }
        )
    if not 1 <= hours <= BREAK_GLASS_MAX_HOURS:
        raise ValidationError(
            {"hours": f"Emergency access lasts between 1 and {BREAK_GLASS_MAX_HOURS} hours"}
        )
    now = timezone.now()
    grant = AccessGrant.objects.create(
        user=actor,
        case=case,
        reason=reason,
        granted_at=now,
        expires_at=now + dt.timedelta(hours=hours),
    )
    from ..tasks import notify_emergency_access

    enqueue_on_commit(notify_emergency_access, grant.pk)
    return grant


@service
def access_grant_notify(*, grant: AccessGrant) -> int:
    """Tell the family's team managers that someone used emergency access, so they review it;
    returns how many were told. Safe to run twice: each is told once per grant."""
    message = (
        "Someone outside the team used emergency access to open family "
        f"{Family.reference_for(grant.case.family_id)}. Review it."
    )
    told = [
        notify(
            user=manager,
            kind=NotificationKind.EMERGENCY_ACCESS,
            message=message,
            url=reverse("cases:emergency-access-review"),
            dedupe_key=f"emergency-access:{grant.pk}",
        )
        for manager in emergency_grant_reviewers_to_tell(grant)
    ]
    return sum(notification is not None for notification in told)


@service
def access_grant_revoke(*, actor: User, grant: AccessGrant) -> AccessGrant:
    if grant.revoked_at is not None:
        raise ValidationError("This emergency access has already been ended")
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    return grant


@service
def access_grant_review(*, actor: User, grant: AccessGrant, outcome: str) -> AccessGrant:
    if grant.reviewed_at is not None:
        raise ValidationError("This emergency access has already been reviewed")
    if grant.user_id == actor.pk:
        raise ValidationError("You cannot review your own emergency access")
    if not emergency_grants_reviewable_by(actor).filter(pk=grant.pk).exists():
        raise ValidationError(
            "Only the family's team managers, its service manager and auditors can review this"
        )
    if len(outcome.strip()) < 5:
        raise ValidationError(
            {"outcome": "Record what the review found, for example 'Justified: out-of-hours visit'"}
        )
    grant.reviewed_at = timezone.now()
    grant.reviewed_by = actor
    grant.review_outcome = outcome.strip()
    grant.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome"])
    return grant


@service
def case_share(*, actor: User, case: Case, user: User) -> None:
    if not share_recipients().filter(pk=user.pk).exists():
        raise ValidationError(
            {
                "user": "Cases can only be shared with an independent reviewing officer or conference chair"
            }
        )
    assign_perm(f"cases.{SHARED_CASE_PERMISSION}", user, case)


@service
def case_unshare(*, actor: User, case: Case, user: User) -> None:
    remove_perm(f"cases.{SHARED_CASE_PERMISSION}", user, case)


def access_event_record(
    *,
    user: User | None,
    record_type: RecordType,
    record_id: int,
    family_id: int | None,
    basis: str,
    action: AccessAction = AccessAction.VIEW,
) -> AccessEvent:
    """Write one read-audit row. Not a @service: it must commit even inside a read-only view."""
    return AccessEvent.objects.create(
        user_id=user.pk if user is not None else None,
        record_type=record_type,
        record_id=record_id,
        family_id=family_id,
        action=action,
        basis=basis,
        request_id=current_request_id() if current_request_id() != "-" else "",
    )


def access_events_record_list(
    *,
    user: User,
    rows: list[tuple[RecordType, int, int | None, str]],
    action: AccessAction = AccessAction.LIST,
) -> int:
    """One audit row per record shown in a list (search results, an API page): who saw which
    record, and why they could. One INSERT whatever the number of rows, none for no rows."""
    if not rows:
        return 0
    request_id = current_request_id() if current_request_id() != "-" else ""
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                user_id=user.pk,
                record_type=record_type,
                record_id=record_id,
                family_id=family_id,
                action=action,
                basis=basis,
                request_id=request_id,
            )
            for record_type, record_id, family_id, basis in rows
        ]
    )
    return len(rows)
