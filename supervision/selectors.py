"""Reads for group supervision: the due list, the agenda, my actions, the risk trend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import (
    CharField,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from cases.clocks.engine import Due, dues_for_case
from cases.models import (
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    ChronologyEvent,
    ChronologyKind,
    HouseholdRole,
    Person,
)
from cases.policies import cases_visible_to, teams_managed_by
from cases.selectors import current_members
from safeguarding.lib.dates import start_of_day
from teams.models import User
from workbook.models import Entry, EntryStatus
from workbook.selectors import case_current_cycle

from .models import (
    ActionStatus,
    Attendance,
    GroupSupervision,
    SupervisionAction,
    SupervisionStatus,
)
from .policies import actions_visible_to, supervisions_visible_to


@dataclass
class DueList:
    scheduled: list[GroupSupervision]
    unscheduled: list[Case]


def supervisions_due_for(user: User) -> DueList:
    """Scheduled supervisions in the teams the user manages (overdue first), and open
    families in those teams with nothing scheduled."""
    teams = teams_managed_by(user)
    scheduled = list(
        supervisions_visible_to(user)
        .filter(status=SupervisionStatus.SCHEDULED, case__family__owning_team__in=teams)
        .select_related("case__family__owning_team", "chair")
        .order_by("scheduled_for", "case__family__name")
    )
    unscheduled = list(
        Case.objects.filter(
            pk__in=cases_visible_to(user).values("pk"),
            family__owning_team__in=teams,
            status=CaseStatus.OPEN,
        )
        .exclude(
            Exists(
                GroupSupervision.objects.filter(
                    case_id=OuterRef("pk"), status=SupervisionStatus.SCHEDULED
                )
            )
        )
        .select_related("family__owning_team")
        .order_by("family__name")
    )
    return DueList(scheduled=scheduled, unscheduled=unscheduled)


def previous_sign_off(supervision: GroupSupervision) -> GroupSupervision | None:
    return (
        GroupSupervision.objects.filter(case=supervision.case, status=SupervisionStatus.SIGNED_OFF)
        .exclude(pk=supervision.pk)
        .filter(signed_off_at__lt=supervision.signed_off_at or timezone.now())
        .order_by("-signed_off_at")
        .first()
    )


@dataclass
class Agenda:
    since: dt.datetime
    significant_events: list[ChronologyEvent]
    entries: list[Entry]
    returned_entries: list[Entry]
    latest_summaries: list[Entry]
    missing_summaries: list[User]
    open_actions: list[SupervisionAction]
    dues: list[Due]
    children: list[Person]
    adults: list[Person]
    attendance: list[Attendance] = field(default_factory=list)


def agenda_for(supervision: GroupSupervision) -> Agenda:
    """Everything since the previous sign-off (or the referral, for a first supervision)."""
    case = supervision.case
    previous = previous_sign_off(supervision)
    since = (
        previous.signed_off_at
        if previous and previous.signed_off_at
        else start_of_day(case.referral_date)
    )
    until = supervision.signed_off_at or timezone.now()
    members = current_members(case.family_id)
    children = [m.person for m in members if m.household_role == HouseholdRole.CHILD]
    adults = [m.person for m in members if m.household_role != HouseholdRole.CHILD]
    entries = list(
        Entry.objects.filter(
            workbook__case=case,
            status__in=[EntryStatus.SUBMITTED, EntryStatus.AUTHORISED, EntryStatus.RETURNED],
            updated_at__gte=since,
            updated_at__lte=until,
        )
        .select_related("author", "subject_person")
        .order_by("-updated_at")
    )
    latest_summaries = list(
        Entry.objects.filter(
            workbook__case=case,
            form_slug="intervention-summary",
            status__in=[EntryStatus.SUBMITTED, EntryStatus.AUTHORISED],
        )
        .select_related("author")
        .order_by("author_id", "-updated_at")
        .distinct("author_id")
    )
    # Read only: before anything is written the case is in cycle 1, with no entries.
    cycle_id = supervision.cycle_id or case_current_cycle(case).pk
    written = {e.author_id for e in latest_summaries if e.cycle_id == cycle_id}
    on = timezone.localdate() if not supervision.is_signed_off else supervision.scheduled_for
    allocated = list(
        User.objects.filter(
            pk__in=Allocation.objects.active(on).filter(case=case).values("worker_id")
        ).order_by("family_name")
    )
    statuses = list(ChildStatus.objects.filter(case=case, end_date__isnull=True))
    return Agenda(
        since=since,
        significant_events=list(
            ChronologyEvent.objects.filter(
                Q(occurred_at__gte=since, occurred_at__lte=until)
                # A partner's notification can arrive days after the incident it reports: it
                # belongs on the first agenda after it arrived, dated at the incident.
                | Q(
                    kind=ChronologyKind.PARTNER_NOTIFICATION,
                    recorded_at__gte=since,
                    recorded_at__lte=until,
                ),
                case__family_id=case.family_id,
                significant=True,
            )
            .select_related("person")
            .order_by("-occurred_at")
        ),
        entries=[e for e in entries if e.status != EntryStatus.RETURNED],
        returned_entries=[e for e in entries if e.status == EntryStatus.RETURNED],
        latest_summaries=latest_summaries,
        missing_summaries=[u for u in allocated if u.pk not in written],
        open_actions=list(
            SupervisionAction.objects.filter(case=case, status=ActionStatus.OPEN)
            .exclude(supervision=supervision)
            .select_related("owner")
            .prefetch_related("children")
            .order_by("due_date")
        ),
        dues=dues_for_case(case, statuses, {p.pk: p for p in children}),
        children=children,
        adults=adults,
    )


def allocated_worker_ids(supervision: GroupSupervision) -> set[int]:
    """Workers allocated to the case on the meeting's date or today: each has a place on the
    attendance list."""
    allocations = Allocation.objects.filter(case_id=supervision.case_id)
    return set(
        (allocations.active(supervision.scheduled_for) | allocations.active()).values_list(
            "worker_id", flat=True
        )
    )


def attendance_for(supervision: GroupSupervision) -> list[Attendance]:
    """The attendance list, read only. Until sign-off, every allocated worker without a row yet
    is on it, not recorded, in an unsaved row (``services.supervision_attendance_sync`` saves
    them with the first save of the record); after, the list as signed off."""
    rows = list(supervision.attendance.select_related("user"))
    if not supervision.is_signed_off:
        missing = allocated_worker_ids(supervision) - {row.user_id for row in rows}
        rows += [
            Attendance(supervision=supervision, user=user)
            for user in User.objects.filter(pk__in=missing)
        ]
    return sorted(rows, key=lambda row: (row.user.family_name, row.user_id))


def supervision_records_for(user: User) -> QuerySet[GroupSupervision]:
    """Supervisions the user may see, with what the supervision pages show of them."""
    return supervisions_visible_to(user).select_related(
        "case__lead_social_worker", "chair", "signed_off_by", "cycle"
    )


def action_records_for(user: User) -> QuerySet[SupervisionAction]:
    """Actions on cases the user may see, whoever owns them, with what the action pages and
    the API show of them."""
    return actions_visible_to(user).select_related("case__family", "completed_by")


def supervisions_for_case(case: Case) -> list[GroupSupervision]:
    return list(
        GroupSupervision.objects.filter(case=case)
        .select_related("chair")
        .order_by("-scheduled_for")
    )


def actions_for(supervision: GroupSupervision) -> list[SupervisionAction]:
    return list(
        supervision.actions.select_related("owner", "completed_by").prefetch_related("children")
    )


# Fixed width, so that ordering by the text is ordering by (open first, due date, id): one
# unique key, which a cursor page can start after.
ACTION_POSITION_ID_DIGITS = 19  # a bigint has at most 19 digits


def my_actions(user: User) -> QuerySet[SupervisionAction]:
    """The user's actions on cases they can see: open first, soonest due first.

    Each carries ``list_position``, the text it is ordered by (``0|2026-11-30|...0123``)."""
    return (
        actions_visible_to(user)
        .filter(owner=user)
        .select_related("case__family", "supervision", "completed_by")
        .prefetch_related(Prefetch("children", queryset=Person.objects.order_by("given_name")))
        .annotate(
            list_position=Concat(
                SqlCase(When(status=ActionStatus.OPEN, then=Value("0")), default=Value("1")),
                Value("|"),
                Func(
                    F("due_date"),
                    Value("YYYY-MM-DD"),
                    function="to_char",
                    output_field=CharField(),
                ),
                Value("|"),
                LPad(Cast("id", CharField()), ACTION_POSITION_ID_DIGITS, Value("0")),
                output_field=CharField(),
            )
        )
        .order_by("list_position")
    )


@dataclass(frozen=True)
class RiskPoint:
    day: dt.date
    scale: int
    rationale: str


def risk_trend(case: Case) -> dict[int, list[RiskPoint]]:
    """Each child's joint risk judgement across signed-off supervisions of the family."""
    return _risk_points(
        GroupSupervision.objects.filter(
            case__family_id=case.family_id, status=SupervisionStatus.SIGNED_OFF
        ).order_by("scheduled_for")
    )


def family_panel_supervisions(
    case: Case,
) -> tuple[dict[int, list[RiskPoint]], GroupSupervision | None]:
    """The family page's supervision panel in one query: the risk trend (``risk_trend``) and
    the case's next scheduled supervision with its chair."""
    # One condition on the family's cases, not an OR across the join: an OR of "family's
    # signed-off" and "this case's scheduled" cannot use the case index and scans every
    # supervision (300 ms at 100,000 families). Another case's scheduled meeting is dropped
    # below; a family has one or two cases.
    supervisions = [
        s
        for s in GroupSupervision.objects.filter(
            case__family_id=case.family_id,
            status__in=(SupervisionStatus.SIGNED_OFF, SupervisionStatus.SCHEDULED),
        )
        .select_related("chair")
        .order_by("scheduled_for", "pk")
        if s.status == SupervisionStatus.SIGNED_OFF or s.case_id == case.pk
    ]
    upcoming = next(
        (
            s
            for s in supervisions
            if s.status == SupervisionStatus.SCHEDULED and s.case_id == case.pk
        ),
        None,
    )
    return (
        _risk_points(s for s in supervisions if s.status == SupervisionStatus.SIGNED_OFF),
        upcoming,
    )


def _risk_points(supervisions: Iterable[GroupSupervision]) -> dict[int, list[RiskPoint]]:
    trend: dict[int, list[RiskPoint]] = {}
    for supervision in supervisions:
        for person_id, judgement in dict(supervision.record.get("risk", {})).items():
            scale = str(judgement.get("scale", ""))
            if scale.isdigit():
                trend.setdefault(int(person_id), []).append(
                    RiskPoint(
                        supervision.scheduled_for, int(scale), str(judgement.get("rationale", ""))
                    )
                )
    return trend


def supervision_pdf_context(supervision: GroupSupervision) -> dict[str, Any]:
    from django.conf import settings

    agenda = agenda_for(supervision)
    return {
        "supervision": supervision,
        "case": supervision.case,
        "family": supervision.case.family,
        "record": supervision.record,
        "attendance": list(supervision.attendance.select_related("user")),
        "actions": actions_for(supervision),
        "children": agenda.children,
        "adults": agenda.adults,
        "council_name": settings.COUNCIL_NAME,
        "service_name": settings.SERVICE_NAME,
        "generated_at": timezone.now(),
    }
