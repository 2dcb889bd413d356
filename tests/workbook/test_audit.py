"""Who read which entry, and who changed it (DESIGN §5: every read of an entry writes an
AccessEvent; DOMAIN.md: every view is logged and managers can see who viewed a record).

Reads go to ``AccessEvent`` (one row per page view, with the family and the basis of access);
changes go to the django-pghistory change history of ``Entry`` (``workbook.EntryEvent``),
whose context carries the user who made them.
"""

from __future__ import annotations

import pghistory.models
import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from cases.models import AccessAction, AccessBasis, AccessEvent, RecordType
from teams.models import User
from tests.workbook.conftest import TeamCase, case_note_answers
from workbook.models import Entry
from workbook.services import entry_save, entry_start, entry_submit

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _draft(tc: TeamCase) -> Entry:
    entry = entry_start(actor=tc.lead, case=tc.case, form_slug="case-note")
    return entry_save(
        actor=tc.lead, entry_id=entry.pk, answers=case_note_answers(), base_version=entry.version
    ).entry


def _submitted(tc: TeamCase) -> Entry:
    return entry_submit(actor=tc.lead, entry=_draft(tc), context={})


def _events() -> list[tuple[int | None, str, int, int | None, str, str]]:
    return [
        (e.user_id, e.record_type, e.record_id, e.family_id, e.action, e.basis)
        for e in AccessEvent.objects.order_by("pk")
    ]


# --- reads ---------------------------------------------------------------------------------------


def test_viewing_an_entry_writes_one_access_event_with_the_basis(team_case: TeamCase) -> None:
    entry = _submitted(team_case)
    before = AccessEvent.objects.count()

    response = _client(team_case.practitioner).get(reverse("workbook:entry", args=[entry.pk]))

    assert response.status_code == 200
    assert _events()[before:] == [
        (
            team_case.practitioner.pk,
            RecordType.ENTRY,
            entry.pk,
            team_case.case.family_id,
            AccessAction.VIEW,
            AccessBasis.ALLOCATION,
        )
    ]


def test_a_manager_who_is_not_allocated_is_logged_as_a_team_member(team_case: TeamCase) -> None:
    entry = _submitted(team_case)
    before = AccessEvent.objects.count()

    _client(team_case.manager).get(reverse("workbook:entry", args=[entry.pk]))

    assert _events()[before:] == [
        (
            team_case.manager.pk,
            RecordType.ENTRY,
            entry.pk,
            team_case.case.family_id,
            AccessAction.VIEW,
            AccessBasis.TEAM,
        )
    ]


def test_every_view_of_an_entry_is_logged_again(team_case: TeamCase) -> None:
    entry = _submitted(team_case)
    client = _client(team_case.practitioner)
    url = reverse("workbook:entry", args=[entry.pk])
    before = AccessEvent.objects.count()

    client.get(url)
    client.get(url)

    assert AccessEvent.objects.count() - before == 2


def test_viewing_the_revisions_writes_one_access_event(team_case: TeamCase) -> None:
    entry = _submitted(team_case)
    before = AccessEvent.objects.count()

    response = _client(team_case.practitioner).get(
        reverse("workbook:entry-revisions", args=[entry.pk])
    )

    assert response.status_code == 200
    assert _events()[before:] == [
        (
            team_case.practitioner.pk,
            RecordType.ENTRY,
            entry.pk,
            team_case.case.family_id,
            AccessAction.VIEW,
            AccessBasis.ALLOCATION,
        )
    ]


def test_an_entry_of_another_team_answers_not_found_and_logs_nothing(
    team_case: TeamCase, other_team_case: TeamCase
) -> None:
    entry = _submitted(team_case)
    client = _client(other_team_case.lead)
    before = AccessEvent.objects.count()

    responses = [
        client.get(reverse("workbook:entry", args=[entry.pk])).status_code,
        client.get(reverse("workbook:entry-revisions", args=[entry.pk])).status_code,
        client.get(reverse("workbook:entry-pdf", args=[entry.pk])).status_code,
    ]

    assert responses == [404, 404, 404]
    assert AccessEvent.objects.count() == before


def test_someone_elses_draft_answers_not_found_and_logs_nothing(team_case: TeamCase) -> None:
    entry = _draft(team_case)
    before = AccessEvent.objects.count()

    response = _client(team_case.practitioner).get(reverse("workbook:entry", args=[entry.pk]))

    assert response.status_code == 404
    assert AccessEvent.objects.count() == before


def test_opening_a_draft_to_edit_it_writes_one_access_event(team_case: TeamCase) -> None:
    entry = _draft(team_case)
    before = AccessEvent.objects.count()

    response = _client(team_case.lead).get(reverse("workbook:entry-edit", args=[entry.pk]))

    assert response.status_code == 200
    assert AccessEvent.objects.count() - before == 1


def test_opening_the_workbook_writes_one_access_event_for_the_family(team_case: TeamCase) -> None:
    _submitted(team_case)
    before = AccessEvent.objects.count()

    response = _client(team_case.practitioner).get(
        reverse("workbook:workbook", args=[team_case.case.family_id])
    )

    assert response.status_code == 200
    assert [(e[1], e[2]) for e in _events()[before:]] == [
        (RecordType.FAMILY, team_case.case.family_id)
    ]


# --- changes -------------------------------------------------------------------------------------


def test_saving_a_draft_records_who_changed_it_in_the_history(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    edit_url = reverse("workbook:entry-edit", args=[entry.pk])
    entry_event = apps.get_model("workbook", "EntryEvent")

    response = _client(team_case.lead).post(
        edit_url,
        case_note_answers() | {"base_version": str(entry.version), "action": "save"},
    )

    assert response.status_code == 302
    change = entry_event.objects.filter(pgh_obj_id=entry.pk).order_by("pgh_id").last()
    assert change is not None
    assert (change.pgh_label, change.version, change.data["present"]) == (
        "update",
        2,
        "Jade, Mia and Noah",
    )
    context = pghistory.models.Context.objects.get(pk=change.pgh_context_id)
    assert context.metadata["user"] == team_case.lead.pk
    assert context.metadata["url"] == edit_url


def test_a_refused_edit_page_is_not_recorded_as_a_read(team_case: TeamCase) -> None:
    """Someone else's submitted entry: the edit page answers 403 and the access log does not
    say they read it; the author sent from the edit page to the entry page is logged once."""
    entry = _submitted(team_case)
    before = AccessEvent.objects.count()

    refused = _client(team_case.practitioner).get(reverse("workbook:entry-edit", args=[entry.pk]))
    redirected = _client(team_case.lead).get(reverse("workbook:entry-edit", args=[entry.pk]))

    assert refused.status_code == 403
    assert redirected.status_code == 302
    assert AccessEvent.objects.count() == before
