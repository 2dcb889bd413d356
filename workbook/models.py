"""The FS Workbook: one per case, worked in cycles, holding entries of the eight forms (DESIGN §6)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cases.models import Case, Person


class Workbook(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="workbook")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Workbook of case {self.case_id}"


class Cycle(models.Model):
    """The work between two group supervisions: each supervision reviews exactly one cycle."""

    workbook = models.ForeignKey(Workbook, on_delete=models.PROTECT, related_name="cycles")
    number = models.PositiveIntegerField()
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["workbook", "number"], name="cycle_number_unique"),
            models.UniqueConstraint(
                fields=["workbook"],
                condition=Q(closed_on__isnull=True),
                name="one_open_cycle_per_workbook",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="cycle_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"Cycle {self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class ProgrammeModule(models.Model):
    """The eight-module Family Programme catalogue: reference data the council edits."""

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    AUTHORISED = "authorised", "Authorised"
    RETURNED = "returned", "Returned"


class EntryQuerySet(models.QuerySet["Entry"]):
    def visible_to(self, user: object) -> models.QuerySet[Entry]:
        from .policies import entries_visible_to

        return entries_visible_to(user, self)


@pghistory.track()
class Entry(models.Model):
    workbook = models.ForeignKey(Workbook, on_delete=models.PROTECT, related_name="entries")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="entries")
    form_slug = models.CharField(max_length=40)
    form_version = models.PositiveSmallIntegerField()
    subject_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="workbook_entries"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="workbook_entries"
    )
    status = models.CharField(max_length=12, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    data = models.JSONField(default=dict, blank=True)
    # Optimistic locking: every save names the version it started from (DESIGN §6).
    version = models.PositiveIntegerField(default=1)
    significant = models.BooleanField(default=False)
    significant_summary = models.CharField(max_length=200, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    returned_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Typed copies of the facts KPIs and clocks need, kept in step with ``data`` by the services.
    visit_date = models.DateField(null=True, blank=True)
    child_seen = models.BooleanField(null=True, blank=True)
    assessment_start_date = models.DateField(null=True, blank=True)
    assessment_completed_date = models.DateField(null=True, blank=True)
    assessment_outcome = models.CharField(max_length=20, blank=True)
    plan_type = models.CharField(max_length=8, blank=True)
    plan_review_date = models.DateField(null=True, blank=True)
    dash_risk_level = models.CharField(max_length=10, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(significant=False) | ~Q(significant_summary=""),
                name="significant_entry_has_summary",
            ),
            models.CheckConstraint(
                condition=~Q(status="authorised")
                | Q(authorised_at__isnull=False, authorised_by__isnull=False),
                name="authorised_entry_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(returned_reason=""),
                name="returned_entry_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["workbook", "cycle", "form_slug"]),
            models.Index(fields=["status", "form_slug"]),
        ]

    def __str__(self) -> str:
        return f"Entry {self.pk} ({self.form_slug}, {self.status})"

    @property
    def form_title(self) -> str:
        from .registry import get_form_spec

        spec = get_form_spec(self.form_slug)
        return spec.title if spec else self.form_slug

    @property
    def is_editable(self) -> bool:
        return self.status in (EntryStatus.DRAFT, EntryStatus.RETURNED)


class EntryRevision(models.Model):
    """Every saved version of an entry, and every refused (stale) save, so nothing is lost."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="revisions")
    version = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=EntryStatus.choices)
    is_conflict = models.BooleanField(
        default=False,
        help_text="A save refused because someone else saved first; kept so it can be merged.",
    )
    based_on_version = models.PositiveIntegerField()
    # The page (one load of the edit form) that made the save, so a page's own autosave and
    # submit crossing in flight are not taken for two editors.
    editor_token = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-saved_at", "-pk"]
        indexes = [models.Index(fields=["entry", "-saved_at"])]

    def __str__(self) -> str:
        return f"Revision {self.version} of entry {self.entry_id}"


class Attachment(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="attachments")
    original_name = models.CharField(max_length=200)
    stored_name = models.CharField(max_length=80, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"Attachment {self.pk} of entry {self.entry_id}"
