"""Group supervision pages: the due list, scheduling, the agenda and live record, sign-off,
actions, and the record's PDF."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.loader import RecordContext, load_family, load_record
from cases.models import AccessAction, Person, RecordType
from cases.selectors import team_workers_queryset
from safeguarding.forms import GovukDateField, set_choices, set_queryset
from safeguarding.lib.pages import require, signed_in_user, submit_form
from teams.models import User

from . import services
from .charts import risk_chart_svg
from .models import (
    AttendanceStatus,
    GroupSupervision,
    PdfStatus,
    SupervisionAction,
    SupervisionRevision,
)
from .policies import (
    ActionPermissions,
    SupervisionPermissions,
    action_permissions,
    can_schedule,
    chair_candidates,
    supervision_permissions,
)
from .selectors import (
    action_records_for,
    actions_for,
    agenda_for,
    attendance_for,
    my_actions,
    risk_trend,
    supervision_records_for,
    supervisions_due_for,
    supervisions_for_case,
)
from .services import pdf_path

# A supervision the user may see, its case, and what they may do with it.
SupervisionContext = RecordContext[GroupSupervision, SupervisionPermissions]


class ScheduleForm(forms.Form):
    scheduled_for = GovukDateField(label="Date of the supervision")
    chair = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Chair", empty_label="Choose a chair"
    )

    def __init__(self, *args: Any, chairs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["chair"], chairs)


class RescheduleForm(forms.Form):
    to_date = GovukDateField(label="New date")
    reason = forms.CharField(label="Why is it moving?", max_length=300)


class ActionForm(forms.Form):
    description = forms.CharField(
        label="Action", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Owner", empty_label="Choose who will do it"
    )
    due_date = GovukDateField(label="Due date")
    children = forms.MultipleChoiceField(
        label="Which children", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, owners: Any, children: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["owner"], owners)
        set_choices(self.fields["children"], [(str(c.pk), c.full_name) for c in children])
        self.people = {str(c.pk): c for c in children}


class CompleteActionForm(forms.Form):
    note = forms.CharField(
        label="What was done?", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


def _context(
    request: HttpRequest,
    supervision_pk: int,
    *,
    audit: bool = False,
    action: AccessAction = AccessAction.VIEW,
    ready_pdf: bool = False,
) -> tuple[GroupSupervision, SupervisionContext]:
    """The supervision (404 unless the user may see it) and what they may do with it;
    ``audit`` writes the read to the family's access log. ``ready_pdf``: only a supervision
    whose PDF is made (404 otherwise)."""
    user = signed_in_user(request)
    rows = supervision_records_for(user)
    if ready_pdf:
        rows = rows.filter(pdf__status=PdfStatus.DONE, pdf__stored_name__gt="").select_related(
            "pdf"
        )
    ctx: SupervisionContext = load_record(
        user,
        rows,
        supervision_pk,
        case_path="case",
        permissions=supervision_permissions,
        audit=RecordType.SUPERVISION if audit else None,
        action=action,
    )
    return ctx.record, ctx


def _record_from_post(
    post: Any, agenda: Any, attendance: list[Any]
) -> tuple[dict[str, Any], dict[int, str]]:
    record: dict[str, Any] = {name: post.get(name, "") for name in services.RECORD_TEXT_FIELDS}
    record["worker_updates"] = {
        str(a.user_id): post.get(f"update_{a.user_id}", "") for a in attendance
    }
    record["risk"] = {
        str(child.pk): {
            "scale": post.get(f"risk_{child.pk}", ""),
            "rationale": post.get(f"rationale_{child.pk}", ""),
        }
        for child in agenda.children
    }
    record["readiness"] = {
        str(adult.pk): post.get(f"readiness_{adult.pk}", "") for adult in agenda.adults
    }
    marks = {
        a.user_id: post.get(f"attendance_{a.user_id}", "")
        for a in attendance
        if post.get(f"attendance_{a.user_id}")
    }
    return record, marks


@require_safe
@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "supervision/due_list.html",
        {"due": supervisions_due_for(signed_in_user(request)), "today": timezone.localdate()},
    )


@require_safe
@login_required
def family_supervisions(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    trend = risk_trend(ctx.case)
    people = Person.objects.in_bulk(list(trend))
    charts = [
        (people[pk], points, risk_chart_svg(people[pk].given_name, points))
        for pk, points in trend.items()
        if pk in people
    ]
    return render(
        request,
        "supervision/family_supervisions.html",
        {
            "ctx": ctx,
            "supervisions": supervisions_for_case(ctx.case),
            "charts": charts,
            "can_schedule": can_schedule(ctx.perms, ctx.case),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def schedule(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    require(can_schedule(ctx.perms, ctx.case))
    form = ScheduleForm(
        request.POST or None,
        chairs=chair_candidates(ctx.family.owning_team),
        initial={"scheduled_for": timezone.localdate() + services.supervision_interval()},
    )

    def save(data: dict[str, Any]) -> str:
        supervision = services.supervision_schedule(
            actor=signed_in_user(request),
            case=ctx.case,
            scheduled_for=data["scheduled_for"],
            chair=data["chair"],
        )
        return f"Supervision scheduled for {supervision.scheduled_for:%-d %B %Y}"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=reverse("supervision:family", kwargs={"family_pk": family_pk}),
        ctx=ctx,
        heading="Schedule group supervision",
        submit="Schedule",
        back_url=reverse("supervision:family", args=[family_pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
def reschedule(request: HttpRequest, supervision_pk: int) -> HttpResponse:
    supervision, ctx = _context(request, supervision_pk)
    require(ctx.can.can_reschedule)
    form = RescheduleForm(request.POST or None, initial={"to_date": supervision.scheduled_for})

    def save(data: dict[str, Any]) -> str:
        services.supervision_reschedule(
            actor=signed_in_user(request),
            supervision=supervision,
            to_date=data["to_date"],
            reason=data["reason"],
        )
        return "Supervision rescheduled"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=reverse("supervision:detail", kwargs={"supervision_pk": supervision.pk}),
        ctx=ctx,
        heading="Reschedule group supervision",
        submit="Reschedule",
        back_url=reverse("supervision:detail", args=[supervision.pk]),
    )


def _render_detail(
    request: HttpRequest,
    supervision: GroupSupervision,
    ctx: SupervisionContext,
    *,
    status: int = 200,
    record: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    agenda = agenda_for(supervision)
    attendance = attendance_for(supervision)
    record = record if record is not None else supervision.record
    action_form = ActionForm(
        owners=team_workers_queryset(ctx.family.owning_team),
        children=agenda.children,
        initial={"due_date": supervision.scheduled_for},
    )
    return render(
        request,
        "supervision/detail.html",
        {
            "ctx": ctx,
            "supervision": supervision,
            "agenda": agenda,
            "attendance": attendance,
            "record": record,
            "errors": errors or {},
            "actions": actions_for(supervision),
            "action_form": action_form,
            "attendance_choices": [
                (AttendanceStatus.PRESENT, "Present"),
                (AttendanceStatus.APOLOGIES, "Apologies"),
            ],
            "today": timezone.localdate(),
            "editor_token": request.POST.get("editor_token") or uuid.uuid4().hex,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def detail(request: HttpRequest, supervision_pk: int) -> HttpResponse:
    # Reading the page is audited; saving the record is a write, not a read.
    supervision, ctx = _context(request, supervision_pk, audit=request.method == "GET")
    user = signed_in_user(request)
    if request.method == "GET":
        return _render_detail(request, supervision, ctx)
    require(ctx.can.can_record)
    agenda = agenda_for(supervision)
    attendance = services.supervision_attendance_sync(supervision)
    record, marks = _record_from_post(request.POST, agenda, attendance)
    base = request.POST.get("base_version", "")
    if not base.isdigit():
        return HttpResponse(
            "The form was missing its version. Reload the page: your last save is kept.", status=400
        )
    try:
        result = services.supervision_record_save(
            actor=user,
            supervision_id=supervision.pk,
            record=record,
            attendance=marks,
            base_version=int(base),
            editor_token=request.POST.get("editor_token", ""),
        )
    except services.SupervisionLockedError as exc:
        messages.error(request, exc.messages[0])
        return redirect("supervision:detail", supervision_pk=supervision.pk)
    except ValidationError as exc:
        return _render_detail(
            request, supervision, ctx, status=400, record=record, errors=exc.message_dict
        )
    if result.conflict is not None:
        return redirect(
            "supervision:conflict", supervision_pk=supervision.pk, revision_pk=result.conflict.pk
        )
    messages.success(
        request, f"Record saved at {timezone.localtime(result.supervision.updated_at):%H:%M}"
    )
    return redirect("supervision:detail", supervision_pk=supervision.pk)


@require_POST
@login_required
def autosave(request: HttpRequest, supervision_pk: int) -> HttpResponse:
    supervision, ctx = _context(request, supervision_pk)
    user = signed_in_user(request)
    require(ctx.can.can_record)
    base = request.POST.get("base_version", "")
    if not base.isdigit():
        return HttpResponse(status=400)
    agenda = agenda_for(supervision)
    attendance = services.supervision_attendance_sync(supervision)
    record, marks = _record_from_post(request.POST, agenda, attendance)
    try:
        result = services.supervision_record_save(
            actor=user,
            supervision_id=supervision.pk,
            record=record,
            attendance=marks,
            base_version=int(base),
            editor_token=request.POST.get("editor_token", ""),
        )
    except ValidationError as exc:
        return render(
            request, "workbook/_save_status.html", {"error": exc.messages[0], "base_version": base}
        )
    if result.conflict is not None:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(
            "supervision:conflict", args=[supervision.pk, result.conflict.pk]
        )
        return response
    return render(
        request,
        "workbook/_save_status.html",
        {
            "saved_at": timezone.localtime(result.supervision.updated_at),
            "base_version": result.supervision.version,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def conflict(request: HttpRequest, supervision_pk: int, revision_pk: int) -> HttpResponse:
    supervision, ctx = _context(request, supervision_pk)
    user = signed_in_user(request)
    revision = get_object_or_404(
        SupervisionRevision,
        pk=revision_pk,
        supervision=supervision,
        saved_by=user,
        is_conflict=True,
    )
    if request.method == "POST" and not supervision.is_signed_off:
        require(ctx.can.can_record)
        result = services.supervision_record_save(
            actor=user,
            supervision_id=supervision.pk,
            record=revision.record,
            attendance={},
            base_version=int(request.POST.get("base_version", "0") or 0),
        )
        if result.conflict is not None:
            return redirect(
                "supervision:conflict",
                supervision_pk=supervision.pk,
                revision_pk=result.conflict.pk,
            )
        messages.success(request, "Your version is now the record. The other version is kept")
        return redirect("supervision:detail", supervision_pk=supervision.pk)
    labels = {
        "lived_experience": "The child's lived experience",
        "working_well": "What is working well",
        "worried_about": "What we are worried about",
        "hypotheses": "Hypotheses",
        "decisions": "Decisions",
    }
    pairs = [
        (label, revision.record.get(name, ""), supervision.record.get(name, ""))
        for name, label in labels.items()
    ]
    return render(
        request,
        "supervision/conflict.html",
        {
            "ctx": ctx,
            "supervision": supervision,
            "revision": revision,
            "pairs": pairs,
            "base_version": supervision.version,
        },
        status=409,
    )


@require_POST
@login_required
def action_add(request: HttpRequest, supervision_pk: int) -> HttpResponse:
    supervision, ctx = _context(request, supervision_pk)
    user = signed_in_user(request)
    require(ctx.can.can_add_action)
    agenda = agenda_for(supervision)
    form = ActionForm(
        request.POST, owners=team_workers_queryset(ctx.family.owning_team), children=agenda.children
    )
    if form.is_valid():
        try:
            services.action_add(
                actor=user,
                supervision=supervision,
                description=form.cleaned_data["description"],
                owner=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
                children=[form.people[c] for c in form.cleaned_data["children"]],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Action added")
    else:
        messages.error(
            request,
            "The action was not added: "
            + " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
    return redirect(reverse("supervision:detail", args=[supervision.pk]) + "#actions")


@require_POST
@login_required
def sign_off(request: HttpRequest, supervision_pk: int) -> HttpResponse:
    supervision, ctx = _context(request, supervision_pk)
    # Not ``can_sign_off``: the chair pressing the button again after it went through gets the
    # service's "already signed off" message, not a 403.
    require(ctx.can.signs_off)
    try:
        services.supervision_sign_off(actor=signed_in_user(request), supervision=supervision)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("supervision:detail", supervision_pk=supervision.pk)
    messages.success(
        request,
        "Supervision signed off. The decisions are in every child's chronology and the next supervision is scheduled",
    )
    return redirect("supervision:detail", supervision_pk=supervision.pk)


@require_safe
@login_required
def actions_mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "supervision/my_actions.html",
        {"actions": list(my_actions(signed_in_user(request))), "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def action_complete(request: HttpRequest, action_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    ctx: RecordContext[SupervisionAction, ActionPermissions] = load_record(
        user,
        action_records_for(user),
        action_pk,
        case_path="case",
        permissions=action_permissions,
    )
    action = ctx.record
    require(ctx.can.can_complete)
    form = CompleteActionForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        services.action_complete(actor=user, action=action, note=data["note"])
        return "Action marked as done"

    return submit_form(
        request,
        form=form,
        save=save,
        success_url=reverse("supervision:my-actions"),
        heading="Complete an action",
        submit="Mark as done",
        back_url=reverse("supervision:my-actions"),
        intro=action.description,
    )


@require_safe
@login_required
def pdf_status(request: HttpRequest, supervision_pk: int) -> HttpResponse:
    supervision, ctx = _context(request, supervision_pk)
    pdf = getattr(supervision, "pdf", None)
    if pdf is None:
        raise Http404("No PDF has been requested")
    template = (
        "supervision/_pdf_progress.html"
        if request.headers.get("HX-Request")
        else "supervision/pdf_status.html"
    )
    return render(
        request,
        template,
        {"ctx": ctx, "supervision": supervision, "pdf": pdf, "done": pdf.status == PdfStatus.DONE},
    )


@require_safe
@login_required
def pdf_download(request: HttpRequest, supervision_pk: int) -> HttpResponseBase:
    supervision, ctx = _context(
        request, supervision_pk, audit=True, action=AccessAction.PDF, ready_pdf=True
    )
    path = pdf_path(supervision.pdf.stored_name)
    if not path.exists():
        raise Http404("The PDF is not ready")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{ctx.case.family.reference}-supervision-{supervision.scheduled_for:%Y-%m-%d}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
