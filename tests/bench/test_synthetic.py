"""The synthetic data generator (``manage.py generate_synthetic``, ISSUE 10) at small N: the data
it loads is consistent, complete and deterministic for a seed, and bad arguments say how to fix
them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from bench.synthetic import (
    ENTRIES_PER_CASE,
    Generator,
    SyntheticError,
    generate,
    loaded_marker,
    marker,
)
from cases.models import Allocation, Case, ChildStatus, Family, Person
from cases.validators import validate_nhs_number
from kpis.registry import CATALOGUE
from kpis.services import month_end, scope_snapshots_write
from supervision.models import GroupSupervision
from teams.models import Team, User
from teams.roles import ServiceRole
from workbook.models import Cycle, Entry, Workbook

pytestmark = pytest.mark.django_db

FAMILIES = 50
SEED = 7


def scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        value: int = cursor.fetchone()[0]
    return value


def check_it_loads_the_families_asked_for_in_15_teams_of_12(loaded: dict[str, int]) -> None:
    assert loaded["cases_family"] == FAMILIES
    assert Family.objects.filter(owning_team__slug__startswith="synthetic-").count() == FAMILIES
    teams = Team.objects.filter(slug__startswith="synthetic-").annotate(n=Count("memberships"))
    assert sorted(team.n for team in teams) == [12] * 15
    assert loaded_marker() == marker(FAMILIES, SEED)
    # The council's board, analyst and auditor hold roles outside any team.
    outside = User.objects.filter(email__endswith="@synthetic.example.org", memberships=None)
    assert sorted(outside.values_list("service_role", flat=True)) == sorted(
        [ServiceRole.BOARD_MEMBER] * 3 + [ServiceRole.PERFORMANCE_ANALYST, ServiceRole.AUDITOR]
    )


def check_households_have_2_to_6_members_and_1_to_4_children(loaded: dict[str, int]) -> None:
    for family in Family.objects.all():
        roles = list(family.members.values_list("household_role", flat=True))
        assert 2 <= len(roles) <= 6
        assert 1 <= roles.count("child") <= 4


def check_every_case_has_a_workbook_with_one_open_cycle_and_20_to_100_entries(
    loaded: dict[str, int],
) -> None:
    assert Case.objects.count() == FAMILIES
    assert Workbook.objects.count() == FAMILIES
    assert not Case.objects.filter(workbook__isnull=True).exists()
    open_cycles = (
        Cycle.objects.filter(closed_on__isnull=True).values("workbook").annotate(n=Count("id"))
    )
    assert {row["n"] for row in open_cycles} == {1}
    assert open_cycles.count() == FAMILIES
    per_case = Entry.objects.values("workbook").annotate(n=Count("id"))
    low, high = ENTRIES_PER_CASE
    assert all(low <= row["n"] <= high for row in per_case)
    assert per_case.count() == FAMILIES
    # Every entry is filed in a cycle of its own workbook, on a day inside that cycle.
    assert (
        scalar(
            """SELECT count(*) FROM workbook_entry e JOIN workbook_cycle y ON y.id = e.cycle_id
           WHERE y.workbook_id <> e.workbook_id OR e.created_at::date < y.opened_on
              OR (y.closed_on IS NOT NULL AND e.created_at::date > y.closed_on)"""
        )
        == 0
    )


def check_statuses_do_not_overlap_and_end_by_the_case_closing(loaded: dict[str, int]) -> None:
    assert ChildStatus.objects.exists()
    overlapping = """
        SELECT count(*) FROM cases_childstatus a JOIN cases_childstatus b
          ON a.person_id = b.person_id AND a.id < b.id
         AND daterange(a.start_date, a.end_date, '[)') && daterange(b.start_date, b.end_date, '[)')
        WHERE a.kind = b.kind OR (a.kind IN ('cin_plan', 'cp_plan') AND b.kind IN ('cin_plan', 'cp_plan'))
    """
    assert scalar(overlapping) == 0
    for case in Case.objects.filter(status="closed"):
        assert not case.child_statuses.filter(end_date__isnull=True).exists()
        assert not case.child_statuses.filter(end_date__gt=case.closed_date).exists()
        assert not case.allocations.filter(end_date__isnull=True).exists()
    today = timezone.localdate()
    assert not ChildStatus.objects.filter(start_date__gt=today).exists()


def check_open_cases_have_a_lead_a_scheduled_supervision_and_signed_off_ones_behind(
    loaded: dict[str, int],
) -> None:
    open_cases = Case.objects.filter(status="open")
    assert open_cases.exists()
    for case in open_cases:
        assert Allocation.objects.filter(
            case=case, worker=case.lead_social_worker, end_date__isnull=True
        ).exists()
        assert GroupSupervision.objects.filter(case=case, status="scheduled").count() == 1
    signed_off = GroupSupervision.objects.filter(status="signed_off")
    assert signed_off.exists()
    # Each signed-off supervision closed the cycle it reviewed on its day.
    assert (
        scalar(
            """SELECT count(*) FROM supervision_groupsupervision g JOIN workbook_cycle y ON y.id = g.cycle_id
           WHERE g.status = 'signed_off' AND y.closed_on IS DISTINCT FROM g.scheduled_for"""
        )
        == 0
    )


def check_nhs_numbers_are_valid_test_range_numbers(loaded: dict[str, int]) -> None:
    numbers = list(Person.objects.exclude(nhs_number="").values_list("nhs_number", flat=True))
    assert numbers
    assert all(number.startswith("999") for number in numbers)
    assert all(validate_nhs_number(number) == number for number in numbers)


def check_change_history_has_an_insert_event_for_every_tracked_row(loaded: dict[str, int]) -> None:
    assert scalar("SELECT count(*) FROM workbook_entryevent WHERE pgh_label = 'insert'") == (
        Entry.objects.count()
    )
    assert scalar("SELECT count(*) FROM cases_personevent") == Person.objects.count()
    assert scalar("SELECT count(DISTINCT pgh_context_id) FROM cases_caseevent") == 1


def check_every_kpi_computes_for_the_service_and_a_team(loaded: dict[str, int]) -> None:
    month = timezone.localdate().replace(day=1)
    team = Team.objects.filter(slug="synthetic-01").get()
    assert scope_snapshots_write(month=month, team=None, run=None) == len(CATALOGUE)
    assert scope_snapshots_write(month=month, team=team, run=None) == len(CATALOGUE)
    assert month_end(month) >= month


def test_a_50_family_load_is_consistent_and_a_second_load_is_refused() -> None:
    """One load, checked from every side (one load keeps the suite fast)."""
    counts, _seconds = generate(families=FAMILIES, seed=SEED, out=io.StringIO())
    check_it_loads_the_families_asked_for_in_15_teams_of_12(counts)
    check_households_have_2_to_6_members_and_1_to_4_children(counts)
    check_every_case_has_a_workbook_with_one_open_cycle_and_20_to_100_entries(counts)
    check_statuses_do_not_overlap_and_end_by_the_case_closing(counts)
    check_open_cases_have_a_lead_a_scheduled_supervision_and_signed_off_ones_behind(counts)
    check_nhs_numbers_are_valid_test_range_numbers(counts)
    check_change_history_has_an_insert_event_for_every_tracked_row(counts)
    check_every_kpi_computes_for_the_service_and_a_team(counts)
    with pytest.raises(SyntheticError, match="already has a synthetic council"):
        generate(families=5, seed=SEED, out=io.StringIO())


def test_the_same_seed_gives_the_same_families() -> None:
    def people() -> list[tuple[str, str, dt.date | None, str]]:
        with transaction.atomic():
            generate(families=12, seed=SEED, out=io.StringIO())
            found = list(
                Person.objects.order_by("pk").values_list(
                    "given_name", "family_name", "date_of_birth", "nhs_number"
                )
            )
            transaction.set_rollback(True)
        return found

    first = people()
    assert first
    assert people() == first


@pytest.mark.parametrize("families", ["0", "-3", "many"])
def test_the_command_refuses_a_number_of_families_that_is_not_1_or_more(families: str) -> None:
    with pytest.raises(CommandError, match="families"):
        call_command("generate_synthetic", "--families", families)


def test_the_generator_refuses_zero_families() -> None:
    with pytest.raises(SyntheticError, match="1 or more"):
        Generator(families=0, seed=1)
