"""Who may call the partner endpoints (STYLE.md §15): every caller x every partner endpoint.

- nobody without credentials: 401;
- a member of staff of any role, signed in to the site or with a staff tool's token: 403, the
  partner endpoints are for partner systems only;
- a partner system whose token lacks the endpoint's scope: 403;
- a partner system holding it reaches the endpoint: a child status lookup answers 200 (an
  unknown NHS number gets the same answer as a child on no plan), and an empty notification is
  refused for what it says, 400, not for who sent it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.validators import synthetic_nhs_number
from teams.models import Organisation, PartnerScope, User
from teams.roles import Role, ServiceRole
from tests import permission_matrix
from tests.api.conftest import bearer, token_for
from tests.api.staff_world import bearer_client, session_client, staff_token
from tests.factories import MembershipFactory, UserFactory, partner_client

pytestmark = pytest.mark.django_db

NHS_NUMBER = synthetic_nhs_number(random.Random(23))


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: str
    scope: str
    other_scope: str  # a scope the partner may hold that does not open this endpoint
    permitted: int


ENDPOINTS = {
    "api:partner-child-status": Endpoint(
        "get",
        reverse("api:partner-child-status", args=[NHS_NUMBER]),
        PartnerScope.CHILD_STATUS_READ,
        PartnerScope.NOTIFICATIONS_WRITE,
        200,
    ),
    "api:partner-notifications": Endpoint(
        "post",
        reverse("api:partner-notifications"),
        PartnerScope.NOTIFICATIONS_WRITE,
        PartnerScope.CHILD_STATUS_READ,
        400,
    ),
}
permission_matrix.register(__name__, ENDPOINTS)

STAFF = [f"staff: {role}" for role in [*Role.values, *ServiceRole.values]]
CALLERS = ["nobody", *STAFF, "staff token", "partner without the scope", "partner with the scope"]


def expected(caller: str, endpoint: Endpoint) -> int:
    return {"nobody": 401, "partner with the scope": endpoint.permitted}.get(caller, 403)


def _staff_user(role: str) -> User:
    if role in Role.values:
        return MembershipFactory.create(role=role).user
    return UserFactory.create(service_role=role)


def callers(force: Organisation, endpoint: Endpoint) -> dict[str, APIClient]:
    client, secret = partner_client(force)
    return {
        "nobody": APIClient(),
        **{caller: session_client(_staff_user(caller.removeprefix("staff: "))) for caller in STAFF},
        "staff token": bearer_client(staff_token(UserFactory.create())),
        "partner without the scope": bearer(token_for(client, secret, endpoint.other_scope)),
        "partner with the scope": bearer(token_for(client, secret, endpoint.scope)),
    }


def _call(api: APIClient, endpoint: Endpoint) -> Any:
    return getattr(api, endpoint.method)(endpoint.url, {}, format="json")


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_partner_endpoints_answer_each_caller_as_the_table_says(
    force: Organisation, name: str
) -> None:
    endpoint = ENDPOINTS[name]

    answers = {
        caller: _call(api, endpoint).status_code for caller, api in callers(force, endpoint).items()
    }

    assert answers == {caller: expected(caller, endpoint) for caller in CALLERS}
