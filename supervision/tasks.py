"""Supervision tasks: the record's PDF (``pdf`` queue) and overdue reminders.
Tasks take ids, are safe to run twice, and do nothing when the object is gone."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from functools import partial
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from safeguarding.lib.pdf import render_pdf

from .models import (
    GroupSupervision,
    PdfStatus,
    SupervisionPdf,
    SupervisionStatus,
)

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


def pdf_path(stored_name: str) -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "supervision" / stored_name


@shared_task(
    name="supervision.tasks.render_supervision_pdf", soft_time_limit=120, time_limit=180, **RETRY
)
def render_supervision_pdf(supervision_id: int) -> str:
    """Render and store the PDF of a signed-off record. A second run finds it done and stops,
    so a retried or duplicated message stores one file."""
    from .selectors import supervision_pdf_context

    with transaction.atomic():
        pdf = (
            SupervisionPdf.objects.select_for_update().filter(supervision_id=supervision_id).first()
        )
        if pdf is None:
            return "gone"
        if pdf.status == PdfStatus.DONE and pdf.stored_name and pdf_path(pdf.stored_name).exists():
            return "already done"
        pdf.status = PdfStatus.RUNNING
        # The file name is fixed under the lock, so a duplicate delivery rendering at the same
        # time replaces the same file rather than leaving a second copy.
        pdf.stored_name = pdf.stored_name or f"{secrets.token_hex(24)}.pdf"
        pdf.save(update_fields=["status", "stored_name"])
    supervision = GroupSupervision.objects.select_related(
        "case__family__owning_team", "chair", "signed_off_by"
    ).get(pk=supervision_id)
    try:
        html = render_to_string("pdf/supervision.html", supervision_pdf_context(supervision))
        content = render_pdf(html)
        stored_name = pdf.stored_name
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
        SupervisionPdf.objects.filter(pk=pdf.pk).update(status=PdfStatus.FAILED)
        raise
    SupervisionPdf.objects.filter(pk=pdf.pk).update(
        status=PdfStatus.DONE,
        stored_name=stored_name,
        finished_at=timezone.now(),
        record_version=supervision.version,
    )
    return "done"


@shared_task(
    name="supervision.tasks.mark_overdue_supervisions", soft_time_limit=120, time_limit=180
)
def mark_overdue_supervisions() -> int:
    """Daily: tell each chair once about supervisions that have passed their date."""
    today = timezone.localdate()
    notified = 0
    due = GroupSupervision.objects.filter(
        status=SupervisionStatus.SCHEDULED,
        scheduled_for__lt=today,
        overdue_notified_at__isnull=True,
    ).values_list("pk", flat=True)
    for supervision_id in list(due):
        with transaction.atomic():
            supervision = (
                GroupSupervision.objects.select_for_update(skip_locked=True)
                .select_related("chair")
                .filter(
                    pk=supervision_id,
                    overdue_notified_at__isnull=True,
                    status=SupervisionStatus.SCHEDULED,
                )
                .first()
            )
            if supervision is None:
                continue
            supervision.overdue_notified_at = timezone.now()
            supervision.save(update_fields=["overdue_notified_at"])
            link = settings.SITE_URL + reverse("supervision:detail", args=[supervision.pk])
            transaction.on_commit(
                partial(
                    send_mail,
                    subject=f"{settings.SERVICE_NAME}: a group supervision you chair is overdue",
                    message=f"A group supervision you chair has passed its date.\n\nOpen it: {link}\n",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[supervision.chair.email],
                )
            )
            notified += 1
    return notified
