"""Every write to teams data goes through a service (STYLE.md §2)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Membership, Organisation, Team, User
from .roles import DEFAULT_DISCIPLINE, Role


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str,
    given_name: str,
    family_name: str,
    password: str | None,
    job_title: str = "",
    employer: Organisation | None = None,
    service_role: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "An account with this email address already exists"})
    user = User(
        email=email,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        job_title=job_title,
        employer=employer,
        service_role=service_role,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def membership_start(
    *,
    actor: User | None,
    user: User,
    team: Team,
    role: str,
    start_date: dt.date | None = None,
    discipline: str = "",
    domestic_abuse_focus: str = "",
    is_home_team: bool = True,
) -> Membership:
    start_date = start_date or timezone.localdate()
    if Membership.objects.active(start_date).filter(user=user, team=team).exists():
        raise ValidationError(f"{user} is already a member of {team}")
    if domestic_abuse_focus and role != Role.DOMESTIC_ABUSE_SPECIALIST:
        raise ValidationError(
            {
                "domestic_abuse_focus": "Only domestic abuse specialists have a victim or perpetrator focus"
            }
        )
    membership = Membership(
        user=user,
        team=team,
        role=role,
        discipline=discipline or DEFAULT_DISCIPLINE[role],
        domestic_abuse_focus=domestic_abuse_focus,
        start_date=start_date,
        is_home_team=is_home_team,
    )
    membership.full_clean(validate_constraints=False)
    membership.save()
    return membership


@transaction.atomic
def membership_end(*, actor: User | None, membership: Membership, end_date: dt.date) -> Membership:
    if membership.end_date is not None:
        raise ValidationError("This membership has already ended")
    if end_date < membership.start_date:
        raise ValidationError(
            {"end_date": "The end date must be the same as or after the start date"}
        )
    membership.end_date = end_date
    membership.save(update_fields=["end_date"])
    return membership
