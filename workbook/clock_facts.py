"""The workbook's part of the statutory clocks (``cases.clocks.tray``): whether an assessment has been
started (the referral decision) and where it is, the current cycle, and who has written their
intervention summary in it. Two queries for any number of cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import Q

from cases.clocks.engine import CaseFacts
from cases.clocks.registry import (
    ClockSource,
    Panel,
    register_clock_source,
    register_team_tray_panel,
)
from teams.models import Team, User

from .models import Cycle, Entry, EntryStatus
from .policies import authorisation_queue_for

WRITTEN = (EntryStatus.SUBMITTED, EntryStatus.AUTHORISED)


def load_workbook_facts(facts: Mapping[int, CaseFacts], today: dt.date) -> None:
    ids = list(facts)
    for case_id, number in Cycle.objects.filter(
        workbook__case_id__in=ids, closed_on__isnull=True
    ).values_list("workbook__case_id", "number"):
        facts[case_id].cycle_number = number
    written: dict[int, set[int]] = {}
    in_progress: dict[int, int] = {}
    rows = (
        Entry.objects.filter(workbook__case_id__in=ids)
        .filter(
            Q(form_slug="assessment")
            | Q(form_slug="intervention-summary", cycle__closed_on__isnull=True, status__in=WRITTEN)
        )
        .values_list("workbook__case_id", "form_slug", "pk", "status", "author_id")
        .order_by("pk")
    )
    for case_id, slug, pk, status, author_id in rows:
        if slug == "assessment":
            facts[case_id].assessment_started = True
            if status != EntryStatus.AUTHORISED:
                in_progress[case_id] = pk  # the latest, as rows come in id order
        else:
            written.setdefault(case_id, set()).add(author_id)
    for case_id, case_facts in facts.items():
        case_facts.summaries_written_by = frozenset(written.get(case_id, ()))
        case_facts.assessment_entry_id = in_progress.get(case_id)


def authorisations_panel(user: User, team: Team) -> Panel:
    """Entries waiting for a manager in this team, with how many each author is waiting on."""
    entries = list(
        authorisation_queue_for(user)
        .filter(workbook__case__family__owning_team=team)
        .select_related("workbook__case__family", "author")
        .order_by("submitted_at", "pk")
    )
    by_author: dict[int, tuple[User, list[Entry]]] = {}
    for entry in entries:
        by_author.setdefault(entry.author_id, (entry.author, []))[1].append(entry)
    authors = sorted(
        by_author.values(), key=lambda pair: (-len(pair[1]), pair[0].family_name, pair[0].pk)
    )
    return Panel("workbook/_team_authorisations.html", {"entries": entries, "authors": authors})


register_clock_source(ClockSource(name="workbook", load=load_workbook_facts))
register_team_tray_panel(authorisations_panel)
