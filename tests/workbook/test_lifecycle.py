"""An entry's life in the FS Workbook, through the services a view calls: start a draft, save
it (never last-write-wins), submit it, have a manager authorise or return it, correct it, and
roll the workbook on to the next cycle. Then who sees what.

Every test starts from ``team_case`` (tests/workbook/conftest.py): the Carter family, referred
by the police on a Tuesday 12 weeks ago, with Mia on a child protection plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case, ChronologyEvent, ChronologyKind, Person
from cases.selectors import reference_codes
from teams.models import User
from tests.workbook.conftest import (
    REFERRAL_DATE,
    VISIT_DATE,
    TeamCase,
    assessment_answers,
    case_note_answers,
    intervention_summary_answers,
    plan_answers,
    statutory_visit_answers,
)
from workbook.models import Cycle, Entry, EntryRevision, EntryStatus
from workbook.policies import authorisation_queue_for, entries_visible_to
from workbook.services import (
    EntryNotEditableError,
    SaveResult,
    cycle_roll_over,
    entry_authorise,
    entry_correct,
    entry_return,
    entry_save,
    entry_start,
    entry_submit,
    workbook_open,
)

pytestmark = pytest.mark.django_db

# The Friday after the latest visit: the family's group supervision was signed off.
ROLL_OVER_DATE = VISIT_DATE + dt.timedelta(days=4)


def _save(actor: User, entry: Entry, answers: dict[str, Any], **options: Any) -> SaveResult:
    return entry_save(
        actor=actor, entry_id=entry.pk, answers=answers, base_version=entry.version, **options
    )


def _submitted(
    actor: User,
    case: Case,
    form_slug: str,
    answers: dict[str, Any],
    subject: Person | None = None,
    context: dict[str, Any] | None = None,
    **options: Any,
) -> Entry:
    entry = entry_start(actor=actor, case=case, form_slug=form_slug, subject_person=subject)
    saved = _save(actor, entry, answers, **options).entry
    return entry_submit(actor=actor, entry=saved, context=context or {})


def _assessment_context() -> dict[str, Any]:
    return {"cin_factors": reference_codes("cin_factor")}


def _submitted_assessment(tc: TeamCase) -> Entry:
    return _submitted(
        tc.lead,
        tc.case,
        "assessment",
        assessment_answers(),
        subject=tc.older_child,
        context=_assessment_context(),
    )


def _plan_review_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=60)


def _events_for(entry: Entry) -> list[ChronologyEvent]:
    return list(ChronologyEvent.objects.filter(source_model="workbook.entry", source_id=entry.pk))


# --- the workbook and starting entries ---------------------------------------------------------


def test_workbook_open_opens_cycle_one_on_the_referral_date(team_case: TeamCase) -> None:
    workbook = workbook_open(case=team_case.case)
    again = workbook_open(case=team_case.case)

    assert again.pk == workbook.pk
    assert list(workbook.cycles.values_list("number", "opened_on", "closed_on")) == [
        (1, REFERRAL_DATE, None)
    ]


def test_entry_start_opens_a_draft_in_the_current_cycle(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")

    assert entry.status == EntryStatus.DRAFT
    assert entry.version == 1
    assert entry.cycle.number == 1
    assert entry.author == team_case.lead
    assert list(entry.revisions.values_list("version", "based_on_version", "is_conflict")) == [
        (1, 0, False)
    ]


def test_entry_start_refuses_an_unknown_form(team_case: TeamCase) -> None:
    with pytest.raises(ValidationError) as refused:
        entry_start(actor=team_case.lead, case=team_case.case, form_slug="risk-matrix")

    assert refused.value.message_dict == {"form_slug": ["Choose one of the workbook's forms"]}


def test_entry_start_refuses_a_child_form_about_an_adult(team_case: TeamCase) -> None:
    with pytest.raises(ValidationError) as refused:
        entry_start(
            actor=team_case.lead,
            case=team_case.case,
            form_slug="statutory-visit",
            subject_person=team_case.mother,
        )

    assert refused.value.message_dict == {"subject_person": ["Choose a child"]}


def test_entry_start_refuses_an_adult_form_about_a_child(team_case: TeamCase) -> None:
    with pytest.raises(ValidationError) as refused:
        entry_start(
            actor=team_case.da_specialist,
            case=team_case.case,
            form_slug="adult-assessment",
            subject_person=team_case.younger_child,
        )

    assert refused.value.message_dict == {"subject_person": ["Choose an adult"]}


def test_entry_start_refuses_a_family_form_about_one_person(team_case: TeamCase) -> None:
    with pytest.raises(ValidationError) as refused:
        entry_start(
            actor=team_case.lead,
            case=team_case.case,
            form_slug="family-overview",
            subject_person=team_case.mother,
        )

    assert refused.value.message_dict == {"subject_person": ["This form is about the whole family"]}


def test_entry_start_asks_which_child_a_child_form_is_about(team_case: TeamCase) -> None:
    with pytest.raises(ValidationError) as refused:
        entry_start(actor=team_case.lead, case=team_case.case, form_slug="statutory-visit")

    assert refused.value.message_dict == {"subject_person": ["Choose the child this is about"]}


def test_entry_start_refuses_a_child_of_another_family(
    team_case: TeamCase, other_team_case: TeamCase
) -> None:
    with pytest.raises(ValidationError) as refused:
        entry_start(
            actor=team_case.lead,
            case=team_case.case,
            form_slug="statutory-visit",
            subject_person=other_team_case.older_child,
        )

    assert refused.value.message_dict == {"subject_person": ["Choose a member of this family"]}


def test_intervention_summary_is_one_chapter_per_worker_per_cycle(team_case: TeamCase) -> None:
    first = entry_start(
        actor=team_case.da_specialist, case=team_case.case, form_slug="intervention-summary"
    )
    second = entry_start(
        actor=team_case.da_specialist, case=team_case.case, form_slug="intervention-summary"
    )
    colleagues = entry_start(
        actor=team_case.su_specialist, case=team_case.case, form_slug="intervention-summary"
    )

    assert second.pk == first.pk
    assert colleagues.pk != first.pk
    assert Entry.objects.filter(form_slug="intervention-summary").count() == 2


# --- saving ------------------------------------------------------------------------------------


def test_entry_save_increments_the_version_and_writes_a_revision(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    answers = case_note_answers()

    result = _save(team_case.lead, entry, answers)

    assert result.saved
    assert result.conflict is None
    assert result.entry.version == 2
    assert result.entry.data == answers
    revision = entry.revisions.get(version=2)
    assert (revision.data, revision.based_on_version, revision.is_conflict) == (answers, 1, False)
    assert revision.saved_by == team_case.lead


def test_a_stale_save_is_kept_as_a_conflict_and_changes_nothing(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    first = case_note_answers()
    _save(team_case.lead, entry, first)  # another tab saved: the entry is now at version 2
    refused = {**first, "what_happened": "Text typed in the older tab."}

    result = entry_save(actor=team_case.lead, entry_id=entry.pk, answers=refused, base_version=1)

    assert not result.saved
    assert result.conflict is not None
    assert result.conflict.is_conflict
    assert result.conflict.data == refused
    assert result.conflict.based_on_version == 1
    entry.refresh_from_db()
    assert entry.version == 2
    assert entry.data == first
    assert list(entry.revisions.filter(is_conflict=True)) == [result.conflict]


def test_entry_save_keeps_the_text_of_a_significant_entry_without_a_summary(
    team_case: TeamCase,
) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    answers = case_note_answers()

    result = _save(team_case.lead, entry, answers, significant=True, significant_summary=" ")

    entry.refresh_from_db()
    assert result.saved
    assert (entry.version, entry.data, entry.significant) == (2, result.entry.data, False)
    assert entry.data["what_happened"] == answers["what_happened"]


def test_entry_save_refuses_someone_who_is_not_the_author(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")

    with pytest.raises(ValidationError) as refused:
        _save(team_case.practitioner, entry, case_note_answers())

    assert refused.value.messages == ["Only the author can change this entry"]
    assert entry.revisions.count() == 1


# --- submitting --------------------------------------------------------------------------------


def test_entry_submit_refuses_invalid_answers_with_field_messages(team_case: TeamCase) -> None:
    entry = entry_start(
        actor=team_case.lead,
        case=team_case.case,
        form_slug="statutory-visit",
        subject_person=team_case.older_child,
    )
    answers = {**statutory_visit_answers(), "seen_alone": "no", "child_views": ""}
    saved = _save(team_case.lead, entry, answers).entry

    with pytest.raises(ValidationError) as refused:
        entry_submit(actor=team_case.lead, entry=saved, context={})

    assert refused.value.message_dict == {
        "child_views": ["Enter the child's views"],
        "not_seen_alone_reason": ["Explain why the child was not seen alone"],
    }
    saved.refresh_from_db()
    assert saved.status == EntryStatus.DRAFT


def test_entry_submit_moves_the_entry_to_submitted(team_case: TeamCase) -> None:
    entry = _submitted(team_case.lead, team_case.case, "case-note", case_note_answers())

    assert entry.status == EntryStatus.SUBMITTED
    assert entry.submitted_at is not None
    assert entry.version == 3
    assert entry.revisions.get(version=3).status == EntryStatus.SUBMITTED
    assert not entry.is_editable


def test_only_the_author_can_submit(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    saved = _save(team_case.lead, entry, case_note_answers()).entry

    with pytest.raises(ValidationError) as refused:
        entry_submit(actor=team_case.practitioner, entry=saved, context={})

    assert refused.value.messages == ["Only the author can submit this entry"]


def test_submitted_statutory_visit_records_the_visit_and_the_chronology(
    team_case: TeamCase,
) -> None:
    entry = _submitted(
        team_case.lead,
        team_case.case,
        "statutory-visit",
        statutory_visit_answers(VISIT_DATE),
        subject=team_case.older_child,
    )

    team_case.cp_plan.refresh_from_db()
    assert team_case.cp_plan.last_visit_date == VISIT_DATE
    assert (entry.visit_date, entry.child_seen) == (VISIT_DATE, True)
    [event] = _events_for(entry)
    assert event.kind == ChronologyKind.WORKBOOK
    assert event.person == team_case.older_child
    assert event.summary == f"Statutory visit about Mia Carter by {team_case.lead.get_full_name()}"


def test_submitted_significant_case_note_writes_a_significant_chronology_event(
    team_case: TeamCase,
) -> None:
    summary = "Jade disclosed that Liam pushed her during an argument"

    entry = _submitted(
        team_case.practitioner,
        team_case.case,
        "case-note",
        case_note_answers(),
        significant=True,
        significant_summary=summary,
    )

    [event] = _events_for(entry)
    assert event.significant
    assert event.summary == summary
    assert event.kind == ChronologyKind.WORKBOOK


def test_submitted_ordinary_case_note_stays_out_of_the_chronology(team_case: TeamCase) -> None:
    entry = _submitted(team_case.practitioner, team_case.case, "case-note", case_note_answers())

    assert _events_for(entry) == []


# --- authorising and returning -----------------------------------------------------------------


def test_nobody_authorises_their_own_entry(team_case: TeamCase) -> None:
    entry = _submitted_assessment(team_case)

    with pytest.raises(ValidationError) as refused:
        entry_authorise(actor=team_case.lead, entry=entry)

    assert refused.value.messages == ["You cannot authorise your own entry. Ask another manager"]


def test_only_a_submitted_entry_can_be_authorised(team_case: TeamCase) -> None:
    entry = entry_start(
        actor=team_case.lead,
        case=team_case.case,
        form_slug="assessment",
        subject_person=team_case.older_child,
    )

    with pytest.raises(ValidationError) as refused:
        entry_authorise(actor=team_case.manager, entry=entry)

    assert refused.value.messages == ["Only a submitted entry can be authorised"]


def test_a_case_note_does_not_need_authorising(team_case: TeamCase) -> None:
    entry = _submitted(team_case.lead, team_case.case, "case-note", case_note_answers())

    with pytest.raises(ValidationError) as refused:
        entry_authorise(actor=team_case.manager, entry=entry)

    assert refused.value.messages == ["A case note does not need authorising"]
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_authorised_assessment_completes_the_case_assessment_and_is_chronicled(
    team_case: TeamCase,
) -> None:
    entry = _submitted_assessment(team_case)

    authorised = entry_authorise(actor=team_case.manager, entry=entry)

    assert authorised.status == EntryStatus.AUTHORISED
    assert authorised.authorised_by == team_case.manager
    assert authorised.authorised_at is not None
    assert Case.objects.get(pk=team_case.case.pk).assessment_completed_date == VISIT_DATE
    [event] = _events_for(entry)
    assert event.significant
    assert event.summary == (
        f"Child and family assessment about Mia Carter by {team_case.lead.get_full_name()}"
        f" authorised by {team_case.manager.get_full_name()}"
    )


def test_authorised_plan_sets_the_cp_plans_next_review(team_case: TeamCase) -> None:
    review = _plan_review_date()
    entry = _submitted(
        team_case.lead,
        team_case.case,
        "plan",
        plan_answers(review),
        subject=team_case.older_child,
    )
    team_case.cp_plan.refresh_from_db()
    assert team_case.cp_plan.next_review_date is None  # not until a manager authorises it

    entry_authorise(actor=team_case.manager, entry=entry)

    team_case.cp_plan.refresh_from_db()
    assert team_case.cp_plan.next_review_date == review


def test_entry_return_needs_a_reason(team_case: TeamCase) -> None:
    entry = _submitted_assessment(team_case)

    with pytest.raises(ValidationError) as refused:
        entry_return(actor=team_case.manager, entry=entry, reason="  ")

    assert refused.value.message_dict == {"reason": ["Tell the author what to change"]}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_entry_return_sends_the_entry_back_to_its_author(team_case: TeamCase) -> None:
    entry = _submitted_assessment(team_case)

    returned = entry_return(
        actor=team_case.manager, entry=entry, reason="Add the father's view to the analysis."
    )

    assert returned.status == EntryStatus.RETURNED
    assert returned.returned_reason == "Add the father's view to the analysis."
    assert returned.is_editable


def test_a_returned_entry_can_be_saved_and_resubmitted(team_case: TeamCase) -> None:
    entry = _submitted_assessment(team_case)
    returned = entry_return(
        actor=team_case.manager, entry=entry, reason="Add the father's view to the analysis."
    )
    revised = {**assessment_answers(), "analysis": "Liam says he wants to stop drinking."}

    result = _save(team_case.lead, returned, revised)
    resubmitted = entry_submit(
        actor=team_case.lead, entry=result.entry, context=_assessment_context()
    )

    assert result.saved
    assert resubmitted.status == EntryStatus.SUBMITTED
    assert resubmitted.returned_reason == ""
    assert resubmitted.data["analysis"] == "Liam says he wants to stop drinking."


def test_an_authorised_entry_cannot_be_saved_but_the_text_is_kept(team_case: TeamCase) -> None:
    entry = entry_authorise(actor=team_case.manager, entry=_submitted_assessment(team_case))
    late_edit = {**assessment_answers(), "analysis": "A late thought about Noah."}

    with pytest.raises(EntryNotEditableError) as refused:
        _save(team_case.lead, entry, late_edit)

    assert refused.value.messages == [
        "This entry can no longer be changed. Your text has been kept in its revisions"
    ]
    entry.refresh_from_db()
    assert entry.status == EntryStatus.AUTHORISED
    assert entry.data == assessment_answers()
    kept = EntryRevision.objects.get(entry=entry, is_conflict=True)
    assert kept.data == late_edit
    assert kept.saved_by == team_case.lead


def test_entry_correct_starts_a_linked_draft_with_the_answers(team_case: TeamCase) -> None:
    original = entry_authorise(actor=team_case.manager, entry=_submitted_assessment(team_case))

    correction = entry_correct(actor=team_case.lead, entry=original)

    assert correction.pk != original.pk
    assert correction.corrects == original
    assert correction.status == EntryStatus.DRAFT
    assert correction.data == original.data
    assert correction.subject_person == team_case.older_child
    original.refresh_from_db()
    assert original.status == EntryStatus.AUTHORISED
    assert list(original.corrections.all()) == [correction]


def test_entry_correct_refuses_a_draft(team_case: TeamCase) -> None:
    draft = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")

    with pytest.raises(ValidationError) as refused:
        entry_correct(actor=team_case.lead, entry=draft)

    assert refused.value.messages == ["This entry is still a draft: change it directly"]


# --- cycles ------------------------------------------------------------------------------------


def test_cycle_roll_over_closes_cycle_one_and_opens_cycle_two(team_case: TeamCase) -> None:
    old_note = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    old_chapter = entry_start(
        actor=team_case.lead, case=team_case.case, form_slug="intervention-summary"
    )
    workbook = workbook_open(case=team_case.case)

    second = cycle_roll_over(actor=team_case.manager, workbook=workbook, on=ROLL_OVER_DATE)
    new_note = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    new_chapter = entry_start(
        actor=team_case.lead, case=team_case.case, form_slug="intervention-summary"
    )

    assert list(Cycle.objects.filter(workbook=workbook).values_list("number", "closed_on")) == [
        (1, ROLL_OVER_DATE),
        (2, None),
    ]
    assert (second.number, second.opened_on) == (2, ROLL_OVER_DATE)
    assert new_note.cycle == second
    assert new_chapter.cycle == second
    assert new_chapter.pk != old_chapter.pk
    old_note.refresh_from_db()
    old_chapter.refresh_from_db()
    assert (old_note.cycle.number, old_chapter.cycle.number) == (1, 1)


def test_cycle_roll_over_refuses_a_date_before_the_cycle_opened(team_case: TeamCase) -> None:
    workbook = workbook_open(case=team_case.case)

    with pytest.raises(ValidationError) as refused:
        cycle_roll_over(
            actor=team_case.manager, workbook=workbook, on=REFERRAL_DATE - dt.timedelta(days=1)
        )

    assert refused.value.messages == ["A cycle cannot close before it opened"]
    assert workbook.cycles.get().closed_on is None


# --- who sees what -----------------------------------------------------------------------------


def test_a_draft_is_visible_only_to_its_author(team_case: TeamCase) -> None:
    draft = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")

    assert list(entries_visible_to(team_case.lead)) == [draft]
    assert list(entries_visible_to(team_case.manager)) == []
    assert list(entries_visible_to(team_case.practitioner)) == []


def test_a_submitted_entry_is_visible_to_the_team_only(
    team_case: TeamCase, other_team_case: TeamCase
) -> None:
    entry = _submitted(
        team_case.lead,
        team_case.case,
        "intervention-summary",
        intervention_summary_answers(team_case.adults),
        context={"adults": team_case.adults},
    )

    assert list(entries_visible_to(team_case.manager)) == [entry]
    assert list(entries_visible_to(team_case.practitioner)) == [entry]
    assert list(entries_visible_to(team_case.da_specialist)) == [entry]
    assert list(entries_visible_to(other_team_case.lead)) == []
    assert list(entries_visible_to(other_team_case.manager)) == []


def test_authorisation_queue_lists_submitted_assessments_of_the_managers_team(
    team_case: TeamCase, other_team_case: TeamCase
) -> None:
    ours = _submitted_assessment(team_case)
    entry_start(
        actor=team_case.lead,
        case=team_case.case,
        form_slug="assessment",
        subject_person=team_case.younger_child,
    )  # a draft: not ready for a manager
    _submitted(team_case.lead, team_case.case, "case-note", case_note_answers())
    theirs = _submitted_assessment(other_team_case)

    assert list(authorisation_queue_for(team_case.manager)) == [ours]
    assert list(authorisation_queue_for(other_team_case.manager)) == [theirs]
    assert list(authorisation_queue_for(team_case.lead)) == []
