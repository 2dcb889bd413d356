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


def emergency_grants_reviewable_by(user: Any) -> QuerySet[AccessGrant]:
    """The emergency access a user may review: every grant for auditors; for team and service
    managers, the grants on families of the teams they manage; none for anyone else."""
    if can_audit(user):
        return AccessGrant.objects.all()
    return AccessGrant.objects.filter(case__family__owning_team__in=teams_managed_by(user))


def emergency_grant_reviewers_to_tell(grant: AccessGrant) -> QuerySet[User]:
    """Who is told that emergency access was used: the managers of the family's own team (team
    manager and assistants), who know the family. Service managers and auditors may review it
    too (``emergency_grants_reviewable_by``) but are not told of each one."""
    managers = Membership.objects.active().filter(
        team_id=grant.case.family.owning_team_id, role__in=MANAGER_ROLES
    )
    return User.objects.filter(is_active=True, pk__in=managers.values("user_id")).order_by("pk")


def share_recipients() -> QuerySet[User]:
    """Who a case may be shared with read-only: reviewing officers and conference chairs, who
    work outside the teams. The share page lists them and ``case_share`` refuses anyone else."""
    return User.objects.filter(
        is_active=True, service_role=ServiceRole.INDEPENDENT_REVIEWING_OFFICER
    ).order_by("family_name", "given_name")


# Team roles that may be a family's lead social worker.
LEAD_ROLES = frozenset(
    {
        Role.SOCIAL_WORKER,
        Role.SENIOR_SOCIAL_WORKER,
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
    }
)


def _lead_memberships(teams: QuerySet[Team]) -> QuerySet[Membership]:
    return Membership.objects.active().filter(team__in=teams, role__in=LEAD_ROLES)


def lead_workers_in(teams: QuerySet[Team]) -> QuerySet[User]:
    """Who may be the lead social worker of a family in one of ``teams``: members of it today
    in a social work or management role."""
    return User.objects.filter(pk__in=_lead_memberships(teams).values("user_id")).order_by(
        "family_name", "given_name"
    )


def can_lead_family_in(user: User, team: Team) -> bool:
    return _lead_memberships(Team.objects.filter(pk=team.pk)).filter(user=user).exists()


def transfer_destinations_for(user: User, case: Case) -> QuerySet[Team]:
    """Teams a manager may move a family to: the other teams of its service, and any team they
    manage themselves."""
    owning_team = case.family.owning_team
    return Team.objects.filter(
        Q(pk__in=teams_managed_by(user).values("pk")) | Q(service_id=owning_team.service_id)
    ).exclude(pk=owning_team.pk)


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


# Service roles that read the KPI pages; team and service managers read them too.
KPI_READER_ROLES = frozenset(
    {ServiceRole.BOARD_MEMBER, ServiceRole.PERFORMANCE_ANALYST, ServiceRole.AUDITOR}
)


@dataclass(frozen=True)
class NavigationFacts:
    """What the service navigation needs to know about a user (``safeguarding.navigation`` only
    maps these to links)."""

    practitioner: bool  # an active member of a team: caseload, tray, teams, training, actions
    person_level: bool  # may see person-level records at all: search
    manager: bool  # manages a team or a service: supervision, authorisations, workforce
    reviewer: bool  # reviews emergency access (``can_review_emergency_access``)
    triager: bool  # works the police notifications queue (``can_triage_notifications``)
    auditor: bool  # the audit pages (``can_audit``)
    kpi_reader: bool  # the KPI pages
    admin: bool  # the admin site


def navigation_facts(user: Any) -> NavigationFacts:
    """The facts for ``user``, each the answer of the policy named beside it in
    ``NavigationFacts``. Every page renders the navigation and query budgets pin its cost, so a
    fact that another implies skips its query: managers are practitioners, reviewers and
    triagers. At most three queries; none for the aggregate-only roles."""
    auditor = can_audit(user)  # no query: the service role is on the user already
    manager = teams_managed_by(user).exists()
    practitioner = manager or can_request_emergency_access(user)
    return NavigationFacts(
        practitioner=practitioner,
        person_level=not _is_aggregate_only(user),
        manager=manager,
        reviewer=auditor or manager,
        triager=manager or (practitioner and can_triage_notifications(user)),
        auditor=auditor,
        kpi_reader=manager or user.service_role in KPI_READER_ROLES,
        admin=bool(user.is_active and user.is_staff),
    )
