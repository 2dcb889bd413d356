"""Reads of cases data that are more than a ``get``. Each owns its query shape, so pages run a
fixed number of queries however many rows they show (STYLE.md §3, §13)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from cases.clocks.engine import Due, dues_for_case
from teams.models import Membership, Team, User

from .models import (
    AccessBasis,
    AccessEvent,
    AccessGrant,
    Allocation,
    Case,
    CaseStatus,
    CaseUserObjectPermission,
    ChildStatus,
    ChronologyEvent,
    Family,
    FamilyMember,
    HouseholdRole,
    MatchBasis,
    NotificationStatus,
    PartnerNotification,
    Person,
    PersonRole,
    ReferenceCode,
    Relationship,
    Warning,
)
from .policies import (
    SHARED_CASE_PERMISSION,
    basis_of,
    cases_with_basis,
    emergency_grants_reviewable_by,
    families_visible_to,
    people_visible_to,
)

# Trigram word similarity above which two names with the same date of birth count as "similar"
# for duplicate warnings: 0.3 catches common spelling variants ("Jon Smyth" and "John Smith"
# score 0.31), and the date of birth must match exactly, so false alarms stay rare.
DUPLICATE_NAME_SIMILARITY = 0.3
SEARCH_LIMIT = 50


def reference_codes(code_list: str, on: dt.date | None = None) -> list[tuple[str, str]]:
    day = on or timezone.localdate()
    return list(
        ReferenceCode.objects.filter(code_list=code_list, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("sort_order", "code")
        .values_list("code", "label")
    )


def code_labels(code_list: str) -> dict[str, str]:
    return dict(ReferenceCode.objects.filter(code_list=code_list).values_list("code", "label"))


def code_labels_for(*code_lists: str) -> dict[str, dict[str, str]]:
    """``code_labels`` for several code lists in one query (the family page needs four)."""
    labels: dict[str, dict[str, str]] = {code_list: {} for code_list in code_lists}
    for code_list, code, label in ReferenceCode.objects.filter(
        code_list__in=code_lists
    ).values_list("code_list", "code", "label"):
        labels[code_list][code] = label
    return labels


def similar_people(
    actor: User, *, given_name: str, family_name: str, date_of_birth: dt.date
) -> QuerySet[Person]:
    """People the actor may see with the same date of birth and a similar name."""
    name = f"{given_name} {family_name}".lower()
    return (
        people_visible_to(actor)
        .filter(date_of_birth=date_of_birth)
        .annotate(similarity=TrigramWordSimilarity(name, "search_name"))
        .filter(similarity__gte=DUPLICATE_NAME_SIMILARITY)
        .order_by("-similarity")[:10]
    )


def current_members(family_id: int) -> list[FamilyMember]:
    """The people in the household now, with their person rows, for forms and agendas."""
    return list(
        FamilyMember.objects.filter(family_id=family_id, end_date__isnull=True)
        .select_related("person")
        .order_by("household_role", "person__date_of_birth")
    )


def current_children(family_id: int) -> list[Person]:
    return [m.person for m in current_members(family_id) if m.household_role == HouseholdRole.CHILD]


def current_adults(family_id: int) -> list[Person]:
    return [m.person for m in current_members(family_id) if m.household_role != HouseholdRole.CHILD]


def _current_children() -> Prefetch[Any]:
    return Prefetch(
        "family__members",
        queryset=FamilyMember.objects.filter(
            end_date__isnull=True, household_role=HouseholdRole.CHILD
        )
        .select_related("person")
        .order_by("person__date_of_birth"),
        to_attr="current_children",
    )


def _current_statuses() -> Prefetch[Any]:
    return Prefetch(
        "child_statuses",
        queryset=ChildStatus.objects.filter(end_date__isnull=True).order_by("start_date"),
        to_attr="current_statuses",
    )


def _active_warnings(prefix: str = "family__") -> Prefetch[Any]:
    return Prefetch(
        f"{prefix}warnings",
        queryset=Warning.objects.filter(ended_at__isnull=True).select_related("person"),
        to_attr="active_warnings",
    )


def _active_allocations() -> Prefetch[Any]:
    return Prefetch(
        "allocations",
        queryset=Allocation.objects.active()
        .select_related("worker", "adult")
        .order_by("start_date"),
        to_attr="active_allocations",
    )


@dataclass
class ChildRow:
    person: Person
    statuses: list[ChildStatus]


@dataclass
class CaseloadRow:
    case: Case
    children: list[ChildRow]
    dues: list[Due]
    warnings: list[Warning]
    allocations: list[Allocation] = field(default_factory=list)

    @property
    def family(self) -> Family:
        return self.case.family

    @property
    def next_due(self) -> Due | None:
        return self.dues[0] if self.dues else None

    def overdue(self) -> list[Due]:
        today = timezone.localdate()
        return [due for due in self.dues if due.is_overdue(today)]


def _rows(cases: QuerySet[Case]) -> list[CaseloadRow]:
    rows = []
    for case in cases:
        statuses_by_child: dict[int, list[ChildStatus]] = {}
        for status in case.current_statuses:  # type: ignore[attr-defined]
            statuses_by_child.setdefault(status.person_id, []).append(status)
        children = [
            ChildRow(member.person, statuses_by_child.get(member.person_id, []))
            for member in case.family.current_children  # type: ignore[attr-defined]
        ]
        dues = dues_for_case(
            case,
            case.current_statuses,  # type: ignore[attr-defined]
            {child.person.pk: child.person for child in children},
        )
        rows.append(
            CaseloadRow(
                case=case,
                children=children,
                dues=dues,
                warnings=case.family.active_warnings,  # type: ignore[attr-defined]
                allocations=getattr(case, "active_allocations", []),
            )
        )
    return rows


def caseload_for_worker(user: User) -> list[CaseloadRow]:
    """Open cases the user is allocated to, most urgent first."""
    cases = (
        cases_with_basis(user)
        .filter(status=CaseStatus.OPEN)
        .filter(Exists(Allocation.objects.active().filter(case_id=OuterRef("pk"), worker=user)))
        .select_related("family", "family__owning_team")
        .prefetch_related(_current_children(), _current_statuses(), _active_warnings())
    )
    rows = _rows(cases)
    far_future = dt.date.max
    return sorted(
        rows,
        key=lambda row: (row.next_due.due_date if row.next_due else far_future, row.family.name),
    )


def team_caseload(
    user: User,
    team: Team,
    *,
    worker: User | None = None,
    status_kind: str = "",
    include_closed: bool = False,
) -> list[CaseloadRow]:
    cases = cases_with_basis(user).filter(family__owning_team=team)
    if not include_closed:
        cases = cases.filter(status=CaseStatus.OPEN)
    if worker is not None:
        cases = cases.filter(
            Exists(Allocation.objects.active().filter(case_id=OuterRef("pk"), worker=worker))
        )
    if status_kind:
        cases = cases.filter(
            Exists(
                ChildStatus.objects.filter(
                    case_id=OuterRef("pk"), kind=status_kind, end_date__isnull=True
                )
            )
        )
    cases = (
        cases.select_related("family", "lead_social_worker")
        .prefetch_related(
            _current_children(), _current_statuses(), _active_warnings(), _active_allocations()
        )
        .order_by("family__name")
    )
    return _rows(cases)


def team_workers_queryset(team: Team) -> QuerySet[User]:
    return User.objects.filter(
        Exists(Membership.objects.active().filter(user_id=OuterRef("pk"), team=team)),
        is_active=True,
    ).order_by("family_name", "given_name")


def team_workers(team: Team) -> list[User]:
    return list(team_workers_queryset(team))


@dataclass
class FamilyView:
    case: Case
    family: Family
    members: list[FamilyMember]
    former_members: list[FamilyMember]
    statuses_by_person: dict[int, list[ChildStatus]]
    relationships: list[Relationship]
    allocations: list[Allocation]
    warnings: list[Warning]
    chronology: list[ChronologyEvent]
    dues: list[Due]
    shared_with: list[User]
    cases: list[Case]

    @property
    def children(self) -> list[FamilyMember]:
        return [m for m in self.members if m.household_role == HouseholdRole.CHILD]

    @property
    def adults(self) -> list[FamilyMember]:
        return [m for m in self.members if m.household_role != HouseholdRole.CHILD]


def family_view(
    case: Case, *, chronology_kind: str = "", warnings: list[Warning] | None = None
) -> FamilyView:
    """``warnings``: the family's active warnings when the caller already holds them (the
    page banner reads the same rows), so they are not fetched twice."""
    family = case.family
    all_members = list(
        FamilyMember.objects.filter(family=family)
        .select_related("person")
        .order_by("household_role", "person__date_of_birth")
    )
    members = [m for m in all_members if m.end_date is None]
    person_ids = [m.person_id for m in all_members]
    statuses: dict[int, list[ChildStatus]] = {}
    for status in ChildStatus.objects.filter(case__family=family).order_by("-start_date"):
        statuses.setdefault(status.person_id, []).append(status)
    chronology = ChronologyEvent.objects.filter(case__family=family).select_related(
        "person", "recorded_by"
    )
    if chronology_kind:
        chronology = chronology.filter(kind=chronology_kind)
    current_statuses = [
        s
        for items in statuses.values()
        for s in items
        if s.end_date is None and s.case_id == case.pk
    ]
    return FamilyView(
        case=case,
        family=family,
        members=members,
        former_members=[m for m in all_members if m.end_date is not None],
        statuses_by_person=statuses,
        relationships=list(
            Relationship.objects.filter(
                from_person_id__in=person_ids, to_person_id__in=person_ids
            ).select_related("from_person", "to_person")
        ),
        allocations=list(
            Allocation.objects.active()
            .filter(case=case)
            .select_related("worker", "adult")
            .order_by("start_date")
        ),
        warnings=family_banner_warnings(family) if warnings is None else warnings,
        chronology=list(chronology),
        dues=dues_for_case(case, current_statuses, {m.person_id: m.person for m in all_members}),
        shared_with=list(
            User.objects.filter(
                pk__in=CaseUserObjectPermission.objects.filter(
                    content_object=case, permission__codename=SHARED_CASE_PERMISSION
                ).values("user_id")
            )
        ),
        cases=list(Case.objects.filter(family=family).order_by("-referral_date")),
    )


def family_banner_warnings(family: Family) -> list[Warning]:
    return list(
        Warning.objects.filter(family=family, ended_at__isnull=True).select_related("person")
    )


@dataclass
class PersonView:
    person: Person
    case: Case
    memberships: list[FamilyMember]
    statuses: list[ChildStatus]
    relationships: list[Relationship]
    warnings: list[Warning]


def person_view(user: User, person: Person, case: Case) -> PersonView:
    visible_family_ids = cases_with_basis(user).values("family_id")
    return PersonView(
        person=person,
        case=case,
        memberships=list(
            FamilyMember.objects.filter(
                person=person, family_id__in=visible_family_ids
            ).select_related("family")
        ),
        statuses=list(
            ChildStatus.objects.filter(
                person=person, case__family_id__in=visible_family_ids
            ).order_by("-start_date")
        ),
        relationships=list(
            Relationship.objects.filter(Q(from_person=person) | Q(to_person=person))
            .filter(from_person__in=people_visible_to(user), to_person__in=people_visible_to(user))
            .select_related("from_person", "to_person")
        ),
        warnings=list(
            Warning.objects.filter(
                person=person, ended_at__isnull=True, family_id__in=visible_family_ids
            )
        ),
    )


NHS_PATTERN = re.compile(r"^[0-9\s-]{10,13}$")


@dataclass
class SearchResult:
    person: Person
    families: list[Family]


def people_matching(
    people: QuerySet[Person],
    *,
    name: str = "",
    date_of_birth: dt.date | None = None,
    nhs_number: str = "",
) -> QuerySet[Person]:
    """``people`` narrowed to those matching every criterion given; names match fuzzily
    (trigram word similarity), best match first."""
    if nhs_number:
        people = people.filter(nhs_number=nhs_number)
    if date_of_birth is not None:
        people = people.filter(date_of_birth=date_of_birth)
    if name:
        query = " ".join(name.lower().split())
        return (
            people.annotate(similarity=TrigramWordSimilarity(query, "search_name"))
            .filter(Q(search_name__trigram_word_similar=query) | Q(search_name__contains=query))
            .order_by("-similarity", "family_name", "given_name")
        )
    return people.order_by("family_name", "given_name")


def _visible_memberships(user: User) -> Prefetch[Any]:
    """Each person's memberships of families the user may see, as ``visible_memberships``."""
    visible_families = cases_with_basis(user).values("family_id")
    return Prefetch(
        "family_memberships",
        queryset=FamilyMember.objects.filter(family_id__in=visible_families)
        .select_related("family")
        .order_by(F("end_date").asc(nulls_first=True), "-start_date", "pk"),
        to_attr="visible_memberships",
    )


def search_people(
    user: User, *, name: str = "", date_of_birth: dt.date | None = None, nhs_number: str = ""
) -> list[SearchResult]:
    """People the user may see matching every criterion given; names match fuzzily."""
    people = people_matching(
        people_visible_to(user), name=name, date_of_birth=date_of_birth, nhs_number=nhs_number
    ).prefetch_related(_visible_memberships(user))
    return [
        SearchResult(
            person,
            list({m.family_id: m.family for m in person.visible_memberships}.values()),  # type: ignore[attr-defined]
        )
        for person in people[:SEARCH_LIMIT]
    ]


def person_list_for(user: User) -> QuerySet[Person]:
    """People the user may see, each with ``visible_memberships`` (families they may see)."""
    return people_visible_to(user).prefetch_related(_visible_memberships(user))


def family_list_for(user: User) -> QuerySet[Family]:
    return families_visible_to(user).select_related("owning_team")


def case_list_for(user: User) -> QuerySet[Case]:
    """Cases the user may see, annotated with why (``basis_of``), with what a list row shows."""
    return cases_with_basis(user).select_related("family", "lead_social_worker")


def _current_child_statuses() -> Prefetch[Any]:
    today = timezone.localdate()
    return Prefetch(
        "child_statuses",
        queryset=ChildStatus.objects.filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .select_related("person")
        .order_by("person__date_of_birth", "start_date", "pk"),
        to_attr="current_child_statuses",
    )


def case_detail_rows() -> QuerySet[Case]:
    """Cases with their current allocations (``active_allocations``) and current child
    statuses (``current_child_statuses``), for ``cases.loader.load_record``."""
    return Case.objects.select_related("lead_social_worker").prefetch_related(
        _active_allocations(), _current_child_statuses()
    )


@dataclass(frozen=True)
class FamilyAccess:
    """Why the user may see a family, and its open case if they may see that."""

    basis: AccessBasis
    current_case_id: int
    open_case_id: int | None


def family_access(user: User, family_ids: list[int]) -> dict[int, FamilyAccess]:
    """For each family the user may see: the basis of its current case (the open one, else
    the latest closed one, as ``cases.loader.family_cases`` orders them), in one query for any number."""
    cases = (
        cases_with_basis(user)
        .filter(family_id__in=family_ids)
        .select_related("family")
        .order_by("family_id", Coalesce("closed_date", dt.date.max).desc(), "-referral_date")
    )
    access: dict[int, FamilyAccess] = {}
    for case in cases:
        if case.family_id not in access:
            access[case.family_id] = FamilyAccess(
                basis=basis_of(case),
                current_case_id=case.pk,
                open_case_id=case.pk if case.is_open else None,
            )
    return access


def case_access(user: User, case_ids: list[int]) -> dict[int, AccessBasis]:
    """Why the user may see each of these cases (those they may not are left out): one query."""
    return {
        case.pk: basis_of(case)
        for case in cases_with_basis(user).filter(pk__in=case_ids).select_related("family")
    }


@dataclass
class AccessLogRow:
    event: AccessEvent
    user: User | None


def access_log_for_family(family: Family, *, limit: int = 500) -> list[AccessLogRow]:
    events = list(
        AccessEvent.objects.filter(family_id=family.pk).order_by("-occurred_at", "-pk")[:limit]
    )
    users = User.objects.in_bulk({e.user_id for e in events if e.user_id is not None})
    return [
        AccessLogRow(event, users.get(event.user_id) if event.user_id else None) for event in events
    ]


def emergency_grants_for_review(user: User) -> QuerySet[AccessGrant]:
    """The grants the user may review (``policies.emergency_grants_reviewable_by``), waiting
    ones first."""
    grants = emergency_grants_reviewable_by(user).select_related(
        "user", "case__family", "case__family__owning_team", "reviewed_by"
    )
    return grants.order_by(
        Coalesce("reviewed_at", timezone.now() + dt.timedelta(days=36500)).desc(), "-granted_at"
    )


@dataclass
class TeamMemberRow:
    membership: Membership
    open_allocations: int


def team_members(team: Team) -> list[TeamMemberRow]:
    open_allocations = (
        Allocation.objects.active()
        .filter(
            worker_id=OuterRef("user_id"),
            case__family__owning_team=team,
            case__status=CaseStatus.OPEN,
        )
        .values("worker_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    memberships = (
        Membership.objects.active()
        .filter(team=team)
        .select_related("user", "user__employer", "employer")
        .annotate(open_allocations=Coalesce(Subquery(open_allocations), 0))
        .order_by("role", "user__family_name")
    )
    return [TeamMemberRow(m, m.open_allocations) for m in memberships]


def other_team_names(memberships: list[Membership]) -> dict[int, list[str]]:
    """For shared specialists: the other teams each member also works in (one query)."""
    user_ids = [m.user_id for m in memberships]
    others: dict[int, list[str]] = {}
    for membership in (
        Membership.objects.active().filter(user_id__in=user_ids).select_related("team")
    ):
        others.setdefault(membership.user_id, []).append(membership.team.name)
    return others


# --- partner notification triage ------------------------------------------------------------------

TRIAGE_PAGE_SIZE = 50
# "Dealt with recently" on the triage queue: a month of work, so a coordinator can see the
# queue is moving without a report.
TRIAGE_RECENT_DAYS = 30


def notifications_awaiting_triage() -> QuerySet[PartnerNotification]:
    """The triage queue, the longest waiting first. Callers check ``can_triage_notifications``:
    the queue holds no family's record, so there is nothing narrower to scope it by."""
    return (
        PartnerNotification.objects.filter(status=NotificationStatus.AWAITING_TRIAGE)
        .select_related("organisation")
        .defer("people", "summary")
        .order_by("received_at", "pk")
    )


def notifications_triaged_count(*, days: int = TRIAGE_RECENT_DAYS) -> int:
    """Notifications a person matched or dismissed in the last ``days`` days."""
    since = timezone.now() - dt.timedelta(days=days)
    return PartnerNotification.objects.filter(
        Q(status=NotificationStatus.MATCHED, match_basis=MatchBasis.TRIAGE, matched_at__gte=since)
        | Q(status=NotificationStatus.DISMISSED, dismissed_at__gte=since)
    ).count()


def notification_for_triage(user: User, public_id: uuid.UUID) -> PartnerNotification | None:
    """A notification for the triage pages, or None if the user may not see it there.

    Waiting and dismissed notifications belong to no family, so every triager sees them; a
    matched one is part of a family's record and is shown only to those who can see the family."""
    visible_families = families_visible_to(user).values("pk")
    return (
        PartnerNotification.objects.filter(public_id=public_id)
        .filter(
            Q(status__in=[NotificationStatus.AWAITING_TRIAGE, NotificationStatus.DISMISSED])
            | Q(status=NotificationStatus.MATCHED, family_id__in=visible_families)
        )
        .select_related("organisation", "family", "matched_by", "dismissed_by")
        .first()
    )


@dataclass(frozen=True)
class NotifiedPersonRow:
    """One person as the force named them in a notification's ``people``."""

    role: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    nhs_number: str
    address: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


def _date_or_none(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def notification_people(notification: PartnerNotification) -> list[NotifiedPersonRow]:
    roles = dict(PersonRole.choices)
    return [
        NotifiedPersonRow(
            role=roles.get(person.get("role", ""), "Not given"),
            given_name=str(person.get("given_name", "")).strip(),
            family_name=str(person.get("family_name", "")).strip(),
            date_of_birth=_date_or_none(person.get("date_of_birth")),
            nhs_number=str(person.get("nhs_number") or ""),
            address=str(person.get("address") or ""),
        )
        for person in notification.people
    ]


@dataclass
class PossibleMatch(SearchResult):
    """A person the triager can see who may be someone the police named."""

    same_date_of_birth: bool = False
    similar_name: bool = False


@dataclass
class TriageSuggestions:
    matches: list[PossibleMatch]
    # The matches' families that have an open case: the ones a notification can be matched to.
    open_families: list[Family]


def notification_possible_matches(
    user: User, notification: PartnerNotification
) -> TriageSuggestions:
    """People visible to the user born on the same day as someone named in the notification, or
    with a similar name (the trigram word similarity ``search_people`` uses), best first."""
    named = notification_people(notification)
    births = {person.date_of_birth for person in named if person.date_of_birth}
    names = sorted(
        {" ".join(person.full_name.lower().split()) for person in named if person.full_name}
    )
    if not births and not names:
        return TriageSuggestions(matches=[], open_families=[])
    same_birth = Q(date_of_birth__in=births)
    similar = Q(pk__in=[])
    for name in names:
        similar |= Q(search_name__trigram_word_similar=name)
    similarities = [TrigramWordSimilarity(name, "search_name") for name in names]
    similarity: Any = (
        Greatest(*similarities)
        if len(similarities) > 1
        else similarities[0]
        if similarities
        else Value(0.0)
    )
    people = (
        people_visible_to(user)
        .filter(same_birth | similar)
        .annotate(
            # Coalesce: an unborn child's missing date of birth would make this NULL.
            same_date_of_birth=Coalesce(
                ExpressionWrapper(same_birth, output_field=BooleanField()), Value(False)
            ),
            similar_name=ExpressionWrapper(similar, output_field=BooleanField()),
            similarity=similarity,
        )
        .order_by("-same_date_of_birth", "-similar_name", "-similarity", "family_name", "pk")
        .prefetch_related(_visible_memberships(user))
    )
    matches = [
        PossibleMatch(
            person,
            list({m.family_id: m.family for m in person.visible_memberships}.values()),  # type: ignore[attr-defined]
            same_date_of_birth=person.same_date_of_birth,
            similar_name=person.similar_name,
        )
        for person in people[:SEARCH_LIMIT]
    ]
    families = {family.pk: family for match in matches for family in match.families}
    open_ids = set(
        Case.objects.filter(family_id__in=families, status=CaseStatus.OPEN).values_list(
            "family_id", flat=True
        )
    )
    return TriageSuggestions(
        matches=matches,
        open_families=sorted(
            (family for pk, family in families.items() if pk in open_ids),
            key=lambda family: family.pk,
        ),
    )
