"""The demo council's partner side: data-sharing agreements, the police force's API client
(with a documented demo secret), team contact details, and 24 months of police domestic abuse
notifications received through the same service the API calls.

The notifications show the model working: Family Safeguarding launched ``LAUNCH_MONTHS_AGO``
months ago, and from then on the police are called to the demo families far less often
(councils that adopted the model report police domestic abuse call-outs down by two thirds),
so the "repeat police domestic abuse notifications" KPI falls after the launch month.

Idempotent: agreements and contacts are set, the client is found by its client id, and a
notification's force reference is derived from the family and month, so a second load finds
every notification already received and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseStatus, DashRisk, FamilyMember, HouseholdRole, PersonRole
from cases.partners import services as partner_services
from teams.models import Organisation, OrganisationKind, PartnerClient, PartnerScope, Team

DEMO_POLICE_CLIENT_ID = "demo-wessex-constabulary"
DEMO_POLICE_CLIENT_NAME = "Wessex Constabulary records system"
LAUNCH_MONTHS_AGO = 12
HISTORY_MONTHS = 24
# Chance, per family and month, of a police call-out before and after the model's launch.
MONTHLY_RATE_BEFORE = 0.22
MONTHLY_RATE_AFTER = 0.07
NOTIFICATION_SEED = 20_261_122

AGREED_SCOPES: dict[str, list[PartnerScope]] = {
    OrganisationKind.POLICE_FORCE: [
        PartnerScope.NOTIFICATIONS_WRITE,
        PartnerScope.CHILD_STATUS_READ,
        PartnerScope.KPIS_READ,
    ],
    OrganisationKind.NHS_TRUST: [PartnerScope.CHILD_STATUS_READ, PartnerScope.KPIS_READ],
}

SUMMARIES = [
    "Officers attended a verbal argument between two adults at the address. No injuries seen.",
    "Neighbour reported shouting and a door being slammed. Adults separated on arrival.",
    "Reported assault by partner; victim declined to make a statement. Advice given.",
    "Breach of a non-molestation order reported; the suspect had left before officers arrived.",
    "Officers attended a dispute over child contact arrangements at the front door.",
    "Call from a child at the address who said the adults were fighting. Officers attended.",
]


def demo_police_secret() -> str:
    """The police client's demo secret, documented with the demo logins (never in live use:
    demo data cannot be loaded when ALLOW_DEMO_DATA is off)."""
    return f"{settings.DEMO_PASSWORD}-police-api"


def _agreements() -> Organisation | None:
    police = None
    for organisation in Organisation.objects.filter(kind__in=list(AGREED_SCOPES)):
        organisation.agreed_scopes = [str(s) for s in AGREED_SCOPES[organisation.kind]]
        organisation.save(update_fields=["agreed_scopes"])
        if organisation.kind == OrganisationKind.POLICE_FORCE:
            police = organisation
    return police


def _team_contacts() -> None:
    for team in Team.objects.filter(contact_email=""):
        team.contact_email = f"fs.{team.slug}@council.example.org"
        team.contact_phone = f"01632 960 {100 + team.pk % 900:03d}"
        team.save(update_fields=["contact_email", "contact_phone"])


def demo_police_client() -> PartnerClient:
    from oauth2_provider.models import Application

    existing = PartnerClient.objects.filter(application__client_id=DEMO_POLICE_CLIENT_ID).first()
    if existing is not None:
        return existing
    police = _agreements()
    if police is None:
        raise RuntimeError("The demo police force is missing: load the demo teams first")
    client, _ = services_register(police)
    application: Application = client.application
    application.client_id = DEMO_POLICE_CLIENT_ID
    application.client_secret = demo_police_secret()
    application.save()
    return client


def services_register(police: Organisation) -> tuple[PartnerClient, str]:
    from teams.services import partner_client_register

    return partner_client_register(
        actor=None,
        organisation=police,
        name=DEMO_POLICE_CLIENT_NAME,
        scopes=[str(s) for s in AGREED_SCOPES[OrganisationKind.POLICE_FORCE]],
    )


@dataclass(frozen=True)
class _Household:
    case: Case
    adults: list[FamilyMember]
    children: list[FamilyMember]


def _households() -> list[_Household]:
    cases = list(
        Case.objects.filter(status=CaseStatus.OPEN).select_related("family").order_by("pk")
    )
    members = FamilyMember.objects.filter(
        family_id__in=[c.family_id for c in cases], end_date__isnull=True
    ).select_related("person")
    by_family: dict[int, list[FamilyMember]] = {}
    for member in members:
        by_family.setdefault(member.family_id, []).append(member)
    households = []
    for case in cases:
        everyone = by_family.get(case.family_id, [])
        adults = [m for m in everyone if m.household_role != HouseholdRole.CHILD]
        children = [m for m in everyone if m.household_role == HouseholdRole.CHILD]
        if adults:
            households.append(_Household(case, adults, children))
    return households


def _person(member: FamilyMember, role: str, address: str) -> partner_services.NotifiedPerson:
    person = member.person
    return partner_services.NotifiedPerson(
        role=role,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        # The police rarely have a child's NHS number; a name and date of birth is the norm.
        nhs_number=person.nhs_number if role == PersonRole.CHILD else "",
        address=address,
    )


def load_demo_partner_notifications(today: dt.date | None = None) -> int:
    """Set up the partner side and receive the demo notifications; returns how many were new."""
    today = today or timezone.localdate()
    _agreements()
    _team_contacts()
    client = demo_police_client()
    launch = today.replace(day=1) - relativedelta(months=LAUNCH_MONTHS_AGO)
    first_month = today.replace(day=1) - relativedelta(months=HISTORY_MONTHS - 1)
    created = 0
    for household in _households():
        # Seeded by the family name (unique in the demo), not its id, so every database gets
        # the same story whatever its sequences.
        rng = random.Random(f"{NOTIFICATION_SEED}-{household.case.family.name}")
        family = household.case.family
        address = f"{family.address_line_1}, {family.town}, {family.postcode}"
        # Police contact often comes before the referral that brings a family to the service.
        start = max(first_month, household.case.referral_date - relativedelta(months=6))
        month = start.replace(day=1)
        while month <= today:
            rate = MONTHLY_RATE_AFTER if month >= launch else MONTHLY_RATE_BEFORE
            draw = rng.random()
            day = month + dt.timedelta(days=rng.randint(0, 27))
            hour = rng.choice([19, 20, 21, 22, 23, 1, 2])
            month_key = f"{month:%Y%m}"
            month += relativedelta(months=1)
            if draw >= rate or day > today:
                continue
            incident = timezone.make_aware(
                dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)))
            )
            victim, *others = rng.sample(household.adults, len(household.adults))
            people = [_person(victim, PersonRole.VICTIM, address)]
            if others:
                people.append(_person(others[0], PersonRole.SUSPECT, address))
            present = bool(household.children) and rng.random() < 0.6
            if present:
                people.extend(_person(c, PersonRole.CHILD, address) for c in household.children)
            details = partner_services.NotificationDetails(
                reference=f"WX-DA-{month_key}-{family.pk:05d}",
                incident_at=incident,
                dash_risk_level=rng.choice(
                    [DashRisk.STANDARD, DashRisk.STANDARD, DashRisk.MEDIUM, DashRisk.HIGH]
                ),
                children_present=present,
                summary=rng.choice(SUMMARIES),
                people=people,
            )
            with transaction.atomic():
                receipt = partner_services.partner_notification_receive(
                    client=client,
                    details=details,
                    received_at=incident + dt.timedelta(hours=rng.randint(6, 30)),
                )
            created += receipt.created
    created += _triage_examples(client, today)
    return created


def _triage_examples(client: PartnerClient, today: dt.date) -> int:
    """Two recent notifications no family matches, so the triage queue has work in it."""
    examples = [
        ("Jordan", "Ashdown", dt.date(1991, 2, 14), "Rowan", "Ashdown", dt.date(2018, 7, 1)),
        ("Casey", "Fernhill", dt.date(1987, 11, 3), "Robin", "Fernhill", dt.date(2015, 3, 22)),
    ]
    created = 0
    for index, (adult, surname, born, child, child_surname, child_born) in enumerate(examples):
        incident = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=2 + index * 3), dt.time(22, 15))
        )
        address = f"{10 + index} Orchard Close, Wessex Vale, WX{index + 1} 4DP"
        receipt = partner_services.partner_notification_receive(
            client=client,
            details=partner_services.NotificationDetails(
                reference=f"WX-DA-TRIAGE-{index + 1}",
                incident_at=incident,
                dash_risk_level=DashRisk.MEDIUM,
                children_present=True,
                summary=SUMMARIES[index + 1],
                people=[
                    partner_services.NotifiedPerson(
                        PersonRole.VICTIM, adult, surname, born, "", address
                    ),
                    partner_services.NotifiedPerson(
                        PersonRole.CHILD, child, child_surname, child_born, "", address
                    ),
                ],
            ),
            received_at=incident + dt.timedelta(hours=9),
        )
        created += receipt.created
    return created
