"""The one way a page or an API view loads a record of a family (DESIGN §5).

``load_record`` takes the record from the caller's visibility queryset (404 when the user may
not see it), brings its case, family and the reason the user may see it in the same query,
works out what the user may do (the family permissions of ``cases.policies`` and, for records
with rules of their own, the app's permission object), loads the banner warnings and writes the
read audit. Every app's pages and API views call it, so none of them decides access or forgets
the audit on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from teams.models import User

from .models import AccessAction, AccessBasis, Case, Family, Person, RecordType, Warning
from .policies import FamilyPermissions, basis_of, family_permissions, with_case_basis
from .selectors import family_banner_warnings
from .services import access_event_record

R = TypeVar("R", bound=Model)
P = TypeVar("P")

CASE_RELATIONS = ("family", "family__owning_team", "family__owning_team__service")


class RecordContext(Generic[R, P]):
    """A record the user may see, its case, and what the user may do with it.

    ``perms``: what the user may do on the family (record, manage, share...); ``can``: the
    record's own permission object (the entry's, the supervision's), or ``perms`` again for the
    family itself. Both, and the banner ``warnings``, are worked out when first asked for, so
    an API view that needs none of them pays no query for them."""

    def __init__(
        self,
        *,
        user: User,
        record: R,
        case: Case,
        basis: AccessBasis,
        permissions: Callable[[User, R, Case, FamilyPermissions], P] | None = None,
    ) -> None:
        self.user = user
        self.record = record
        self.case = case
        self.basis = basis
        self._permissions = permissions

    @property
    def family(self) -> Family:
        return self.case.family

    @cached_property
    def perms(self) -> FamilyPermissions:
        return family_permissions(self.user, self.case, self.basis)

    @cached_property
    def can(self) -> P:
        if self._permissions is None:
            return self.perms  # type: ignore[return-value]
        return self._permissions(self.user, self.record, self.case, self.perms)

    @cached_property
    def warnings(self) -> list[Warning]:
        return family_banner_warnings(self.case.family)

    def audit_read(
        self,
        record_type: RecordType,
        *,
        action: AccessAction = AccessAction.VIEW,
        record_id: int | None = None,
    ) -> None:
        """Write the read audit after a permission check, for a page that may still refuse
        (403) or send the user elsewhere once it has the record: a refusal is not a read."""
        _audit(self.user, record_type, self.case, self.basis, action, record_id or self.record.pk)


def _audit(
    user: User,
    record_type: RecordType,
    case: Case,
    basis: AccessBasis,
    action: AccessAction,
    record_id: int,
) -> None:
    access_event_record(
        user=user,
        record_type=record_type,
        record_id=record_id,
        family_id=case.family_id,
        basis=basis,
        action=action,
    )


def _case_of(record: Model, case_path: str) -> Case:
    target: Any = record
    for part in case_path.split("__") if case_path else []:
        target = getattr(target, part)
    return target


def load_record(
    user: User,
    queryset: QuerySet[R],
    pk: int | None = None,
    *,
    case_path: str = "",
    permissions: Callable[[User, R, Case, FamilyPermissions], P] | None = None,
    audit: RecordType | None = None,
    action: AccessAction = AccessAction.VIEW,
    audit_id: int | None = None,
) -> RecordContext[R, P]:
    """The record ``pk`` of ``queryset`` (the first row when ``pk`` is None), or 404.

    ``case_path`` leads from the record to its case (``""`` when the record is the case).
    ``audit``: the record type to write a read-audit row for (a family is audited as the
    family, whichever of its cases was loaded; ``audit_id`` names a record reached through
    the case, such as a person); None for pages that only act or list."""
    prefix = f"{case_path}__" if case_path else ""
    rows = with_case_basis(user, queryset, case_path).select_related(
        *(f"{prefix}{relation}" for relation in CASE_RELATIONS)
    )
    record = rows.filter(pk=pk).first() if pk is not None else rows.first()
    if record is None:
        raise Http404("No record found")
    case = _case_of(record, case_path)
    basis = basis_of(case, annotated=record)
    if audit is not None:
        record_id = case.family_id if audit == RecordType.FAMILY else record.pk
        _audit(user, audit, case, basis, action, audit_id or record_id)
    return RecordContext(user=user, record=record, case=case, basis=basis, permissions=permissions)


# Any record: pages that show a family banner need only its case, permissions and warnings.
FamilyContext = RecordContext[Any, FamilyPermissions]


def current_first(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with the current one first (the open one, else the latest)."""
    return cases.select_related("lead_social_worker").order_by(
        Coalesce("closed_date", dt.date.max).desc(), "-referral_date"
    )


def family_cases(family_pk: int) -> QuerySet[Case]:
    return current_first(Case.objects.filter(family_id=family_pk))


def load_family(
    user: User,
    family_pk: int,
    *,
    audit: bool = False,
    action: AccessAction = AccessAction.VIEW,
) -> FamilyContext:
    """A family the user may see, through its current case; 404 otherwise."""
    return load_record(
        user,
        family_cases(family_pk),
        audit=RecordType.FAMILY if audit else None,
        action=action,
    )


def load_person(
    user: User,
    person_pk: int,
    *,
    audit: bool = False,
    action: AccessAction = AccessAction.VIEW,
) -> tuple[Person, FamilyContext]:
    """A person the user may see, with the most relevant visible case of their families."""
    ctx: FamilyContext = load_record(
        user,
        current_first(Case.objects.filter(family__members__person_id=person_pk)),
        audit=RecordType.PERSON if audit else None,
        action=action,
        audit_id=person_pk,
    )
    return Person.objects.get(pk=person_pk), ctx
