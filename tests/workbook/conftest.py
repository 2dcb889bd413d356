"""A Family Safeguarding team with the Carter family referred to it, built through the services.

The team has a manager, the lead social worker, a family practitioner and two adult
specialists. The domestic abuse specialist works with the mother and the substance use
specialist with the father (adult specialists are allocated to an adult, DOMAIN.md); the older
child is on a child protection plan under the neglect category.

Dates are counted back from the day the tests run, so the services that refuse future dates
accept them whatever the date, and each keeps its weekday: the latest visit was on the Monday 6
to 12 days ago, the referral on a Tuesday 11 weeks before. Dates that must be in the future are
counted from today where they are used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, ChildStatus, HouseholdRole, Person, ReferenceCode, StatusKind
from cases.reference_data import CENSUS_YEAR_START, CODE_LISTS
from cases.services import (
    AddressDetails,
    MemberSpec,
    allocation_start,
    child_status_start,
    referral_record,
)
from teams.models import Team, User
from teams.roles import Role
from tests.factories import AdultFactory, MembershipFactory, PersonFactory, TeamFactory
from workbook.models import ProgrammeModule
from workbook.reference_data import PROGRAMME_MODULES


def _monday_a_week_back(today: dt.date) -> dt.date:
    """The Monday 6 to 12 days before ``today``: its week is over, or all but."""
    return today - dt.timedelta(days=today.weekday() + (7 if today.weekday() < 6 else 0))


VISIT_DATE = _monday_a_week_back(timezone.localdate())
REFERRAL_DATE = VISIT_DATE - dt.timedelta(weeks=11, days=-1)  # a Tuesday
ALLOCATION_DATE = REFERRAL_DATE + dt.timedelta(days=1)
CP_PLAN_START = VISIT_DATE - dt.timedelta(weeks=6)  # after the initial conference
POLICE = "6"  # CIN census referral source code
NEGLECT = "NEG"  # child protection category
DOMESTIC_ABUSE_PARENT = "3B"  # CIN census factor: domestic abuse, parent or carer
ALCOHOL_MISUSE_PARENT = "1B"  # CIN census factor: alcohol misuse, parent or carer


@dataclass(frozen=True)
class TeamCase:
    team: Team
    manager: User
    lead: User
    practitioner: User
    da_specialist: User
    su_specialist: User
    mother: Person
    father: Person
    older_child: Person
    younger_child: Person
    case: Case
    cp_plan: ChildStatus

    @property
    def adults(self) -> list[Person]:
        return [self.mother, self.father]


@pytest.fixture
def reference_data(db: None) -> None:
    """The national code lists and the Family Programme modules, as the data migrations seed them.

    A transactional test (test_concurrency.py, the Celery worker tests) flushes every table
    when it ends, so with ``--reuse-db`` later tests would start without the seeded rows.
    Seeding here, idempotently, keeps these tests independent of run order.
    """
    ReferenceCode.objects.bulk_create(
        [
            ReferenceCode(
                code_list=code_list,
                code=code,
                label=label,
                valid_from=CENSUS_YEAR_START,
                sort_order=order,
            )
            for code_list, codes in CODE_LISTS.items()
            for order, (code, label) in enumerate(codes)
        ],
        ignore_conflicts=True,
    )
    ProgrammeModule.objects.bulk_create(
        [ProgrammeModule(number=number, title=title) for number, title in PROGRAMME_MODULES],
        ignore_conflicts=True,
    )


def build_team_case(surname: str) -> TeamCase:
    """A new team (in a service of its own) with one open case, allocations and a CP plan."""
    team = TeamFactory.create()
    manager = MembershipFactory.create(team=team, role=Role.TEAM_MANAGER).user
    lead = MembershipFactory.create(team=team, role=Role.SOCIAL_WORKER).user
    practitioner = MembershipFactory.create(team=team, role=Role.FAMILY_PRACTITIONER).user
    da_specialist = MembershipFactory.create(team=team, role=Role.DOMESTIC_ABUSE_SPECIALIST).user
    su_specialist = MembershipFactory.create(team=team, role=Role.SUBSTANCE_USE_SPECIALIST).user
    mother = AdultFactory.create(
        given_name="Jade", family_name=surname, date_of_birth=dt.date(1992, 4, 11)
    )
    father = AdultFactory.create(
        given_name="Liam", family_name=surname, date_of_birth=dt.date(1989, 8, 23)
    )
    older_child = PersonFactory.create(
        given_name="Mia", family_name=surname, date_of_birth=dt.date(2019, 2, 14)
    )
    younger_child = PersonFactory.create(
        given_name="Noah", family_name=surname, date_of_birth=dt.date(2023, 6, 30)
    )
    case = referral_record(
        actor=manager,
        team=team,
        family_name=f"The {surname} family",
        address=AddressDetails(address_line_1="2 Test Road", town="Testington", postcode="te2 2rd"),
        members=[
            MemberSpec(mother, HouseholdRole.PARENT),
            MemberSpec(father, HouseholdRole.PARENT),
            MemberSpec(older_child, HouseholdRole.CHILD),
            MemberSpec(younger_child, HouseholdRole.CHILD),
        ],
        referral_date=REFERRAL_DATE,
        referral_source=POLICE,
        lead_social_worker=lead,
    )
    allocation_start(actor=manager, case=case, worker=practitioner, start_date=ALLOCATION_DATE)
    allocation_start(
        actor=manager, case=case, worker=da_specialist, adult=mother, start_date=ALLOCATION_DATE
    )
    allocation_start(
        actor=manager, case=case, worker=su_specialist, adult=father, start_date=ALLOCATION_DATE
    )
    cp_plan = child_status_start(
        actor=manager,
        case=case,
        person=older_child,
        kind=StatusKind.CP_PLAN,
        start_date=CP_PLAN_START,
        cp_category=NEGLECT,
    )
    return TeamCase(
        team=team,
        manager=manager,
        lead=lead,
        practitioner=practitioner,
        da_specialist=da_specialist,
        su_specialist=su_specialist,
        mother=mother,
        father=father,
        older_child=older_child,
        younger_child=younger_child,
        case=case,
        cp_plan=cp_plan,
    )


@pytest.fixture
def team_case(reference_data: None) -> TeamCase:
    return build_team_case("Carter")


@pytest.fixture
def other_team_case(reference_data: None) -> TeamCase:
    """A second team, in another service, with a family of its own."""
    return build_team_case("Patel")


# --- answers, as a browser posts them -----------------------------------------------------------


def date_answers(name: str, day: dt.date) -> dict[str, str]:
    """A GovukDateField's three inputs: ``<name>_0`` day, ``<name>_1`` month, ``<name>_2`` year."""
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def family_overview_answers() -> dict[str, Any]:
    return {
        "household": "Jade and Liam live with Mia and Noah. Mia's grandmother visits daily.",
        "family_account": "We want the social worker to see we are trying.",
        "strengths": "Warm relationship between Mia and her grandmother.",
        "worries": "Arguments at home late at night; the home is often cold.",
        "genogram_notes": "",
    }


def intervention_summary_answers(adults: list[Person]) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "work_done": "Three home visits and one joint visit with the specialist.",
        "progress": "Mia's school attendance is up since October.",
        "analysis": "Change is fragile but real.",
    }
    for adult in adults:
        answers[f"stage_{adult.pk}"] = "contemplation"
        answers[f"importance_{adult.pk}"] = "7"
        answers[f"confidence_{adult.pk}"] = "4"
    return answers


def case_note_answers(contact_date: dt.date = VISIT_DATE) -> dict[str, Any]:
    return {
        **date_answers("contact_date", contact_date),
        "contact_type": "home_visit",
        "present": "Jade, Mia and Noah",
        "what_happened": "Talked with Jade about the plan and played with Noah.",
        "statement_1": "The kitchen had food in the cupboards.",
        "statement_1_kind": "fact",
        "statement_2": "Jade seemed more settled than last week.",
        "statement_2_kind": "opinion",
        "statement_3": "Mia was late to school twice this week.",
        "statement_3_kind": "third_party",
        "statement_3_source": "Mia's class teacher",
    }


def statutory_visit_answers(visit_date: dt.date = VISIT_DATE) -> dict[str, Any]:
    return {
        **date_answers("visit_date", visit_date),
        "announced": "no",
        "child_seen": "yes",
        "seen_alone": "yes",
        "not_seen_alone_reason": "",
        "bedroom_seen": "yes",
        "child_views": "Mia said she likes it when her dad picks her up.",
        "lived_experience": "Mia's days start without breakfast most mornings.",
        "observations": "Mia's bedroom was warm and tidy.",
    }


def assessment_answers(
    completed: dt.date | None = VISIT_DATE, outcome: str = "cin_plan"
) -> dict[str, Any]:
    answers: dict[str, Any] = {
        **date_answers("referral_date", REFERRAL_DATE),
        "factors": [DOMESTIC_ABUSE_PARENT, ALCOHOL_MISUSE_PARENT],
        "analysis": "Domestic abuse and alcohol use affect the care Mia and Noah receive.",
        "outcome": outcome,
    }
    if completed is not None:
        answers.update(date_answers("completed_date", completed))
    return answers


def domestic_abuse_answers(dash_score: int, risk_level: str) -> dict[str, Any]:
    return {
        "specialism": "domestic_abuse",
        "dash_score": str(dash_score),
        "risk_level": risk_level,
        "analysis": "Jade describes controlling behaviour over several years.",
    }


def substance_use_answers(audit_score: int) -> dict[str, Any]:
    return {
        "specialism": "substance_use",
        "substances": "Alcohol",
        "audit_score": str(audit_score),
        "treatment_engagement": "partly",
        "analysis": "Liam drinks most evenings and has attended one recovery group.",
    }


def plan_answers(next_review: dt.date) -> dict[str, Any]:
    return {
        "plan_type": "cp",
        "outcomes": "Mia is warm, fed and at school on time every day.",
        "actions": "Jade: breakfast club referral by Friday. Social worker: visit every 10 working days.",
        "contingency": "If the home is unsafe, a family network meeting within 5 days.",
        **date_answers("next_review_date", next_review),
    }


def family_programme_answers(module: str, sessions_held: int, status: str) -> dict[str, Any]:
    return {
        "module": module,
        "sessions_held": str(sessions_held),
        "status": status,
        "reflections": "I did not see how the shouting felt for Mia.",
        "analysis": "Jade engages well and links the module to her own childhood.",
    }
