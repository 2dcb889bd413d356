"""Every write to the workbook (STYLE.md §2). Nothing here loses a keystroke: stale saves are
kept as conflict revisions, and every accepted save is a revision too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    ChildStatus,
    ChronologyKind,
    Family,
    FamilyMember,
    HouseholdRole,
    Person,
    StatusKind,
)
from cases.policies import is_team_manager
from cases.services import child_status_record_visit, child_status_update, chronology_event_record
from safeguarding.lib.services import service
from teams.models import User
from teams.notifications import NotificationKind, notify

from .models import Cycle, Entry, EntryRevision, EntryStatus, Workbook
from .policies import is_entry_author
from .registry import FormSpec, Subject, get_form_spec

MAX_ANSWER_CHARACTERS = 100_000  # a long assessment is ~20,000; this stops pasted documents


class EntryNotEditableError(ValidationError):
    pass


class AnswerKeysError(ValidationError):
    """Answers to questions the form does not ask, or a list where the question takes one
    answer (or one answer where it takes a list): the messages are keyed by the answer's key."""


class SummaryNeededError(ValidationError):
    """A significant entry without its one-line chronology summary, from a caller that asked
    ``entry_save`` to refuse it rather than save the entry as not significant."""


SUMMARY_NEEDED = "Enter a one-line summary for the chronology"


@dataclass(frozen=True)
class SaveResult:
    """The outcome of a save. ``conflict`` is the caller's refused text, kept as a revision,
    when someone else saved the entry after the caller started editing. ``needs_summary``:
    the caller asked for a significant entry without a one-line summary, so the answers were
    saved and the entry is not significant until it has one."""

    entry: Entry
    conflict: EntryRevision | None = None
    needs_summary: bool = False

    @property
    def saved(self) -> bool:
        return self.conflict is None


def workbook_open(*, case: Case) -> Workbook:
    """The case's workbook, made with cycle 1 (opened on the referral date) the first time
    something is written in it. Called inside the calling service's transaction; reads go to
    ``selectors.case_cycles``/``case_current_cycle``, which never write."""
    workbook, created = Workbook.objects.get_or_create(case=case)
    if created:
        Cycle.objects.create(workbook=workbook, number=1, opened_on=case.referral_date)
    return workbook


def cycle_open(*, workbook: Workbook) -> Cycle:
    """The workbook's open cycle, to write in. ``workbook_open`` and ``cycle_roll_over`` always
    leave one open; a workbook made by hand without one gets one opened today."""
    cycle = workbook.cycles.filter(closed_on__isnull=True).first()
    if cycle is None:
        last = workbook.cycles.order_by("-number").first()
        cycle = Cycle.objects.create(
            workbook=workbook,
            number=(last.number + 1) if last else 1,
            opened_on=timezone.localdate(),
        )
    return cycle


@service
def cycle_roll_over(*, actor: User | None, workbook: Workbook, on: dt.date) -> Cycle:
    """Close the current cycle and open the next (group supervision sign-off calls this)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle_open(workbook=workbook).pk)
    if on < cycle.opened_on:
        raise ValidationError("A cycle cannot close before it opened")
    cycle.closed_on = on
    cycle.save(update_fields=["closed_on"])
    return Cycle.objects.create(workbook=workbook, number=cycle.number + 1, opened_on=on)


def _check_subject(spec: FormSpec, case: Case, person: Person | None) -> None:
    members = FamilyMember.objects.filter(family_id=case.family_id, end_date__isnull=True)
    if spec.subject == Subject.FAMILY:
        if person is not None:
            raise ValidationError({"subject_person": "This form is about the whole family"})
        return
    if spec.subject == Subject.FAMILY_OR_PERSON and person is None:
        return
    if person is None:
        raise ValidationError(
            {
                "subject_person": f"Choose the {'child' if spec.subject == Subject.CHILD else 'adult'} this is about"
            }
        )
    member = members.filter(person=person).first()
    if member is None:
        raise ValidationError({"subject_person": "Choose a member of this family"})
    if spec.subject == Subject.CHILD and member.household_role != HouseholdRole.CHILD:
        raise ValidationError({"subject_person": "Choose a child"})
    if spec.subject == Subject.ADULT and member.household_role == HouseholdRole.CHILD:
        raise ValidationError({"subject_person": "Choose an adult"})


@service
def entry_start(
    *,
    actor: User,
    case: Case,
    form_slug: str,
    subject_person: Person | None = None,
    corrects: Entry | None = None,
) -> Entry:
    """Open a new draft in the current cycle. An intervention summary is one chapter per worker
    per cycle, so asking again returns the worker's existing chapter."""
    spec = get_form_spec(form_slug)
    if spec is None:
        raise ValidationError({"form_slug": "Choose one of the workbook's forms"})
    if not case.is_open:
        raise ValidationError("Entries can only be written on an open case")
    _check_subject(spec, case, subject_person)
    workbook = workbook_open(case=case)
    cycle = cycle_open(workbook=workbook)
    if spec.one_per_worker_per_cycle and corrects is None:
        existing = Entry.objects.filter(
            workbook=workbook, cycle=cycle, form_slug=spec.slug, author=actor
        ).first()
        if existing is not None:
            return existing
    entry = Entry.objects.create(
        workbook=workbook,
        cycle=cycle,
        form_slug=spec.slug,
        form_version=spec.version,
        subject_person=subject_person,
        author=actor,
        corrects=corrects,
        data=dict(corrects.data) if corrects is not None else {},
    )
    EntryRevision.objects.create(
        entry=entry,
        version=entry.version,
        data=entry.data,
        saved_by=actor,
        status=entry.status,
        based_on_version=0,
    )
    return entry


class ChapterExistsError(Exception):
    """The worker already has their chapter of a one-per-cycle form in the current cycle."""

    def __init__(self, entry: Entry) -> None:
        super().__init__(f"entry {entry.pk} is already this cycle's chapter")
        self.entry = entry


@service
def entry_create(
    *,
    actor: User,
    case: Case,
    form_slug: str,
    subject_person: Person | None = None,
    answers: dict[str, Any] | None = None,
    significant: bool = False,
    significant_summary: str = "",
) -> Entry:
    """Start a draft and save its first answers in one step (the API's create).

    Unlike ``entry_start``, asking again for a chapter the worker already has is refused
    (``ChapterExistsError``) rather than answered with it, so a create never overwrites
    answers written earlier: changing them goes through ``entry_save`` and its version check.
    The answers are checked as ``entry_save`` checks them, and a significant entry without its
    summary is refused (``SummaryNeededError``): nothing is created."""
    spec = get_form_spec(form_slug)
    if spec is not None and spec.one_per_worker_per_cycle:
        existing = Entry.objects.filter(
            workbook__case=case, cycle__closed_on__isnull=True, form_slug=spec.slug, author=actor
        ).first()
        if existing is not None:
            raise ChapterExistsError(existing)
    entry = entry_start(actor=actor, case=case, form_slug=form_slug, subject_person=subject_person)
    if not answers and not significant:
        return entry
    result = entry_save(
        actor=actor,
        entry_id=entry.pk,
        answers=answers or {},
        base_version=entry.version,
        significant=significant,
        significant_summary=significant_summary,
        refuse_unsummarised=True,
    )
    assert result.saved  # nobody else can have saved a draft made in this transaction
    return result.entry


def _clean_answers(data: dict[str, Any]) -> dict[str, Any]:
    """Answers as stored: text, or a list of texts for a question with several answers."""
    return {
        key: [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
        for key, value in data.items()
        if isinstance(key, str)
    }


def _check_size(answers: dict[str, Any]) -> None:
    size = sum(
        sum(len(v) for v in value) if isinstance(value, list) else len(value)
        for value in answers.values()
    )
    if size > MAX_ANSWER_CHARACTERS:
        raise ValidationError(
            f"This entry is too long to save ({size:,} characters). Keep it under {MAX_ANSWER_CHARACTERS:,}: attach long documents instead"
        )


def _check_answer_keys(spec: FormSpec, answers: dict[str, Any]) -> None:
    """Every answer is for a question of the form, a list exactly where the question takes
    several answers (``AnswerKeysError``, keyed by the answer's key, otherwise)."""
    form_class = spec.form_class
    errors: dict[str, list[str]] = {}
    for key, value in answers.items():
        takes_list = form_class.takes_list(key)
        if takes_list is None:
            errors[key] = [f"The {spec.title.lower()} form has no question {key}"]
        elif takes_list and not isinstance(value, list):
            errors[key] = ["This question takes a list of answers"]
        elif not takes_list and isinstance(value, list):
            errors[key] = ["This question takes one answer, not a list"]
    if errors:
        raise AnswerKeysError(errors)


def _own_later_saves_only(entry_id: int, base_version: int, editor_token: str) -> bool:
    """True when every save since ``base_version`` came from the same page (editor token).

    A page's autosave and its own "Save" or "Submit" can cross in flight (leaving the field to
    click the button triggers an autosave); that is one editor, not a conflict. Two tabs or
    two people have different tokens, so their saves still conflict."""
    if not editor_token:
        return False
    later = EntryRevision.objects.filter(
        entry_id=entry_id, version__gt=base_version, is_conflict=False
    )
    return later.exists() and not later.exclude(editor_token=editor_token).exists()


def entry_save(
    *,
    actor: User,
    entry_id: int,
    answers: dict[str, Any],
    base_version: int,
    significant: bool | None = False,
    significant_summary: str | None = "",
    editor_token: str = "",
    partial: bool = False,
    refuse_unsummarised: bool = False,
) -> SaveResult:
    """Save a draft's answers if nobody else saved since ``base_version``; otherwise keep the
    caller's text as a conflict revision and report the conflict. Never last-write-wins
    between two editors (see ``_own_later_saves_only`` for one editor's crossing saves).

    Owns the entry's rules: only its author saves it (``policies.is_entry_author``); every
    answer is for a question of the form (``AnswerKeysError``); a significant entry needs its
    one-line summary. Without one the answers are saved, the entry stays not significant and
    ``needs_summary`` says so (a page keeps every keystroke); ``refuse_unsummarised`` refuses
    the save instead (``SummaryNeededError``, for the API, whose caller keeps its request).

    ``partial``: ``answers`` changes only the questions it names (the API's PATCH).
    ``significant``/``significant_summary`` None: keep the entry's own.

    Runs in the lock of the entry's row: 5 queries when the save is accepted (lock, update,
    revision, and the transaction's two statements when nested), whatever the family or the
    entry's history; a stale save adds the editor-token check.

    Not a plain @service: the conflict revision must commit even though the save is refused."""
    answers = _clean_answers(answers)
    editor_token = editor_token[:64]
    now = timezone.now()
    with transaction.atomic(), pghistory.context(user=actor.pk):
        # Lock the row so that "who saved since my version" is decided on settled data. Only
        # the entry's row: the joins are what the API answers with after the save.
        entry = (
            Entry.objects.select_for_update(of=("self",))
            .select_related("workbook", "cycle", "author", "authorised_by")
            .get(pk=entry_id)
        )
        if not is_entry_author(actor, entry):
            raise ValidationError("Only the author can change this entry")
        asked = entry.significant if significant is None else significant
        summary = (
            entry.significant_summary if significant_summary is None else significant_summary
        ).strip()[:200]
        needs_summary = asked and not summary
        if needs_summary and refuse_unsummarised:
            raise SummaryNeededError({"significant_summary": [SUMMARY_NEEDED]})
        spec = get_form_spec(entry.form_slug)
        if spec is None:
            raise EntryNotEditableError("This entry's form is no longer in use")
        _check_answer_keys(spec, answers)
        if partial:
            answers = {**entry.data, **answers}
        _check_size(answers)
        if entry.is_editable and (
            entry.version == base_version
            or _own_later_saves_only(entry_id, base_version, editor_token)
        ):
            previous = entry.version
            entry.data = answers
            entry.version = previous + 1
            entry.updated_at = now
            entry.significant = asked and not needs_summary
            entry.significant_summary = summary if entry.significant else ""
            entry.save(
                update_fields=[
                    "data",
                    "version",
                    "updated_at",
                    "significant",
                    "significant_summary",
                ]
            )
            EntryRevision.objects.create(
                entry=entry,
                version=entry.version,
                data=answers,
                saved_by=actor,
                saved_at=now,
                status=entry.status,
                based_on_version=previous,
                editor_token=editor_token,
            )
            return SaveResult(entry=entry, needs_summary=needs_summary)
        conflict = EntryRevision.objects.create(
            entry=entry,
            version=entry.version,
            data=answers,
            saved_by=actor,
            saved_at=now,
            status=entry.status,
            is_conflict=True,
            based_on_version=base_version,
            editor_token=editor_token,
        )
    if not entry.is_editable:
        raise EntryNotEditableError(
            "This entry can no longer be changed. Your text has been kept in its revisions"
        )
    return SaveResult(entry=entry, conflict=conflict, needs_summary=needs_summary)


@service
def entry_keep_unsaved(*, actor: User, entry: Entry, answers: dict[str, Any]) -> EntryRevision:
    """Keep text typed while signed out (the session had ended) as a version to merge. Only
    the answers are kept: the page's other fields (its version, its token) are not text."""
    if not is_entry_author(actor, entry):
        raise ValidationError("Only the author can change this entry")
    spec = get_form_spec(entry.form_slug)
    kept = _clean_answers(answers)
    return EntryRevision.objects.create(
        entry=entry,
        version=entry.version,
        data=spec.form_class.known_answers(kept) if spec is not None else kept,
        saved_by=actor,
        status=entry.status,
        is_conflict=True,
        based_on_version=entry.version,
    )


def validate_answers(entry: Entry, context: Mapping[str, Any]) -> dict[str, Any]:
    spec = get_form_spec(entry.form_slug)
    assert spec is not None
    form = spec.form_class(data=entry.data, context=context)
    if not form.is_valid():
        raise ValidationError(dict(form.errors.as_data()))
    return form.cleaned_data


def _summary_for(entry: Entry, spec: FormSpec) -> str:
    about = f" about {entry.subject_person.full_name}" if entry.subject_person else ""
    return f"{spec.title}{about} by {entry.author.get_full_name()}"


def _apply_facts(*, actor: User, entry: Entry, spec: FormSpec, cleaned: dict[str, Any]) -> None:
    """Copy the facts KPIs and clocks need to typed columns and the child's status."""
    case = entry.workbook.case
    if spec.slug == "statutory-visit":
        entry.visit_date = cleaned["visit_date"]
        entry.child_seen = cleaned["child_seen"] == "yes"
        if entry.child_seen and entry.subject_person is not None:
            for status in ChildStatus.objects.filter(
                case=case,
                person=entry.subject_person,
                end_date__isnull=True,
                kind__in=[StatusKind.CIN_PLAN, StatusKind.CP_PLAN, StatusKind.LOOKED_AFTER],
            ):
                child_status_record_visit(actor=actor, status=status, visit_date=entry.visit_date)
    elif spec.slug == "assessment":
        entry.assessment_start_date = cleaned["referral_date"]
        entry.assessment_completed_date = cleaned.get("completed_date")
        entry.assessment_outcome = cleaned.get("outcome") or ""
    elif spec.slug == "plan":
        entry.plan_type = cleaned["plan_type"]
        entry.plan_review_date = cleaned["next_review_date"]
    elif spec.slug == "adult-assessment":
        entry.dash_risk_level = cleaned.get("risk_level") or ""


def _apply_authorised_facts(*, actor: User, entry: Entry, spec: FormSpec) -> None:
    case = entry.workbook.case
    if spec.slug == "assessment" and entry.assessment_completed_date:
        Case.objects.filter(pk=case.pk).update(
            assessment_completed_date=entry.assessment_completed_date
        )
    if spec.slug == "plan" and entry.subject_person is not None and entry.plan_review_date:
        kind = StatusKind.CP_PLAN if entry.plan_type == "cp" else StatusKind.CIN_PLAN
        for status in ChildStatus.objects.filter(
            case=case, person=entry.subject_person, kind=kind, end_date__isnull=True
        ):
            child_status_update(actor=actor, status=status, next_review_date=entry.plan_review_date)


AUTO_SIGNIFICANT_ON_SUBMIT = {"statutory-visit"}
AUTO_SIGNIFICANT_ON_AUTHORISE = {"assessment", "plan"}


@service
def entry_submit(*, actor: User, entry: Entry, context: Mapping[str, Any]) -> Entry:
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    spec = get_form_spec(entry.form_slug)
    assert spec is not None
    if not is_entry_author(actor, entry):
        raise ValidationError("Only the author can submit this entry")
    if not entry.is_editable:
        raise EntryNotEditableError("This entry has already been submitted")
    cleaned = validate_answers(entry, context)
    _apply_facts(actor=actor, entry=entry, spec=spec, cleaned=cleaned)
    entry.status = EntryStatus.SUBMITTED
    entry.submitted_at = timezone.now()
    entry.returned_reason = ""
    entry.version += 1
    entry.updated_at = entry.submitted_at
    entry.save()
    EntryRevision.objects.create(
        entry=entry,
        version=entry.version,
        data=entry.data,
        saved_by=actor,
        status=entry.status,
        based_on_version=entry.version - 1,
    )
    case = entry.workbook.case
    if entry.significant or spec.slug in AUTO_SIGNIFICANT_ON_SUBMIT:
        summary = entry.significant_summary or _summary_for(entry, spec)
        chronology_event_record(
            case=case,
            kind=ChronologyKind.WORKBOOK,
            summary=summary,
            actor=actor,
            person=entry.subject_person,
            source=entry,
            significant=entry.significant,
        )
    return entry


@service
def entry_authorise(*, actor: User, entry: Entry) -> Entry:
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    spec = get_form_spec(entry.form_slug)
    assert spec is not None
    if not spec.needs_authorisation:
        raise ValidationError(f"A {spec.title.lower()} does not need authorising")
    if entry.status != EntryStatus.SUBMITTED:
        raise ValidationError("Only a submitted entry can be authorised")
    if is_entry_author(actor, entry):
        raise ValidationError("You cannot authorise your own entry. Ask another manager")
    if not is_team_manager(actor, entry.workbook.case.family.owning_team):
        raise ValidationError("Only a manager of the family's team can authorise entries")
    entry.status = EntryStatus.AUTHORISED
    entry.authorised_at = timezone.now()
    entry.authorised_by = actor
    # A decision is a change: the supervision agenda and "last changed" both go by this.
    entry.updated_at = entry.authorised_at
    entry.version += 1
    entry.save()
    EntryRevision.objects.create(
        entry=entry,
        version=entry.version,
        data=entry.data,
        saved_by=actor,
        status=entry.status,
        based_on_version=entry.version - 1,
    )
    _apply_authorised_facts(actor=actor, entry=entry, spec=spec)
    if spec.slug in AUTO_SIGNIFICANT_ON_AUTHORISE or entry.significant:
        chronology_event_record(
            case=entry.workbook.case,
            kind=ChronologyKind.WORKBOOK,
            summary=f"{_summary_for(entry, spec)} authorised by {actor.get_full_name()}",
            actor=actor,
            person=entry.subject_person,
            source=entry,
            significant=True,
        )
    notify(
        user=entry.author,
        kind=NotificationKind.ENTRY_AUTHORISED,
        message=f"Your {spec.title.lower()} for family "
        f"{Family.reference_for(entry.workbook.case.family_id)} has been authorised.",
        url=reverse("workbook:entry", args=[entry.pk]),
        dedupe_key=f"entry_authorised:{entry.pk}",
    )
    return entry


@service
def entry_return(*, actor: User, entry: Entry, reason: str) -> Entry:
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    spec = get_form_spec(entry.form_slug)
    if spec is None or not spec.needs_authorisation:
        raise ValidationError("Only an entry that needs authorising can be returned")
    if entry.status != EntryStatus.SUBMITTED:
        raise ValidationError("Only a submitted entry can be returned")
    if is_entry_author(actor, entry):
        raise ValidationError("You cannot return your own entry")
    if not is_team_manager(actor, entry.workbook.case.family.owning_team):
        raise ValidationError("Only a manager of the family's team can return entries")
    if len(reason.strip()) < 5:
        raise ValidationError({"reason": "Tell the author what to change"})
    entry.status = EntryStatus.RETURNED
    entry.returned_reason = reason.strip()
    entry.updated_at = timezone.now()
    entry.version += 1
    entry.save()
    EntryRevision.objects.create(
        entry=entry,
        version=entry.version,
        data=entry.data,
        saved_by=actor,
        status=entry.status,
        based_on_version=entry.version - 1,
    )
    # The reason is not in the message: it is note text, and may name people.
    notify(
        user=entry.author,
        kind=NotificationKind.ENTRY_RETURNED,
        message=f"Your {spec.title.lower()} for family "
        f"{Family.reference_for(entry.workbook.case.family_id)} has been returned to you. "
        "Change it and submit it again.",
        url=reverse("workbook:entry", args=[entry.pk]),
        # An entry can be returned more than once: each return is its own version.
        dedupe_key=f"entry_returned:{entry.pk}:{entry.version}",
    )
    return entry


@service
def entry_correct(*, actor: User, entry: Entry) -> Entry:
    """Start a correction of a locked entry: a new draft that references it."""
    if entry.is_editable:
        raise ValidationError("This entry is still a draft: change it directly")
    return entry_start(
        actor=actor,
        case=entry.workbook.case,
        form_slug=entry.form_slug,
        subject_person=entry.subject_person,
        corrects=entry,
    )
