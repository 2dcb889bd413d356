"""The one record loader (``cases.loader``): what pages and API views of every app get from it.

It answers 404 for a record the user may not see, brings the record, its case and why the user
may see it in one query, writes the read audit it is asked for (and only that), and works out
permissions and banner warnings only when a caller uses them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from cases.loader import family_cases, load_family, load_person, load_record
from cases.models import AccessAction, AccessBasis, AccessEvent, Case, RecordType
from teams.models import User
from tests.cases.conftest import Scenario

pytestmark = pytest.mark.django_db


def test_a_family_the_user_cannot_see_is_not_found_and_not_audited(
    scenario: Scenario, outsider: User
) -> None:
    with pytest.raises(Http404):
        load_family(outsider, scenario.family.pk, audit=True)

    assert not AccessEvent.objects.filter(user_id=outsider.pk).exists()


def test_the_record_its_case_and_the_basis_come_back_in_one_query(scenario: Scenario) -> None:
    with CaptureQueriesContext(connection) as queries:
        ctx = load_family(scenario.lead, scenario.family.pk)
        family_name = ctx.family.name
        team_name = ctx.family.owning_team.service.name

    assert len(queries) == 1
    assert ctx.case == scenario.case
    assert ctx.basis == AccessBasis.ALLOCATION
    assert family_name == "The Hughes family"
    assert team_name


def test_permissions_and_warnings_cost_nothing_until_a_caller_uses_them(
    scenario: Scenario,
) -> None:
    ctx = load_family(scenario.social_worker, scenario.family.pk)

    with CaptureQueriesContext(connection) as untouched:
        assert ctx.basis == AccessBasis.TEAM
    with CaptureQueriesContext(connection) as asked:
        can_record = ctx.perms.can_record
        warnings = ctx.warnings

    assert len(untouched) == 0
    assert len(asked) == 2  # the user's memberships, the family's open warnings
    assert can_record
    assert warnings == []
    assert ctx.can is ctx.perms


def test_a_family_read_is_audited_once_as_the_family_with_its_basis(scenario: Scenario) -> None:
    load_family(scenario.manager, scenario.family.pk, audit=True, action=AccessAction.PDF)

    event = AccessEvent.objects.get(user_id=scenario.manager.pk)
    assert (event.record_type, event.record_id, event.family_id) == (
        RecordType.FAMILY,
        scenario.family.pk,
        scenario.family.pk,
    )
    assert (event.basis, event.action) == (AccessBasis.TEAM, AccessAction.PDF)


def test_a_person_read_is_audited_as_the_person(scenario: Scenario) -> None:
    person, ctx = load_person(scenario.lead, scenario.older_child.pk, audit=True)

    event = AccessEvent.objects.get(user_id=scenario.lead.pk)
    assert person == scenario.older_child
    assert ctx.case == scenario.case
    assert (event.record_type, event.record_id, event.family_id, event.basis) == (
        RecordType.PERSON,
        scenario.older_child.pk,
        scenario.family.pk,
        AccessBasis.ALLOCATION,
    )


def test_a_loader_without_audit_writes_nothing(scenario: Scenario) -> None:
    load_family(scenario.lead, scenario.family.pk)

    assert not AccessEvent.objects.exists()


def test_a_record_of_a_visible_case_is_loaded_through_its_case_path(scenario: Scenario) -> None:
    """A record reached from its case (here a family member's case row through the family's
    cases) gets the record's own permission object, built from the family permissions."""

    def permissions(user: User, record: Case, case: Case, family_perms: object) -> str:
        return f"{user.pk}:{record.pk}:{case.pk}:{family_perms is not None}"

    ctx = load_record(
        scenario.lead,
        family_cases(scenario.family.pk),
        scenario.case.pk,
        permissions=permissions,
        audit=RecordType.CASE,
        action=AccessAction.API,
    )

    assert ctx.can == f"{scenario.lead.pk}:{scenario.case.pk}:{scenario.case.pk}:True"
    event = AccessEvent.objects.get(user_id=scenario.lead.pk)
    assert (event.record_type, event.record_id, event.action) == (
        RecordType.CASE,
        scenario.case.pk,
        AccessAction.API,
    )
