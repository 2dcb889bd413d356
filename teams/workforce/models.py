"""The workforce: each team's establishment (planned posts), the learning and development
catalogue with its sessions and attendance, and observations of practitioners' Motivational
Interviewing practice. Registered with the ``teams`` app through ``teams.models``.

Filled posts are not stored: they are the team's memberships (``Membership.fte``,
``employer``, ``is_contingency``), so the establishment can never drift from who is in the team.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pghistory
import pgtrigger
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ..roles import Role

# The MI global ratings are scored 1 (low) to 5 (high) (MITI 4.2.1, Moyers et al. 2016).
MI_SCORE_MIN, MI_SCORE_MAX = 1, 5


@pghistory.track()
class EstablishmentPost(models.Model):
    """Planned posts for one role in one team, in full-time equivalents, from a date.

    Changing the establishment ends the current row the day before the change and starts a new
    one, so the establishment on any past date (a KPI's month end) is still known."""

    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="posts")
    role = models.CharField(max_length=40, choices=Role.choices)
    fte = models.DecimalField(
        "full-time equivalent posts",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        "teams.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "role", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(fte__gte=0), name="establishment_fte_not_negative"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="establishment_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["team", "role"],
                condition=Q(end_date__isnull=True),
                name="one_current_establishment_per_team_and_role",
            ),
        ]
        indexes = [models.Index(fields=["team", "role", "end_date"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.fte} FTE in team {self.team_id}"


class CourseKind(models.TextChoices):
    COURSE = "course", "Course"
    WORKSHOP = "workshop", "Practice workshop"
    BRIEFING = "briefing", "Training session"


@pghistory.track()
class Course(models.Model):
    """An entry in the learning and development catalogue.

    The follow-up rule is data, not code: a course may name the course that must follow it and
    the window, in weeks after it, in which the follow-up falls due (the MI embedding session,
    4 to 6 weeks after the first course)."""

    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=CourseKind.choices)
    description = models.TextField(blank=True)
    topic_number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For Practice & Change workshops: the topic's number."
    )
    follow_up = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follows",
        help_text="The course every attendee must go on to afterwards.",
    )
    follow_up_from_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    follow_up_by_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "topic_number", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(follow_up__isnull=True)
                    & Q(follow_up_from_weeks__isnull=True)
                    & Q(follow_up_by_weeks__isnull=True)
                )
                | (
                    Q(follow_up__isnull=False)
                    & Q(follow_up_from_weeks__isnull=False)
                    & Q(follow_up_by_weeks__gte=F("follow_up_from_weeks"))
                ),
                name="course_follow_up_rule_is_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.title


@pghistory.track()
class TrainingSession(models.Model):
    """One scheduled delivery of a course: date, trainer, place and capacity."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField()
    trainer = models.ForeignKey(
        "teams.User", on_delete=models.PROTECT, related_name="sessions_trained"
    )
    venue = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    scheduled_by = models.ForeignKey(
        "teams.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        "teams.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "course__title"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_has_capacity"),
        ]
        indexes = [models.Index(fields=["course", "held_on"])]

    def __str__(self) -> str:
        return f"Session {self.pk} of course {self.course_id}"


class PlaceStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


@pghistory.track()
class SessionPlace(models.Model):
    """A staff member's place on a session and, once recorded, whether they attended.

    A worker's training record is their attended places."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="places")
    user = models.ForeignKey("teams.User", on_delete=models.PROTECT, related_name="places")
    status = models.CharField(
        max_length=16, choices=PlaceStatus.choices, default=PlaceStatus.BOOKED
    )
    booked_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        "teams.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "user__family_name", "user__given_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_place_per_person"),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"Place of user {self.user_id} on session {self.session_id}"


class ObservationContext(models.TextChoices):
    HOME_VISIT = "home_visit", "Home visit"
    OFFICE_MEETING = "office_meeting", "Meeting at the office"
    GROUP_SUPERVISION = "group_supervision", "Group case supervision"
    PHONE = "phone", "Phone or video call"
    RECORDING = "recording", "Audio recording of a session"
    OTHER = "other", "Somewhere else"


def _score(label: str) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(
        label,
        validators=[MinValueValidator(MI_SCORE_MIN), MaxValueValidator(MI_SCORE_MAX)],
    )


@pghistory.track()
class PracticeObservation(models.Model):
    """A manager's or trainer's observation of one worker's Motivational Interviewing.

    Scores are the four MI global ratings. Seen by the worker, the observer and the worker's
    managers only (``teams.workforce.policies``): never by the team or the board."""

    worker = models.ForeignKey(
        "teams.User", on_delete=models.PROTECT, related_name="observations_of"
    )
    observer = models.ForeignKey(
        "teams.User", on_delete=models.PROTECT, related_name="observations_made"
    )
    observed_on = models.DateField()
    context = models.CharField(max_length=20, choices=ObservationContext.choices)
    cultivating_change_talk = _score("Cultivating change talk")
    softening_sustain_talk = _score("Softening sustain talk")
    partnership = _score("Partnership")
    empathy = _score("Empathy")
    strengths = models.TextField()
    development_points = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["worker", "-observed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cultivating_change_talk__range=(MI_SCORE_MIN, MI_SCORE_MAX))
                & Q(softening_sustain_talk__range=(MI_SCORE_MIN, MI_SCORE_MAX))
                & Q(partnership__range=(MI_SCORE_MIN, MI_SCORE_MAX))
                & Q(empathy__range=(MI_SCORE_MIN, MI_SCORE_MAX)),
                name="observation_scores_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(worker=F("observer")), name="observation_not_of_oneself"
            ),
        ]
        indexes = [models.Index(fields=["worker", "-observed_on"])]

    def __str__(self) -> str:
        return f"Observation {self.pk} of user {self.worker_id}"

    SCORE_FIELDS = (
        "cultivating_change_talk",
        "softening_sustain_talk",
        "partnership",
        "empathy",
    )

    @property
    def scores(self) -> list[tuple[str, int]]:
        labels = {f.name: str(f.verbose_name) for f in self._meta.concrete_fields}
        return [(labels[name], getattr(self, name)) for name in self.SCORE_FIELDS]

    @property
    def mean_score(self) -> Decimal:
        total = sum(getattr(self, name) for name in self.SCORE_FIELDS)
        return (Decimal(total) / len(self.SCORE_FIELDS)).quantize(Decimal("0.1"), ROUND_HALF_UP)


class ObservationAccessBasis(models.TextChoices):
    WORKER = "worker", "The observed worker"
    OBSERVER = "observer", "The observer"
    MANAGER = "manager", "One of the worker's managers"


class ObservationAccessEvent(models.Model):
    """Who read which practice observation, when and why. Append-only like
    ``cases.AccessEvent`` (a trigger refuses UPDATE and DELETE); kept here because ``teams``
    may not depend on ``cases`` (DESIGN §3). Ids, not foreign keys, as there."""

    user_id = models.BigIntegerField()
    observation_id = models.BigIntegerField()
    worker_id = models.BigIntegerField()
    basis = models.CharField(max_length=10, choices=ObservationAccessBasis.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["worker_id", "-occurred_at"])]
        triggers = [
            pgtrigger.Protect(
                name="observation_access_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"Observation {self.observation_id} read by user {self.user_id}"
