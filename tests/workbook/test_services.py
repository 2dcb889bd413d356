"""The rules ``workbook.services.entry_save`` owns for every caller (the autosave, the edit
page, the API): only the author saves; every answer is for a question of the form; a
significant entry needs its one-line summary.

Saving, submitting and deciding in their ordinary course are in test_lifecycle.py."""

from __future__ import annotations

import pytest

from tests.workbook.conftest import (
    TeamCase,
    case_note_answers,
    intervention_summary_answers,
)
from workbook.models import Entry, EntryRevision
from workbook.services import (
    AnswerKeysError,
    SummaryNeededError,
    entry_save,
    entry_start,
)

pytestmark = pytest.mark.django_db


def _draft(tc: TeamCase, slug: str = "case-note") -> Entry:
    return entry_start(actor=tc.lead, case=tc.case, form_slug=slug)


def _unchanged(entry: Entry) -> tuple[int, dict[str, object], int]:
    stored = Entry.objects.get(pk=entry.pk)
    return stored.version, stored.data, EntryRevision.objects.filter(entry=entry).count()


# --- answers are for the form's questions -------------------------------------------------------


def test_an_answer_to_a_question_the_form_does_not_ask_is_refused_under_its_key(
    team_case: TeamCase,
) -> None:
    entry = _draft(team_case)
    before = _unchanged(entry)

    with pytest.raises(AnswerKeysError) as refused:
        entry_save(
            actor=team_case.lead,
            entry_id=entry.pk,
            answers=case_note_answers() | {"what_happend": "A typo in the question"},
            base_version=entry.version,
        )

    assert refused.value.message_dict == {
        "what_happend": ["The case note form has no question what_happend"]
    }
    assert _unchanged(entry) == before


def test_a_list_where_the_question_takes_one_answer_is_refused_and_the_other_way_round(
    team_case: TeamCase,
) -> None:
    entry = entry_start(
        actor=team_case.lead,
        case=team_case.case,
        form_slug="assessment",
        subject_person=team_case.older_child,
    )

    with pytest.raises(AnswerKeysError) as refused:
        entry_save(
            actor=team_case.lead,
            entry_id=entry.pk,
            answers={"analysis": ["one", "two"], "factors": "3B"},
            base_version=entry.version,
        )

    assert refused.value.message_dict == {
        "analysis": ["This question takes one answer, not a list"],
        "factors": ["This question takes a list of answers"],
    }


def test_each_adult_is_asked_the_summarys_own_questions_and_no_others(
    team_case: TeamCase,
) -> None:
    entry = _draft(team_case, "intervention-summary")
    answers = intervention_summary_answers(team_case.adults)

    with pytest.raises(AnswerKeysError) as refused:
        entry_save(
            actor=team_case.lead,
            entry_id=entry.pk,
            answers=answers | {f"mood_{team_case.mother.pk}": "low"},
            base_version=entry.version,
        )
    result = entry_save(
        actor=team_case.lead, entry_id=entry.pk, answers=answers, base_version=entry.version
    )

    assert list(refused.value.message_dict) == [f"mood_{team_case.mother.pk}"]
    assert result.entry.data == answers


def test_a_partial_save_changes_only_the_answers_it_names(team_case: TeamCase) -> None:
    entry = _draft(team_case)
    saved = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers=case_note_answers(),
        base_version=entry.version,
    ).entry

    result = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "Jade only"},
        base_version=saved.version,
        partial=True,
    )

    assert result.entry.data == case_note_answers() | {"present": "Jade only"}


# --- a significant entry needs its summary ------------------------------------------------------


def test_a_significant_entry_without_a_summary_is_saved_as_not_significant_and_says_so(
    team_case: TeamCase,
) -> None:
    entry = _draft(team_case)

    result = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers=case_note_answers(),
        base_version=entry.version,
        significant=True,
        significant_summary="  ",
    )

    assert result.needs_summary
    assert result.saved
    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.data, stored.significant, stored.significant_summary) == (
        case_note_answers(),
        False,
        "",
    )


def test_a_caller_that_keeps_its_request_can_have_the_save_refused_instead(
    team_case: TeamCase,
) -> None:
    entry = _draft(team_case)
    before = _unchanged(entry)

    with pytest.raises(SummaryNeededError) as refused:
        entry_save(
            actor=team_case.lead,
            entry_id=entry.pk,
            answers=case_note_answers(),
            base_version=entry.version,
            significant=True,
            significant_summary="",
            refuse_unsummarised=True,
        )

    assert list(refused.value.message_dict) == ["significant_summary"]
    assert _unchanged(entry) == before


def test_a_save_that_leaves_significance_out_keeps_the_entrys_own(team_case: TeamCase) -> None:
    entry = _draft(team_case)
    flagged = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers=case_note_answers(),
        base_version=entry.version,
        significant=True,
        significant_summary="Police called to the home",
    ).entry

    result = entry_save(
        actor=team_case.lead,
        entry_id=entry.pk,
        answers={"present": "Jade only"},
        base_version=flagged.version,
        significant=None,
        significant_summary=None,
        partial=True,
    )

    assert (result.entry.significant, result.entry.significant_summary) == (
        True,
        "Police called to the home",
    )
    assert not result.needs_summary
