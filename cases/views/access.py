"""Who viewed a record, emergency (break-glass) access and its review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from cases.audit.selectors import emergency_grants_awaiting_review
from cases.loader import FamilyContext, load_family
from safeguarding.lib.pages import apply_service_errors, render_form, require, signed_in_user

from .. import services
from ..forms import EmergencyAccessForm, GrantReviewForm
from ..models import AccessGrant, Case, Family
from ..policies import (
    can_audit,
    can_request_emergency_access,
    can_review_emergency_access,
    cases_visible_to,
)
from ..selectors import (
    access_log_for_family,
    emergency_grants_for_review,
)


@require_safe
@login_required
def access_log(request: HttpRequest, family_pk: int) -> HttpResponse:
    """Who has viewed this family's records. Team managers see their teams' families;
    auditors see any family, by reference, without its content."""
    user = signed_in_user(request)
    ctx: FamilyContext | None
    try:
        ctx = load_family(user, family_pk)
    except Http404:
        ctx = None
    if ctx is not None:
        require(ctx.perms.can_view_access_log)
        family = ctx.family
    elif can_audit(user):
        family = get_object_or_404(Family, pk=family_pk)
    else:
        return render(request, "404.html", status=404)
    return render(
        request,
        "cases/access_log.html",
        {"ctx": ctx, "family": family, "rows": access_log_for_family(family)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def emergency_access(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can_request_emergency_access(user):
        raise PermissionDenied
    form = EmergencyAccessForm(request.POST or None)
    if form.is_valid():
        family_pk = form.cleaned_data["family_reference"]
        if cases_visible_to(user).filter(family_id=family_pk).exists():
            return redirect("cases:family", family_pk=family_pk)
        # The open case if there is one ("open" sorts after "closed"), else the latest.
        case = (
            Case.objects.filter(family_id=family_pk).order_by("-status", "-referral_date").first()
        )
        if case is None:
            form.add_error(
                "family_reference", "No family has this reference. Check it and try again"
            )
        else:
            try:
                services.access_grant_request(
                    actor=user,
                    case=case,
                    reason=form.cleaned_data["reason"],
                    hours=form.cleaned_data["hours"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, "Emergency access given. The family's team manager has been told"
                )
                return redirect("cases:family", family_pk=family_pk)
    return render_form(
        request,
        form=form,
        heading="Emergency access to a family's record",
        submit="Get emergency access",
        back_url=reverse("home"),
        intro=(
            "Use this only when a child may be at risk and the family's own team cannot be reached. "
            "Access is read-only, lasts at most 4 hours, and is reviewed by the family's team manager."
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def emergency_access_review(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can_review_emergency_access(user):
        raise PermissionDenied
    grants = emergency_grants_for_review(user)
    form = GrantReviewForm(request.POST or None)
    if request.method == "POST":
        grant = get_object_or_404(grants, pk=request.POST.get("grant"))
        if form.is_valid():
            try:
                services.access_grant_review(
                    actor=user, grant=grant, outcome=form.cleaned_data["outcome"]
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
            else:
                messages.success(request, "Review recorded")
            return redirect("cases:emergency-access-review")
        messages.error(request, "Enter the review outcome")
        return redirect("cases:emergency-access-review")
    auditing = can_audit(user)
    return render(
        request,
        "cases/emergency_access_review.html",
        {
            "grants": list(grants[:200]),
            "form": form,
            # Auditors reach this page from the audit pages, whose navigation it shows.
            "auditing": auditing,
            "awaiting_review": emergency_grants_awaiting_review(user) if auditing else 0,
        },
    )


__all__ = ["AccessGrant", "access_log", "emergency_access", "emergency_access_review"]
