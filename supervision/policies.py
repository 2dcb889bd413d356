"""Who may see, chair, record, sign off and complete group supervision: the only place it is
decided. Built on the case policy, so a supervision is never shown where its family is not.

``supervisions_visible_to`` and ``actions_visible_to`` drive every list, page and API view;
``supervision_permissions`` and ``action_permissions`` are what ``cases.loader.load_record``
hands back with the record (``permissions=``), so a page and its template ask one object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from cases.models import Case
from cases.policies import FamilyPermissions, cases_visible_to
from teams.models import Membership, Team, User
from teams.roles import MANAGER_ROLES

from .models import GroupSupervision, SupervisionAction

NOT_THE_CHAIR = "Only the chair can sign off this supervision"
CHAIR_NOT_A_MANAGER = "Only a team manager or assistant team manager can sign off supervision"


def supervisions_visible_to(
    user: Any, queryset: QuerySet[GroupSupervision] | None = None
) -> QuerySet[GroupSupervision]:
    """Supervisions of cases the user may see (DESIGN §5)."""
    queryset = GroupSupervision.objects.all() if queryset is None else queryset
    return queryset.filter(case_id__in=cases_visible_to(user).values("pk"))


def actions_visible_to(
    user: Any, queryset: QuerySet[SupervisionAction] | None = None
) -> QuerySet[SupervisionAction]:
    """Supervision actions on cases the user may see, whoever owns them."""
    queryset = SupervisionAction.objects.all() if queryset is None else queryset
    return queryset.filter(case_id__in=cases_visible_to(user).values("pk"))


# --- chairing ------------------------------------------------------------------------------------


def _chairing_memberships(team_id: int) -> QuerySet[Membership]:
    return Membership.objects.active().filter(team_id=team_id, role__in=MANAGER_ROLES)


def chair_candidates(team: Team) -> QuerySet[User]:
    """Who may chair the team's supervisions: its team managers and assistant team managers
    (DESIGN §7), with a membership that is current today."""
    return User.objects.filter(
        Exists(_chairing_memberships(team.pk).filter(user_id=OuterRef("pk")))
    ).order_by("family_name", "given_name")


def is_chair_eligible(user: User, case: Case) -> bool:
    """Team managers and assistant team managers of the family's team chair supervision."""
    return _chairing_memberships(case.family.owning_team_id).filter(user=user).exists()


def can_schedule(perms: FamilyPermissions, case: Case) -> bool:
    """Whoever manages the family's team (its managers, service managers of its service)
    schedules supervision for an open case."""
    return perms.can_manage and case.is_open


def sign_off_refusal(user: User, supervision: GroupSupervision, case: Case) -> str | None:
    """Why ``user`` may not sign off ``supervision`` (None when they may): only its chair,
    and only while the chair still manages the family's team."""
    if supervision.chair_id != user.pk:
        return NOT_THE_CHAIR
    if not is_chair_eligible(user, case):
        return CHAIR_NOT_A_MANAGER
    return None


# --- what a user may do with a supervision they can see -----------------------------------------


@dataclass(frozen=True)
class SupervisionPermissions:
    """What a user who can see a supervision may do with it (403 when the answer is no)."""

    # Write the record and mark attendance, in the meeting, until it is signed off.
    can_record: bool
    # Agree an action: the meeting does this as it writes the record.
    can_add_action: bool
    can_reschedule: bool
    # The user is the one who signs this supervision off, whether or not it is signed off yet.
    signs_off: bool
    # ... and it is not signed off yet: the sign-off button.
    can_sign_off: bool


def supervision_permissions(
    user: User, supervision: GroupSupervision, case: Case, family_perms: FamilyPermissions
) -> SupervisionPermissions:
    """The permission object ``cases.loader.load_record`` returns with a supervision."""
    open_record = not supervision.is_signed_off
    # The chair and the team's workers write the record together in the meeting.
    can_record = open_record and (supervision.chair_id == user.pk or family_perms.can_record)
    signs_off = sign_off_refusal(user, supervision, case) is None
    return SupervisionPermissions(
        can_record=can_record,
        can_add_action=can_record,
        can_reschedule=open_record and family_perms.can_manage,
        signs_off=signs_off,
        can_sign_off=open_record and signs_off,
    )


# --- supervision actions -------------------------------------------------------------------------


def can_complete_action(user: User, action: SupervisionAction, case: Case | None = None) -> bool:
    """The action's owner, or a team manager or assistant team manager of the family's team
    (``case``: the action's case, when the caller already has it with its family)."""
    return action.owner_id == user.pk or is_chair_eligible(user, case or action.case)


@dataclass(frozen=True)
class ActionPermissions:
    can_complete: bool


def action_permissions(
    user: User, action: SupervisionAction, case: Case, family_perms: FamilyPermissions
) -> ActionPermissions:
    """The permission object ``cases.loader.load_record`` returns with an action."""
    return ActionPermissions(can_complete=can_complete_action(user, action, case))
