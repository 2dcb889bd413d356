"""Who may chair, record and sign off group supervision. Built on the case policy."""

from __future__ import annotations

from cases.models import Case
from cases.policies import FamilyPermissions
from teams.models import Membership, User
from teams.roles import MANAGER_ROLES

from .models import GroupSupervision, SupervisionAction


def is_chair_eligible(user: User, case: Case) -> bool:
    """Team managers and assistant team managers of the family's team chair supervision."""
    return (
        Membership.objects.active()
        .filter(user=user, team_id=case.family.owning_team_id, role__in=MANAGER_ROLES)
        .exists()
    )


def can_record(user: User, supervision: GroupSupervision, perms: FamilyPermissions) -> bool:
    """The chair and the team's workers write the record together in the meeting."""
    return not supervision.is_signed_off and (supervision.chair_id == user.pk or perms.can_record)


def can_complete_action(user: User, action: SupervisionAction) -> bool:
    return action.owner_id == user.pk or is_chair_eligible(user, action.case)
