"""Who may see and do what with families, people and cases: the only place it is decided.

A user sees a case when they have a legitimate relationship with it (DESIGN §5):

- an active allocation on the case;
- an active membership of the family's owning team;
- a service manager membership in any team of the owning team's service;
- an unexpired, unrevoked emergency ("break-glass") access grant;
- a read-only share of the case (django-guardian object permission, for reviewing officers
  and conference chairs).

Restricted families need an allocation, a grant or a share: team membership is not enough.
Board members, analysts and system administrators never see a person-level record.

Every list, detail, search and export uses ``cases_visible_to`` / ``families_visible_to`` /
``people_visible_to``, built from ``Exists()`` subqueries so the database does the work in one
query. Records a user cannot see answer 404; records they can see but not change answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from teams.models import Membership, Team, User
from teams.roles import AGGREGATE_ONLY_ROLES, MANAGER_ROLES, Role, ServiceRole

from .models import (
    AccessBasis,
    AccessGrant,
    Allocation,
    Case,
    CaseUserObjectPermission,
    Family,
    FamilyMember,
    Person,
)

SHARED_CASE_PERMISSION = "view_shared_case"

# Team roles that may take a referral and record on any family of their team.
RECORDING_ROLES = frozenset(
    {
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
        Role.SENIOR_SOCIAL_WORKER,
        Role.SOCIAL_WORKER,
        Role.FAMILY_PRACTITIONER,
        Role.TEAM_STANDARDS_COORDINATOR,
    }
)
REFERRAL_ROLES = frozenset(
    {
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
        Role.SENIOR_SOCIAL_WORKER,
        Role.SOCIAL_WORKER,
        Role.TEAM_STANDARDS_COORDINATOR,
        Role.SERVICE_MANAGER,
    }
)


def _is_aggregate_only(user: Any) -> bool:
    return (
        not getattr(user, "is_authenticated", False)
        or not user.is_active
        or user.service_role in AGGREGATE_ONLY_ROLES
    )


def _active_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.active().filter(user=user)


def _basis_subqueries(user: User, case_ref: str, team_ref: str) -> dict[str, Exists]:
    """One Exists() per basis of access; ``case_ref``/``team_ref`` name the outer columns."""
    today = timezone.localdate()
    now = timezone.now()
    memberships = _active_memberships(user)
    return {
        AccessBasis.ALLOCATION: Exists(
            Allocation.objects.active(today).filter(case_id=OuterRef(case_ref), worker=user)
        ),
        AccessBasis.TEAM: Exists(memberships.filter(team_id=OuterRef(team_ref))),
        AccessBasis.SERVICE: Exists(
            memberships.filter(
                role=Role.SERVICE_MANAGER,
                team__service__teams__id=OuterRef(team_ref),
            )
        ),
        AccessBasis.GRANT: Exists(
            AccessGrant.objects.filter(
                case_id=OuterRef(case_ref), user=user, revoked_at__isnull=True, expires_at__gt=now
            )
        ),
        AccessBasis.SHARED: Exists(
            CaseUserObjectPermission.objects.filter(
                content_object_id=OuterRef(case_ref),
                user=user,
                permission__codename=SHARED_CASE_PERMISSION,
            )
        ),
    }


def _visibility_condition(restricted_ref: str) -> Q:
    unrestricted = Q(**{restricted_ref: False})
    return (
        Q(_basis_allocation=True)
        | Q(_basis_grant=True)
        | Q(_basis_shared=True)
        | (unrestricted & (Q(_basis_team=True) | Q(_basis_service=True)))
    )


def with_case_basis(user: Any, queryset: QuerySet[Any], case_path: str = "") -> QuerySet[Any]:
    """``queryset`` narrowed to rows whose case the user may see, each annotated with
    ``_basis_<name>`` booleans. ``case_path`` leads from the queryset's model to its case
    (``""`` for cases themselves, ``"workbook__case"`` for workbook entries), so a record and
    the reason it is visible come back in one query."""
    if _is_aggregate_only(user):
        return queryset.none()
    prefix = f"{case_path}__" if case_path else ""
    case_ref = f"{case_path}_id" if case_path else "pk"
    annotations = {
        f"_basis_{name}": subquery
        for name, subquery in _basis_subqueries(
            user, case_ref, f"{prefix}family__owning_team_id"
        ).items()
    }
    return queryset.annotate(**annotations).filter(
        _visibility_condition(f"{prefix}family__restricted")
    )


def cases_with_basis(user: Any, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases the user may see, each annotated with ``_basis_<name>`` booleans."""
    return with_case_basis(user, Case.objects.all() if queryset is None else queryset)


def cases_visible_to(user: Any, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    return cases_with_basis(user, queryset)


def families_visible_to(user: Any, queryset: QuerySet[Family] | None = None) -> QuerySet[Family]:
    queryset = Family.objects.all() if queryset is None else queryset
    if _is_aggregate_only(user):
        return queryset.none()
    return queryset.filter(Exists(cases_with_basis(user).filter(family_id=OuterRef("pk"))))


def people_visible_to(user: Any, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    queryset = Person.objects.all() if queryset is None else queryset
    if _is_aggregate_only(user):
        return queryset.none()
    visible_families = families_visible_to(user).values("pk")
    return queryset.filter(
        Exists(
            FamilyMember.objects.filter(person_id=OuterRef("pk"), family_id__in=visible_families)
        )
    )


BASIS_ORDER = [
    AccessBasis.ALLOCATION,
    AccessBasis.TEAM,
    AccessBasis.SERVICE,
    AccessBasis.GRANT,
    AccessBasis.SHARED,
]


def basis_of(case: Case, annotated: Any = None) -> AccessBasis:
    """The most specific reason a case fetched through ``with_case_basis`` is visible. The
    ``_basis_<name>`` flags are read from ``annotated`` (the record the query returned, when it
    is not the case itself)."""
    source = case if annotated is None else annotated
    for basis in BASIS_ORDER:
        if getattr(source, f"_basis_{basis.value}", False) and (
            basis not in (AccessBasis.TEAM, AccessBasis.SERVICE) or not case.family.restricted
        ):
            return basis
    raise ValueError("case was not fetched through with_case_basis")


@dataclass(frozen=True)
class FamilyPermissions:
    """What a user may do on a family they can see (403 when the answer is no)."""

    basis: AccessBasis
    can_record: bool
    can_manage: bool
    can_share: bool
    can_view_access_log: bool

    @property
    def read_only(self) -> bool:
        return not self.can_record


def _team_roles(user: User, team: Team) -> set[str]:
    """The user's roles that count for ``team``: their own memberships there, and service
    manager memberships anywhere in the team's service."""
    roles: set[str] = set()
    for membership in _active_memberships(user).select_related("team"):
        if membership.team_id == team.pk:
            roles.add(membership.role)
        elif (
            membership.role == Role.SERVICE_MANAGER
            and membership.team.service_id == team.service_id
        ):
            roles.add(Role.SERVICE_MANAGER)
    return roles


def family_permissions(
    user: User, case: Case, basis: AccessBasis | None = None
) -> FamilyPermissions:
    """Permissions on a case fetched through ``with_case_basis`` (so it is visible); ``basis``
    when the loader already worked it out from the record it fetched."""
    basis = basis_of(case) if basis is None else basis
    team = case.family.owning_team
    roles = _team_roles(user, team)
    is_manager = bool(roles & (MANAGER_ROLES | {Role.SERVICE_MANAGER}))
    in_team_work = basis in (AccessBasis.ALLOCATION, AccessBasis.TEAM, AccessBasis.SERVICE)
    can_record = in_team_work and (
        basis == AccessBasis.ALLOCATION or bool(roles & RECORDING_ROLES) or is_manager
    )
    return FamilyPermissions(
        basis=basis,
        can_record=can_record,
        can_manage=in_team_work and is_manager,
        can_share=in_team_work and is_manager,
        can_view_access_log=(in_team_work and is_manager)
        or user.service_role == ServiceRole.AUDITOR,
    )


def is_team_manager(user: User, team: Team) -> bool:
    """Team manager or assistant of ``team``, or service manager of its service."""
    return bool(_team_roles(user, team) & (MANAGER_ROLES | {Role.SERVICE_MANAGER}))


def can_take_referral(user: User, team: Team) -> bool:
    return bool(_team_roles(user, team) & REFERRAL_ROLES)


def teams_for_referrals(user: User) -> QuerySet[Team]:
    """Teams the user may open a new family in."""
    if _is_aggregate_only(user):
        return Team.objects.none()
    memberships = _active_memberships(user)
    own = memberships.filter(role__in=REFERRAL_ROLES - {Role.SERVICE_MANAGER}).values("team_id")
    managed_services = memberships.filter(role=Role.SERVICE_MANAGER).values("team__service_id")
    return Team.objects.filter(Q(pk__in=own) | Q(service_id__in=managed_services), is_active=True)


def teams_managed_by(user: User) -> QuerySet[Team]:
    """Teams whose caseload and members the user manages (team manager, assistant, service manager)."""
    if _is_aggregate_only(user):
        return Team.objects.none()
    memberships = _active_memberships(user)
    own = memberships.filter(role__in=MANAGER_ROLES).values("team_id")
    managed_services = memberships.filter(role=Role.SERVICE_MANAGER).values("team__service_id")
    return Team.objects.filter(Q(pk__in=own) | Q(service_id__in=managed_services))


def teams_visible_to(user: User) -> QuerySet[Team]:
    """Team pages: members of the team and managers of its service."""
    if _is_aggregate_only(user):
        return Team.objects.none()
    memberships = _active_memberships(user)
    return Team.objects.filter(
        Q(pk__in=memberships.values("team_id"))
        | Q(service_id__in=memberships.filter(role=Role.SERVICE_MANAGER).values("team__service_id"))
    )


def can_manage_memberships(user: User, team: Team) -> bool:
    """Service managers start and end memberships of the teams in their service."""
    return Role.SERVICE_MANAGER in _team_roles(user, team)


def can_request_emergency_access(user: Any) -> bool:
    """Any active practitioner may ask for break-glass access; aggregate-only roles may not."""
    return not _is_aggregate_only(user) and _active_memberships(user).exists()


def can_audit(user: Any) -> bool:
    """The audit pages (who read which record, partner disclosures, unusual access) are for
    auditors only. They name staff and family references, so system administrators, who see
    aggregates only, are refused like everyone else."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.service_role == ServiceRole.AUDITOR
    )


def can_review_emergency_access(user: User) -> bool:
    return can_audit(user) or teams_managed_by(user).exists()


def can_be_shared_with(user: User) -> bool:
    """Read-only shares are for reviewing officers and conference chairs outside the team."""
    return user.is_active and user.service_role == ServiceRole.INDEPENDENT_REVIEWING_OFFICER


TRIAGE_ROLES = frozenset(
    {
        Role.TEAM_STANDARDS_COORDINATOR,
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
        Role.SERVICE_MANAGER,
    }
)


def can_triage_notifications(user: Any) -> bool:
    """Partner notifications that matched no family wait for the team standards coordinators
    (and the managers they work for) to match or dismiss. The queue shows what the police sent,
    so nobody else sees it; a match is only ever to a family the coordinator can see."""
    if not getattr(user, "is_authenticated", False) or _is_aggregate_only(user):
        return False
    return _active_memberships(user).filter(role__in=TRIAGE_ROLES).exists()
