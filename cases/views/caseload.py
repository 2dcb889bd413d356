"""My caseload and the team caseload."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from safeguarding.lib.pages import signed_in_user

from ..forms import TeamCaseloadFilterForm
from ..policies import teams_managed_by, teams_visible_to
from ..selectors import caseload_for_worker, code_labels, team_caseload, team_workers


@require_safe
@login_required
def my_caseload(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rows = caseload_for_worker(user)
    return render(
        request,
        "cases/caseload.html",
        {
            "rows": rows,
            "today": timezone.localdate(),
            "managed_teams": list(teams_managed_by(user)),
            "cp_categories": code_labels("cp_category"),
        },
    )


@require_safe
@login_required
def team_caseload_view(request: HttpRequest, team_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    team = teams_visible_to(user).filter(slug=team_slug).first()
    if team is None:
        raise Http404("No team found")
    if not teams_managed_by(user).filter(pk=team.pk).exists():
        raise PermissionDenied
    workers = team_workers(team)
    form = TeamCaseloadFilterForm(request.GET or None, workers=workers)
    worker = None
    status = ""
    if form.is_valid():
        worker = form.workers.get(form.cleaned_data["worker"] or "")
        status = form.cleaned_data["status"]
    rows = team_caseload(user, team, worker=worker, status_kind=status)
    return render(
        request,
        "cases/team_caseload.html",
        {
            "team": team,
            "rows": rows,
            "form": form,
            "today": timezone.localdate(),
            "cp_categories": code_labels("cp_category"),
        },
    )
