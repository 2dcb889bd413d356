"""Pages that belong to the whole service rather than one app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from teams.selectors import home_summary_for_user


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    summary = home_summary_for_user(request.user)  # type: ignore[arg-type]
    return render(request, "pages/home.html", {"summary": summary})


@require_safe
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


@require_safe
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")
