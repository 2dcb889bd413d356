"""Families, people and cases: the spine of the record (DESIGN §4).

Invariants the database can express are constraints here; every write goes through
``cases.services`` and every access decision through ``cases.policies``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Func, Q, QuerySet
from django.db.models.functions import Length, Lower
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from teams.models import Team
from teams.roles import Discipline


class ReferenceCode(models.Model):
    """Versioned national code lists (DOMAIN.md): the DfE revises them by collection year, so
    they are data with validity dates, not Python enums."""

    class CodeList(models.TextChoices):
        REFERRAL_SOURCE = "referral_source", "Referral source"
        CP_CATEGORY = "cp_category", "Child protection category"
        LAC_LEGAL_STATUS = "lac_legal_status", "Looked-after legal status"
        CLOSURE_REASON = "closure_reason", "Case closure reason"
        PRIMARY_NEED = "primary_need", "Primary need"
        CIN_FACTOR = "cin_factor", "Factor identified at the end of assessment"

    code_list = models.CharField(max_length=32, choices=CodeList.choices)
    code = models.CharField(max_length=8)
    label = models.CharField(max_length=200)
    valid_from = models.DateField(default=dt.date(2000, 4, 1))
    valid_to = models.DateField(null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["code_list", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code_list", "code", "valid_from"], name="code_unique_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Not known or not stated"


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: Any) -> QuerySet[Person]:
        from .policies import people_visible_to

        return people_visible_to(user, self)


@pghistory.track()
class Person(models.Model):
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField(
        null=True, blank=True, help_text="For an unborn child, instead of a date of birth."
    )
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity_code = models.CharField(max_length=8, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    upn = models.CharField("unique pupil number", max_length=13, blank=True)
    deceased_date = models.DateField(null=True, blank=True)
    search_name = models.GeneratedField(
        expression=Lower(models.functions.Concat("given_name", models.Value(" "), "family_name")),
        output_field=models.CharField(max_length=201),
        db_persist=True,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"], condition=~Q(nhs_number=""), name="nhs_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(nhs_number="") | Q(nhs_number__regex=r"^[0-9]{10}$"),
                name="nhs_number_is_ten_digits",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(expected_date_of_birth__isnull=False),
                name="person_has_birth_or_expected_date",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | Q(expected_date_of_birth__isnull=True),
                name="person_born_or_unborn_not_both",
            ),
            models.CheckConstraint(
                condition=Q(deceased_date__isnull=True)
                | Q(date_of_birth__isnull=True)
                | Q(deceased_date__gte=F("date_of_birth")),
                name="person_dies_after_birth",
            ),
        ]
        indexes = [
            GinIndex(OpClass("search_name", name="gin_trgm_ops"), name="person_name_trgm"),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None

    def age_on(self, day: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())


class FamilyQuerySet(models.QuerySet["Family"]):
    def visible_to(self, user: Any) -> QuerySet[Family]:
        from .policies import families_visible_to

        return families_visible_to(user, self)


FAMILY_REFERENCE_PREFIX = "FS-"


@pghistory.track()
class Family(models.Model):
    name = models.CharField(
        max_length=150, help_text="How the team refers to the family, e.g. the Hughes family."
    )
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    owning_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="families")
    restricted = models.BooleanField(
        default=False,
        help_text="Only allocated workers and people given access may open a restricted family.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = FamilyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "families"
        ordering = ["name"]
        indexes = [models.Index(fields=["owning_team"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    @property
    def reference(self) -> str:
        return self.reference_for(self.pk)

    @staticmethod
    def reference_for(pk: int) -> str:
        """The reference of the family with this id (the audit log stores ids, not families)."""
        return f"{FAMILY_REFERENCE_PREFIX}{pk:06d}"

    @staticmethod
    def pk_from_reference(reference: str) -> int | None:
        text = reference.strip().upper().removeprefix(FAMILY_REFERENCE_PREFIX)
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses. The bound
        # keeps a typed reference inside a bigint.
        if not (text.isascii() and text.isdigit()) or len(text) > 15:
            return None
        return int(text)

    @property
    def address(self) -> str:
        parts = [self.address_line_1, self.address_line_2, self.town, self.postcode]
        return ", ".join(part for part in parts if part)


class HouseholdRole(models.TextChoices):
    CHILD = "child", "Child"
    PARENT = "parent", "Parent"
    CARER = "carer", "Carer"
    OTHER_ADULT = "other_adult", "Other adult in the household"
    SIGNIFICANT_OTHER = "significant_other", "Significant other"


ADULT_HOUSEHOLD_ROLES = (
    HouseholdRole.PARENT,
    HouseholdRole.CARER,
    HouseholdRole.OTHER_ADULT,
    HouseholdRole.SIGNIFICANT_OTHER,
)


@pghistory.track()
class FamilyMember(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="family_memberships")
    household_role = models.CharField(max_length=20, choices=HouseholdRole.choices)
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["household_role", "person__date_of_birth"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "person"],
                condition=Q(end_date__isnull=True),
                name="person_once_in_a_family",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="family_member_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["person", "family"])]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.family_id} as {self.household_role}"

    @property
    def is_child(self) -> bool:
        return self.household_role == HouseholdRole.CHILD


class RelationshipKind(models.TextChoices):
    PARENT_OF = "parent_of", "Parent of"
    STEP_PARENT_OF = "step_parent_of", "Step-parent of"
    PARTNER_OF = "partner_of", "Partner of"
    EX_PARTNER_OF = "ex_partner_of", "Former partner of"
    SIBLING_OF = "sibling_of", "Sibling of"
    HALF_SIBLING_OF = "half_sibling_of", "Half-sibling of"
    GRANDPARENT_OF = "grandparent_of", "Grandparent of"
    CARER_OF = "carer_of", "Carer of"
    OTHER = "other", "Other relationship to"


@pghistory.track()
class Relationship(models.Model):
    """A typed link between two people, read as "from is <kind> to"."""

    from_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="relationships_from"
    )
    to_person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships_to")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_person=F("to_person")), name="relationship_between_two_people"
            ),
            models.UniqueConstraint(
                fields=["from_person", "to_person", "kind"], name="relationship_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_person_id} {self.kind} {self.to_person_id}"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> QuerySet[Case]:
        from .policies import cases_visible_to

        return cases_visible_to(user, self)

    def open(self) -> CaseQuerySet:
        return self.filter(status=CaseStatus.OPEN)


@pghistory.track()
class Case(models.Model):
    """One Family Safeguarding episode with a family, from referral to closure."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="cases")
    referral_date = models.DateField()
    referral_source = models.CharField(max_length=8, help_text="CIN census referral source code")
    lead_social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lead_cases"
    )
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closed_date = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=8, blank=True)
    closure_note = models.TextField(blank=True)
    assessment_completed_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-referral_date"]
        permissions = [("view_shared_case", "Can read a case shared with them")]
        constraints = [
            models.UniqueConstraint(
                fields=["family"], condition=Q(status="open"), name="one_open_case_per_family"
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_date__isnull=True) & Q(closure_reason=""))
                | (Q(status="closed") & Q(closed_date__isnull=False) & ~Q(closure_reason="")),
                name="closed_case_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(closed_date__isnull=True) | Q(closed_date__gte=F("referral_date")),
                name="case_closes_after_referral",
            ),
        ]
        indexes = [
            models.Index(fields=["family", "status"]),
            # The KPI refresh counts referrals and closures per month (kpis/registry.py): one
            # date range per statement, 24 months x every scope, over every case ever held.
            models.Index(fields=["referral_date"]),
            models.Index(fields=["closed_date"]),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian permission: a case shared read-only with one named person."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class StatusKind(models.TextChoices):
    CIN_PLAN = "cin_plan", "Child in need plan"
    CP_PLAN = "cp_plan", "Child protection plan"
    LOOKED_AFTER = "looked_after", "Looked after"
    S47_ENQUIRY = "s47_enquiry", "Section 47 enquiry"


class DateRange(Func):
    function = "daterange"
    output_field = DateRangeField()


@pghistory.track()
class ChildStatus(models.Model):
    """A dated period of a child's statutory status. Drives KPIs and the partner status API."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="child_statuses")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="statuses")
    kind = models.CharField(max_length=20, choices=StatusKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="The day the status ceased.")
    cp_initial_category = models.CharField(max_length=4, blank=True)
    cp_latest_category = models.CharField(max_length=4, blank=True)
    legal_status = models.CharField(max_length=4, blank=True)
    strategy_discussion_date = models.DateField(null=True, blank=True)
    icpc_date = models.DateField("initial child protection conference date", null=True, blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    first_core_group_date = models.DateField(
        "first core group date",
        null=True,
        blank=True,
        help_text="The first core group meeting of a child protection plan.",
    )
    last_visit_date = models.DateField(
        null=True, blank=True, help_text="The latest statutory visit at which the child was seen."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "child statuses"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="status_ends_after_it_starts",
            ),
            # A child cannot hold two periods of the same status at once.
            ExclusionConstraint(
                name="status_periods_do_not_overlap",
                expressions=[
                    ("person", RangeOperators.EQUAL),
                    ("kind", RangeOperators.EQUAL),
                    (
                        DateRange("start_date", "end_date", models.Value("[)")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
            # A child protection plan replaces a child in need plan: never both at once.
            ExclusionConstraint(
                name="cin_and_cp_plans_do_not_overlap",
                expressions=[
                    ("person", RangeOperators.EQUAL),
                    (
                        DateRange("start_date", "end_date", models.Value("[)")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(kind__in=["cin_plan", "cp_plan"]),
            ),
            models.CheckConstraint(
                condition=~Q(kind="cp_plan")
                | (~Q(cp_initial_category="") & ~Q(cp_latest_category="")),
                name="cp_plan_has_categories",
            ),
            models.CheckConstraint(
                condition=~Q(kind="looked_after") | ~Q(legal_status=""),
                name="looked_after_has_legal_status",
            ),
            models.CheckConstraint(
                condition=~Q(kind="s47_enquiry") | Q(strategy_discussion_date__isnull=False),
                name="s47_has_strategy_discussion",
            ),
        ]
        indexes = [models.Index(fields=["kind", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.person_id} from {self.start_date}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date > timezone.localdate()


@pghistory.track()
class ReviewConference(models.Model):
    """A child protection review conference that was held, with the date it was due by
    (Working Together 2023: within 3 months of the ICPC, then at most every 6 months)."""

    status = models.ForeignKey(
        ChildStatus, on_delete=models.PROTECT, related_name="review_conferences"
    )
    held_on = models.DateField()
    due_by = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["status", "held_on"], name="one_review_per_plan_per_day"
            ),
        ]
        indexes = [models.Index(fields=["held_on"])]

    def __str__(self) -> str:
        return f"Review conference {self.pk} on {self.held_on}"

    @property
    def on_time(self) -> bool:
        return self.held_on <= self.due_by


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def active(self, on: dt.date | None = None) -> AllocationQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


@pghistory.track()
class Allocation(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="allocations")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations"
    )
    discipline = models.CharField(max_length=32, choices=Discipline.choices)
    adult = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="specialist_allocations",
        help_text="Adult specialists are allocated to an adult, not to a child.",
    )
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="allocation_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["case", "worker"],
                condition=Q(end_date__isnull=True),
                name="one_open_allocation_per_worker_and_case",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "end_date"]),
            models.Index(fields=["case", "end_date"]),
        ]

    def __str__(self) -> str:
        return f"Allocation {self.pk} of {self.worker_id} to case {self.case_id}"


class WarningKind(models.TextChoices):
    RISK_TO_STAFF = "risk_to_staff", "Risk to staff"
    DO_NOT_VISIT_ALONE = "do_not_visit_alone", "Do not visit alone"
    ANIMALS = "animals", "Dangerous animals at the address"
    ADDRESS_NOT_DISCLOSED = "address_not_disclosed", "Do not disclose the address"
    OTHER = "other", "Other"


@pghistory.track()
class Warning(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="warnings")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="warnings"
    )
    kind = models.CharField(max_length=32, choices=WarningKind.choices)
    details = models.CharField(max_length=300)
    review_date = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["review_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, ended_by__isnull=True)
                | Q(ended_at__isnull=False, ended_by__isnull=False),
                name="warning_end_has_who_and_when",
            )
        ]

    def __str__(self) -> str:
        return f"Warning {self.pk} ({self.kind})"


class ChronologyKind(models.TextChoices):
    REFERRAL = "referral", "Referral"
    CASE_CLOSED = "case_closed", "Case closed"
    CASE_REOPENED = "case_reopened", "Case reopened"
    STATUS_STARTED = "status_started", "Status started"
    STATUS_ENDED = "status_ended", "Status ended"
    ALLOCATION = "allocation", "Allocation"
    TRANSFER = "transfer", "Transfer"
    WARNING = "warning", "Warning"
    MEMBER = "member", "Family membership"
    WORKBOOK = "workbook", "Workbook entry"
    SUPERVISION = "supervision", "Group supervision"
    PARTNER_NOTIFICATION = "partner_notification", "Partner notification"


class ChronologyEvent(models.Model):
    """A line of the family's story, written by the service that made the change.

    Never typed by hand: the chronology is generated from what happened (DESIGN §6)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="chronology")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="chronology_events"
    )
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=32, choices=ChronologyKind.choices)
    summary = models.CharField(max_length=500)
    significant = models.BooleanField(default=False)
    source_model = models.CharField(max_length=60, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["case", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


# Break-glass rules: a reason long enough to be reviewable, and access that lapses the same shift.
BREAK_GLASS_MIN_REASON = 20
BREAK_GLASS_MAX_HOURS = 4


@pghistory.track()
class AccessGrant(models.Model):
    """Time-boxed emergency ("break-glass") read access to one case, reviewed afterwards."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_grants"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="access_grants")
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("reason"), BREAK_GLASS_MIN_REASON),
                name="grant_reason_long_enough",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at"))
                & Q(expires_at__lte=F("granted_at") + dt.timedelta(hours=BREAK_GLASS_MAX_HOURS)),
                name="grant_expires_within_four_hours",
            ),
        ]
        indexes = [models.Index(fields=["user", "case", "expires_at"])]

    def __str__(self) -> str:
        return f"Emergency access {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    LIST = "list", "Listed"
    EXPORT = "export", "Exported"
    PDF = "pdf", "Downloaded a PDF"
    API = "api", "Read through the API"


class AccessBasis(models.TextChoices):
    """Why the user was allowed to see the record, most specific first."""

    ALLOCATION = "allocation", "Allocated to the case"
    TEAM = "team", "Member of the owning team"
    SERVICE = "service", "Manages the service"
    GRANT = "grant", "Emergency access"
    SHARED = "shared", "Shared with them"
    PARTNER = "partner", "Partner data-sharing agreement"


class RecordType(models.TextChoices):
    PERSON = "person", "Person"
    FAMILY = "family", "Family"
    CASE = "case", "Case"
    ENTRY = "entry", "Workbook entry"
    SUPERVISION = "supervision", "Group supervision"


class AccessEvent(models.Model):
    """Who read which record, when and why. Append-only: a trigger refuses UPDATE and DELETE.

    Ids, not foreign keys, so the audit trail never constrains or cascades from the records."""

    user_id = models.BigIntegerField(null=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    record_type = models.CharField(max_length=16, choices=RecordType.choices)
    record_id = models.BigIntegerField()
    family_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    basis = models.CharField(max_length=12, choices=AccessBasis.choices)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["family_id", "-occurred_at"]),
            models.Index(fields=["user_id", "-occurred_at"]),
            # The auditor's pages (cases/audit_selectors.py): newest first across everyone, a
            # period for the unusual-access report, and one record by its type and id.
            models.Index(fields=["-occurred_at", "-id"], name="access_event_newest"),
            models.Index(
                fields=["record_type", "record_id", "-occurred_at"], name="access_event_record"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="access_events_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.record_type} {self.record_id}"


from cases.partners.models import (  # noqa: E402  (partner models live in their own module)
    DashRisk,
    DisclosureLog,
    DismissalReason,
    MatchBasis,
    NotificationStatus,
    PartnerNotification,
    PersonRole,
)

__all__ = [
    "AccessAction",
    "AccessBasis",
    "AccessEvent",
    "AccessGrant",
    "Allocation",
    "Case",
    "CaseStatus",
    "ChildStatus",
    "ChronologyEvent",
    "ChronologyKind",
    "DashRisk",
    "DateRange",
    "DisclosureLog",
    "DismissalReason",
    "Family",
    "FamilyMember",
    "HouseholdRole",
    "MatchBasis",
    "NotificationStatus",
    "PartnerNotification",
    "Person",
    "PersonRole",
    "RecordType",
    "ReferenceCode",
    "Relationship",
    "RelationshipKind",
    "Sex",
    "StatusKind",
    "Warning",
    "WarningKind",
]
