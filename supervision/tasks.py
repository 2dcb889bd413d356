"""Supervision tasks: the record's PDF (``pdf`` queue) and overdue reminders.
Tasks take ids, are safe to run twice, do nothing when the object is gone, and leave every
write to ``supervision.services``."""

from __future__ import annotations

import contextlib
import os
import tempfile

from celery import shared_task
from django.template.loader import render_to_string

from safeguarding.lib.pdf import render_pdf

from . import services
from .models import GroupSupervision, PdfStatus
from .services import pdf_path

__all__ = ["pdf_path", "render_supervision_pdf"]

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(
    name="supervision.tasks.render_supervision_pdf", soft_time_limit=120, time_limit=180, **RETRY
)
def render_supervision_pdf(supervision_id: int) -> str:
    """Render and store the PDF of a signed-off record. A second run finds it done and stops,
    so a retried or duplicated message stores one file."""
    from .selectors import supervision_pdf_context

    pdf = services.supervision_pdf_mark_running(supervision_id=supervision_id)
    if pdf is None:
        return "gone"
    if pdf.status == PdfStatus.DONE:
        return "already done"
    supervision = GroupSupervision.objects.select_related(
        "case__family__owning_team", "chair", "signed_off_by"
    ).get(pk=supervision_id)
    stored_name = pdf.stored_name
    try:
        html = render_to_string("pdf/supervision.html", supervision_pdf_context(supervision))
        content = render_pdf(html)
        folder = pdf_path(stored_name).parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp_name = tempfile.mkstemp(dir=folder, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(temp_name, pdf_path(stored_name))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
    except Exception:
        services.supervision_pdf_mark_failed(pdf_id=pdf.pk)
        raise
    services.supervision_pdf_mark_ready(
        pdf_id=pdf.pk, stored_name=stored_name, record_version=supervision.version
    )
    return "done"
