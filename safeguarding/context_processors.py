from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .navigation import nav_items_for


def service(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "council_name": settings.COUNCIL_NAME,
        "service_name": settings.SERVICE_NAME,
        "today": timezone.localdate(),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        match = getattr(request, "resolver_match", None)
        context["nav_items"] = nav_items_for(user, match.view_name if match else None, request)
    return context
