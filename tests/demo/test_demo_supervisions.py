from __future__ import annotations

import datetime as dt
import importlib
import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from cases.models import Allocation, Case, CaseStatus, ChronologyEvent, Family, FamilyMember
from safeguarding.demo.families import load_demo_families
from safeguarding.demo.supervisions import load_demo_supervisions
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from supervision.models import (
    ActionStatus,
    Attendance,
    AttendanceStatus,
    GroupSupervision,
    Reschedule,
    SupervisionAction,
    SupervisionRevision,
    SupervisionStatus,
)
from supervision.selectors import risk_trend
from workbook.models import Cycle, Workbook

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Loaded:
    first_run: int
    second_run: int
    counts_after_first_run: dict[str, int]
    counts_after_second_run: dict[str, int]
    family_ids: frozenset[int]

    def supervisions(self) -> QuerySet[GroupSupervision]:
        return GroupSupervision.objects.filter(case__family_id__in=self.family_ids)

    def signed_off(self) -> QuerySet[GroupSupervision]:
        return self.supervisions().filter(status=SupervisionStatus.SIGNED_OFF)

    def scheduled(self) -> QuerySet[GroupSupervision]:
        return self.supervisions().filter(status=SupervisionStatus.SCHEDULED)

    def actions(self) -> QuerySet[SupervisionAction]:
        return SupervisionAction.objects.filter(case__family_id__in=self.family_ids)

    def open_cases(self) -> QuerySet[Case]:
        return Case.objects.filter(family_id__in=self.family_ids, status=CaseStatus.OPEN)


def _counts() -> dict[str, int]:
    return {
        "supervisions": GroupSupervision.objects.count(),
        "attendance": Attendance.objects.count(),
        "revisions": SupervisionRevision.objects.count(),
        "actions": SupervisionAction.objects.count(),
        "reschedules": Reschedule.objects.count(),
        "cycles": Cycle.objects.count(),
        "chronology": ChronologyEvent.objects.count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """The demo council's teams and families, then their supervisions loaded twice, once for
    the whole module and rolled back after it. Assertions look only at the families this load
    added, so rows other tests left in a reused database do not change the answers."""
    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test's flush empties the seeded reference data; the data
        # migrations' own rerunnable seeds put it back.
        importlib.import_module("cases.migrations.0002_seed_reference_codes").seed(apps, None)
        importlib.import_module("workbook.migrations.0002_seed_programme_modules").seed(apps, None)
        load_demo_teams()
        existing = set(Family.objects.values_list("pk", flat=True))
        load_demo_families()
        first_run = load_demo_supervisions()
        after_first = _counts()
        second_run = load_demo_supervisions()
        after_second = _counts()
        added = frozenset(Family.objects.exclude(pk__in=existing).values_list("pk", flat=True))
        yield Loaded(first_run, second_run, after_first, after_second, added)
        transaction.set_rollback(True)


def test_the_first_load_adds_supervisions_and_the_second_adds_nothing(loaded: Loaded) -> None:
    assert loaded.first_run == loaded.supervisions().count()
    assert loaded.first_run > 40
    assert loaded.second_run == 0
    assert loaded.counts_after_second_run == loaded.counts_after_first_run


def test_most_open_cases_have_signed_off_supervisions_and_closed_cases_have_none(
    loaded: Loaded,
) -> None:
    with_history = set(loaded.signed_off().values_list("case_id", flat=True))
    assert len(with_history) > loaded.open_cases().count() // 2
    assert not loaded.supervisions().exclude(case__status=CaseStatus.OPEN).exists()
    per_case: dict[int, int] = defaultdict(int)
    for case_id in loaded.signed_off().values_list("case_id", flat=True):
        per_case[case_id] += 1
    assert set(per_case.values()) <= set(range(1, 6))
    assert max(per_case.values()) > 1


def test_every_case_with_supervisions_has_exactly_one_scheduled(loaded: Loaded) -> None:
    cases = set(loaded.supervisions().values_list("case_id", flat=True))
    scheduled = list(loaded.scheduled().values_list("case_id", flat=True))
    assert sorted(scheduled) == sorted(cases)


def test_there_are_signed_off_future_and_overdue_supervisions(loaded: Loaded) -> None:
    today = timezone.localdate()
    assert loaded.signed_off().exists()
    assert loaded.scheduled().filter(scheduled_for__gte=today).exists()
    overdue = list(loaded.scheduled().filter(scheduled_for__lt=today))
    assert overdue
    # An overdue meeting was started and not finished: part of the record, no decisions.
    assert all(s.version > 1 for s in overdue)
    assert all(s.record.get("lived_experience") and not s.record["decisions"] for s in overdue)


def test_signed_off_history_is_in_the_past_about_four_weeks_apart(loaded: Loaded) -> None:
    today = timezone.localdate()
    by_case: dict[int, list[dt.date]] = defaultdict(list)
    for supervision in loaded.signed_off().order_by("scheduled_for").select_related("chair"):
        assert supervision.signed_off_at is not None
        assert supervision.scheduled_for < today
        assert timezone.localtime(supervision.signed_off_at).date() == supervision.scheduled_for
        assert supervision.signed_off_by_id == supervision.chair_id
        team = supervision.case.family.owning_team
        assert supervision.chair.email == f"tm.{team.slug}@{DEMO_EMAIL_DOMAIN}"
        by_case[supervision.case_id].append(supervision.scheduled_for)
    for case_id, days in by_case.items():
        scheduled = loaded.scheduled().get(case_id=case_id)
        for earlier, later in zip([*days], [*days[1:], scheduled.scheduled_for], strict=True):
            assert 20 <= (later - earlier).days <= 45, (case_id, earlier, later)


def test_every_signed_off_supervision_has_decisions_and_a_chronology_event_per_child(
    loaded: Loaded,
) -> None:
    for supervision in loaded.signed_off():
        assert str(supervision.record.get("decisions", "")).strip()
        children = set(
            FamilyMember.objects.filter(
                family_id=supervision.case.family_id, household_role="child", end_date__isnull=True
            ).values_list("person_id", flat=True)
        )
        events = ChronologyEvent.objects.filter(
            source_model="supervision.groupsupervision", source_id=supervision.pk
        )
        assert set(events.values_list("person_id", flat=True)) == children
        assert all(
            timezone.localtime(e.occurred_at).date() == supervision.scheduled_for for e in events
        )


def test_every_signed_off_record_is_complete(loaded: Loaded) -> None:
    for supervision in loaded.signed_off().select_related("case__family"):
        record = supervision.record
        for field in ("lived_experience", "working_well", "worried_about", "hypotheses"):
            assert record[field].strip(), (supervision.pk, field)
        members = FamilyMember.objects.filter(
            family_id=supervision.case.family_id, end_date__isnull=True
        )
        children = {str(m.person_id) for m in members if m.household_role == "child"}
        adults = {str(m.person_id) for m in members if m.household_role != "child"}
        assert set(record["risk"]) == children
        assert all(0 <= int(r["scale"]) <= 10 and r["rationale"] for r in record["risk"].values())
        assert set(record["readiness"]) == adults
        marks = set(supervision.attendance.values_list("status", flat=True))
        assert marks <= {AttendanceStatus.PRESENT, AttendanceStatus.APOLOGIES}
        assert AttendanceStatus.PRESENT in marks


def test_actions_are_open_overdue_and_done(loaded: Loaded) -> None:
    today = timezone.localdate()
    actions = loaded.actions()
    open_actions = actions.filter(status=ActionStatus.OPEN)
    done = actions.filter(status=ActionStatus.DONE)
    assert open_actions.filter(due_date__gte=today).exists()
    assert open_actions.filter(due_date__lt=today).exists()
    assert done.exists()
    assert not done.filter(completion_note="").exists()
    assert all(
        a.completed_at is not None
        and timezone.localtime(a.completed_at).date() <= today
        and a.completed_at >= (a.supervision.signed_off_at or a.completed_at)
        for a in done.select_related("supervision")
    )


def test_actions_belong_to_allocated_workers_and_each_meeting_has_one_to_three(
    loaded: Loaded,
) -> None:
    allocated = set(Allocation.objects.values_list("case_id", "worker_id"))
    for action in loaded.actions().select_related("supervision"):
        # Allocated workers own actions, and so now and then does the chair, their manager.
        owner = (action.case_id, action.owner_id)
        assert owner in allocated or action.owner_id == action.supervision.chair_id
        assert action.due_date >= action.supervision.scheduled_for
    for supervision in loaded.signed_off():
        assert 1 <= supervision.actions.count() <= 3


def test_workbook_cycles_follow_the_sign_offs(loaded: Loaded) -> None:
    case_ids = set(loaded.supervisions().values_list("case_id", flat=True))
    for workbook in Workbook.objects.filter(case_id__in=case_ids):
        cycles = list(workbook.cycles.order_by("number"))
        assert [c.number for c in cycles] == list(range(1, len(cycles) + 1))
        assert [c.closed_on is None for c in cycles] == [False] * (len(cycles) - 1) + [True]
        for before, after in itertools.pairwise(cycles):
            assert before.closed_on is not None
            assert before.opened_on <= before.closed_on == after.opened_on
        supervisions = list(
            GroupSupervision.objects.filter(case_id=workbook.case_id).order_by("scheduled_for")
        )
        assert [s.cycle_id for s in supervisions] == [c.pk for c in cycles]
        for supervision, cycle in zip(supervisions, cycles, strict=True):
            if supervision.is_signed_off:
                assert cycle.closed_on == supervision.scheduled_for


def test_the_risk_trend_has_points_for_children(loaded: Loaded) -> None:
    longest = 0
    for case in (
        loaded.open_cases().filter(supervisions__status=SupervisionStatus.SIGNED_OFF).distinct()
    ):
        for points in risk_trend(case).values():
            assert all(0 <= p.scale <= 10 and p.rationale for p in points)
            assert [p.day for p in points] == sorted(p.day for p in points)
            longest = max(longest, len(points))
    assert longest >= 3


def test_every_demo_practitioner_and_team_manager_has_overdue_and_due_soon_work(
    loaded: Loaded,
) -> None:
    """DOMAIN.md's timescales at work in the demo: every worker who signs in to the demo sees
    their tray with something overdue and something coming up, not an empty page."""
    from cases.clocks.tray import tray_for_user
    from safeguarding.demo.supervisions import PRACTITIONER_ROLES
    from teams.models import Membership
    from teams.roles import Role

    today = timezone.localdate()
    memberships = (
        Membership.objects.active(today)
        .filter(
            role__in=PRACTITIONER_ROLES | {Role.TEAM_MANAGER},
            user__email__endswith=f"@{DEMO_EMAIL_DOMAIN}",
        )
        .select_related("user")
    )
    workers = {membership.user for membership in memberships}
    practitioners = {m.user for m in memberships if m.role in PRACTITIONER_ROLES}
    assert len(workers) >= 45  # nine practitioners and a manager in each of five teams
    empty = []
    for worker in sorted(workers, key=lambda user: user.email):
        tray = tray_for_user(worker, today=today)
        if not (tray.overdue_count and tray.due_soon_count):
            empty.append((worker.email, tray.overdue_count, tray.due_soon_count))
    assert empty == []
    # Each practitioner works with at least one open family: nobody is in the demo to idle.
    idle = [
        worker.email
        for worker in practitioners
        if not Allocation.objects.active(today)
        .filter(worker=worker, case__status=CaseStatus.OPEN)
        .exists()
        and not Case.objects.filter(lead_social_worker=worker, status=CaseStatus.OPEN).exists()
    ]
    assert idle == []
