"""One page's crossing saves are one editor; two pages are two editors and conflict."""

from __future__ import annotations

import pytest

from workbook.models import EntryRevision
from workbook.services import entry_save, entry_start

from .conftest import TeamCase

pytestmark = pytest.mark.django_db


def test_a_pages_autosave_and_its_own_save_from_the_same_version_are_both_kept(
    team_case: TeamCase,
) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    start = entry.version

    autosave = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "Mum"},
        base_version=start,
        editor_token="page-a",
    )
    own_save = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "Mum and Leo"},
        base_version=start,
        editor_token="page-a",
    )

    entry.refresh_from_db()
    assert autosave.saved
    assert own_save.saved
    assert entry.version == start + 2
    assert entry.data["present"] == "Mum and Leo"
    assert not EntryRevision.objects.filter(entry=entry, is_conflict=True).exists()


def test_two_pages_saving_from_the_same_version_conflict(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    start = entry.version

    first = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "Mum"},
        base_version=start,
        editor_token="page-a",
    )
    second = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "Dad"},
        base_version=start,
        editor_token="page-b",
    )

    entry.refresh_from_db()
    assert first.saved
    assert second.conflict is not None
    assert second.conflict.data["present"] == "Dad"
    assert entry.data["present"] == "Mum"


def test_a_page_that_fell_behind_another_page_still_conflicts(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    start = entry.version
    entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "A1"},
        base_version=start,
        editor_token="page-a",
    )
    entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "B1"},
        base_version=start + 1,
        editor_token="page-b",
    )

    late = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "A2"},
        base_version=start + 1,
        editor_token="page-a",
    )

    entry.refresh_from_db()
    assert late.conflict is not None
    assert entry.data["present"] == "B1"
