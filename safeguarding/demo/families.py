"""Synthetic demo families for the demo council: eight households in each of the five teams.

Each family has a history within the 24 months before today (``timezone.localdate()``), so the
demo always looks current: referrals, section 47 enquiries, child in need and child protection
plans, children looked after, adult specialists allocated to parents, warnings, statutory visits
(some overdue) and closures. Every write goes through ``cases.services``, as it would from the
screens, so the chronology and change history are the ones a user would have produced.

Names and addresses come from Faker (en_GB) and NHS numbers from the 999 test range; nothing
here could identify a real person. Loading is idempotent: a family is found by its name within
its team and only created when missing. The council's random stream is drawn in full while
planning, before the database is asked whether a family exists, and its draws never depend on
today's date, so every run plans the same families and a re-run adds nothing. Each family's
story after referral uses its own stream, seeded from the council's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import itertools
import random
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from faker import Faker

from cases import services
from cases.models import (
    Case,
    ChildStatus,
    Family,
    HouseholdRole,
    Person,
    RelationshipKind,
    Sex,
    StatusKind,
    WarningKind,
)
from cases.reference_data import CP_CATEGORIES, REFERRAL_SOURCES
from cases.validators import synthetic_nhs_number
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, SERVICES, SHARED_SPECIALIST, TEAM_START
from safeguarding.lib.working_days import add_working_days, next_working_day
from teams.models import Team, User

# Fixed: every run must plan the same families, or a re-run would add new ones.
FAMILY_SEED = 20_171_031
HISTORY_MONTHS = 24
TEAM_SLUGS = tuple(name.lower() for _, names in SERVICES.values() for name in names)

MAIN_LEAD = "sw1"
WARNING_FAMILY_LEAD = f"{MAIN_LEAD}.northgate@{DEMO_EMAIL_DOMAIN}"
"""Browser tests sign in as this worker and rely on them leading at least four open families,
one of which has an active warning. In every team the first social worker (``sw1``) leads four
of the six open families and the first of those carries the warning."""


class Journey(enum.StrEnum):
    """What happened to a family between referral and today."""

    CHILD_IN_NEED = "child_in_need"
    CHILD_IN_NEED_CLOSED = "child_in_need_closed"
    CHILD_PROTECTION = "child_protection"
    CHILD_PROTECTION_CLOSED = "child_protection_closed"
    LOOKED_AFTER = "looked_after"
    ASSESSMENT_CLOSED = "assessment_closed"
    ASSESSMENT_OPEN = "assessment_open"


# The council's 40 families by journey: about 45% child in need, 30% child protection, 10%
# looked after, the rest closed after assessment or still being assessed; a quarter closed.
# Dealt round the teams in this order, so every team has six open and two closed families.
COUNCIL_MIX: list[tuple[Journey, int]] = [
    (Journey.CHILD_IN_NEED, 15),
    (Journey.CHILD_IN_NEED_CLOSED, 3),
    (Journey.CHILD_PROTECTION, 10),
    (Journey.CHILD_PROTECTION_CLOSED, 2),
    (Journey.LOOKED_AFTER, 4),
    (Journey.ASSESSMENT_CLOSED, 5),
    (Journey.ASSESSMENT_OPEN, 1),
]
CLOSED_JOURNEYS = frozenset(
    {Journey.CHILD_IN_NEED_CLOSED, Journey.CHILD_PROTECTION_CLOSED, Journey.ASSESSMENT_CLOSED}
)
# Pre-birth referrals only make sense for a recent referral that is still open.
UNBORN_JOURNEYS = frozenset(
    {Journey.CHILD_IN_NEED, Journey.CHILD_PROTECTION, Journey.ASSESSMENT_OPEN}
)
UNBORN_REFERRAL_WITHIN_DAYS = 150

# How long ago each journey's referral was, in days. Fixed bounds, so the number of random draws
# never depends on today; each leaves room for the steps the journey takes before today.
REFERRAL_DAYS_AGO: dict[Journey, tuple[int, int]] = {
    Journey.CHILD_IN_NEED: (45, 600),
    Journey.CHILD_IN_NEED_CLOSED: (270, 700),
    Journey.CHILD_PROTECTION: (35, 540),
    Journey.CHILD_PROTECTION_CLOSED: (400, 700),
    Journey.LOOKED_AFTER: (200, 600),
    Journey.ASSESSMENT_CLOSED: (30, 700),
    Journey.ASSESSMENT_OPEN: (3, 25),
}

# Police and schools make most referrals to children's social care (CIN census).
REFERRAL_SOURCE_WEIGHTS = {"6": 12, "2A": 8, "3B": 3, "5D": 3, "3A": 2, "3E": 2, "1A": 2, "5A": 2}
REFERRAL_CODES = [code for code, _ in REFERRAL_SOURCES]
REFERRAL_WEIGHTS = [REFERRAL_SOURCE_WEIGHTS.get(code, 1) for code in REFERRAL_CODES]
# Neglect and emotional abuse are the most common initial categories nationally.
CP_CATEGORY_WEIGHTS = {"NEG": 8, "EMO": 6, "PHY": 2, "SAB": 1, "MUL": 3}
CP_CODES = [code for code, _ in CP_CATEGORIES]

# Demo core groups meet on the eighth working day after the conference (the limit is ten).
FIRST_CORE_GROUP_AFTER_WORKING_DAYS = 8
OTHER_LEADS = ("sw2", "sw3", "ssw")
STAFF_PREFIXES = ("tm", MAIN_LEAD, *OTHER_LEADS, "fp1", "fp2", "da", "mh", "su")
SPECIALISTS = ("da", "mh", "su")
REVIEWING_OFFICER = f"iro@{DEMO_EMAIL_DOMAIN}"

WARNING_DETAILS = {
    WarningKind.RISK_TO_STAFF: "An adult at the address has threatened workers. Visit in pairs and ring the duty desk when you arrive and leave.",
    WarningKind.DO_NOT_VISIT_ALONE: "Visit in pairs and by appointment, after checking the latest police information with the lead social worker.",
    WarningKind.ANIMALS: "A large dog lives at the address. Ask for it to be shut in another room before you go in.",
}
CLOSURE_NOTES = {
    "RC3": "A child arrangements order placed the children with their other parent.",
    "RC5": "The family moved away and the new local authority accepted the transfer.",
    "RC7": "The plan's outcomes were met and the family agreed to carry on with universal services.",
    "RC8": "The assessment found no need for a social work plan.",
    "RC9": "The assessment is complete and the family accepted early help support.",
}


@dataclass(frozen=True)
class PlannedPerson:
    key: str
    details: services.PersonDetails
    household_role: HouseholdRole


@dataclass(frozen=True)
class FamilyPlan:
    """Everything random about one family, decided before the database is touched."""

    team_slug: str
    name: str
    address: services.AddressDetails
    people: tuple[PlannedPerson, ...]
    relationships: tuple[tuple[str, str, RelationshipKind], ...]
    journey: Journey
    referral_date: dt.date
    referral_source: str
    lead: str
    restricted: bool
    warning: bool
    visits_overdue: bool
    shared_with_reviewing_officer: bool
    # The family's own random stream for its story after referral: drawn from the council's
    # stream whether or not the family exists, so skipping a family never shifts the next one.
    seed: int


@dataclass(frozen=True)
class Closure:
    day: dt.date
    reason: str


def _staff_email(prefix: str, slug: str) -> str:
    shared_prefix, home, guest = SHARED_SPECIALIST
    if (prefix, slug) == (shared_prefix, guest):
        slug = home
    return f"{prefix}.{slug}@{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class TeamStaff:
    team: Team
    workers: dict[str, User]

    @property
    def manager(self) -> User:
        return self.workers["tm"]

    @classmethod
    def load(cls, slug: str) -> TeamStaff:
        team = Team.objects.filter(slug=slug).first()
        emails = {_staff_email(prefix, slug): prefix for prefix in STAFF_PREFIXES}
        users = {emails[user.email]: user for user in User.objects.filter(email__in=emails)}
        if team is None or len(users) != len(emails):
            raise RuntimeError(f"Demo team {slug} is incomplete: load the demo teams first")
        return cls(team=team, workers=users)


def _earliest_referral(today: dt.date) -> dt.date:
    # Staff memberships start on TEAM_START, and a worker can only be allocated while a member.
    return max(today - relativedelta(months=HISTORY_MONTHS), TEAM_START)


class _Planner:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.earliest = _earliest_referral(today)
        self.rng = random.Random(FAMILY_SEED)
        self.faker = Faker("en_GB")
        self.faker.seed_instance(FAMILY_SEED)
        self.names: set[str] = set()
        self.nhs_numbers: set[str] = set()

    def plan(self) -> list[FamilyPlan]:
        journeys = [journey for journey, count in COUNCIL_MIX for _ in range(count)]
        plans: list[FamilyPlan] = []
        shared = False
        for index, slug in enumerate(TEAM_SLUGS):
            team_journeys = journeys[index :: len(TEAM_SLUGS)]
            self.rng.shuffle(team_journeys)
            others = OTHER_LEADS[index % 3 :] + OTHER_LEADS[: index % 3]
            open_leads = itertools.cycle(
                [MAIN_LEAD, others[0], MAIN_LEAD, others[1], MAIN_LEAD, MAIN_LEAD]
            )
            closed_leads = itertools.cycle([others[2], others[0]])
            open_slot = 0
            for journey in team_journeys:
                is_open = journey not in CLOSED_JOURNEYS
                slot = open_slot if is_open else -1
                open_slot += is_open
                share = not shared and slug == TEAM_SLUGS[0] and journey == Journey.CHILD_PROTECTION
                shared = shared or share
                plans.append(
                    self._family(
                        slug,
                        journey,
                        lead=next(open_leads) if is_open else next(closed_leads),
                        # Open slots 0 and 2 are led by sw1: the warning WARNING_FAMILY_LEAD
                        # needs, and overdue visits so that caseload shows work falling behind.
                        warning=slot == 0,
                        restricted=slot == 1,
                        forced_overdue=slot == 2,
                        shared=share,
                    )
                )
        return plans

    def _family(
        self,
        slug: str,
        journey: Journey,
        *,
        lead: str,
        warning: bool,
        restricted: bool,
        forced_overdue: bool,
        shared: bool,
    ) -> FamilyPlan:
        rng = self.rng
        low, high = REFERRAL_DAYS_AGO[journey]
        days_ago = rng.randint(low, high)
        referral = max(self.today - dt.timedelta(days=days_ago), self.earliest)
        source = rng.choices(REFERRAL_CODES, REFERRAL_WEIGHTS)[0]
        overdue = rng.random() < 0.15 or forced_overdue
        people, relationships = self._household(journey, days_ago, referral)
        surname = people[0].details.family_name
        street = self.faker.street_address().split("\n")
        address = services.AddressDetails(
            address_line_1=street[0],
            address_line_2=", ".join(street[1:]),
            town=self.faker.city(),
            postcode=self.faker.postcode(),
        )
        return FamilyPlan(
            team_slug=slug,
            name=f"The {surname} family",
            address=address,
            people=people,
            relationships=relationships,
            journey=journey,
            referral_date=referral,
            referral_source=source,
            lead=lead,
            restricted=restricted,
            warning=warning,
            visits_overdue=overdue and journey not in CLOSED_JOURNEYS,
            shared_with_reviewing_officer=shared,
            seed=rng.getrandbits(64),
        )

    def _surname(self) -> str:
        # Family names are unique across the council, so the name alone finds a family again.
        while True:
            surname = self.faker.last_name()
            if surname not in self.names:
                self.names.add(surname)
                return surname

    def _nhs_number(self, share: float) -> str:
        if self.rng.random() >= share:
            return ""
        while True:
            number = synthetic_nhs_number(self.rng)
            if number not in self.nhs_numbers:
                self.nhs_numbers.add(number)
                return number

    def _born(self, referral: dt.date, age: int) -> dt.date:
        return referral - relativedelta(years=age) - dt.timedelta(days=self.rng.randint(0, 330))

    def _household(
        self, journey: Journey, days_ago: int, referral: dt.date
    ) -> tuple[tuple[PlannedPerson, ...], tuple[tuple[str, str, RelationshipKind], ...]]:
        rng, faker = self.rng, self.faker
        children = rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]
        two_adults = rng.random() < 0.6
        second_is_carer = two_adults and rng.random() < 0.2
        separated = two_adults and not second_is_carer and rng.random() < 0.3
        lone_father = not two_adults and rng.random() < 0.15
        grandparent = rng.random() < 0.35 and children + 1 + two_adults < 6
        unborn = (
            journey in UNBORN_JOURNEYS
            and days_ago <= UNBORN_REFERRAL_WITHIN_DAYS
            and rng.random() < 0.5
        )
        surname = self._surname()

        ages = [rng.randint(0, 15)]
        for _ in range(children - 1 - unborn):
            ages.append(max(0, ages[-1] - rng.randint(1, 4)))
        eldest = ages[0]
        first_age = min(48, max(19, eldest + rng.randint(18, 26)))

        people: list[PlannedPerson] = []

        def add(key: str, role: HouseholdRole, details: services.PersonDetails) -> None:
            people.append(PlannedPerson(key, details, role))

        first_sex = Sex.MALE if lone_father else Sex.FEMALE
        first_given = faker.first_name_male() if lone_father else faker.first_name_female()
        add(
            "parent1",
            HouseholdRole.PARENT,
            services.PersonDetails(
                given_name=first_given,
                family_name=surname,
                date_of_birth=self._born(referral, first_age),
                sex=first_sex,
                nhs_number=self._nhs_number(0.9),
            ),
        )
        if two_adults:
            married = not second_is_carer and rng.random() < 0.5
            add(
                "parent2",
                HouseholdRole.CARER if second_is_carer else HouseholdRole.PARENT,
                services.PersonDetails(
                    given_name=faker.first_name_male(),
                    family_name=surname if married else faker.last_name(),
                    date_of_birth=self._born(referral, first_age + rng.randint(-2, 6)),
                    sex=Sex.MALE,
                    nhs_number=self._nhs_number(0.85),
                ),
            )
        for number, age in enumerate(ages, start=1):
            sex = rng.choice([Sex.FEMALE, Sex.MALE])
            add(
                f"child{number}",
                HouseholdRole.CHILD,
                services.PersonDetails(
                    given_name=faker.first_name_female()
                    if sex == Sex.FEMALE
                    else faker.first_name_male(),
                    family_name=surname,
                    date_of_birth=self._born(referral, age),
                    sex=sex,
                    nhs_number=self._nhs_number(0.95),
                ),
            )
        if unborn:
            # An unborn child has no NHS number or name yet; records use "Baby" until birth.
            add(
                f"child{len(ages) + 1}",
                HouseholdRole.CHILD,
                services.PersonDetails(
                    given_name="Baby",
                    family_name=surname,
                    expected_date_of_birth=self.today + dt.timedelta(days=rng.randint(20, 140)),
                ),
            )
        if grandparent:
            add(
                "grandparent",
                HouseholdRole.SIGNIFICANT_OTHER,
                services.PersonDetails(
                    given_name=faker.first_name_female(),
                    family_name=surname if rng.random() < 0.5 else faker.last_name(),
                    date_of_birth=self._born(referral, first_age + rng.randint(19, 27)),
                    sex=Sex.FEMALE,
                    nhs_number=self._nhs_number(0.8),
                ),
            )
        return tuple(people), self._relationships(people, separated=separated)

    @staticmethod
    def _relationships(
        people: list[PlannedPerson], *, separated: bool
    ) -> tuple[tuple[str, str, RelationshipKind], ...]:
        children = [p.key for p in people if p.household_role == HouseholdRole.CHILD]
        adults = {p.key: p.household_role for p in people if p.key.startswith("parent")}
        links: list[tuple[str, str, RelationshipKind]] = []
        for adult, role in adults.items():
            kind = (
                RelationshipKind.STEP_PARENT_OF
                if role == HouseholdRole.CARER
                else RelationshipKind.PARENT_OF
            )
            links.extend((adult, child, kind) for child in children)
        if len(adults) == 2:
            kind = RelationshipKind.EX_PARTNER_OF if separated else RelationshipKind.PARTNER_OF
            links.append(("parent1", "parent2", kind))
        links.extend(
            (older, younger, RelationshipKind.SIBLING_OF)
            for older, younger in itertools.combinations(children, 2)
        )
        if any(p.key == "grandparent" for p in people):
            # Recorded as the first parent's mother too, so the genogram draws three generations.
            links.append(("grandparent", "parent1", RelationshipKind.PARENT_OF))
            links.extend(
                ("grandparent", child, RelationshipKind.GRANDPARENT_OF) for child in children
            )
        return tuple(links)


def plan_families(today: dt.date) -> list[FamilyPlan]:
    """The demo council's families as data: the same names and shapes whenever it is called."""
    return _Planner(today).plan()


class _FamilyStory:
    """Writes one planned family through the services, from referral to today."""

    case: Case

    def __init__(
        self, plan: FamilyPlan, staff: TeamStaff, reviewing_officer: User, today: dt.date
    ) -> None:
        self.plan = plan
        self.staff = staff
        self.reviewing_officer = reviewing_officer
        self.today = today
        self.rng = random.Random(plan.seed)
        self.manager = staff.manager
        self.lead = staff.workers[plan.lead]
        self.people: dict[str, Person] = {}
        self.current: list[ChildStatus] = []

    # Dates -------------------------------------------------------------------------------

    def _days(self, day: dt.date, low: int, high: int) -> dt.date:
        return day + dt.timedelta(days=self.rng.randint(low, high))

    def _meeting(self, day: dt.date, *, earliest: dt.date) -> dt.date:
        """Conferences and plan decisions fall on working days, never before ``earliest`` or
        after today."""
        moved = next_working_day(day)
        return max(earliest, min(moved if moved <= self.today else day, self.today))

    # Writes ------------------------------------------------------------------------------

    def tell(self) -> Case:
        for planned in self.plan.people:
            details = planned.details
            # A person created by hand in this database may already hold a planned test number;
            # the demo person then goes without one rather than failing the load.
            if details.nhs_number and Person.objects.filter(nhs_number=details.nhs_number).exists():
                details = dataclasses.replace(details, nhs_number="")
            self.people[planned.key] = services.person_create(
                actor=self.manager, details=details, confirmed_new=True
            )
        self.case = services.referral_record(
            actor=self.manager,
            team=self.staff.team,
            family_name=self.plan.name,
            address=self.plan.address,
            members=[
                services.MemberSpec(person=self.people[p.key], household_role=p.household_role)
                for p in self.plan.people
            ],
            referral_date=self.plan.referral_date,
            referral_source=self.plan.referral_source,
            lead_social_worker=self.lead,
            restricted=self.plan.restricted,
        )
        for from_key, to_key, kind in self.plan.relationships:
            services.relationship_add(
                actor=self.manager,
                case=self.case,
                from_person=self.people[from_key],
                to_person=self.people[to_key],
                kind=kind,
            )
        closure = self._journey()
        self._allocate(until=closure.day if closure else self.today)
        if closure is None:
            self._record_visits()
        if self.plan.warning:
            self._add_warning()
        if self.plan.shared_with_reviewing_officer:
            services.case_share(actor=self.manager, case=self.case, user=self.reviewing_officer)
        if closure is not None:
            self._end(list(self.current), closure.day)
            services.case_close(
                actor=self.manager,
                case=self.case,
                closed_date=closure.day,
                closure_reason=closure.reason,
                note=CLOSURE_NOTES[closure.reason],
            )
        return self.case

    def _children(self, *, born_only: bool = False) -> list[Person]:
        return [
            self.people[p.key]
            for p in self.plan.people
            if p.household_role == HouseholdRole.CHILD
            and not (born_only and p.details.date_of_birth is None)
        ]

    def _start(
        self,
        kind: StatusKind,
        day: dt.date,
        *,
        children: list[Person] | None = None,
        cp_category: str = "",
        legal_status: str = "",
        strategy_discussion_date: dt.date | None = None,
        icpc_date: dt.date | None = None,
        next_review_date: dt.date | None = None,
    ) -> list[ChildStatus]:
        made = [
            services.child_status_start(
                actor=self.lead,
                case=self.case,
                person=child,
                kind=kind,
                start_date=day,
                cp_category=cp_category,
                legal_status=legal_status,
                strategy_discussion_date=strategy_discussion_date,
                icpc_date=icpc_date,
                next_review_date=next_review_date,
            )
            for child in (self._children() if children is None else children)
        ]
        self.current.extend(made)
        return made

    def _end(self, statuses: list[ChildStatus], day: dt.date) -> None:
        for status in statuses:
            services.child_status_end(actor=self.lead, status=status, end_date=day)
            self.current.remove(status)

    # Journeys ----------------------------------------------------------------------------

    def _journey(self) -> Closure | None:
        journeys = {
            Journey.CHILD_IN_NEED: self._child_in_need,
            Journey.CHILD_IN_NEED_CLOSED: self._child_in_need_closed,
            Journey.CHILD_PROTECTION: self._child_protection,
            Journey.CHILD_PROTECTION_CLOSED: self._child_protection_closed,
            Journey.LOOKED_AFTER: self._looked_after,
            Journey.ASSESSMENT_CLOSED: self._assessment_closed,
            Journey.ASSESSMENT_OPEN: self._assessment_open,
        }
        return journeys[self.plan.journey]()

    def _enquiry(self, strategy: dt.date) -> dt.date:
        """A section 47 enquiry from a strategy discussion; returns the ICPC date."""
        enquiries = self._start(StatusKind.S47_ENQUIRY, strategy, strategy_discussion_date=strategy)
        # Most conferences meet the 15 working day timescale; some slip, as in real returns.
        late = self.rng.random() < 0.15
        held = add_working_days(
            strategy, self.rng.randint(16, 20) if late else self.rng.randint(8, 15)
        )
        conference = min(held, self.today)
        self._end(enquiries, min(self._days(strategy, 5, 10), conference))
        return conference

    def _protection_plan(
        self, conference: dt.date, strategy: dt.date, *, until: dt.date
    ) -> list[ChildStatus]:
        """Child protection plans from the ICPC, with the reviews held before ``until``."""
        category = self.rng.choices(CP_CODES, [CP_CATEGORY_WEIGHTS[code] for code in CP_CODES])[0]
        first_review = conference + relativedelta(months=3)
        # A few plans have no review booked yet, so the caseload shows a review falling due.
        booked = self.rng.random() >= 0.15
        plans = self._start(
            StatusKind.CP_PLAN,
            conference,
            cp_category=category,
            strategy_discussion_date=strategy,
            icpc_date=conference,
            next_review_date=first_review if booked else None,
        )
        # The core group first meets within 10 working days of the conference; a plan that
        # started in the last fortnight has its first meeting still to come.
        core_group = add_working_days(conference, FIRST_CORE_GROUP_AFTER_WORKING_DAYS)
        if core_group <= min(until, self.today):
            for plan in plans:
                services.child_status_update(
                    actor=self.lead, status=plan, first_core_group_date=core_group
                )
        if booked and first_review <= until:
            next_review = first_review + relativedelta(months=6)
            while next_review <= until:
                next_review += relativedelta(months=6)
            recategorised = self.rng.random() < 0.35
            latest = (
                self.rng.choice([code for code in CP_CODES if code != category])
                if recategorised
                else None
            )
            for plan in plans:
                services.child_status_update(
                    actor=self.lead,
                    status=plan,
                    next_review_date=next_review,
                    cp_latest_category=latest,
                )
        return plans

    def _child_in_need(self) -> Closure | None:
        referral = self.plan.referral_date
        decided = self._meeting(self._days(referral, 15, 50), earliest=referral)
        if self.rng.random() < 0.35:
            strategy = self._meeting(self._days(referral, 0, 2), earliest=referral)
            enquiries = self._start(
                StatusKind.S47_ENQUIRY, strategy, strategy_discussion_date=strategy
            )
            concluded = min(self._days(strategy, 5, 12), self.today)
            self._end(enquiries, concluded)
            decided = self._meeting(self._days(concluded, 3, 15), earliest=concluded)
        self._start(StatusKind.CIN_PLAN, decided)
        return None

    def _child_in_need_closed(self) -> Closure | None:
        referral = self.plan.referral_date
        decided = self._meeting(self._days(referral, 15, 50), earliest=referral)
        plans = self._start(StatusKind.CIN_PLAN, decided)
        ended = max(
            decided,
            min(
                self._days(decided, 150, 330),
                self.today - dt.timedelta(days=self.rng.randint(10, 60)),
            ),
        )
        self._end(plans, ended)
        return Closure(ended, self.rng.choice(["RC7", "RC7", "RC7", "RC5", "RC3"]))

    def _child_protection(self) -> Closure | None:
        referral = self.plan.referral_date
        stepped_up: list[ChildStatus] = []
        if self.rng.random() < 0.4 and (self.today - referral).days > 150:
            decided = self._meeting(self._days(referral, 15, 40), earliest=referral)
            stepped_up = self._start(StatusKind.CIN_PLAN, decided)
            room = (self.today - decided).days - 40
            strategy = self._meeting(
                self._days(decided, 40, max(40, room)), earliest=decided + dt.timedelta(days=1)
            )
        else:
            strategy = self._meeting(self._days(referral, 0, 2), earliest=referral)
        conference = self._enquiry(strategy)
        # A child protection plan replaces the child in need plan: it ends the day before.
        self._end(stepped_up, conference - dt.timedelta(days=1))
        self._protection_plan(conference, strategy, until=self.today)
        return None

    def _child_protection_closed(self) -> Closure | None:
        referral = self.plan.referral_date
        strategy = self._meeting(self._days(referral, 0, 2), earliest=referral)
        conference = self._enquiry(strategy)
        step_down = self._meeting(
            min(self._days(conference, 180, 330), self.today - dt.timedelta(days=120)),
            earliest=conference + dt.timedelta(days=1),
        )
        plans = self._protection_plan(conference, strategy, until=step_down)
        self._end(plans, step_down - dt.timedelta(days=1))
        self._start(StatusKind.CIN_PLAN, step_down)
        ended = max(
            step_down,
            min(
                self._days(step_down, 90, 180),
                self.today - dt.timedelta(days=self.rng.randint(7, 30)),
            ),
        )
        return Closure(ended, "RC7")

    def _looked_after(self) -> Closure | None:
        referral = self.plan.referral_date
        children = self._children(born_only=True)
        if self.rng.random() < 0.65:
            # Care proceedings after a child protection plan: interim, then sometimes full, order.
            strategy = self._meeting(self._days(referral, 0, 2), earliest=referral)
            conference = self._enquiry(strategy)
            placed = self._meeting(
                min(self._days(conference, 60, 200), self.today - dt.timedelta(days=30)),
                earliest=conference + dt.timedelta(days=1),
            )
            plans = self._protection_plan(conference, strategy, until=placed)
            self._end(plans, placed - dt.timedelta(days=1))
            orders = self._start(
                StatusKind.LOOKED_AFTER, placed, children=children, legal_status="C1"
            )
            if (self.today - placed).days > 200 and self.rng.random() < 0.6:
                final = self._meeting(
                    min(self._days(placed, 150, 300), self.today - dt.timedelta(days=14)),
                    earliest=placed + dt.timedelta(days=1),
                )
                self._end(orders, final - dt.timedelta(days=1))
                self._start(StatusKind.LOOKED_AFTER, final, children=children, legal_status="C2")
        else:
            # Accommodated with the parents' agreement (section 20) during a child in need plan.
            decided = self._meeting(self._days(referral, 15, 40), earliest=referral)
            plans = self._start(StatusKind.CIN_PLAN, decided)
            placed = self._meeting(
                min(self._days(decided, 60, 150), self.today - dt.timedelta(days=30)),
                earliest=decided + dt.timedelta(days=1),
            )
            self._end(plans, placed - dt.timedelta(days=1))
            self._start(StatusKind.LOOKED_AFTER, placed, children=children, legal_status="V2")
        return None

    def _assessment_closed(self) -> Closure | None:
        referral = self.plan.referral_date
        concluded = referral
        if self.rng.random() < 0.4:
            strategy = self._meeting(self._days(referral, 0, 2), earliest=referral)
            enquiries = self._start(
                StatusKind.S47_ENQUIRY, strategy, strategy_discussion_date=strategy
            )
            concluded = min(self._days(strategy, 5, 12), self.today)
            self._end(enquiries, concluded)
        closed = min(max(self._days(referral, 20, 60), concluded), self.today)
        return Closure(closed, "RC8" if self.rng.random() < 0.6 else "RC9")

    def _assessment_open(self) -> Closure | None:
        # An enquiry still under way, so the caseload shows the ICPC falling due.
        referral = self.plan.referral_date
        strategy = self._meeting(self._days(referral, 0, 1), earliest=referral)
        self._start(StatusKind.S47_ENQUIRY, strategy, strategy_discussion_date=strategy)
        return None

    # Allocations, visits and warnings ----------------------------------------------------

    def _adults(self) -> list[tuple[Person, Sex]]:
        return [
            (self.people[p.key], Sex(p.details.sex))
            for p in self.plan.people
            if p.household_role in (HouseholdRole.PARENT, HouseholdRole.CARER)
        ]

    def _allocate(self, *, until: dt.date) -> None:
        referral = self.plan.referral_date
        is_open = self.plan.journey not in CLOSED_JOURNEYS
        has_plan = self.plan.journey not in (Journey.ASSESSMENT_CLOSED, Journey.ASSESSMENT_OPEN)
        if has_plan and self.rng.random() < 0.4:
            services.allocation_start(
                actor=self.manager,
                case=self.case,
                worker=self.staff.workers[self.rng.choice(["fp1", "fp2"])],
                start_date=min(self._days(referral, 7, 40), until),
            )
        if self.rng.random() >= (0.55 if is_open else 0.3):
            return
        adults = self._adults()
        for prefix in self.rng.sample(SPECIALISTS, k=self.rng.choice([1, 1, 2])):
            # The demo's domestic abuse specialists work with victims, most often the mother.
            mothers = [person for person, sex in adults if sex == Sex.FEMALE]
            adult = mothers[0] if prefix == "da" and mothers else self.rng.choice(adults)[0]
            start = min(self._days(referral, 3, 45), until)
            allocation = services.allocation_start(
                actor=self.manager,
                case=self.case,
                worker=self.staff.workers[prefix],
                adult=adult,
                start_date=start,
            )
            finished = min(self._days(start, 60, 150), self.today)
            if is_open and self.rng.random() < 0.25 and finished < self.today:
                services.allocation_end(
                    actor=self.manager, allocation=allocation, end_date=finished
                )

    def _visit_days(self, kind: str, start: dt.date) -> list[dt.date]:
        """The last three statutory visits: the latest within the interval, or overdue when
        the plan says the family has not been seen."""
        if kind == StatusKind.LOOKED_AFTER:
            interval = settings.LAC_VISIT_INTERVAL_WEEKS * 7

            def back(day: dt.date, units: int) -> dt.date:
                return day - dt.timedelta(days=units)

        else:
            interval = (
                settings.CP_VISIT_INTERVAL_WORKING_DAYS
                if kind == StatusKind.CP_PLAN
                else settings.CIN_VISIT_INTERVAL_WORKING_DAYS
            )

            def back(day: dt.date, units: int) -> dt.date:
                return add_working_days(day, -units)

        if self.plan.visits_overdue:
            latest = back(self.today, interval + self.rng.randint(2, 8))
        else:
            latest = back(self.today, self.rng.randint(1, max(1, interval * 2 // 3)))
        days = [max(latest, start)]
        for _ in range(2):
            earlier = back(days[-1], interval)
            if earlier < start:
                break
            days.append(earlier)
        return sorted(days)

    def _record_visits(self) -> None:
        # Siblings on the same plan are seen on the same visits. Pre-birth plans are visited
        # through the expectant mother and recorded against the unborn child, as teams do.
        visits: dict[tuple[str, dt.date], list[dt.date]] = {}
        for status in self.current:
            if status.kind == StatusKind.S47_ENQUIRY:
                continue
            key = (status.kind, status.start_date)
            if key not in visits:
                visits[key] = self._visit_days(status.kind, status.start_date)
            for day in visits[key]:
                services.child_status_record_visit(actor=self.lead, status=status, visit_date=day)

    def _add_warning(self) -> None:
        kind = self.rng.choice(list(WARNING_DETAILS))
        men = [person for person, sex in self._adults() if sex == Sex.MALE]
        services.warning_add(
            actor=self.manager,
            case=self.case,
            kind=kind,
            details=WARNING_DETAILS[kind],
            review_date=self._days(self.today, 30, 120),
            person=men[0] if kind == WarningKind.RISK_TO_STAFF and men else None,
        )


def load_demo_families() -> int:
    """Add the demo council's families that are not loaded yet; returns how many were added.

    Needs the demo teams (``safeguarding.demo.teams.load_demo_teams``) first."""
    today = timezone.localdate()
    staff = {slug: TeamStaff.load(slug) for slug in TEAM_SLUGS}
    reviewing_officer = User.objects.get(email=REVIEWING_OFFICER)
    created = 0
    for plan in plan_families(today):
        team_staff = staff[plan.team_slug]
        if Family.objects.filter(name=plan.name, owning_team=team_staff.team).exists():
            continue
        # One transaction per family: a family is either complete or absent, so the name check
        # above stays a true test of "already loaded".
        with transaction.atomic():
            _FamilyStory(plan, team_staff, reviewing_officer, today).tell()
        created += 1
    return created
