"""Synthetic group supervision history for the demo council's open cases (``safeguarding.demo.families``).

Most open cases have had one to five group supervisions, about four weeks apart, each chaired
by the team manager and signed off: a meeting record (the children's lived experience, what is
working well, worries, hypotheses and decisions), a joint risk judgement for every child that
moves believably from one meeting to the next, each adult's readiness to change, attendance
for every allocated worker, and one to three actions owned by allocated workers. After the
last sign-off each case has its next supervision: most in the coming weeks, some overdue with
the record part-written in the meeting. Actions are in every state: open, open and overdue,
and done with a note of what was done.

Last, ``arrange_demo_trays`` makes sure every demo practitioner and team manager signs in to a
work tray with something overdue and something due soon: it moves action due dates, allocates
a practitioner who has no open family to one, and adds an action where one is still missing.

Every write goes through ``supervision.services`` as the screens would make it. The services
date things "today" (sign-off schedules the next meeting four weeks from today and rolls the
workbook cycle over today), so after each step the rows are moved back to the meeting's own
date with ``QuerySet.update()``: the supervision, its revisions, actions and chronology events.
The workbook cycles are then laid out to match: one closed cycle per signed-off supervision,
each closing on its meeting day, and the cycle that was open before the history (holding the
current work in the workbook) stays the open one. A workbook the demo workbooks already rolled
over keeps its closed cycle: the latest sign-off falls on the day that cycle closed.

Restricted families are left out: their team manager cannot open them, so cannot chair them.

Text comes from short hand-written templates filled with the demo people's Faker names; nothing
here could identify a real person. Loading is idempotent: a case with any supervision is
skipped, so a second run adds nothing. Each case's random stream is seeded from the family's
team and name, so every run writes the same story whichever cases are skipped.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from cases import services as cases_services
from cases.models import (
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    ChronologyEvent,
    FamilyMember,
    HouseholdRole,
    Person,
    Sex,
    StatusKind,
)
from safeguarding.demo.families import CLOSED_JOURNEYS, TEAM_SLUGS, TeamStaff, plan_families
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN
from supervision import services
from supervision.models import (
    ActionStatus,
    AttendanceStatus,
    GroupSupervision,
    Reschedule,
    SupervisionAction,
    SupervisionRevision,
    SupervisionStatus,
)
from teams.models import Membership, User
from teams.roles import ADULT_SPECIALIST_ROLES, Discipline, Role
from workbook.models import Cycle
from workbook.services import cycle_open, workbook_open

SUPERVISION_SEED = 20_260_415
INTERVAL_DAYS = 28
# The first group supervision is held three to four weeks after referral.
FIRST_AFTER_REFERRAL_DAYS = 21
MAX_SIGNED_OFF = 5
RISK_FLOOR, RISK_CEILING = 1, 9
# Cycle numbers are moved out of the way by this much while they are renumbered.
RENUMBER_OFFSET = 10_000


class NextState(enum.Enum):
    """Where the case's next supervision stands today."""

    FUTURE = "future"
    OVERDUE = "overdue"


# Text -------------------------------------------------------------------------------------------

LIVED_EXPERIENCE = [
    "{child} starts most days with breakfast at home and gets to school on time; evenings are calmer than at referral.",
    "{child} spends weekends at home with {parent}. When the adults argue {child} goes upstairs and turns the music up.",
    "{child} has a settled bedtime in the week and says the best part of the day is tea with {parent}.",
    "{child} is often late to school on Mondays and told the teacher the weekend was 'loud'.",
    "{child} looks out for younger siblings when {parent} is low and has missed school to stay at home.",
    "{child} goes to the after-school club on Wednesdays and has made a close friend there.",
]
BABY_EXPERIENCE = [
    "{child} is fed and changed on time and has a cot in {parent}'s room; the health visitor saw a settled baby.",
    "{child}'s day depends on {parent}'s mood: on good days there is floor play and a walk to the park.",
]
UNBORN_EXPERIENCE = [
    "{child} is due soon. {parent} has a birth plan and has started getting the home ready.",
    "{child} is not born yet; {parent} has kept every antenatal appointment since the last meeting.",
]
LOOKED_AFTER_EXPERIENCE = [
    "{child} lives with foster carers and sees {parent} twice a week at the family centre; the carers say {child} is settling.",
    "{child} is settled in placement and at the same school. Contact with {parent} is warm but {child} is unsettled afterwards.",
]
WORKING_WELL = [
    "{parent} has kept every appointment with the team since the last supervision.",
    "The children's school attendance is up and teachers describe them as settled.",
    "The wider family are helping: grandparents take the children on Saturday mornings.",
    "{parent} is open about what has been hard and can name what needs to change.",
    "The home has been warm and stocked with food at every visit this cycle.",
    "Workers are joined up: the specialists and the social worker visited together twice.",
    "{parent} used the safety plan when an argument started and took the children out.",
]
WORRIES = [
    "Arguments between the adults late at night, which the children can hear.",
    "{parent}'s drinking at weekends and what that means for Monday mornings.",
    "Missed health appointments, including the children's dental checks.",
    "{parent}'s low mood: on bad days the children get themselves to school.",
    "Rent arrears and the risk of the family losing the tenancy.",
    "A police call-out since the last supervision, reported by a neighbour.",
    "The children's father has started turning up at the house again without warning.",
]
HYPOTHESES = [
    "{parent} copes well when there is routine and support, and the risk rises when either falls away at weekends.",
    "The drinking is how {parent} manages anxiety about money; reducing it will need the debt tackled too.",
    "{parent} minimises the abuse because naming it would mean ending the relationship, which feels unsafe.",
    "The children's behaviour at school is a response to conflict at home rather than a learning need.",
    "{parent}'s own experience of care makes professionals feel like a threat; consistent workers help trust grow.",
    "Progress depends on one worker; if that relationship ends the family may disengage.",
]
PLAN_DECISIONS: dict[str, list[str]] = {
    StatusKind.CP_PLAN: [
        "The child protection plan continues under the same category.",
        "The child protection plan continues; the core group meets fortnightly.",
    ],
    StatusKind.CIN_PLAN: [
        "The child in need plan continues; review at the next supervision.",
        "The child in need plan continues with the family programme added.",
    ],
    StatusKind.LOOKED_AFTER: [
        "The care plan continues; contact stays at twice a week, supervised.",
        "The care plan continues; the permanence plan is considered at the next review.",
    ],
    StatusKind.S47_ENQUIRY: [
        "The section 47 enquiry continues and the initial conference goes ahead as booked.",
    ],
}
NO_PLAN_DECISIONS = ["The assessment continues; the outcome is agreed at the next supervision."]
STEP_DOWN_DECISION = (
    "Risk has reduced over three cycles: recommend that the plan steps down at the next review."
)
ESCALATE_DECISION = (
    "Risk has risen: the team manager holds a strategy discussion if there is another incident."
)
OTHER_DECISIONS = [
    "Hold a family network meeting before the next supervision.",
    "The specialists and the social worker visit together at least once this cycle.",
    "School and health are asked for updates before the next meeting.",
    "Keep visiting weekly, one visit unannounced.",
    "Share the updated safety plan with the whole family network.",
]
RISK_DOWN = [
    "Down from {before}: the home has been calmer and {child} has been seen well at every visit.",
    "Down from {before}: the adults are using the safety plan and school report no concerns.",
    "Down from {before}: {parent} has kept to the plan for a full cycle.",
]
RISK_SAME = [
    "Unchanged at {scale}: some progress, but the worries about weekends remain.",
    "Unchanged at {scale}: the plan is holding but the change is recent.",
    "Unchanged at {scale}: nothing new this cycle, good or bad.",
]
RISK_UP = [
    "Up from {before}: a police call-out after an argument; {child} was at home.",
    "Up from {before}: {parent} has started drinking again at weekends.",
    "Up from {before}: missed visits and {child} late to school most days.",
]
RISK_FIRST = [
    "First judgement: the concerns at referral are current and the plan has only just started.",
    "First judgement: {child} is safe day to day, but the adults' conflict is unresolved.",
    "First judgement: the worries are serious and the family's support network is small.",
]
STAGES = ["Pre-contemplation", "Contemplation", "Preparation", "Action", "Maintenance"]
READINESS = [
    "{stage}: {adult} {stage_text} Importance {importance}/10, confidence {confidence}/10.",
]
STAGE_TEXT = [
    "does not yet see the adults' conflict as a problem for the children.",
    "can name the effect on the children but is not ready to set a goal.",
    "has agreed a goal and the first steps with the specialist worker.",
    "is working on the goal every week and keeps a diary.",
    "has kept the change going for several weeks and has a plan for setbacks.",
]
WORKER_UPDATES: dict[str, list[str]] = {
    Discipline.SOCIAL_WORK: [
        "Visited weekly, one unannounced; saw {child} alone at school.",
        "Held a core group; school and health report steady progress.",
        "Direct work with {child} using the three houses tool.",
    ],
    Discipline.FAMILY_SUPPORT: [
        "Weekly sessions with {parent} on routines; mornings are better.",
        "Helped {parent} with a budget and a call to the energy supplier.",
    ],
    Discipline.DOMESTIC_ABUSE: [
        "Safety planning with {adult}; the plan covers contact handovers.",
        "DASH reviewed with {adult}; risk is lower than at referral.",
    ],
    Discipline.SUBSTANCE_USE: [
        "Weekly sessions with {adult}; the drinking diary shows fewer heavy days.",
        "{adult} started the recovery service's evening group.",
    ],
    Discipline.MENTAL_HEALTH: [
        "Fortnightly sessions with {adult} on low mood and sleep.",
        "Liaised with the GP about {adult}'s medication review.",
    ],
}
APOLOGIES_UPDATE = "Apologies (on leave); written update shared with the chair before the meeting."
ACTIONS: dict[str, list[str]] = {
    Discipline.SOCIAL_WORK: [
        "Visit unannounced before the next supervision and see {child} alone.",
        "Hold a family network meeting to agree who helps at weekends.",
        "Share the updated safety plan with school and the health visitor.",
        "Ask school for {child}'s attendance and a teacher's view.",
    ],
    Discipline.FAMILY_SUPPORT: [
        "Two sessions with {parent} on the morning routine.",
        "Help {parent} contact the housing team about the rent arrears.",
    ],
    Discipline.DOMESTIC_ABUSE: [
        "Review the safety plan with {adult}, including contact handovers.",
        "Refer {adult} to the local recovery programme for survivors.",
    ],
    Discipline.SUBSTANCE_USE: [
        "Review the drinking diary with {adult} weekly and agree a goal.",
        "Book a joint appointment for {adult} with the recovery service.",
    ],
    Discipline.MENTAL_HEALTH: [
        "Ask {adult}'s GP about the medication review.",
        "Agree a wellbeing plan with {adult} for the family's bad days.",
    ],
}
COMPLETION_NOTES = [
    "Done: {child} seen alone; said home is calmer.",
    "Done and shared with the family and school.",
    "Completed; notes are in the workbook.",
    "Done. {parent} took part and agreed the next steps.",
    "Done: the plan was agreed with everyone at the meeting.",
]
RESCHEDULE_REASONS = [
    "The chair is on annual leave that week; moved with the team's agreement.",
    "The lead social worker is in court that day; moved so the whole team can attend.",
]


# Planning ---------------------------------------------------------------------------------------


def _weekday_before(day: dt.date) -> dt.date:
    """Meetings fall on working days: a weekend date moves back to the Friday."""
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


def _weekday_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() > 4 else 0)


@dataclass(frozen=True)
class DatePlan:
    sign_offs: tuple[dt.date, ...]
    # When the next supervision was first set for, and where it stands now (rescheduled when
    # the two differ).
    next_first_set: dt.date
    next_on: dt.date


def plan_dates(
    rng: random.Random,
    *,
    referral: dt.date,
    today: dt.date,
    anchors: Sequence[dt.date],
    state: NextState,
) -> DatePlan:
    """The sign-off dates, oldest first, and the next supervision's date. ``anchors`` are the
    days the workbook's already closed cycles closed: the latest sign-offs fall on them."""
    earliest = referral + dt.timedelta(days=FIRST_AFTER_REFERRAL_DAYS)
    wanted = rng.randint(1, MAX_SIGNED_OFF)
    if anchors:
        dates = list(anchors)
    else:
        gap = rng.randint(7, 24) if state == NextState.FUTURE else rng.randint(31, 45)
        last = _weekday_before(today - dt.timedelta(days=gap))
        dates = [last] if last >= earliest else []
    while dates and len(dates) < wanted:
        earlier = _weekday_before(dates[0] - dt.timedelta(days=INTERVAL_DAYS + rng.randint(-3, 3)))
        if earlier < earliest:
            break
        dates.insert(0, earlier)
    sign_offs = tuple(dates)
    due = (dates[-1] if dates else referral) + dt.timedelta(days=INTERVAL_DAYS)
    if state == NextState.OVERDUE and dates and due >= today:
        # Due about today (the workbook rolled over four weeks ago): set a few days early in
        # the diary, and not yet finished.
        next_on = max(
            dates[-1] + dt.timedelta(days=1), today - dt.timedelta(days=rng.randint(1, 6))
        )
        return DatePlan(sign_offs, next_on, next_on)
    if state == NextState.OVERDUE and due < today:
        next_on = _weekday_before(due)
        return DatePlan(sign_offs, next_on, next_on)
    if due > today:
        next_on = _weekday_after(due)
        return DatePlan(sign_offs, next_on, next_on)
    # Due by now but in the diary ahead: after a sign-off the meeting was moved (a reschedule).
    next_on = _weekday_after(today + dt.timedelta(days=rng.randint(3, 10)))
    return DatePlan(sign_offs, due if dates else next_on, next_on)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _text(rng: random.Random, pool: Sequence[str], names: Mapping[str, Any], *, k: int = 1) -> str:
    picked = rng.sample(list(pool), k=min(k, len(pool)))
    return " ".join(line.format(**names) for line in picked)


# The story --------------------------------------------------------------------------------------


@dataclass
class _Worker:
    user: User
    discipline: str
    adult: Person | None
    may_own_actions: bool


class _SupervisionStory:
    """Writes one open case's supervisions through the services, meeting by meeting."""

    def __init__(
        self, case: Case, chair: User, state: NextState, today: dt.date, rng: random.Random
    ) -> None:
        self.case = case
        self.chair = chair
        self.state = state
        self.today = today
        self.rng = rng
        self.created = 0
        members = list(
            FamilyMember.objects.filter(family_id=case.family_id, end_date__isnull=True)
            .select_related("person")
            .order_by("pk")
        )
        self.children = [m.person for m in members if m.household_role == HouseholdRole.CHILD]
        self.adults = [m.person for m in members if m.household_role != HouseholdRole.CHILD]
        self.parents = [
            m.person
            for m in members
            if m.household_role in (HouseholdRole.PARENT, HouseholdRole.CARER)
        ] or self.adults
        team_members = set(
            Membership.objects.active()
            .filter(team_id=case.family.owning_team_id)
            .values_list("user_id", flat=True)
        )
        self.workers = {
            a.worker_id: _Worker(a.worker, a.discipline, a.adult, a.worker_id in team_members)
            for a in Allocation.objects.filter(case=case)
            .select_related("worker", "adult")
            .order_by("start_date", "pk")
        }
        kinds = {
            s.person_id: str(s.kind)
            for s in ChildStatus.objects.filter(case=case, end_date__isnull=True).order_by(
                "start_date", "pk"
            )
        }
        self.kinds = kinds
        # The family's risk story: a starting point from the children's plans, then a drift.
        base = {
            StatusKind.CP_PLAN: 7,
            StatusKind.S47_ENQUIRY: 7,
            StatusKind.CIN_PLAN: 5,
            StatusKind.LOOKED_AFTER: 4,
        }
        start = max((base.get(StatusKind(k), 5) for k in kinds.values()), default=5)
        self.family_risk = min(RISK_CEILING, start + rng.choice([0, 1, 1]))
        self.child_offset = {c.pk: rng.choice([-1, 0, 0, 0, 1]) for c in self.children}
        self.risk: dict[int, int] = {}
        self.trend: list[int] = []
        self.stage = {a.pk: rng.randint(0, 2) for a in self.adults}

    # Names ------------------------------------------------------------------------------------

    def _names(self, child: Person | None = None, adult: Person | None = None) -> dict[str, str]:
        first_child = child or (self.children[0] if self.children else None)
        first_adult = adult or (self.parents[0] if self.parents else None)
        return {
            "child": first_child.given_name if first_child else "the children",
            "parent": self.parents[0].given_name if self.parents else "the family",
            "adult": first_adult.given_name if first_adult else "the family",
        }

    # The record -------------------------------------------------------------------------------

    def _lived_experience(self, day: dt.date) -> str:
        lines = []
        for child in self.children:
            names = self._names(child=child)
            if child.date_of_birth is None:
                pool = UNBORN_EXPERIENCE
            elif self.kinds.get(child.pk) == StatusKind.LOOKED_AFTER:
                pool = LOOKED_AFTER_EXPERIENCE
            elif (child.age_on(day) or 0) < 2:
                pool = BABY_EXPERIENCE
            else:
                pool = LIVED_EXPERIENCE
            lines.append(_text(self.rng, pool, names))
        return "\n".join(lines) or "No children live in the household at present."

    def _next_risk(self, number: int) -> int:
        """Mostly down, sometimes steady, now and then up after an incident."""
        if number > 0:
            step = self.rng.choices([-1, 0, 1, -2], weights=[5, 4, 2, 1])[0]
            self.family_risk = max(RISK_FLOOR + 1, min(RISK_CEILING - 1, self.family_risk + step))
        self.trend.append(self.family_risk)
        return self.family_risk

    def _risk(self, number: int) -> dict[str, dict[str, str]]:
        family = self._next_risk(number)
        risk: dict[str, dict[str, str]] = {}
        for child in self.children:
            scale = max(RISK_FLOOR, min(RISK_CEILING, family + self.child_offset[child.pk]))
            before = self.risk.get(child.pk)
            names = {**self._names(child=child), "scale": scale, "before": before}
            if before is None:
                pool = RISK_FIRST
            elif scale < before:
                pool = RISK_DOWN
            elif scale > before:
                pool = RISK_UP
            else:
                pool = RISK_SAME
            risk[str(child.pk)] = {"scale": str(scale), "rationale": _text(self.rng, pool, names)}
            self.risk[child.pk] = scale
        return risk

    def _readiness(self) -> dict[str, str]:
        readiness: dict[str, str] = {}
        for adult in self.adults:
            stage = self.stage[adult.pk]
            importance = min(10, 4 + stage + self.rng.randint(0, 2))
            confidence = max(1, min(importance, 2 + stage + self.rng.randint(-1, 1)))
            readiness[str(adult.pk)] = READINESS[0].format(
                stage=STAGES[stage],
                adult=adult.given_name,
                stage_text=STAGE_TEXT[stage],
                importance=importance,
                confidence=confidence,
            )
            if self.rng.random() < 0.45:
                self.stage[adult.pk] = min(len(STAGES) - 1, stage + 1)
        return readiness

    def _decisions(self, *, next_on: dt.date) -> str:
        kinds = set(self.kinds.values())
        pools = [pool for kind, pool in PLAN_DECISIONS.items() if kind in kinds]
        lines = [self.rng.choice(self.rng.choice(pools) if pools else NO_PLAN_DECISIONS)]
        if len(self.trend) >= 3 and self.trend[-1] < self.trend[-3] and self.trend[-1] <= 4:
            lines.append(STEP_DOWN_DECISION)
        elif len(self.trend) >= 2 and self.trend[-1] > self.trend[-2]:
            lines.append(ESCALATE_DECISION)
        lines.append(self.rng.choice(OTHER_DECISIONS))
        lines.append(f"Next supervision on {next_on.day} {next_on:%B %Y}.")
        return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=1))

    def _worker_updates(self, marks: Mapping[int, str]) -> dict[str, str]:
        updates: dict[str, str] = {}
        for user_id, status in marks.items():
            worker = self.workers.get(user_id)
            if worker is None:
                continue
            if status == AttendanceStatus.APOLOGIES:
                updates[str(user_id)] = APOLOGIES_UPDATE
                continue
            pool = WORKER_UPDATES.get(worker.discipline, WORKER_UPDATES[Discipline.SOCIAL_WORK])
            updates[str(user_id)] = _text(self.rng, pool, self._names(adult=worker.adult))
        return updates

    def _marks(self, supervision: GroupSupervision) -> dict[int, str]:
        marks: dict[int, str] = {}
        for row in services.supervision_attendance_sync(supervision):
            lead = row.user_id == self.case.lead_social_worker_id
            apologies = not lead and self.rng.random() < 0.15
            marks[row.user_id] = (
                AttendanceStatus.APOLOGIES if apologies else AttendanceStatus.PRESENT
            )
        return marks

    def _record(
        self, day: dt.date, number: int, marks: Mapping[int, str], next_on: dt.date
    ) -> dict[str, Any]:
        names = self._names()
        return {
            "lived_experience": self._lived_experience(day),
            "working_well": _text(self.rng, WORKING_WELL, names, k=2),
            "worried_about": _text(self.rng, WORRIES, names, k=2),
            "hypotheses": "\n".join(
                f"Hypothesis {n}: {line.format(**names)}"
                for n, line in enumerate(self.rng.sample(HYPOTHESES, k=2), start=1)
            ),
            "decisions": self._decisions(next_on=next_on),
            "worker_updates": self._worker_updates(marks),
            "risk": self._risk(number),
            "readiness": self._readiness(),
        }

    # Actions ----------------------------------------------------------------------------------

    def _owners(self, marks: Mapping[int, str]) -> list[_Worker]:
        owners = [
            w for user_id, w in self.workers.items() if user_id in marks and w.may_own_actions
        ]
        return owners or [_Worker(self.case.lead_social_worker, Discipline.SOCIAL_WORK, None, True)]

    def _add_actions(
        self,
        supervision: GroupSupervision,
        marks: Mapping[int, str],
        *,
        day: dt.date,
        count: int,
        due_window: tuple[int, int],
    ) -> list[SupervisionAction]:
        owners = self._owners(marks)
        lead = [w for w in owners if w.user.pk == self.case.lead_social_worker_id]
        chosen = (lead + self.rng.sample(owners, k=len(owners)))[:count]
        while len(chosen) < count:
            chosen.append(self.rng.choice(owners))
        actions = []
        for owner in chosen:
            pool = ACTIONS.get(owner.discipline, ACTIONS[Discipline.SOCIAL_WORK])
            template = self.rng.choice(pool)
            child = self.rng.choice(self.children) if self.children else None
            description = template.format(**self._names(child=child, adult=owner.adult))
            due = day + dt.timedelta(days=self.rng.randint(*due_window))
            actions.append(
                services.action_add(
                    actor=self.chair,
                    supervision=supervision,
                    description=description,
                    owner=owner.user,
                    due_date=due,
                    children=[child] if child is not None and "{child}" in template else [],
                )
            )
        return actions

    def _complete(self, action: SupervisionAction, on: dt.date) -> None:
        child = action.children.first()
        note = _text(self.rng, COMPLETION_NOTES, self._names(child=child))
        services.action_complete(actor=action.owner, action=action, note=note)
        SupervisionAction.objects.filter(pk=action.pk).update(
            completed_at=_at(on, self.rng.randint(9, 16), self.rng.choice([0, 15, 30, 45]))
        )

    def _settle_actions(
        self, actions: Sequence[SupervisionAction], *, held: dt.date, next_held: dt.date | None
    ) -> None:
        """Older meetings' actions are mostly done by the next meeting; a few drift overdue.
        The latest meeting's actions are a mix: due ahead, overdue, and done."""
        for action in actions:
            if next_held is not None:
                if self.rng.random() < 0.8:
                    latest = min(action.due_date, next_held - dt.timedelta(days=1), self.today)
                    done_on = held + dt.timedelta(
                        days=self.rng.randint(1, max(1, (latest - held).days))
                    )
                    self._complete(action, min(done_on, self.today))
                continue
            if action.due_date < self.today and self.rng.random() < 0.5:
                room = max(1, (min(action.due_date, self.today) - held).days)
                self._complete(action, held + dt.timedelta(days=self.rng.randint(1, room)))
            elif action.due_date >= self.today and self.rng.random() < 0.15:
                self._complete(action, self.today - dt.timedelta(days=self.rng.randint(1, 3)))

    # Writes -----------------------------------------------------------------------------------

    def tell(self, dates: DatePlan) -> int:
        workbook = workbook_open(case=self.case)
        cycles_before = list(workbook.cycles.order_by("number"))
        open_before = cycle_open(workbook=workbook)
        first_on = dates.sign_offs[0] if dates.sign_offs else dates.next_first_set
        supervision = services.supervision_schedule(
            actor=self.chair, case=self.case, scheduled_for=first_on, chair=self.chair
        )
        booked = min(first_on - dt.timedelta(days=self.rng.randint(14, 21)), self.today)
        GroupSupervision.objects.filter(pk=supervision.pk).update(created_at=_at(booked, 10))
        self.created += 1
        signed: list[GroupSupervision] = []
        pending: list[tuple[list[SupervisionAction], dt.date, dt.date | None]] = []
        for number, held in enumerate(dates.sign_offs):
            is_last = number == len(dates.sign_offs) - 1
            next_on = dates.next_first_set if is_last else dates.sign_offs[number + 1]
            supervision, marks = self._hold(supervision, held, number, next_on)
            actions = self._add_actions(
                supervision,
                marks,
                day=held,
                count=self.rng.randint(1, 3),
                due_window=(7, 35) if is_last else (7, 24),
            )
            signed_off_at = _at(held, self.rng.randint(11, 15), self.rng.choice([0, 15, 30, 45]))
            services.supervision_sign_off(actor=self.chair, supervision=supervision)
            signed.append(supervision)
            self._backdate(supervision, held, signed_off_at, actions)
            following = GroupSupervision.objects.get(
                case=self.case, status=SupervisionStatus.SCHEDULED
            )
            GroupSupervision.objects.filter(pk=following.pk).update(
                scheduled_for=next_on, created_at=signed_off_at
            )
            following.refresh_from_db()
            supervision = following
            self.created += 1
            pending.append((actions, held, None if is_last else next_on))
        for actions, held, next_held in pending:
            self._settle_actions(actions, held=held, next_held=next_held)
        if dates.next_on != dates.next_first_set:
            self._reschedule(supervision, dates)
            supervision.refresh_from_db()
        if self.state == NextState.OVERDUE and supervision.scheduled_for < self.today:
            self._part_write(supervision)
        self._lay_out_cycles(cycles_before, open_before, signed, dates.sign_offs, supervision)
        return self.created

    def _hold(
        self, supervision: GroupSupervision, held: dt.date, number: int, next_on: dt.date
    ) -> tuple[GroupSupervision, dict[int, str]]:
        marks = self._marks(supervision)
        record = self._record(held, number, marks, next_on)
        result = services.supervision_record_save(
            actor=self.chair,
            supervision_id=supervision.pk,
            record=record,
            attendance=marks,
            base_version=supervision.version,
        )
        if result.conflict is not None:
            raise RuntimeError(f"Demo supervision {supervision.pk} saved with a conflict")
        return result.supervision, marks

    def _backdate(
        self,
        supervision: GroupSupervision,
        held: dt.date,
        signed_off_at: dt.datetime,
        actions: Sequence[SupervisionAction],
    ) -> None:
        GroupSupervision.objects.filter(pk=supervision.pk).update(
            scheduled_for=held, signed_off_at=signed_off_at, updated_at=signed_off_at
        )
        SupervisionRevision.objects.filter(supervision=supervision).update(
            saved_at=signed_off_at - dt.timedelta(minutes=5)
        )
        SupervisionAction.objects.filter(pk__in=[a.pk for a in actions]).update(
            created_at=signed_off_at - dt.timedelta(minutes=10)
        )
        ChronologyEvent.objects.filter(
            source_model=GroupSupervision._meta.label_lower, source_id=supervision.pk
        ).update(occurred_at=signed_off_at, recorded_at=signed_off_at)

    def _reschedule(self, supervision: GroupSupervision, dates: DatePlan) -> None:
        services.supervision_reschedule(
            actor=self.chair,
            supervision=supervision,
            to_date=dates.next_on,
            reason=self.rng.choice(RESCHEDULE_REASONS),
        )
        when = max(
            dates.sign_offs[-1] + dt.timedelta(days=1),
            dates.next_first_set - dt.timedelta(days=self.rng.randint(3, 10)),
        )
        Reschedule.objects.filter(supervision=supervision).update(
            at=_at(min(when, self.today), 9, 30)
        )

    def _part_write(self, supervision: GroupSupervision) -> None:
        """The meeting started on the day but was not finished: part of the record is typed,
        the lead's attendance marked, nothing decided yet."""
        day = supervision.scheduled_for
        rows = services.supervision_attendance_sync(supervision)
        marks: dict[int, str] = {
            row.user_id: AttendanceStatus.PRESENT
            for row in rows
            if row.user_id == self.case.lead_social_worker_id
        }
        names = self._names()
        record: dict[str, Any] = {
            "lived_experience": self._lived_experience(day),
            "working_well": _text(self.rng, WORKING_WELL, names, k=2),
            "worried_about": _text(self.rng, WORRIES, names),
            "hypotheses": "",
            "decisions": "",
            "worker_updates": self._worker_updates(marks),
            "risk": {},
            "readiness": {},
        }
        saved = services.supervision_record_save(
            actor=self.chair,
            supervision_id=supervision.pk,
            record=record,
            attendance=marks,
            base_version=supervision.version,
        ).supervision
        started = _at(day, self.rng.randint(10, 14), 20)
        GroupSupervision.objects.filter(pk=saved.pk).update(updated_at=started)
        SupervisionRevision.objects.filter(supervision=saved).update(saved_at=started)

    def _lay_out_cycles(
        self,
        cycles_before: Sequence[Cycle],
        open_before: Cycle,
        signed: Sequence[GroupSupervision],
        held: Sequence[dt.date],
        upcoming: GroupSupervision,
    ) -> None:
        """One closed cycle per signed-off supervision, each closing on its meeting day, and
        the cycle open before the history stays open (it holds the workbook's current work).

        Sign-off rolled the workbook over today each time; those new cycles are reused for
        the history the workbook had no cycle for and the rest removed. Cycles the workbook
        had already closed stay, each reviewed by the sign-off on the day it closed."""
        workbook = open_before.workbook
        closed_before = [c for c in cycles_before if c.closed_on is not None]
        kept = {c.pk for c in closed_before}
        made = list(
            workbook.cycles.exclude(pk__in=[c.pk for c in cycles_before]).order_by("number")
        )
        extra = len(signed) - len(closed_before)
        history = made[:extra] + closed_before
        reviewed = [*history, open_before]
        for supervision, cycle in zip([*signed, upcoming], reviewed, strict=True):
            GroupSupervision.objects.filter(pk=supervision.pk).update(cycle=cycle)
        Cycle.objects.filter(pk__in=[c.pk for c in made[extra:]]).delete()
        workbook.cycles.update(number=F("number") + RENUMBER_OFFSET)
        opened_on = cycles_before[0].opened_on
        for number, (cycle, day) in enumerate(zip(history, held, strict=True), start=1):
            # A cycle the workbook had already closed keeps its day (the sign-off fell on it).
            closed_on = (cycle.closed_on if cycle.pk in kept else None) or day
            Cycle.objects.filter(pk=cycle.pk).update(
                number=number, opened_on=opened_on, closed_on=closed_on
            )
            opened_on = closed_on
        Cycle.objects.filter(pk=open_before.pk).update(
            number=len(history) + 1, opened_on=opened_on, closed_on=None
        )


def _signed_state(team_index: int, slot: int) -> NextState:
    return NextState.OVERDUE if (team_index + slot) % 3 == 1 else NextState.FUTURE


def load_demo_supervisions() -> int:
    """Add group supervision history to the demo council's open cases that have none; returns
    how many supervisions were added. Needs the demo families (``safeguarding.demo.families``); run after the
    demo workbooks (``safeguarding.demo.workbooks``) when they are loaded too."""
    today = timezone.localdate()
    chairs: dict[str, User] = {}
    slots: dict[str, int] = defaultdict(int)
    created = 0
    for plan in plan_families(today):
        if plan.journey in CLOSED_JOURNEYS:
            continue
        slot = slots[plan.team_slug]
        slots[plan.team_slug] += 1
        if plan.restricted:
            continue
        case = (
            Case.objects.filter(
                family__name=plan.name,
                family__owning_team__slug=plan.team_slug,
                status=CaseStatus.OPEN,
            )
            .select_related("family__owning_team", "lead_social_worker")
            .first()
        )
        if case is None or GroupSupervision.objects.filter(case=case).exists():
            continue
        if plan.team_slug not in chairs:
            chairs[plan.team_slug] = TeamStaff.load(plan.team_slug).manager
        team_index = TEAM_SLUGS.index(plan.team_slug)
        rng = random.Random(f"{SUPERVISION_SEED}:{plan.team_slug}:{plan.name}")
        state = _signed_state(team_index, slot)
        # One transaction per case: its supervisions are either all there or none, so the
        # check above stays a true test of "already loaded".
        with transaction.atomic():
            workbook = workbook_open(case=case)
            anchors = sorted(c.closed_on for c in workbook.cycles.all() if c.closed_on is not None)
            dates = plan_dates(
                rng, referral=case.referral_date, today=today, anchors=anchors, state=state
            )
            created += _SupervisionStory(case, chairs[plan.team_slug], state, today, rng).tell(
                dates
            )
    arrange_demo_trays(today)
    return created


# How far the tray arrangement moves an action: just overdue, or just ahead.
TRAY_OVERDUE_DAYS = 3
TRAY_DUE_SOON_DAYS = 3


def _tray_counts(user: User, today: dt.date) -> tuple[int, int]:
    """How many items the user's tray has overdue and due soon."""
    from cases.clocks.tray import tray_for_user

    rows = [row for family in tray_for_user(user, today=today).families for row in family.items]
    overdue = sum(1 for row in rows if row.overdue)
    return overdue, len(rows) - overdue


def arrange_demo_trays(today: dt.date) -> int:
    """Give every demo practitioner both something overdue and something due soon in their
    work tray (``/tray/``). First by moving one of their own open actions' due dates (never
    before its meeting, as the service requires) without taking away the only item of the
    other kind; then, for a practitioner who works with no open family, by allocating them to
    one of their team's families, as a team manager does when a worker has room; and last by
    giving them an action from the latest meeting on a family they work with, as the chair
    would have. No random draws, so the stories above stay the same; rerunning on the same
    day changes nothing. Returns how many allocations and actions were moved or added."""
    from cases.clocks.engine import due_soon_horizon

    horizon = due_soon_horizon(today)
    moved = 0
    owners = User.objects.filter(
        pk__in=SupervisionAction.objects.filter(
            status=ActionStatus.OPEN,
            case__status=CaseStatus.OPEN,
            supervision__status=SupervisionStatus.SIGNED_OFF,
        ).values("owner_id")
    ).order_by("pk")
    for user in owners:
        moved += _move_actions(user, today, horizon)
    for user in _demo_practitioners(today):
        moved += _allocate_if_idle(user, today)
        moved += _add_tray_actions(user, today)
    return moved


# Team roles whose holders work directly with families and so own items in a work tray.
PRACTITIONER_ROLES = frozenset(
    {Role.SENIOR_SOCIAL_WORKER, Role.SOCIAL_WORKER, Role.FAMILY_PRACTITIONER}
    | ADULT_SPECIALIST_ROLES
)
# How long ago the tray arrangement allocates an idle practitioner.
TRAY_ALLOCATED_DAYS_AGO = 20


def _demo_practitioners(today: dt.date) -> list[User]:
    """The demo's practitioners and team managers, who own items in a work tray."""
    return list(
        User.objects.filter(
            is_active=True,
            email__endswith=f"@{DEMO_EMAIL_DOMAIN}",
            pk__in=Membership.objects.active(today)
            .filter(role__in=PRACTITIONER_ROLES | {Role.TEAM_MANAGER})
            .values("user_id"),
        ).order_by("pk")
    )


def _works_with(user: User, today: dt.date) -> list[Case]:
    """The open cases the user leads or is allocated to, and for a team manager the team's
    unrestricted open cases (a manager takes actions from the meetings they chair), oldest
    first."""
    allocated = Allocation.objects.active(today).filter(worker=user).values("case_id")
    managed = (
        Membership.objects.active(today).filter(user=user, role=Role.TEAM_MANAGER).values("team_id")
    )
    return list(
        Case.objects.filter(status=CaseStatus.OPEN)
        .filter(
            Q(lead_social_worker=user)
            | Q(pk__in=allocated)
            | Q(family__owning_team__in=managed, family__restricted=False)
        )
        .order_by("pk")
    )


def _meetings_with_room(cases: Sequence[Case], today: dt.date) -> list[GroupSupervision]:
    """The cases' signed-off supervisions, latest first, far enough back for an action of
    theirs to be overdue today, that have room for one more action."""
    return list(
        GroupSupervision.objects.filter(
            case__in=cases,
            status=SupervisionStatus.SIGNED_OFF,
            scheduled_for__lt=today - dt.timedelta(days=TRAY_OVERDUE_DAYS),
        )
        .annotate(action_count=Count("actions"))
        .filter(action_count__lt=MAX_ACTIONS_PER_MEETING)
        .order_by("-scheduled_for", "pk")
    )


def _allocate_if_idle(user: User, today: dt.date, *, busy: bool = False) -> int:
    """Allocate a practitioner who works with no open family (or, when ``busy``, with none
    that has had a supervision) to one of their team's open, unrestricted families that has:
    the one with the fewest workers."""
    if _works_with(user, today) and not busy:
        return 0
    membership = (
        Membership.objects.active(today)
        .filter(user=user, role__in=PRACTITIONER_ROLES)
        .order_by("-is_home_team", "pk")
        .select_related("team")
        .first()
    )
    if membership is None:
        return 0
    manager = (
        Membership.objects.active(today)
        .filter(team=membership.team, role=Role.TEAM_MANAGER, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if manager is None:
        return 0
    candidates = (
        Case.objects.filter(
            status=CaseStatus.OPEN,
            family__owning_team=membership.team,
            family__restricted=False,
            supervisions__status=SupervisionStatus.SIGNED_OFF,
            supervisions__scheduled_for__lt=today - dt.timedelta(days=TRAY_OVERDUE_DAYS),
        )
        .exclude(lead_social_worker=user)
        .exclude(pk__in=Allocation.objects.active(today).filter(worker=user).values("case_id"))
        .annotate(
            workers=Count(
                "allocations",
                filter=Q(allocations__end_date__isnull=True),
                distinct=True,
            )
        )
        .select_related("family__owning_team")
        .order_by("workers", "pk")
        .distinct()
    )
    for case in candidates:
        if not _meetings_with_room([case], today):
            continue
        adult = None
        if membership.role in ADULT_SPECIALIST_ROLES:
            adult = _adult_for(case, membership.discipline)
            if adult is None:
                continue
        start = max(
            today - dt.timedelta(days=TRAY_ALLOCATED_DAYS_AGO),
            membership.start_date,
            case.referral_date,
        )
        cases_services.allocation_start(
            actor=manager.user, case=case, worker=user, adult=adult, start_date=start
        )
        return 1
    return 0


def _adult_for(case: Case, discipline: str) -> Person | None:
    """The adult a specialist works with: the demo's domestic abuse specialists work with
    victims, most often the mother; the others with the first parent or carer."""
    adults = [
        member.person
        for member in FamilyMember.objects.filter(
            family_id=case.family_id,
            household_role__in=(HouseholdRole.PARENT, HouseholdRole.CARER),
            end_date__isnull=True,
        )
        .select_related("person")
        .order_by("pk")
    ]
    if discipline == Discipline.DOMESTIC_ABUSE:
        adults = [person for person in adults if person.sex == Sex.FEMALE] or adults
    return adults[0] if adults else None


# Name-free wording for the actions the tray arrangement adds, by the owner's discipline.
TRAY_ACTIONS: dict[str, str] = {
    Discipline.SOCIAL_WORK: "Hold a family network meeting to agree who helps at weekends.",
    Discipline.FAMILY_SUPPORT: "Write up the routine sessions with the parents in the workbook.",
    Discipline.DOMESTIC_ABUSE: "Update the safety plan after the latest police notification.",
    Discipline.SUBSTANCE_USE: "Share the recovery service's progress report with the team.",
    Discipline.MENTAL_HEALTH: "Ask the GP surgery for an update on the medication review.",
    Discipline.POLICING: "Check for new police call-outs to the address and share them.",
    Discipline.PROBATION: "Share the latest probation supervision notes with the team.",
    Discipline.MANAGEMENT: "Book a legal planning meeting to consider pre-proceedings.",
}
MAX_ACTIONS_PER_MEETING = 3


def _add_tray_actions(user: User, today: dt.date) -> int:
    """Add an action from a recent meeting on a family they work with for each kind of tray
    item the user lacks: one just overdue, one due just ahead."""
    overdue, soon = _tray_counts(user, today)
    wanted = []
    if not overdue:
        wanted.append(today - dt.timedelta(days=TRAY_OVERDUE_DAYS))
    if not soon:
        wanted.append(today + dt.timedelta(days=TRAY_DUE_SOON_DAYS))
    if not wanted:
        return 0
    added = 0
    meetings = _meetings_with_room(_works_with(user, today), today)
    if len(meetings) < len(wanted):
        # The families they work with are restricted, unsupervised or have full action lists:
        # the team manager gives them one more family.
        added += _allocate_if_idle(user, today, busy=True)
        meetings = _meetings_with_room(_works_with(user, today), today)
    discipline = (
        Membership.objects.active(today)
        .filter(user=user)
        .order_by("-is_home_team", "pk")
        .values_list("discipline", flat=True)
        .first()
    )
    # One action a meeting: each has room for one more.
    for due, meeting in zip(wanted, meetings, strict=False):
        SupervisionAction.objects.create(
            supervision=meeting,
            case_id=meeting.case_id,
            description=TRAY_ACTIONS.get(discipline or "", TRAY_ACTIONS[Discipline.SOCIAL_WORK]),
            owner=user,
            due_date=due,
            created_at=meeting.signed_off_at or timezone.now(),
        )
        added += 1
    return added


def _move_actions(user: User, today: dt.date, horizon: dt.date) -> int:
    """Move one or two of the user's open actions so their tray has both kinds of item."""
    moved = 0
    overdue, soon = _tray_counts(user, today)
    if overdue and soon:
        return 0
    movable = list(
        SupervisionAction.objects.filter(
            owner=user,
            status=ActionStatus.OPEN,
            case__status=CaseStatus.OPEN,
            supervision__status=SupervisionStatus.SIGNED_OFF,
            supervision__scheduled_for__lt=today - dt.timedelta(days=TRAY_OVERDUE_DAYS),
        ).order_by("-due_date", "pk")
    )
    later = [a for a in movable if a.due_date > horizon]
    in_tray_soon = [a for a in movable if today <= a.due_date <= horizon]
    in_tray_overdue = [a for a in movable if a.due_date < today]
    if not overdue:
        pick = later[:1] or (in_tray_soon[:1] if soon > 1 else [])
    else:
        pick = later[:1] or (in_tray_overdue[:1] if overdue > 1 else [])
    if not pick:
        return 0
    due = (
        today - dt.timedelta(days=TRAY_OVERDUE_DAYS)
        if not overdue
        else today + dt.timedelta(days=TRAY_DUE_SOON_DAYS)
    )
    SupervisionAction.objects.filter(pk=pick[0].pk).update(due_date=due)
    moved += 1
    overdue, soon = _tray_counts(user, today)
    rest = [a for a in later if a.pk != pick[0].pk]
    if not soon and rest:
        SupervisionAction.objects.filter(pk=rest[0].pk).update(
            due_date=today + dt.timedelta(days=TRAY_DUE_SOON_DAYS)
        )
        moved += 1
    return moved
