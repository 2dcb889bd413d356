"""The statutory clocks: what is due, by when, for whom, and where to do it (DOMAIN.md,
"Statutory timescales"). The one deadline engine: the caseload, the family page, the
supervision agenda, the work tray and the daily escalations all ask it.

Pure functions over dates and the working-day calendar (``safeguarding.lib.working_days``): no
queries. Callers pass the rows a selector already loaded (``cases.clocks.tray.case_facts`` loads them
in bulk). Items carry ids, a generic label and a link, never a person's name, so that an item
can go into a notification as it is; pages add names from the rows they loaded.

Rules that are a reading of the regulations rather than their words are marked "Reading:".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.urls import reverse

from cases.models import Case, ChildStatus, Person, StatusKind, Warning
from safeguarding.lib.working_days import add_working_days

REFERRAL_DECISION_WORKING_DAYS = 1  # Working Together 2023: a decision within one working day
ASSESSMENT_WORKING_DAYS = 45  # Working Together 2023: child and family assessment
ICPC_WORKING_DAYS = 15  # Working Together 2023: ICPC after the (last) strategy discussion
FIRST_CORE_GROUP_WORKING_DAYS = 10  # local procedures: first core group after the ICPC
FIRST_REVIEW_MONTHS = 3  # Working Together 2023: first review conference within 3 months of ICPC
LATER_REVIEW_MONTHS = 6  # Working Together 2023: then at intervals of no more than 6 months
LAC_FIRST_VISIT_DAYS = 7  # Care Planning Regulations 2010 reg 28: within one week of placement
# Local procedures: a child in need plan is first reviewed 3 months after it starts; each
# review books the next (at most 6 months on) in the plan the manager authorises.
CIN_FIRST_PLAN_REVIEW_MONTHS = 3
# The FS model: each worker's intervention summary is written before the group supervision
# that reads it, so it is due the working day before the meeting.
SUMMARY_WORKING_DAYS_BEFORE_SUPERVISION = 1
# The work tray's horizon: what falls due in the next two working weeks.
DUE_SOON_WORKING_DAYS = 10

VISIT_KINDS = frozenset({StatusKind.CP_PLAN, StatusKind.CIN_PLAN, StatusKind.LOOKED_AFTER})


class ClockKind(models.TextChoices):
    """What is due. The labels name no one: items go into notifications as they are."""

    REFERRAL_DECISION = "referral_decision", "Referral decision"
    ASSESSMENT = "assessment", "Child and family assessment"
    ICPC = "icpc", "Initial child protection conference"
    CORE_GROUP = "core_group", "First core group meeting"
    REVIEW_CONFERENCE = "review_conference", "Child protection review conference"
    CP_VISIT = "cp_visit", "Statutory visit (child protection plan)"
    CIN_VISIT = "cin_visit", "Statutory visit (child in need plan)"
    LAC_VISIT = "lac_visit", "Statutory visit (looked-after child)"
    PLAN_REVIEW = "plan_review", "Child in need plan review"
    SUPERVISION = "supervision", "Group case supervision"
    INTERVENTION_SUMMARY = "intervention_summary", "Intervention summary"
    WARNING_REVIEW = "warning_review", "Warning review"
    ACTION = "action", "Action from group supervision"


# What the link that discharges each kind of item says.
ACTION_TEXT: dict[ClockKind, str] = {
    ClockKind.REFERRAL_DECISION: "Start the assessment",
    ClockKind.ASSESSMENT: "Complete the assessment",
    ClockKind.ICPC: "Record the conference",
    ClockKind.CORE_GROUP: "Record the core group",
    ClockKind.REVIEW_CONFERENCE: "Record the review",
    ClockKind.CP_VISIT: "Record the visit",
    ClockKind.CIN_VISIT: "Record the visit",
    ClockKind.LAC_VISIT: "Record the visit",
    ClockKind.PLAN_REVIEW: "Review the plan",
    ClockKind.SUPERVISION: "Open the supervision",
    ClockKind.INTERVENTION_SUMMARY: "Write your summary",
    ClockKind.WARNING_REVIEW: "Review the warning",
    ClockKind.ACTION: "Complete the action",
}

VISIT_CLOCK: dict[str, ClockKind] = {
    StatusKind.CP_PLAN: ClockKind.CP_VISIT,
    StatusKind.CIN_PLAN: ClockKind.CIN_VISIT,
    StatusKind.LOOKED_AFTER: ClockKind.LAC_VISIT,
}


@dataclass(frozen=True)
class ClockItem:
    """One thing due: by when, who owns it, the page that discharges it, and a key that stays
    the same while the item is the same thing (escalations are idempotent on key + due date)."""

    kind: ClockKind
    due_date: dt.date
    case_id: int
    family_id: int
    owner_ids: tuple[int, ...]
    url: str
    key: str
    person_id: int | None = None
    # Shown on the tray under the label (an action's wording); never put into a notification.
    detail: str = ""
    # The link's words when they differ from the kind's usual ones (``ACTION_TEXT``).
    action: str = ""

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @property
    def action_text(self) -> str:
        return self.action or ACTION_TEXT[self.kind]

    def is_overdue(self, today: dt.date) -> bool:
        return self.due_date < today

    def days_left(self, today: dt.date) -> int:
        return (self.due_date - today).days


# --- the clocks, one function each ----------------------------------------------------------------


def referral_decision_due(referral_date: dt.date) -> dt.date:
    return add_working_days(referral_date, REFERRAL_DECISION_WORKING_DAYS)


def assessment_due_from(referral_date: dt.date) -> dt.date:
    return add_working_days(referral_date, ASSESSMENT_WORKING_DAYS)


def icpc_due_from(strategy_discussions: Iterable[dt.date]) -> dt.date | None:
    """15 working days from the last strategy discussion: a discussion reconvened restarts
    the clock (Working Together 2023)."""
    held = list(strategy_discussions)
    return add_working_days(max(held), ICPC_WORKING_DAYS) if held else None


def first_core_group_due(icpc_date: dt.date) -> dt.date:
    return add_working_days(icpc_date, FIRST_CORE_GROUP_WORKING_DAYS)


def review_conference_due_by(first_conference: dt.date, previous_review: dt.date | None) -> dt.date:
    """The latest date the next CP review conference may be held: 3 months after the ICPC,
    then 6 months after the previous review. ``relativedelta`` keeps month ends in the month
    (30 November + 3 months is 28 February)."""
    if previous_review is None:
        return first_conference + relativedelta(months=FIRST_REVIEW_MONTHS)
    return previous_review + relativedelta(months=LATER_REVIEW_MONTHS)


def review_conference_due_from(
    first_conference: dt.date, reviews_held: Sequence[dt.date], booked: dt.date | None
) -> dt.date:
    """When the next review conference is due. Reading: a booked date (set when a review or
    plan is recorded) is the one the team works to, unless it is no later than the last review
    held (then it is stale); otherwise the statutory limit."""
    last = max(reviews_held) if reviews_held else None
    if booked is not None and (last is None or booked > last):
        return booked
    return review_conference_due_by(first_conference, last)


def cin_plan_review_due(start_date: dt.date, booked: dt.date | None) -> dt.date:
    """The plan form's "next review date" (copied to the status when a manager authorises the
    plan) once there is one; before that, 3 months after the plan started. Reading: no record
    of a review held exists beyond the next date it booked, so the 6-monthly rhythm is the
    booked dates', and a booked date that passes stays overdue until a new plan books one."""
    if booked is not None:
        return booked
    return start_date + relativedelta(months=CIN_FIRST_PLAN_REVIEW_MONTHS)


def visit_due(
    kind: str, start_date: dt.date, last_visit: dt.date | None, born: dt.date | None = None
) -> dt.date | None:
    """The next statutory visit for a plan of ``kind``. Only visits during the plan count (the
    visit service refuses earlier ones); before the first visit the clock runs from the plan's
    start, or from the birth of a child born during the plan."""
    if kind == StatusKind.LOOKED_AFTER:
        if last_visit is None:
            placed = max(start_date, born) if born else start_date
            return placed + dt.timedelta(days=LAC_FIRST_VISIT_DAYS)
        # Reading: reg 28 allows 3-monthly visits after the first year of a long-term
        # placement; the 6-weekly default applies throughout, which never visits too rarely.
        return last_visit + dt.timedelta(weeks=settings.LAC_VISIT_INTERVAL_WEEKS)
    if kind == StatusKind.CP_PLAN:
        interval = settings.CP_VISIT_INTERVAL_WORKING_DAYS
    elif kind == StatusKind.CIN_PLAN:
        interval = settings.CIN_VISIT_INTERVAL_WORKING_DAYS
    else:
        return None
    base = last_visit or (max(start_date, born) if born else start_date)
    return add_working_days(base, interval)


def next_visit_due(status: ChildStatus) -> dt.date | None:
    """The next visit for one status row (the demo uses it to place visits)."""
    return visit_due(status.kind, status.start_date, status.last_visit_date)


def supervision_due_from(
    *, scheduled_for: dt.date | None, last_held: dt.date | None, referral_date: dt.date
) -> dt.date:
    """A scheduled supervision is due on its date; a family with none scheduled is due one
    ``SUPERVISION_INTERVAL_WEEKS`` after the last sign-off (or the referral)."""
    if scheduled_for is not None:
        return scheduled_for
    return (last_held or referral_date) + dt.timedelta(weeks=settings.SUPERVISION_INTERVAL_WEEKS)


def intervention_summary_due(supervision_date: dt.date) -> dt.date:
    return add_working_days(supervision_date, -SUMMARY_WORKING_DAYS_BEFORE_SUPERVISION)


def due_soon_horizon(today: dt.date) -> dt.date:
    """The last day the tray looks ahead to."""
    return add_working_days(today, DUE_SOON_WORKING_DAYS)


# --- the facts a family's clocks run on -------------------------------------------------------


@dataclass(frozen=True)
class SupervisionFacts:
    """The family's group supervision, from the supervision app's loader."""

    scheduled_id: int | None = None
    scheduled_for: dt.date | None = None
    chair_id: int | None = None
    last_held: dt.date | None = None


@dataclass(frozen=True)
class ActionFacts:
    action_id: int
    owner_id: int
    due_date: dt.date
    description: str


@dataclass
class CaseFacts:
    """Everything one open case's clocks need. ``cases.clocks.tray.case_facts`` fills the cases part
    and the apps built on cases fill theirs through registered loaders (DESIGN §3: cases may
    not import them)."""

    case: Case
    # Every status on the case that can still run a clock: the current ones and the section 47
    # enquiries (for the last strategy discussion).
    statuses: list[ChildStatus]
    # The children and anyone else the statuses and warnings name, by id.
    people: dict[int, Person]
    reviews_held: dict[int, list[dt.date]] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)
    allocated_worker_ids: tuple[int, ...] = ()
    # Team managers of the owning team: they own a supervision nobody has scheduled.
    team_manager_ids: tuple[int, ...] = ()
    # From the workbook.
    assessment_started: bool = False
    assessment_entry_id: int | None = None
    cycle_number: int = 1
    summaries_written_by: frozenset[int] = frozenset()
    # From supervision (None: the app did not say, so there is no supervision clock).
    supervision: SupervisionFacts | None = None
    actions: list[ActionFacts] = field(default_factory=list)


def _family_url(name: str, family_id: int, *args: object, query: str = "") -> str:
    url = reverse(name, args=[family_id, *args])
    return f"{url}?{query}" if query else url


def _is_current(status: ChildStatus) -> bool:
    return status.end_date is None


def _looked_after_since(statuses: Sequence[ChildStatus]) -> dict[int, dt.date]:
    """Children who are looked after now, with the placement date."""
    placed: dict[int, dt.date] = {}
    for status in statuses:
        if status.kind == StatusKind.LOOKED_AFTER and _is_current(status):
            day = placed.get(status.person_id)
            placed[status.person_id] = min(day, status.start_date) if day else status.start_date
    return placed


def _superseded(status: ChildStatus, placed: Mapping[int, dt.date]) -> bool:
    """A child who becomes looked after during a plan: the plan ends and the looked-after
    clocks take over, so a plan row not yet ended runs no clock of its own."""
    return (
        status.kind in (StatusKind.CP_PLAN, StatusKind.CIN_PLAN)
        and status.person_id in placed
        and placed[status.person_id] >= status.start_date
    )


def status_clocks(
    case: Case,
    statuses: Sequence[ChildStatus],
    people: Mapping[int, Person],
    reviews_held: Mapping[int, Sequence[dt.date]] | None = None,
) -> list[ClockItem]:
    """The children's clocks: ICPCs, first core groups, review conferences, visits and child
    in need plan reviews. An unborn child (no date of birth yet) has no visit clock until born,
    but a pre-birth plan has its conferences."""
    reviews_held = reviews_held or {}
    owners = (case.lead_social_worker_id,)
    family_id = case.family_id
    placed = _looked_after_since(statuses)
    items: list[ClockItem] = []

    def add(kind: ClockKind, due: dt.date, key: str, url: str, person_id: int) -> None:
        items.append(ClockItem(kind, due, case.pk, family_id, owners, url, key, person_id))

    # ICPC: per child, from the last strategy discussion of their section 47 enquiries, while
    # one is under way and no conference has been held since.
    discussions: dict[int, list[dt.date]] = {}
    under_way: set[int] = set()
    for status in statuses:
        if status.kind == StatusKind.S47_ENQUIRY and status.strategy_discussion_date:
            discussions.setdefault(status.person_id, []).append(status.strategy_discussion_date)
            if _is_current(status):
                under_way.add(status.person_id)
    for person_id, days in discussions.items():
        last = max(days)
        conference_held = any(
            (s.icpc_date is not None and s.icpc_date >= last)
            or (s.kind == StatusKind.CP_PLAN and s.start_date >= last)
            for s in statuses
            if s.person_id == person_id
        )
        due = icpc_due_from(days)
        if due is not None and person_id in under_way and not conference_held:
            add(
                ClockKind.ICPC,
                due,
                f"icpc:case:{case.pk}:person:{person_id}:{last.isoformat()}",
                _family_url(
                    "cases:status-add", family_id, query=f"person={person_id}&kind=cp_plan"
                ),
                person_id,
            )

    for status in statuses:
        if not _is_current(status) or _superseded(status, placed):
            continue
        person = people.get(status.person_id)
        born = person.date_of_birth if person is not None else None
        unborn = person is not None and person.date_of_birth is None
        if status.kind == StatusKind.CP_PLAN:
            conference = status.icpc_date or status.start_date
            reviews = list(reviews_held.get(status.pk, []))
            if status.first_core_group_date is None and not reviews:
                add(
                    ClockKind.CORE_GROUP,
                    first_core_group_due(conference),
                    f"core-group:status:{status.pk}",
                    _family_url("cases:core-group", family_id, status.pk),
                    status.person_id,
                )
            add(
                ClockKind.REVIEW_CONFERENCE,
                review_conference_due_from(conference, reviews, status.next_review_date),
                f"review-conference:status:{status.pk}",
                _family_url("cases:review-conference", family_id, status.pk),
                status.person_id,
            )
        if status.kind == StatusKind.CIN_PLAN:
            add(
                ClockKind.PLAN_REVIEW,
                cin_plan_review_due(status.start_date, status.next_review_date),
                f"plan-review:status:{status.pk}",
                _family_url(
                    "workbook:entry-new", family_id, "plan", query=f"person={status.person_id}"
                ),
                status.person_id,
            )
        if status.kind in VISIT_KINDS and not unborn:
            due = visit_due(status.kind, status.start_date, status.last_visit_date, born)
            if due is not None:
                add(
                    VISIT_CLOCK[status.kind],
                    due,
                    f"visit:status:{status.pk}",
                    _family_url(
                        "workbook:entry-new",
                        family_id,
                        "statutory-visit",
                        query=f"person={status.person_id}",
                    ),
                    status.person_id,
                )
    return items


def case_clocks(facts: CaseFacts) -> list[ClockItem]:
    """Every clock running on one open case, soonest first."""
    case = facts.case
    if not case.is_open:
        return []
    family_id = case.family_id
    lead = (case.lead_social_worker_id,)
    items: list[ClockItem] = []
    # Reading: the decision on a referral is to assess, to hold a strategy discussion (a
    # section 47 enquiry) or to close; the first two leave a record here, closing ends the case.
    decided = (
        facts.assessment_started
        or case.assessment_completed_date is not None
        or bool(facts.statuses)
    )
    assessment_url = (
        reverse("workbook:entry", args=[facts.assessment_entry_id])
        if facts.assessment_entry_id is not None
        else _family_url("workbook:entry-new", family_id, "assessment")
    )
    if not decided:
        items.append(
            ClockItem(
                ClockKind.REFERRAL_DECISION,
                referral_decision_due(case.referral_date),
                case.pk,
                family_id,
                lead,
                _family_url("workbook:entry-new", family_id, "assessment"),
                f"referral-decision:case:{case.pk}",
            )
        )
    if case.assessment_completed_date is None:
        items.append(
            ClockItem(
                ClockKind.ASSESSMENT,
                assessment_due_from(case.referral_date),
                case.pk,
                family_id,
                lead,
                assessment_url,
                f"assessment:case:{case.pk}",
            )
        )
    items.extend(status_clocks(case, facts.statuses, facts.people, facts.reviews_held))
    items.extend(
        ClockItem(
            ClockKind.WARNING_REVIEW,
            warning.review_date,
            case.pk,
            family_id,
            lead,
            _family_url("cases:warning-review", family_id, warning.pk),
            f"warning-review:warning:{warning.pk}",
            warning.person_id,
        )
        for warning in facts.warnings
        if warning.ended_at is None
    )
    if facts.supervision is not None:
        items.extend(_supervision_clocks(facts, facts.supervision))
    items.extend(
        ClockItem(
            ClockKind.ACTION,
            action.due_date,
            case.pk,
            family_id,
            (action.owner_id,),
            reverse("supervision:action-complete", args=[action.action_id]),
            f"action:{action.action_id}",
            detail=action.description,
        )
        for action in facts.actions
    )
    return sorted(items, key=lambda item: (item.due_date, item.kind, item.key))


def _supervision_clocks(facts: CaseFacts, supervision: SupervisionFacts) -> list[ClockItem]:
    case = facts.case
    due = supervision_due_from(
        scheduled_for=supervision.scheduled_for,
        last_held=supervision.last_held,
        referral_date=case.referral_date,
    )
    if supervision.scheduled_id is not None and supervision.chair_id is not None:
        owners: tuple[int, ...] = (supervision.chair_id,)
        url = reverse("supervision:detail", args=[supervision.scheduled_id])
        action = ""
    else:
        owners = facts.team_manager_ids
        url = reverse("supervision:schedule", args=[case.family_id])
        action = "Schedule the supervision"
    items = []
    if owners:
        items.append(
            ClockItem(
                ClockKind.SUPERVISION,
                due,
                case.pk,
                case.family_id,
                owners,
                url,
                f"supervision:case:{case.pk}:cycle:{facts.cycle_number}",
                action=action,
            )
        )
    summary_url = _family_url("workbook:entry-new", case.family_id, "intervention-summary")
    summary_due = intervention_summary_due(due)
    items.extend(
        ClockItem(
            ClockKind.INTERVENTION_SUMMARY,
            summary_due,
            case.pk,
            case.family_id,
            (worker_id,),
            summary_url,
            f"intervention-summary:case:{case.pk}:cycle:{facts.cycle_number}:worker:{worker_id}",
        )
        for worker_id in sorted(set(facts.allocated_worker_ids) - facts.summaries_written_by)
    )
    return items


def due_or_overdue(items: Iterable[ClockItem], today: dt.date) -> list[ClockItem]:
    """Items overdue or due within the tray's horizon, most urgent first."""
    horizon = due_soon_horizon(today)
    return sorted(
        (item for item in items if item.due_date <= horizon),
        key=lambda item: (item.due_date, item.kind, item.key),
    )


# --- "Due next" on the caseload, the family page and the supervision agenda -----------------------


@dataclass(frozen=True)
class Due:
    """A statutory item for a page that shows a family's children by name."""

    label: str
    due_date: dt.date
    person_id: int | None = None

    def is_overdue(self, today: dt.date) -> bool:
        return self.due_date < today

    def days_left(self, today: dt.date) -> int:
        return (self.due_date - today).days


_DUE_LABELS: dict[ClockKind, str] = {
    ClockKind.ICPC: "Initial child protection conference for {name}",
    ClockKind.REVIEW_CONFERENCE: "Review conference for {name}",
    ClockKind.CP_VISIT: "Statutory visit to {name}",
    ClockKind.CIN_VISIT: "Statutory visit to {name}",
    ClockKind.LAC_VISIT: "Statutory visit to {name}",
}


def dues_for_case(
    case: Case, statuses: Sequence[ChildStatus], people: Mapping[int, Person]
) -> list[Due]:
    """The statutory items a family's pages list under "Due next" (the assessment, ICPCs,
    visits and review conferences), soonest first, each named by the child's given name."""
    if not case.is_open:
        return []
    dues: list[Due] = []
    if case.assessment_completed_date is None:
        dues.append(Due("Child and family assessment", assessment_due_from(case.referral_date)))
    for item in status_clocks(case, statuses, people):
        template = _DUE_LABELS.get(item.kind)
        if template is None:
            continue
        person = people.get(item.person_id) if item.person_id is not None else None
        name = person.given_name if person is not None else "child"
        dues.append(Due(template.format(name=name), item.due_date, item.person_id))
    return sorted(dues, key=lambda due: (due.due_date, due.label))
