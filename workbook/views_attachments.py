"""Uploading a file to a workbook entry and downloading it again.

Both start from ``Entry.objects.visible_to`` (STYLE.md §4) through the record loader, so an
attachment is visible exactly when its entry is: another worker's draft, or any entry of a
case the user cannot see, answers 404 whether or not the attachment exists.
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

from cases.loader import RecordContext, load_record
from cases.models import AccessAction, RecordType
from safeguarding.lib.pages import require, signed_in_user

from .attachments import attachment_add, attachment_path
from .models import Attachment, Entry
from .policies import EntryPermissions, entry_permissions

logger = logging.getLogger(__name__)

MESSAGE_NO_FILE = "Select a file to attach"


def _load_entry(
    request: HttpRequest, entry_pk: int, *, audit: bool = False
) -> RecordContext[Entry, EntryPermissions]:
    user = signed_in_user(request)
    return load_record(
        user,
        Entry.objects.visible_to(user),
        entry_pk,
        case_path="workbook__case",
        permissions=entry_permissions,
        audit=RecordType.ENTRY if audit else None,
        action=AccessAction.EXPORT,
    )


@login_required
@require_POST
def attachment_upload(request: HttpRequest, entry_pk: int) -> HttpResponse:
    ctx = _load_entry(request, entry_pk)
    entry, can = ctx.record, ctx.can
    # Attaching changes the entry: only its author (403), and while it is a draft only an
    # author who may still write on the case, as on the edit page. A submitted entry is the
    # service's to refuse, with the reason.
    require(can.is_author)
    if entry.is_editable:
        require(can.can_edit)
    edit_url = reverse("workbook:entry-edit", args=[entry.pk])
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, MESSAGE_NO_FILE)
        return redirect(edit_url)
    try:
        attachment = attachment_add(actor=signed_in_user(request), entry=entry, upload=upload)
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
        Attachment.objects.filter(entry__in=Entry.objects.visible_to(user)), pk=attachment_pk
    )
    # The file is opened before the read is recorded: a missing file is a 404, not a read.
    try:
        handle = attachment_path(attachment).open("rb")
    except (FileNotFoundError, ValueError) as exc:
        logger.error("Attachment %s has no readable file", attachment.pk)
        raise Http404("No attachment found") from exc
    try:
        # The read of the entry, audited (404 if access ended since the attachment was found).
        _load_entry(request, attachment.entry_id, audit=True)
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
