"""``supervision.policies``: which supervisions and actions a user sees, and the permission
objects ``cases.loader.load_record`` hands back with them (what the pages offer and the views
enforce with 403).

The Whitlows' team (tests/supervision/conftest.py): the team manager, the assistant team
manager, the lead social worker (allocated), another social worker in the team and the
domestic abuse specialist (allocated to the mother).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cases.loader import load_record
from supervision.models import GroupSupervision, SupervisionAction
from supervision.policies import (
    ActionPermissions,
    SupervisionPermissions,
    action_permissions,
    actions_visible_to,
    supervision_permissions,
    supervisions_visible_to,
)
from supervision.services import action_add, supervision_sign_off
from teams.models import User
from tests.supervision.conftest import FamilyTeam, ready_to_sign_off, schedule

pytestmark = pytest.mark.django_db


def _people(ft: FamilyTeam) -> dict[str, User]:
    return {
        "manager": ft.manager,
        "assistant": ft.assistant,
        "lead": ft.lead,
        "social worker": ft.social_worker,
        "domestic abuse specialist": ft.da_specialist,
    }


def _can(user: User, supervision: GroupSupervision) -> SupervisionPermissions:
    return load_record(
        user,
        supervisions_visible_to(user),
        supervision.pk,
        case_path="case",
        permissions=supervision_permissions,
    ).can


def _can_action(user: User, action: SupervisionAction) -> ActionPermissions:
    return load_record(
        user, actions_visible_to(user), action.pk, case_path="case", permissions=action_permissions
    ).can


def test_only_the_chair_may_sign_off_and_the_team_may_record(family_team: FamilyTeam) -> None:
    supervision = schedule(family_team, chair=family_team.assistant)

    found = {name: _can(user, supervision) for name, user in _people(family_team).items()}

    writes = SupervisionPermissions(
        can_record=True,
        can_add_action=True,
        can_reschedule=False,
        signs_off=False,
        can_sign_off=False,
    )
    manages = SupervisionPermissions(
        can_record=True,
        can_add_action=True,
        can_reschedule=True,
        signs_off=False,
        can_sign_off=False,
    )
    assert found == {
        "manager": manages,
        "assistant": SupervisionPermissions(
            can_record=True,
            can_add_action=True,
            can_reschedule=True,
            signs_off=True,
            can_sign_off=True,
        ),
        "lead": writes,
        "social worker": writes,
        # Allocated, so writes though the specialist role alone would not.
        "domestic abuse specialist": writes,
    }


def test_a_signed_off_supervision_is_locked_for_everyone(family_team: FamilyTeam) -> None:
    supervision = ready_to_sign_off(family_team, schedule(family_team))
    supervision_sign_off(actor=family_team.manager, supervision=supervision)

    found = {name: _can(user, supervision) for name, user in _people(family_team).items()}

    assert {
        name: (can.can_record, can.can_sign_off) for name, can in found.items()
    } == dict.fromkeys(_people(family_team), (False, False))
    # The chair is still the one who signed it off: pressing again is told so, not refused.
    assert found["manager"].signs_off is True


def test_supervisions_and_actions_of_another_teams_family_are_not_visible(
    family_team: FamilyTeam, other_family_team: FamilyTeam
) -> None:
    ours = schedule(family_team)
    theirs = schedule(other_family_team)
    action = action_add(
        actor=other_family_team.manager,
        supervision=theirs,
        description="Visit the school",
        owner=other_family_team.lead,
        due_date=theirs.scheduled_for + dt.timedelta(days=7),
        children=[],
    )

    assert list(supervisions_visible_to(family_team.manager)) == [ours]
    assert list(actions_visible_to(family_team.manager)) == []
    assert list(actions_visible_to(other_family_team.social_worker)) == [action]


def test_an_action_is_completed_by_its_owner_or_a_manager_of_the_team(
    family_team: FamilyTeam,
) -> None:
    supervision = schedule(family_team)
    action = action_add(
        actor=family_team.manager,
        supervision=supervision,
        description="Refer Mia to the breakfast club",
        owner=family_team.lead,
        due_date=supervision.scheduled_for + dt.timedelta(days=7),
        children=[family_team.older_child],
    )

    found = {
        name: _can_action(user, action).can_complete for name, user in _people(family_team).items()
    }

    assert found == {
        "manager": True,
        "assistant": True,
        "lead": True,
        "social worker": False,
        "domestic abuse specialist": False,
    }
