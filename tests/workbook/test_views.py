"""The workbook pages ask one permission object and one save service, so what a page offers
and what it lets through agree: the workbook of a case nobody has written on opens without
writing anything; a significant entry saved without its summary keeps its text and asks for
the summary; an author no longer allocated is offered nothing to change and can change
nothing; text kept from an ended session comes back as answers only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.dateformat import format as date_format

from cases.services import allocation_end
from teams.models import User
from tests.workbook.conftest import (
    ALLOCATION_DATE,
    REFERRAL_DATE,
    TeamCase,
    case_note_answers,
)
from workbook.models import Cycle, Entry, EntryRevision, Workbook
from workbook.services import entry_keep_unsaved, entry_start

pytestmark = pytest.mark.django_db

SUMMARY_MESSAGE = (
    "Enter a one-line summary for the chronology, or untick &#x27;This is a significant "
    "event&#x27;. Your text has been saved"
)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _draft(tc: TeamCase, author: User | None = None) -> Entry:
    return entry_start(actor=author or tc.lead, case=tc.case, form_slug="case-note")


def _end_allocation(tc: TeamCase, worker: User) -> None:
    allocation = tc.case.allocations.get(worker=worker, end_date__isnull=True)
    allocation_end(actor=tc.manager, allocation=allocation, end_date=ALLOCATION_DATE)


# --- reading never writes -------------------------------------------------------------------------


def test_the_workbook_of_a_case_nobody_has_written_on_opens_without_writing_it(
    team_case: TeamCase,
) -> None:
    response = _client(team_case.lead).get(
        reverse("workbook:workbook", args=[team_case.case.family_id])
    )

    assert response.status_code == 200
    assert f"Cycle 1: {date_format(REFERRAL_DATE, 'j M Y')} to now" in response.content.decode()
    assert "No entries in this cycle yet." in response.content.decode()
    assert (Workbook.objects.count(), Cycle.objects.count()) == (0, 0)


# --- a significant entry needs its summary --------------------------------------------------------


def test_saving_a_significant_entry_without_a_summary_keeps_the_text_and_asks_for_one(
    team_case: TeamCase,
) -> None:
    entry = _draft(team_case)

    response = _client(team_case.lead).post(
        reverse("workbook:entry-edit", args=[entry.pk]),
        case_note_answers()
        | {"base_version": "1", "action": "save", "significant": "on", "significant_summary": ""},
    )

    assert response.status_code == 400
    assert SUMMARY_MESSAGE in response.content.decode()
    entry.refresh_from_db()
    assert {key: entry.data[key] for key in case_note_answers()} == case_note_answers()
    assert (entry.significant, entry.version) == (False, 2)


# --- an author no longer allocated ---------------------------------------------------------------


def test_an_author_no_longer_allocated_is_offered_nothing_to_change(team_case: TeamCase) -> None:
    entry = _draft(team_case, team_case.practitioner)
    _end_allocation(team_case, team_case.practitioner)
    client = _client(team_case.practitioner)

    page = client.get(reverse("workbook:entry", args=[entry.pk]))
    edit = client.get(reverse("workbook:entry-edit", args=[entry.pk]))

    assert page.status_code == 200
    assert "Continue writing" not in page.content.decode()
    assert edit.status_code == 403


def test_an_author_no_longer_allocated_can_neither_attach_a_file_nor_merge_a_version(
    team_case: TeamCase, settings: Any, tmp_path: Any
) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path
    entry = _draft(team_case, team_case.practitioner)
    kept = entry_keep_unsaved(
        actor=team_case.practitioner, entry=entry, answers={"present": "Jade"}
    )
    _end_allocation(team_case, team_case.practitioner)
    client = _client(team_case.practitioner)

    upload = client.post(
        reverse("workbook:attachment-upload", args=[entry.pk]),
        {"file": SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n% a letter\n")},
    )
    merge = client.post(
        reverse("workbook:entry-conflict", args=[entry.pk, kept.pk]),
        {"base_version": str(entry.version)},
    )

    assert (upload.status_code, merge.status_code) == (403, 403)
    entry.refresh_from_db()
    assert (entry.data, entry.attachments.count()) == ({}, 0)


# --- text kept from an ended session -------------------------------------------------------------


def test_merging_text_kept_from_an_ended_session_saves_only_the_answers(
    team_case: TeamCase,
) -> None:
    entry = _draft(team_case)
    posted = {
        "present": "Jade and Mia",
        "editor_token": "3f1c",
        "significant_summary": "",
        "what_happened": "Typed as the session ended",
    }
    kept = entry_keep_unsaved(actor=team_case.lead, entry=entry, answers=posted)

    response = _client(team_case.lead).post(
        reverse("workbook:entry-conflict", args=[entry.pk, kept.pk]),
        {"base_version": str(entry.version)},
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.data == {"present": "Jade and Mia", "what_happened": "Typed as the session ended"}
    assert EntryRevision.objects.get(pk=kept.pk).data == entry.data
