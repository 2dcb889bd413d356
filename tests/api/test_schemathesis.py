"""Property-based tests of the whole API against its own schema (schemathesis 4).

Schemathesis reads the live schema from the WSGI application, generates requests for every
operation (the schema's examples, boundary values, then random valid and invalid data) and
checks that no response is a server error and every response is one the schema documents,
with the body the schema describes. It runs twice: as a partner system holding every partner
scope, and as a member of staff with a staff token; each caller also meets the operations
that are not theirs, which must answer their documented 403.

The database is the real PostgreSQL test database, inside pytest-django's test transaction.
Schemathesis calls the application in this thread, on this connection, so the requests see
the data the fixtures made; each request runs in a savepoint that is rolled back, so every
generated example meets the same data (Hypothesis replays and shrinks examples, and expects
the same answer each time) and nothing one example wrote can break the next.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from oauth2_provider.models import AccessToken, Application
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cases.models import StatusKind
from cases.validators import synthetic_nhs_number
from kpis.models import KpiSnapshot, KpiTarget
from kpis.registry import CATALOGUE
from kpis.services import month_end
from safeguarding.lib.api import ClientRateThrottle
from safeguarding.wsgi import application
from teams.oauth import STAFF_SCOPE
from teams.roles import Role
from tests.factories import (
    CaseFactory,
    ChildStatusFactory,
    FamilyMemberFactory,
    MembershipFactory,
    PersonFactory,
    partner_client,
    police_force,
)

from .conftest import token_for

SCHEMA_PATH = "/api/v1/schema/?format=json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Bounded so both runs together take about a minute; deterministic so a failure reproduces.
GENERATION = {
    "max-examples": 25,
    "deterministic": True,
    "database": "none",
    # The caller's token is sent on every request; schemathesis should not invent others.
    "with-security-parameters": False,
}
SEED = 20261122


@pytest.fixture
def generous_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    """So the run exercises the API rather than the throttle (DRF copies the rates onto the
    class when it is imported: overriding settings would not be seen)."""
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"client": "100000/minute"})


@pytest.fixture
def world(db: None) -> None:
    """Something for every read to find: a child on a plan, KPI figures and targets."""
    case = CaseFactory.create()
    child = PersonFactory.create(nhs_number=synthetic_nhs_number(random.Random(41)))
    FamilyMemberFactory.create(family=case.family, person=child)
    ChildStatusFactory.create(
        case=case,
        person=child,
        kind=StatusKind.CP_PLAN,
        start_date=dt.date(2025, 6, 2),
        cp_initial_category="NEG",
        cp_latest_category="NEG",
    )
    MembershipFactory.create(team=case.family.owning_team, role=Role.TEAM_MANAGER)
    KpiTarget.objects.create(kpi_code="cp_rate", value=Decimal("35"))
    KpiTarget.objects.create(
        kpi_code="care_entries", baseline_year=2024, reduction_from_baseline=Decimal("40")
    )
    KpiSnapshot.objects.bulk_create(
        KpiSnapshot(
            kpi_code=kpi.code,
            team=team,
            period_start=month,
            period_end=month_end(month),
            numerator=Decimal(numerator),
            denominator=Decimal(40),
            value=Decimal(numerator),
        )
        for kpi in CATALOGUE
        for team in (None, case.family.owning_team)
        for month, numerator in ((dt.date(2026, 9, 1), 3), (dt.date(2026, 10, 1), 12))
    )


@pytest.fixture
def partner_token(world: None) -> str:
    """A partner system holding every partner scope."""
    return token_for(*partner_client(police_force()))


@pytest.fixture
def staff_token(world: None) -> str:
    """A team manager calling through a staff tool's token."""
    manager = MembershipFactory.create(role=Role.TEAM_MANAGER).user
    tool = Application.objects.create(
        name="Staff tool",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://tool.example.org/callback",
    )
    token = AccessToken.objects.create(
        user=manager,
        application=tool,
        token="schemathesis-staff-token",
        scope=STAFF_SCOPE,
        expires=timezone.now() + dt.timedelta(hours=1),
    )
    return str(token.token)


@contextmanager
def _on_the_test_connection() -> Iterator[None]:
    """Django closes "old" database connections when a request starts and ends, which would
    end the test transaction; Django's test client switches that off around each request, and
    so must this."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _call_and_validate(case: schemathesis.Case, token: str) -> None:
    with _on_the_test_connection(), transaction.atomic():
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)


# Loaded when the module is collected: the schema view needs no database. (Schemathesis's
# lazy ``from_fixture`` loader would let a fixture build it, but relies on pytest's private
# ``Node._nodeid``, which pytest 9.2 removed.)
schema = schemathesis.openapi.from_wsgi(
    SCHEMA_PATH,
    application,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": GENERATION,
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


# The fixtures are shared by every generated example on purpose: the data is read-only to them
# (each request is rolled back), and building it per example would multiply the run time.
SHARED_FIXTURES = settings(
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ]
)


@pytest.mark.django_db
@schema.parametrize()
@SHARED_FIXTURES
def test_the_api_keeps_its_schema_for_a_partner(
    case: schemathesis.Case, generous_rate: None, partner_token: str
) -> None:
    _call_and_validate(case, partner_token)


@pytest.mark.django_db
@schema.parametrize()
@SHARED_FIXTURES
def test_the_api_keeps_its_schema_for_staff(
    case: schemathesis.Case, generous_rate: None, staff_token: str
) -> None:
    _call_and_validate(case, staff_token)
