"""Session lifetime: a 30-minute idle timeout (warned 2 minutes before), a 12-hour absolute
limit, and every session of a user ended at once when the user is deactivated.

- ``SessionLifetimeMiddleware`` signs out a session idle for longer than
  ``SESSION_IDLE_TIMEOUT_SECONDS`` or older than ``SESSION_ABSOLUTE_LIMIT_SECONDS``; the request
  then goes on as anonymous, so an autosave arriving after the timeout keeps its text for after
  signing in again (``workbook.views._keep_for_after_sign_in``) and a page asks to sign in.
- Every other request from a signed-in user is activity, except the timeout dialog's own status
  check, which must not keep an unattended session alive.
- ``UserSession`` rows name each signed-in session, so deactivating a user (in the admin or
  anywhere else) deletes their sessions from the session store at once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from .models import User, UserSession

SIGNED_IN_AT = "signed_in_at"
LAST_ACTIVITY = "last_activity"
SIGNED_OUT_REASON = "signed_out_reason"
# Writing the session on every request would be a database write per request: activity is
# recorded at most this often, which moves the timeout by no more than this many seconds.
ACTIVITY_RESOLUTION_SECONDS = 30


def _now() -> float:
    return time.time()


def seconds_left(request: HttpRequest) -> int:
    """Seconds until this session is signed out if nothing else happens."""
    now = _now()
    last = float(request.session.get(LAST_ACTIVITY, now))
    started = float(request.session.get(SIGNED_IN_AT, now))
    idle_left = settings.SESSION_IDLE_TIMEOUT_SECONDS - (now - last)
    absolute_left = settings.SESSION_ABSOLUTE_LIMIT_SECONDS - (now - started)
    return max(0, int(min(idle_left, absolute_left)))


def _expired(request: HttpRequest) -> str:
    now = _now()
    last = request.session.get(LAST_ACTIVITY)
    started = request.session.get(SIGNED_IN_AT)
    if started is not None and now - float(started) > settings.SESSION_ABSOLUTE_LIMIT_SECONDS:
        return "absolute"
    if last is not None and now - float(last) > settings.SESSION_IDLE_TIMEOUT_SECONDS:
        return "idle"
    return ""


class SessionLifetimeMiddleware:
    """After AuthenticationMiddleware: enforce the idle and absolute limits, record activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.status_path = reverse("teams:session-status")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = _expired(request)
            if reason:
                logout(request)
                request.session[SIGNED_OUT_REASON] = reason
            elif request.path != self.status_path:
                now = _now()
                last = float(request.session.get(LAST_ACTIVITY, 0))
                if now - last >= ACTIVITY_RESOLUTION_SECONDS:
                    request.session[LAST_ACTIVITY] = now
                request.session.setdefault(SIGNED_IN_AT, now)
        return self.get_response(request)


def timeout_messages(request: HttpRequest) -> str:
    """Why the last session ended, once, for the sign-in page."""
    reason = request.session.pop(SIGNED_OUT_REASON, "")
    if reason == "idle":
        idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
        span = f"{idle // 60} minutes" if idle >= 120 else f"{idle} seconds"
        return (
            f"You were signed out because you did nothing for {span}. "
            "Sign in again to carry on: anything you were typing has been kept."
        )
    if reason == "absolute":
        hours = settings.SESSION_ABSOLUTE_LIMIT_SECONDS // 3600
        return f"You were signed out because you had been signed in for {hours} hours."
    return ""


# --- the timeout dialog's endpoints ------------------------------------------------------------


@require_safe
def session_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left; does not count as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    return JsonResponse({"signed_in": True, "seconds_left": seconds_left(request)})


@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": the request itself is activity (recorded by the middleware)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0}, status=401)
    request.session[LAST_ACTIVITY] = _now()
    return JsonResponse({"signed_in": True, "seconds_left": seconds_left(request)})


# --- which sessions a user has, so deactivation can end them ----------------------------------


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


@receiver(user_logged_in, dispatch_uid="teams.sessions.record_session")
def _record_session(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    now = _now()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVITY] = now
    if request.session.session_key is None:
        request.session.save()
    # Sessions past the absolute limit have ended on their own: forget them as we go.
    UserSession.objects.filter(
        user=user,
        created_at__lt=timezone.now()
        - dt.timedelta(seconds=settings.SESSION_ABSOLUTE_LIMIT_SECONDS),
    ).delete()
    UserSession.objects.get_or_create(user=user, session_key=request.session.session_key)


@receiver(user_logged_out, dispatch_uid="teams.sessions.forget_session")
def _forget_session(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None and request.session.session_key:
        UserSession.objects.filter(user=user, session_key=request.session.session_key).delete()


def end_all_sessions(user: User) -> int:
    """Delete every session the user has signed in with; returns how many."""
    store = _session_store()
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@receiver(post_save, sender=User, dispatch_uid="teams.sessions.deactivated")
def _end_sessions_of_deactivated_user(sender: Any, instance: User, **kwargs: Any) -> None:
    if not instance.is_active:
        end_all_sessions(instance)
