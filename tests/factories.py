"""factory-boy factories for synthetic test data (Faker en_GB; never a real person)."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from teams.models import Membership, Organisation, OrganisationKind, Service, Team, User
from teams.roles import DEFAULT_DISCIPLINE, Role

factory.Faker._DEFAULT_LOCALE = "en_GB"


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test Borough Council {n}")
    kind = OrganisationKind.COUNCIL


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@test.example.org")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    job_title = "Social worker"
    employer = factory.SubFactory(OrganisationFactory, name="Test Borough Council")
    password = factory.PostGenerationMethodCall("set_password", "a-long-synthetic-passphrase")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            obj.save()


class ServiceFactory(DjangoModelFactory[Service]):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Family Safeguarding Area {n}")
    organisation = factory.SubFactory(OrganisationFactory, name="Test Borough Council")


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Test Family Safeguarding Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    service = factory.SubFactory(ServiceFactory)


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.SOCIAL_WORKER
    discipline = factory.LazyAttribute(lambda m: DEFAULT_DISCIPLINE[m.role])
    start_date = dt.date(2024, 1, 1)
