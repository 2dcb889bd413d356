"""Reads for the auditor's pages: the read audit (``AccessEvent``), the partner disclosure log
and unusual access. Only ``cases.audit.views`` calls these, after ``policies.can_audit``.

Both logs grow without bound (a row for every record anyone opens), so:

- pages are keyset-paginated on ``(occurred_at, id)``, newest first, with "older" and "newer"
  links and no total count: ``COUNT(*)`` over millions of rows would cost more than the page;
- every filter lands on an index: ``(user_id, -occurred_at)`` and ``(family_id, -occurred_at)``
  for a person or a family, ``(record_type, record_id, -occurred_at)`` for one record and
  ``(-occurred_at, -id)`` for everything else (migration ``cases 0008``);
- names and emails come from correlated subqueries in the same query, because the logs store
  user ids rather than foreign keys (an audit trail must never cascade from the records);
- exports stream through ``.iterator()`` in chunks instead of loading the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from django.db.models import Count, Exists, Max, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat, TruncDate
from django.utils import timezone

from cases.models import (
    AccessBasis,
    AccessEvent,
    Allocation,
    DisclosureLog,
    Family,
)
from cases.policies import emergency_grants_reviewable_by
from teams.models import Membership, Organisation, PartnerClient, User
from teams.workforce.models import ObservationAccessEvent

AUDIT_PAGE_SIZE = 50
EXPORT_CHUNK_SIZE = 2000
UNUSUAL_DEFAULT_DAYS = 30
USER_IDS_INLINE = 50
# The unusual-access summary lists the users with most unusual reads first; past this many the
# auditor narrows the period.
UNUSUAL_USER_LIMIT = 200

# Bases that are always worth a look: break-glass access and read-only shares are exceptions by
# design. Service managers read families across their service as part of the job, and partner
# reads are in the disclosure log, so neither is unusual by itself.
UNUSUAL_BASES = (AccessBasis.GRANT, AccessBasis.SHARED)
EXPECTED_BASES = (AccessBasis.SERVICE, AccessBasis.PARTNER)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)

M = TypeVar("M", bound=Model)
R = TypeVar("R")


# --- keyset pagination ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in a log, newest first: the ``(occurred_at, id)`` of a row, as a URL-safe
    token ``<microseconds since 1970>.<id>``."""

    occurred_at: dt.datetime
    pk: int

    @classmethod
    def of(cls, row: Any) -> Cursor:
        return cls(row.occurred_at, row.pk)

    @classmethod
    def parse(cls, token: str) -> Cursor | None:
        """The cursor in a link, or None for a token nobody could have been given."""
        micros, _, pk = token.partition(".")
        if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()):
            return None
        if len(micros) > 18 or len(pk) > 18:
            return None
        try:
            occurred_at = _EPOCH + int(micros) * _MICROSECOND
        except OverflowError:
            return None
        return cls(occurred_at, int(pk))

    def __str__(self) -> str:
        return f"{(self.occurred_at - _EPOCH) // _MICROSECOND}.{self.pk}"


@dataclass(frozen=True)
class KeysetPage(Generic[R]):
    rows: list[R]
    older: str = ""  # cursor token of the next older page, "" when there is none
    newer: str = ""
    paged: bool = False  # not the newest page: offer a way back to it


def _keyset(
    queryset: QuerySet[M], *, before: str, after: str, size: int
) -> tuple[list[M], str, str, bool]:
    """One page of ``queryset`` newest first: the rows, the older and newer cursors."""
    older_than = Cursor.parse(before) if before else None
    newer_than = Cursor.parse(after) if after and older_than is None else None
    if newer_than is not None:
        # The page above the cursor: read upwards from it, then show it newest first.
        # "occurred_at >= t" keeps the range scan on the index; the exclude drops the ties.
        rows = list(
            queryset.filter(occurred_at__gte=newer_than.occurred_at)
            .exclude(occurred_at=newer_than.occurred_at, pk__lte=newer_than.pk)
            .order_by("occurred_at", "pk")[: size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        newer = str(Cursor.of(rows[0])) if more_newer else ""
        older = str(Cursor.of(rows[-1])) if rows else ""
        return rows, older, newer, True
    if older_than is not None:
        queryset = queryset.filter(occurred_at__lte=older_than.occurred_at).exclude(
            occurred_at=older_than.occurred_at, pk__gte=older_than.pk
        )
    rows = list(queryset.order_by("-occurred_at", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    older = str(Cursor.of(rows[-1])) if more_older else ""
    newer = str(Cursor.of(rows[0])) if older_than is not None and rows else ""
    return rows, older, newer, older_than is not None


def _page(
    queryset: QuerySet[M], row_of: Callable[[M], R], *, before: str, after: str, size: int
) -> KeysetPage[R]:
    """One keyset page of ``queryset``, each row made by ``row_of``."""
    rows, older, newer, paged = _keyset(queryset, before=before, after=after, size=size)
    return KeysetPage([row_of(row) for row in rows], older, newer, paged)


def _export(queryset: QuerySet[M], row_of: Callable[[M], R]) -> Iterator[R]:
    """Every row of ``queryset``, newest first, streamed in chunks for a CSV."""
    for row in queryset.order_by("-occurred_at", "-pk").iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield row_of(row)


def _day_bounds(
    date_from: dt.date | None, date_to: dt.date | None, field: str = "occurred_at"
) -> Q:
    """``date_from`` to ``date_to`` inclusive, as local (UK) days."""
    condition = Q()
    if date_from is not None:
        start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
        condition &= Q(**{f"{field}__gte": start})
    if date_to is not None:
        end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
        condition &= Q(**{f"{field}__lt": end})
    return condition


def _used(filters: Any) -> list[str]:
    """The names of the filters that are set (for a log line: names, never the values)."""
    return [f.name for f in fields(filters) if getattr(filters, f.name) not in (None, "")]


def _user_name_and_email() -> dict[str, Subquery]:
    user = User.objects.filter(pk=OuterRef("user_id")).order_by()
    return {
        "user_name": Subquery(
            user.annotate(full=Concat("given_name", Value(" "), "family_name")).values("full")[:1]
        ),
        "user_email": Subquery(user.values("email")[:1]),
    }


# --- access events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessEventFilters:
    user_email: str = ""  # all or part of the email address of the person who read
    family_id: int | None = None
    record_type: str = ""
    record_id: int | None = None
    action: str = ""
    basis: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def used(self) -> list[str]:
        return _used(self)


@dataclass(frozen=True)
class AccessEventRow:
    event: AccessEvent
    user_name: str  # "" for a partner system's read
    user_email: str

    @property
    def family_reference(self) -> str:
        return Family.reference_for(self.event.family_id) if self.event.family_id else ""

    @classmethod
    def of(cls, event: AccessEvent) -> AccessEventRow:
        # Annotated by ``access_events_matching``; None for a partner system's read.
        return cls(
            event, getattr(event, "user_name", "") or "", getattr(event, "user_email", "") or ""
        )


def _users_matching(email: str) -> Any:
    """Ids of the staff whose email contains ``email``, for ``user_id__in``.

    Looked up first (staff are thousands of rows, not millions), so the planner sees the ids
    and reads the (user_id, -occurred_at) index for a rare reader instead of walking every
    event newest first. A search matching very many people stays a subquery."""
    people = User.objects.filter(email__icontains=email.strip()).order_by()
    ids = list(people.values_list("pk", flat=True)[: USER_IDS_INLINE + 1])
    return people.values("pk") if len(ids) > USER_IDS_INLINE else ids


def access_events_matching(filters: AccessEventFilters) -> QuerySet[AccessEvent]:
    events = AccessEvent.objects.filter(_day_bounds(filters.date_from, filters.date_to))
    if filters.user_email:
        events = events.filter(user_id__in=_users_matching(filters.user_email))
    if filters.family_id is not None:
        events = events.filter(family_id=filters.family_id)
    if filters.record_type:
        events = events.filter(record_type=filters.record_type)
    if filters.record_id is not None:
        events = events.filter(record_id=filters.record_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.basis:
        events = events.filter(basis=filters.basis)
    return events.annotate(**_user_name_and_email())


def access_events_page(
    filters: AccessEventFilters, *, before: str = "", after: str = "", size: int = AUDIT_PAGE_SIZE
) -> KeysetPage[AccessEventRow]:
    return _page(
        access_events_matching(filters), AccessEventRow.of, before=before, after=after, size=size
    )


def access_events_for_export(filters: AccessEventFilters) -> Iterator[AccessEventRow]:
    return _export(access_events_matching(filters), AccessEventRow.of)


# --- practice observation reads -----------------------------------------------------------------


@dataclass(frozen=True)
class ObservationReadFilters:
    """Reads of practice observations (``teams.workforce``): HR records, logged apart from case
    records because ``teams`` may not depend on ``cases``."""

    reader_email: str = ""  # all or part of the email address of the person who read
    worker_email: str = ""  # ... of the worker the observation is about
    basis: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def used(self) -> list[str]:
        return _used(self)


@dataclass(frozen=True)
class ObservationReadRow:
    event: ObservationAccessEvent
    user_name: str
    user_email: str
    worker_name: str
    worker_email: str

    @classmethod
    def of(cls, event: ObservationAccessEvent) -> ObservationReadRow:
        # Annotated by ``observation_reads_matching``.
        return cls(
            event,
            getattr(event, "user_name", "") or "",
            getattr(event, "user_email", "") or "",
            getattr(event, "worker_name", "") or "",
            getattr(event, "worker_email", "") or "",
        )


def observation_reads_matching(filters: ObservationReadFilters) -> QuerySet[ObservationAccessEvent]:
    events = ObservationAccessEvent.objects.filter(_day_bounds(filters.date_from, filters.date_to))
    if filters.reader_email:
        events = events.filter(user_id__in=_users_matching(filters.reader_email))
    if filters.worker_email:
        events = events.filter(worker_id__in=_users_matching(filters.worker_email))
    if filters.basis:
        events = events.filter(basis=filters.basis)
    worker = User.objects.filter(pk=OuterRef("worker_id")).order_by()
    return events.annotate(
        **_user_name_and_email(),
        worker_name=Subquery(
            worker.annotate(full=Concat("given_name", Value(" "), "family_name")).values("full")[:1]
        ),
        worker_email=Subquery(worker.values("email")[:1]),
    )


def observation_reads_page(
    filters: ObservationReadFilters,
    *,
    before: str = "",
    after: str = "",
    size: int = AUDIT_PAGE_SIZE,
) -> KeysetPage[ObservationReadRow]:
    return _page(
        observation_reads_matching(filters),
        ObservationReadRow.of,
        before=before,
        after=after,
        size=size,
    )


def observation_reads_for_export(filters: ObservationReadFilters) -> Iterator[ObservationReadRow]:
    return _export(observation_reads_matching(filters), ObservationReadRow.of)


# --- partner disclosures -------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureFilters:
    organisation_id: int | None = None
    client_id: int | None = None
    operation: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def used(self) -> list[str]:
        return _used(self)


@dataclass(frozen=True)
class DisclosureRow:
    log: DisclosureLog
    organisation_name: str
    client_name: str

    @classmethod
    def of(cls, log: DisclosureLog) -> DisclosureRow:
        # Annotated by ``disclosures_matching``.
        return cls(
            log, getattr(log, "organisation_name", "") or "", getattr(log, "client_name", "") or ""
        )


def disclosures_matching(filters: DisclosureFilters) -> QuerySet[DisclosureLog]:
    logs = DisclosureLog.objects.filter(_day_bounds(filters.date_from, filters.date_to))
    if filters.organisation_id is not None:
        logs = logs.filter(organisation_id=filters.organisation_id)
    if filters.client_id is not None:
        logs = logs.filter(client_id=filters.client_id)
    if filters.operation:
        logs = logs.filter(operation=filters.operation.strip())
    return logs.annotate(
        organisation_name=Subquery(
            Organisation.objects.filter(pk=OuterRef("organisation_id"))
            .order_by()
            .values("name")[:1]
        ),
        client_name=Subquery(
            PartnerClient.objects.filter(pk=OuterRef("client_id")).order_by().values("name")[:1]
        ),
    )


def disclosures_page(
    filters: DisclosureFilters, *, before: str = "", after: str = "", size: int = AUDIT_PAGE_SIZE
) -> KeysetPage[DisclosureRow]:
    return _page(
        disclosures_matching(filters), DisclosureRow.of, before=before, after=after, size=size
    )


def disclosures_for_export(filters: DisclosureFilters) -> Iterator[DisclosureRow]:
    return _export(disclosures_matching(filters), DisclosureRow.of)


def partner_organisations() -> QuerySet[Organisation]:
    """Organisations with a registered partner client: the ones with disclosures."""
    return Organisation.objects.filter(
        Exists(PartnerClient.objects.filter(organisation_id=OuterRef("pk")))
    ).order_by("name")


def partner_clients() -> QuerySet[PartnerClient]:
    return PartnerClient.objects.select_related("organisation").order_by(
        "organisation__name", "name"
    )


# --- unusual access ------------------------------------------------------------------------------


def _unusual(events: QuerySet[AccessEvent]) -> QuerySet[AccessEvent]:
    """The reads that need a second look, worked out by the database in one statement.

    A read is unusual when it used emergency access or a share, or when, on the (UK) day it
    happened, the reader had no allocation on any case of the family and no membership of the
    family's owning team. Service managers' reads across their service are expected.

    The owning team is today's: for a family transferred since the read, a read by the old
    team is flagged and a read by someone in the new team before the transfer is not.
    Transfers are rare and the family's change history (django-pghistory) has the old team;
    joining it here would put a history scan inside every row's check.
    """
    day = OuterRef("_day")
    active_on_day = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
    allocated = Allocation.objects.filter(
        active_on_day, case__family_id=OuterRef("family_id"), worker_id=OuterRef("user_id")
    )
    member = Membership.objects.filter(
        active_on_day,
        user_id=OuterRef("user_id"),
        team_id=Subquery(
            Family.objects.filter(pk=OuterRef(OuterRef("family_id")))
            .order_by()
            .values("owning_team_id")[:1]
        ),
    )
    outside = (
        Q(family_id__isnull=False)
        & ~Q(basis__in=[*UNUSUAL_BASES, *EXPECTED_BASES])
        & ~Exists(allocated)
        & ~Exists(member)
    )
    return (
        events.filter(user_id__isnull=False)
        .annotate(_day=TruncDate("occurred_at"))
        .filter(Q(basis__in=UNUSUAL_BASES) | outside)
    )


def unusual_period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked for, the last 30 days (today included) by default."""
    today = timezone.localdate()
    date_to = date_to or today
    return date_from or date_to - dt.timedelta(days=UNUSUAL_DEFAULT_DAYS - 1), date_to


@dataclass(frozen=True)
class UnusualUserRow:
    user: User
    unusual: int
    emergency: int
    shared: int
    last_at: dt.datetime


def unusual_access_by_user(date_from: dt.date, date_to: dt.date) -> list[UnusualUserRow]:
    """People with unusual reads in the period, most first: two queries however many reads."""
    counts = list(
        _unusual(AccessEvent.objects.filter(_day_bounds(date_from, date_to)))
        .values("user_id")
        .annotate(
            unusual=Count("pk"),
            emergency=Count("pk", filter=Q(basis=AccessBasis.GRANT)),
            shared=Count("pk", filter=Q(basis=AccessBasis.SHARED)),
            last_at=Max("occurred_at"),
        )
        .order_by("-unusual", "user_id")[:UNUSUAL_USER_LIMIT]
    )
    users = User.objects.in_bulk([row["user_id"] for row in counts])
    return [
        UnusualUserRow(
            user=users[row["user_id"]],
            unusual=row["unusual"],
            emergency=row["emergency"],
            shared=row["shared"],
            last_at=row["last_at"],
        )
        for row in counts
        if row["user_id"] in users
    ]


def unusual_access_for_user(
    user: User,
    date_from: dt.date,
    date_to: dt.date,
    *,
    before: str = "",
    after: str = "",
    size: int = AUDIT_PAGE_SIZE,
) -> KeysetPage[AccessEventRow]:
    events = _unusual(
        AccessEvent.objects.filter(_day_bounds(date_from, date_to), user_id=user.pk)
    ).annotate(**_user_name_and_email())
    return _page(events, AccessEventRow.of, before=before, after=after, size=size)


def emergency_grants_awaiting_review(user: User) -> int:
    """How many of the grants the user may review are waiting for a review (for auditors,
    every grant)."""
    return emergency_grants_reviewable_by(user).filter(reviewed_at__isnull=True).count()
