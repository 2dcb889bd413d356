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

from cases.models import Allocation, ChronologyEvent, Family
from cases.selectors import caseload_for_worker
from safeguarding.demo.families import WARNING_FAMILY_LEAD, load_demo_families
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from safeguarding.demo.workbooks import load_demo_workbooks
from teams.models import User
from workbook.models import Cycle, Entry, EntryRevision, EntryStatus, Workbook
from workbook.registry import BY_SLUG, get_form_spec
from workbook.selectors import form_context

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Loaded:
    first_run: int
    second_run: int
    counts_after_first_run: dict[str, int]
    counts_after_second_run: dict[str, int]
    family_ids: frozenset[int]

    def entries(self) -> QuerySet[Entry]:
        return Entry.objects.filter(workbook__case__family_id__in=self.family_ids)

    def workbooks(self) -> QuerySet[Workbook]:
        return Workbook.objects.filter(case__family_id__in=self.family_ids)


def _counts() -> dict[str, int]:
    return {
        "workbooks": Workbook.objects.count(),
        "cycles": Cycle.objects.count(),
        "entries": Entry.objects.count(),
        "revisions": EntryRevision.objects.count(),
        "chronology": ChronologyEvent.objects.count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """The demo council and its workbooks loaded twice, once for the whole module and rolled
    back after it. Assertions look only at the families this load added."""
    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test's flush empties the seeded reference data; the data
        # migrations' own rerunnable seeds put it back.
        importlib.import_module("cases.migrations.0002_seed_reference_codes").seed(apps, None)
        importlib.import_module("workbook.migrations.0002_seed_programme_modules").seed(apps, None)
        load_demo_teams()
        existing = set(Family.objects.values_list("pk", flat=True))
        load_demo_families()
        first_run = load_demo_workbooks()
        after_first = _counts()
        second_run = load_demo_workbooks()
        after_second = _counts()
        added = frozenset(Family.objects.exclude(pk__in=existing).values_list("pk", flat=True))
        yield Loaded(first_run, second_run, after_first, after_second, added)
        transaction.set_rollback(True)


def test_the_first_load_adds_entries_and_the_second_adds_nothing(loaded: Loaded) -> None:
    assert loaded.first_run == loaded.entries().count()
    assert loaded.first_run > 200
    assert loaded.second_run == 0
    assert loaded.counts_after_second_run == loaded.counts_after_first_run


def test_every_open_case_has_a_workbook_and_closed_cases_have_none(loaded: Loaded) -> None:
    workbooks = loaded.workbooks()
    assert workbooks.count() == 30
    assert set(workbooks.values_list("case__status", flat=True)) == {"open"}


def test_all_eight_forms_are_used(loaded: Loaded) -> None:
    assert set(loaded.entries().values_list("form_slug", flat=True)) == set(BY_SLUG)


def test_entries_are_in_every_state(loaded: Loaded) -> None:
    assert set(loaded.entries().values_list("status", flat=True)) == set(EntryStatus.values)


def test_returned_entries_carry_a_reason_and_authorised_ones_the_team_manager(
    loaded: Loaded,
) -> None:
    returned = loaded.entries().filter(status=EntryStatus.RETURNED)
    authorised = loaded.entries().filter(status=EntryStatus.AUTHORISED)
    assert returned.exists()
    assert not returned.filter(returned_reason="").exists()
    authorisers = set(authorised.values_list("authorised_by__email", flat=True))
    assert authorisers
    assert all(
        email.startswith("tm.") and email.endswith(f"@{DEMO_EMAIL_DOMAIN}") for email in authorisers
    )
    assert not authorised.filter(authorised_by_id=F("author_id")).exists()


def test_corrections_point_at_a_locked_entry_of_the_same_form(loaded: Loaded) -> None:
    corrections = loaded.entries().filter(corrects__isnull=False).select_related("corrects")
    assert corrections.count() >= 1
    assert all(
        c.corrects is not None
        and c.corrects.form_slug == c.form_slug
        and c.corrects.status in (EntryStatus.SUBMITTED, EntryStatus.AUTHORISED)
        for c in corrections
    )


def test_some_workbooks_have_a_closed_cycle_and_a_current_one_with_entries(
    loaded: Loaded,
) -> None:
    two_cycles = loaded.workbooks().annotate(cycle_count=Count("cycles")).filter(cycle_count=2)
    assert two_cycles.count() >= 10
    first_cycles = Cycle.objects.filter(workbook__in=two_cycles, number=1)
    second_cycles = Cycle.objects.filter(workbook__in=two_cycles, number=2)
    assert not first_cycles.filter(closed_on__isnull=True).exists()
    assert not second_cycles.filter(closed_on__isnull=False).exists()
    assert loaded.entries().filter(cycle__in=first_cycles).exists()
    assert loaded.entries().filter(cycle__in=second_cycles, status=EntryStatus.DRAFT).exists()


def test_every_author_was_allocated_with_a_discipline_the_form_allows(loaded: Loaded) -> None:
    today = timezone.localdate()
    allocations = {
        (a.case_id, a.worker_id): a.discipline
        for a in Allocation.objects.active(today).filter(case__family_id__in=loaded.family_ids)
    }
    wrong = [
        entry.pk
        for entry in loaded.entries().select_related("workbook")
        if (spec := get_form_spec(entry.form_slug)) is None
        or (entry.workbook.case_id, entry.author_id) not in allocations
        or (
            spec.author_disciplines
            and allocations[(entry.workbook.case_id, entry.author_id)]
            not in spec.author_disciplines
        )
    ]
    assert wrong == []


def test_submitted_and_authorised_answers_are_valid(loaded: Loaded) -> None:
    entries = (
        loaded.entries()
        .filter(status__in=[EntryStatus.SUBMITTED, EntryStatus.AUTHORISED])
        .select_related("workbook__case")
        .order_by("workbook_id", "pk")
    )
    contexts = {
        workbook.case_id: form_context(workbook.case)
        for workbook in loaded.workbooks().select_related("case")
    }
    invalid = {}
    for entry in entries:
        spec = get_form_spec(entry.form_slug)
        assert spec is not None
        form = spec.form_class(data=entry.data, context=contexts[entry.workbook.case_id])
        invalid[entry.pk] = form.is_valid() or form.errors.as_json()
    assert entries.count() > 100
    assert {pk: result for pk, result in invalid.items() if result is not True} == {}


def test_the_main_demo_login_still_has_overdue_visits(loaded: Loaded) -> None:
    today = timezone.localdate()
    caseload = caseload_for_worker(User.objects.get(email=WARNING_FAMILY_LEAD))
    rows = [row for row in caseload if row.family.pk in loaded.family_ids]
    assert any(
        due.is_overdue(today) and due.label.startswith("Statutory visit")
        for row in rows
        for due in row.dues
    )
