from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from teams.selectors import notifications_unread_count

from .navigation import nav_items_for


def _unread_notifications(request: HttpRequest) -> int:
    """The header's unread count: one indexed count, run only when a page renders the header
    and at most once per request."""
    count = getattr(request, "_unread_notifications", None)
    if count is None:
        count = notifications_unread_count(request.user)  # type: ignore[arg-type]
        request._unread_notifications = count  # type: ignore[attr-defined]
    return count


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
        # A callable, so the query runs only if the template shows the count.
        context["unread_notifications"] = partial(_unread_notifications, request)
        context["session_timeout"] = {
            "idle": settings.SESSION_IDLE_TIMEOUT_SECONDS,
            "warning": settings.SESSION_WARNING_SECONDS,
            "warning_minutes": max(1, settings.SESSION_WARNING_SECONDS // 60),
        }
    return context
