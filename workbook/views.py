"""Workbook pages: the family's workbook, writing entries with autosave, conflicts,
revisions, authorisation, and PDFs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.loader import RecordContext, load_family, load_record
from cases.models import AccessAction, Person, RecordType
from safeguarding.lib.pages import apply_service_errors, require, signed_in_user
from safeguarding.lib.pdf import render_pdf

from . import services
from .models import Entry, EntryRevision
from .policies import (
    EntryPermissions,
    can_author,
    entries_visible_to,
    entry_permissions,
    writable_forms,
)
from .registry import BY_SLUG, FORMS, FormSpec, Subject, get_form_spec
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

EntryContext = RecordContext[Entry, EntryPermissions]


def _spec(entry: Entry) -> FormSpec:
    spec = get_form_spec(entry.form_slug)
    if spec is None:
        raise Http404("Unknown form")
    return spec


def _load_entry(
    request: HttpRequest,
    entry_pk: int,
    *,
    queryset: QuerySet[Entry] | None = None,
    audit: bool = False,
    action: AccessAction = AccessAction.VIEW,
) -> EntryContext:
    """The entry (404 unless the user may see it, and for a form that has left the registry:
    it has no page) with its case and what the user may do with it (``ctx.can``);
    ``audit`` writes the read audit of the entry."""
    user = signed_in_user(request)
    entries = entry_records_for(user) if queryset is None else queryset
    return load_record(
        user,
        entries.filter(form_slug__in=list(BY_SLUG)),
        entry_pk,
        case_path="workbook__case",
        permissions=entry_permissions,
        audit=RecordType.ENTRY if audit else None,
        action=action,
    )


def _require_writer(ctx: EntryContext) -> None:
    """The autosave: the author (403), who may still write the form on the case (403). A
    locked entry is the service's to refuse: it keeps the text typed as a revision."""
    require(ctx.can.is_author)
    require(ctx.can.can_write_form)


def _editable_by_author(ctx: EntryContext) -> bool:
    """The edit page: the author (403) of a draft or returned entry (False: the page sends
    them to read it), who may still write the form: a worker no longer allocated (or now
    read-only) can read their draft but not change it (403)."""
    require(ctx.can.is_author)
    if not ctx.record.is_editable:
        return False
    require(ctx.can.can_edit)
    return True


def answers_from_post(spec: FormSpec, post: Any) -> dict[str, Any]:
    """The answers a page posted: every question of the form (blank when left empty), and
    the questions about each adult the page was built for."""
    keys = answer_keys(spec)
    answers = {
        key: (post.getlist(key) if many else post.get(key, "")) for key, many in keys.items()
    }
    answers.update(
        (key, post.get(key, ""))
        for key in post
        if key not in keys and spec.form_class.takes_list(key) is False
    )
    return answers


def _quiet_form(spec: FormSpec, data: dict[str, Any], context: Mapping[str, Any]) -> forms.Form:
    """A form showing saved draft answers without running validation: a half-written draft
    is not an error."""
    form = spec.form_class(data=data or None, context=context)
    if data:
        # Django skips full_clean() when the form's error cache is already set; add_error()
        # (a refused save's message) needs the cleaned data it would have made.
        form._errors = ErrorDict()  # type: ignore[attr-defined]
        form.cleaned_data = {}
    return form


@require_safe
@login_required
def workbook_page(request: HttpRequest, family_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    ctx = load_family(user, family_pk, audit=True)
    cycle_param = request.GET.get("cycle", "")
    view = workbook_view(user, ctx.case, int(cycle_param) if cycle_param.isdigit() else None)
    writable = writable_forms(user, ctx.case, ctx.perms) if view.cycle.is_open else []
    return render(
        request,
        "workbook/workbook.html",
        {"ctx": ctx, "view": view, "writable": writable, "forms": FORMS},
    )


@require_http_methods(["GET", "POST"])
@login_required
def entry_new(request: HttpRequest, family_pk: int, slug: str) -> HttpResponse:
    user = signed_in_user(request)
    ctx = load_family(user, family_pk)
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
    ctx = _load_entry(request, entry_pk, audit=True)
    entry, can = ctx.record, ctx.can
    spec = _spec(entry)
    return render(
        request,
        "workbook/entry_detail.html",
        {
            "ctx": ctx,
            "entry": entry,
            "spec": spec,
            "rows": answer_rows(
                spec, entry.data, form_context(ctx.case), show_health=can.can_see_health_detail
            ),
            "can_edit": can.can_edit,
            "can_decide": can.can_authorise,
            "can_correct": can.can_correct,
        },
    )


def _render_edit(
    request: HttpRequest,
    ctx: EntryContext,
    form: forms.Form,
    *,
    entry: Entry | None = None,
    status: int = 200,
    base_version: int | None = None,
    notice: str = "",
) -> HttpResponse:
    """The edit page; ``entry``: the entry as a save left it, when it is newer than the one
    the page loaded."""
    entry = ctx.record if entry is None else entry
    return render(
        request,
        "workbook/entry_edit.html",
        {
            "ctx": ctx,
            "entry": entry,
            "spec": _spec(entry),
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


def _recover_unsaved(request: HttpRequest, ctx: EntryContext) -> EntryRevision | None:
    """Text kept by ``_keep_for_after_sign_in``, for the author who may edit the entry (the
    edit page let them on)."""
    kept = request.session.pop(f"{UNSAVED_SESSION_PREFIX}{ctx.record.pk}", None)
    if not isinstance(kept, dict):
        return None
    return services.entry_keep_unsaved(
        actor=signed_in_user(request), entry=ctx.record, answers=kept
    )


@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, entry_pk: int) -> HttpResponse:
    signed_out = _keep_for_after_sign_in(request, entry_pk)
    if signed_out is not None:
        return signed_out
    reading = request.method == "GET"
    user = signed_in_user(request)
    # A save shows no attachments unless it is refused: then the page reads them itself.
    ctx = _load_entry(
        request,
        entry_pk,
        queryset=None if reading else entries_visible_to(user),
    )
    if not _editable_by_author(ctx):
        return redirect("workbook:entry", entry_pk=entry_pk)
    if not reading:
        return _edit_save(request, ctx)
    ctx.audit_read(RecordType.ENTRY)
    return _edit_page(request, ctx)


def _edit_page(request: HttpRequest, ctx: EntryContext) -> HttpResponse:
    """The form with the draft's answers, or with a version of the author's to merge."""
    recovered = _recover_unsaved(request, ctx)
    if recovered is not None:
        messages.info(
            request,
            "You were signed out before your last changes were saved. They are kept: choose what to keep below",
        )
        return redirect("workbook:entry-conflict", entry_pk=ctx.record.pk, revision_pk=recovered.pk)
    revision_pk = request.GET.get("merge", "")
    if revision_pk.isdigit():
        return _merge_page(request, ctx, int(revision_pk))
    spec = _spec(ctx.record)
    return _render_edit(request, ctx, _quiet_form(spec, ctx.record.data, form_context(ctx.case)))


def _merge_page(request: HttpRequest, ctx: EntryContext, revision_pk: int) -> HttpResponse:
    """The form filled with one of the author's own versions, to bring the current one in."""
    revision = get_object_or_404(
        EntryRevision, pk=revision_pk, entry=ctx.record, saved_by=signed_in_user(request)
    )
    form = _quiet_form(_spec(ctx.record), revision.data, form_context(ctx.case))
    return _render_edit(
        request,
        ctx,
        form,
        notice="Your version is below. Bring in anything you need from the current version, then save.",
    )


def _edit_save(request: HttpRequest, ctx: EntryContext) -> HttpResponse:
    """The page's own buttons (without JavaScript): save the answers, then submit them if
    the author asked to."""
    spec = _spec(ctx.record)
    answers = answers_from_post(spec, request.POST)
    base = request.POST.get("base_version", "")
    if not base.isdigit():
        return HttpResponse(
            "The form was missing its version. Reload the page: your last autosave is kept.",
            status=400,
        )
    context = form_context(ctx.case)
    try:
        result = services.entry_save(
            actor=signed_in_user(request),
            entry_id=ctx.record.pk,
            answers=answers,
            base_version=int(base),
            significant=request.POST.get("significant") == "on",
            significant_summary=request.POST.get("significant_summary", ""),
            editor_token=request.POST.get("editor_token", ""),
        )
    except services.EntryNotEditableError as exc:
        messages.error(request, exc.messages[0])
        return redirect("workbook:entry", entry_pk=ctx.record.pk)
    except ValidationError as exc:
        form = _quiet_form(spec, answers, context)
        apply_service_errors(form, exc)
        return _render_edit(request, ctx, form, status=400, base_version=int(base))
    if result.conflict is not None:
        return redirect(
            "workbook:entry-conflict", entry_pk=ctx.record.pk, revision_pk=result.conflict.pk
        )
    if result.needs_summary:
        form = _quiet_form(spec, answers, context)
        form.add_error(
            None,
            f"{services.SUMMARY_NEEDED}, or untick 'This is a significant event'. Your text has been saved",
        )
        return _render_edit(request, ctx, form, entry=result.entry, status=400)
    if request.POST.get("action") != "submit":
        messages.success(
            request, f"Draft saved at {timezone.localtime(result.entry.updated_at):%H:%M}"
        )
        return redirect("workbook:entry-edit", entry_pk=ctx.record.pk)
    return _edit_submit(request, ctx, result.entry, answers, context)


def _edit_submit(
    request: HttpRequest,
    ctx: EntryContext,
    entry: Entry,
    answers: dict[str, Any],
    context: Mapping[str, Any],
) -> HttpResponse:
    spec = _spec(entry)
    try:
        services.entry_submit(actor=signed_in_user(request), entry=entry, context=context)
    except ValidationError:
        form = spec.form_class(data=answers, context=context)
        form.is_valid()
        return _render_edit(request, ctx, form, entry=entry, status=400)
    messages.success(
        request,
        f"{spec.title} submitted"
        + (". It is waiting for a manager to authorise it" if spec.needs_authorisation else ""),
    )
    return redirect("workbook:entry", entry_pk=entry.pk)


def _save_status(context: dict[str, Any]) -> HttpResponse:
    """The autosave's status line. Rendered without the request: a fragment shows no
    navigation, so it runs none of the page's context processors (and their queries)."""
    return HttpResponse(render_to_string("workbook/_save_status.html", context))


@require_POST
def entry_autosave(request: HttpRequest, entry_pk: int) -> HttpResponse:
    """htmx autosave: answers the status line, and the new version out of band so the next
    save starts from it. A conflict sends the browser to the conflict page; an ended session
    keeps the text and sends the browser to sign in."""
    signed_out = _keep_for_after_sign_in(request, entry_pk)
    if signed_out is not None:
        return signed_out
    user = signed_in_user(request)
    ctx = _load_entry(request, entry_pk, queryset=entries_visible_to(user))
    _require_writer(ctx)
    base = request.POST.get("base_version", "")
    if not base.isdigit():
        return HttpResponse(status=400)
    try:
        result = services.entry_save(
            actor=user,
            entry_id=entry_pk,
            answers=answers_from_post(_spec(ctx.record), request.POST),
            base_version=int(base),
            # Ticking "significant" before writing the summary is normal mid-typing: the
            # service keeps the flag once there is a summary, and submitting checks both.
            significant=request.POST.get("significant") == "on",
            significant_summary=request.POST.get("significant_summary", ""),
            editor_token=request.POST.get("editor_token", ""),
        )
    except ValidationError as exc:
        return _save_status({"error": exc.messages[0], "base_version": base})
    if result.conflict is not None:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(
            "workbook:entry-conflict", args=[entry_pk, result.conflict.pk]
        )
        return response
    return _save_status(
        {
            "saved_at": timezone.localtime(result.entry.updated_at),
            "base_version": result.entry.version,
        }
    )


@require_http_methods(["GET", "POST"])
@login_required
def entry_conflict(request: HttpRequest, entry_pk: int, revision_pk: int) -> HttpResponse:
    ctx = _load_entry(request, entry_pk)
    entry, can = ctx.record, ctx.can
    user = signed_in_user(request)
    revision = get_object_or_404(
        EntryRevision, pk=revision_pk, entry=entry, saved_by=user, is_conflict=True
    )
    spec = _spec(entry)
    if request.method == "POST" and entry.is_editable:
        require(can.can_edit)
        result = services.entry_save(
            actor=user,
            entry_id=entry.pk,
            # Text kept from an ended session may hold the page's other fields: only answers.
            answers=spec.form_class.known_answers(revision.data),
            base_version=int(request.POST.get("base_version", "0") or 0),
            significant=None,
            significant_summary=None,
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
    show_health = can.can_see_health_detail
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
    ctx = _load_entry(request, entry_pk, audit=True)
    entry = ctx.record
    user = signed_in_user(request)
    spec = _spec(entry)
    context = form_context(ctx.case)
    show_health = ctx.can.can_see_health_detail
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
    ctx = _load_entry(request, entry_pk)
    entry, user = ctx.record, signed_in_user(request)
    # Managers of the family's team decide (403 for anyone else). Whether this entry can be
    # decided now (its status, its form, who wrote it: ``ctx.can.can_authorise``) the service
    # asks the policy again and says why not, so a page left open after someone else decided
    # shows a reason rather than an error page.
    require(ctx.perms.can_manage)
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
    ctx = _load_entry(request, entry_pk)
    # Whoever may write the form corrects; a draft is refused by the service with a message.
    require(ctx.can.can_write_form)
    try:
        correction = services.entry_correct(actor=signed_in_user(request), entry=ctx.record)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("workbook:entry", entry_pk=entry_pk)
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
    ctx = _load_entry(request, entry_pk, audit=True, action=AccessAction.PDF)
    entry = ctx.record
    spec = _spec(entry)
    rows = answer_rows(
        spec, entry.data, form_context(ctx.case), show_health=ctx.can.can_see_health_detail
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
            "user": signed_in_user(request),
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

    user = signed_in_user(request)
    ctx = load_family(user, family_pk, audit=True, action=AccessAction.PDF)
    significant_only = request.GET.get("all") != "1"
    events = (
        ChronologyEvent.objects.filter(case__family=ctx.family)
        .select_related("person", "recorded_by")
        .order_by("occurred_at", "pk")
    )
    if significant_only:
        events = events.filter(significant=True)
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
