"""Access decisions that pages and services take from ``cases.policies`` alone: who reviews
emergency access, who a family may be moved to and led by, and what the navigation offers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessGrant
from cases.policies import navigation_facts
from cases.services import access_grant_request, access_grant_review
from teams.models import User
from teams.roles import Role, ServiceRole
from tests.factories import MembershipFactory, TeamFactory, UserFactory

from .conftest import Scenario

pytestmark = pytest.mark.django_db

REASON = "Police called out of hours about the younger child"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- emergency access review --------------------------------------------------------------------


def test_a_manager_of_another_team_cannot_review_emergency_access_to_this_family(
    scenario: Scenario, outsider: User
) -> None:
    """The review page offers a manager only their teams' grants; the service refuses the
    rest too, so no other caller can review beyond that scope."""
    elsewhere = MembershipFactory.create(team=TeamFactory.create(), role=Role.TEAM_MANAGER).user
    grant = access_grant_request(actor=outsider, case=scenario.case, reason=REASON)

    page = signed_in(elsewhere).post(
        reverse("cases:emergency-access-review"),
        {"grant": grant.pk, "outcome": "Justified: out-of-hours visit"},
    )
    with pytest.raises(ValidationError) as refused:
        access_grant_review(actor=elsewhere, grant=grant, outcome="Justified: out-of-hours visit")

    assert page.status_code == 404
    assert refused.value.messages == [
        "Only the family's team managers, its service manager and auditors can review this"
    ]
    assert AccessGrant.objects.get(pk=grant.pk).reviewed_at is None


def test_the_service_manager_and_an_auditor_review_emergency_access(
    scenario: Scenario, outsider: User
) -> None:
    service_manager = MembershipFactory.create(
        team=TeamFactory.create(service=scenario.team.service), role=Role.SERVICE_MANAGER
    ).user
    auditor = UserFactory.create(service_role=ServiceRole.AUDITOR)
    first = access_grant_request(actor=outsider, case=scenario.case, reason=REASON)
    second = access_grant_request(actor=outsider, case=scenario.case, reason=REASON)

    access_grant_review(actor=service_manager, grant=first, outcome="Justified: out of hours")
    access_grant_review(actor=auditor, grant=second, outcome="Justified: checked the log")

    assert set(
        AccessGrant.objects.filter(case=scenario.case).values_list("reviewed_by", flat=True)
    ) == {service_manager.pk, auditor.pk}


# --- transfer -------------------------------------------------------------------------------------


def _offered_workers(body: str) -> set[str]:
    select = re.search(r'<select[^>]*name="lead_social_worker".*?</select>', body, re.S)
    assert select is not None
    return set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select.group(0)))


def test_the_transfer_page_offers_the_lead_workers_the_service_accepts(
    scenario: Scenario,
) -> None:
    """Members today in a social work or management role, as ``case_transfer`` checks: not
    someone starting next month (the service refused them), and someone leaving next month
    still (the page used to leave them out)."""
    today = timezone.localdate()
    destination = TeamFactory.create(service=scenario.team.service)
    staying = MembershipFactory.create(team=destination, role=Role.SOCIAL_WORKER)
    leaving = MembershipFactory.create(
        team=destination, role=Role.SENIOR_SOCIAL_WORKER, end_date=today + dt.timedelta(days=30)
    )
    starting = MembershipFactory.create(
        team=destination, role=Role.SOCIAL_WORKER, start_date=today + dt.timedelta(days=30)
    )
    specialist = MembershipFactory.create(team=destination, role=Role.DOMESTIC_ABUSE_SPECIALIST)

    body = (
        signed_in(scenario.manager)
        .get(reverse("cases:transfer", args=[scenario.family.pk]))
        .content.decode()
    )
    offered = _offered_workers(body)

    assert {staying.user.get_full_name(), leaving.user.get_full_name()} <= offered
    assert starting.user.get_full_name() not in offered
    assert specialist.user.get_full_name() not in offered


# --- the navigation -------------------------------------------------------------------------------

EVERYONE = ["Home"]
PRACTITIONER = [*EVERYONE, "My caseload", "My work tray", "Find a person", "Teams"]
PRACTITIONER_END = ["My actions", "Training"]
MANAGER = [
    *PRACTITIONER,
    "Supervision",
    "My actions",
    "Authorisations",
    "Training",
    "Workforce",
    "KPIs",
    "Emergency access",
    "Police notifications",
]
NAVIGATION: dict[str, list[str]] = {
    Role.SERVICE_MANAGER: MANAGER,
    Role.TEAM_MANAGER: MANAGER,
    Role.ASSISTANT_TEAM_MANAGER: MANAGER,
    Role.SENIOR_SOCIAL_WORKER: [*PRACTITIONER, *PRACTITIONER_END],
    Role.SOCIAL_WORKER: [*PRACTITIONER, *PRACTITIONER_END],
    Role.FAMILY_PRACTITIONER: [*PRACTITIONER, *PRACTITIONER_END],
    Role.TEAM_STANDARDS_COORDINATOR: [*PRACTITIONER, *PRACTITIONER_END, "Police notifications"],
    Role.DOMESTIC_ABUSE_SPECIALIST: [*PRACTITIONER, *PRACTITIONER_END],
    Role.MENTAL_HEALTH_SPECIALIST: [*PRACTITIONER, *PRACTITIONER_END],
    Role.SUBSTANCE_USE_SPECIALIST: [*PRACTITIONER, *PRACTITIONER_END],
    Role.PROBATION_OFFICER: [*PRACTITIONER, *PRACTITIONER_END],
    Role.POLICE_DA_OFFICER: [*PRACTITIONER, *PRACTITIONER_END],
    ServiceRole.INDEPENDENT_REVIEWING_OFFICER: [*EVERYONE, "Find a person"],
    ServiceRole.BOARD_MEMBER: [*EVERYONE, "KPIs"],
    ServiceRole.PERFORMANCE_ANALYST: [*EVERYONE, "KPIs"],
    ServiceRole.AUDITOR: [*EVERYONE, "Find a person", "KPIs", "Audit", "Emergency access"],
    ServiceRole.SYSTEM_ADMIN: [*EVERYONE, "Admin"],
}


def _user_with(role: str) -> User:
    if role in ServiceRole.values:
        return UserFactory.create(service_role=role, is_staff=role == ServiceRole.SYSTEM_ADMIN)
    return MembershipFactory.create(role=role).user


def _menu(client: Client) -> list[str]:
    """The service navigation's links, without the account links beside them."""
    body = client.get(reverse("accessibility")).content.decode()
    links = re.findall(
        r'<li class="govuk-service-navigation__item(?: govuk-service-navigation__item--active)?">'
        r"\s*<a[^>]*>(.*?)</a>",
        body,
        re.S,
    )
    return [re.sub(r"<[^>]+>", "", link).strip() for link in links]


@pytest.mark.parametrize("role", list(NAVIGATION))
def test_the_navigation_offers_each_role_its_pages(role: str) -> None:
    assert _menu(signed_in(_user_with(role))) == NAVIGATION[role]


def test_a_managers_navigation_costs_one_query(django_assert_num_queries: Any) -> None:
    """Managers are practitioners, reviewers and triagers: one question answers all four."""
    manager = MembershipFactory.create(role=Role.TEAM_MANAGER).user

    with django_assert_num_queries(1):
        facts = navigation_facts(manager)

    assert (facts.manager, facts.practitioner, facts.reviewer, facts.triager) == (
        True,
        True,
        True,
        True,
    )
