"""Who may call the staff endpoints: members of staff by session or staff token (the same
answers either way); nobody without credentials (401); never a partner system (403), whatever
scopes its token holds; never a token without the ``staff`` scope (403)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from tests import permission_matrix
from tests.api.staff_world import bearer_client, partner_token, session_client, staff_token
from tests.factories import partner_client
from tests.workbook.conftest import TeamCase, build_team_case, case_note_answers
from workbook.services import entry_create

pytestmark = pytest.mark.django_db

# Every staff operation. The ids need not exist: credentials are checked before any lookup.
OPERATIONS = [
    ("get", reverse("api:families"), None),
    ("get", reverse("api:family", args=[1]), None),
    ("get", reverse("api:people"), None),
    ("get", reverse("api:person", args=[1]), None),
    ("get", reverse("api:cases"), None),
    ("get", reverse("api:case", args=[1]), None),
    ("get", reverse("api:entries"), None),
    ("post", reverse("api:entries"), {"case": 1, "form": "case-note"}),
    ("get", reverse("api:entry", args=[1]), None),
    ("patch", reverse("api:entry", args=[1]), {"version": 1, "answers": {}}),
    ("post", reverse("api:entry-submit", args=[1]), None),
    ("get", reverse("api:actions"), None),
    ("post", reverse("api:action-complete", args=[1]), {"note": "Done it"}),
]
IDS = [f"{method} {url}" for method, url, _ in OPERATIONS]
# The callers' matrix of the staff API. Which records a member of staff reads through it is
# decided by the same loader and policies as the pages (tests/cases/test_permissions.py).
permission_matrix.register(__name__, [resolve(url).view_name for _, url, _ in OPERATIONS])


def _call(client: APIClient, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize(("method", "url", "body"), OPERATIONS, ids=IDS)
def test_no_credentials_is_401_with_a_challenge(method: str, url: str, body: Any) -> None:
    response = _call(APIClient(), method, url, body)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "url", "body"), OPERATIONS, ids=IDS)
def test_a_partner_token_is_403_whatever_its_scopes(method: str, url: str, body: Any) -> None:
    response = _call(bearer_client(partner_token()), method, url, body)

    assert response.status_code == 403
    assert response.json()["detail"] == "This operation is for members of staff only"


def test_a_partner_token_from_the_token_endpoint_is_refused_too() -> None:
    client, secret = partner_client()
    token = APIClient().post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": client.application.client_id,
            "client_secret": secret,
        },
        format="multipart",
    )
    assert token.status_code == 200, token.content

    response = bearer_client(token.json()["access_token"]).get(reverse("api:families"))

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url", "body"), OPERATIONS, ids=IDS)
def test_a_staff_tools_token_without_the_staff_scope_is_403(
    user: Any, method: str, url: str, body: Any
) -> None:
    response = _call(bearer_client(staff_token(user, scope="kpis:read")), method, url, body)

    assert response.status_code == 403


@pytest.fixture
def carters() -> TeamCase:
    return build_team_case("Carter")


def _reads(tc: TeamCase) -> list[str]:
    entry = entry_create(
        actor=tc.lead, case=tc.case, form_slug="case-note", answers=case_note_answers()
    )
    return [
        reverse("api:families"),
        reverse("api:family", args=[tc.case.family_id]),
        reverse("api:people"),
        reverse("api:person", args=[tc.older_child.pk]),
        reverse("api:cases"),
        reverse("api:case", args=[tc.case.pk]),
        reverse("api:entries"),
        reverse("api:entry", args=[entry.pk]),
        reverse("api:actions"),
    ]


def test_a_staff_token_reads_exactly_what_the_session_reads(carters: TeamCase) -> None:
    by_session = session_client(carters.lead)
    by_token = bearer_client(staff_token(carters.lead))

    for url in _reads(carters):
        session_response = by_session.get(url)
        token_response = by_token.get(url)
        assert session_response.status_code == 200, url
        assert token_response.status_code == 200, url
        assert token_response.json() == session_response.json(), url


def test_a_staff_token_writes_like_the_session(carters: TeamCase) -> None:
    response = bearer_client(staff_token(carters.lead)).post(
        reverse("api:entries"),
        {"case": carters.case.pk, "form": "case-note", "answers": case_note_answers()},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["author"]["id"] == carters.lead.pk


def test_a_staff_token_of_someone_outside_the_family_gets_404(carters: TeamCase) -> None:
    outsider = build_team_case("Patel").lead
    response = bearer_client(staff_token(outsider)).get(
        reverse("api:family", args=[carters.case.family_id])
    )

    assert response.status_code == 404
