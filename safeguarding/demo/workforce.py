"""The demo council's workforce: establishment with realistic vacancies, two phases of
training, and practice observations for some workers (after ``safeguarding.demo.teams``).

- Establishment: every team plans 1.5 mental health specialists (7.5 across the service, the
  hardest posts to fill: 4.0 filled, Harbour and Westfield sharing one specialist half and
  half). Northgate plans a fourth social worker and covers that vacancy with an agency worker.
- Training, phase 1 (North, a month after the teams started): the MI first course then the
  embedding session five weeks later. Phase 2 (South, recently): Harbour's first course was
  seven weeks ago and half the team has not been to the embedding session (overdue); Westfield's
  was five weeks ago (due now). Practice & Change workshops and the workbook briefing for all.
- Observations: North's first social workers, observed twice by their team manager (scores
  rising) and once by the MI trainer.

Idempotent: a second load finds everything by its natural key and adds nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker

from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, TEAM_START
from teams import services as team_services
from teams.models import (
    Course,
    EstablishmentPost,
    Membership,
    Organisation,
    OrganisationKind,
    PracticeObservation,
    SessionPlace,
    Team,
    TrainingSession,
    User,
)
from teams.roles import Role
from teams.workforce import services
from teams.workforce.catalogue import MI_EMBEDDING, MI_FIRST_COURSE, seed_catalogue_now

ESTABLISHMENT: dict[Role, Decimal] = {
    Role.TEAM_MANAGER: Decimal("1"),
    Role.ASSISTANT_TEAM_MANAGER: Decimal("1"),
    Role.SENIOR_SOCIAL_WORKER: Decimal("1"),
    Role.SOCIAL_WORKER: Decimal("3"),
    Role.FAMILY_PRACTITIONER: Decimal("2"),
    Role.TEAM_STANDARDS_COORDINATOR: Decimal("1"),
    Role.DOMESTIC_ABUSE_SPECIALIST: Decimal("1"),
    Role.MENTAL_HEALTH_SPECIALIST: Decimal("1.5"),
    Role.SUBSTANCE_USE_SPECIALIST: Decimal("1"),
}
NORTH = ("northgate", "riverside", "millbrook")
SOUTH = ("harbour", "westfield")
TRAINER = f"ssw.northgate@{DEMO_EMAIL_DOMAIN}"
AGENCY = f"agency.sw.northgate@{DEMO_EMAIL_DOMAIN}"
AGENCY_SEED = 20_240_401


def _email(prefix: str) -> str:
    return f"{prefix}@{DEMO_EMAIL_DOMAIN}"


def _members(slug: str) -> list[User]:
    return list(
        User.objects.filter(memberships__team__slug=slug, memberships__end_date__isnull=True)
        .exclude(memberships__role=Role.SERVICE_MANAGER, memberships__team__slug=slug)
        .order_by("email")
        .distinct()
    )


class WorkforceLoader:
    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.trainer = User.objects.get(email=TRAINER)

    def establishment(self) -> None:
        for team in Team.objects.filter(slug__in=NORTH + SOUTH):
            for role, fte in ESTABLISHMENT.items():
                if role == Role.SOCIAL_WORKER and team.slug == "northgate":
                    fte += 1
                if not EstablishmentPost.objects.filter(team=team, role=role).exists():
                    services.establishment_set(
                        actor=None, team=team, role=role, fte=fte, start_date=TEAM_START
                    )
        shared = User.objects.get(email=_email("mh.harbour"))
        for membership in Membership.objects.filter(user=shared, end_date__isnull=True):
            if membership.fte != Decimal("0.5"):
                services.membership_post_update(
                    actor=None,
                    membership=membership,
                    fte=Decimal("0.5"),
                    employer=membership.employer,
                    is_contingency=False,
                )
        self.agency_cover()

    def agency_cover(self) -> None:
        """Northgate's fourth social work post: an agency social worker covering it."""
        if User.objects.filter(email=AGENCY).exists():
            return
        faker = Faker("en_GB")
        faker.seed_instance(AGENCY_SEED)
        agency, _ = Organisation.objects.get_or_create(
            name="Wessex Social Work Agency", defaults={"kind": OrganisationKind.OTHER}
        )
        worker = team_services.user_create(
            actor=None,
            email=AGENCY,
            given_name=faker.first_name(),
            family_name=faker.last_name(),
            password=None,
            job_title="Agency social worker",
            employer=agency,
        )
        membership = team_services.membership_start(
            actor=None,
            user=worker,
            team=Team.objects.get(slug="northgate"),
            role=Role.SOCIAL_WORKER,
            start_date=self.today - dt.timedelta(weeks=10),
        )
        services.membership_post_update(
            actor=None,
            membership=membership,
            fte=Decimal("1"),
            employer=agency,
            is_contingency=True,
        )

    def session(
        self, code: str, held_on: dt.date, people: list[User], attended: list[User]
    ) -> None:
        course = Course.objects.get(code=code)
        session, created = TrainingSession.objects.get_or_create(
            course=course,
            held_on=held_on,
            trainer=self.trainer,
            defaults={"capacity": max(len(people), 1) + 4, "venue": "Northgate Family Centre"},
        )
        if not created:
            return
        for person in people:
            services.session_place_book(actor=self.trainer, session=session, user=person)
        if held_on <= self.today:
            services.session_attendance_record(
                actor=self.trainer, session=session, attended_user_ids={p.pk for p in attended}
            )

    def training(self) -> None:
        north = sorted({u for slug in NORTH for u in _members(slug)}, key=lambda u: u.email)
        # Phase 1: North, a month after the teams started; the embedding session 5 weeks on.
        phase_1 = TEAM_START + dt.timedelta(weeks=4)
        self.session(MI_FIRST_COURSE, phase_1, north, north)
        embedded = [u for u in north if not u.email.startswith("fp2.")]
        self.session(MI_EMBEDDING, phase_1 + dt.timedelta(weeks=5), north, embedded)
        # Phase 2: South, recently. Harbour 7 weeks ago (half overdue), Westfield 5 weeks ago.
        harbour = [u for u in _members("harbour") if u.email != _email("mh.harbour")]
        westfield = _members("westfield")
        harbour_first = self.today - dt.timedelta(weeks=7)
        self.session(MI_FIRST_COURSE, harbour_first, harbour, harbour)
        self.session(
            MI_EMBEDDING,
            harbour_first + dt.timedelta(weeks=5),
            harbour,
            harbour[: len(harbour) // 2],
        )
        self.session(MI_FIRST_COURSE, self.today - dt.timedelta(weeks=5), westfield, westfield)
        self.session(MI_EMBEDDING, self.today + dt.timedelta(days=5), westfield[:4], [])
        everyone = sorted(set(north) | set(harbour) | set(westfield), key=lambda u: u.email)
        self.session("workbook", TEAM_START + dt.timedelta(days=14), everyone, everyone)
        for number, weeks_ago in ((1, 30), (2, 20), (3, 10)):
            held = self.today - dt.timedelta(weeks=weeks_ago)
            self.session(f"practice-change-{number:02d}", held, north, north[: len(north) * 3 // 4])
        self.session("practice-change-04", self.today + dt.timedelta(weeks=2), north[:6], [])
        self.session("thresholds", self.today + dt.timedelta(weeks=3), [], [])

    def observations(self) -> None:
        for slug in NORTH:
            worker = User.objects.get(email=_email(f"sw1.{slug}"))
            manager = User.objects.get(email=_email(f"tm.{slug}"))
            if PracticeObservation.objects.filter(worker=worker).exists():
                continue
            for weeks_ago, scores, observer in (
                (20, (2, 2, 3, 3), manager),
                (8, (3, 3, 4, 4), self.trainer if slug != "northgate" else manager),
                (2, (4, 3, 4, 5), manager),
            ):
                if observer == worker:
                    continue
                services.observation_record(
                    actor=observer,
                    worker=worker,
                    observed_on=self.today - dt.timedelta(weeks=weeks_ago),
                    context="home_visit" if weeks_ago % 4 else "office_meeting",
                    cultivating_change_talk=scores[0],
                    softening_sustain_talk=scores[1],
                    partnership=scores[2],
                    empathy=scores[3],
                    strengths="Open questions drew out the parent's own reasons for change.",
                    development_points="Offer more complex reflections before giving information.",
                )

    @transaction.atomic
    def load(self) -> int:
        seed_catalogue_now()
        before = SessionPlace.objects.count() + PracticeObservation.objects.count()
        self.establishment()
        self.training()
        self.observations()
        return SessionPlace.objects.count() + PracticeObservation.objects.count() - before


def load_demo_workforce() -> int:
    """Load the demo workforce; returns how many places and observations were added."""
    return WorkforceLoader().load()
