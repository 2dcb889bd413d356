"""Reads of the workbook write nothing and cost what they say: a case whose workbook has no
rows yet reads as cycle 1, opened on the referral date, with no entries; the keys an entry's
answers are stored under, and the context the forms are built with, cost no query until a
form needs a list from the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.workbook.conftest import REFERRAL_DATE, TeamCase, intervention_summary_answers
from workbook.models import Cycle, Workbook
from workbook.registry import FORMS, get_form_spec
from workbook.selectors import (
    answer_keys,
    case_current_cycle,
    case_cycles,
    form_context,
    workbook_view,
)
from workbook.services import cycle_roll_over, entry_start, workbook_open

pytestmark = pytest.mark.django_db


# --- cycles --------------------------------------------------------------------------------------


def test_a_case_nobody_has_written_on_reads_as_cycle_one_from_the_referral_date(
    team_case: TeamCase,
) -> None:
    current = case_current_cycle(team_case.case)
    cycles = case_cycles(team_case.case)

    assert (current.number, current.opened_on, current.closed_on) == (1, REFERRAL_DATE, None)
    assert [(c.number, c.opened_on) for c in cycles] == [(1, REFERRAL_DATE)]
    assert (Workbook.objects.count(), Cycle.objects.count()) == (0, 0)


def test_the_workbook_view_of_a_case_nobody_has_written_on_writes_nothing(
    team_case: TeamCase,
) -> None:
    view = workbook_view(team_case.lead, team_case.case, None)

    assert (view.cycle.number, view.cycle.opened_on) == (1, REFERRAL_DATE)
    assert view.chapters == []
    assert team_case.lead in view.missing_summaries
    assert (Workbook.objects.count(), Cycle.objects.count()) == (0, 0)


def test_after_a_roll_over_the_current_cycle_is_the_new_one(team_case: TeamCase) -> None:
    entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    workbook = workbook_open(case=team_case.case)
    second = cycle_roll_over(
        actor=team_case.manager, workbook=workbook, on=REFERRAL_DATE + dt.timedelta(weeks=4)
    )

    assert case_current_cycle(team_case.case) == second
    assert [c.number for c in case_cycles(team_case.case)] == [1, 2]


# --- what building a form costs ------------------------------------------------------------------


def test_the_answer_keys_and_the_form_context_cost_no_query(
    team_case: TeamCase, django_assert_num_queries: Any
) -> None:
    summary = get_form_spec("intervention-summary")
    assert summary is not None

    with django_assert_num_queries(0):
        context = form_context(team_case.case)
        keys = {spec.slug: answer_keys(spec) for spec in FORMS}
        about_mother = summary.form_class.takes_list(f"stage_{team_case.mother.pk}")

    assert keys["case-note"]["contact_date_0"] is False
    assert keys["assessment"]["factors"] is True
    assert about_mother is False
    assert len(context) == 3


def test_a_form_reads_only_the_lists_it_asks_for(
    team_case: TeamCase, django_assert_num_queries: Any
) -> None:
    context = form_context(team_case.case)
    summary = get_form_spec("intervention-summary")
    note = get_form_spec("case-note")
    assert summary is not None
    assert note is not None

    with django_assert_num_queries(0):
        note.form_class(context=context)
    with django_assert_num_queries(1):  # the family's adults, once
        summary.form_class(context=context)
        form = summary.form_class(context=context)

    assert f"stage_{team_case.father.pk}" in form.fields


def test_every_question_the_summary_asks_about_an_adult_is_a_key_a_save_accepts(
    team_case: TeamCase,
) -> None:
    summary = get_form_spec("intervention-summary")
    assert summary is not None
    form = summary.form_class(context=form_context(team_case.case))

    kinds = {name: summary.form_class.takes_list(name) for name in form.fields}

    assert set(form.fields) == set(intervention_summary_answers(team_case.adults))
    assert set(kinds.values()) == {False}
    assert summary.form_class.takes_list("stage_") is None
    assert summary.form_class.takes_list("mood_12") is None
