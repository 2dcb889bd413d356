"""Who may see, write and authorise workbook entries: the only place it is decided. Built on
the case policy, so the workbook can never show what the case record would not.

The author rule lives here once (``is_entry_author``): an entry is its author's to change and
submit, and someone else's to decide on. Pages and API views ask ``entry_permissions`` (the
permission object ``cases.loader.load_record`` builds for an entry); services that refuse as a
last line of defence ask ``is_entry_author``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import Allocation, Case
from cases.policies import FamilyPermissions, cases_with_basis
from teams.models import Membership, User
from teams.roles import MANAGER_ROLES, Role

from .models import Entry, EntryStatus
from .registry import FORMS, FormSpec, get_form_spec


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


def is_entry_author(user: User, entry: Entry) -> bool:
    """The author rule: only the author changes, submits or attaches files to an entry, and
    nobody authorises or returns an entry they wrote."""
    return entry.author_id == user.pk


def active_allocation(user: User, case: Case) -> Allocation | None:
    return Allocation.objects.active().filter(case=case, worker=user).first()


def _writes(
    spec: FormSpec, case: Case, perms: FamilyPermissions, allocation: Allocation | None
) -> bool:
    """Allocated workers of an open case write; the form's author disciplines narrow who
    (DOMAIN.md). ``allocation`` is the user's active allocation on the case, or None."""
    if not case.is_open or perms.read_only or allocation is None:
        return False
    return not spec.author_disciplines or allocation.discipline in spec.author_disciplines


def can_author(user: User, case: Case, spec: FormSpec, perms: FamilyPermissions) -> bool:
    """Whether the user may start an entry of ``spec`` on the case (one query)."""
    if not case.is_open or perms.read_only:
        return False
    return _writes(spec, case, perms, active_allocation(user, case))


def writable_forms(user: User, case: Case, perms: FamilyPermissions) -> list[FormSpec]:
    """The forms the user may start on the case, in the registry's order (one query)."""
    if not case.is_open or perms.read_only:
        return []
    allocation = active_allocation(user, case)
    return [spec for spec in FORMS if _writes(spec, case, perms, allocation)]


def _manages_team_of(user: User, case: Case) -> bool:
    team = case.family.owning_team
    return (
        Membership.objects.active(timezone.localdate())
        .filter(
            Q(team=team, role__in=MANAGER_ROLES)
            | Q(role=Role.SERVICE_MANAGER, team__service_id=team.service_id),
            user=user,
        )
        .exists()
    )


@dataclass(frozen=True)
class EntryPermissions:
    """What a user who can see an entry may do with it (403 when the answer is no).

    Built by ``entry_permissions``. What needs the database (the user's allocation, whether
    they manage the family's team) is read once, when first asked: at most two queries,
    however many of the answers a page uses."""

    user: User
    entry: Entry
    case: Case
    family: FamilyPermissions

    @property
    def spec(self) -> FormSpec | None:
        """The entry's form; None when the form has left the registry (read-only history)."""
        return get_form_spec(self.entry.form_slug)

    @cached_property
    def allocation(self) -> Allocation | None:
        """The user's active allocation on the case (one query, the first time it is asked)."""
        return active_allocation(self.user, self.case)

    @property
    def is_author(self) -> bool:
        return is_entry_author(self.user, self.entry)

    @cached_property
    def can_write_form(self) -> bool:
        """The user may write this entry's form on the case now: an open case, allocated, a
        discipline that writes the form, and not read-only."""
        spec = self.spec
        if spec is None or not self.case.is_open or self.family.read_only:
            return False  # known without asking for the allocation
        return _writes(spec, self.case, self.family, self.allocation)

    @property
    def can_edit(self) -> bool:
        """Change the answers, autosave, attach files, merge a conflict: the author of a draft
        or returned entry who may still write the form on the case."""
        return self.is_author and self.entry.is_editable and self.can_write_form

    @property
    def can_submit(self) -> bool:
        return self.can_edit

    @property
    def can_authorise(self) -> bool:
        """A manager of the family's team, deciding a submitted entry of a form that needs a
        manager, which someone else wrote."""
        spec = self.spec
        return (
            spec is not None
            and spec.needs_authorisation
            and self.entry.status == EntryStatus.SUBMITTED
            and self.family.can_manage
            and not self.is_author
        )

    @property
    def can_return(self) -> bool:
        return self.can_authorise

    @property
    def can_correct(self) -> bool:
        """Corrections of a submitted or authorised entry are new entries of the same form."""
        return not self.entry.is_editable and self.can_write_form

    @cached_property
    def can_see_health_detail(self) -> bool:
        """Health sections of adult assessments: allocated workers and the team's managers
        only (DOMAIN.md). A manager of the family's team is known without a query."""
        return (
            self.family.can_manage
            or self.allocation is not None
            or _manages_team_of(self.user, self.case)
        )


def entry_permissions(
    user: User, entry: Entry, case: Case, family_perms: FamilyPermissions
) -> EntryPermissions:
    """The permission object of ``cases.loader.load_record(..., permissions=entry_permissions)``."""
    return EntryPermissions(user=user, entry=entry, case=case, family=family_perms)


def authorisation_queue_for(user: User) -> QuerySet[Entry]:
    """Submitted entries that need a manager, in the teams this user manages, written by
    someone else (the author rule, as a query)."""
    from cases.policies import teams_managed_by

    needing = [spec.slug for spec in FORMS if spec.needs_authorisation]
    return (
        entries_visible_to(user)
        .filter(status=EntryStatus.SUBMITTED, form_slug__in=needing)
        .filter(workbook__case__family__owning_team__in=teams_managed_by(user))
        .exclude(author=user)
    )
