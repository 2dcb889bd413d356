"""Who may see and do what with the workforce pages: the only place it is decided.

``teams`` may not import ``cases`` (DESIGN §3), so the two team checks the workforce needs
(which teams a user belongs to, which they manage) are written here over memberships, the same
rules as ``cases.policies.teams_visible_to`` / ``teams_managed_by``.

- The establishment of a team: its managers (team manager, assistant, the service manager of
  its service); service managers change it. Other members of the team get 403, everyone else
  404.
- Training: every team member reads the catalogue and sessions; team standards coordinators and
  managers schedule sessions and book places; the trainer of a session, a team standards
  coordinator or whoever scheduled it records attendance. A training record is seen by its
  owner, their managers and the team standards coordinators of their teams.
- Practice observations are staff development records: seen by the observed worker, the
  observer and the worker's managers only, never by colleagues or the board (404 for anyone
  else). A worker's managers are those over their home team, senior to them: the service
  manager over anyone in the service; the team manager over everyone in the team but
  managers; the assistant over everyone but managers. The worker's managers and Motivational
  Interviewing trainers record observations.

Board members, analysts and administrators hold no membership, and are refused every one of
these pages: they see the workforce only through the KPIs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..models import Membership, Team, User
from ..roles import AGGREGATE_ONLY_ROLES, MANAGER_ROLES, Role
from .catalogue import MI_EMBEDDING, MI_FIRST_COURSE
from .models import PracticeObservation, TrainingSession

SCHEDULING_ROLES = frozenset(
    {
        Role.TEAM_STANDARDS_COORDINATOR,
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
        Role.SERVICE_MANAGER,
    }
)
# Whom each manager role manages, among the members of the teams it manages.
MANAGES: dict[str, frozenset[str]] = {
    Role.SERVICE_MANAGER: frozenset(set(Role.values) - {Role.SERVICE_MANAGER}),
    Role.TEAM_MANAGER: frozenset(set(Role.values) - {Role.SERVICE_MANAGER, Role.TEAM_MANAGER}),
    Role.ASSISTANT_TEAM_MANAGER: frozenset(
        set(Role.values) - {Role.SERVICE_MANAGER} - MANAGER_ROLES
    ),
}
MI_COURSES = (MI_FIRST_COURSE, MI_EMBEDDING)


def _in_scope(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.service_role not in AGGREGATE_ONLY_ROLES
    )


def _memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.active().filter(user=user)


def teams_of(user: Any) -> QuerySet[Team]:
    """Teams the user belongs to, and every team of a service they manage."""
    if not _in_scope(user):
        return Team.objects.none()
    memberships = _memberships(user)
    return Team.objects.filter(
        Q(pk__in=memberships.values("team_id"))
        | Q(service_id__in=memberships.filter(role=Role.SERVICE_MANAGER).values("team__service_id"))
    )


def teams_managed(user: Any) -> QuerySet[Team]:
    if not _in_scope(user):
        return Team.objects.none()
    memberships = _memberships(user)
    return Team.objects.filter(
        Q(pk__in=memberships.filter(role__in=MANAGER_ROLES).values("team_id"))
        | Q(service_id__in=memberships.filter(role=Role.SERVICE_MANAGER).values("team__service_id"))
    )


def is_team_member(user: Any) -> bool:
    return _in_scope(user) and _memberships(user).exists()


# --- establishment --------------------------------------------------------------------------


def can_view_establishment(user: User, team: Team) -> bool:
    return teams_managed(user).filter(pk=team.pk).exists()


def can_edit_establishment(user: User, team: Team) -> bool:
    return (
        _in_scope(user)
        and _memberships(user)
        .filter(role=Role.SERVICE_MANAGER, team__service_id=team.service_id)
        .exists()
    )


# --- training -------------------------------------------------------------------------------


def can_schedule_training(user: Any) -> bool:
    return _in_scope(user) and _memberships(user).filter(role__in=SCHEDULING_ROLES).exists()


def can_record_attendance(user: Any, session: TrainingSession) -> bool:
    if not _in_scope(user):
        return False
    return (
        session.trainer_id == user.pk
        or session.scheduled_by_id == user.pk
        or _memberships(user).filter(role=Role.TEAM_STANDARDS_COORDINATOR).exists()
    )


def can_view_training_record(viewer: Any, worker: User) -> bool:
    if not _in_scope(viewer):
        return False
    if viewer.pk == worker.pk:
        return True
    coordinated = (
        _memberships(viewer).filter(role=Role.TEAM_STANDARDS_COORDINATOR).values("team_id")
    )
    return (
        Membership.objects.active()
        .filter(user=worker)
        .filter(Q(team_id__in=coordinated) | _managed_membership(viewer))
        .exists()
    )


# --- practice observations ------------------------------------------------------------------


def _managed_membership(viewer: User) -> Q:
    """A condition on a worker's ``Membership`` rows: the viewer manages them through it."""
    memberships = _memberships(viewer)
    condition = Q(pk__in=[])
    for role, managed_roles in MANAGES.items():
        if role == Role.SERVICE_MANAGER:
            teams = Q(team__service_id__in=memberships.filter(role=role).values("team__service_id"))
        else:
            teams = Q(team_id__in=memberships.filter(role=role).values("team_id"))
        condition |= teams & Q(role__in=managed_roles, is_home_team=True)
    return condition


def workers_managed_by(viewer: Any) -> QuerySet[User]:
    if not _in_scope(viewer):
        return User.objects.none()
    managed = Membership.objects.active().filter(_managed_membership(viewer))
    return User.objects.filter(Exists(managed.filter(user_id=OuterRef("pk")))).exclude(pk=viewer.pk)


def manages(viewer: Any, worker: User) -> bool:
    return workers_managed_by(viewer).filter(pk=worker.pk).exists()


def is_mi_trainer(user: Any) -> bool:
    """Someone who trains Motivational Interviewing: the trainer of an MI session."""
    return (
        _in_scope(user)
        and TrainingSession.objects.filter(trainer=user, course__code__in=MI_COURSES).exists()
    )


def observations_visible_to(
    viewer: Any, queryset: QuerySet[PracticeObservation] | None = None
) -> QuerySet[PracticeObservation]:
    """The observed worker's own, the observer's, and those of workers the viewer manages."""
    queryset = PracticeObservation.objects.all() if queryset is None else queryset
    if not _in_scope(viewer):
        return queryset.none()
    managed = Membership.objects.active().filter(_managed_membership(viewer))
    return queryset.filter(
        Q(worker=viewer)
        | Q(observer=viewer)
        | (Exists(managed.filter(user_id=OuterRef("worker_id"))) & ~Q(worker=viewer))
    )


def can_view_observations_of(viewer: Any, worker: User) -> bool:
    """The worker's history page: themselves, their managers, and anyone who observed them
    (who then sees only their own observations)."""
    if not _in_scope(viewer):
        return False
    return (
        viewer.pk == worker.pk
        or manages(viewer, worker)
        or PracticeObservation.objects.filter(worker=worker, observer=viewer).exists()
    )


def can_record_observation(viewer: Any, worker: User) -> bool:
    if not _in_scope(viewer) or viewer.pk == worker.pk or not worker.is_active:
        return False
    return manages(viewer, worker) or is_mi_trainer(viewer)
