"""Reads of the workbook: pages run a fixed number of queries however many entries exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Allocation, Case, Person
from cases.selectors import current_adults, current_children, current_members, reference_codes
from safeguarding.forms import GovukDateField
from teams.models import User

from .forms_catalogue import RESTRICTED_HEALTH_FIELDS
from .models import Cycle, Entry, EntryRevision, EntryStatus, ProgrammeModule, Workbook
from .policies import entries_visible_to
from .registry import FORMS, FormSpec

NEEDS_AUTHORISATION = frozenset(spec.slug for spec in FORMS if spec.needs_authorisation)


def form_context(case: Case) -> dict[str, Any]:
    """What the forms need to build their fields: the family's adults, code lists, modules."""
    return {
        "adults": current_adults(case.family_id),
        "cin_factors": reference_codes("cin_factor"),
        "modules": [(str(m.pk), str(m)) for m in ProgrammeModule.objects.filter(is_active=True)],
    }


def subject_choices(case: Case, spec: FormSpec) -> list[Person]:
    from .registry import Subject

    if spec.subject == Subject.CHILD:
        return current_children(case.family_id)
    if spec.subject == Subject.ADULT:
        return current_adults(case.family_id)
    return [m.person for m in current_members(case.family_id)]


@dataclass
class Chapter:
    author: User
    entries: list[Entry] = field(default_factory=list)


@dataclass
class WorkbookView:
    workbook: Workbook
    cycles: list[Cycle]
    cycle: Cycle
    chapters: list[Chapter]
    missing_summaries: list[User]
    awaiting_authorisation: int


def workbook_view(user: User, workbook: Workbook, cycle_number: int | None) -> WorkbookView:
    cycles = list(workbook.cycles.order_by("number"))
    cycle = next((c for c in cycles if c.number == cycle_number), None) or next(
        (c for c in cycles if c.closed_on is None), cycles[-1]
    )
    entries = list(
        entries_visible_to(user)
        .filter(workbook=workbook, cycle=cycle)
        .select_related("author", "subject_person")
        .order_by("author__family_name", "form_slug", "-updated_at")
    )
    chapters: dict[int, Chapter] = {}
    for entry in entries:
        chapters.setdefault(entry.author_id, Chapter(entry.author)).entries.append(entry)
    on = cycle.closed_on or timezone.localdate()
    allocated = list(
        User.objects.filter(
            pk__in=Allocation.objects.active(on).filter(case=workbook.case).values("worker_id")
        ).order_by("family_name")
    )
    written = set(
        Entry.objects.filter(
            workbook=workbook,
            cycle=cycle,
            form_slug="intervention-summary",
            status__in=[EntryStatus.SUBMITTED, EntryStatus.AUTHORISED],
        ).values_list("author_id", flat=True)
    )
    return WorkbookView(
        workbook=workbook,
        cycles=cycles,
        cycle=cycle,
        chapters=sorted(
            chapters.values(), key=lambda c: (c.author.family_name, c.author.given_name)
        ),
        missing_summaries=[u for u in allocated if u.pk not in written],
        awaiting_authorisation=sum(
            1
            for e in entries
            if e.status == EntryStatus.SUBMITTED and e.form_slug in NEEDS_AUTHORISATION
        ),
    )


def entry_records_for(user: User) -> QuerySet[Entry]:
    """Entries the user may see, with what the entry pages show of them."""
    return (
        entries_visible_to(user)
        .select_related(
            "workbook__case__lead_social_worker",
            "cycle",
            "author",
            "subject_person",
            "authorised_by",
            "corrects",
        )
        .prefetch_related("attachments")
    )


def entry_for_user(user: User, entry_pk: int) -> Entry | None:
    return entry_records_for(user).filter(pk=entry_pk).first()


def entry_list_for(user: User) -> QuerySet[Entry]:
    """Entries the user may see, with what a list row shows (case, family and author)."""
    return entries_visible_to(user).select_related("workbook__case", "author")


def answer_keys(form: forms.Form) -> list[tuple[str, bool]]:
    """The keys an entry's answers are stored under, each with whether it holds a list
    (several choices). A date is three keys: ``<name>_0`` day, ``_1`` month, ``_2`` year."""
    keys: list[tuple[str, bool]] = []
    for name, field_obj in form.fields.items():
        if isinstance(field_obj, GovukDateField):
            keys.extend((f"{name}_{i}", False) for i in range(3))
        else:
            keys.append((name, isinstance(field_obj, forms.MultipleChoiceField)))
    return keys


def revisions_for(entry: Entry) -> QuerySet[EntryRevision]:
    return entry.revisions.select_related("saved_by").order_by("-saved_at", "-pk")


@dataclass(frozen=True)
class AnswerRow:
    name: str
    label: str
    value: str
    restricted: bool = False


def _display(field_obj: forms.Field, name: str, data: dict[str, Any]) -> str:
    if isinstance(field_obj, GovukDateField):
        parts = [str(data.get(f"{name}_{i}", "") or "").strip() for i in range(3)]
        if not any(parts):
            return ""
        try:
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0])).strftime("%-d %B %Y")
        except ValueError:
            return " / ".join(parts)
    raw = data.get(name, "")
    choices = dict(getattr(field_obj, "choices", []) or [])
    if isinstance(raw, list):
        return ", ".join(str(choices.get(v, v)) for v in raw)
    if choices:
        return str(choices.get(raw, raw))
    return str(raw)


def answer_rows(
    spec: FormSpec, data: dict[str, Any], context: dict[str, Any], *, show_health: bool
) -> list[AnswerRow]:
    form = spec.form_class(context=context)
    rows = []
    for name, field_obj in form.fields.items():
        restricted = spec.slug == "adult-assessment" and name in RESTRICTED_HEALTH_FIELDS
        value = _display(field_obj, name, data)
        if restricted and not show_health:
            value = "Only the workers allocated to this family and their managers can see health details."
        rows.append(AnswerRow(name, str(field_obj.label), value, restricted))
    return rows


def authorisation_queue(user: User) -> list[Entry]:
    from .policies import authorisation_queue_for

    return list(
        authorisation_queue_for(user)
        .select_related("workbook__case__family", "author", "subject_person")
        .order_by("submitted_at")
    )


def forms_catalogue() -> list[FormSpec]:
    return FORMS
