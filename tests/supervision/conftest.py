"""A Family Safeguarding team with the Whitlow family referred to it, built through the services,
and small helpers that take a group supervision through its life the way the pages do.

The team has a team manager, an assistant team manager, two social workers (the first is the
family's lead) and a domestic abuse specialist. The Whitlows are two parents and two children;
the lead social worker is allocated by the referral and the domestic abuse specialist is
allocated to the mother. The second social worker is in the team but not allocated.

Dates are counted back from today, so the services that refuse future dates accept them on
any day the tests run; the referral is ten weeks ago.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, HouseholdRole, Person
from cases.services import AddressDetails, MemberSpec, allocation_start, referral_record
from supervision.models import AttendanceStatus, GroupSupervision
from supervision.services import (
    RecordSaveResult,
    supervision_attendance_sync,
    supervision_record_save,
    supervision_schedule,
)
from teams.models import Team, User
from teams.roles import Role
from tests.factories import AdultFactory, MembershipFactory, PersonFactory, TeamFactory

POLICE = "6"  # CIN census referral source code
REFERRAL_WEEKS_AGO = 10
DECISIONS = (
    "Mia to start breakfast club on Monday. Jade to meet the domestic abuse specialist weekly."
)


def referral_date() -> dt.date:
    return timezone.localdate() - dt.timedelta(weeks=REFERRAL_WEEKS_AGO)


@dataclass(frozen=True)
class FamilyTeam:
    team: Team
    manager: User
    assistant: User
    lead: User
    social_worker: User
    da_specialist: User
    mother: Person
    father: Person
    older_child: Person
    younger_child: Person
    case: Case

    @property
    def adults(self) -> list[Person]:
        return [self.mother, self.father]

    @property
    def children(self) -> list[Person]:
        return [self.older_child, self.younger_child]

    @property
    def allocated(self) -> list[User]:
        return [self.lead, self.da_specialist]


def _member(team: Team, role: Role, given_name: str, family_name: str) -> User:
    return MembershipFactory.create(
        team=team, role=role, user__given_name=given_name, user__family_name=family_name
    ).user


def build_family_team(surname: str) -> FamilyTeam:
    """A new team (in a service of its own) with one open case and two allocated workers."""
    team = TeamFactory.create()
    manager = _member(team, Role.TEAM_MANAGER, "Aled", "Ashworth")
    assistant = _member(team, Role.ASSISTANT_TEAM_MANAGER, "Bethan", "Brookes")
    lead = _member(team, Role.SOCIAL_WORKER, "Cerys", "Castleton")
    social_worker = _member(team, Role.SOCIAL_WORKER, "Dafydd", "Dunmore")
    da_specialist = _member(team, Role.DOMESTIC_ABUSE_SPECIALIST, "Efa", "Ellwood")
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
        referral_date=referral_date(),
        referral_source=POLICE,
        lead_social_worker=lead,
    )
    allocation_start(
        actor=manager,
        case=case,
        worker=da_specialist,
        adult=mother,
        start_date=referral_date() + dt.timedelta(days=1),
    )
    return FamilyTeam(
        team=team,
        manager=manager,
        assistant=assistant,
        lead=lead,
        social_worker=social_worker,
        da_specialist=da_specialist,
        mother=mother,
        father=father,
        older_child=older_child,
        younger_child=younger_child,
        case=case,
    )


@pytest.fixture
def family_team(db: None) -> FamilyTeam:
    return build_family_team("Whitlow")


@pytest.fixture
def other_family_team(db: None) -> FamilyTeam:
    """A second team, in another service, with a family of its own."""
    return build_family_team("Okonjo")


# --- a supervision's life, as the pages drive it -------------------------------------------------


def schedule(
    ft: FamilyTeam, *, on: dt.date | None = None, chair: User | None = None
) -> GroupSupervision:
    return supervision_schedule(
        actor=ft.manager,
        case=ft.case,
        scheduled_for=on or timezone.localdate() + dt.timedelta(days=7),
        chair=chair or ft.manager,
    )


def full_record(ft: FamilyTeam, *, decisions: str = DECISIONS) -> dict[str, Any]:
    return {
        "lived_experience": "Mia's mornings start without breakfast.",
        "working_well": "Noah's nursery attendance is steady.",
        "worried_about": "Arguments late at night.",
        "hypotheses": "Jade's low mood follows the arguments.",
        "decisions": decisions,
        "worker_updates": {str(ft.lead.pk): "Two home visits."},
        "risk": {
            str(child.pk): {"scale": "6", "rationale": "Some change"} for child in ft.children
        },
        "readiness": {str(adult.pk): "Thinking about change" for adult in ft.adults},
    }


def save_record(
    actor: User,
    supervision: GroupSupervision,
    record: dict[str, Any],
    attendance: dict[int, str] | None = None,
    base_version: int | None = None,
) -> RecordSaveResult:
    return supervision_record_save(
        actor=actor,
        supervision_id=supervision.pk,
        record=record,
        attendance=attendance or {},
        base_version=supervision.version if base_version is None else base_version,
    )


def everyone_present(supervision: GroupSupervision) -> dict[int, str]:
    """Attendance rows for the allocated workers (as opening the page makes them), all present."""
    return {a.user_id: AttendanceStatus.PRESENT for a in supervision_attendance_sync(supervision)}


def ready_to_sign_off(ft: FamilyTeam, supervision: GroupSupervision) -> GroupSupervision:
    """Attendance marked and decisions recorded: what the chair needs before signing off."""
    marks = everyone_present(supervision)
    return save_record(ft.lead, supervision, full_record(ft), marks).supervision
