"""Every write to the workforce: the establishment, sessions and attendance, observations."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguarding.lib.request_id import current_request_id
from safeguarding.lib.services import service

from ..models import Membership, Organisation, Team, User
from ..roles import Role
from .models import (
    MI_SCORE_MAX,
    MI_SCORE_MIN,
    Course,
    EstablishmentPost,
    ObservationAccessBasis,
    ObservationAccessEvent,
    PlaceStatus,
    PracticeObservation,
    SessionPlace,
    TrainingSession,
)

logger = logging.getLogger(__name__)

MAX_POSTS_PER_ROLE = Decimal("99.99")


# --- establishment --------------------------------------------------------------------------


@service
def establishment_set(
    *,
    actor: User | None,
    team: Team,
    role: str,
    fte: Decimal,
    start_date: dt.date,
    notes: str = "",
) -> EstablishmentPost:
    """Plan ``fte`` posts of ``role`` in ``team`` from ``start_date``. The current plan ends the
    day before; a plan starting the same day is corrected in place."""
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role"})
    if fte < 0 or fte > MAX_POSTS_PER_ROLE:
        raise ValidationError({"fte": f"Enter a number of posts from 0 to {MAX_POSTS_PER_ROLE}"})
    current = (
        EstablishmentPost.objects.select_for_update()
        .filter(team=team, role=role, end_date__isnull=True)
        .first()
    )
    now = timezone.now()
    if current is not None:
        if start_date < current.start_date:
            raise ValidationError(
                {
                    "start_date": "The date must be on or after "
                    f"{current.start_date:%-d %B %Y}, when the current plan started"
                }
            )
        if start_date == current.start_date:
            current.fte, current.notes, current.changed_by, current.changed_at = (
                fte,
                notes,
                actor,
                now,
            )
            current.save(update_fields=["fte", "notes", "changed_by", "changed_at"])
            return current
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    post = EstablishmentPost.objects.create(
        team=team,
        role=role,
        fte=fte,
        start_date=start_date,
        notes=notes,
        changed_by=actor,
        changed_at=now,
    )
    logger.info("Establishment of team %s for %s set from %s", team.pk, role, start_date)
    return post


@service
def membership_post_update(
    *,
    actor: User | None,
    membership: Membership,
    fte: Decimal,
    employer: Organisation | None,
    is_contingency: bool,
) -> Membership:
    """The post a membership fills: its FTE, the employer for the post (a secondment) and
    whether it is contingency cover for a vacancy."""
    if not (Decimal("0") < fte <= Decimal("1")):
        raise ValidationError(
            {"fte": "Enter the FTE as a number more than 0 and up to 1, like 0.5"}
        )
    membership.fte = fte
    membership.employer = employer
    membership.is_contingency = is_contingency
    membership.save(update_fields=["fte", "employer", "is_contingency"])
    return membership


# --- learning and development ---------------------------------------------------------------


@service
def session_schedule(
    *,
    actor: User | None,
    course: Course,
    held_on: dt.date,
    trainer: User,
    capacity: int,
    venue: str = "",
) -> TrainingSession:
    if not course.is_active:
        raise ValidationError({"course": "This course is no longer offered: choose another"})
    if capacity < 1:
        raise ValidationError({"capacity": "Enter how many places there are, 1 or more"})
    if not trainer.is_active:
        raise ValidationError({"trainer": "Choose a trainer whose account is active"})
    return TrainingSession.objects.create(
        course=course,
        held_on=held_on,
        trainer=trainer,
        capacity=capacity,
        venue=venue.strip(),
        scheduled_by=actor,
    )


@service
def session_place_book(*, actor: User | None, session: TrainingSession, user: User) -> SessionPlace:
    # Lock the session so two bookings cannot both take the last place.
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if not user.is_active:
        raise ValidationError({"user": "Choose someone whose account is active"})
    if SessionPlace.objects.filter(session=session, user=user).exists():
        raise ValidationError({"user": f"{user.get_full_name()} already has a place"})
    if SessionPlace.objects.filter(session=session).count() >= session.capacity:
        raise ValidationError(
            {"user": f"The session is full: all {session.capacity} places are taken"}
        )
    return SessionPlace.objects.create(session=session, user=user)


@service
def session_attendance_record(
    *, actor: User, session: TrainingSession, attended_user_ids: set[int]
) -> int:
    """Mark each booked person as attended or not. Recording again corrects the record.
    Returns how many attended."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.held_on > timezone.localdate():
        raise ValidationError("Attendance can be recorded on the day of the session or after it")
    places = list(SessionPlace.objects.select_for_update().filter(session=session))
    unknown = attended_user_ids - {place.user_id for place in places}
    if unknown:
        raise ValidationError("Only people with a place on the session can be marked as attended")
    now = timezone.now()
    for place in places:
        place.status = (
            PlaceStatus.ATTENDED
            if place.user_id in attended_user_ids
            else PlaceStatus.DID_NOT_ATTEND
        )
        place.recorded_by = actor
        place.recorded_at = now
    SessionPlace.objects.bulk_update(places, ["status", "recorded_by", "recorded_at"])
    session.attendance_recorded_at = now
    session.attendance_recorded_by = actor
    session.save(update_fields=["attendance_recorded_at", "attendance_recorded_by"])
    logger.info("Attendance recorded for session %s: %s places", session.pk, len(places))
    return sum(1 for place in places if place.status == PlaceStatus.ATTENDED)


# --- practice observations ------------------------------------------------------------------


@service
def observation_record(
    *,
    actor: User,
    worker: User,
    observed_on: dt.date,
    context: str,
    cultivating_change_talk: int,
    softening_sustain_talk: int,
    partnership: int,
    empathy: int,
    strengths: str,
    development_points: str,
) -> PracticeObservation:
    if actor.pk == worker.pk:
        raise ValidationError("You cannot record an observation of your own practice")
    if observed_on > timezone.localdate():
        raise ValidationError(
            {"observed_on": "The date of the observation must be today or in the past"}
        )
    scores = {
        "cultivating_change_talk": cultivating_change_talk,
        "softening_sustain_talk": softening_sustain_talk,
        "partnership": partnership,
        "empathy": empathy,
    }
    bad = {
        name: f"Score from {MI_SCORE_MIN} to {MI_SCORE_MAX}"
        for name, value in scores.items()
        if not MI_SCORE_MIN <= value <= MI_SCORE_MAX
    }
    if bad:
        raise ValidationError(bad)
    observation = PracticeObservation(
        worker=worker,
        observer=actor,
        observed_on=observed_on,
        context=context,
        strengths=strengths.strip(),
        development_points=development_points.strip(),
        **scores,
    )
    observation.full_clean()
    observation.save()
    logger.info(
        "Observation %s of user %s recorded by user %s", observation.pk, worker.pk, actor.pk
    )
    return observation


def observation_access_record(
    *, user: User, observation: PracticeObservation
) -> ObservationAccessEvent:
    """Write one read-audit row. Not a @service: it must commit even inside a read-only view."""
    if observation.worker_id == user.pk:
        basis = ObservationAccessBasis.WORKER
    elif observation.observer_id == user.pk:
        basis = ObservationAccessBasis.OBSERVER
    else:
        basis = ObservationAccessBasis.MANAGER
    request_id = current_request_id()
    return ObservationAccessEvent.objects.create(
        user_id=user.pk,
        observation_id=observation.pk,
        worker_id=observation.worker_id,
        basis=basis,
        request_id=request_id if request_id != "-" else "",
    )
