"""A user's own notifications: the list, opening one, marking them read, and email settings.

Every lookup is scoped to the signed-in user, so somebody else's notification answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from safeguarding.lib.pages import signed_in_user

from .forms import NotificationSettingsForm
from .models import Notification
from .notifications import (
    notification_mark_read,
    notification_settings_update,
    notifications_mark_all_read,
)
from .selectors import notifications_for_user

NOTIFICATIONS_PAGE_SIZE = 25


def _own(request: HttpRequest, notification_pk: int) -> Notification:
    return get_object_or_404(Notification, pk=notification_pk, user=signed_in_user(request))


def _back_to_list(request: HttpRequest) -> HttpResponseRedirect:
    url = reverse("teams:notifications")
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() and page != "1" else url)


@require_safe
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        notifications_for_user(signed_in_user(request)), NOTIFICATIONS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/notification_list.html",
        {
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_ends=1),
            "ellipsis": Paginator.ELLIPSIS,
        },
    )


@require_safe
@login_required
def notification_open(request: HttpRequest, notification_pk: int) -> HttpResponse:
    """The link in the list and in emails: mark it read, then go to what it is about."""
    notification = notification_mark_read(
        user=signed_in_user(request), notification=_own(request, notification_pk)
    )
    # ``notify`` only stores paths in this service; checked again so this can never become an
    # open redirect.
    if not url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("teams:notifications")
    return HttpResponseRedirect(notification.url)


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_pk: int) -> HttpResponse:
    notification_mark_read(
        user=signed_in_user(request), notification=_own(request, notification_pk)
    )
    return _back_to_list(request)


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    if notifications_mark_all_read(user=signed_in_user(request)):
        messages.success(request, "All your notifications are marked as read")
    return _back_to_list(request)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"notification_email": user.notification_email},
    )
    if request.method == "POST" and form.is_valid():
        notification_settings_update(
            user=user, notification_email=form.cleaned_data["notification_email"]
        )
        messages.success(request, "Your notification settings have been saved")
        return redirect("teams:notifications")
    return render(request, "teams/notification_settings.html", {"form": form})
