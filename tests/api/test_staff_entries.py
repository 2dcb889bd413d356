"""``/api/v1/entries/``: reading, starting, changing and submitting workbook entries.

The Carters' lead social worker is allocated to the case (social work); the family
practitioner (family support) and two adult specialists are allocated too; the team manager is
in the team but not allocated, so can read the workbook but not write in it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from cases.models import AccessBasis, RecordType
from safeguarding.lib.api import etag_for
from teams.roles import Role
from tests.api.staff_world import api_events, session_client
from tests.factories import AllocationFactory, CaseFactory, FamilyFactory, MembershipFactory
from tests.workbook.conftest import (
    TeamCase,
    build_team_case,
    case_note_answers,
    intervention_summary_answers,
    statutory_visit_answers,
    substance_use_answers,
)
from workbook.models import Entry, EntryRevision, EntryStatus
from workbook.services import entry_create, entry_submit

pytestmark = pytest.mark.django_db

ENTRIES = reverse("api:entries")
MISSING = object()


def entry_url(entry: Entry) -> str:
    return reverse("api:entry", args=[entry.pk])


def submit_url(entry: Entry) -> str:
    return reverse("api:entry-submit", args=[entry.pk])


def etag(entry: Entry) -> str:
    entry.refresh_from_db()
    return etag_for(entry.pk, entry.version)


@pytest.fixture
def carters() -> TeamCase:
    return build_team_case("Carter")


@pytest.fixture
def patels() -> TeamCase:
    return build_team_case("Patel")


def draft(tc: TeamCase, **answers: Any) -> Entry:
    """A case note about the older child, written by the lead social worker."""
    return entry_create(
        actor=tc.lead,
        case=tc.case,
        form_slug="case-note",
        subject_person=tc.older_child,
        answers=case_note_answers() | answers,
    )


def submitted(tc: TeamCase) -> Entry:
    entry = entry_create(
        actor=tc.practitioner, case=tc.case, form_slug="case-note", answers=case_note_answers()
    )
    return entry_submit(actor=tc.practitioner, entry=entry, context={})


# --- creating a draft ----------------------------------------------------------------------------


def test_a_worker_starts_a_draft_with_answers(carters: TeamCase) -> None:
    response = session_client(carters.lead).post(
        ENTRIES,
        {
            "case": carters.case.pk,
            "form": "case-note",
            "subject_person": carters.older_child.pk,
            "answers": case_note_answers(),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    entry = Entry.objects.get(pk=body["id"])
    assert (entry.author, entry.status, entry.subject_person) == (
        carters.lead,
        EntryStatus.DRAFT,
        carters.older_child,
    )
    assert entry.data == case_note_answers()
    assert body["answers"] == case_note_answers()
    assert body["version"] == entry.version
    assert body["case_id"] == carters.case.pk
    assert body["form"] == "case-note"
    assert response["ETag"] == etag_for(entry.pk, entry.version)
    assert response["Location"] == entry_url(entry)


def test_a_draft_can_start_empty(carters: TeamCase) -> None:
    response = session_client(carters.lead).post(
        ENTRIES, {"case": carters.case.pk, "form": "family-overview"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["answers"] == {}
    assert response.json()["version"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"form": "diary"}, "form"),
        ({"answers": {"what_happend": "Typo in the question"}}, "answers.what_happend"),
        ({"answers": {"present": ["Jade", "Mia"]}}, "answers.present"),
        ({"answers": {"present": None}}, "answers.present"),
        ({"answers": {"present": {"who": "Jade"}}}, "answers.present"),
        ({"significant": True}, "significant_summary"),
        ({"case": "the Carters"}, "case"),
    ],
)
def test_a_create_with_errors_is_a_400_naming_the_field(
    carters: TeamCase, body: dict[str, Any], field: str
) -> None:
    request = {"case": carters.case.pk, "form": "case-note"} | body

    response = session_client(carters.lead).post(ENTRIES, request, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Entry.objects.filter(author=carters.lead).exists()


def test_a_form_about_a_child_needs_a_child_of_this_family(
    carters: TeamCase, patels: TeamCase
) -> None:
    client = session_client(carters.lead)
    base = {"case": carters.case.pk, "form": "statutory-visit"}

    missing = client.post(ENTRIES, base, format="json")
    an_adult = client.post(ENTRIES, base | {"subject_person": carters.mother.pk}, format="json")
    another_family = client.post(
        ENTRIES, base | {"subject_person": patels.older_child.pk}, format="json"
    )

    assert missing.status_code == 400
    assert missing.json()["errors"] == {"subject_person": ["Choose the child this is about"]}
    assert an_adult.json()["errors"] == {"subject_person": ["Choose a child"]}
    assert another_family.json()["errors"] == {
        "subject_person": ["Choose a current member of this family"]
    }
    assert not Entry.objects.exists()


def test_a_case_you_cannot_see_is_not_found(carters: TeamCase, patels: TeamCase) -> None:
    client = session_client(carters.lead)

    theirs = client.post(ENTRIES, {"case": patels.case.pk, "form": "case-note"}, format="json")
    nobodys = client.post(ENTRIES, {"case": 999_999_999, "form": "case-note"}, format="json")

    assert theirs.status_code == 404
    assert nobodys.status_code == 404
    assert theirs.json()["detail"] == nobodys.json()["detail"]
    assert not Entry.objects.exists()


def test_someone_who_can_see_the_case_but_not_write_the_form_gets_403(
    carters: TeamCase,
) -> None:
    not_allocated = session_client(carters.manager).post(
        ENTRIES, {"case": carters.case.pk, "form": "case-note"}, format="json"
    )
    wrong_discipline = session_client(carters.practitioner).post(
        ENTRIES,
        {"case": carters.case.pk, "form": "assessment", "subject_person": carters.older_child.pk},
        format="json",
    )

    assert not_allocated.status_code == 403
    assert not_allocated.json()["code"] == "permission_denied"
    assert wrong_discipline.status_code == 403
    assert not Entry.objects.exists()


def test_nothing_is_written_on_a_closed_case(carters: TeamCase) -> None:
    closed = CaseFactory.create(
        family=FamilyFactory.create(owning_team=carters.team),
        lead_social_worker=carters.lead,
        status="closed",
        closed_date=dt.date(2026, 3, 1),
        closure_reason="RC1",
    )
    AllocationFactory.create(case=closed, worker=carters.lead)

    response = session_client(carters.lead).post(
        ENTRIES, {"case": closed.pk, "form": "case-note"}, format="json"
    )

    assert response.status_code == 403


def test_a_second_intervention_summary_in_a_cycle_is_a_conflict(carters: TeamCase) -> None:
    client = session_client(carters.lead)
    body = {
        "case": carters.case.pk,
        "form": "intervention-summary",
        "answers": intervention_summary_answers(carters.adults),
    }
    first = client.post(ENTRIES, body, format="json")

    second = client.post(ENTRIES, body | {"answers": {"work_done": "Overwrite?"}}, format="json")

    assert first.status_code == 201
    assert second.status_code == 409
    assert str(first.json()["id"]) in second.json()["detail"]
    kept = Entry.objects.get(pk=first.json()["id"])
    assert kept.data == intervention_summary_answers(carters.adults)


# --- reading -------------------------------------------------------------------------------------


def test_an_entry_has_its_version_and_etag_and_its_read_is_audited(carters: TeamCase) -> None:
    entry = submitted(carters)

    response = session_client(carters.manager).get(entry_url(entry))

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == entry.version
    assert body["status"] == "submitted"
    assert body["answers"] == case_note_answers()
    assert response["ETag"] == etag_for(entry.pk, entry.version)
    assert api_events(carters.manager) == [
        (RecordType.ENTRY, entry.pk, carters.case.family_id, AccessBasis.TEAM)
    ]


def test_someone_elses_draft_is_not_found(carters: TeamCase) -> None:
    entry = draft(carters)

    assert session_client(carters.manager).get(entry_url(entry)).status_code == 404
    assert session_client(carters.practitioner).get(entry_url(entry)).status_code == 404
    assert api_events(carters.manager) == []


def test_another_familys_entry_is_not_found(carters: TeamCase, patels: TeamCase) -> None:
    entry = submitted(patels)

    assert session_client(carters.lead).get(entry_url(entry)).status_code == 404


def test_health_answers_are_withheld_from_workers_not_allocated(carters: TeamCase) -> None:
    entry = entry_create(
        actor=carters.su_specialist,
        case=carters.case,
        form_slug="adult-assessment",
        subject_person=carters.father,
        answers=substance_use_answers(12),
    )
    entry_submit(actor=carters.su_specialist, entry=entry, context={})
    colleague = MembershipFactory.create(team=carters.team, role=Role.SOCIAL_WORKER).user

    withheld = session_client(colleague).get(entry_url(entry)).json()
    shown = session_client(carters.lead).get(entry_url(entry)).json()

    assert withheld["withheld_answers"] == ["audit_score", "substances", "treatment_engagement"]
    assert "substances" not in withheld["answers"]
    assert withheld["answers"]["analysis"] == substance_use_answers(12)["analysis"]
    assert shown["withheld_answers"] == []
    assert shown["answers"]["substances"] == "Alcohol"


def test_the_list_shows_submitted_entries_and_your_own_drafts_filtered_and_audited(
    carters: TeamCase, patels: TeamCase
) -> None:
    mine = draft(carters)
    theirs = submitted(carters)
    hidden = entry_create(actor=carters.practitioner, case=carters.case, form_slug="case-note")
    submitted(patels)
    client = session_client(carters.lead)

    def ids(**params: Any) -> list[int]:
        response = client.get(ENTRIES, params)
        assert response.status_code == 200
        return sorted(row["id"] for row in response.json()["results"])

    assert ids() == sorted([mine.pk, theirs.pk])
    assert hidden.pk not in ids()
    assert ids(status="draft") == [mine.pk]
    assert ids(form="case-note", case=carters.case.pk) == sorted([mine.pk, theirs.pk])
    assert ids(case=patels.case.pk) == []
    assert ids(form="plan") == []
    assert client.get(ENTRIES, {"form": "diary"}).status_code == 400
    family_id = carters.case.family_id
    assert api_events(carters.lead)[:2] == [
        (RecordType.ENTRY, theirs.pk, family_id, AccessBasis.ALLOCATION),
        (RecordType.ENTRY, mine.pk, family_id, AccessBasis.ALLOCATION),
    ]


# --- changing a draft ----------------------------------------------------------------------------


def test_a_draft_is_changed_with_if_match_and_its_version(carters: TeamCase) -> None:
    entry = draft(carters)
    version = entry.version

    response = session_client(carters.lead).patch(
        entry_url(entry),
        {"version": version, "answers": {"what_happened": "We talked about bedtimes."}},
        format="json",
        HTTP_IF_MATCH=etag(entry),
    )

    assert response.status_code == 200, response.content
    entry.refresh_from_db()
    assert entry.version == version + 1
    assert entry.data == case_note_answers() | {"what_happened": "We talked about bedtimes."}
    assert response.json()["version"] == entry.version
    assert response["ETag"] == etag_for(entry.pk, entry.version)


def test_a_change_without_if_match_is_428(carters: TeamCase) -> None:
    entry = draft(carters)

    response = session_client(carters.lead).patch(
        entry_url(entry), {"version": entry.version, "answers": {"present": "Jade"}}, format="json"
    )

    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert Entry.objects.get(pk=entry.pk).data == case_note_answers()


def test_a_change_with_an_old_etag_is_412(carters: TeamCase) -> None:
    entry = draft(carters)
    client = session_client(carters.lead)
    read = client.get(entry_url(entry))
    client.patch(
        entry_url(entry),
        {"version": read.json()["version"], "answers": {"present": "Jade and Mia"}},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )

    again = client.patch(
        entry_url(entry),
        {"version": read.json()["version"], "answers": {"present": "Jade"}},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )

    assert again.status_code == 412
    assert again.json()["code"] == "precondition_failed"
    assert Entry.objects.get(pk=entry.pk).data["present"] == "Jade and Mia"


def test_a_stale_version_is_a_409_and_the_refused_answers_are_kept(carters: TeamCase) -> None:
    """Both the ETag and the version are needed: a client that re-reads the ETag but keeps
    the version its changes started from must not overwrite the save it did not see."""
    entry = draft(carters)
    started_from = entry.version
    client = session_client(carters.lead)
    client.patch(
        entry_url(entry),
        {"version": started_from, "answers": {"present": "Jade and Mia"}},
        format="json",
        HTTP_IF_MATCH=etag(entry),
    )

    stale = client.patch(
        entry_url(entry),
        {"version": started_from, "answers": {"present": "Jade"}},
        format="json",
        HTTP_IF_MATCH=etag(entry),
    )

    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert body["status"] == 409
    assert body["request_id"]
    assert Entry.objects.get(pk=entry.pk).data["present"] == "Jade and Mia"
    kept = EntryRevision.objects.get(entry=entry, is_conflict=True)
    assert kept.data["present"] == "Jade"
    assert kept.based_on_version == started_from
    assert str(kept.pk) in body["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": MISSING, "answers": {"present": "Jade"}}, "version"),
        ({"version": "two", "answers": {}}, "version"),
        ({"answers": {"nope": "x"}}, "answers.nope"),
        ({"answers": {"contact_type": True}}, "answers.contact_type"),
        ({"significant": True, "significant_summary": " "}, "significant_summary"),
    ],
)
def test_a_change_with_errors_is_a_400_naming_the_field(
    carters: TeamCase, body: dict[str, Any], field: str
) -> None:
    entry = draft(carters)
    request = {k: v for k, v in ({"version": entry.version} | body).items() if v is not MISSING}

    response = session_client(carters.lead).patch(
        entry_url(entry), request, format="json", HTTP_IF_MATCH=etag(entry)
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_someone_elses_submitted_entry_can_be_read_but_not_changed(carters: TeamCase) -> None:
    entry = submitted(carters)

    response = session_client(carters.lead).patch(
        entry_url(entry),
        {"version": entry.version, "answers": {"present": "Jade"}},
        format="json",
        HTTP_IF_MATCH=etag(entry),
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "Only the entry's author can change or submit it"


def test_a_submitted_entry_cannot_be_changed_even_by_its_author(carters: TeamCase) -> None:
    entry = submitted(carters)

    response = session_client(carters.practitioner).patch(
        entry_url(entry),
        {"version": entry.version, "answers": {"present": "Jade"}},
        format="json",
        HTTP_IF_MATCH=etag(entry),
    )

    assert response.status_code == 409
    assert Entry.objects.get(pk=entry.pk).data == case_note_answers()


# --- submitting ----------------------------------------------------------------------------------


def test_a_draft_that_breaks_the_forms_rules_is_not_submitted(carters: TeamCase) -> None:
    entry = entry_create(
        actor=carters.lead,
        case=carters.case,
        form_slug="statutory-visit",
        subject_person=carters.older_child,
        answers={"child_seen": "yes", "seen_alone": "no", "visit_date_0": "31"},
    )

    response = session_client(carters.lead).post(submit_url(entry))

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["answers.visit_date"] == ["The date of visit must include a month and year"]
    assert errors["answers.announced"] == ["Say whether the visit was announced"]
    assert "answers.not_seen_alone_reason" in errors
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.DRAFT


def test_a_complete_draft_is_submitted(carters: TeamCase) -> None:
    entry = entry_create(
        actor=carters.lead,
        case=carters.case,
        form_slug="statutory-visit",
        subject_person=carters.older_child,
        answers=statutory_visit_answers(),
    )

    response = session_client(carters.lead).post(submit_url(entry), HTTP_IF_MATCH=etag(entry))

    assert response.status_code == 200, response.content
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
    assert response.json()["status"] == "submitted"
    assert response["ETag"] == etag_for(entry.pk, entry.version)


def test_submitting_twice_is_a_conflict(carters: TeamCase) -> None:
    entry = draft(carters)
    client = session_client(carters.lead)
    client.post(submit_url(entry))

    again = client.post(submit_url(entry))

    assert again.status_code == 409
    assert again.json()["detail"] == "This entry has already been submitted"


def test_submitting_a_version_you_did_not_read_is_412(carters: TeamCase) -> None:
    entry = draft(carters)
    old = etag(entry)
    client = session_client(carters.lead)
    client.patch(
        entry_url(entry),
        {"version": entry.version, "answers": {"present": "Jade"}},
        format="json",
        HTTP_IF_MATCH=old,
    )

    response = client.post(submit_url(entry), HTTP_IF_MATCH=old)

    assert response.status_code == 412
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.DRAFT


def test_only_the_author_submits(carters: TeamCase, patels: TeamCase) -> None:
    mine = draft(carters)
    theirs = submitted(carters)

    assert session_client(carters.manager).post(submit_url(mine)).status_code == 404
    assert session_client(carters.lead).post(submit_url(theirs)).status_code == 403
    assert session_client(patels.lead).post(submit_url(theirs)).status_code == 404


def test_changing_an_entry_you_cannot_see_is_not_found(carters: TeamCase, patels: TeamCase) -> None:
    others_draft = draft(carters)
    other_family = submitted(patels)

    for entry, client in [
        (others_draft, session_client(carters.manager)),
        (other_family, session_client(carters.lead)),
    ]:
        response = client.patch(
            entry_url(entry),
            {"version": entry.version, "answers": {"present": "Jade"}},
            format="json",
            HTTP_IF_MATCH=etag(entry),
        )
        assert response.status_code == 404
    assert Entry.objects.get(pk=others_draft.pk).data == case_note_answers()
