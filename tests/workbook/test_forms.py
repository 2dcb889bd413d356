"""The eight workbook forms (DOMAIN.md, "The eight workbook forms"): what each accepts, and what
each refuses with which message on which field.

Answers are posted as a browser posts them: a date is three inputs (day, month, year).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django import forms
from django.utils import timezone

from cases.selectors import reference_codes
from tests.workbook.conftest import (
    ALCOHOL_MISUSE_PARENT,
    DOMESTIC_ABUSE_PARENT,
    REFERRAL_DATE,
    VISIT_DATE,
    TeamCase,
    assessment_answers,
    case_note_answers,
    date_answers,
    domestic_abuse_answers,
    family_overview_answers,
    family_programme_answers,
    intervention_summary_answers,
    plan_answers,
    statutory_visit_answers,
    substance_use_answers,
)
from workbook import forms_catalogue as fc
from workbook.models import ProgrammeModule
from workbook.reference_data import PROGRAMME_MODULES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _cin_factor_context() -> dict[str, object]:
    return {"cin_factors": reference_codes("cin_factor")}


def _module_context() -> dict[str, object]:
    return {"modules": [(str(m.pk), str(m)) for m in ProgrammeModule.objects.all()]}


def _choices(form: fc.WorkbookForm, name: str) -> list[tuple[str, str]]:
    field = cast(forms.ChoiceField, form.fields[name])
    # django-stubs types choices as a union that includes callables; these forms set lists.
    return cast(list[tuple[str, str]], list(field.choices))  # type: ignore[arg-type]


def _first_module() -> str:
    return str(ProgrammeModule.objects.get(number=1).pk)


# --- 1 family overview -------------------------------------------------------------------------


def test_family_overview_accepts_a_complete_overview() -> None:
    form = fc.FamilyOverviewForm(data=family_overview_answers())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["genogram_notes"] == ""


def test_family_overview_asks_for_the_strengths() -> None:
    form = fc.FamilyOverviewForm(data={**family_overview_answers(), "strengths": ""})

    assert not form.is_valid()
    assert form.errors == {"strengths": ["Enter strengths"]}


# --- 2 intervention summary --------------------------------------------------------------------


def test_intervention_summary_builds_readiness_fields_for_each_adult(team_case: TeamCase) -> None:
    mother, father = team_case.mother, team_case.father

    form = fc.InterventionSummaryForm(context={"adults": team_case.adults})

    assert list(form.fields) == [
        "work_done",
        "progress",
        "analysis",
        f"stage_{mother.pk}",
        f"importance_{mother.pk}",
        f"confidence_{mother.pk}",
        f"stage_{father.pk}",
        f"importance_{father.pk}",
        f"confidence_{father.pk}",
    ]
    assert form.fields[f"stage_{father.pk}"].label == "Liam Carter: stage of change"
    assert form.fields[f"importance_{mother.pk}"].label == (
        "Jade Carter: how important change is to them"
    )


def test_intervention_summary_without_adults_has_only_the_narrative_fields() -> None:
    form = fc.InterventionSummaryForm(context={})

    assert list(form.fields) == ["work_done", "progress", "analysis"]


def test_intervention_summary_accepts_each_adults_readiness(team_case: TeamCase) -> None:
    form = fc.InterventionSummaryForm(
        data=intervention_summary_answers(team_case.adults), context={"adults": team_case.adults}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data[f"importance_{team_case.mother.pk}"] == 7
    assert form.cleaned_data[f"stage_{team_case.father.pk}"] == "contemplation"


@pytest.mark.parametrize(
    ("scale", "label"),
    [
        ("importance", "how important change is to them"),
        ("confidence", "how confident they are they can change"),
    ],
)
def test_intervention_summary_refuses_a_scale_above_10(
    team_case: TeamCase, scale: str, label: str
) -> None:
    mother = team_case.mother
    answers = {**intervention_summary_answers(team_case.adults), f"{scale}_{mother.pk}": "11"}

    form = fc.InterventionSummaryForm(data=answers, context={"adults": team_case.adults})

    assert not form.is_valid()
    assert form.errors == {
        f"{scale}_{mother.pk}": [f"Jade Carter: {label} must be between 0 and 10"]
    }


def test_intervention_summary_asks_for_each_adults_stage_of_change(team_case: TeamCase) -> None:
    father = team_case.father
    answers = {**intervention_summary_answers(team_case.adults), f"stage_{father.pk}": ""}

    form = fc.InterventionSummaryForm(data=answers, context={"adults": team_case.adults})

    assert not form.is_valid()
    assert form.errors == {f"stage_{father.pk}": ["Choose Liam Carter's stage of change"]}


def test_intervention_summary_missing_scale_message_keeps_the_name_as_written(
    team_case: TeamCase,
) -> None:
    mother = team_case.mother
    answers = {**intervention_summary_answers(team_case.adults), f"importance_{mother.pk}": ""}

    form = fc.InterventionSummaryForm(data=answers, context={"adults": team_case.adults})

    assert not form.is_valid()
    assert "Jade Carter" in form.errors[f"importance_{mother.pk}"][0]


# --- 3 case note -------------------------------------------------------------------------------


def test_case_note_accepts_marked_statements() -> None:
    form = fc.CaseNoteForm(data=case_note_answers())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["contact_date"] == VISIT_DATE
    assert form.cleaned_data["statement_3_source"] == "Mia's class teacher"


def test_case_note_refuses_third_party_information_without_its_source() -> None:
    form = fc.CaseNoteForm(data={**case_note_answers(), "statement_3_source": "  "})

    assert not form.is_valid()
    assert form.errors == {
        "statement_3_source": ["Enter who gave the third-party information in statement 3"]
    }


def test_case_note_refuses_a_statement_without_its_marking() -> None:
    form = fc.CaseNoteForm(data={**case_note_answers(), "statement_2_kind": ""})

    assert not form.is_valid()
    assert form.errors == {
        "statement_2_kind": ["Say whether statement 2 is fact, opinion or third-party information"]
    }


def test_case_note_refuses_a_marking_without_its_statement() -> None:
    form = fc.CaseNoteForm(data={**case_note_answers(), "statement_4_kind": "fact"})

    assert not form.is_valid()
    assert form.errors == {"statement_4": ["Enter statement 4, or clear its marking"]}


def test_case_note_refuses_a_contact_date_in_the_future() -> None:
    form = fc.CaseNoteForm(data=case_note_answers(contact_date=_tomorrow()))

    assert not form.is_valid()
    assert form.errors == {"contact_date": ["The date of contact must be today or in the past"]}


# --- 4 statutory visit -------------------------------------------------------------------------


def test_statutory_visit_accepts_a_child_seen_alone() -> None:
    form = fc.StatutoryVisitForm(data=statutory_visit_answers())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["visit_date"] == VISIT_DATE


def test_statutory_visit_accepts_a_child_not_seen_alone_with_the_reason() -> None:
    answers = {
        **statutory_visit_answers(),
        "seen_alone": "no",
        "not_seen_alone_reason": "Noah would not leave his mother's side.",
    }

    form = fc.StatutoryVisitForm(data=answers)

    assert form.is_valid(), form.errors


def test_statutory_visit_refuses_seen_but_not_alone_without_a_reason() -> None:
    answers = {**statutory_visit_answers(), "seen_alone": "no", "not_seen_alone_reason": ""}

    form = fc.StatutoryVisitForm(data=answers)

    assert not form.is_valid()
    assert form.errors == {"not_seen_alone_reason": ["Explain why the child was not seen alone"]}


def test_statutory_visit_asks_whether_a_seen_child_was_seen_alone() -> None:
    form = fc.StatutoryVisitForm(data={**statutory_visit_answers(), "seen_alone": ""})

    assert not form.is_valid()
    assert form.errors == {"seen_alone": ["Say whether the child was seen alone"]}


def test_statutory_visit_refuses_a_visit_date_in_the_future() -> None:
    form = fc.StatutoryVisitForm(data=statutory_visit_answers(visit_date=_tomorrow()))

    assert not form.is_valid()
    assert form.errors == {"visit_date": ["The date of visit must be today or in the past"]}


def test_statutory_visit_refuses_a_date_without_its_month() -> None:
    form = fc.StatutoryVisitForm(data={**statutory_visit_answers(), "visit_date_1": ""})

    assert not form.is_valid()
    assert form.errors == {"visit_date": ["The date of visit must include a month"]}


# --- 5 assessment ------------------------------------------------------------------------------


def test_assessment_offers_the_cin_census_factors() -> None:
    form = fc.AssessmentForm(context=_cin_factor_context())

    choices = dict(_choices(form, "factors"))
    assert choices[DOMESTIC_ABUSE_PARENT] == "Domestic abuse (parent or carer)"
    assert ALCOHOL_MISUSE_PARENT in choices


def test_assessment_accepts_a_completed_assessment_with_factors() -> None:
    form = fc.AssessmentForm(data=assessment_answers(), context=_cin_factor_context())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["factors"] == [DOMESTIC_ABUSE_PARENT, ALCOHOL_MISUSE_PARENT]
    assert form.cleaned_data["referral_date"] == REFERRAL_DATE


def test_assessment_in_progress_needs_no_outcome() -> None:
    answers = assessment_answers(completed=None, outcome="")

    form = fc.AssessmentForm(data=answers, context=_cin_factor_context())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["completed_date"] is None


def test_assessment_refuses_a_factor_not_in_the_census_list() -> None:
    answers = {**assessment_answers(), "factors": ["99Z"]}

    form = fc.AssessmentForm(data=answers, context=_cin_factor_context())

    assert not form.is_valid()
    assert form.has_error("factors", code="invalid_choice")


def test_assessment_refuses_completion_before_the_referral() -> None:
    before = REFERRAL_DATE - dt.timedelta(days=1)
    answers = {**assessment_answers(), **date_answers("completed_date", before)}

    form = fc.AssessmentForm(data=answers, context=_cin_factor_context())

    assert not form.is_valid()
    assert form.errors == {
        "completed_date": ["The completion date must be on or after the referral date"]
    }


def test_assessment_refuses_completion_without_an_outcome() -> None:
    form = fc.AssessmentForm(data=assessment_answers(outcome=""), context=_cin_factor_context())

    assert not form.is_valid()
    assert form.errors == {"outcome": ["Choose the outcome of the assessment"]}


def test_assessment_refuses_completion_in_the_future() -> None:
    form = fc.AssessmentForm(
        data=assessment_answers(completed=_tomorrow()), context=_cin_factor_context()
    )

    assert not form.is_valid()
    assert form.errors == {"completed_date": ["The completion date must be today or in the past"]}


# --- 6 adult assessment ------------------------------------------------------------------------


def test_adult_assessment_accepts_dash_14_as_high_risk() -> None:
    form = fc.AdultAssessmentForm(data=domestic_abuse_answers(14, "high"))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["dash_score"] == 14


def test_adult_assessment_refuses_dash_15_at_medium_risk_with_the_marac_message() -> None:
    form = fc.AdultAssessmentForm(data=domestic_abuse_answers(15, "medium"))

    assert not form.is_valid()
    assert form.errors == {
        "risk_level": [
            "A DASH score of 14 or more is high risk. Choose high and consider a MARAC referral"
        ]
    }


def test_adult_assessment_accepts_dash_13_at_medium_risk() -> None:
    form = fc.AdultAssessmentForm(data=domestic_abuse_answers(13, "medium"))

    assert form.is_valid(), form.errors


def test_adult_assessment_refuses_a_dash_score_above_24() -> None:
    form = fc.AdultAssessmentForm(data=domestic_abuse_answers(25, "high"))

    assert not form.is_valid()
    assert list(form.errors) == ["dash_score"]
    assert form.has_error("dash_score", code="max_value")


def test_adult_assessment_dash_score_above_24_gets_one_plain_english_message() -> None:
    form = fc.AdultAssessmentForm(data=domestic_abuse_answers(25, "high"))

    assert not form.is_valid()
    assert len(form.errors["dash_score"]) == 1
    assert not str(form.errors["dash_score"][0]).startswith("Ensure this value")


def test_adult_assessment_asks_for_the_dash_score_and_risk_level() -> None:
    answers = {**domestic_abuse_answers(0, ""), "dash_score": ""}

    form = fc.AdultAssessmentForm(data=answers)

    assert not form.is_valid()
    assert form.errors == {
        "dash_score": ["Enter the DASH checklist score, from 0 to 24"],
        "risk_level": ["Choose the domestic abuse risk level"],
    }


def test_adult_assessment_accepts_the_top_audit_score() -> None:
    form = fc.AdultAssessmentForm(data=substance_use_answers(40))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["audit_score"] == 40


def test_adult_assessment_refuses_an_audit_score_above_40() -> None:
    form = fc.AdultAssessmentForm(data=substance_use_answers(41))

    assert not form.is_valid()
    assert list(form.errors) == ["audit_score"]
    assert form.has_error("audit_score", code="max_value")


def test_adult_assessment_audit_score_above_40_gets_one_plain_english_message() -> None:
    form = fc.AdultAssessmentForm(data=substance_use_answers(41))

    assert not form.is_valid()
    assert len(form.errors["audit_score"]) == 1
    assert not str(form.errors["audit_score"][0]).startswith("Ensure this value")


def test_adult_assessment_asks_for_presenting_mental_health_needs() -> None:
    answers = {"specialism": "mental_health", "analysis": "Low mood since the summer."}

    form = fc.AdultAssessmentForm(data=answers)

    assert not form.is_valid()
    assert form.errors == {"presenting_needs": ["Enter the presenting mental health needs"]}


# --- 7 plan ------------------------------------------------------------------------------------


def test_plan_accepts_a_review_date_in_the_future() -> None:
    review = timezone.localdate() + dt.timedelta(days=90)

    form = fc.PlanForm(data=plan_answers(review))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["next_review_date"] == review


def test_plan_accepts_a_review_today() -> None:
    form = fc.PlanForm(data=plan_answers(timezone.localdate()))

    assert form.is_valid(), form.errors


def test_plan_refuses_a_review_date_in_the_past() -> None:
    form = fc.PlanForm(data=plan_answers(timezone.localdate() - dt.timedelta(days=1)))

    assert not form.is_valid()
    assert form.errors == {
        "next_review_date": ["The next review date must be today or in the future"]
    }


# --- 8 family programme ------------------------------------------------------------------------


def test_family_programme_offers_the_eight_seeded_modules() -> None:
    form = fc.FamilyProgrammeForm(context=_module_context())

    labels = [label for _, label in _choices(form, "module")]
    assert labels == [
        "Choose a module",
        *(f"{number}. {title}" for number, title in PROGRAMME_MODULES),
    ]
    assert len(labels) == 9


def test_family_programme_accepts_a_module_in_progress() -> None:
    answers = family_programme_answers(_first_module(), 2, "in_progress")

    form = fc.FamilyProgrammeForm(data=answers, context=_module_context())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["sessions_held"] == 2


def test_family_programme_refuses_a_completed_module_with_no_sessions() -> None:
    answers = family_programme_answers(_first_module(), 0, "completed")

    form = fc.FamilyProgrammeForm(data=answers, context=_module_context())

    assert not form.is_valid()
    assert form.errors == {"sessions_held": ["A completed module must have at least one session"]}


def test_family_programme_refuses_negative_sessions() -> None:
    answers = family_programme_answers(_first_module(), -1, "in_progress")

    form = fc.FamilyProgrammeForm(data=answers, context=_module_context())

    assert not form.is_valid()
    assert form.errors == {"sessions_held": ["Sessions held cannot be negative"]}


def test_family_programme_refuses_a_module_not_in_the_catalogue() -> None:
    answers = family_programme_answers("999999", 1, "completed")

    form = fc.FamilyProgrammeForm(data=answers, context=_module_context())

    assert not form.is_valid()
    assert form.has_error("module", code="invalid_choice")
