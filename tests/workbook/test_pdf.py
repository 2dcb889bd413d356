"""PDFs of workbook entries and of the family's chronology, downloaded through the views and
read back with pypdf: what they say, that they are tagged and titled for screen readers, that
they never fetch anything a worker pasted into a note, and that each download is audited.

Every test starts from ``team_case`` (tests/workbook/conftest.py): the Carter family, referred
by the police on a Tuesday 12 weeks ago, with Mia on a child protection plan for 6 weeks.
"""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf.generic import DictionaryObject

from cases.models import AccessAction, AccessBasis, AccessEvent, RecordType
from safeguarding.lib.pdf import DenyAllURLFetcher, render_pdf
from teams.models import User
from tests.workbook.conftest import (
    ALLOCATION_DATE,
    CP_PLAN_START,
    REFERRAL_DATE,
    VISIT_DATE,
    TeamCase,
    case_note_answers,
    statutory_visit_answers,
)
from workbook.models import Entry
from workbook.services import entry_save, entry_start, entry_submit

pytestmark = pytest.mark.django_db

DATE_IN_TABLE = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")
SIGNIFICANT_SUMMARY = "Zebra significant note"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local port that would see any request a PDF render made (nothing here answers it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


def _connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = sock.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def _url(sock: socket.socket, path: str) -> str:
    host, port = sock.getsockname()
    return f"http://{host}:{port}/{path}"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(BytesIO(content))


def _text(content: bytes) -> str:
    """The PDF's text with line wrapping undone, so answers read as they were written."""
    reader = _reader(content)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _submitted(tc: TeamCase, slug: str, answers: dict[str, Any], **options: Any) -> Entry:
    entry = entry_start(
        actor=tc.lead,
        case=tc.case,
        form_slug=slug,
        subject_person=tc.older_child if slug == "statutory-visit" else None,
    )
    saved = entry_save(
        actor=tc.lead, entry_id=entry.pk, answers=answers, base_version=entry.version, **options
    ).entry
    return entry_submit(actor=tc.lead, entry=saved, context={})


# --- entry PDFs ------------------------------------------------------------------------------------


def test_an_entry_pdf_holds_the_form_title_and_the_answers(team_case: TeamCase) -> None:
    entry = _submitted(team_case, "case-note", case_note_answers())

    response = _client(team_case.practitioner).get(reverse("workbook:entry-pdf", args=[entry.pk]))

    text = _text(response.content)
    assert response["Content-Type"] == "application/pdf"
    assert "Case note" in text
    assert f"{VISIT_DATE.day} {VISIT_DATE:%B %Y}" in text  # the date of contact, as written
    assert "Home visit" in text  # a choice is shown by its label
    assert "Talked with Jade about the plan and played with Noah." in text
    assert "Jade seemed more settled than last week." in text
    assert "Mia's class teacher" in text


def test_an_entry_pdf_is_tagged_in_british_english_and_titled(team_case: TeamCase) -> None:
    entry = _submitted(team_case, "case-note", case_note_answers())

    response = _client(team_case.lead).get(reverse("workbook:entry-pdf", args=[entry.pk]))

    reader = _reader(response.content)
    catalog = reader.root_object
    mark_info = catalog["/MarkInfo"]
    assert "/StructTreeRoot" in catalog
    assert isinstance(mark_info, DictionaryObject)
    assert bool(mark_info["/Marked"])
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata is not None
    assert reader.metadata.title == f"Case note ({team_case.case.family.reference})"


def test_a_note_is_printed_as_text_and_nothing_it_names_is_fetched(
    team_case: TeamCase, listener: socket.socket
) -> None:
    image = _url(listener, "x.png")
    note = f'See <img src="{image}"> https://example.org/x'
    entry = _submitted(team_case, "case-note", case_note_answers() | {"what_happened": note})

    response = _client(team_case.lead).get(reverse("workbook:entry-pdf", args=[entry.pk]))

    text = _text(response.content)
    assert response.status_code == 200
    assert f'See <img src="{image}"> https://example.org/x' in text
    assert _connections(listener) == 0


def test_the_deny_all_fetcher_refuses_images_and_stylesheets_without_a_request(
    listener: socket.socket,
) -> None:
    image, stylesheet = _url(listener, "x.png"), _url(listener, "style.css")
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Test</title>'
        f'<link rel="stylesheet" href="{stylesheet}"></head>'
        f'<body><h1>Test</h1><img src="{image}" alt="A picture"></body></html>'
    )
    fetcher = DenyAllURLFetcher()

    pdf = render_pdf(html, fetcher=fetcher)

    assert pdf.startswith(b"%PDF-")
    assert sorted(fetcher.refused) == sorted([image, stylesheet])
    assert _connections(listener) == 0


def test_downloading_an_entry_pdf_is_audited(team_case: TeamCase) -> None:
    entry = _submitted(team_case, "case-note", case_note_answers())

    _client(team_case.lead).get(reverse("workbook:entry-pdf", args=[entry.pk]))

    events = AccessEvent.objects.filter(user_id=team_case.lead.pk, action=AccessAction.PDF)
    assert [(e.record_type, e.record_id, e.family_id, e.basis) for e in events] == [
        (RecordType.ENTRY, entry.pk, team_case.case.family_id, AccessBasis.ALLOCATION)
    ]


# --- chronology PDFs -------------------------------------------------------------------------------


@pytest.fixture
def chronology(team_case: TeamCase) -> TeamCase:
    """Besides the referral (significant), the allocations (the referral's day and the next)
    and Mia's child protection plan (significant): today a case note marked significant, and a
    statutory visit (in the chronology, not significant)."""
    _submitted(
        team_case,
        "case-note",
        case_note_answers(),
        significant=True,
        significant_summary=SIGNIFICANT_SUMMARY,
    )
    _submitted(team_case, "statutory-visit", statutory_visit_answers())
    return team_case


def _shown(day: dt.date) -> str:
    """A date as the chronology's table shows it."""
    return f"{day:%d/%m/%Y}"


def _chronology_text(tc: TeamCase, query: str = "") -> str:
    url = reverse("workbook:chronology-pdf", args=[tc.case.family_id]) + query
    response = _client(tc.lead).get(url)
    assert response["Content-Type"] == "application/pdf"
    return _text(response.content)


def test_the_chronology_pdf_lists_significant_events_in_date_order(chronology: TeamCase) -> None:
    text = _chronology_text(chronology)

    dates = DATE_IN_TABLE.findall(text)
    assert dates == [_shown(REFERRAL_DATE), _shown(CP_PLAN_START), _shown(timezone.localdate())]
    assert text.index("Referral received") < text.index("Child protection plan started")
    assert text.index("Child protection plan started") < text.index(SIGNIFICANT_SUMMARY)
    assert "allocated" not in text
    assert "Statutory visit" not in text


def test_the_full_chronology_pdf_lists_every_event_in_date_order(chronology: TeamCase) -> None:
    text = _chronology_text(chronology, "?all=1")

    dates = DATE_IN_TABLE.findall(text)
    assert dates == sorted(dates, key=lambda d: (d[6:], d[3:5], d[:2]))
    assert dates.count(_shown(REFERRAL_DATE)) == 2  # the referral and the lead's allocation
    assert dates.count(_shown(ALLOCATION_DATE)) == 3  # the practitioner and the two specialists
    assert dates.count(_shown(timezone.localdate())) == 2  # today's case note and visit
    assert text.index("Referral received") < text.index("allocated")
    assert text.index("Child protection plan started") < text.index(SIGNIFICANT_SUMMARY)
    assert "Statutory visit" in text


def test_downloading_the_chronology_pdf_is_audited(chronology: TeamCase) -> None:
    _chronology_text(chronology, "?all=1")

    events = AccessEvent.objects.filter(user_id=chronology.lead.pk, action=AccessAction.PDF)
    family_id = chronology.case.family_id
    assert [(e.record_type, e.record_id, e.family_id, e.basis) for e in events] == [
        (RecordType.FAMILY, family_id, family_id, AccessBasis.ALLOCATION)
    ]
