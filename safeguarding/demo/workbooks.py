"""Synthetic workbook entries for the demo council's open cases (``safeguarding.demo.families``).

Each open demo case gets a workbook as its workers would have written it: the lead social
worker's family overview, an assessment and plans, statutory visits to the children on plans,
the adult specialists' assessments, case notes, Family Programme modules, and one intervention
summary per allocated worker. About half the cases have had a group supervision four weeks ago,
so their workbooks have a closed first cycle and a second one with work in progress. Entries
are in every state: drafts, submitted, authorised by the team manager, returned with a reason,
and corrections of locked entries.

Every write goes through ``workbook.services`` as the screens would make it, and every author
and authoriser is checked against ``workbook.policies`` first, so the demo never holds an entry
its author could not have written. Text comes from short hand-written templates filled with the
demo people's Faker names; nothing here could identify a real person.

Loading is idempotent: a case whose workbook already has entries is skipped, so a second run
adds nothing. Each case's random stream is seeded from the family's name, so every run writes
the same story whichever cases are skipped.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.clocks.engine import ASSESSMENT_WORKING_DAYS, next_visit_due
from cases.models import (
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    FamilyMember,
    HouseholdRole,
    Person,
    StatusKind,
)
from cases.policies import FamilyPermissions, cases_with_basis, family_permissions
from safeguarding.demo.families import CLOSED_JOURNEYS, TEAM_SLUGS, TeamStaff, plan_families
from safeguarding.lib.working_days import add_working_days
from teams.models import User
from teams.roles import Discipline
from workbook import services
from workbook.forms_catalogue import DASH_HIGH_RISK_THRESHOLD, StageOfChange
from workbook.models import Entry, EntryStatus
from workbook.policies import can_author, entry_permissions
from workbook.registry import get_form_spec
from workbook.selectors import form_context

WORKBOOK_SEED = 20_260_301
# Group supervision signed off the first cycle this long ago, for about half the open cases.
ROLL_OVER_DAYS_AGO = 28
# A case referred more recently than this before the roll-over keeps a single cycle.
MIN_FIRST_CYCLE_DAYS = 21
# Contacts and visits fall in the last few weeks of a cycle, as a supervision reviews them.
RECENT_WORK_DAYS = 60

# Which open case in each team (its open slot in ``safeguarding.demo.families``) gets which story. Slot 1 is
# the restricted family: its team manager cannot see it, so its entries that need authorising
# stay submitted. Most assessments are authorised; in alternate teams one waits for the manager
# or has been returned to the social worker.
WAITING_ASSESSMENT_SLOT = 3
CORRECTED_ASSESSMENT_SLOT = 5
CORRECTED_NOTE_SLOT = 2

PLAN_KINDS = {StatusKind.CIN_PLAN: "cin", StatusKind.CP_PLAN: "cp"}
VISIT_KINDS = frozenset({StatusKind.CIN_PLAN, StatusKind.CP_PLAN, StatusKind.LOOKED_AFTER})
SPECIALIST_DISCIPLINES = frozenset(
    {Discipline.DOMESTIC_ABUSE, Discipline.SUBSTANCE_USE, Discipline.MENTAL_HEALTH}
)
# Under this age a child is seen with a parent close by, not alone.
SEEN_ALONE_FROM_AGE = 4


class Stage(enum.Enum):
    """How far an entry gets through its lifecycle in the demo."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    AUTHORISED = "authorised"
    RETURNED = "returned"


# Text -------------------------------------------------------------------------------------------

HOUSEHOLD_EXTRAS = [
    "The children see their maternal aunt most weekends and talk about her as someone they trust.",
    "A neighbour two doors down helps with school pick-ups when the adults work late.",
    "The family attend a local church where the children go to a Saturday club.",
    "Friends from the children's primary school are an important part of the family's week.",
]
FAMILY_ACCOUNTS = [
    "'We know things got bad last year. We want people to see how hard we are trying now.'",
    "'I didn't ask for social workers, but if it helps the kids then I'll do it.'",
    "'Everyone keeps asking the same questions. We want one plan and people who stick around.'",
    "'The shouting has stopped. We still argue, but we go outside now, away from the kids.'",
    "'Money is the big thing. When the electric runs out everything else falls apart.'",
]
STRENGTHS = [
    "The children are warmly attached to {parent} and go to them for comfort.",
    "{parent} has kept every appointment with the team over the last month.",
    "The children's school attendance has improved and teachers describe them as settled.",
    "There is a wider family network willing to help, especially at weekends.",
    "{parent} is honest about past difficulties and can name what needs to change.",
    "The home is warm, with food in the cupboards and a bedtime routine that mostly holds.",
]
WORRIES = [
    "Arguments between the adults late at night, which the children can hear.",
    "{parent}'s alcohol use at weekends and its effect on morning routines.",
    "Missed health appointments, including the children's dental checks.",
    "Periods of low mood when {parent} struggles to get out of bed.",
    "Rent arrears and the risk of the family losing their tenancy.",
    "The children going to school hungry on Mondays.",
]
GENOGRAM_NOTES = [
    "Maternal grandparents live nearby; paternal family in another county with little contact.",
    "The children's half-sibling lives with their father and visits in the holidays.",
    "Genogram completed with the family at the second home visit; copy on file.",
]
WORK_DONE: dict[str, list[str]] = {
    Discipline.SOCIAL_WORK: [
        "Home visits every ten working days, including one unannounced visit.",
        "Direct work with the children using the three houses tool.",
        "A family network meeting to agree who helps with school mornings.",
        "Joint visit with the domestic abuse specialist to talk about safety planning.",
    ],
    Discipline.FAMILY_SUPPORT: [
        "Weekly sessions on routines, meal planning and getting to school on time.",
        "Helped {parent} set up a budget and contact the energy supplier.",
        "Modelled bedtime routines and praised consistent boundaries.",
    ],
    Discipline.DOMESTIC_ABUSE: [
        "Safety planning sessions with {adult}, including a plan for the children.",
        "Completed the DASH checklist and shared the outcome with the lead social worker.",
        "Psycho-education on coercive control and its effect on children.",
    ],
    Discipline.SUBSTANCE_USE: [
        "Motivational interviewing sessions with {adult} every week.",
        "Agreed a drinking diary and reviewed it together at each session.",
        "Referral to the local recovery service's evening group.",
    ],
    Discipline.MENTAL_HEALTH: [
        "Fortnightly sessions with {adult} focusing on low mood and sleep.",
        "Liaison with the GP about medication review.",
        "Worked on a wellbeing plan that {adult} shares with the family.",
    ],
}
PROGRESS = [
    "School attendance is up and the children arrive on time most days.",
    "The home conditions have been consistently good at the last three visits.",
    "Some progress: the routines hold on weekdays but weekends remain difficult.",
    "Progress has stalled since the last supervision; the actions on housing are not done.",
    "The adults are working with every service in the plan and the children notice the change.",
]
ANALYSIS = [
    "Change is real but fragile; it depends on the adults keeping up support once we step back.",
    "The children are safer than at referral, but the pattern of crisis at weekends continues.",
    "Motivation is good; confidence is lower, so small achievable steps matter most now.",
    "The family responds well to consistent workers; changes of worker have set progress back.",
    "The risk now is drift: the plan needs clear dates and someone accountable for each action.",
]
CONTACTS = {
    "home_visit": "Home visit to see the family and talk through the plan.",
    "office": "Office appointment to review progress and agree next steps.",
    "phone": "Phone call to follow up on actions from the last visit.",
    "group_session": "Family Programme group session at the children's centre.",
    "meeting": "Core group meeting with school, health and the family.",
}
WHAT_HAPPENED = [
    "We talked about what has gone well since the last contact and what has been hard. {parent} was open and reflective.",
    "{child} showed me their new school reading book and read a page aloud. {parent} joined in and praised them.",
    "We reviewed each action in the plan. Two are done; the referral to the housing team is still outstanding.",
    "{parent} was tired and found it hard to focus. We agreed a shorter visit and a follow-up call tomorrow.",
    "We used the scaling questions to see where {parent} thinks things are now; they gave a 6, up from 4.",
]
FACTS = [
    "There was fresh food in the fridge and cupboards.",
    "{child} was wearing clean clothes suitable for the weather.",
    "The broken window in the kitchen has been repaired.",
    "{parent} showed me the letter confirming the GP appointment.",
    "{child}'s bedroom had a made bed, toys and a working light.",
]
OPINIONS = [
    "{parent} seemed more settled than at the last visit and spoke about the worries without becoming defensive.",
    "In my view the bedtime routine is becoming more consistent.",
    "{child} appeared relaxed and comfortable with {parent}, going to them for comfort.",
    "I think {parent} is starting to link their own childhood to their parenting.",
]
THIRD_PARTY = [
    ("{child}'s attendance this half term is 93%, up from 81%.", "Class teacher"),
    (
        "{child} has arrived hungry on two Mondays this month.",
        "School designated safeguarding lead",
    ),
    ("{parent} attended two of three appointments this month.", "GP practice"),
    (
        "Police attended after a neighbour reported shouting; no arrests were made.",
        "Police domestic abuse officer",
    ),
    ("{child}'s weight and development are on track.", "Health visitor"),
]
SIGNIFICANT_SUMMARIES = [
    "{parent} told us they have ended the relationship and changed the locks",
    "Police attended the home after a reported argument; the children were asleep upstairs",
    "{parent} disclosed drinking again at weekends after three months without alcohol",
    "{child} told their teacher they are frightened when the adults argue",
    "The family's tenancy is secure after the rent arrears were paid off",
]
CHILD_VIEWS = [
    "{child} said home is 'better now' and that they like it when {parent} walks them to school.",
    "{child} drew their family and put everyone smiling; they said the worst thing is the shouting.",
    "{child} said they want to stay with {parent} and want the social worker to 'stop worrying'.",
    "{child} said they like their new bedroom and that bedtimes are earlier now.",
]
BABY_VIEWS = [
    "{child} is too young to share views in words; they were alert, babbled and reached for {parent}.",
    "{child} settled quickly when {parent} picked them up and made good eye contact.",
]
UNBORN_VIEWS = [
    "The baby is not yet born. We talked with {parent} about preparing the home and the birth plan.",
]
LIVED_EXPERIENCE = [
    "{child}'s day starts with breakfast at home most days now; mornings are calmer than in the summer.",
    "{child} spends evenings at home with {parent}; weekends are less predictable.",
    "{child} has a consistent bedtime during the week and goes to an after-school club on Wednesdays.",
    "{child} sometimes looks after younger siblings when the adults argue.",
]
OBSERVATIONS = [
    "The home was warm and tidy. {child} moved freely around the house and was confident with {parent}.",
    "{parent} responded warmly when {child} was upset and used calm, clear boundaries.",
    "The kitchen was clean and there was food for the week. {child}'s room was well kept.",
    "{child} was quiet at first but chatted once we played a game together.",
]
NOT_SEEN_ALONE = [
    "{child} was unwell and wanted {parent} nearby; I will see them alone at the next visit.",
    "{child} did not want to talk without {parent}; we agreed to try at school next time.",
]
ASSESSMENT_ANALYSIS = [
    "The children's needs are largely met day to day, but the adults' {factor} means care is inconsistent and the children are exposed to conflict.",
    "{parent} recognises the impact of {factor} on the children and has engaged with the team from the start; the home is warm and the children attached.",
    "The main risk is {factor}: when it escalates, supervision and routines break down. Protective factors are the wider family and the school.",
]
RETURN_REASONS = [
    "Please link each factor to what it means for the children's daily lives, then resubmit.",
    "Please add the children's own views and say which factors apply to each adult before I authorise.",
]
PLAN_OUTCOMES = [
    "{child} is safe, warm and fed, and at school on time every day.",
    "{child} lives in a calm home where the adults manage conflict without shouting.",
    "{child}'s health appointments are kept and their development stays on track.",
]
PLAN_ACTIONS = [
    "{parent}: attend every session with the specialist worker, weekly. Social worker: visit every ten working days. School: report any absence on the day.",
    "{parent}: breakfast club referral by the end of the month. Family practitioner: routine sessions weekly for eight weeks.",
    "Health visitor: developmental check within four weeks. {parent}: keep a weekly budget with the family practitioner.",
]
CONTINGENCIES = [
    "If the actions are not met, a family network meeting within five working days and a review of the plan.",
    "If there is a further police call-out, a strategy discussion the same day.",
    "If {child} is not seen for two visits, the team manager reviews the plan and considers escalation.",
]
REFLECTIONS = [
    "'I didn't realise how much the kids notice. I want them to remember the good bits.'",
    "'The session on routines helped. Bedtime is still hard but we are getting there.'",
    "'It's hard to talk about my own childhood but I can see why it matters.'",
    "'I found it useful to hear other parents say the same things.'",
]
PROGRAMME_ANALYSIS = [
    "{parent} engages well and links the module to daily life with the children.",
    "{parent} understands the ideas but finds it harder to apply them under pressure.",
    "Good attendance; the next step is practising the strategies between sessions.",
]
DA_ANALYSIS = [
    "{adult} describes controlling behaviour over several years, escalating when money is tight. Safety planning is in place.",
    "{adult} is clear the relationship has ended; the risk is around contact handovers.",
]
SUBSTANCES = ["Alcohol", "Alcohol and cannabis", "Cannabis", "Cocaine at weekends"]
SU_ANALYSIS = [
    "{adult} drinks most evenings and has started to reduce with a drinking diary.",
    "{adult} recognises the effect of use on mornings with the children and has set a goal.",
]
MH_NEEDS = [
    "Low mood and anxiety over the past year, worse in the winter; poor sleep.",
    "Panic attacks when leaving the house; avoids busy places, including the school gate.",
]
MH_SERVICES = ["GP and NHS Talking Therapies", "Community mental health team; GP medication review"]
MH_ANALYSIS = [
    "{adult}'s mood affects the children's routines on bad days; {adult} has a wellbeing plan and shares it.",
    "{adult} is motivated to get well and the children benefit when support is consistent.",
]


def _first(people: Sequence[Person]) -> str:
    return people[0].given_name if people else "the family"


def _join_names(people: Sequence[Person | str]) -> str:
    names = [p if isinstance(p, str) else p.given_name for p in people]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _date_answers(name: str, day: dt.date) -> dict[str, str]:
    """A GovukDateField's three inputs: ``<name>_0`` day, ``<name>_1`` month, ``<name>_2`` year."""
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


# The story ----------------------------------------------------------------------------------------


class _WorkbookStory:
    """Writes one open case's workbook through the services, cycle by cycle."""

    def __init__(
        self, case: Case, team_index: int, slot: int, manager: User, today: dt.date
    ) -> None:
        self.case = case
        self.team_index = team_index
        self.slot = slot
        self.manager = manager
        self.today = today
        self.rng = random.Random(
            f"{WORKBOOK_SEED}:{case.family.owning_team.slug}:{case.family.name}"
        )
        self.created = 0
        self.context = form_context(case)
        members = list(
            FamilyMember.objects.filter(family_id=case.family_id, end_date__isnull=True)
            .select_related("person")
            .order_by("pk")
        )
        self.children = [m.person for m in members if m.household_role == HouseholdRole.CHILD]
        self.parents = [
            m.person
            for m in members
            if m.household_role in (HouseholdRole.PARENT, HouseholdRole.CARER)
        ]
        self.adults: list[Person] = self.context["adults"]
        self.allocations = list(
            Allocation.objects.active(today)
            .filter(case=case)
            .select_related("worker", "adult")
            .order_by("start_date", "pk")
        )
        self.lead = case.lead_social_worker
        self.statuses = list(
            ChildStatus.objects.filter(case=case, end_date__isnull=True).order_by(
                "start_date", "pk"
            )
        )
        roll_on = today - dt.timedelta(days=ROLL_OVER_DAYS_AGO)
        rolls = slot % 2 == 0 and (roll_on - case.referral_date).days >= MIN_FIRST_CYCLE_DAYS
        self.roll_on: dt.date | None = roll_on if rolls else None
        self._perms: dict[int, FamilyPermissions | None] = {}
        self.entries: dict[str, list[Entry]] = defaultdict(list)

    # Dates and helpers ------------------------------------------------------------------------

    def _day(self, low: dt.date, high: dt.date) -> dt.date | None:
        if high < low:
            return None
        return low + dt.timedelta(days=self.rng.randint(0, (high - low).days))

    def _recent_day(self, low: dt.date, high: dt.date) -> dt.date | None:
        return self._day(max(low, high - dt.timedelta(days=RECENT_WORK_DAYS)), high)

    def _cycle_window(self, cycle: int) -> tuple[dt.date, dt.date]:
        if cycle == 1:
            return self.case.referral_date, self.roll_on or self.today
        assert self.roll_on is not None
        return self.roll_on + dt.timedelta(days=1), self.today

    def _text(
        self, pool: Sequence[str], names: Mapping[str, str] | None = None, *, k: int = 1
    ) -> str:
        picked = self.rng.sample(list(pool), k=min(k, len(pool)))
        return " ".join(line.format(**(names or {})) for line in picked)

    def _names(self, child: Person | None = None, adult: Person | None = None) -> dict[str, str]:
        return {
            "parent": _first(self.parents),
            "child": child.given_name if child else _first(self.children),
            "adult": adult.given_name if adult else _first(self.parents),
        }

    def _workers(self, disciplines: frozenset[str] | None = None) -> list[Allocation]:
        return [a for a in self.allocations if disciplines is None or a.discipline in disciplines]

    def _lead_allocation(self) -> Allocation:
        lead = next(
            (a for a in self.allocations if a.worker_id == self.lead.pk),
            None,
        )
        if lead is None or lead.discipline != Discipline.SOCIAL_WORK:
            raise RuntimeError(f"Demo case {self.case.pk} has no allocated lead social worker")
        return lead

    def _permissions(self, user: User) -> FamilyPermissions | None:
        if user.pk not in self._perms:
            visible = (
                cases_with_basis(user)
                .filter(pk=self.case.pk)
                .select_related("family__owning_team")
                .first()
            )
            self._perms[user.pk] = None if visible is None else family_permissions(user, visible)
        return self._perms[user.pk]

    # Writes -----------------------------------------------------------------------------------

    def _write(
        self,
        author: User,
        slug: str,
        answers: dict[str, Any],
        *,
        stage: Stage,
        subject: Person | None = None,
        summary: str = "",
        corrects: Entry | None = None,
    ) -> Entry:
        spec = get_form_spec(slug)
        assert spec is not None
        perms = self._permissions(author)
        if perms is None or not can_author(author, self.case, spec, perms):
            raise RuntimeError(
                f"Demo author {author.pk} may not write {slug} on case {self.case.pk}"
            )
        if corrects is not None:
            entry = services.entry_correct(actor=author, entry=corrects)
        else:
            entry = services.entry_start(
                actor=author, case=self.case, form_slug=slug, subject_person=subject
            )
        self.created += 1
        entry = services.entry_save(
            actor=author,
            entry_id=entry.pk,
            answers=answers,
            base_version=entry.version,
            significant=bool(summary),
            significant_summary=summary,
        ).entry
        if stage != Stage.DRAFT:
            entry = services.entry_submit(actor=author, entry=entry, context=self.context)
            manager_perms = self._permissions(self.manager)
            decides = manager_perms is not None and (
                entry_permissions(self.manager, entry, self.case, manager_perms).can_authorise
            )
            # A restricted family's manager cannot see it: its entries wait for someone who can.
            if stage == Stage.AUTHORISED and decides:
                entry = services.entry_authorise(actor=self.manager, entry=entry)
            elif stage == Stage.RETURNED and decides:
                entry = services.entry_return(
                    actor=self.manager, entry=entry, reason=self._text(RETURN_REASONS)
                )
        self.entries[slug].append(entry)
        return entry

    def tell(self) -> int:
        self._lead_allocation()
        visits = self._plan_visits()
        self._family_overview(Stage.SUBMITTED)
        self._assessment()
        self._adult_assessments()
        self._plans()
        self._visits(visits, cycle=1)
        self._case_notes(cycle=1, count=2 if self.roll_on else self.rng.randint(2, 4))
        self._family_programme(cycle=1)
        self._intervention_summaries(cycle=1, stage=Stage.SUBMITTED)
        if self.roll_on is not None:
            services.cycle_roll_over(
                actor=self.manager,
                workbook=services.workbook_open(case=self.case),
                on=self.roll_on,
            )
            self._family_overview(Stage.DRAFT)
            self._visits(visits, cycle=2)
            self._case_notes(cycle=2, count=self.rng.randint(1, 2))
            self._family_programme(cycle=2)
            self._intervention_summaries(cycle=2, stage=Stage.DRAFT)
        self._corrections()
        return self.created

    # Forms ------------------------------------------------------------------------------------

    def _family_overview(self, stage: Stage) -> None:
        names = self._names()
        household = f"{_join_names(self.adults)} live with {_join_names(self.children)}."
        answers = {
            "household": f"{household} {self._text(HOUSEHOLD_EXTRAS)}",
            "family_account": self._text(FAMILY_ACCOUNTS),
            "strengths": self._text(STRENGTHS, names, k=2),
            "worries": self._text(WORRIES, names, k=2),
            "genogram_notes": self._text(GENOGRAM_NOTES) if self.rng.random() < 0.6 else "",
        }
        self._write(self.lead, "family-overview", answers, stage=stage)

    def _intervention_summaries(self, *, cycle: int, stage: Stage) -> None:
        _, end = self._cycle_window(cycle)
        workers = [a for a in self._workers() if a.start_date <= end]
        if cycle == 2:
            # Mid-cycle: the lead has started their chapter; others may not have yet.
            workers = [a for a in workers if a.worker_id == self.lead.pk or self.rng.random() < 0.5]
        for allocation in workers:
            names = self._names(adult=allocation.adult)
            answers: dict[str, Any] = {
                "work_done": self._text(
                    WORK_DONE.get(allocation.discipline, WORK_DONE[Discipline.SOCIAL_WORK]),
                    names,
                    k=2,
                ),
                "progress": self._text(PROGRESS),
                "analysis": self._text(ANALYSIS),
            }
            stages = [value for value, _ in StageOfChange.CHOICES]
            for adult in self.adults:
                importance = self.rng.randint(4, 10)
                answers[f"stage_{adult.pk}"] = self.rng.choice(stages)
                answers[f"importance_{adult.pk}"] = str(importance)
                answers[f"confidence_{adult.pk}"] = str(self.rng.randint(2, importance))
            self._write(allocation.worker, "intervention-summary", answers, stage=stage)

    def _case_notes(self, *, cycle: int, count: int) -> None:
        start, end = self._cycle_window(cycle)
        significant_done = bool(self.entries["case-note"])
        for number in range(count):
            allocation = self.rng.choice(self._workers())
            day = self._recent_day(max(start, allocation.start_date), end)
            if day is None:
                continue
            child = self.rng.choice(self.children) if self.children else None
            names = self._names(child=child, adult=allocation.adult)
            subject = self.rng.choice([None, None, child, allocation.adult])
            contact_type = self.rng.choice(list(CONTACTS))
            third_text, source = self.rng.choice(THIRD_PARTY)
            answers: dict[str, Any] = {
                **_date_answers("contact_date", day),
                "contact_type": contact_type,
                "present": _join_names([*self.parents[:1], *([child] if child else []), "me"]),
                "what_happened": f"{CONTACTS[contact_type]} {self._text(WHAT_HAPPENED, names)}",
                "statement_1": self._text(FACTS, names),
                "statement_1_kind": "fact",
                "statement_2": self._text(OPINIONS, names),
                "statement_2_kind": "opinion",
                "statement_3": third_text.format(**names),
                "statement_3_kind": "third_party",
                "statement_3_source": source,
            }
            summary = ""
            if not significant_done:
                summary = self._text(SIGNIFICANT_SUMMARIES, names)
                significant_done = True
            last_of_current = cycle == (2 if self.roll_on else 1) and number == count - 1
            stage = Stage.DRAFT if last_of_current and self.rng.random() < 0.5 else Stage.SUBMITTED
            self._write(
                allocation.worker,
                "case-note",
                answers,
                stage=stage,
                subject=subject,
                summary=summary,
            )

    def _plan_visits(self) -> list[tuple[dt.date, Person]]:
        """Statutory visits to children on plans. Siblings on the same plan are seen together.
        The latest visit is the one the child's status records, so a family whose visits are
        overdue in ``safeguarding.demo.families`` stays overdue."""
        by_child: dict[int, list[ChildStatus]] = defaultdict(list)
        groups: dict[tuple[str, dt.date], list[ChildStatus]] = defaultdict(list)
        for status in self.statuses:
            if status.kind in VISIT_KINDS:
                by_child[status.person_id].append(status)
                groups[(status.kind, status.start_date)].append(status)
        people = {p.pk: p for p in self.children}
        visits: list[tuple[dt.date, Person]] = []
        for statuses in groups.values():
            lower = max(s.start_date for child in statuses for s in by_child[child.person_id])
            status = statuses[0]
            last = status.last_visit_date
            due = next_visit_due(status)
            if due is not None and due < self.today:
                latest = last if last is not None and last >= lower else None
            else:
                latest = self._day(max(lower, last or lower), self.today)
            if latest is None:
                continue
            days = [latest]
            earlier_high = min(self.roll_on or latest, latest) - dt.timedelta(days=1)
            if self.roll_on is not None or self.rng.random() < 0.5:
                earlier = self._day(max(lower, earlier_high - dt.timedelta(days=35)), earlier_high)
                if earlier is not None:
                    days.append(earlier)
            visits.extend(
                (day, people[s.person_id])
                for day in sorted(days)
                for s in statuses
                if s.person_id in people
            )
        return visits

    def _visits(self, visits: list[tuple[dt.date, Person]], *, cycle: int) -> None:
        start, end = self._cycle_window(cycle)
        latest = {
            child.pk: max(day for day, c in visits if c.pk == child.pk) for _, child in visits
        }
        visitors = self._workers(frozenset({Discipline.SOCIAL_WORK, Discipline.FAMILY_SUPPORT}))
        for day, child in visits:
            if not start <= day <= end:
                continue
            author = self.lead if self.rng.random() < 0.7 else self.rng.choice(visitors).worker
            names = self._names(child=child)
            age = child.age_on(day)
            seen = day == latest[child.pk] or self.rng.random() >= 0.15
            if child.date_of_birth is None:
                views, seen_alone, reason = (
                    UNBORN_VIEWS,
                    "no",
                    "The baby is not born yet: seen through the expectant mother.",
                )
            elif age is not None and age < SEEN_ALONE_FROM_AGE:
                views, seen_alone, reason = (
                    BABY_VIEWS,
                    "no",
                    f"{child.given_name} is too young to be seen alone; observed with {names['parent']} close by.",
                )
            elif self.rng.random() < 0.2:
                views, seen_alone, reason = CHILD_VIEWS, "no", self._text(NOT_SEEN_ALONE, names)
            else:
                views, seen_alone, reason = CHILD_VIEWS, "yes", ""
            answers: dict[str, Any] = {
                **_date_answers("visit_date", day),
                "announced": self.rng.choice(["yes", "yes", "no"]),
                "child_seen": "yes" if seen else "no",
                "seen_alone": seen_alone if seen else "",
                "not_seen_alone_reason": reason if seen else "",
                "bedroom_seen": "yes" if seen and self.rng.random() < 0.8 else "no",
                "child_views": self._text(views, names)
                if seen
                else f"{child.given_name} was not at home; {names['parent']} said they were at a friend's house.",
                "lived_experience": self._text(LIVED_EXPERIENCE, names),
                "observations": self._text(OBSERVATIONS, names),
            }
            self._write(author, "statutory-visit", answers, stage=Stage.SUBMITTED, subject=child)

    def _assessment(self) -> None:
        if not self.children:
            return
        child = self.children[0]
        on_plan = [s for s in self.statuses if s.kind in VISIT_KINDS]
        factors = self.rng.sample([code for code, _ in self.context["cin_factors"]], k=2)
        labels = dict(self.context["cin_factors"])
        names = self._names(child=child)
        answers: dict[str, Any] = {
            **_date_answers("referral_date", self.case.referral_date),
            "factors": factors,
            "analysis": self._text(
                ASSESSMENT_ANALYSIS,
                {**names, "factor": labels[factors[0]].split(" (")[0].lower()},
                k=2,
            ),
        }
        if not on_plan:
            # Still being assessed (the section 47 enquiry is under way): work in progress.
            answers["outcome"] = ""
            self._write(self.lead, "assessment", answers, stage=Stage.DRAFT, subject=child)
            return
        _, end = self._cycle_window(1)
        # Completed when the first plan was agreed, or by the 45-working-day timescale.
        first_plan = ChildStatus.objects.filter(case=self.case, kind__in=VISIT_KINDS).earliest(
            "start_date"
        )
        completed = min(
            first_plan.start_date,
            add_working_days(self.case.referral_date, ASSESSMENT_WORKING_DAYS - 5),
            end,
        )
        has_cin = any(s.kind == StatusKind.CIN_PLAN for s in on_plan)
        answers.update(_date_answers("completed_date", max(completed, self.case.referral_date)))
        answers["outcome"] = "cin_plan" if has_cin else "s47"
        stage = Stage.AUTHORISED
        if self.slot == WAITING_ASSESSMENT_SLOT:
            stage = Stage.SUBMITTED if self.team_index % 2 == 0 else Stage.RETURNED
        self._write(self.lead, "assessment", answers, stage=stage, subject=child)

    def _adult_assessments(self) -> None:
        for allocation in self._workers(SPECIALIST_DISCIPLINES):
            adult = allocation.adult
            if adult is None or adult not in self.adults:
                continue
            names = self._names(adult=adult)
            answers: dict[str, Any] = {"specialism": allocation.discipline}
            if allocation.discipline == Discipline.DOMESTIC_ABUSE:
                score = self.rng.randint(5, 20)
                level = (
                    "high"
                    if score >= DASH_HIGH_RISK_THRESHOLD
                    else ("medium" if score >= 9 else "standard")
                )
                answers.update(
                    {
                        "dash_score": str(score),
                        "risk_level": level,
                        "analysis": self._text(DA_ANALYSIS, names),
                    }
                )
                if level == "high":
                    answers.update(
                        _date_answers(
                            "marac_date", self.today + dt.timedelta(days=self.rng.randint(5, 20))
                        )
                    )
            elif allocation.discipline == Discipline.SUBSTANCE_USE:
                substances = self.rng.choice(SUBSTANCES)
                audit = (
                    self.rng.randint(8, 28) if "Alcohol" in substances else self.rng.randint(0, 7)
                )
                answers.update(
                    {
                        "substances": substances,
                        "audit_score": str(audit),
                        "treatment_engagement": self.rng.choice(
                            ["not_engaged", "partly", "engaged"]
                        ),
                        "analysis": self._text(SU_ANALYSIS, names),
                    }
                )
            else:
                answers.update(
                    {
                        "presenting_needs": self.rng.choice(MH_NEEDS),
                        "services_involved": self.rng.choice(MH_SERVICES),
                        "analysis": self._text(MH_ANALYSIS, names),
                    }
                )
            stage = Stage.AUTHORISED if self.rng.random() < 0.7 else Stage.SUBMITTED
            self._write(allocation.worker, "adult-assessment", answers, stage=stage, subject=adult)

    def _plans(self) -> None:
        people = {p.pk: p for p in self.children}
        for status in self.statuses:
            plan_type = PLAN_KINDS.get(StatusKind(status.kind))
            child = people.get(status.person_id)
            if plan_type is None or child is None:
                continue
            booked = status.next_review_date
            if booked is not None and booked > self.today:
                review, stage = booked, Stage.AUTHORISED
            elif plan_type == "cin":
                review, stage = (
                    self.today + dt.timedelta(weeks=self.rng.randint(6, 12)),
                    Stage.AUTHORISED,
                )
            else:
                # No review conference booked yet: authorising would book one, and the demo
                # caseload shows that review falling due. The plan waits for the manager.
                review, stage = self.today + dt.timedelta(weeks=4), Stage.SUBMITTED
            names = self._names(child=child)
            answers = {
                "plan_type": plan_type,
                "outcomes": self._text(PLAN_OUTCOMES, names, k=2),
                "actions": self._text(PLAN_ACTIONS, names),
                "contingency": self._text(CONTINGENCIES, names),
                **_date_answers("next_review_date", review),
            }
            self._write(self.lead, "plan", answers, stage=stage, subject=child)

    def _family_programme(self, *, cycle: int) -> None:
        modules: list[tuple[str, str]] = self.context["modules"]
        if not modules or not self.parents:
            return
        practitioners = self._workers(frozenset({Discipline.FAMILY_SUPPORT}))
        allocation = practitioners[0] if practitioners else self.rng.choice(self._workers())
        done = len(self.entries["family-programme"])
        parent = self.parents[0]
        names = self._names(adult=parent) | {"parent": parent.given_name}
        if cycle == 1:
            count = self.rng.randint(1, 2)
            statuses = ["completed"] * (count - 1) + [self.rng.choice(["completed", "in_progress"])]
        else:
            count, statuses = 1, ["in_progress"]
        for index, status in enumerate(statuses[:count]):
            module, _ = modules[(done + index) % len(modules)]
            answers = {
                "module": module,
                "sessions_held": str(self.rng.randint(2, 4) if status == "completed" else 1),
                "status": status,
                "reflections": self._text(REFLECTIONS),
                "analysis": self._text(PROGRAMME_ANALYSIS, names),
            }
            stage = Stage.DRAFT if cycle == 2 else Stage.SUBMITTED
            self._write(allocation.worker, "family-programme", answers, stage=stage, subject=parent)

    def _corrections(self) -> None:
        """A worker corrects a locked entry: a new draft that points at the original."""
        if self.slot == CORRECTED_NOTE_SLOT:
            notes = [e for e in self.entries["case-note"] if e.status == EntryStatus.SUBMITTED]
            if notes:
                note = notes[0]
                answers = dict(note.data)
                answers["statement_1"] = (
                    f"{answers.get('statement_1', '')} (Corrected: I recorded this against the wrong visit.)"
                )
                self._write(
                    note.author,
                    "case-note",
                    answers,
                    stage=Stage.SUBMITTED,
                    subject=note.subject_person,
                    summary=note.significant_summary,
                    corrects=note,
                )
        if self.slot == CORRECTED_ASSESSMENT_SLOT:
            authorised = [
                e for e in self.entries["assessment"] if e.status == EntryStatus.AUTHORISED
            ]
            if authorised:
                original = authorised[0]
                answers = dict(original.data)
                answers["analysis"] = (
                    f"{answers.get('analysis', '')} Correction: the factors were agreed with both parents at the feedback visit."
                )
                self._write(
                    original.author,
                    "assessment",
                    answers,
                    stage=Stage.DRAFT,
                    subject=original.subject_person,
                    corrects=original,
                )


def load_demo_workbooks() -> int:
    """Add workbook entries to the demo council's open cases that have none; returns how many
    entries were added. Needs the demo families (``safeguarding.demo.families.load_demo_families``) first."""
    today = timezone.localdate()
    managers: dict[str, User] = {}
    slots: dict[str, int] = defaultdict(int)
    created = 0
    for plan in plan_families(today):
        if plan.journey in CLOSED_JOURNEYS:
            continue
        slot = slots[plan.team_slug]
        slots[plan.team_slug] += 1
        case = (
            Case.objects.filter(
                family__name=plan.name,
                family__owning_team__slug=plan.team_slug,
                status=CaseStatus.OPEN,
            )
            .select_related("family__owning_team", "lead_social_worker")
            .first()
        )
        if case is None or Entry.objects.filter(workbook__case=case).exists():
            continue
        if plan.team_slug not in managers:
            managers[plan.team_slug] = TeamStaff.load(plan.team_slug).manager
        # One transaction per case: a workbook is either complete or empty, so the check above
        # stays a true test of "already loaded".
        with transaction.atomic():
            created += _WorkbookStory(
                case, TEAM_SLUGS.index(plan.team_slug), slot, managers[plan.team_slug], today
            ).tell()
    return created
