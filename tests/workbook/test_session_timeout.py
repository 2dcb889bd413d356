"""A draft being written when the session ends is still there after signing in again."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.second_factor import sign_in_with_code
from workbook.models import EntryRevision
from workbook.services import entry_start

from .conftest import TeamCase

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-synthetic-passphrase"


def _signed_in(team_case: TeamCase) -> Client:
    client = Client()
    team_case.lead.set_password(PASSWORD)
    team_case.lead.save()
    client.force_login(team_case.lead)
    return client


def _sign_in_again(client: Client, team_case: TeamCase, next_url: str) -> None:
    response = sign_in_with_code(client, team_case.lead, PASSWORD, next_url)
    assert response.status_code == 302
    assert response["Location"] == next_url


def test_autosave_after_the_session_ended_keeps_the_text_for_after_signing_in(
    team_case: TeamCase,
) -> None:
    client = _signed_in(team_case)
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    edit_url = reverse("workbook:entry-edit", args=[entry.pk])
    client.logout()  # the session ends (timeout or sign-out elsewhere)

    response = client.post(
        reverse("workbook:entry-autosave", args=[entry.pk]),
        {"base_version": entry.version, "what_happened": "Typed after the session ended"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('teams:sign-in')}?next={edit_url}"
    entry.refresh_from_db()
    assert entry.data == {}

    _sign_in_again(client, team_case, edit_url)
    response = client.get(edit_url)

    kept = EntryRevision.objects.get(entry=entry, is_conflict=True)
    assert kept.data["what_happened"] == "Typed after the session ended"
    assert kept.saved_by == team_case.lead
    assert response.status_code == 302
    assert response["Location"] == reverse("workbook:entry-conflict", args=[entry.pk, kept.pk])
    conflict_page = client.get(response["Location"])
    assert b"Typed after the session ended" in conflict_page.content


def test_saving_without_javascript_after_the_session_ended_keeps_the_text(
    team_case: TeamCase,
) -> None:
    client = _signed_in(team_case)
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    edit_url = reverse("workbook:entry-edit", args=[entry.pk])
    client.logout()

    response = client.post(
        edit_url, {"base_version": entry.version, "action": "save", "present": "Mum and Leo"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('teams:sign-in')}?next={edit_url}"
    _sign_in_again(client, team_case, edit_url)
    response = client.get(edit_url)
    kept = EntryRevision.objects.get(entry=entry, is_conflict=True)
    assert kept.data["present"] == "Mum and Leo"
    assert response["Location"] == reverse("workbook:entry-conflict", args=[entry.pk, kept.pk])


def test_text_kept_for_one_person_is_not_given_to_another(team_case: TeamCase) -> None:
    client = _signed_in(team_case)
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    client.logout()
    client.post(
        reverse("workbook:entry-autosave", args=[entry.pk]),
        {"what_happened": "Someone's text"},
        HTTP_HX_REQUEST="true",
    )
    client.force_login(team_case.practitioner)

    response = client.get(reverse("workbook:entry-edit", args=[entry.pk]))

    assert response.status_code == 404  # a draft is its author's until submitted
    assert not EntryRevision.objects.filter(entry=entry, is_conflict=True).exists()


def test_a_draft_being_edited_when_the_idle_timeout_ends_the_session_is_kept(
    team_case: TeamCase,
) -> None:
    """The real timeout, not a sign-out: the idle session is signed out by the middleware on
    the autosave itself, and the text comes back after signing in again."""
    client = _signed_in(team_case)
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    edit_url = reverse("workbook:entry-edit", args=[entry.pk])
    session = client.session
    session["last_activity"] = time.time() - settings.SESSION_IDLE_TIMEOUT_SECONDS - 10
    session.save()

    response = client.post(
        reverse("workbook:entry-autosave", args=[entry.pk]),
        {"base_version": entry.version, "what_happened": "Typed while the session idled out"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('teams:sign-in')}?next={edit_url}"
    entry.refresh_from_db()
    assert entry.data == {}

    client.force_login(team_case.lead)  # signing in again keeps the session's data
    response = client.get(edit_url)

    kept = EntryRevision.objects.get(entry=entry, is_conflict=True)
    assert kept.data["what_happened"] == "Typed while the session idled out"
    assert response["Location"] == reverse("workbook:entry-conflict", args=[entry.pk, kept.pk])
