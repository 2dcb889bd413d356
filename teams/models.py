"""Organisations, people who use the service, teams and memberships (DESIGN §4, teams)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .roles import Discipline, DomesticAbuseFocus, Role, ServiceRole


class OrganisationKind(models.TextChoices):
    COUNCIL = "council", "Council"
    NHS_TRUST = "nhs_trust", "NHS trust"
    POLICE_FORCE = "police_force", "Police force"
    PROBATION = "probation", "Probation service"
    RECOVERY_SERVICE = "recovery_service", "Drug and alcohol recovery service"
    DOMESTIC_ABUSE_CHARITY = "domestic_abuse_charity", "Domestic abuse charity"
    OTHER = "other", "Other"


class PartnerScope(models.TextChoices):
    """What a partner system may do through the API: granted by its data-sharing agreement."""

    NOTIFICATIONS_WRITE = "notifications:write", "Send police domestic abuse notifications"
    CHILD_STATUS_READ = "child-status:read", "Ask whether a child is on a plan or looked after"
    KPIS_READ = "kpis:read", "Read published KPI snapshots"


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    data_sharing_agreement_ref = models.CharField(
        "data-sharing agreement reference",
        max_length=100,
        blank=True,
        help_text="The signed agreement that allows this organisation's staff or systems to see records.",
    )
    agreed_scopes = ArrayField(
        models.CharField(max_length=40, choices=PartnerScope.choices),
        default=list,
        blank=True,
        help_text="What the data-sharing agreement lets this organisation's systems do through "
        "the API. A client can never be given more.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NotificationEmail(models.TextChoices):
    """How a user wants to hear about notifications by email (the app always shows them)."""

    IMMEDIATELY = "immediately", "Straight away, one email for each notification"
    DAILY_DIGEST = "daily_digest", "Once a day, one email saying how many are waiting"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("service_role", ServiceRole.SYSTEM_ADMIN)
        return self._create_user(email, password, **extra)


# Who may see children's records follows from a user's service role and whether their account
# is active (and the admin site from is_staff/is_superuser): their changes are kept, with the
# acting user (DESIGN §5). Only these fields, so passwords and sign-ins are never copied.
@pghistory.track(
    fields=["service_role", "is_active", "is_staff", "is_superuser"], model_name="UserEvent"
)
class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in. Staff sign in with their work email address."""

    email = models.EmailField("email address", unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    job_title = models.CharField(max_length=150, blank=True)
    employer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    service_role = models.CharField(
        max_length=40,
        choices=ServiceRole.choices,
        blank=True,
        help_text="Only for people who work outside a team: reviewing officers, board, analysts, auditors, administrators.",
    )
    is_staff = models.BooleanField(
        "can use the admin site",
        default=False,
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    notification_email = models.CharField(
        "email me about notifications",
        max_length=16,
        choices=NotificationEmail.choices,
        default=NotificationEmail.IMMEDIATELY,
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["given_name", "family_name"]

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return self.get_full_name()

    def get_full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_short_name(self) -> str:
        return self.given_name


class Service(models.Model):
    """A group of teams under one service manager, e.g. Family Safeguarding North."""

    name = models.CharField(max_length=150, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="teams")
    office = models.CharField(max_length=200, blank=True)
    # The duty contact partners are given by the child protection status lookup.
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, on: Any = None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


# Memberships decide who sees a team's families: every change is kept, with the acting user.
@pghistory.track()
class Membership(models.Model):
    """A person's place in a team: role, discipline, employer, dates.

    Adult specialists are often seconded from a partner (their ``User.employer``, or the
    membership's own ``employer`` when the secondment is to this post only) and may hold
    memberships of two teams at once; ``is_home_team`` marks the one that manages them, and
    ``fte`` splits their time between the teams (teams.workforce: establishment arithmetic).
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=40, choices=Role.choices)
    discipline = models.CharField(max_length=32, choices=Discipline.choices)
    domestic_abuse_focus = models.CharField(
        max_length=16, choices=DomesticAbuseFocus.choices, blank=True
    )
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)
    is_home_team = models.BooleanField(default=True)
    fte = models.DecimalField(
        "full-time equivalent",
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
        help_text="The share of a full-time post this membership fills in this team, like 0.5.",
    )
    employer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who employs them for this post, when not their usual employer (a secondment).",
    )
    is_contingency = models.BooleanField(
        "covers a vacancy",
        default=False,
        help_text="A temporary arrangement covering a vacant post (agency, locum, acting up, "
        "cover from another team): counts as cover, not as a filled post.",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "role", "user__family_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["user", "team"],
                condition=Q(end_date__isnull=True),
                name="one_open_membership_per_user_and_team",
            ),
            models.CheckConstraint(
                condition=Q(domestic_abuse_focus="") | Q(role=Role.DOMESTIC_ABUSE_SPECIALIST),
                name="only_da_specialists_have_a_da_focus",
            ),
            models.CheckConstraint(
                condition=Q(fte__gt=0) & Q(fte__lte=1), name="membership_fte_between_0_and_1"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "end_date"]),
            models.Index(fields=["user", "end_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()}, {self.team}"

    @property
    def post_employer(self) -> Organisation | None:
        """Who employs them for this post: the membership's employer, else the person's."""
        return self.employer if self.employer_id is not None else self.user.employer

    @property
    def is_seconded(self) -> bool:
        """Employed by a partner organisation (NHS trust, recovery service, domestic abuse
        charity...) rather than the council."""
        employer = self.post_employer
        return employer is not None and employer.kind != OrganisationKind.COUNCIL


class PartnerClient(models.Model):
    """A partner organisation's system registered as an OAuth2 client (client-credentials grant).

    The OAuth2 application holds the client id and the hashed secret; this row ties it to the
    organisation whose data-sharing agreement decides its scopes, and records its life:
    registered, secret rotated, revoked. A revoked client can never get a token again."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.PROTECT, related_name="partner_client"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="partner_clients"
    )
    name = models.CharField(max_length=200)
    scopes = ArrayField(
        models.CharField(max_length=40, choices=PartnerScope.choices),
        help_text="Within the organisation's agreed scopes.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allowed_scopes(self) -> set[str]:
        """Scopes this client may hold now: its own, cut back to the current agreement."""
        if not self.is_active:
            return set()
        return set(self.scopes) & set(self.organisation.agreed_scopes)


class UserSession(models.Model):
    """A session a user signed in with, so that deactivating the user can end every one of
    their sessions at once (``teams.sessions``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "session_key"], name="one_row_per_session")
        ]

    def __str__(self) -> str:
        return f"Session of user {self.user_id}"


class NotificationKind(models.TextChoices):
    ALLOCATED = "allocated", "Allocated to a case"
    ENTRY_RETURNED = "entry_returned", "Workbook entry returned"
    ENTRY_AUTHORISED = "entry_authorised", "Workbook entry authorised"
    PARTNER_NOTIFICATION = "partner_notification", "Partner notification"
    ACTION_ASSIGNED = "action_assigned", "Supervision action assigned"
    DUE = "due", "Due soon"
    OVERDUE = "overdue", "Overdue"
    OVERDUE_ESCALATION = "overdue_escalation", "Overdue in your team"
    EMERGENCY_ACCESS = "emergency_access", "Emergency access to review"


class Notification(models.Model):
    """Something a user should know about, shown in the app and emailed as a link only.

    ``message`` may name a family reference but never a person (DOMAIN.md information
    governance); it is never put in an email."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=500, help_text="A path in this service.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="one_notification_per_user_and_dedupe_key",
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="/"), name="notification_url_is_a_path"
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "read_at", "-created_at"], name="notification_user_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} for user {self.user_id}"


# The workforce models (establishment, learning and development, practice observations) live in
# their own module; importing them here registers them with the ``teams`` app.
from .workforce.models import (  # noqa: E402, F401
    Course,
    CourseKind,
    EstablishmentPost,
    ObservationAccessEvent,
    ObservationContext,
    PlaceStatus,
    PracticeObservation,
    SessionPlace,
    TrainingSession,
)
