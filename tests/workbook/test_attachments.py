"""Workbook attachments: only real PDFs, Word documents and images get in, they are stored
privately under random names, and they come out only to people who may see the entry.

The team, family and case come from ``scenario`` (tests/cases/conftest.py): the lead social
worker is allocated to the case, ``social_worker`` is a teammate and ``outsider`` works in
another service.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import AccessAction, AccessBasis, AccessEvent, RecordType
from teams.models import User
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import REFERRAL_DATE, Scenario
from tests.workbook.conftest import date_answers
from workbook.attachments import attachment_add, attachment_path
from workbook.models import Attachment, Entry
from workbook.services import entry_save, entry_start, entry_submit

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

# The Hughes family scenario, shared with the cases tests.
reference_codes = cases_conftest.reference_codes
scenario = cases_conftest.scenario
outsider = cases_conftest.outsider


PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

WRONG_TYPE = "The selected file must be a PDF, Word document (DOCX), PNG or JPEG"
EMPTY = "The selected file is empty"
TOO_BIG = "The selected file must be smaller than 20 MB"
PNG_NAMED_PDF = (
    "The file name says .pdf but the file is a PNG image. Rename it or choose the right file"
)


def _zip(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "word/document.xml": '<?xml version="1.0"?><w:document/>',
        }
    )


def _oversize_pdf() -> bytes:
    return PDF_BYTES + b"0" * (settings.ATTACHMENT_MAX_BYTES + 1 - len(PDF_BYTES))


@pytest.fixture(autouse=True)
def private_root(settings: Any, tmp_path: Path) -> Path:
    """A fresh private folder per test, so "no file left behind" can be checked exactly."""
    root = tmp_path / "private"
    settings.PRIVATE_STORAGE_ROOT = root
    return root


@pytest.fixture
def draft(scenario: Scenario) -> Entry:
    return entry_start(actor=scenario.lead, case=scenario.case, form_slug="case-note")


def _submit(entry: Entry) -> Entry:
    author = entry.author
    entry_save(
        actor=author,
        entry_id=entry.pk,
        base_version=entry.version,
        answers={
            **date_answers("contact_date", REFERRAL_DATE + dt.timedelta(days=1)),
            "contact_type": "home_visit",
            "present": "Mother and both children",
            "what_happened": "A planned home visit.",
        },
    )
    return entry_submit(actor=author, entry=Entry.objects.get(pk=entry.pk), context={})


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _messages(response: _MonkeyPatchedWSGIResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the service --------------------------------------------------------------------------


def test_a_pdf_with_a_traversal_name_is_stored_privately_under_a_random_name(
    scenario: Scenario, draft: Entry, private_root: Path
) -> None:
    upload = SimpleUploadedFile("../../etc/passwd.pdf", PDF_BYTES, "application/pdf")

    attachment = attachment_add(actor=scenario.lead, entry=draft, upload=upload)

    stored = attachment_path(attachment)
    assert attachment.original_name == "passwd.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert "passwd" not in attachment.stored_name
    assert len(attachment.stored_name) == 48 + len(".pdf")
    assert stored.resolve().is_relative_to(private_root.resolve())
    assert stored.read_bytes() == PDF_BYTES
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.parent.stat().st_mode & 0o777 == 0o700
    assert _files_under(private_root) == [stored]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Letter from school.docx", _docx(), DOCX_CONTENT_TYPE),
        ("bruise photo.png", PNG_BYTES, "image/png"),
        ("scan.JPEG", JPEG_BYTES, "image/jpeg"),
    ],
)
def test_word_documents_and_images_are_accepted_by_their_content(
    scenario: Scenario, draft: Entry, name: str, content: bytes, content_type: str
) -> None:
    upload = SimpleUploadedFile(name, content, "application/octet-stream")

    attachment = attachment_add(actor=scenario.lead, entry=draft, upload=upload)

    assert attachment.original_name == name
    assert attachment.content_type == content_type
    assert attachment_path(attachment).read_bytes() == content


def test_a_name_without_an_extension_gets_the_detected_one(
    scenario: Scenario, draft: Entry
) -> None:
    upload = SimpleUploadedFile("Minutes 12.03.2025", PDF_BYTES)

    attachment = attachment_add(actor=scenario.lead, entry=draft, upload=upload)

    assert attachment.original_name == "Minutes 12.03.2025.pdf"


def test_control_characters_and_long_names_are_cleaned(scenario: Scenario, draft: Entry) -> None:
    upload = SimpleUploadedFile("C:\\Users\\sw\\" + "a\x00\u202e" + "b" * 300 + ".pdf", PDF_BYTES)

    attachment = attachment_add(actor=scenario.lead, entry=draft, upload=upload)

    assert attachment.original_name == "a" + "b" * 145 + ".pdf"


@pytest.mark.parametrize(
    ("name", "make_content", "message"),
    [
        pytest.param("notes.pdf", lambda: b"", EMPTY, id="empty"),
        pytest.param("big.pdf", _oversize_pdf, TOO_BIG, id="oversize"),
        pytest.param("report.pdf", lambda: b"MZ\x90\x00\x03" + b"\x00" * 64, WRONG_TYPE, id="exe"),
        pytest.param("report.pdf", lambda: b"Just some text", WRONG_TYPE, id="text"),
        pytest.param("x.pdf", lambda: PNG_BYTES, PNG_NAMED_PDF, id="png-named-pdf"),
        pytest.param(
            "letter.docx",
            lambda: _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}),
            WRONG_TYPE,
            id="zip-without-document",
        ),
        pytest.param(
            "letter.docx", lambda: b"PK\x03\x04" + b"\x00" * 64, WRONG_TYPE, id="corrupt-zip"
        ),
        pytest.param(
            "letter.docx",
            lambda: _zip(
                {
                    "[Content_Types].xml": "<Types/>",
                    "word/document.xml": "<w:document/>",
                    "word/vbaProject.bin": "macros",
                }
            ),
            WRONG_TYPE,
            id="docx-with-macros",
        ),
    ],
)
def test_refused_files_leave_nothing_behind(
    scenario: Scenario,
    draft: Entry,
    private_root: Path,
    name: str,
    make_content: Callable[[], bytes],
    message: str,
) -> None:
    upload = SimpleUploadedFile(name, make_content(), "application/pdf")

    with pytest.raises(ValidationError) as refused:
        attachment_add(actor=scenario.lead, entry=draft, upload=upload)

    assert refused.value.message_dict == {"file": [message]}
    assert not draft.attachments.exists()
    assert _files_under(private_root) == []
    entry = Entry.objects.get(pk=draft.pk)
    assert (entry.data, entry.version) == ({}, draft.version)


def test_only_the_author_can_attach(scenario: Scenario, draft: Entry, private_root: Path) -> None:
    upload = SimpleUploadedFile("letter.pdf", PDF_BYTES)

    with pytest.raises(ValidationError) as refused:
        attachment_add(actor=scenario.social_worker, entry=draft, upload=upload)

    assert refused.value.messages == ["Only the person who wrote this entry can attach files to it"]
    assert not draft.attachments.exists()
    assert _files_under(private_root) == []


def test_a_submitted_entry_takes_no_more_files(scenario: Scenario, draft: Entry) -> None:
    submitted = _submit(draft)
    upload = SimpleUploadedFile("letter.pdf", PDF_BYTES)

    with pytest.raises(ValidationError) as refused:
        attachment_add(actor=scenario.lead, entry=submitted, upload=upload)

    assert refused.value.messages == ["Files can only be attached to a draft or returned entry"]
    assert not draft.attachments.exists()


# --- uploading through the page -------------------------------------------------------------


def test_uploading_a_file_returns_to_the_entry_with_a_confirmation(
    scenario: Scenario, draft: Entry
) -> None:
    response = _client(scenario.lead).post(
        reverse("workbook:attachment-upload", args=[draft.pk]),
        {"file": SimpleUploadedFile("Letter.pdf", PDF_BYTES)},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("workbook:entry-edit", args=[draft.pk])
    assert _messages(response) == ["Letter.pdf has been attached"]
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["Letter.pdf"]


def test_a_refused_upload_returns_to_the_entry_with_the_reason(
    scenario: Scenario, draft: Entry, private_root: Path
) -> None:
    response = _client(scenario.lead).post(
        reverse("workbook:attachment-upload", args=[draft.pk]),
        {"file": SimpleUploadedFile("x.pdf", PNG_BYTES, "application/pdf")},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("workbook:entry-edit", args=[draft.pk])
    assert _messages(response) == [PNG_NAMED_PDF]
    assert not draft.attachments.exists()
    assert _files_under(private_root) == []


def test_posting_without_a_file_asks_for_one(scenario: Scenario, draft: Entry) -> None:
    response = _client(scenario.lead).post(
        reverse("workbook:attachment-upload", args=[draft.pk]), {}
    )

    assert response.status_code == 302
    assert _messages(response) == ["Select a file to attach"]


def test_a_teammate_cannot_attach_to_a_submitted_entry(scenario: Scenario, draft: Entry) -> None:
    submitted = _submit(draft)

    response = _client(scenario.social_worker).post(
        reverse("workbook:attachment-upload", args=[submitted.pk]),
        {"file": SimpleUploadedFile("Letter.pdf", PDF_BYTES)},
    )

    assert response.status_code == 403
    assert not draft.attachments.exists()


def test_nobody_else_can_reach_a_draft_to_attach_to_it(
    scenario: Scenario, draft: Entry, outsider: User
) -> None:
    url = reverse("workbook:attachment-upload", args=[draft.pk])
    upload = {"file": SimpleUploadedFile("Letter.pdf", PDF_BYTES)}

    assert _client(scenario.social_worker).post(url, upload).status_code == 404
    assert _client(outsider).post(url, upload).status_code == 404
    assert not draft.attachments.exists()


# --- downloading --------------------------------------------------------------------------


@pytest.fixture
def attachment(scenario: Scenario, draft: Entry) -> Attachment:
    upload = SimpleUploadedFile("Letter from school.pdf", PDF_BYTES)
    return attachment_add(actor=scenario.lead, entry=draft, upload=upload)


def _download(user: User, attachment_pk: int) -> tuple[int, dict[str, str], bytes]:
    response = _client(user).get(reverse("workbook:attachment-download", args=[attachment_pk]))
    # The test client closes a streamed response (and its file) once it has been read.
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""  # type: ignore[attr-defined]
    return response.status_code, dict(response.headers), body


def test_the_author_downloads_their_draft_attachment_and_it_is_audited(
    scenario: Scenario, attachment: Attachment
) -> None:
    status, headers, body = _download(scenario.lead, attachment.pk)

    assert status == 200
    assert body == PDF_BYTES
    assert headers["Content-Disposition"] == 'attachment; filename="Letter from school.pdf"'
    assert headers["Content-Type"] == "application/pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    event = AccessEvent.objects.get(user_id=scenario.lead.pk)
    assert (event.action, event.record_type, event.record_id, event.family_id, event.basis) == (
        AccessAction.EXPORT,
        RecordType.ENTRY,
        attachment.entry_id,
        scenario.case.family_id,
        AccessBasis.ALLOCATION,
    )


def test_a_teammate_downloads_once_the_entry_is_submitted(
    scenario: Scenario, attachment: Attachment
) -> None:
    assert _download(scenario.social_worker, attachment.pk)[0] == 404

    _submit(attachment.entry)
    status, headers, body = _download(scenario.social_worker, attachment.pk)

    assert status == 200
    assert body == PDF_BYTES
    assert headers["Content-Disposition"].startswith("attachment;")
    event = AccessEvent.objects.get(user_id=scenario.social_worker.pk)
    assert (event.action, event.basis) == (AccessAction.EXPORT, AccessBasis.TEAM)


def test_another_team_gets_not_found_as_for_a_missing_attachment(
    scenario: Scenario, attachment: Attachment, outsider: User
) -> None:
    _submit(attachment.entry)

    assert _download(outsider, attachment.pk)[0] == 404
    assert _download(outsider, attachment.pk + 1000)[0] == 404
    assert not AccessEvent.objects.filter(user_id=outsider.pk).exists()


def test_signing_in_is_needed_to_download(attachment: Attachment) -> None:
    response = Client().get(reverse("workbook:attachment-download", args=[attachment.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("teams:sign-in"))
    assert not AccessEvent.objects.filter(
        record_type=RecordType.ENTRY, record_id=attachment.entry_id
    ).exists()
