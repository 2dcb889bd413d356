"""The triage queue: police notifications that matched no single open family, for team
standards coordinators and managers to match to a family or dismiss."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from cases.forms import TriageDismissForm, TriageMatchForm
from cases.models import DismissalReason, Family, NotificationStatus, PartnerNotification
from cases.partners import services as partner_services
from cases.policies import can_triage_notifications
from cases.selectors import (
    TRIAGE_PAGE_SIZE,
    TRIAGE_RECENT_DAYS,
    TriageSuggestions,
    notification_for_triage,
    notification_people,
    notification_possible_matches,
    notifications_awaiting_triage,
    notifications_triaged_count,
)
from cases.views.people import _audit_search_results  # the search page's read audit, reused as is
from safeguarding.lib.pages import apply_service_errors, require, signed_in_user
from teams.models import User

MATCH = "match"
DISMISS = "dismiss"


@require_safe
@login_required
def triage_list(request: HttpRequest) -> HttpResponse:
    require(can_triage_notifications(signed_in_user(request)))
    page = Paginator(notifications_awaiting_triage(), TRIAGE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/triage_list.html",
        {
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_ends=1),
            "ellipsis": Paginator.ELLIPSIS,
            "triaged_recently": notifications_triaged_count(),
            "recent_days": TRIAGE_RECENT_DAYS,
        },
    )


def _match(user: User, notification: PartnerNotification, form: TriageMatchForm) -> Family | None:
    """Match through the service; on a refusal, put its errors on the form and return None."""
    data = form.cleaned_data
    # The field the coordinator named the family with, so the error sits next to it.
    field = "family_reference" if data["typed_reference"] else "family"
    family = Family.objects.filter(pk=data["family_pk"]).first()
    try:
        if family is None:
            # The service's words for a family the user cannot see, so that the answer does
            # not tell a coordinator which references exist in other teams.
            raise ValidationError({"family": "Choose a family you can see"})
        partner_services.partner_notification_match(
            actor=user, notification=notification, family=family
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "family" in exc.error_dict:
            exc = ValidationError(
                {(field if name == "family" else name): e for name, e in exc.error_dict.items()}
            )
        apply_service_errors(form, exc)
        return None
    return family


def _dismiss(user: User, notification: PartnerNotification, form: TriageDismissForm) -> bool:
    try:
        partner_services.partner_notification_dismiss(
            actor=user,
            notification=notification,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return False
    return True


@require_http_methods(["GET", "POST"])
@login_required
def triage_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One notification: what the police sent, people the coordinator can see who may be the
    people named, and the two ways to deal with it. Once dealt with, the outcome, read-only."""
    user = signed_in_user(request)
    require(can_triage_notifications(user))
    notification = notification_for_triage(user, public_id)
    if notification is None:
        raise Http404("No notification found")
    waiting = notification.status == NotificationStatus.AWAITING_TRIAGE
    if request.method == "POST" and not waiting:
        # A second tab, or a colleague got there first: show what was done instead.
        messages.info(request, "This notification has already been dealt with")
        return redirect("cases:triage-detail", public_id=notification.public_id)
    action = request.POST.get("action") if request.method == "POST" else None
    suggestions = (
        notification_possible_matches(user, notification)
        if waiting
        else TriageSuggestions(matches=[], open_families=[])
    )
    match_form = TriageMatchForm(
        request.POST if action == MATCH else None, families=suggestions.open_families, prefix=MATCH
    )
    dismiss_form = TriageDismissForm(request.POST if action == DISMISS else None, prefix=DISMISS)

    if action == MATCH and match_form.is_valid():
        family = _match(user, notification, match_form)
        if family is not None:
            messages.success(
                request,
                f"Notification {notification.reference} matched to {family.reference}. "
                "It is on the family's chronology",
            )
            return redirect("cases:triage")
    elif (
        action == DISMISS and dismiss_form.is_valid() and _dismiss(user, notification, dismiss_form)
    ):
        label = DismissalReason(dismiss_form.cleaned_data["reason"]).label.lower()
        messages.success(request, f"Notification {notification.reference} dismissed: {label}")
        return redirect("cases:triage")

    # The possible matches show names, dates of birth and NHS numbers: audited like search.
    _audit_search_results(user, [*suggestions.matches])
    context: dict[str, Any] = {
        "notification": notification,
        "waiting": waiting,
        "people": notification_people(notification),
        "matches": suggestions.matches,
        "match_form": match_form,
        "dismiss_form": dismiss_form,
    }
    bound_with_errors = any(f.is_bound and f.errors for f in (match_form, dismiss_form))
    return render(
        request,
        "cases/triage_detail.html",
        context,
        status=400 if bound_with_errors or (request.method == "POST" and action is None) else 200,
    )
