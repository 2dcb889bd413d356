"""Who may see, write and authorise workbook entries. Built on the case policy, so the
workbook can never show what the case record would not."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import Allocation, Case
from cases.policies import FamilyPermissions, cases_with_basis
from teams.models import Membership, User
from teams.roles import MANAGER_ROLES, Role

from .models import Entry, EntryStatus
from .registry import FormSpec


def entries_visible_to(user: Any, queryset: QuerySet[Entry] | None = None) -> QuerySet[Entry]:
    """Entries of visible cases. Drafts and returned entries are the author's own work in
    progress until submitted, so only the author sees them."""
    queryset = Entry.objects.all() if queryset is None else queryset
    visible_cases = cases_with_basis(user).values("pk")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(workbook__case_id__in=visible_cases).filter(
        Q(status__in=[EntryStatus.SUBMITTED, EntryStatus.AUTHORISED]) | Q(author=user)
    )


def active_allocation(user: User, case: Case) -> Allocation | None:
    return Allocation.objects.active().filter(case=case, worker=user).first()


def can_author(user: User, case: Case, spec: FormSpec, perms: FamilyPermissions) -> bool:
    """Allocated workers write; the form's author disciplines narrow who (DOMAIN.md)."""
    if not case.is_open or perms.read_only:
        return False
    allocation = active_allocation(user, case)
    if allocation is None:
        return False
    return not spec.author_disciplines or allocation.discipline in spec.author_disciplines


def can_authorise(user: User, case: Case, perms: FamilyPermissions) -> bool:
    return perms.can_manage


def can_see_health_detail(user: User, case: Case) -> bool:
    """Health sections of adult assessments: allocated workers and the team's managers only."""
    if active_allocation(user, case) is not None:
        return True
    team = case.family.owning_team
    today = timezone.localdate()
    return (
        Membership.objects.active(today)
        .filter(
            Q(team=team, role__in=MANAGER_ROLES)
            | Q(role=Role.SERVICE_MANAGER, team__service_id=team.service_id),
            user=user,
        )
        .exists()
    )


def authorisation_queue_for(user: User) -> QuerySet[Entry]:
    """Submitted entries that need a manager, in the teams this user manages."""
    from cases.policies import teams_managed_by

    from .registry import FORMS

    needing = [spec.slug for spec in FORMS if spec.needs_authorisation]
    return (
        entries_visible_to(user)
        .filter(status=EntryStatus.SUBMITTED, form_slug__in=needing)
        .filter(workbook__case__family__owning_team__in=teams_managed_by(user))
        .exclude(author=user)
    )
