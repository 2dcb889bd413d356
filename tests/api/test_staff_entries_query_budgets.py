"""Query budget (STYLE.md §13) of changing an entry through the API: a PATCH runs the few
queries a save needs, the same for a family of 4 as of 14 and for an entry's 3rd save as for
its 40th, and answers with the saved entry without reading it again."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import HouseholdRole, Person
from safeguarding.lib.api import etag_for
from tests.api.staff_world import session_client
from tests.factories import AdultFactory, FamilyMemberFactory
from tests.workbook.conftest import TeamCase, build_team_case, intervention_summary_answers
from workbook.models import Entry
from workbook.services import entry_create, entry_save

pytestmark = pytest.mark.django_db

# Every request, before the view: the session, the signed-in user, and the device that
# verified the session (django-otp, teams.mfa).
REQUEST_QUERIES = 3
# The entry with its case and why the user may see it; the user's memberships (may they
# record on the family); their allocation (may they still write this form). The questions
# the answers may be for come from the form's class, without a query.
ENTRY_LOAD_QUERIES = 3
# Lock the entry's row (with what the answer shows of it), update it, add its revision. The
# save's transaction is a savepoint inside the test's own, which adds SAVEPOINT and RELEASE
# (in production BEGIN and COMMIT, which Django does not count as queries).
SAVE_QUERIES = 3 + 2
PATCH_QUERIES = REQUEST_QUERIES + ENTRY_LOAD_QUERIES + SAVE_QUERIES


@pytest.fixture
def carters() -> TeamCase:
    return build_team_case("Carter")


def _more_adults(tc: TeamCase, count: int) -> list[Person]:
    adults = AdultFactory.create_batch(count, family_name="Carter")
    for adult in adults:
        FamilyMemberFactory.create(
            family=tc.case.family, person=adult, household_role=HouseholdRole.OTHER_ADULT
        )
    return adults


def _patch(client: APIClient, entry: Entry, answers: dict[str, Any]) -> Any:
    return client.patch(
        reverse("api:entry", args=[entry.pk]),
        {"version": entry.version, "answers": answers},
        format="json",
        HTTP_IF_MATCH=etag_for(entry.pk, entry.version),
    )


def test_a_patch_runs_the_same_few_queries_for_a_bigger_family_and_a_longer_history(
    carters: TeamCase, django_assert_num_queries: Any
) -> None:
    entry = entry_create(
        actor=carters.lead,
        case=carters.case,
        form_slug="intervention-summary",
        answers=intervention_summary_answers(carters.adults),
    )
    client = session_client(carters.lead)
    client.get(reverse("api:entry", args=[entry.pk]))  # the session's first request

    with django_assert_num_queries(PATCH_QUERIES):
        few = _patch(client, entry, {"analysis": "Change is fragile."})
    adults = _more_adults(carters, 10)
    for n in range(36):
        entry.refresh_from_db()
        entry_save(
            actor=carters.lead,
            entry_id=entry.pk,
            answers={**entry.data, "work_done": f"Version {n} of the work done."},
            base_version=entry.version,
        )
    entry.refresh_from_db()
    with django_assert_num_queries(PATCH_QUERIES):
        many = _patch(client, entry, intervention_summary_answers(adults))

    assert (few.status_code, many.status_code) == (200, 200)
    entry.refresh_from_db()
    assert entry.revisions.count() == 40
    assert many.json()["version"] == entry.version
    assert many.json()["answers"] == entry.data
    assert many.json()["author"] == {"id": carters.lead.pk, "name": carters.lead.get_full_name()}
    assert many["ETag"] == etag_for(entry.pk, entry.version)
