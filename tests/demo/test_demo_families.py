from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from cases.models import (
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    ChronologyEvent,
    Family,
    HouseholdRole,
    Person,
    StatusKind,
    Warning,
)
from cases.selectors import caseload_for_worker
from cases.validators import validate_nhs_number
from safeguarding.demo.families import (
    REVIEWING_OFFICER,
    TEAM_SLUGS,
    WARNING_FAMILY_LEAD,
    load_demo_families,
)
from safeguarding.demo.teams import load_demo_teams
from teams.models import User
from teams.roles import ADULT_SPECIALIST_ROLES

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Loaded:
    first_run: int
    second_run: int
    counts_before: dict[str, int]
    counts_after_first_run: dict[str, int]
    counts_after_second_run: dict[str, int]
    family_ids: frozenset[int]

    def families(self) -> QuerySet[Family]:
        return Family.objects.filter(pk__in=self.family_ids)

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(family_id__in=self.family_ids)

    def statuses(self) -> QuerySet[ChildStatus]:
        return ChildStatus.objects.filter(case__family_id__in=self.family_ids)

    def people(self) -> QuerySet[Person]:
        return Person.objects.filter(family_memberships__family_id__in=self.family_ids).distinct()


def _counts() -> dict[str, int]:
    return {
        "families": Family.objects.count(),
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "statuses": ChildStatus.objects.count(),
        "allocations": Allocation.objects.count(),
        "chronology": ChronologyEvent.objects.count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """The demo council loaded twice, once for the whole module and rolled back after it: each
    load writes a few thousand rows through the services. Assertions look only at the families
    this load added, so rows other tests left in a reused database do not change the answers."""
    with django_db_blocker.unblock(), transaction.atomic():
        # Tests marked transaction=True flush the test database, removing the reference codes
        # the data migration loaded; the migration's own rerunnable seed puts them back.
        seed = importlib.import_module("cases.migrations.0002_seed_reference_codes").seed
        seed(apps, None)
        load_demo_teams()
        existing = set(Family.objects.values_list("pk", flat=True))
        before = _counts()
        first_run = load_demo_families()
        after_first = _counts()
        second_run = load_demo_families()
        after_second = _counts()
        added = frozenset(Family.objects.exclude(pk__in=existing).values_list("pk", flat=True))
        yield Loaded(first_run, second_run, before, after_first, after_second, added)
        transaction.set_rollback(True)


def test_the_first_load_adds_forty_families_and_the_second_adds_nothing(loaded: Loaded) -> None:
    assert loaded.first_run == 40
    assert loaded.second_run == 0
    assert len(loaded.family_ids) == 40
    assert loaded.counts_after_first_run["families"] == loaded.counts_before["families"] + 40
    assert loaded.counts_after_second_run == loaded.counts_after_first_run


def test_every_team_has_eight_families(loaded: Loaded) -> None:
    per_team = dict(
        loaded.families()
        .values_list("owning_team__slug")
        .annotate(families_count=Count("pk"))
        .values_list("owning_team__slug", "families_count")
    )
    assert per_team == dict.fromkeys(TEAM_SLUGS, 8)


def test_the_council_has_open_and_closed_cases_and_every_kind_of_status(loaded: Loaded) -> None:
    statuses = loaded.statuses()
    assert loaded.cases().filter(status=CaseStatus.OPEN).count() == 30
    assert loaded.cases().filter(status=CaseStatus.CLOSED).count() == 10
    assert set(statuses.values_list("kind", flat=True)) == set(StatusKind.values)
    assert set(
        statuses.filter(kind=StatusKind.LOOKED_AFTER).values_list("legal_status", flat=True)
    ) <= {"C1", "C2", "V2"}
    assert set(
        statuses.filter(kind=StatusKind.CP_PLAN).values_list("cp_initial_category", flat=True)
    ) <= {"NEG", "EMO", "PHY", "SAB", "MUL"}
    assert not statuses.filter(kind=StatusKind.CP_PLAN).exclude(icpc_date=F("start_date")).exists()
    assert not statuses.filter(case__status=CaseStatus.CLOSED, end_date__isnull=True).exists()


def test_some_families_are_restricted_or_carry_a_warning(loaded: Loaded) -> None:
    active = Warning.objects.filter(
        family_id__in=loaded.family_ids, ended_at__isnull=True, review_date__gt=timezone.localdate()
    )
    assert loaded.families().filter(restricted=True).count() == 5
    assert active.count() == 5
    assert not active.filter(family__cases__status=CaseStatus.CLOSED).exists()


def test_households_have_children_parents_and_sometimes_an_unborn_child(loaded: Loaded) -> None:
    sizes = list(loaded.families().annotate(size=Count("members")).values_list("size", flat=True))
    assert min(sizes) >= 2
    assert max(sizes) <= 6
    assert not loaded.families().exclude(members__household_role=HouseholdRole.CHILD).exists()
    assert not loaded.families().exclude(members__household_role=HouseholdRole.PARENT).exists()
    assert loaded.people().filter(expected_date_of_birth__gt=timezone.localdate()).exists()


def test_every_nhs_number_is_a_valid_number_from_the_test_range(loaded: Loaded) -> None:
    numbers = list(loaded.people().exclude(nhs_number="").values_list("nhs_number", flat=True))
    assert len(numbers) > loaded.people().count() * 3 // 4
    for number in numbers:
        assert len(number) == 10
        assert number.startswith("999")
        assert validate_nhs_number(number) == number


def test_adult_specialists_are_allocated_to_adults(loaded: Loaded) -> None:
    specialist_allocations = Allocation.objects.filter(
        case__family_id__in=loaded.family_ids, worker__memberships__role__in=ADULT_SPECIALIST_ROLES
    ).distinct()
    assert specialist_allocations.count() >= 10
    assert not specialist_allocations.filter(adult__isnull=True).exists()
    assert not specialist_allocations.filter(
        adult__family_memberships__household_role=HouseholdRole.CHILD
    ).exists()


def test_the_main_demo_login_has_a_caseload_with_a_warning_and_overdue_visits(
    loaded: Loaded,
) -> None:
    today = timezone.localdate()
    caseload = caseload_for_worker(User.objects.get(email=WARNING_FAMILY_LEAD))
    rows = [row for row in caseload if row.family.pk in loaded.family_ids]
    assert len(rows) >= 4
    assert [row.case.status for row in rows] == [CaseStatus.OPEN] * len(rows)
    assert any(row.warnings for row in rows)
    assert any(
        due.is_overdue(today) and due.label.startswith("Statutory visit")
        for row in rows
        for due in row.dues
    )


def test_one_case_is_shared_with_the_reviewing_officer(loaded: Loaded) -> None:
    reviewing_officer = User.objects.get(email=REVIEWING_OFFICER)
    shared = Case.objects.visible_to(reviewing_officer).filter(family_id__in=loaded.family_ids)
    assert shared.count() == 1
