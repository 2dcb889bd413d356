"""The floor a page is measured against: signed in (the same middleware, sessions, second
factor and base layout as every page), one row read by primary key, one template rendered."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from cases.models import Family


@require_safe
@login_required
def floor(request: HttpRequest, pk: int) -> HttpResponse:
    family = get_object_or_404(Family, pk=pk)
    return render(request, "bench/floor.html", {"family": family})
