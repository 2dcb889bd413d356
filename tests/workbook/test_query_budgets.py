"""Query budgets (STYLE.md §13): the workbook page, an entry and its revisions run a fixed
number of queries, the same with 2 rows as with 40, under an absolute ceiling; an autosave
runs the few a save needs, the same for a family of 4 as of 14 and for an entry's 3rd save as
for its 40th.

The counts are pinned: a change that adds a query to a page changes its number here, on
purpose. They count the whole request, including the session and the signed-in user.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import HouseholdRole, Person
from teams.models import User
from tests.factories import AdultFactory, FamilyMemberFactory
from tests.workbook.conftest import TeamCase, case_note_answers, intervention_summary_answers
from workbook.models import Attachment, Entry
from workbook.services import entry_save, entry_start, entry_submit

pytestmark = pytest.mark.django_db

CEILING = 35
# The header's unread notification count (safeguarding.context_processors), one per page.
NOTIFICATION_COUNT_QUERIES = 1
# django-otp loads the device that verified the session on every request (teams.mfa).
SECOND_FACTOR_QUERIES = 1
PER_PAGE = NOTIFICATION_COUNT_QUERIES + SECOND_FACTOR_QUERIES
WORKBOOK_PAGE_QUERIES = 14 + PER_PAGE  # includes the read-audit INSERT
ENTRY_PAGE_QUERIES = 11 + PER_PAGE
REVISIONS_PAGE_QUERIES = 12 + PER_PAGE

# Every request, before the view: the session, the signed-in user, and the second factor.
REQUEST_QUERIES = 2 + SECOND_FACTOR_QUERIES
# The entry with its case and why the user may see it; the user's memberships (may they
# record on the family); their allocation (may they still write this form). The questions
# the answers may be for come from the form's class, without a query.
ENTRY_LOAD_QUERIES = 3
# Lock the entry's row, update it, add its revision. The save's transaction is a savepoint
# inside the test's own, which adds SAVEPOINT and RELEASE (in production BEGIN and COMMIT,
# which Django does not count as queries).
SAVE_QUERIES = 3 + 2
# The status line is a fragment: no navigation, no notification count.
AUTOSAVE_QUERIES = REQUEST_QUERIES + ENTRY_LOAD_QUERIES + SAVE_QUERIES


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _write_entries(tc: TeamCase, count: int) -> None:
    """Case notes by four workers, about the family or one of its people, all submitted but
    every other one of the lead's: the lead sees every one, drafts and submitted, in four
    chapters."""
    authors = [tc.lead, tc.practitioner, tc.da_specialist, tc.su_specialist]
    subjects = [None, tc.older_child, tc.mother, tc.father]
    for n in range(count):
        author = authors[n % len(authors)]
        entry = entry_start(
            actor=author,
            case=tc.case,
            form_slug="case-note",
            subject_person=subjects[(n // len(authors)) % len(subjects)],
        )
        saved = entry_save(
            actor=author, entry_id=entry.pk, answers=case_note_answers(), base_version=1
        ).entry
        if author != tc.lead or n % 8:
            entry_submit(actor=author, entry=saved, context={})


def _attach(entry: Entry, count: int) -> None:
    """Attachment rows only: pages list attachments, they never open the files."""
    Attachment.objects.bulk_create(
        Attachment(
            entry=entry,
            original_name=f"letter-{entry.attachments.count() + n}.pdf",
            stored_name=secrets.token_hex(24) + ".pdf",
            content_type="application/pdf",
            size=1024,
            uploaded_by=entry.author,
        )
        for n in range(count)
    )


def _add_revisions_and_attachments(entry: Entry, count: int) -> None:
    """``count`` more saves of the draft (each one a revision) and ``count`` more files."""
    for _ in range(count):
        entry.refresh_from_db()
        answers: dict[str, Any] = case_note_answers() | {
            "what_happened": f"Version {entry.version + 1} of what happened."
        }
        entry_save(
            actor=entry.author, entry_id=entry.pk, answers=answers, base_version=entry.version
        )
    _attach(entry, count)


@pytest.fixture
def draft(team_case: TeamCase) -> Entry:
    """The lead's draft case note with 2 revisions (started, saved) and 2 attachments."""
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    entry_save(actor=team_case.lead, entry_id=entry.pk, answers=case_note_answers(), base_version=1)
    _attach(entry, 2)
    return entry


def test_the_workbook_page_runs_the_same_queries_for_2_and_40_entries(
    team_case: TeamCase, django_assert_num_queries: Any
) -> None:
    client = _client(team_case.lead)
    url = reverse("workbook:workbook", args=[team_case.case.family_id])
    _write_entries(team_case, 2)

    with django_assert_num_queries(WORKBOOK_PAGE_QUERIES):
        few = client.get(url)
    _write_entries(team_case, 38)
    with django_assert_num_queries(WORKBOOK_PAGE_QUERIES):
        many = client.get(url)

    assert (few.status_code, many.status_code) == (200, 200)
    assert many.content.decode().count('">Case note</a>') == 40
    assert WORKBOOK_PAGE_QUERIES < CEILING


def test_the_entry_page_runs_the_same_queries_for_2_and_40_revisions_and_files(
    team_case: TeamCase, draft: Entry, django_assert_num_queries: Any
) -> None:
    client = _client(team_case.lead)
    url = reverse("workbook:entry", args=[draft.pk])

    with django_assert_num_queries(ENTRY_PAGE_QUERIES):
        few = client.get(url)
    _add_revisions_and_attachments(draft, 38)
    with django_assert_num_queries(ENTRY_PAGE_QUERIES):
        many = client.get(url)

    assert (few.status_code, many.status_code) == (200, 200)
    assert draft.revisions.count() == 40
    assert many.content.decode().count(".pdf</a>") == 40
    assert ENTRY_PAGE_QUERIES < CEILING


def test_the_revisions_page_runs_the_same_queries_for_2_and_40_revisions(
    team_case: TeamCase, draft: Entry, django_assert_num_queries: Any
) -> None:
    client = _client(team_case.lead)
    url = reverse("workbook:entry-revisions", args=[draft.pk])

    with django_assert_num_queries(REVISIONS_PAGE_QUERIES):
        few = client.get(url)
    _add_revisions_and_attachments(draft, 38)
    with django_assert_num_queries(REVISIONS_PAGE_QUERIES):
        many = client.get(url)

    assert (few.status_code, many.status_code) == (200, 200)
    assert many.content.decode().count("govuk-details__summary-text") == 40
    assert REVISIONS_PAGE_QUERIES < CEILING


def _more_adults(tc: TeamCase, count: int) -> list[Person]:
    """``count`` more adults living with the family (each is asked about in the summary)."""
    adults = AdultFactory.create_batch(count, family_name="Carter")
    for adult in adults:
        FamilyMemberFactory.create(
            family=tc.case.family, person=adult, household_role=HouseholdRole.OTHER_ADULT
        )
    return adults


def _autosave(client: Client, entry: Entry, answers: dict[str, Any]) -> Any:
    return client.post(
        reverse("workbook:entry-autosave", args=[entry.pk]),
        answers | {"base_version": str(entry.version), "editor_token": "page-1"},
        HTTP_HX_REQUEST="true",
    )


def test_an_autosave_runs_the_same_few_queries_for_a_bigger_family_and_a_longer_history(
    team_case: TeamCase, django_assert_num_queries: Any
) -> None:
    client = _client(team_case.lead)
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="intervention-summary")

    with django_assert_num_queries(AUTOSAVE_QUERIES):
        few = _autosave(client, entry, intervention_summary_answers(team_case.adults))
    adults = [*team_case.adults, *_more_adults(team_case, 10)]
    _add_revisions(entry, 37)
    entry.refresh_from_db()
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        many = _autosave(client, entry, intervention_summary_answers(adults))

    assert (few.status_code, many.status_code) == (200, 200)
    assert "Saved at" in many.content.decode()
    entry.refresh_from_db()
    assert entry.revisions.count() == 40
    assert entry.data == intervention_summary_answers(adults)


def _add_revisions(entry: Entry, count: int) -> None:
    for n in range(count):
        entry.refresh_from_db()
        entry_save(
            actor=entry.author,
            entry_id=entry.pk,
            answers={**entry.data, "work_done": f"Version {n} of the work done."},
            base_version=entry.version,
        )
