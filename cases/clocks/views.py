"""The work tray, the team view of it, and the two forms that discharge clocks nothing else
records: the first core group of a child protection plan and a warning's review."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from cases import services
from cases.clocks.tray import team_tray, tray_for_user
from cases.forms import CoreGroupForm, WarningReviewForm
from cases.loader import load_family
from cases.models import ChildStatus, StatusKind, Warning
from cases.policies import teams_managed_by, teams_visible_to
from safeguarding.lib.pages import require, signed_in_user, submit_form


@require_safe
@login_required
def my_tray(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "cases/tray.html",
        {"tray": tray_for_user(user), "managed_teams": list(teams_managed_by(user))},
    )


@require_safe
@login_required
def team_tray_view(request: HttpRequest, team_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    team = teams_visible_to(user).select_related("service").filter(slug=team_slug).first()
    if team is None:
        raise Http404("No team found")
    if not teams_managed_by(user).filter(pk=team.pk).exists():
        raise PermissionDenied
    view = team_tray(user, team)
    return render(
        request,
        "cases/team_tray.html",
        {
            "view": view,
            # No request: panels need no context processors, so none re-run per panel.
            "panels": [render_to_string(panel.template, panel.context) for panel in view.panels],
        },
    )


def _family_url(family_pk: int) -> str:
    return reverse("cases:family", args=[family_pk])


@require_http_methods(["GET", "POST"])
@login_required
def core_group(request: HttpRequest, family_pk: int, status_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record)
    status = get_object_or_404(
        ChildStatus.objects.select_related("person", "case"),
        pk=status_pk,
        case__family=ctx.family,
        kind=StatusKind.CP_PLAN,
        end_date__isnull=True,
    )
    form = CoreGroupForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        services.child_status_update(
            actor=signed_in_user(request), status=status, first_core_group_date=data["held_on"]
        )
        return "First core group meeting recorded"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading=f"Record the first core group for {status.person.full_name}",
        intro="The core group first meets within 10 working days of the initial child protection conference.",
        submit="Save",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def warning_review(request: HttpRequest, family_pk: int, warning_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record)
    warning = get_object_or_404(
        Warning.objects.select_related("person"),
        pk=warning_pk,
        family=ctx.family,
        ended_at__isnull=True,
    )
    form = WarningReviewForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        services.warning_review(
            actor=signed_in_user(request),
            case=ctx.case,
            warning=warning,
            review_date=data["review_date"],
        )
        return "Warning reviewed"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading=f"Review the warning: {warning.get_kind_display().lower()}",
        intro=f"{warning.details} If it no longer applies, remove it from the family page instead.",
        submit="Save review",
        back_url=_family_url(family_pk),
    )
