"""Workbook pages: the family's workbook, writing entries with autosave, conflicts,
revisions, authorisation, and PDFs."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.loader import FamilyContext, load_family, load_record
from cases.models import AccessAction, Person, RecordType
from cases.policies import basis_of
from cases.services import access_event_record
from safeguarding.lib.pages import apply_service_errors, require, signed_in_user
from safeguarding.lib.pdf import render_pdf
from teams.models import User

from . import services
from .models import Entry, EntryRevision, EntryStatus
from .policies import can_author, can_authorise, can_see_health_detail
from .registry import FORMS, FormSpec, Subject, get_form_spec
from .selectors import (
    answer_keys,
    answer_rows,
    authorisation_queue,
    entry_records_for,
    form_context,
    revisions_for,
    subject_choices,
    workbook_view,
)


def _spec(entry: Entry) -> FormSpec:
    spec = get_form_spec(entry.form_slug)
    if spec is None:
        raise Http404("Unknown form")
    return spec


def _entry_context(request: HttpRequest, entry_pk: int) -> tuple[Entry, FamilyContext]:
    ctx: FamilyContext = load_record(
        signed_in_user(request),
        entry_records_for(signed_in_user(request)),
        entry_pk,
        case_path="workbook__case",
    )
    return ctx.record, ctx


def answers_from_post(form: forms.Form, post: Any) -> dict[str, Any]:
    return {
        key: (post.getlist(key) if multiple else post.get(key, ""))
        for key, multiple in answer_keys(form)
    }


def _quiet_form(spec: FormSpec, data: dict[str, Any], context: dict[str, Any]) -> forms.Form:
    """A form showing saved draft answers without running validation: a half-written draft
    is not an error."""
    form = spec.form_class(data=data or None, context=context)
    if data:
        # Django skips full_clean() when the form's error cache is already set.
        form._errors = ErrorDict()  # type: ignore[attr-defined]
    return form


@require_safe
@login_required
def workbook_page(request: HttpRequest, family_pk: int) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk, audit=True)
    user = signed_in_user(request)
    workbook = services.workbook_for_case(ctx.case)
    cycle_param = request.GET.get("cycle", "")
    view = workbook_view(user, workbook, int(cycle_param) if cycle_param.isdigit() else None)
    writable = (
        [spec for spec in FORMS if can_author(user, ctx.case, spec, ctx.perms)]
        if view.cycle.is_open
        else []
    )
    return render(
        request,
        "workbook/workbook.html",
        {"ctx": ctx, "view": view, "writable": writable, "forms": FORMS},
    )


@require_http_methods(["GET", "POST"])
@login_required
def entry_new(request: HttpRequest, family_pk: int, slug: str) -> HttpResponse:
    ctx = load_family(signed_in_user(request), family_pk)
    user = signed_in_user(request)
    spec = get_form_spec(slug)
    if spec is None:
        raise Http404("Unknown form")
    require(can_author(user, ctx.case, spec, ctx.perms))
    people = subject_choices(ctx.case, spec)
    needs_subject = spec.subject in (Subject.CHILD, Subject.ADULT, Subject.FAMILY_OR_PERSON)
    # The work tray links here with the child chosen (?person=<id>): "record a statutory visit".
    chosen_pk = request.GET.get("person", "")
    error = ""
    if request.method == "POST":
        chosen = chosen_pk = request.POST.get("subject_person", "")
        person: Person | None = next((p for p in people if str(p.pk) == chosen), None)
        try:
            entry = services.entry_start(
                actor=user, case=ctx.case, form_slug=spec.slug, subject_person=person
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            return redirect("workbook:entry-edit", entry_pk=entry.pk)
    return render(
        request,
        "workbook/entry_new.html",
        {
            "ctx": ctx,
            "spec": spec,
            "people": people,
            "error": error,
            "optional": spec.subject == Subject.FAMILY_OR_PERSON,
            "needs_subject": needs_subject,
            "chosen": chosen_pk,
        },
        status=400 if error else 200,
    )


@require_safe
@login_required
def entry_detail(request: HttpRequest, entry_pk: int) -> HttpResponse:
    entry, ctx = _entry_context(request, entry_pk)
    user = signed_in_user(request)
    spec = _spec(entry)
    access_event_record(
        user=user,
        record_type=RecordType.ENTRY,
        record_id=entry.pk,
        family_id=ctx.case.family_id,
        basis=ctx.perms.basis,
    )
    show_health = can_see_health_detail(user, ctx.case)
    return render(
        request,
        "workbook/entry_detail.html",
        {
            "ctx": ctx,
            "entry": entry,
            "spec": spec,
            "rows": answer_rows(spec, entry.data, form_context(ctx.case), show_health=show_health),
            "can_edit": entry.author_id == user.pk and entry.is_editable,
            "can_decide": spec.needs_authorisation
            and entry.status == EntryStatus.SUBMITTED
            and can_authorise(user, ctx.case, ctx.perms)
            and entry.author_id != user.pk,
            "can_correct": not entry.is_editable and can_author(user, ctx.case, spec, ctx.perms),
        },
    )


def _render_edit(
    request: HttpRequest,
    entry: Entry,
    ctx: FamilyContext,
    form: forms.Form,
    *,
    status: int = 200,
    base_version: int | None = None,
    notice: str = "",
) -> HttpResponse:
    spec = _spec(entry)
    return render(
        request,
        "workbook/entry_edit.html",
        {
            "ctx": ctx,
            "entry": entry,
            "spec": spec,
            "form": form,
            "base_version": entry.version if base_version is None else base_version,
            # One token per page load: see workbook.services._own_later_saves_only.
            "editor_token": request.POST.get("editor_token") or uuid.uuid4().hex,
            "notice": notice,
        },
        status=status,
    )


UNSAVED_SESSION_PREFIX = "workbook-unsaved-"


def _keep_for_after_sign_in(request: HttpRequest, entry_pk: int) -> HttpResponse | None:
    """When a session has ended, keep what was being saved in the (new, anonymous) session and
    send the author to sign in. Signing in keeps the session's data, so the text comes back to
    the edit page as a version to merge: the last keystrokes are never lost to a timeout."""
    if request.user.is_authenticated:
        return None
    edit_url = reverse("workbook:entry-edit", args=[entry_pk])
    if request.method == "POST":
        answers = {
            key: values if len(values) > 1 else values[0]
            for key, values in request.POST.lists()
            if key not in {"csrfmiddlewaretoken", "base_version", "action"}
        }
        request.session[f"{UNSAVED_SESSION_PREFIX}{entry_pk}"] = answers
    sign_in = f"{reverse('teams:sign-in')}?next={edit_url}"
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = sign_in
        return response
    return redirect(sign_in)


def _recover_unsaved(request: HttpRequest, entry: Entry, user: User) -> EntryRevision | None:
    kept = request.session.pop(f"{UNSAVED_SESSION_PREFIX}{entry.pk}", None)
    if not isinstance(kept, dict) or entry.author_id != user.pk or not entry.is_editable:
        return None
    return services.entry_keep_unsaved(actor=user, entry=entry, answers=kept)


@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, entry_pk: int) -> HttpResponse:
    signed_out = _keep_for_after_sign_in(request, entry_pk)
    if signed_out is not None:
        return signed_out
    entry, ctx = _entry_context(request, entry_pk)
    user = signed_in_user(request)
    if entry.author_id != user.pk:
        raise PermissionDenied
    if not entry.is_editable:
        return redirect("workbook:entry", entry_pk=entry.pk)
    spec = _spec(entry)
    # A worker no longer allocated (or now read-only) can read their draft but not change it.
    require(can_author(user, ctx.case, spec, ctx.perms))
    context = form_context(ctx.case)
    if request.method == "GET":
        access_event_record(
            user=user,
            record_type=RecordType.ENTRY,
            record_id=entry.pk,
            family_id=ctx.case.family_id,
            basis=ctx.perms.basis,
        )
    recovered = _recover_unsaved(request, entry, user) if request.method == "GET" else None
    if recovered is not None:
        messages.info(
            request,
            "You were signed out before your last changes were saved. They are kept: choose what to keep below",
        )
        return redirect("workbook:entry-conflict", entry_pk=entry.pk, revision_pk=recovered.pk)
    if request.method == "GET":
        revision_pk = request.GET.get("merge", "")
        if revision_pk.isdigit():
            revision = get_object_or_404(
                EntryRevision, pk=int(revision_pk), entry=entry, saved_by=user
            )
            form = _quiet_form(spec, revision.data, context)
            return _render_edit(
                request,
                entry,
                ctx,
                form,
                notice="Your version is below. Bring in anything you need from the current version, then save.",
            )
        return _render_edit(request, entry, ctx, _quiet_form(spec, entry.data, context))
    blank = spec.form_class(context=context)
    answers = answers_from_post(blank, request.POST)
    base = request.POST.get("base_version", "")
    if not base.isdigit():
        return HttpResponse(
            "The form was missing its version. Reload the page: your last autosave is kept.",
            status=400,
        )
    try:
        result = services.entry_save(
            actor=user,
            entry_id=entry.pk,
            answers=answers,
            base_version=int(base),
            significant=request.POST.get("significant") == "on",
            significant_summary=request.POST.get("significant_summary", ""),
            editor_token=request.POST.get("editor_token", ""),
        )
    except services.EntryNotEditableError as exc:
        messages.error(request, exc.messages[0])
        return redirect("workbook:entry", entry_pk=entry.pk)
    except ValidationError as exc:
        form = _quiet_form(spec, answers, context)
        apply_service_errors(form, exc)
        return _render_edit(request, entry, ctx, form, status=400, base_version=int(base))
    if result.conflict is not None:
        return redirect(
            "workbook:entry-conflict", entry_pk=entry.pk, revision_pk=result.conflict.pk
        )
    entry = result.entry
    if (
        request.POST.get("significant") == "on"
        and not request.POST.get("significant_summary", "").strip()
    ):
        form = _quiet_form(spec, answers, context)
        form.add_error(
            None,
            "Enter a one-line summary for the chronology, or untick 'This is a significant event'. Your text has been saved",
        )
        return _render_edit(request, entry, ctx, form, status=400)
    if request.POST.get("action") != "submit":
        messages.success(request, f"Draft saved at {timezone.localtime(entry.updated_at):%H:%M}")
        return redirect("workbook:entry-edit", entry_pk=entry.pk)
    try:
        services.entry_submit(actor=user, entry=entry, context=context)
    except ValidationError:
        form = spec.form_class(data=answers, context=context)
        form.is_valid()
        return _render_edit(request, entry, ctx, form, status=400)
    messages.success(
        request,
        f"{spec.title} submitted"
        + (". It is waiting for a manager to authorise it" if spec.needs_authorisation else ""),
    )
    return redirect("workbook:entry", entry_pk=entry.pk)


@require_POST
def entry_autosave(request: HttpRequest, entry_pk: int) -> HttpResponse:
    """htmx autosave: answers the status line, and the new version out of band so the next
    save starts from it. A conflict sends the browser to the conflict page; an ended session
    keeps the text and sends the browser to sign in."""
    signed_out = _keep_for_after_sign_in(request, entry_pk)
    if signed_out is not None:
        return signed_out
    entry, ctx = _entry_context(request, entry_pk)
    user = signed_in_user(request)
    if entry.author_id != user.pk:
        raise PermissionDenied
    spec = _spec(entry)
    require(can_author(user, ctx.case, spec, ctx.perms))
    base = request.POST.get("base_version", "")
    if not base.isdigit():
        return HttpResponse(status=400)
    blank = spec.form_class(context=form_context(ctx.case))
    summary = request.POST.get("significant_summary", "").strip()
    try:
        result = services.entry_save(
            actor=user,
            entry_id=entry.pk,
            answers=answers_from_post(blank, request.POST),
            base_version=int(base),
            # Ticking "significant" before writing the summary is normal mid-typing: the flag is
            # kept once there is a summary, and submitting checks both.
            significant=request.POST.get("significant") == "on" and bool(summary),
            significant_summary=summary,
            editor_token=request.POST.get("editor_token", ""),
        )
    except ValidationError as exc:
        return render(
            request,
            "workbook/_save_status.html",
            {"error": exc.messages[0], "base_version": base},
            status=200,
        )
    if result.conflict is not None:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(
            "workbook:entry-conflict", args=[entry.pk, result.conflict.pk]
        )
        return response
    return render(
        request,
        "workbook/_save_status.html",
        {
            "saved_at": timezone.localtime(result.entry.updated_at),
            "base_version": result.entry.version,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def entry_conflict(request: HttpRequest, entry_pk: int, revision_pk: int) -> HttpResponse:
    entry, ctx = _entry_context(request, entry_pk)
    user = signed_in_user(request)
    revision = get_object_or_404(
        EntryRevision, pk=revision_pk, entry=entry, saved_by=user, is_conflict=True
    )
    spec = _spec(entry)
    if request.method == "POST" and entry.is_editable:
        result = services.entry_save(
            actor=user,
            entry_id=entry.pk,
            answers=revision.data,
            base_version=int(request.POST.get("base_version", "0") or 0),
            significant=entry.significant,
            significant_summary=entry.significant_summary,
        )
        if result.conflict is not None:
            return redirect(
                "workbook:entry-conflict", entry_pk=entry.pk, revision_pk=result.conflict.pk
            )
        messages.success(
            request,
            "Your version is now the current version. The other version is kept in the revisions",
        )
        return redirect("workbook:entry-edit", entry_pk=entry.pk)
    context = form_context(ctx.case)
    show_health = can_see_health_detail(user, ctx.case)
    yours = answer_rows(spec, revision.data, context, show_health=show_health)
    current = answer_rows(spec, entry.data, context, show_health=show_health)
    return render(
        request,
        "workbook/entry_conflict.html",
        {
            "ctx": ctx,
            "entry": entry,
            "spec": spec,
            "revision": revision,
            "pairs": list(zip(yours, current, strict=True)),
            "base_version": entry.version,
        },
        status=409,
    )


@require_safe
@login_required
def entry_revisions(request: HttpRequest, entry_pk: int) -> HttpResponse:
    entry, ctx = _entry_context(request, entry_pk)
    user = signed_in_user(request)
    spec = _spec(entry)
    access_event_record(
        user=user,
        record_type=RecordType.ENTRY,
        record_id=entry.pk,
        family_id=ctx.case.family_id,
        basis=ctx.perms.basis,
    )
    context = form_context(ctx.case)
    show_health = can_see_health_detail(user, ctx.case)
    revisions = [
        (revision, answer_rows(spec, revision.data, context, show_health=show_health))
        for revision in revisions_for(entry)
        # Someone else's refused save is theirs to merge; the author sees all of their own.
        if not revision.is_conflict or revision.saved_by_id == user.pk
    ]
    return render(
        request,
        "workbook/entry_revisions.html",
        {"ctx": ctx, "entry": entry, "spec": spec, "revisions": revisions},
    )


@require_POST
@login_required
def entry_decide(request: HttpRequest, entry_pk: int) -> HttpResponse:
    entry, ctx = _entry_context(request, entry_pk)
    user = signed_in_user(request)
    require(can_authorise(user, ctx.case, ctx.perms))
    try:
        if request.POST.get("decision") == "authorise":
            services.entry_authorise(actor=user, entry=entry)
            messages.success(request, "Entry authorised")
        else:
            services.entry_return(actor=user, entry=entry, reason=request.POST.get("reason", ""))
            messages.success(request, "Entry returned to its author")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("workbook:entry", entry_pk=entry.pk)


@require_POST
@login_required
def entry_correct(request: HttpRequest, entry_pk: int) -> HttpResponse:
    entry, ctx = _entry_context(request, entry_pk)
    user = signed_in_user(request)
    require(can_author(user, ctx.case, _spec(entry), ctx.perms))
    try:
        correction = services.entry_correct(actor=user, entry=entry)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("workbook:entry", entry_pk=entry.pk)
    return redirect("workbook:entry-edit", entry_pk=correction.pk)


@require_safe
@login_required
def authorisations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workbook/authorisations.html",
        {"entries": authorisation_queue(signed_in_user(request))},
    )


@require_safe
@login_required
def entry_pdf(request: HttpRequest, entry_pk: int) -> HttpResponse:
    entry, ctx = _entry_context(request, entry_pk)
    user = signed_in_user(request)
    spec = _spec(entry)
    access_event_record(
        user=user,
        record_type=RecordType.ENTRY,
        record_id=entry.pk,
        family_id=ctx.case.family_id,
        basis=ctx.perms.basis,
        action=AccessAction.PDF,
    )
    rows = answer_rows(
        spec, entry.data, form_context(ctx.case), show_health=can_see_health_detail(user, ctx.case)
    )
    html = render(
        request,
        "pdf/entry.html",
        {
            "entry": entry,
            "spec": spec,
            "rows": rows,
            "case": ctx.case,
            "printed_at": timezone.now(),
            "user": user,
        },
    ).content.decode()
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{ctx.case.family.reference}-entry-{entry.pk}.pdf"'
    )
    return response


@require_safe
@login_required
def chronology_pdf(request: HttpRequest, family_pk: int) -> HttpResponse:
    from cases.models import ChronologyEvent

    ctx = load_family(signed_in_user(request), family_pk)
    user = signed_in_user(request)
    significant_only = request.GET.get("all") != "1"
    events = (
        ChronologyEvent.objects.filter(case__family=ctx.family)
        .select_related("person", "recorded_by")
        .order_by("occurred_at", "pk")
    )
    if significant_only:
        events = events.filter(significant=True)
    access_event_record(
        user=user,
        record_type=RecordType.FAMILY,
        record_id=ctx.family.pk,
        family_id=ctx.family.pk,
        basis=basis_of(ctx.case),
        action=AccessAction.PDF,
    )
    html = render(
        request,
        "pdf/chronology.html",
        {
            "family": ctx.family,
            "case": ctx.case,
            "events": list(events),
            "significant_only": significant_only,
            "printed_at": timezone.now(),
            "user": user,
        },
    ).content.decode()
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{ctx.family.reference}-chronology.pdf"'
    )
    return response
