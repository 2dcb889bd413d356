"""What partner agencies send and are sent (DESIGN §4 and §9): police domestic abuse
notifications, matched to a family or waiting for triage, and the disclosure log of every
partner API call. Imported into ``cases.models``; read from there."""

from __future__ import annotations

import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DashRisk(models.TextChoices):
    """The DASH risk level the police assessed (DOMAIN.md: 14+ "yes" answers is high)."""

    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class NotificationStatus(models.TextChoices):
    MATCHED = "matched", "Matched to a family"
    AWAITING_TRIAGE = "awaiting_triage", "Waiting for triage"
    DISMISSED = "dismissed", "Dismissed"


class MatchBasis(models.TextChoices):
    NHS_NUMBER = "nhs_number", "NHS number"
    NAME_AND_DATE_OF_BIRTH = "name_dob", "Name and date of birth"
    TRIAGE = "triage", "Matched at triage"


class DismissalReason(models.TextChoices):
    NOT_KNOWN = "not_known", "Not known to Family Safeguarding"
    DUPLICATE = "duplicate", "Duplicate of another notification"
    OUT_OF_AREA = "out_of_area", "Family lives outside the council's area"
    CASE_CLOSED = "case_closed", "The family's case is closed"
    OTHER = "other", "Other"


class PersonRole(models.TextChoices):
    """A person's part in the incident, as the police describe it."""

    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"
    CHILD = "child", "Child"
    OTHER = "other", "Other person present"


class PartnerNotification(models.Model):
    """A police domestic abuse notification received through the partner API.

    ``people`` keeps what the force sent (names, dates of birth, addresses, roles) as it came,
    validated by the API serializer; matching reads it once when the notification arrives."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "teams.PartnerClient", on_delete=models.PROTECT, related_name="notifications"
    )
    organisation = models.ForeignKey(
        "teams.Organisation", on_delete=models.PROTECT, related_name="notifications"
    )
    reference = models.CharField("force reference", max_length=64)
    incident_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    dash_risk_level = models.CharField(max_length=10, choices=DashRisk.choices)
    children_present = models.BooleanField()
    summary = models.TextField(max_length=2000)
    people = models.JSONField(default=list)

    status = models.CharField(max_length=16, choices=NotificationStatus.choices)
    family = models.ForeignKey(
        "cases.Family",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_notifications",
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_notifications",
    )
    match_basis = models.CharField(max_length=12, choices=MatchBasis.choices, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why automatic matching left it for a person (no match, or more than one family).
    triage_reason = models.CharField(max_length=200, blank=True)
    dismissal_reason = models.CharField(max_length=16, choices=DismissalReason.choices, blank=True)
    dismissal_note = models.CharField(max_length=500, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            # Idempotency: a partner's retry of the same reference never makes a second row.
            models.UniqueConstraint(
                fields=["client", "reference"], name="one_notification_per_client_reference"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=NotificationStatus.MATCHED, family__isnull=False, case__isnull=False)
                    | Q(status=NotificationStatus.AWAITING_TRIAGE, family__isnull=True)
                    | Q(status=NotificationStatus.DISMISSED, family__isnull=True)
                    & ~Q(dismissal_reason="")
                ),
                name="notification_status_matches_its_fields",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["family", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"Notification {self.public_id} ({self.get_status_display()})"


class DisclosureLog(models.Model):
    """One row per partner API call: which client, for which organisation, under which scope,
    for what purpose, what was disclosed (or received) and the outcome. Append-only.

    Information governance asks for a record of every sharing decision (DOMAIN.md): this is
    it for the API, kept apart from staff ``AccessEvent`` rows."""

    occurred_at = models.DateTimeField(default=timezone.now)
    client_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField()
    scope = models.CharField(max_length=40)
    operation = models.CharField(max_length=80)
    purpose = models.CharField(max_length=300)
    method = models.CharField(max_length=8)
    status_code = models.PositiveSmallIntegerField()
    disclosed = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["client_id", "-occurred_at"]),
            models.Index(fields=["organisation_id", "-occurred_at"]),
            # The auditor's disclosure log page: newest first, by operation or period.
            models.Index(fields=["-occurred_at", "-id"], name="disclosure_log_newest"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="disclosure_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} by client {self.client_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
