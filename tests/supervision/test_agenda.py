"""The agenda of a group supervision lists what happened since the previous sign-off: significant
events, workbook entries sent to managers, returned entries, each worker's latest intervention
summary (and who has not written one this cycle), open actions from earlier supervisions and
what is statutorily due (DESIGN §7).

Everything is made through the services, then moved to known times with ``update`` so the
boundaries are exact: the previous supervision was signed off at ``T0`` (ten days ago).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from cases.models import ChildStatus, ChronologyEvent, ChronologyKind, Person, StatusKind
from cases.services import child_status_start, chronology_event_record
from safeguarding.lib.dates import start_of_day
from supervision.models import GroupSupervision, SupervisionAction, SupervisionStatus
from supervision.selectors import Agenda, agenda_for
from supervision.services import action_add, action_complete, supervision_sign_off
from teams.models import User
from tests.supervision.conftest import (
    DECISIONS,
    FamilyTeam,
    ready_to_sign_off,
    referral_date,
    schedule,
)
from tests.workbook.conftest import (
    case_note_answers,
    domestic_abuse_answers,
    intervention_summary_answers,
)
from workbook.models import Cycle, Entry, Workbook
from workbook.services import (
    entry_authorise,
    entry_return,
    entry_save,
    entry_start,
    entry_submit,
)

pytestmark = pytest.mark.django_db

DECISIONS_SUMMARY = f"Group supervision decisions: {DECISIONS}"


def _submitted(
    actor: User,
    ft: FamilyTeam,
    form_slug: str,
    answers: dict[str, Any],
    subject: Person | None = None,
) -> Entry:
    entry = _draft(actor, ft, form_slug, answers, subject)
    return entry_submit(actor=actor, entry=entry, context={"adults": ft.adults})


def _draft(
    actor: User,
    ft: FamilyTeam,
    form_slug: str,
    answers: dict[str, Any],
    subject: Person | None = None,
) -> Entry:
    entry = entry_start(actor=actor, case=ft.case, form_slug=form_slug, subject_person=subject)
    return entry_save(
        actor=actor, entry_id=entry.pk, answers=answers, base_version=entry.version
    ).entry


def _case_note(actor: User, ft: FamilyTeam) -> Entry:
    answers = case_note_answers(timezone.localdate() - dt.timedelta(days=1))
    return _submitted(actor, ft, "case-note", answers)


def _summary(actor: User, ft: FamilyTeam) -> Entry:
    return _submitted(actor, ft, "intervention-summary", intervention_summary_answers(ft.adults))


def _move_entry(entry: Entry, when: dt.datetime) -> None:
    Entry.objects.filter(pk=entry.pk).update(updated_at=when, submitted_at=when)


def _event(ft: FamilyTeam, summary: str, when: dt.datetime, *, significant: bool) -> None:
    event = chronology_event_record(
        case=ft.case,
        kind=ChronologyKind.WARNING,
        summary=summary,
        actor=ft.manager,
        significant=significant,
    )
    ChronologyEvent.objects.filter(pk=event.pk).update(occurred_at=when)


def _sign_off_at(ft: FamilyTeam, supervision: GroupSupervision, when: dt.datetime) -> None:
    """Sign off through the service, then move the sign-off (and the decisions it wrote into the
    chronology a moment later) to ``when``."""
    supervision_sign_off(actor=ft.manager, supervision=ready_to_sign_off(ft, supervision))
    GroupSupervision.objects.filter(pk=supervision.pk).update(signed_off_at=when)
    ChronologyEvent.objects.filter(
        source_model="supervision.groupsupervision", source_id=supervision.pk
    ).update(occurred_at=when + dt.timedelta(seconds=1))


@dataclass(frozen=True)
class History:
    t0: dt.datetime
    previous: GroupSupervision
    current: GroupSupervision
    old_note: Entry
    lead_old_summary: Entry
    da_old_summary: Entry
    new_note: Entry
    new_assessment: Entry
    returned_assessment: Entry
    draft_note: Entry
    lead_new_summary: Entry
    da_draft_summary: Entry
    open_action: SupervisionAction
    done_action: SupervisionAction
    current_action: SupervisionAction
    cp_plan: ChildStatus


def build_history(ft: FamilyTeam) -> History:
    """One supervision signed off at T0 and the next one, with work either side of T0."""
    now = timezone.now()
    t0 = now - dt.timedelta(days=10)
    cp_plan = child_status_start(
        actor=ft.manager,
        case=ft.case,
        person=ft.older_child,
        kind=StatusKind.CP_PLAN,
        start_date=referral_date() + dt.timedelta(days=7),
        cp_category="NEG",
    )
    previous = schedule(ft, on=timezone.localdate() - dt.timedelta(days=10))
    # Cycle 1, before the previous sign-off.
    old_note = _case_note(ft.lead, ft)
    lead_old_summary = _summary(ft.lead, ft)
    da_old_summary = _summary(ft.da_specialist, ft)
    open_action = action_add(
        actor=ft.manager,
        supervision=previous,
        description="Refer Mia to the breakfast club",
        owner=ft.lead,
        due_date=previous.scheduled_for + dt.timedelta(days=14),
        children=[ft.older_child],
    )
    done_action = action_add(
        actor=ft.manager,
        supervision=previous,
        description="Give Jade the helpline number",
        owner=ft.da_specialist,
        due_date=previous.scheduled_for + dt.timedelta(days=7),
        children=[],
    )
    _sign_off_at(ft, previous, t0)
    current = GroupSupervision.objects.get(case=ft.case, status=SupervisionStatus.SCHEDULED)
    action_complete(actor=ft.da_specialist, action=done_action, note="Number given")
    # Cycle 2, after the previous sign-off.
    new_note = _case_note(ft.lead, ft)
    new_assessment = _submitted(
        ft.da_specialist, ft, "adult-assessment", domestic_abuse_answers(14, "high"), ft.mother
    )
    new_assessment = entry_authorise(actor=ft.manager, entry=new_assessment)
    returned_assessment = entry_return(
        actor=ft.manager,
        entry=_submitted(
            ft.da_specialist,
            ft,
            "adult-assessment",
            domestic_abuse_answers(3, "standard"),
            ft.mother,
        ),
        reason="Add the MARAC outcome",
    )
    draft_note = _draft(ft.lead, ft, "case-note", {"what_happened": "Half written"})
    lead_new_summary = _summary(ft.lead, ft)
    da_draft_summary = _draft(
        ft.da_specialist, ft, "intervention-summary", {"work_done": "Still writing"}
    )
    current_action = action_add(
        actor=ft.manager,
        supervision=current,
        description="Book the next family network meeting",
        owner=ft.lead,
        due_date=current.scheduled_for,
        children=[],
    )
    _move_entry(old_note, t0 - dt.timedelta(days=5))
    _move_entry(lead_old_summary, t0 - dt.timedelta(days=4))
    _move_entry(da_old_summary, t0 - dt.timedelta(days=3))
    _move_entry(new_note, t0 + dt.timedelta(days=1))
    _move_entry(new_assessment, t0 + dt.timedelta(days=2))
    _move_entry(returned_assessment, t0 + dt.timedelta(days=3))
    _move_entry(draft_note, t0 + dt.timedelta(days=4))
    _move_entry(lead_new_summary, t0 + dt.timedelta(days=5))
    _move_entry(da_draft_summary, t0 + dt.timedelta(days=6))
    _event(ft, "Police called to the address", t0 - dt.timedelta(days=2), significant=True)
    _event(
        ft, "Jade moved to a refuge with the children", t0 + dt.timedelta(days=3), significant=True
    )
    _event(ft, "Phone number updated", t0 + dt.timedelta(days=3), significant=False)
    return History(
        t0=t0,
        previous=previous,
        current=current,
        old_note=old_note,
        lead_old_summary=lead_old_summary,
        da_old_summary=da_old_summary,
        new_note=new_note,
        new_assessment=new_assessment,
        returned_assessment=returned_assessment,
        draft_note=draft_note,
        lead_new_summary=lead_new_summary,
        da_draft_summary=da_draft_summary,
        open_action=open_action,
        done_action=done_action,
        current_action=current_action,
        cp_plan=cp_plan,
    )


@pytest.fixture
def history(family_team: FamilyTeam) -> History:
    return build_history(family_team)


def _agenda(h: History) -> Agenda:
    return agenda_for(GroupSupervision.objects.select_related("case").get(pk=h.current.pk))


def test_the_agenda_starts_at_the_previous_sign_off(history: History) -> None:
    assert _agenda(history).since == history.t0


def test_the_agenda_lists_significant_events_since_the_previous_sign_off(
    history: History,
) -> None:
    agenda = _agenda(history)

    # The previous supervision's own decisions were written just after its sign-off, so they
    # open the next agenda; the referral, the child protection plan and the police call came
    # before it, and the phone number change is not significant.
    assert [e.summary for e in agenda.significant_events] == [
        "Jade moved to a refuge with the children",
        DECISIONS_SUMMARY,
        DECISIONS_SUMMARY,
    ]


def test_the_agenda_lists_entries_submitted_or_authorised_since_the_previous_sign_off(
    history: History,
) -> None:
    agenda = _agenda(history)

    assert [e.pk for e in agenda.entries] == [
        history.lead_new_summary.pk,
        history.new_assessment.pk,
        history.new_note.pk,
    ]


def test_the_agenda_lists_returned_entries_separately(history: History) -> None:
    agenda = _agenda(history)

    assert [e.pk for e in agenda.returned_entries] == [history.returned_assessment.pk]
    assert agenda.returned_entries[0].returned_reason == "Add the MARAC outcome"


def test_the_agenda_shows_each_workers_newest_intervention_summary(
    history: History, family_team: FamilyTeam
) -> None:
    agenda = _agenda(history)

    assert {e.author_id: e.pk for e in agenda.latest_summaries} == {
        family_team.lead.pk: history.lead_new_summary.pk,
        family_team.da_specialist.pk: history.da_old_summary.pk,
    }


def test_the_agenda_names_allocated_workers_with_no_summary_this_cycle(
    history: History, family_team: FamilyTeam
) -> None:
    # The specialist's only submitted summary is in the previous cycle; a draft does not count.
    assert _agenda(history).missing_summaries == [family_team.da_specialist]


def test_the_agenda_lists_open_actions_from_earlier_supervisions(history: History) -> None:
    assert _agenda(history).open_actions == [history.open_action]


def test_the_agenda_lists_what_is_statutorily_due(history: History) -> None:
    agenda = _agenda(history)

    assert {(d.label, d.person_id) for d in agenda.dues} == {
        ("Child and family assessment", None),
        ("Statutory visit to Mia", history.cp_plan.person_id),
        ("Review conference for Mia", history.cp_plan.person_id),
    }


def test_the_agenda_names_the_children_and_adults(
    history: History, family_team: FamilyTeam
) -> None:
    agenda = _agenda(history)

    assert sorted(p.pk for p in agenda.children) == sorted(p.pk for p in family_team.children)
    assert sorted(p.pk for p in agenda.adults) == sorted(p.pk for p in family_team.adults)


def test_a_first_supervisions_agenda_starts_at_the_referral(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team)
    note = _case_note(family_team.lead, family_team)

    agenda = agenda_for(supervision)

    assert agenda.since == start_of_day(family_team.case.referral_date)
    assert [e.kind for e in agenda.significant_events] == [ChronologyKind.REFERRAL]
    assert [e.pk for e in agenda.entries] == [note.pk]
    assert agenda.missing_summaries == sorted(family_team.allocated, key=lambda u: u.family_name)
    assert agenda.open_actions == []


def test_an_entry_authorised_since_the_previous_sign_off_is_on_the_agenda(
    history: History, family_team: FamilyTeam
) -> None:
    submitted_before = _submitted(
        family_team.da_specialist,
        family_team,
        "adult-assessment",
        domestic_abuse_answers(5, "standard"),
        family_team.mother,
    )
    _move_entry(submitted_before, history.t0 - dt.timedelta(days=1))
    entry_authorise(actor=family_team.manager, entry=submitted_before)
    Entry.objects.filter(pk=submitted_before.pk).update(
        authorised_at=history.t0 + dt.timedelta(days=1)
    )

    assert submitted_before.pk in [e.pk for e in _agenda(history).entries]


def test_reading_an_agenda_before_the_family_has_a_workbook_makes_none(
    family_team: FamilyTeam,
) -> None:
    """A supervision recorded without a workbook cycle (as imported records are) on a family
    nobody has written in yet: its agenda is the first cycle's, with nothing written, and
    reading it leaves the workbook to be made by the first write."""
    supervision = GroupSupervision.objects.create(
        case=family_team.case, scheduled_for=timezone.localdate(), chair=family_team.manager
    )

    agenda = agenda_for(supervision)

    assert agenda.entries == []
    assert agenda.missing_summaries == sorted(family_team.allocated, key=lambda u: u.family_name)
    assert not Workbook.objects.filter(case=family_team.case).exists()
    assert not Cycle.objects.filter(workbook__case=family_team.case).exists()
