"""Reads of the workbook: pages run a fixed number of queries however many entries exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
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
from .models import Cycle, Entry, EntryRevision, EntryStatus, ProgrammeModule
from .policies import entries_visible_to
from .registry import FORMS, FormSpec

NEEDS_AUTHORISATION = frozenset(spec.slug for spec in FORMS if spec.needs_authorisation)


class FormContext(Mapping[str, Any]):
    """What the forms need to build their fields, each read from the database only when a
    form first asks for it: a case note asks for nothing, so building it costs no query."""

    def __init__(self, loaders: dict[str, Callable[[], Any]]) -> None:
        self._loaders = loaders
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = self._loaders[key]()
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)


def form_context(case: Case) -> FormContext:
    """The family's adults, the code lists and the programme modules, for the forms."""
    return FormContext(
        {
            "adults": lambda: current_adults(case.family_id),
            "cin_factors": lambda: reference_codes("cin_factor"),
            "modules": lambda: [
                (str(m.pk), str(m)) for m in ProgrammeModule.objects.filter(is_active=True)
            ],
        }
    )


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


def case_cycles(case: Case) -> list[Cycle]:
    """The cycles of the case's workbook, oldest first. Before anything is written in it the
    workbook has no rows: it is then cycle 1, opened on the referral date, with no entries
    (an unsaved ``Cycle``: reads never write; ``services.workbook_open`` makes the rows)."""
    cycles = list(Cycle.objects.filter(workbook__case=case).order_by("number"))
    return cycles or [Cycle(number=1, opened_on=case.referral_date)]


def case_current_cycle(case: Case) -> Cycle:
    """The cycle open now, read-only: cycle 1 opened on the referral date before anything is
    written (unsaved, ``pk`` None, so no entry is in it). A workbook made by hand with every
    cycle closed answers the cycle ``services.cycle_open`` would open today."""
    cycle = Cycle.objects.filter(workbook__case=case, closed_on__isnull=True).first()
    if cycle is not None:
        return cycle
    last = Cycle.objects.filter(workbook__case=case).order_by("-number").first()
    if last is None:
        return Cycle(number=1, opened_on=case.referral_date)
    return Cycle(
        workbook_id=last.workbook_id, number=last.number + 1, opened_on=timezone.localdate()
    )


@dataclass
class WorkbookView:
    cycles: list[Cycle]
    cycle: Cycle
    chapters: list[Chapter]
    missing_summaries: list[User]
    awaiting_authorisation: int


def workbook_view(user: User, case: Case, cycle_number: int | None) -> WorkbookView:
    """The workbook page: one cycle's entries in chapters by author, and who still owes their
    intervention summary. Writes nothing, even before the workbook has any rows."""
    cycles = case_cycles(case)
    cycle = next((c for c in cycles if c.number == cycle_number), None) or next(
        (c for c in cycles if c.closed_on is None), cycles[-1]
    )
    entries = (
        list(
            entries_visible_to(user)
            .filter(cycle=cycle)
            .select_related("author", "subject_person")
            .order_by("author__family_name", "form_slug", "-updated_at")
        )
        if cycle.pk is not None
        else []
    )
    chapters: dict[int, Chapter] = {}
    for entry in entries:
        chapters.setdefault(entry.author_id, Chapter(entry.author)).entries.append(entry)
    on = cycle.closed_on or timezone.localdate()
    allocated = list(
        User.objects.filter(
            pk__in=Allocation.objects.active(on).filter(case=case).values("worker_id")
        ).order_by("family_name")
    )
    written = (
        set(
            Entry.objects.filter(
                cycle=cycle,
                form_slug="intervention-summary",
                status__in=[EntryStatus.SUBMITTED, EntryStatus.AUTHORISED],
            ).values_list("author_id", flat=True)
        )
        if cycle.pk is not None
        else set()
    )
    return WorkbookView(
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


def entry_details_for(user: User) -> QuerySet[Entry]:
    """Entries the user may see, with what the API shows of one (no attachments) and what a
    save needs; the loader adds the case and family."""
    return entries_visible_to(user).select_related("workbook", "cycle", "author", "authorised_by")


def entry_list_for(user: User) -> QuerySet[Entry]:
    """Entries the user may see, with what a list row shows (case, family and author)."""
    return entries_visible_to(user).select_related("workbook__case", "author")


def answer_keys(spec: FormSpec) -> dict[str, bool]:
    """The keys an entry's answers are stored under, each with whether it holds a list
    (several choices), without a query (see ``WorkbookForm.answer_keys``). A date is three
    keys: ``<name>_0`` day, ``_1`` month, ``_2`` year. Questions asked once per adult are
    not listed: they are ``<question>_<person id>`` (``WorkbookForm.takes_list``)."""
    return spec.form_class.answer_keys()


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
    spec: FormSpec, data: dict[str, Any], context: Mapping[str, Any], *, show_health: bool
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
