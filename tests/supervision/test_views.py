"""The supervision pages and the actions API load through ``cases.loader.load_record``: one
visibility rule (``supervisions_visible_to`` / ``actions_visible_to``) for lists, pages and the
API, one read-audit row per page read, and ``supervision_permissions`` deciding what each
person may do (the matrix is tests/supervision/test_permissions.py).

Every test starts from ``family_team`` (tests/supervision/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessEvent, Case, HouseholdRole
from cases.services import AddressDetails, MemberSpec, access_grant_request, referral_record
from supervision.models import (
    Attendance,
    AttendanceStatus,
    GroupSupervision,
    PdfStatus,
    SupervisionAction,
    SupervisionPdf,
    SupervisionStatus,
)
from supervision.services import action_add, pdf_path, supervision_schedule, supervision_sign_off
from teams.models import Membership, User
from teams.roles import Role
from teams.services import membership_end, membership_start
from tests.api.staff_world import session_client
from tests.factories import MembershipFactory, PersonFactory
from tests.supervision.conftest import (
    POLICE,
    FamilyTeam,
    full_record,
    ready_to_sign_off,
    referral_date,
    save_record,
    schedule,
)

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.4\n% supervision page test\n"
HIDDEN_ACTION = "Hidden action: visit the restricted family"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _audit_rows(supervision: GroupSupervision) -> list[tuple[Any, ...]]:
    return list(
        AccessEvent.objects.filter(record_type="supervision", record_id=supervision.pk)
        .order_by("pk")
        .values_list("user_id", "record_type", "record_id", "family_id", "action", "basis")
    )


def _with_pdf(ft: FamilyTeam) -> GroupSupervision:
    """A signed-off supervision whose PDF is made and stored."""
    supervision = ready_to_sign_off(ft, schedule(ft, on=timezone.localdate()))
    supervision_sign_off(actor=ft.manager, supervision=supervision)
    stored_name = "page-test.pdf"
    pdf_path(stored_name).parent.mkdir(parents=True, exist_ok=True)
    pdf_path(stored_name).write_bytes(FAKE_PDF)
    SupervisionPdf.objects.filter(supervision=supervision).update(
        status=PdfStatus.DONE, stored_name=stored_name, finished_at=timezone.now()
    )
    return supervision


# --- one visibility rule for lists, pages and the API --------------------------------------------


def _restricted_case(ft: FamilyTeam) -> Case:
    """A restricted family in the team, allocated to the lead only: team membership is not
    enough to see it (DESIGN §5), so the manager and the other social worker cannot."""
    return referral_record(
        actor=ft.manager,
        team=ft.team,
        family_name="The Hidden family",
        address=AddressDetails(address_line_1="3 Quiet Lane", town="Testington"),
        members=[MemberSpec(PersonFactory.create(given_name="Ivy"), HouseholdRole.CHILD)],
        referral_date=referral_date(),
        referral_source=POLICE,
        lead_social_worker=ft.lead,
        restricted=True,
    )


def _hidden_supervision(ft: FamilyTeam) -> tuple[GroupSupervision, SupervisionAction]:
    """An overdue supervision of the restricted family, chaired by the team manager, with an
    action given to the team's unallocated social worker."""
    case = _restricted_case(ft)
    supervision = supervision_schedule(
        actor=ft.manager, case=case, scheduled_for=_days_from_today(-3), chair=ft.manager
    )
    action = action_add(
        actor=ft.lead,
        supervision=supervision,
        description=HIDDEN_ACTION,
        owner=ft.social_worker,
        due_date=supervision.scheduled_for,
        children=[],
    )
    return supervision, action


def test_a_supervision_of_a_family_you_cannot_see_is_on_no_list_and_not_found_on_its_pages(
    family_team: FamilyTeam,
) -> None:
    supervision, _ = _hidden_supervision(family_team)
    manager = signed_in(family_team.manager)
    pages = ["detail", "reschedule"]

    due_list = manager.get(reverse("supervision:due"))
    answers = {
        name: manager.get(reverse(f"supervision:{name}", args=[supervision.pk])).status_code
        for name in pages
    }
    sign_off = manager.post(reverse("supervision:sign-off", args=[supervision.pk]))

    assert due_list.status_code == 200
    assert "The Hidden family" not in due_list.text
    assert answers == dict.fromkeys(pages, 404)
    assert sign_off.status_code == 404
    assert GroupSupervision.objects.get(pk=supervision.pk).status == SupervisionStatus.SCHEDULED
    assert _audit_rows(supervision) == []


def test_an_action_on_a_family_you_cannot_see_is_not_found_on_the_page_or_the_api(
    family_team: FamilyTeam,
) -> None:
    _, action = _hidden_supervision(family_team)
    owner = family_team.social_worker
    page = signed_in(owner)
    api = session_client(owner)

    my_actions = page.get(reverse("supervision:my-actions"))
    complete_page = page.get(reverse("supervision:action-complete", args=[action.pk]))
    api_list = api.get(reverse("api:actions"))
    api_complete = api.post(
        reverse("api:action-complete", args=[action.pk]), {"note": "Done it"}, format="json"
    )

    assert HIDDEN_ACTION not in my_actions.text
    assert complete_page.status_code == 404
    assert api_list.json()["results"] == []
    assert api_complete.status_code == 404
    assert SupervisionAction.objects.get(pk=action.pk).status == "open"


def test_the_allocated_worker_sees_the_restricted_familys_supervision(
    family_team: FamilyTeam,
) -> None:
    supervision, _ = _hidden_supervision(family_team)

    response = signed_in(family_team.lead).get(reverse("supervision:detail", args=[supervision.pk]))

    assert response.status_code == 200
    assert HIDDEN_ACTION in response.text


# --- the read audit: one row per page read, written by the loader --------------------------------


def test_opening_the_supervision_page_writes_one_read_audit_row(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)

    response = signed_in(family_team.lead).get(reverse("supervision:detail", args=[supervision.pk]))

    assert response.status_code == 200
    assert _audit_rows(supervision) == [
        (
            family_team.lead.pk,
            "supervision",
            supervision.pk,
            family_team.case.family_id,
            "view",
            "allocation",
        )
    ]


def test_each_opening_of_the_page_is_audited_with_the_readers_basis(
    family_team: FamilyTeam,
) -> None:
    supervision = schedule(family_team)
    url = reverse("supervision:detail", args=[supervision.pk])

    signed_in(family_team.manager).get(url)
    signed_in(family_team.manager).get(url)

    assert [(row[0], row[4], row[5]) for row in _audit_rows(supervision)] == [
        (family_team.manager.pk, "view", "team"),
        (family_team.manager.pk, "view", "team"),
    ]


def test_saving_the_record_and_the_other_supervision_pages_write_no_read_audit_row(
    family_team: FamilyTeam,
) -> None:
    supervision = schedule(family_team)
    client = signed_in(family_team.manager)

    saved = client.post(
        reverse("supervision:detail", args=[supervision.pk]),
        {"base_version": str(supervision.version), "decisions": "Keep going"},
    )
    rescheduling = client.get(reverse("supervision:reschedule", args=[supervision.pk]))

    assert saved.status_code == 302
    assert rescheduling.status_code == 200
    assert _audit_rows(supervision) == []


def test_downloading_the_pdf_writes_one_pdf_audit_row(
    family_team: FamilyTeam, settings: Any, tmp_path: Path
) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path
    supervision = _with_pdf(family_team)
    client = signed_in(family_team.lead)

    status_page = client.get(reverse("supervision:pdf", args=[supervision.pk]))
    download = client.get(reverse("supervision:pdf-download", args=[supervision.pk]))

    assert status_page.status_code == 200
    assert download.status_code == 200
    assert download.getvalue() == FAKE_PDF
    assert _audit_rows(supervision) == [
        (
            family_team.lead.pk,
            "supervision",
            supervision.pk,
            family_team.case.family_id,
            "pdf",
            "allocation",
        )
    ]


def test_a_pdf_still_being_made_is_not_found_and_not_audited(
    family_team: FamilyTeam, settings: Any, tmp_path: Path
) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path
    supervision = _with_pdf(family_team)
    SupervisionPdf.objects.filter(supervision=supervision).update(status=PdfStatus.RUNNING)

    response = signed_in(family_team.lead).get(
        reverse("supervision:pdf-download", args=[supervision.pk])
    )

    assert response.status_code == 404
    assert _audit_rows(supervision) == []


# --- reading the page writes nothing but its audit row -------------------------------------------


def test_opening_the_page_lists_the_allocated_workers_and_saves_nothing_until_the_record_is_saved(
    family_team: FamilyTeam,
) -> None:
    supervision = schedule(family_team)
    client = signed_in(family_team.manager)

    page = client.get(reverse("supervision:detail", args=[supervision.pk]))
    rows_after_reading = Attendance.objects.filter(supervision=supervision).count()
    saved = client.post(
        reverse("supervision:autosave", args=[supervision.pk]),
        {
            "base_version": str(supervision.version),
            f"attendance_{family_team.lead.pk}": AttendanceStatus.PRESENT,
        },
    )

    assert f'name="attendance_{family_team.lead.pk}"' in page.text
    assert f'name="attendance_{family_team.da_specialist.pk}"' in page.text
    assert rows_after_reading == 0
    assert saved.status_code == 200
    assert dict(
        Attendance.objects.filter(supervision=supervision).values_list("user_id", "status")
    ) == {
        family_team.lead.pk: AttendanceStatus.PRESENT,
        family_team.da_specialist.pk: AttendanceStatus.NOT_RECORDED,
    }


# --- what the permission object decides ----------------------------------------------------------


def _chair_moved_to_social_work(ft: FamilyTeam) -> None:
    """The chair stops being the team's manager and stays in the team as a social worker."""
    managing = Membership.objects.get(user=ft.manager, team=ft.team)
    membership_end(actor=None, membership=managing, end_date=_days_from_today(-1))
    membership_start(actor=None, user=ft.manager, team=ft.team, role=Role.SOCIAL_WORKER)


def test_a_chair_who_no_longer_manages_the_team_is_offered_no_sign_off_and_refused(
    family_team: FamilyTeam,
) -> None:
    supervision = ready_to_sign_off(family_team, schedule(family_team))
    _chair_moved_to_social_work(family_team)
    client = signed_in(family_team.manager)

    page = client.get(reverse("supervision:detail", args=[supervision.pk]))
    sign_off = client.post(reverse("supervision:sign-off", args=[supervision.pk]))

    assert page.status_code == 200
    assert "Sign off the supervision" not in page.text
    # Still in the team, so still writing the record with the others.
    assert 'name="decisions"' in page.text
    assert sign_off.status_code == 403
    assert GroupSupervision.objects.get(pk=supervision.pk).status == SupervisionStatus.SCHEDULED


def test_the_chair_signing_off_twice_is_told_it_is_already_signed_off(
    family_team: FamilyTeam,
) -> None:
    supervision = ready_to_sign_off(family_team, schedule(family_team))
    client = signed_in(family_team.manager)
    url = reverse("supervision:sign-off", args=[supervision.pk])

    client.post(url)
    again = client.post(url, follow=True)

    assert again.redirect_chain == [(reverse("supervision:detail", args=[supervision.pk]), 302)]
    assert "This supervision has already been signed off" in again.text


def test_the_schedule_page_offers_as_chair_exactly_the_managers_who_may_chair(
    family_team: FamilyTeam,
) -> None:
    leaving = MembershipFactory.create(
        team=family_team.team,
        role=Role.TEAM_MANAGER,
        user__given_name="Gwen",
        user__family_name="Leaving",
        end_date=_days_from_today(7),
    ).user
    MembershipFactory.create(
        team=family_team.team,
        role=Role.ASSISTANT_TEAM_MANAGER,
        user__given_name="Huw",
        user__family_name="Starting",
        start_date=_days_from_today(1),
    )
    client = signed_in(family_team.manager)
    url = reverse("supervision:schedule", args=[family_team.case.family_id])

    offered = [str(user) for user in client.get(url).context["form"].fields["chair"].queryset]
    day = _days_from_today(14)
    scheduled = client.post(
        url,
        {
            "scheduled_for_0": str(day.day),
            "scheduled_for_1": str(day.month),
            "scheduled_for_2": str(day.year),
            "chair": str(leaving.pk),
        },
    )

    assert offered == ["Aled Ashworth", "Bethan Brookes", "Gwen Leaving"]
    assert scheduled.status_code == 302
    assert GroupSupervision.objects.get(case=family_team.case).chair == leaving


def test_someone_who_may_only_read_the_family_cannot_make_their_conflicting_version_the_record(
    family_team: FamilyTeam, other_family_team: FamilyTeam
) -> None:
    supervision = schedule(family_team)
    reader = other_family_team.social_worker
    access_grant_request(
        actor=reader, case=family_team.case, reason="Police called about the children tonight"
    )
    stale = supervision.version
    save_record(family_team.lead, supervision, full_record(family_team))
    conflict = save_record(
        reader, supervision, {"decisions": "Not mine to write"}, base_version=stale
    )
    assert conflict.conflict is not None

    response = signed_in(reader).post(
        reverse("supervision:conflict", args=[supervision.pk, conflict.conflict.pk]),
        {"base_version": str(stale + 1)},
    )

    assert response.status_code == 403
    supervision.refresh_from_db()
    assert supervision.record["decisions"] == full_record(family_team)["decisions"]
