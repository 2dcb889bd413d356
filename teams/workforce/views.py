"""Workforce pages: the establishment, learning and development, practice observations.

Thin views (STYLE.md §5): the policy decides (``teams.workforce.policies``), a selector reads,
a service writes. A record the user may not know about answers 404; one they may see but not
change answers 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from safeguarding.lib.pages import require, signed_in_user, submit_form

from ..models import Membership, Team, User
from . import selectors, services
from .forms import (
    AttendanceForm,
    EstablishmentForm,
    MembershipPostForm,
    ObservationForm,
    PlaceForm,
    SessionForm,
)
from .models import TrainingSession
from .policies import (
    can_edit_establishment,
    can_record_attendance,
    can_record_observation,
    can_schedule_training,
    can_view_establishment,
    can_view_observations_of,
    can_view_training_record,
    is_team_member,
    observations_visible_to,
    teams_managed,
    teams_of,
)


def _team(request: HttpRequest, team_slug: str) -> Team:
    team = (
        teams_of(signed_in_user(request)).select_related("service").filter(slug=team_slug).first()
    )
    if team is None:
        raise Http404("No team found")
    return team


def _worker(user_pk: int) -> User:
    worker = User.objects.filter(pk=user_pk).first()
    if worker is None:
        raise Http404("No one found")
    return worker


def _form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[dict[str, Any]], str],
    success_url: str,
    heading: str,
    submit: str,
    back_url: str,
    caption: str = "",
    intro: str = "",
) -> HttpResponse:
    """``submit_form`` with the workforce template, which has a caption."""
    return submit_form(
        request,
        form=form,
        save=save,
        success_url=success_url,
        heading=heading,
        submit=submit,
        back_url=back_url,
        intro=intro,
        extra={"caption": caption},
        template="teams/workforce_form.html",
    )


def _on_date(request: HttpRequest) -> dt.date:
    """``?on=YYYY-MM-DD`` to see the establishment on another date; today otherwise."""
    try:
        return dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


# --- establishment --------------------------------------------------------------------------


@require_safe
@login_required
def workforce(request: HttpRequest) -> HttpResponse:
    """Establishment, filled posts and vacancies for every team the user manages."""
    user = signed_in_user(request)
    managed = teams_managed(user)
    require(managed.exists())
    overview = selectors.workforce_overview(managed, _on_date(request))
    return render(request, "teams/workforce.html", {"overview": overview})


@require_safe
@login_required
def establishment(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = _team(request, team_slug)
    user = signed_in_user(request)
    require(can_view_establishment(user, team))
    day = _on_date(request)
    return render(
        request,
        "teams/establishment.html",
        {
            "team": team,
            "establishment": selectors.establishment_for_team(team, day),
            "can_edit": can_edit_establishment(user, team),
            "due": selectors.follow_ups_due_in_team(team),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def establishment_change(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = _team(request, team_slug)
    user = signed_in_user(request)
    require(can_edit_establishment(user, team))
    form = EstablishmentForm(
        request.POST or None,
        initial={"role": request.GET.get("role", ""), "start_date": timezone.localdate()},
    )

    def save(data: dict[str, Any]) -> str:
        services.establishment_set(
            actor=user,
            team=team,
            role=data["role"],
            fte=data["fte"],
            start_date=data["start_date"],
            notes=data["notes"],
        )
        return "Establishment changed"

    return _form_page(
        request,
        form=form,
        save=save,
        success_url=reverse("teams:establishment", args=[team.slug]),
        heading="Change the establishment",
        caption=team.name,
        intro="The number of planned posts for one role. The current plan ends the day before the change.",
        submit="Save the change",
        back_url=reverse("teams:establishment", args=[team.slug]),
    )


@require_http_methods(["GET", "POST"])
@login_required
def membership_post(request: HttpRequest, team_slug: str, membership_pk: int) -> HttpResponse:
    team = _team(request, team_slug)
    user = signed_in_user(request)
    membership = (
        Membership.objects.active()
        .select_related("user")
        .filter(pk=membership_pk, team=team)
        .first()
    )
    if membership is None:
        raise Http404("No member found")
    require(can_edit_establishment(user, team))
    form = MembershipPostForm(
        request.POST or None,
        initial={
            "fte": membership.fte,
            "employer": membership.employer_id,
            "is_contingency": membership.is_contingency,
        },
    )

    def save(data: dict[str, Any]) -> str:
        services.membership_post_update(
            actor=user,
            membership=membership,
            fte=data["fte"],
            employer=data["employer"],
            is_contingency=data["is_contingency"],
        )
        return f"Post details saved for {membership.user.get_full_name()}"

    return _form_page(
        request,
        form=form,
        save=save,
        success_url=reverse("teams:establishment", args=[team.slug]),
        heading=f"{membership.user.get_full_name()}'s post",
        caption=f"{membership.get_role_display()}, {team.name}",
        submit="Save",
        back_url=reverse("teams:establishment", args=[team.slug]),
    )


# --- learning and development ---------------------------------------------------------------


@require_safe
@login_required
def training(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(is_team_member(user))
    today = timezone.localdate()
    return render(
        request,
        "teams/training.html",
        {
            "courses": selectors.catalogue(),
            "sessions": selectors.sessions_from(today),
            "to_record": selectors.sessions_to_record(user, today),
            "can_schedule": can_schedule_training(user),
        },
    )


def _trainers() -> Any:
    return User.objects.filter(
        is_active=True, memberships__in=Membership.objects.active()
    ).distinct()


@require_http_methods(["GET", "POST"])
@login_required
def session_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(can_schedule_training(user))
    form = SessionForm(
        request.POST or None, trainers=_trainers().order_by("family_name", "given_name")
    )
    created: list[TrainingSession] = []

    def save(data: dict[str, Any]) -> str:
        created.append(
            services.session_schedule(
                actor=user,
                course=data["course"],
                held_on=data["held_on"],
                trainer=data["trainer"],
                capacity=data["capacity"],
                venue=data["venue"],
            )
        )
        return "Session scheduled"

    response = _form_page(
        request,
        form=form,
        save=save,
        success_url=reverse("teams:training"),
        heading="Schedule a session",
        submit="Schedule the session",
        back_url=reverse("teams:training"),
    )
    if created:
        return redirect("teams:session", session_pk=created[0].pk)
    return response


def _session(request: HttpRequest, session_pk: int) -> TrainingSession:
    if not is_team_member(signed_in_user(request)):
        raise Http404("No session found")
    session = selectors.session_detail(session_pk)
    if session is None:
        raise Http404("No session found")
    return session


@require_safe
@login_required
def session_detail(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = _session(request, session_pk)
    user = signed_in_user(request)
    places = selectors.session_places(session)
    can_record = can_record_attendance(user, session)
    return render(
        request,
        "teams/session_detail.html",
        {
            "session": session,
            "places": places,
            "can_record": can_record and session.held_on <= timezone.localdate(),
            "can_book": (can_record or can_schedule_training(user))
            and len(places) < session.capacity,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def session_book(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = _session(request, session_pk)
    user = signed_in_user(request)
    require(can_schedule_training(user) or can_record_attendance(user, session))
    form = PlaceForm(request.POST or None, people=selectors.bookable_people(session))
    back = reverse("teams:session", args=[session.pk])

    def save(data: dict[str, Any]) -> str:
        services.session_place_book(actor=user, session=session, user=data["user"])
        return f"Place booked for {data['user'].get_full_name()}"

    return _form_page(
        request,
        form=form,
        save=save,
        success_url=back,
        heading="Book a place",
        caption=f"{session.course.title}, {session.held_on:%-d %B %Y}",
        submit="Book the place",
        back_url=back,
    )


@require_http_methods(["GET", "POST"])
@login_required
def session_attendance(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = _session(request, session_pk)
    user = signed_in_user(request)
    require(can_record_attendance(user, session))
    places = selectors.session_places(session)
    form = AttendanceForm(
        request.POST or None,
        people=[(place.user_id, place.user.get_full_name()) for place in places],
        initial={"attended": [p.user_id for p in places if p.status == "attended"]},
    )
    back = reverse("teams:session", args=[session.pk])

    def save(data: dict[str, Any]) -> str:
        attended = services.session_attendance_record(
            actor=user, session=session, attended_user_ids=set(data["attended"])
        )
        return f"Attendance recorded: {attended} of {len(places)} attended"

    return _form_page(
        request,
        form=form,
        save=save,
        success_url=back,
        heading="Record attendance",
        caption=f"{session.course.title}, {session.held_on:%-d %B %Y}",
        submit="Save attendance",
        back_url=back,
    )


@require_safe
@login_required
def training_record(request: HttpRequest, user_pk: int) -> HttpResponse:
    worker = _worker(user_pk)
    viewer = signed_in_user(request)
    if not can_view_training_record(viewer, worker):
        raise Http404("No training record found")
    return render(
        request,
        "teams/training_record.html",
        {"record": selectors.training_record(worker), "own": viewer.pk == worker.pk},
    )


# --- practice observations ------------------------------------------------------------------


@require_safe
@login_required
def observations(request: HttpRequest, user_pk: int) -> HttpResponse:
    worker = _worker(user_pk)
    viewer = signed_in_user(request)
    if not can_view_observations_of(viewer, worker):
        raise Http404("No observations found")
    rows = selectors.observations_of(worker, observations_visible_to(viewer))
    return render(
        request,
        "teams/observation_list.html",
        {
            "worker": worker,
            "observations": rows,
            "own": viewer.pk == worker.pk,
            "can_record": can_record_observation(viewer, worker),
        },
    )


@require_safe
@login_required
def observation_detail(request: HttpRequest, observation_pk: int) -> HttpResponse:
    viewer = signed_in_user(request)
    observation = (
        observations_visible_to(viewer)
        .select_related("worker", "observer")
        .filter(pk=observation_pk)
        .first()
    )
    if observation is None:
        raise Http404("No observation found")
    services.observation_access_record(user=viewer, observation=observation)
    return render(request, "teams/observation_detail.html", {"observation": observation})


@require_http_methods(["GET", "POST"])
@login_required
def observation_new(request: HttpRequest, user_pk: int) -> HttpResponse:
    worker = _worker(user_pk)
    viewer = signed_in_user(request)
    can_record = can_record_observation(viewer, worker)
    if not can_record and not can_view_observations_of(viewer, worker):
        raise Http404("No one found")
    require(can_record)
    form = ObservationForm(request.POST or None, initial={"observed_on": timezone.localdate()})
    back = reverse("teams:observations", args=[worker.pk])

    def save(data: dict[str, Any]) -> str:
        services.observation_record(actor=viewer, worker=worker, **data)
        return "Observation recorded"

    return _form_page(
        request,
        form=form,
        save=save,
        success_url=back,
        heading="Record an observation of Motivational Interviewing practice",
        caption=worker.get_full_name(),
        intro="Score each MI global rating from 1 (low) to 5 (high). Only the worker, you and their managers will see it.",
        submit="Save the observation",
        back_url=back,
    )
