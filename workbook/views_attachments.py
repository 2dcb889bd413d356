"""Uploading a file to a workbook entry and downloading it again.

Both start from ``Entry.objects.visible_to`` (STYLE.md §4), so an attachment is visible exactly
when its entry is: another worker's draft, or any entry of a case the user cannot see,
answers 404 whether or not the attachment exists.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cases.models import AccessAction, RecordType
from cases.policies import basis_of, cases_with_basis
from cases.services import access_event_record
from safeguarding.lib.pages import signed_in_user

from .attachments import attachment_add, attachment_path
from .models import Attachment, Entry

logger = logging.getLogger(__name__)

MESSAGE_NO_FILE = "Select a file to attach"


@login_required
@require_POST
def attachment_upload(request: HttpRequest, entry_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    entry = get_object_or_404(Entry.objects.visible_to(user), pk=entry_pk)
    edit_url = reverse("workbook:entry-edit", args=[entry.pk])
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, MESSAGE_NO_FILE)
        return redirect(edit_url)
    try:
        attachment = attachment_add(actor=user, entry=entry, upload=upload)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(edit_url)
    messages.success(request, f"{attachment.original_name} has been attached")
    return redirect(edit_url)


@login_required
@require_GET
def attachment_download(request: HttpRequest, attachment_pk: int) -> FileResponse:
    user = signed_in_user(request)
    attachment = get_object_or_404(
        Attachment.objects.select_related("entry__workbook").filter(
            entry__in=Entry.objects.visible_to(user)
        ),
        pk=attachment_pk,
    )
    entry = attachment.entry
    case = cases_with_basis(user).select_related("family").filter(pk=entry.workbook.case_id).first()
    if case is None:  # access ended between the two queries
        raise Http404("No attachment found")
    try:
        handle = attachment_path(attachment).open("rb")
    except (FileNotFoundError, ValueError) as exc:
        logger.error("Attachment %s has no readable file", attachment.pk)
        raise Http404("No attachment found") from exc
    try:
        access_event_record(
            user=user,
            record_type=RecordType.ENTRY,
            record_id=entry.pk,
            family_id=case.family_id,
            action=AccessAction.EXPORT,
            basis=basis_of(case),
        )
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
