"""Builders shared by the workforce tests: courses, sessions and attended places."""

from __future__ import annotations

import datetime as dt

from teams.models import Course, PlaceStatus, SessionPlace, TrainingSession, User
from teams.workforce.catalogue import MI_EMBEDDING, MI_FIRST_COURSE, seed_catalogue_now
from tests.factories import UserFactory


def course(code: str) -> Course:
    seed_catalogue_now()  # a transactional test elsewhere may have flushed the catalogue
    return Course.objects.get(code=code)


def session(
    code: str, held_on: dt.date, *, trainer: User | None = None, capacity: int = 20
) -> TrainingSession:
    return TrainingSession.objects.create(
        course=course(code),
        held_on=held_on,
        trainer=trainer or UserFactory.create(),
        capacity=capacity,
    )


def attend(
    user: User, code: str, held_on: dt.date, status: str = PlaceStatus.ATTENDED
) -> SessionPlace:
    return SessionPlace.objects.create(session=session(code, held_on), user=user, status=status)


def first_course(user: User, held_on: dt.date) -> SessionPlace:
    return attend(user, MI_FIRST_COURSE, held_on)


def embedding(user: User, held_on: dt.date) -> SessionPlace:
    return attend(user, MI_EMBEDDING, held_on)
