"""The family page and the forms that change a family's case."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from cases.clocks.registry import family_panels
from cases.genogram.family import family_genogram_svg
from cases.loader import load_family
from safeguarding.lib.pages import (
    apply_service_errors,
    render_form,
    require,
    signed_in_user,
    submit_form,
)

from .. import services
from ..forms import (
    AllocationForm,
    ChronologyFilterForm,
    CloseForm,
    EndDateForm,
    FamilyMemberForm,
    RelationshipForm,
    ReopenForm,
    ReviewConferenceForm,
    ShareForm,
    StatusForm,
    TransferForm,
    WarningForm,
)
from ..models import (
    Allocation,
    ChildStatus,
    Person,
    Warning,
)
from ..policies import lead_workers_in, share_recipients, transfer_destinations_for
from ..selectors import (
    code_labels_for,
    current_adults,
    current_children,
    current_members,
    family_view,
    team_workers,
)
from ..validators import validate_nhs_number


def _family_url(family_pk: int) -> str:
    return reverse("cases:family", args=[family_pk])


@require_safe
@login_required
def family_detail(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk, audit=True)
    filter_form = ChronologyFilterForm(request.GET or None)
    kind = filter_form.cleaned_data["kind"] if filter_form.is_valid() else ""
    view = family_view(ctx.case, chronology_kind=kind, warnings=ctx.warnings)
    labels = code_labels_for("cp_category", "lac_legal_status", "referral_source", "closure_reason")
    return render(
        request,
        "cases/family_detail.html",
        {
            "ctx": ctx,
            "view": view,
            "filter_form": filter_form,
            "genogram": family_genogram_svg(view.members, view.relationships),
            "cp_categories": labels["cp_category"],
            "legal_statuses": labels["lac_legal_status"],
            "referral_sources": labels["referral_source"],
            "closure_reasons": labels["closure_reason"],
            "panels": [
                # No request: panels need no context processors, so none re-run per panel.
                render_to_string(panel.template, {"today": timezone.localdate(), **panel.context})
                for panel in family_panels(signed_in_user(request), ctx.case)
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_add(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record and ctx.case.is_open)
    user = signed_in_user(request)
    form = FamilyMemberForm(request.POST or None)
    candidates: list[Person] = []
    if form.is_valid():
        try:
            existing = form.cleaned_data["existing_nhs_number"].strip()
            if existing:
                person = (
                    Person.objects.visible_to(user)
                    .filter(nhs_number=validate_nhs_number(existing))
                    .first()
                )
                if person is None:
                    raise ValidationError(
                        {
                            "existing_nhs_number": "No one you can see has this NHS number. Enter their details below instead"
                        }
                    )
            else:
                person = services.person_create(
                    actor=user,
                    details=form.person_details(),
                    confirmed_new=form.cleaned_data["confirmed_new"],
                )
            services.family_member_add(
                actor=user,
                case=ctx.case,
                person=person,
                household_role=form.cleaned_data["household_role"],
            )
        except services.DuplicatePersonError as exc:
            candidates = exc.candidates
            form.add_error("nhs_number" if exc.blocking else "confirmed_new", exc.messages[0])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{person.full_name} added to the family")
            return redirect(_family_url(family_pk))
    return render_form(
        request,
        form=form,
        ctx=ctx,
        heading="Add a family member",
        submit="Add to the family",
        back_url=_family_url(family_pk),
        extra={"candidates": candidates},
    )


@require_http_methods(["GET", "POST"])
@login_required
def relationship_add(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record)
    members = current_members(ctx.family.pk)
    form = RelationshipForm(request.POST or None, members=members)

    def save(data: dict[str, Any]) -> str:
        services.relationship_add(
            actor=signed_in_user(request),
            case=ctx.case,
            from_person=form.people[data["from_person"]],
            to_person=form.people[data["to_person"]],
            kind=data["kind"],
        )
        return "Relationship added"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading="Add a relationship",
        submit="Add relationship",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def allocate(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_manage and ctx.case.is_open)
    adults = current_adults(ctx.family.pk)
    form = AllocationForm(
        request.POST or None, workers=team_workers(ctx.family.owning_team), adults=adults
    )

    def save(data: dict[str, Any]) -> str:
        allocation = services.allocation_start(
            actor=signed_in_user(request),
            case=ctx.case,
            worker=form.workers[data["worker"]],
            adult=form.adults.get(data["adult"] or ""),
            start_date=data["start_date"],
        )
        return f"{allocation.worker.get_full_name()} allocated"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading="Allocate a worker",
        submit="Allocate",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def allocation_end(request: HttpRequest, family_pk: int, allocation_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_manage)
    allocation = get_object_or_404(
        Allocation.objects.select_related("worker", "case"), pk=allocation_pk, case=ctx.case
    )
    form = EndDateForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        services.allocation_end(
            actor=signed_in_user(request),
            allocation=allocation,
            end_date=data["end_date"],
        )
        return f"{allocation.worker.get_full_name()} is no longer allocated"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading=f"End {allocation.worker.get_full_name()}'s allocation",
        submit="End allocation",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def transfer(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_manage and ctx.case.is_open)
    user = signed_in_user(request)
    teams = transfer_destinations_for(user, ctx.case)
    form = TransferForm(request.POST or None, teams=teams, workers=lead_workers_in(teams))

    def save(data: dict[str, Any]) -> str:
        services.case_transfer(
            actor=user,
            case=ctx.case,
            to_team=data["to_team"],
            lead_social_worker=data["lead_social_worker"],
        )
        return f"Family transferred to {data['to_team'].name}"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=reverse("cases:caseload"),
        ctx=ctx,
        heading="Transfer to another team",
        submit="Transfer",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def close(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_manage and ctx.case.is_open)
    form = CloseForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        services.case_close(
            actor=signed_in_user(request),
            case=ctx.case,
            closed_date=data["closed_date"],
            closure_reason=data["closure_reason"],
            note=data["note"],
        )
        return "Case closed"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading="Close the case",
        submit="Close case",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def reopen(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_manage and not ctx.case.is_open)
    form = ReopenForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        services.case_reopen(actor=signed_in_user(request), case=ctx.case, reason=data["reason"])
        return "Case reopened"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading="Reopen the case",
        submit="Reopen case",
        back_url=_family_url(family_pk),
        intro="Reopen only a case that was closed by mistake. A new referral opens a new case.",
    )


@require_http_methods(["GET", "POST"])
@login_required
def status_add(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record and ctx.case.is_open)
    children = current_children(ctx.family.pk)
    form = StatusForm(
        request.POST or None,
        children=children,
        # The work tray links here with the child and the status to record (an ICPC's plan).
        initial={"person": request.GET.get("person", ""), "kind": request.GET.get("kind", "")},
    )

    def save(data: dict[str, Any]) -> str:
        status = services.child_status_start(
            actor=signed_in_user(request),
            case=ctx.case,
            person=form.children[data["person"]],
            kind=data["kind"],
            start_date=data["start_date"],
            cp_category=data["cp_category"],
            legal_status=data["legal_status"],
            strategy_discussion_date=data["strategy_discussion_date"],
            icpc_date=data["icpc_date"],
        )
        return f"{status.get_kind_display()} recorded for {status.person.full_name}"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading="Record a child's status",
        submit="Save status",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def status_end(request: HttpRequest, family_pk: int, status_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record)
    status = get_object_or_404(
        ChildStatus.objects.select_related("person", "case"), pk=status_pk, case__family=ctx.family
    )
    form = EndDateForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        services.child_status_end(
            actor=signed_in_user(request), status=status, end_date=data["end_date"]
        )
        return f"{status.get_kind_display()} ended for {status.person.full_name}"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading=f"End the {status.get_kind_display().lower()} for {status.person.full_name}",
        submit="End status",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def warning_add(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record)
    members = current_members(ctx.family.pk)
    form = WarningForm(request.POST or None, members=members)

    def save(data: dict[str, Any]) -> str:
        services.warning_add(
            actor=signed_in_user(request),
            case=ctx.case,
            kind=data["kind"],
            details=data["details"],
            review_date=data["review_date"],
            person=form.people.get(data["person"] or ""),
        )
        return "Warning added. It shows on every page of this family"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading="Add a warning",
        submit="Add warning",
        back_url=_family_url(family_pk),
    )


@require_http_methods(["POST"])
@login_required
def warning_end(request: HttpRequest, family_pk: int, warning_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record)
    warning = get_object_or_404(Warning, pk=warning_pk, family=ctx.family)
    try:
        services.warning_end(actor=signed_in_user(request), case=ctx.case, warning=warning)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Warning removed")
    return redirect(_family_url(family_pk))


@require_http_methods(["GET", "POST"])
@login_required
def share(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_share)
    user = signed_in_user(request)
    reviewers = share_recipients()
    form = ShareForm(request.POST or None, users=reviewers)
    if request.method == "POST" and "revoke" in request.POST:
        revoked = get_object_or_404(reviewers, pk=request.POST.get("revoke"))
        services.case_unshare(actor=user, case=ctx.case, user=revoked)
        messages.success(request, f"{revoked.get_full_name()} can no longer read this case")
        return redirect(_family_url(family_pk))

    def save(data: dict[str, Any]) -> str:
        services.case_share(actor=user, case=ctx.case, user=data["user"])
        return f"{data['user'].get_full_name()} can now read this case"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading="Share the case read-only",
        submit="Share",
        back_url=_family_url(family_pk),
        intro="An independent reviewing officer or conference chair can read this case, without changing it, until you stop sharing it.",
    )


@require_http_methods(["GET", "POST"])
@login_required
def review_conference(request: HttpRequest, family_pk: int, status_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(ctx.perms.can_record)
    status = get_object_or_404(
        ChildStatus.objects.select_related("person", "case"),
        pk=status_pk,
        case__family=ctx.family,
        kind="cp_plan",
    )
    form = ReviewConferenceForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        conference = services.review_conference_record(
            actor=signed_in_user(request),
            status=status,
            held_on=data["held_on"],
            next_review_date=data["next_review_date"],
        )
        return "Review conference recorded" + (
            "" if conference.on_time else f". It was due by {conference.due_by:%-d %B %Y}"
        )

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=_family_url(family_pk),
        ctx=ctx,
        heading=f"Record a review conference for {status.person.full_name}",
        submit="Save",
        back_url=_family_url(family_pk),
    )
