"""factory-boy factories for synthetic test data (Faker en_GB; never a real person)."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from teams.models import (
    Membership,
    Organisation,
    OrganisationKind,
    PartnerClient,
    Service,
    Team,
    User,
)
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


# --- cases -------------------------------------------------------------------------------------
import random  # noqa: E402

from cases.models import (  # noqa: E402
    Allocation,
    Case,
    ChildStatus,
    Family,
    FamilyMember,
    HouseholdRole,
    Person,
    Sex,
    StatusKind,
)
from cases.validators import synthetic_nhs_number  # noqa: E402

_nhs_rng = random.Random(999)


class PersonFactory(DjangoModelFactory[Person]):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=1, maximum_age=16)
    sex = Sex.UNKNOWN
    nhs_number = factory.LazyFunction(lambda: synthetic_nhs_number(_nhs_rng))


class AdultFactory(PersonFactory):
    date_of_birth = factory.Faker("date_of_birth", minimum_age=19, maximum_age=60)


class FamilyFactory(DjangoModelFactory[Family]):
    class Meta:
        model = Family

    name = factory.LazyAttribute(lambda f: "The test family")
    address_line_1 = factory.Faker("street_address")
    town = factory.Faker("city")
    postcode = factory.Faker("postcode")
    owning_team = factory.SubFactory(TeamFactory)


class FamilyMemberFactory(DjangoModelFactory[FamilyMember]):
    class Meta:
        model = FamilyMember

    family = factory.SubFactory(FamilyFactory)
    person = factory.SubFactory(PersonFactory)
    household_role = HouseholdRole.CHILD
    start_date = dt.date(2025, 1, 6)


class CaseFactory(DjangoModelFactory[Case]):
    class Meta:
        model = Case

    family = factory.SubFactory(FamilyFactory)
    referral_date = dt.date(2025, 1, 6)
    referral_source = "6"
    lead_social_worker = factory.SubFactory(UserFactory)


class AllocationFactory(DjangoModelFactory[Allocation]):
    class Meta:
        model = Allocation

    case = factory.SubFactory(CaseFactory)
    worker = factory.SubFactory(UserFactory)
    discipline = "social_work"
    start_date = dt.date(2025, 1, 6)


class ChildStatusFactory(DjangoModelFactory[ChildStatus]):
    class Meta:
        model = ChildStatus

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    kind = StatusKind.CIN_PLAN
    start_date = dt.date(2025, 2, 3)


def police_force(name: str = "Test Constabulary", scopes: list[str] | None = None) -> Organisation:
    """A police force whose data-sharing agreement covers ``scopes`` (default: all of them)."""
    from teams.models import PartnerScope

    organisation, _ = Organisation.objects.update_or_create(
        name=name,
        defaults={
            "kind": OrganisationKind.POLICE_FORCE,
            "data_sharing_agreement_ref": "DSA-TEST-1",
            "agreed_scopes": scopes if scopes is not None else list(PartnerScope.values),
        },
    )
    return organisation


def partner_client(
    organisation: Organisation | None = None, scopes: list[str] | None = None, name: str = "RMS"
) -> tuple[PartnerClient, str]:
    """A registered partner client and its plain secret (through the service, as admins do)."""
    from teams.models import PartnerScope
    from teams.services import partner_client_register

    organisation = organisation or police_force()
    return partner_client_register(
        actor=None,
        organisation=organisation,
        name=name,
        scopes=scopes if scopes is not None else list(PartnerScope.values),
    )
