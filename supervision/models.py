"""Group case supervision: one meeting record per family per workbook cycle (DESIGN §7)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.models import Case, Person
from workbook.models import Cycle


class SupervisionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SIGNED_OFF = "signed_off", "Signed off"


@pghistory.track()
class GroupSupervision(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervisions")
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="supervisions", null=True, blank=True
    )
    scheduled_for = models.DateField()
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chaired_supervisions"
    )
    status = models.CharField(
        max_length=12, choices=SupervisionStatus.choices, default=SupervisionStatus.SCHEDULED
    )
    # The meeting record, as typed: lived experience, working well, worries, hypotheses,
    # decisions, each worker's update, risk scale per child, readiness per adult.
    record = models.JSONField(default=dict, blank=True)
    # Optimistic locking, as for workbook entries: no last-write-wins in a live meeting.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="scheduled"),
                name="one_scheduled_supervision_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed_off")
                | Q(signed_off_at__isnull=False, signed_off_by__isnull=False),
                name="signed_off_supervision_has_who_and_when",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_for"])]

    def __str__(self) -> str:
        return f"Supervision {self.pk} of case {self.case_id} on {self.scheduled_for}"

    @property
    def is_signed_off(self) -> bool:
        return self.status == SupervisionStatus.SIGNED_OFF

    def is_overdue(self, today: object = None) -> bool:
        day = today or timezone.localdate()
        return not self.is_signed_off and self.scheduled_for < day  # type: ignore[operator]


class Reschedule(models.Model):
    supervision = models.ForeignKey(
        GroupSupervision, on_delete=models.CASCADE, related_name="reschedules"
    )
    from_date = models.DateField()
    to_date = models.DateField()
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Rescheduled {self.from_date} to {self.to_date}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Apologies"
    NOT_RECORDED = "not_recorded", "Not recorded"


class Attendance(models.Model):
    supervision = models.ForeignKey(
        GroupSupervision, on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=14, choices=AttendanceStatus.choices, default=AttendanceStatus.NOT_RECORDED
    )
    is_allocated_worker = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__family_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["supervision", "user"], name="attendance_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"


class SupervisionRevision(models.Model):
    supervision = models.ForeignKey(
        GroupSupervision, on_delete=models.CASCADE, related_name="revisions"
    )
    version = models.PositiveIntegerField()
    record = models.JSONField(default=dict)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)
    is_conflict = models.BooleanField(default=False)
    based_on_version = models.PositiveIntegerField()
    editor_token = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-saved_at", "-pk"]

    def __str__(self) -> str:
        return f"Revision {self.version} of supervision {self.supervision_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


@pghistory.track()
class SupervisionAction(models.Model):
    supervision = models.ForeignKey(
        GroupSupervision, on_delete=models.PROTECT, related_name="actions"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervision_actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_actions"
    )
    due_date = models.DateField()
    children = models.ManyToManyField(Person, blank=True, related_name="supervision_actions")
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(completed_at__isnull=False, completed_by__isnull=False),
                name="done_action_has_who_and_when",
            )
        ]
        indexes = [models.Index(fields=["owner", "status", "due_date"])]

    def __str__(self) -> str:
        return f"Action {self.pk} ({self.status})"

    def is_overdue(self, today: object = None) -> bool:
        day = today or timezone.localdate()
        return self.status == ActionStatus.OPEN and self.due_date < day  # type: ignore[operator]


class PdfStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class SupervisionPdf(models.Model):
    """The PDF of a signed-off record, made by a Celery task on the ``pdf`` queue."""

    supervision = models.OneToOneField(
        GroupSupervision, on_delete=models.CASCADE, related_name="pdf"
    )
    status = models.CharField(max_length=8, choices=PdfStatus.choices, default=PdfStatus.PENDING)
    stored_name = models.CharField(max_length=80, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    record_version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"PDF of supervision {self.supervision_id} ({self.status})"
