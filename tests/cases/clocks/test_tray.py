"""The work tray (``/tray/``) and the team view (``/teams/<slug>/tray/``): what each worker owns
that is overdue or due in the next 10 working days, grouped by family; recording the work
through the real pages moves the clock; a fixed number of queries however many families; and
who may see the team view.

The Whitlow family (tests/supervision/conftest.py) was referred ten weeks ago. Dates here are
counted back from today, so the services that refuse future dates accept them on any day; the
expected due dates come from the clock functions, whose arithmetic
tests/cases/clocks/test_clocks.py checks against hand-counted calendars.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.clocks.engine import (
    ClockKind,
    assessment_due_from,
    first_core_group_due,
    intervention_summary_due,
    referral_decision_due,
    visit_due,
)
from cases.clocks.tray import Tray, tray_for_user
from cases.models import (
    ChildStatus,
    HouseholdRole,
    Person,
    ReviewConference,
    StatusKind,
    Warning,
    WarningKind,
)
from cases.services import (
    AddressDetails,
    MemberSpec,
    child_status_record_visit,
    child_status_start,
    referral_record,
    warning_add,
)
from safeguarding.lib.working_days import add_working_days
from supervision.models import GroupSupervision, SupervisionAction
from supervision.services import action_add, action_complete
from teams.models import User
from teams.roles import Role, ServiceRole
from tests.factories import (
    AllocationFactory,
    CaseFactory,
    ChildStatusFactory,
    FamilyFactory,
    FamilyMemberFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)
from tests.supervision.conftest import FamilyTeam, build_family_team, schedule
from tests.workbook.conftest import (
    assessment_answers,
    date_answers,
    intervention_summary_answers,
    statutory_visit_answers,
)
from workbook.services import entry_save, entry_start, entry_submit

pytestmark = pytest.mark.django_db

POLICE = "6"
CEILING = 60  # a tray page needing more has grown a per-family query


def _today() -> dt.date:
    return timezone.localdate()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass(frozen=True)
class Busy:
    """The Whitlows with work in every clock that can fall due within the tray's horizon."""

    ft: FamilyTeam
    cp_plan: ChildStatus
    cin_plan: ChildStatus
    supervision: GroupSupervision
    lead_action: SupervisionAction
    colleague_action: SupervisionAction
    warning: Warning


def _busy(ft: FamilyTeam) -> Busy:
    today = _today()
    plan_start = ft.case.referral_date + dt.timedelta(days=14)
    cp_plan = child_status_start(
        actor=ft.lead,
        case=ft.case,
        person=ft.older_child,
        kind=StatusKind.CP_PLAN,
        start_date=plan_start,
        cp_category="NEG",
        icpc_date=plan_start,
    )
    # Mia's visit is two working days overdue; Noah's falls due in five working days.
    child_status_record_visit(
        actor=ft.lead, status=cp_plan, visit_date=add_working_days(today, -12)
    )
    cin_plan = child_status_start(
        actor=ft.lead,
        case=ft.case,
        person=ft.younger_child,
        kind=StatusKind.CIN_PLAN,
        start_date=plan_start,
    )
    child_status_record_visit(
        actor=ft.lead, status=cin_plan, visit_date=add_working_days(today, -15)
    )
    warning = warning_add(
        actor=ft.manager,
        case=ft.case,
        kind=WarningKind.RISK_TO_STAFF,
        details="Visit in pairs.",
        review_date=today + dt.timedelta(days=3),
        person=ft.father,
    )
    supervision = schedule(ft, on=today + dt.timedelta(days=7))
    lead_action = action_add(
        actor=ft.manager,
        supervision=supervision,
        description="Book a joint visit with the police officer",
        owner=ft.lead,
        due_date=supervision.scheduled_for + dt.timedelta(days=1),
        children=[ft.older_child],
    )
    colleague_action = action_add(
        actor=ft.manager,
        supervision=supervision,
        description="Ask the school for attendance figures",
        owner=ft.social_worker,
        due_date=supervision.scheduled_for + dt.timedelta(days=2),
        children=[],
    )
    return Busy(ft, cp_plan, cin_plan, supervision, lead_action, colleague_action, warning)


@pytest.fixture
def family_team(db: None) -> FamilyTeam:
    return build_family_team("Whitlow")


@pytest.fixture
def other_family_team(db: None) -> FamilyTeam:
    return build_family_team("Okonjo")


@pytest.fixture
def busy(family_team: FamilyTeam) -> Busy:
    return _busy(family_team)


def _items(tray: Tray) -> set[tuple[ClockKind, int | None, dt.date]]:
    return {
        (row.item.kind, row.person.pk if row.person else None, row.item.due_date)
        for family in tray.families
        for row in family.items
    }


# --- what is in a tray --------------------------------------------------------------------------


def test_the_lead_social_workers_tray_holds_exactly_what_they_own(busy: Busy) -> None:
    ft = busy.ft
    today = _today()

    tray = tray_for_user(ft.lead)

    assert _items(tray) == {
        (ClockKind.ASSESSMENT, None, assessment_due_from(ft.case.referral_date)),
        (ClockKind.CORE_GROUP, ft.older_child.pk, first_core_group_due(busy.cp_plan.start_date)),
        (ClockKind.CP_VISIT, ft.older_child.pk, add_working_days(add_working_days(today, -12), 10)),
        (
            ClockKind.CIN_VISIT,
            ft.younger_child.pk,
            add_working_days(add_working_days(today, -15), 20),
        ),
        (ClockKind.WARNING_REVIEW, ft.father.pk, busy.warning.review_date),
        (
            ClockKind.INTERVENTION_SUMMARY,
            None,
            intervention_summary_due(busy.supervision.scheduled_for),
        ),
        (ClockKind.ACTION, None, busy.lead_action.due_date),
    }
    [family] = tray.families
    assert family.case == ft.case
    dates = [row.item.due_date for row in family.items]
    assert dates == sorted(dates)
    assert tray.overdue_count == 3
    assert tray.due_soon_count == 4


def test_each_worker_sees_only_their_own_items(busy: Busy) -> None:
    ft = busy.ft

    assert _items(tray_for_user(ft.da_specialist)) == {
        (
            ClockKind.INTERVENTION_SUMMARY,
            None,
            intervention_summary_due(busy.supervision.scheduled_for),
        )
    }
    assert _items(tray_for_user(ft.manager)) == {
        (ClockKind.SUPERVISION, None, busy.supervision.scheduled_for)
    }
    # Not allocated: only the action given to them at supervision.
    assert _items(tray_for_user(ft.social_worker)) == {
        (ClockKind.ACTION, None, busy.colleague_action.due_date)
    }


def test_families_are_grouped_with_the_most_urgent_first(busy: Busy) -> None:
    ft = busy.ft
    child = PersonFactory.create(given_name="Ola", family_name="Bright")
    referral = _today() - dt.timedelta(days=2)
    second = referral_record(
        actor=ft.manager,
        team=ft.team,
        family_name="The Bright family",
        address=AddressDetails(address_line_1="3 Test Lane", town="Testington", postcode="te3 3ln"),
        members=[MemberSpec(child, HouseholdRole.CHILD)],
        referral_date=referral,
        referral_source=POLICE,
        lead_social_worker=ft.lead,
    )

    tray = tray_for_user(ft.lead)

    assert [family.case for family in tray.families] == [ft.case, second]
    assert {(row.item.kind, row.item.due_date) for row in tray.families[1].items} == {
        (ClockKind.REFERRAL_DECISION, referral_decision_due(referral))
    }


def test_the_tray_page_lists_overdue_first_and_links_to_the_form_that_discharges_each(
    busy: Busy,
) -> None:
    ft = busy.ft
    client = signed_in(ft.lead)

    response = client.get(reverse("cases:tray"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "The Whitlow family" in html
    assert html.count('govuk-tag--red">Overdue') == 3
    visit_url = (
        reverse("workbook:entry-new", args=[ft.case.family_id, "statutory-visit"])
        + f"?person={ft.older_child.pk}"
    )
    assert f'href="{visit_url.replace("&", "&amp;")}"' in html
    form = client.get(visit_url)
    assert form.status_code == 200
    assert f'value="{ft.older_child.pk}" checked' in form.content.decode()
    action_url = reverse("supervision:action-complete", args=[busy.lead_action.pk])
    assert f'href="{action_url}"' in html


# --- discharging an item moves its clock --------------------------------------------------------


def test_recording_the_visit_through_the_workbook_pages_moves_the_visit_clock(busy: Busy) -> None:
    ft = busy.ft
    today = _today()
    client = signed_in(ft.lead)
    overdue_visit = (
        ClockKind.CP_VISIT,
        ft.older_child.pk,
        add_working_days(add_working_days(today, -12), 10),
    )
    assert overdue_visit in _items(tray_for_user(ft.lead))

    started = client.post(
        reverse("workbook:entry-new", args=[ft.case.family_id, "statutory-visit"]),
        {"subject_person": str(ft.older_child.pk)},
    )
    assert started.status_code == 302
    edit_url = started["Location"]
    submitted = client.post(
        edit_url,
        {**statutory_visit_answers(today), "base_version": "1", "action": "submit"},
    )

    assert submitted.status_code == 302
    busy.cp_plan.refresh_from_db()
    assert busy.cp_plan.last_visit_date == today
    items = _items(tray_for_user(ft.lead))
    assert overdue_visit not in items
    next_visit = visit_due(StatusKind.CP_PLAN, busy.cp_plan.start_date, today)
    assert (ClockKind.CP_VISIT, ft.older_child.pk, next_visit) in items


def test_completing_the_action_and_writing_the_summary_take_them_off_the_tray(busy: Busy) -> None:
    ft = busy.ft
    summary = entry_start(actor=ft.lead, case=ft.case, form_slug="intervention-summary")
    saved = entry_save(
        actor=ft.lead,
        entry_id=summary.pk,
        answers=intervention_summary_answers(ft.adults),
        base_version=summary.version,
    ).entry

    entry_submit(actor=ft.lead, entry=saved, context={"adults": ft.adults})
    action_complete(actor=ft.lead, action=busy.lead_action, note="Booked for Thursday.")

    kinds = {kind for kind, _, _ in _items(tray_for_user(ft.lead))}
    assert ClockKind.INTERVENTION_SUMMARY not in kinds
    assert ClockKind.ACTION not in kinds
    # The specialist still owes theirs.
    assert ClockKind.INTERVENTION_SUMMARY in {
        kind for kind, _, _ in _items(tray_for_user(ft.da_specialist))
    }


def test_authorising_the_assessment_takes_it_off_the_tray(busy: Busy) -> None:
    ft = busy.ft
    entry = entry_start(
        actor=ft.lead, case=ft.case, form_slug="assessment", subject_person=ft.older_child
    )
    answers = {
        **assessment_answers(completed=_today()),
        **date_answers("referral_date", ft.case.referral_date),
    }
    saved = entry_save(
        actor=ft.lead, entry_id=entry.pk, answers=answers, base_version=entry.version
    ).entry
    from cases.selectors import reference_codes
    from workbook.services import entry_authorise

    submitted = entry_submit(
        actor=ft.lead, entry=saved, context={"cin_factors": reference_codes("cin_factor")}
    )
    in_progress = {row.item.url for f in tray_for_user(ft.lead).families for row in f.items}
    assert reverse("workbook:entry", args=[entry.pk]) in in_progress

    entry_authorise(actor=ft.manager, entry=submitted)

    assert ClockKind.ASSESSMENT not in {kind for kind, _, _ in _items(tray_for_user(ft.lead))}


# --- query budget -------------------------------------------------------------------------------


def _budget_families(ft: FamilyTeam, count: int, start: int) -> None:
    """Families led by the Whitlows' lead, each with a row of every kind the tray reads."""
    today = _today()
    for n in range(start, start + count):
        family = FamilyFactory.create(owning_team=ft.team, name=f"The Budget{n:02d} family")
        case = CaseFactory.create(
            family=family, lead_social_worker=ft.lead, referral_date=today - dt.timedelta(days=70)
        )
        child = PersonFactory.create()
        FamilyMemberFactory.create(family=family, person=child, start_date=case.referral_date)
        AllocationFactory.create(case=case, worker=ft.lead, start_date=case.referral_date)
        AllocationFactory.create(
            case=case,
            worker=ft.da_specialist,
            discipline="domestic_abuse",
            start_date=case.referral_date,
        )
        plan = ChildStatusFactory.create(
            case=case,
            person=child,
            kind=StatusKind.CP_PLAN,
            start_date=today - dt.timedelta(days=56),
            cp_initial_category="NEG",
            cp_latest_category="NEG",
            last_visit_date=today - dt.timedelta(days=20),
        )
        ReviewConference.objects.create(
            status=plan, held_on=today - dt.timedelta(days=10), due_by=today, recorded_by=ft.manager
        )
        Warning.objects.create(
            family=family,
            person=child,
            kind=WarningKind.ANIMALS,
            details="A dog.",
            review_date=today + dt.timedelta(days=2),
            created_by=ft.manager,
        )
        supervision = schedule_for(ft, case, today + dt.timedelta(days=5))
        action_add(
            actor=ft.manager,
            supervision=supervision,
            description="Check the plan",
            owner=ft.lead,
            due_date=supervision.scheduled_for,
            children=[],
        )
        entry_start(actor=ft.lead, case=case, form_slug="assessment", subject_person=child)


def schedule_for(ft: FamilyTeam, case: Any, day: dt.date) -> GroupSupervision:
    from supervision.services import supervision_schedule

    return supervision_schedule(actor=ft.manager, case=case, scheduled_for=day, chair=ft.manager)


SMALL, LARGE = 2, 12


def test_the_tray_runs_the_same_queries_for_2_and_12_families(
    family_team: FamilyTeam,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _budget_families(family_team, SMALL, 0)
    client = signed_in(family_team.lead)
    url = reverse("cases:tray")
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    _budget_families(family_team, LARGE - SMALL, SMALL)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"family</a>") == LARGE + 1  # and the Whitlows


def test_the_team_view_runs_the_same_queries_for_2_and_12_families(
    family_team: FamilyTeam,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _budget_families(family_team, SMALL, 0)
    client = signed_in(family_team.manager)
    url = reverse("cases:team-tray", args=[family_team.team.slug])
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    _budget_families(family_team, LARGE - SMALL, SMALL)

    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200


# --- the team view ------------------------------------------------------------------------------


def test_the_team_view_counts_each_workers_overdue_and_due_soon_items(busy: Busy) -> None:
    ft = busy.ft
    client = signed_in(ft.manager)

    response = client.get(reverse("cases:team-tray", args=[ft.team.slug]))

    assert response.status_code == 200
    counts = {
        worker.worker: (len(worker.overdue), len(worker.due_soon))
        for worker in response.context["view"].workers
    }
    assert counts == {
        ft.lead: (3, 4),
        ft.da_specialist: (0, 1),
        ft.manager: (0, 1),
        ft.social_worker: (0, 1),
    }
    assert response.context["view"].workers[0].worker == ft.lead


def test_the_team_view_counts_entries_waiting_for_authorisation_by_author(busy: Busy) -> None:
    ft = busy.ft
    entry = entry_start(
        actor=ft.lead, case=ft.case, form_slug="assessment", subject_person=ft.older_child
    )
    answers = {
        **assessment_answers(completed=None, outcome="cin_plan"),
        **date_answers("referral_date", ft.case.referral_date),
    }
    saved = entry_save(
        actor=ft.lead, entry_id=entry.pk, answers=answers, base_version=entry.version
    ).entry
    from cases.selectors import reference_codes

    entry_submit(actor=ft.lead, entry=saved, context={"cin_factors": reference_codes("cin_factor")})

    response = signed_in(ft.assistant).get(reverse("cases:team-tray", args=[ft.team.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Waiting for authorisation" in html
    authorisations = html[html.index("Waiting for authorisation") :]
    assert f"{ft.lead.get_full_name()}</td>" in authorisations
    assert 'govuk-table__cell--numeric">1</td>' in authorisations


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("team_manager", 200),
        ("assistant_team_manager", 200),
        ("service_manager", 200),
        ("social_worker", 403),
        ("other_team_manager", 404),
        ("board_member", 404),
    ],
)
def test_who_may_open_the_team_view(
    family_team: FamilyTeam, other_family_team: FamilyTeam, who: str, expected: int
) -> None:
    users = {
        "team_manager": family_team.manager,
        "assistant_team_manager": family_team.assistant,
        "service_manager": MembershipFactory.create(
            team=family_team.team, role=Role.SERVICE_MANAGER
        ).user,
        "social_worker": family_team.lead,
        "other_team_manager": other_family_team.manager,
        "board_member": UserFactory.create(service_role=ServiceRole.BOARD_MEMBER),
    }

    response = signed_in(users[who]).get(reverse("cases:team-tray", args=[family_team.team.slug]))

    assert response.status_code == expected


def test_the_tray_is_in_every_practitioners_navigation_and_links_managers_to_their_team(
    family_team: FamilyTeam,
) -> None:
    tray_url = reverse("cases:tray")
    team_url = reverse("cases:team-tray", args=[family_team.team.slug])

    practitioner = signed_in(family_team.da_specialist).get(reverse("home")).content.decode()
    manager = signed_in(family_team.manager).get(tray_url).content.decode()
    board = signed_in(UserFactory.create(service_role=ServiceRole.BOARD_MEMBER))

    assert f'href="{tray_url}"' in practitioner
    assert f'href="{team_url}"' in manager
    assert f'href="{tray_url}"' not in board.get(reverse("home")).content.decode()


def test_a_signed_out_visitor_is_sent_to_sign_in() -> None:
    response = Client().get(reverse("cases:tray"))

    assert response.status_code == 302
    assert reverse("teams:sign-in") in response["Location"]


def test_an_unborn_childs_plan_shows_its_conferences_but_no_visit(family_team: FamilyTeam) -> None:
    ft = family_team
    unborn = Person.objects.create(
        given_name="Baby",
        family_name="Whitlow",
        expected_date_of_birth=_today() + dt.timedelta(days=60),
    )
    FamilyMemberFactory.create(
        family=ft.case.family, person=unborn, start_date=ft.case.referral_date
    )
    start = _today() - dt.timedelta(days=7)
    child_status_start(
        actor=ft.lead,
        case=ft.case,
        person=unborn,
        kind=StatusKind.CP_PLAN,
        start_date=start,
        cp_category="NEG",
        icpc_date=start,
    )

    kinds = {kind for kind, person, _ in _items(tray_for_user(ft.lead)) if person == unborn.pk}

    assert kinds == {ClockKind.CORE_GROUP}  # the review is 3 months away; no visit clock


def test_recording_the_first_core_group_and_reviewing_the_warning_take_them_off_the_tray(
    busy: Busy,
) -> None:
    ft = busy.ft
    client = signed_in(ft.lead)
    core_group = reverse("cases:core-group", args=[ft.case.family_id, busy.cp_plan.pk])
    review = reverse("cases:warning-review", args=[ft.case.family_id, busy.warning.pk])
    next_review = _today() + dt.timedelta(days=90)

    recorded = client.post(core_group, date_answers("held_on", busy.cp_plan.start_date))
    reviewed = client.post(review, date_answers("review_date", next_review))

    assert (recorded.status_code, reviewed.status_code) == (302, 302)
    busy.warning.refresh_from_db()
    assert busy.warning.review_date == next_review
    kinds = {kind for kind, _, _ in _items(tray_for_user(ft.lead))}
    assert ClockKind.CORE_GROUP not in kinds
    assert ClockKind.WARNING_REVIEW not in kinds


def test_a_core_group_before_the_conference_is_refused_with_a_message(busy: Busy) -> None:
    ft = busy.ft
    url = reverse("cases:core-group", args=[ft.case.family_id, busy.cp_plan.pk])

    response = signed_in(ft.lead).post(
        url, date_answers("held_on", busy.cp_plan.start_date - dt.timedelta(days=1))
    )

    assert response.status_code == 400
    assert "after the initial child protection conference" in response.content.decode()


def test_the_icpc_link_opens_the_status_form_with_the_child_and_the_plan_chosen(
    family_team: FamilyTeam,
) -> None:
    ft = family_team
    strategy = ft.case.referral_date + dt.timedelta(days=1)
    child_status_start(
        actor=ft.lead,
        case=ft.case,
        person=ft.older_child,
        kind=StatusKind.S47_ENQUIRY,
        start_date=strategy,
        strategy_discussion_date=strategy,
    )
    [icpc] = [
        row.item
        for family in tray_for_user(ft.lead).families
        for row in family.items
        if row.item.kind == ClockKind.ICPC
    ]

    html = signed_in(ft.lead).get(icpc.url).content.decode()

    assert f'value="{ft.older_child.pk}" selected' in html
    assert 'value="cp_plan" checked' in html
