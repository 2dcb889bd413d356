"""Supervision's Celery tasks: the record's PDF, made by a real worker on the ``pdf`` queue after
sign-off commits and stored once however often the task runs. A supervision past its date is
the daily escalations' to tell its chair (``cases.clocks``), once; the separate reminder job
that told them a second time is gone from the beat schedule.

The PDF tests use a real worker process (``celery_worker_process`` in tests/conftest.py) on this
run's Redis database and test database, so they commit for real (``transaction=True``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db.migrations import RunPython
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from pypdf import PdfReader

from cases.clocks.escalations import deadline_notifications_send
from safeguarding.celery import app
from supervision import tasks as tasks_module
from supervision.models import GroupSupervision, PdfStatus, SupervisionPdf
from supervision.services import action_add, supervision_sign_off
from supervision.tasks import pdf_path, render_supervision_pdf
from teams.models import Notification, NotificationKind
from tests.supervision.conftest import DECISIONS, FamilyTeam, ready_to_sign_off, schedule

PDF_TASK = "supervision.tasks.render_supervision_pdf"
REMINDER_TASK = "supervision.tasks.mark_overdue_supervisions"
REMINDER_MIGRATION = "0002_overdue_reminder_schedule"
REMOVAL_MIGRATION = "0004_remove_overdue_reminder_schedule"
PDF_TIMEOUT_SECONDS = 60
ACTIONS = ["Refer Mia to the breakfast club", "Book a joint visit with the police officer"]


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _words(text: str) -> str:
    """Text with every run of whitespace made one space: a PDF breaks lines where it likes."""
    return " ".join(text.split())


def _wait_for_pdf(supervision: GroupSupervision) -> SupervisionPdf:
    deadline = time.monotonic() + PDF_TIMEOUT_SECONDS
    pdf = SupervisionPdf.objects.get(supervision=supervision)
    while pdf.status not in (PdfStatus.DONE, PdfStatus.FAILED) and time.monotonic() < deadline:
        time.sleep(0.25)
        pdf.refresh_from_db()
    return pdf


@pytest.fixture
def stored_pdfs() -> Iterator[list[Path]]:
    """PDF files a test made, removed afterwards (the database is flushed, the folder is not)."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        path.unlink(missing_ok=True)


def _sign_off_with_actions(ft: FamilyTeam) -> GroupSupervision:
    supervision = schedule(ft, on=timezone.localdate())
    for description in ACTIONS:
        action_add(
            actor=ft.manager,
            supervision=supervision,
            description=description,
            owner=ft.lead,
            due_date=supervision.scheduled_for,
            children=[ft.older_child],
        )
    return supervision_sign_off(actor=ft.manager, supervision=ready_to_sign_off(ft, supervision))


# --- routing -------------------------------------------------------------------------------------


def test_the_pdf_task_goes_to_the_pdf_queue() -> None:
    assert app.amqp.router.route({}, PDF_TASK)["queue"].name == "pdf"
    assert PDF_TASK in app.tasks


# --- the record's PDF, made by a real worker -----------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_sign_off_makes_a_tagged_pdf_of_the_record(
    celery_worker_process: subprocess.Popen[bytes],
    family_team: FamilyTeam,
    stored_pdfs: list[Path],
) -> None:
    supervision = _sign_off_with_actions(family_team)

    pdf = _wait_for_pdf(supervision)

    assert pdf.status == PdfStatus.DONE
    stored_pdfs.append(pdf_path(pdf.stored_name))
    assert pdf.finished_at is not None
    assert pdf.record_version == supervision.version
    reader = PdfReader(pdf_path(pdf.stored_name))
    text = _words(" ".join(page.extract_text() for page in reader.pages))
    assert _words(DECISIONS) in text
    for description in ACTIONS:
        assert description in text
    assert "/StructTreeRoot" in reader.root_object


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_running_the_pdf_task_again_stores_one_file(
    celery_worker_process: subprocess.Popen[bytes],
    family_team: FamilyTeam,
    stored_pdfs: list[Path],
) -> None:
    supervision = _sign_off_with_actions(family_team)
    first = _wait_for_pdf(supervision)
    assert first.status == PdfStatus.DONE
    path = pdf_path(first.stored_name)
    stored_pdfs.append(path)
    content = path.read_bytes()

    outcome = render_supervision_pdf.delay(supervision.pk).get(timeout=PDF_TIMEOUT_SECONDS)

    assert outcome == "already done"
    again = SupervisionPdf.objects.get(supervision=supervision)
    assert again.status == PdfStatus.DONE
    assert again.stored_name == first.stored_name
    assert again.finished_at == first.finished_at
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / "supervision"
    assert [p for p in folder.iterdir() if p.name == first.stored_name] == [path]
    assert PdfReader(BytesIO(content)).pages  # still a readable PDF
    assert path.read_bytes() == content  # not made again: a new one would carry a new time


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_pdf_task_does_nothing_for_a_supervision_that_is_gone(
    celery_worker_process: subprocess.Popen[bytes],
) -> None:
    assert render_supervision_pdf.delay(2_000_000_000).get(timeout=PDF_TIMEOUT_SECONDS) == "gone"


@pytest.mark.django_db
def test_a_duplicate_delivery_while_rendering_stores_one_file(
    family_team: FamilyTeam, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path
    supervision = _sign_off_with_actions(family_team)
    real_render = tasks_module.render_pdf
    duplicate_messages = [supervision.pk]

    def render_while_a_duplicate_is_handled(html: str) -> bytes:
        while duplicate_messages:  # the duplicate is handled, once, while the first renders
            render_supervision_pdf(duplicate_messages.pop())
        return real_render(html)

    monkeypatch.setattr(tasks_module, "render_pdf", render_while_a_duplicate_is_handled)

    render_supervision_pdf(supervision.pk)

    pdf = SupervisionPdf.objects.get(supervision=supervision)
    assert pdf.status == PdfStatus.DONE
    assert [p.name for p in (tmp_path / "supervision").iterdir()] == [pdf.stored_name]


# --- an overdue supervision ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_chair_hears_once_that_their_supervision_passed_its_date(
    family_team: FamilyTeam,
) -> None:
    """The daily escalations tell the chair (cases.clocks); no second job tells them again."""
    supervision = schedule(family_team, on=_days_ago(3))
    detail = reverse("supervision:detail", args=[supervision.pk])

    deadline_notifications_send(today=timezone.localdate())
    deadline_notifications_send(today=timezone.localdate())

    told = Notification.objects.filter(user=family_team.manager, url=detail)
    assert [n.kind for n in told] == [NotificationKind.OVERDUE]
    assert REMINDER_TASK not in app.tasks


@pytest.mark.django_db
def test_the_separate_reminder_job_is_taken_off_the_beat_schedule() -> None:
    reminder = importlib.import_module(f"supervision.migrations.{REMINDER_MIGRATION}")
    removal = importlib.import_module(f"supervision.migrations.{REMOVAL_MIGRATION}")
    reminder.schedule(apps, None)

    [operation] = removal.Migration.operations
    assert isinstance(operation, RunPython)
    unschedule: Any = reminder.unschedule
    assert operation.code == unschedule
    unschedule(apps, None)
    unschedule(apps, None)  # rerunnable

    assert not PeriodicTask.objects.filter(task=REMINDER_TASK).exists()
