"""A canary: people a user has no relationship with never appear on any page they open.

Two canaries, both named Zzyzx (a name no synthetic data generator produces):

- "Canaryname Zzyzx", a child in a family of the sister team (same service, other team),
  whose father also belongs to the viewer's own family: the one person both families share,
  so the canary sits one relationship away from records the viewer may read;
- "Canaryrestricted Zzyzx", a child in a restricted family of the viewer's own team, which the
  viewer's team manager is not allocated to.

Every page is opened by the viewer (a social worker, lead of their own family) or by their
team manager, and the response must not contain either canary's name. One control test shows
the canary's own team does find it, so the negative tests are not vacuous.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import HouseholdRole, Person, RelationshipKind, Sex, WarningKind
from cases.services import (
    AddressDetails,
    MemberSpec,
    PersonDetails,
    family_member_add,
    person_create,
    referral_record,
    relationship_add,
    warning_add,
)
from teams.models import Team, User
from teams.roles import Role
from tests.factories import MembershipFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

POLICE = "6"  # CIN census referral source code
CANARY_MARKERS = (b"Canaryname", b"Canaryrestricted", b"Zzyzx")
CANARY_NHS_NUMBER = "9434765919"  # valid check digit, used by no other test data here
CANARY_BORN = dt.date(2015, 2, 28)


@dataclass(frozen=True)
class CanaryWorld:
    viewer: Client
    manager: Client
    canary_team_lead: Client
    viewer_pk: int
    own_team_pk: int
    own_team_slug: str
    own_family_pk: int
    own_child_pk: int
    shared_father_pk: int
    canary_family_pk: int
    canary_pk: int
    restricted_family_pk: int
    restricted_canary_pk: int


def seed_reference_codes() -> None:
    """The code lists come from a data migration that a transactional test elsewhere in a reused
    test database may have flushed; the seed is rerunnable."""
    importlib.import_module("cases.migrations.0002_seed_reference_codes").seed(apps, None)


def _person(actor: User, given: str, family: str, born: dt.date, nhs_number: str = "") -> Person:
    return person_create(
        actor=actor,
        details=PersonDetails(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=Sex.UNKNOWN,
            nhs_number=nhs_number,
        ),
        confirmed_new=True,
    )


def _refer(
    team: Team, lead: User, name: str, members: list[MemberSpec], *, restricted: bool = False
) -> int:
    case = referral_record(
        actor=lead,
        team=team,
        family_name=name,
        address=AddressDetails(address_line_1="2 Test Row", town="Testtown"),
        members=members,
        referral_date=timezone.localdate() - dt.timedelta(days=20),
        referral_source=POLICE,
        lead_social_worker=lead,
        restricted=restricted,
    )
    return case.family_id


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def build_world() -> CanaryWorld:
    seed_reference_codes()
    service = ServiceFactory.create()
    own_team = TeamFactory.create(service=service)
    sister_team = TeamFactory.create(service=service)
    viewer = MembershipFactory.create(team=own_team, role=Role.SOCIAL_WORKER).user
    manager = MembershipFactory.create(team=own_team, role=Role.TEAM_MANAGER).user
    restricted_lead = MembershipFactory.create(team=own_team, role=Role.SOCIAL_WORKER).user
    canary_lead = MembershipFactory.create(team=sister_team, role=Role.SOCIAL_WORKER).user

    # The viewer's own child shares the canary's date of birth, so a search by that date
    # finds someone: the results table is drawn, and the canary must not be in it.
    own_child = _person(viewer, "Ellis", "Harbottle", CANARY_BORN)
    father = _person(viewer, "Owen", "Harbottle", dt.date(1985, 1, 2))
    own_family_pk = _refer(
        own_team,
        viewer,
        "The Harbottle family",
        [MemberSpec(own_child, HouseholdRole.CHILD), MemberSpec(father, HouseholdRole.PARENT)],
    )

    canary = _person(canary_lead, "Canaryname", "Zzyzx", CANARY_BORN, CANARY_NHS_NUMBER)
    canary_mother = _person(canary_lead, "Canarymum", "Zzyzx", dt.date(1988, 3, 4))
    canary_family_pk = _refer(
        sister_team,
        canary_lead,
        "The Zzyzx family",
        [
            MemberSpec(canary, HouseholdRole.CHILD),
            MemberSpec(canary_mother, HouseholdRole.PARENT),
        ],
    )
    canary_case = canary.family_memberships.get().family.cases.get()
    family_member_add(
        actor=canary_lead,
        case=canary_case,
        person=father,
        household_role=HouseholdRole.SIGNIFICANT_OTHER,
    )
    relationship_add(
        actor=canary_lead,
        case=canary_case,
        from_person=father,
        to_person=canary,
        kind=RelationshipKind.PARENT_OF,
    )
    warning_add(
        actor=canary_lead,
        case=canary_case,
        kind=WarningKind.RISK_TO_STAFF,
        details="Zzyzx household: threatened staff at the door",
        review_date=timezone.localdate() + dt.timedelta(days=60),
        person=father,
    )

    restricted_canary = _person(restricted_lead, "Canaryrestricted", "Zzyzx", CANARY_BORN)
    restricted_family_pk = _refer(
        own_team,
        restricted_lead,
        "The restricted Zzyzx family",
        [MemberSpec(restricted_canary, HouseholdRole.CHILD)],
        restricted=True,
    )
    return CanaryWorld(
        viewer=_client(viewer),
        manager=_client(manager),
        canary_team_lead=_client(canary_lead),
        viewer_pk=viewer.pk,
        own_team_pk=own_team.pk,
        own_team_slug=own_team.slug,
        own_family_pk=own_family_pk,
        own_child_pk=own_child.pk,
        shared_father_pk=father.pk,
        canary_family_pk=canary_family_pk,
        canary_pk=canary.pk,
        restricted_family_pk=restricted_family_pk,
        restricted_canary_pk=restricted_canary.pk,
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[CanaryWorld]:
    """Built once, inside a transaction rolled back after the module; each test runs in a
    savepoint inside it, so what one test posts is gone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def leaks(content: bytes) -> list[bytes]:
    return [marker for marker in CANARY_MARKERS if marker in content]


def leaks_in_results(content: bytes) -> list[bytes]:
    """The search form echoes what was typed; the results follow the last form on the page."""
    return leaks(content.rsplit(b"</form>", 1)[1])


def _date(field: str, day: dt.date) -> dict[str, str]:
    """A GOV.UK date input posts day, month and year as three sub-fields."""
    return {f"{field}_0": str(day.day), f"{field}_1": str(day.month), f"{field}_2": str(day.year)}


def _new_member(**overrides: str) -> dict[str, str]:
    return {
        "given_name": "Robin",
        "family_name": "Harbottle",
        **_date("date_of_birth", dt.date(2019, 3, 3)),
        "sex": Sex.UNKNOWN,
        "nhs_number": "",
        "existing_nhs_number": "",
        "household_role": HouseholdRole.CHILD,
        **overrides,
    }


# --- control -------------------------------------------------------------------------------------


def test_the_canarys_own_team_finds_it_by_name(world: CanaryWorld) -> None:
    response = world.canary_team_lead.get(reverse("cases:search"), {"name": "Canaryname Zzyzx"})

    assert response.status_code == 200
    assert b"Canaryname Zzyzx" in response.content


# --- lists ---------------------------------------------------------------------------------------


def test_my_caseload_does_not_show_the_canary(world: CanaryWorld) -> None:
    response = world.viewer.get(reverse("cases:caseload"))

    assert response.status_code == 200
    assert b"The Harbottle family" in response.content
    assert leaks(response.content) == []


def test_the_team_caseload_does_not_show_a_restricted_family_or_another_teams_canary(
    world: CanaryWorld,
) -> None:
    response = world.manager.get(reverse("cases:team-caseload", args=[world.own_team_slug]))

    assert response.status_code == 200
    assert b"The Harbottle family" in response.content
    assert leaks(response.content) == []


@pytest.mark.parametrize(
    "query",
    [
        {"name": "Canaryname Zzyzx"},
        {"name": "Canaryrestricted Zzyzx"},
        {"name": "Zzyzx"},
        {"nhs_number": CANARY_NHS_NUMBER},
        _date("date_of_birth", CANARY_BORN),
    ],
    ids=["exact name", "restricted canary name", "surname", "NHS number", "date of birth"],
)
def test_search_does_not_find_the_canary(world: CanaryWorld, query: dict[str, str]) -> None:
    response = world.manager.get(reverse("cases:search"), query)

    assert response.status_code == 200
    assert b"found" in response.content
    assert leaks_in_results(response.content) == []


def test_a_search_by_the_canarys_date_of_birth_finds_only_the_viewers_child(
    world: CanaryWorld,
) -> None:
    response = world.viewer.get(
        reverse("cases:search"),
        _date("date_of_birth", CANARY_BORN),
    )

    assert b"1 person found" in response.content
    assert b"Ellis Harbottle" in response.content
    assert leaks(response.content) == []


def test_searching_for_the_shared_father_lists_only_families_the_viewer_can_see(
    world: CanaryWorld,
) -> None:
    response = world.viewer.get(reverse("cases:search"), {"name": "Owen Harbottle"})

    assert b"The Harbottle family" in response.content
    assert leaks(response.content) == []


# --- pages of the viewer's own family --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["", "member", "warning"])
def test_the_own_family_page_and_its_chronology_do_not_show_the_canary(
    world: CanaryWorld, kind: str
) -> None:
    response = world.viewer.get(reverse("cases:family", args=[world.own_family_pk]), {"kind": kind})

    assert response.status_code == 200
    assert b"Owen Harbottle" in response.content
    assert leaks(response.content) == []


def test_the_shared_fathers_page_shows_neither_the_canary_nor_its_family(
    world: CanaryWorld,
) -> None:
    response = world.viewer.get(reverse("cases:person", args=[world.shared_father_pk]))

    assert response.status_code == 200
    assert b"The Harbottle family" in response.content
    assert leaks(response.content) == []


@pytest.mark.parametrize(
    "url_name",
    [
        "cases:relationship-add",
        "cases:warning-add",
        "cases:status-add",
        "cases:allocate",
        "cases:transfer",
        "cases:access-log",
    ],
)
def test_forms_of_the_own_family_do_not_offer_the_canary(world: CanaryWorld, url_name: str) -> None:
    response = world.manager.get(reverse(url_name, args=[world.own_family_pk]))

    assert response.status_code == 200
    assert leaks(response.content) == []


# --- error messages ------------------------------------------------------------------------------


def test_adding_a_member_with_the_canarys_nhs_number_refuses_without_naming_the_canary(
    world: CanaryWorld,
) -> None:
    response = world.viewer.post(
        reverse("cases:member-add", args=[world.own_family_pk]),
        _new_member(nhs_number=CANARY_NHS_NUMBER),
    )

    assert response.status_code == 400
    assert b"already recorded in a family you cannot see" in response.content
    assert leaks(response.content) == []


def test_adding_the_canary_as_an_existing_person_says_no_one_you_can_see_has_the_number(
    world: CanaryWorld,
) -> None:
    response = world.viewer.post(
        reverse("cases:member-add", args=[world.own_family_pk]),
        _new_member(existing_nhs_number=CANARY_NHS_NUMBER),
    )

    assert response.status_code == 400
    assert b"No one you can see has this NHS number" in response.content
    assert leaks(response.content) == []


def test_giving_the_own_child_the_canarys_nhs_number_refuses_without_naming_the_canary(
    world: CanaryWorld,
) -> None:
    response = world.viewer.post(
        reverse("cases:person-edit", args=[world.own_child_pk]),
        {
            "given_name": "Ellis",
            "family_name": "Harbottle",
            **_date("date_of_birth", CANARY_BORN),
            "sex": Sex.UNKNOWN,
            "nhs_number": CANARY_NHS_NUMBER,
        },
    )

    assert response.status_code == 400
    assert b"already recorded in a family you cannot see" in response.content
    assert leaks(response.content) == []


def test_a_referral_with_the_canarys_nhs_number_refuses_without_naming_the_canary(
    world: CanaryWorld,
) -> None:
    response = world.viewer.post(
        reverse("cases:referral"),
        {
            "team": str(world.own_team_pk),
            "family_name": "The Pell family",
            "address_line_1": "3 Test Row",
            "town": "Testtown",
            "postcode": "",
            **_date("referral_date", timezone.localdate()),
            "referral_source": POLICE,
            "lead_social_worker": str(world.viewer_pk),
            "child_given_name": "Sam",
            "child_family_name": "Pell",
            **_date("child_date_of_birth", dt.date(2018, 6, 1)),
            "child_sex": Sex.UNKNOWN,
            "child_nhs_number": CANARY_NHS_NUMBER,
            "adult_sex": Sex.UNKNOWN,  # the radio the browser posts with its initial choice
        },
    )

    assert response.status_code == 400
    assert b"already recorded in a family you cannot see" in response.content
    assert leaks(response.content) == []


# --- the canary's own pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "target"),
    [
        ("cases:family", "canary_family_pk"),
        ("cases:access-log", "canary_family_pk"),
        ("cases:member-add", "canary_family_pk"),
        ("cases:person", "canary_pk"),
        ("cases:person-edit", "canary_pk"),
        ("cases:family", "restricted_family_pk"),
        ("cases:person", "restricted_canary_pk"),
    ],
)
def test_the_canarys_pages_answer_not_found_without_its_name(
    world: CanaryWorld, url_name: str, target: str
) -> None:
    response = world.manager.get(reverse(url_name, args=[getattr(world, target)]))

    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert leaks(response.content) == []
