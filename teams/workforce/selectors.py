"""Reads for the workforce pages, each with a fixed number of queries (STYLE.md §3, §13).

Establishment arithmetic, per team and role, on a date:

- planned: the establishment row in force that day (``EstablishmentPost``);
- filled: the FTE of memberships active that day that are not contingency cover (a membership
  counts up to and including its ``end_date``, as ``Membership.objects.active`` does);
- cover: the FTE of contingency memberships (agency, locum, acting up) active that day;
- vacant: planned minus filled, never below 0; covered: as much of the vacancy as cover fills;
  uncovered: the rest. Filled beyond the plan is shown as over establishment, and never
  fills another team's vacancy: the service's vacancies are the sum of its teams'.
- seconded: the filled FTE employed by a partner organisation rather than the council.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ..models import Membership, Team, User
from ..roles import Role
from .models import (
    Course,
    EstablishmentPost,
    PlaceStatus,
    PracticeObservation,
    SessionPlace,
    TrainingSession,
)
from .rules import Attended, FollowUp, Rule, follow_ups

ZERO = Decimal("0.00")
ROLE_ORDER = {role: index for index, role in enumerate(Role.values)}


@dataclass
class RoleLine:
    role: str
    planned: Decimal = ZERO
    filled: Decimal = ZERO
    cover: Decimal = ZERO
    seconded: Decimal = ZERO
    holders: list[Membership] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Role(self.role).label)

    @property
    def vacant(self) -> Decimal:
        return max(self.planned - self.filled, ZERO)

    @property
    def covered(self) -> Decimal:
        return min(self.cover, self.vacant)

    @property
    def uncovered(self) -> Decimal:
        return self.vacant - self.covered

    @property
    def over(self) -> Decimal:
        return max(self.filled - self.planned, ZERO)


@dataclass
class ServiceLine(RoleLine):
    """A role across several teams: vacancies and cover are each team's, summed."""

    vacant_sum: Decimal = ZERO
    covered_sum: Decimal = ZERO
    over_sum: Decimal = ZERO

    def add(self, other: RoleLine) -> None:
        self.planned += other.planned
        self.filled += other.filled
        self.cover += other.cover
        self.seconded += other.seconded
        self.vacant_sum += other.vacant
        self.covered_sum += other.covered
        self.over_sum += other.over

    @property
    def vacant(self) -> Decimal:
        return self.vacant_sum

    @property
    def covered(self) -> Decimal:
        return self.covered_sum

    @property
    def over(self) -> Decimal:
        return self.over_sum


@dataclass
class Establishment:
    on: dt.date
    lines: list[RoleLine]

    def _total(self, name: str) -> Decimal:
        return sum((getattr(line, name) for line in self.lines), ZERO)

    @property
    def planned(self) -> Decimal:
        return self._total("planned")

    @property
    def filled(self) -> Decimal:
        return self._total("filled")

    @property
    def vacant(self) -> Decimal:
        return self._total("vacant")

    @property
    def covered(self) -> Decimal:
        return self._total("covered")

    @property
    def uncovered(self) -> Decimal:
        return self._total("uncovered")

    @property
    def seconded(self) -> Decimal:
        return self._total("seconded")

    def line(self, role: str) -> RoleLine:
        for line in self.lines:
            if line.role == role:
                return line
        return RoleLine(role=role)


def _active_on(on: dt.date) -> Q:
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def establishments(team_ids: Iterable[int], on: dt.date | None = None) -> dict[int, Establishment]:
    """Each team's establishment on ``on`` (today by default), in two queries."""
    day = on or timezone.localdate()
    ids = list(team_ids)
    lines: dict[int, dict[str, RoleLine]] = {team_id: {} for team_id in ids}
    for post in EstablishmentPost.objects.filter(_active_on(day), team_id__in=ids):
        lines[post.team_id].setdefault(post.role, RoleLine(post.role)).planned += post.fte
    for membership in (
        Membership.objects.filter(_active_on(day), team_id__in=ids)
        .select_related("user", "user__employer", "employer")
        .order_by("user__family_name", "user__given_name", "pk")
    ):
        line = lines[membership.team_id].setdefault(membership.role, RoleLine(membership.role))
        line.holders.append(membership)
        if membership.is_contingency:
            line.cover += membership.fte
            continue
        line.filled += membership.fte
        if membership.is_seconded:
            line.seconded += membership.fte
    return {
        team_id: Establishment(
            on=day, lines=sorted(by_role.values(), key=lambda line: ROLE_ORDER[line.role])
        )
        for team_id, by_role in lines.items()
    }


def establishment_for_team(team: Team, on: dt.date | None = None) -> Establishment:
    return establishments([team.pk], on)[team.pk]


@dataclass
class WorkforceOverview:
    on: dt.date
    teams: list[tuple[Team, Establishment]]
    service_lines: list[ServiceLine]

    @property
    def total(self) -> Establishment:
        return Establishment(on=self.on, lines=list(self.service_lines))


def workforce_overview(teams: QuerySet[Team], on: dt.date | None = None) -> WorkforceOverview:
    """Every team's establishment and the roles summed across them (three queries)."""
    day = on or timezone.localdate()
    team_list = list(teams.select_related("service").order_by("service__name", "name"))
    by_team = establishments([team.pk for team in team_list], day)
    summed: dict[str, ServiceLine] = {}
    for establishment in by_team.values():
        for line in establishment.lines:
            summed.setdefault(line.role, ServiceLine(line.role)).add(line)
    return WorkforceOverview(
        on=day,
        teams=[(team, by_team[team.pk]) for team in team_list],
        service_lines=sorted(summed.values(), key=lambda line: ROLE_ORDER[line.role]),
    )


# --- training -------------------------------------------------------------------------------


def _follow_up_places(users: Q) -> QuerySet[SessionPlace]:
    """Attended places on courses that ask for a follow-up or are one."""
    is_follow_up = Course.objects.filter(follow_up_id=OuterRef("session__course_id"))
    return (
        SessionPlace.objects.filter(users, status=PlaceStatus.ATTENDED)
        .filter(Q(session__course__follow_up__isnull=False) | Exists(is_follow_up))
        .select_related("session__course__follow_up")
    )


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up as the pages show it: who, which course, and its state today."""

    follow_up: FollowUp
    user: User
    course: Course  # the course attended
    follow_up_course: Course
    today: dt.date

    @property
    def state(self) -> str:
        return self.follow_up.state(self.today).value

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def days_overdue(self) -> int:
        return self.follow_up.days_overdue(self.today)

    @property
    def days_left(self) -> int:
        return (self.follow_up.due_by - self.today).days


def _rows(places: Iterable[SessionPlace], today: dt.date) -> list[FollowUpRow]:
    places = list(places)
    courses: dict[int, Course] = {}
    users: dict[int, User] = {}
    attended: list[Attended] = []
    for place in places:
        course = place.session.course
        courses[course.pk] = course
        if course.follow_up is not None:
            courses[course.follow_up.pk] = course.follow_up
        users[place.user_id] = place.user
        attended.append(Attended(place.user_id, course.pk, place.session.held_on))
    rules = [
        Rule(c.pk, c.follow_up.pk, c.follow_up_from_weeks or 0, c.follow_up_by_weeks or 0)
        for c in courses.values()
        if c.follow_up is not None
    ]
    return [
        FollowUpRow(
            f, users[f.user_id], courses[f.course_id], courses[f.follow_up_course_id], today
        )
        for f in follow_ups(attended, rules)
    ]


def follow_ups_for_users(user_ids: list[int], today: dt.date | None = None) -> list[FollowUpRow]:
    """Every follow-up these people owe or have done (one query)."""
    day = today or timezone.localdate()
    places = _follow_up_places(Q(user_id__in=user_ids)).select_related("user")
    return _rows(places, day)


def follow_ups_due_for_user(user: User, today: dt.date | None = None) -> list[FollowUpRow]:
    """The worker's tray: follow-ups due or overdue (one query)."""
    day = today or timezone.localdate()
    return [row for row in follow_ups_for_users([user.pk], day) if row.follow_up.shows_on(day)]


def follow_ups_due_in_team(team: Team, today: dt.date | None = None) -> list[FollowUpRow]:
    """The team manager's view: the team's current members' follow-ups due or overdue, most
    overdue first (one query)."""
    day = today or timezone.localdate()
    members = Membership.objects.active(day).filter(team=team, user__is_active=True)
    places = _follow_up_places(Q(user_id__in=members.values("user_id"))).select_related("user")
    rows = [row for row in _rows(places, day) if row.follow_up.shows_on(day)]
    rows.sort(key=lambda row: (row.follow_up.due_by, row.user.family_name, row.user.pk))
    return rows


@dataclass
class TrainingRecord:
    worker: User
    attended: list[SessionPlace]
    booked: list[SessionPlace]
    missed: list[SessionPlace]
    follow_ups: list[FollowUpRow]
    today: dt.date


def training_record(worker: User, today: dt.date | None = None) -> TrainingRecord:
    """A worker's training: attended, booked and missed sessions, and follow-ups (one query
    for the places; the follow-ups are worked out from the same rows)."""
    day = today or timezone.localdate()
    places = list(
        SessionPlace.objects.filter(user=worker)
        .select_related("session__course__follow_up", "session__trainer", "user")
        .order_by("-session__held_on", "session__course__title")
    )
    follow_up_ids = {p.session.course.follow_up_id for p in places} - {None}
    rule_places = [
        p
        for p in places
        if p.status == PlaceStatus.ATTENDED
        and (p.session.course.follow_up_id is not None or p.session.course_id in follow_up_ids)
    ]
    return TrainingRecord(
        worker=worker,
        attended=[p for p in places if p.status == PlaceStatus.ATTENDED],
        booked=[p for p in places if p.status == PlaceStatus.BOOKED],
        missed=[p for p in places if p.status == PlaceStatus.DID_NOT_ATTEND],
        follow_ups=_rows(rule_places, day),
        today=day,
    )


def catalogue() -> list[Course]:
    return list(Course.objects.filter(is_active=True).select_related("follow_up"))


def sessions_from(day: dt.date) -> list[TrainingSession]:
    """Sessions on or after ``day``, soonest first, with how many places are taken."""
    return list(
        TrainingSession.objects.filter(held_on__gte=day)
        .select_related("course", "trainer")
        .annotate(taken=Count("places"))
        .order_by("held_on", "course__title", "pk")
    )


def sessions_to_record(user: User, today: dt.date) -> list[TrainingSession]:
    """Past sessions the user trains whose attendance is not recorded yet."""
    return list(
        TrainingSession.objects.filter(
            trainer=user, held_on__lte=today, attendance_recorded_at__isnull=True
        )
        .select_related("course")
        .order_by("held_on")
    )


def session_detail(session_pk: int) -> TrainingSession | None:
    return (
        TrainingSession.objects.select_related(
            "course", "trainer", "scheduled_by", "attendance_recorded_by"
        )
        .filter(pk=session_pk)
        .first()
    )


def session_places(session: TrainingSession) -> list[SessionPlace]:
    return list(
        SessionPlace.objects.filter(session=session)
        .select_related("user")
        .order_by("user__family_name", "user__given_name", "pk")
    )


def bookable_people(session: TrainingSession) -> QuerySet[User]:
    """Active team members without a place on the session."""
    members = Membership.objects.active().filter(user_id=OuterRef("pk"))
    return (
        User.objects.filter(Exists(members), is_active=True)
        .exclude(places__session=session)
        .order_by("family_name", "given_name")
    )


def observations_of(
    worker: User, visible: QuerySet[PracticeObservation]
) -> list[PracticeObservation]:
    """A worker's observations the viewer may see (``visible``), oldest first so progress
    reads down the page."""
    return list(
        visible.filter(worker=worker).select_related("observer").order_by("observed_on", "pk")
    )
