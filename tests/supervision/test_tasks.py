"""Supervision's Celery tasks: the record's PDF, made by a real worker on the ``pdf`` queue after
sign-off commits and stored once however often the task runs; the daily overdue reminder, sent
once per supervision and again only after a reschedule; and its beat schedule.

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
from django.core import mail
from django.db.migrations import RunPython
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from pypdf import PdfReader

from safeguarding.celery import app
from supervision import tasks as tasks_module
from supervision.models import GroupSupervision, PdfStatus, SupervisionPdf
from supervision.services import action_add, supervision_reschedule, supervision_sign_off
from supervision.tasks import mark_overdue_supervisions, pdf_path, render_supervision_pdf
from tests.supervision.conftest import DECISIONS, FamilyTeam, ready_to_sign_off, schedule

PDF_TASK = "supervision.tasks.render_supervision_pdf"
REMINDER_TASK = "supervision.tasks.mark_overdue_supervisions"
REMINDER_MIGRATION = "0002_overdue_reminder_schedule"
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


def test_the_pdf_task_goes_to_the_pdf_queue_and_the_reminder_to_default() -> None:
    assert app.amqp.router.route({}, PDF_TASK)["queue"].name == "pdf"
    assert app.amqp.router.route({}, REMINDER_TASK)["queue"].name == "default"
    assert {PDF_TASK, REMINDER_TASK} <= set(app.tasks)


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


# --- the overdue reminder ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_overdue_supervision_is_reminded_once(
    family_team: FamilyTeam, django_capture_on_commit_callbacks: Any
) -> None:
    supervision = schedule(family_team, on=_days_ago(3))

    with django_capture_on_commit_callbacks(execute=True):
        first = mark_overdue_supervisions()
    with django_capture_on_commit_callbacks(execute=True):
        second = mark_overdue_supervisions()

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [family_team.manager.email]
    supervision.refresh_from_db()
    assert supervision.overdue_notified_at is not None


@pytest.mark.django_db
def test_rescheduling_lets_the_reminder_go_again(
    family_team: FamilyTeam, django_capture_on_commit_callbacks: Any
) -> None:
    supervision = schedule(family_team, on=_days_ago(5))
    with django_capture_on_commit_callbacks(execute=True):
        mark_overdue_supervisions()

    supervision_reschedule(
        actor=family_team.manager,
        supervision=supervision,
        to_date=_days_ago(1),
        reason="Moved after the chair's leave",
    )
    supervision.refresh_from_db()
    assert supervision.overdue_notified_at is None
    with django_capture_on_commit_callbacks(execute=True):
        again = mark_overdue_supervisions()

    assert again == 1
    assert len(mail.outbox) == 2
    supervision.refresh_from_db()
    assert supervision.overdue_notified_at is not None


@pytest.mark.django_db
def test_the_reminder_links_to_the_supervision_and_names_nobody(
    family_team: FamilyTeam, django_capture_on_commit_callbacks: Any
) -> None:
    supervision = schedule(family_team, on=_days_ago(2), chair=family_team.assistant)

    with django_capture_on_commit_callbacks(execute=True):
        mark_overdue_supervisions()

    [message] = mail.outbox
    link = settings.SITE_URL + reverse("supervision:detail", args=[supervision.pk])
    assert link in message.body
    family = family_team.case.family
    people = [*family_team.adults, *family_team.children]
    workers = [family_team.assistant, family_team.lead, family_team.da_specialist]
    names = {
        family.name,
        family.reference,
        *(p.given_name for p in people),
        *(p.family_name for p in people),
        *(u.given_name for u in workers),
        *(u.family_name for u in workers),
    }
    assert [name for name in names if name in message.body or name in message.subject] == []


@pytest.mark.django_db
def test_the_reminder_skips_future_and_signed_off_supervisions(
    family_team: FamilyTeam,
    other_family_team: FamilyTeam,
    django_capture_on_commit_callbacks: Any,
) -> None:
    signed_off = ready_to_sign_off(family_team, schedule(family_team, on=_days_ago(4)))
    supervision_sign_off(actor=family_team.manager, supervision=signed_off)
    schedule(other_family_team, on=timezone.localdate())

    with django_capture_on_commit_callbacks(execute=True):
        notified = mark_overdue_supervisions()

    # The supervision sign-off scheduled for the Whitlows is weeks away; the Okonjos' is today.
    assert notified == 0
    assert mail.outbox == []


# --- the beat schedule ---------------------------------------------------------------------------


def _seed_reminder_schedule() -> None:
    """Run the data migration's forward step. A transactional test flushes the beat tables of a
    reused test database, so the row cannot be relied on to still be there from migrating."""
    migration = importlib.import_module(f"supervision.migrations.{REMINDER_MIGRATION}")
    migration.schedule(apps, None)


def test_the_reminder_schedule_is_a_data_migration() -> None:
    migration = MigrationLoader(None, ignore_no_migrations=True).get_migration(
        "supervision", REMINDER_MIGRATION
    )
    module = importlib.import_module(f"supervision.migrations.{REMINDER_MIGRATION}")

    [operation] = migration.operations
    assert isinstance(operation, RunPython)
    assert operation.code is module.schedule
    assert module.TASK == REMINDER_TASK


@pytest.mark.django_db
def test_the_reminder_runs_daily_from_beat() -> None:
    _seed_reminder_schedule()
    _seed_reminder_schedule()  # rerunnable: still one row

    [task] = PeriodicTask.objects.filter(task=REMINDER_TASK).select_related("crontab")
    assert task.enabled is True
    assert task.crontab is not None
    assert task.interval is None
    assert (
        task.crontab.minute,
        task.crontab.hour,
        task.crontab.day_of_week,
        task.crontab.day_of_month,
        task.crontab.month_of_year,
    ) == ("0", "7", "*", "*", "*")
    assert str(task.crontab.timezone) == settings.TIME_ZONE
