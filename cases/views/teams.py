"""Team pages: members by role and discipline, their open allocations, memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from safeguarding.lib.pages import require, signed_in_user, submit_form
from teams import services as team_services
from teams.models import Membership, Team

from ..forms import EndDateForm, MembershipStartForm
from ..policies import can_manage_memberships, teams_visible_to
from ..selectors import other_team_names, team_members


def _team(request: HttpRequest, team_slug: str) -> Team:
    team = (
        teams_visible_to(signed_in_user(request))
        .select_related("service")
        .filter(slug=team_slug)
        .first()
    )
    if team is None:
        raise Http404("No team found")
    return team


@require_safe
@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    teams = (
        teams_visible_to(signed_in_user(request))
        .select_related("service")
        .order_by("service__name", "name")
    )
    return render(request, "cases/team_list.html", {"teams": teams})


@require_safe
@login_required
def team_detail(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = _team(request, team_slug)
    rows = team_members(team)
    return render(
        request,
        "cases/team_detail.html",
        {
            "team": team,
            "rows": rows,
            "other_teams": other_team_names([row.membership for row in rows]),
            "can_manage": can_manage_memberships(signed_in_user(request), team),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def membership_start(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = _team(request, team_slug)
    require(can_manage_memberships(signed_in_user(request), team))
    form = MembershipStartForm(request.POST or None)
    back = reverse("cases:team", args=[team.slug])

    def save(data: dict[str, Any]) -> str:
        team_services.membership_start(
            actor=signed_in_user(request),
            user=data["user"],
            team=team,
            role=data["role"],
            start_date=data["start_date"],
            is_home_team=data["is_home_team"],
        )
        return f"{data['user'].get_full_name()} joined {team.name}"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=back,
        heading=f"Add someone to {team.name}",
        submit="Add to team",
        back_url=back,
    )


@require_http_methods(["GET", "POST"])
@login_required
def membership_end(request: HttpRequest, team_slug: str, membership_pk: int) -> HttpResponse:
    team = _team(request, team_slug)
    require(can_manage_memberships(signed_in_user(request), team))
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, team=team
    )
    form = EndDateForm(request.POST or None)
    back = reverse("cases:team", args=[team.slug])

    def save(data: dict[str, Any]) -> str:
        team_services.membership_end(
            actor=signed_in_user(request),
            membership=membership,
            end_date=data["end_date"],
        )
        return f"{membership.user.get_full_name()} has left {team.name}"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=back,
        heading=f"End {membership.user.get_full_name()}'s membership of {team.name}",
        submit="End membership",
        back_url=back,
    )
