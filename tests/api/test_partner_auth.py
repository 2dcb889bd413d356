"""Partner systems authenticate as OAuth2 clients (DESIGN §9): client-credentials tokens that
live ten minutes, scopes cut back to the organisation's data-sharing agreement, and no way
back in for a revoked client or an old secret. Every refusal has the one error body.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from cases.models import DisclosureLog
from cases.validators import synthetic_nhs_number
from teams.models import Organisation, PartnerClient, PartnerScope
from teams.oauth import STAFF_SCOPE
from teams.services import partner_client_revoke, partner_client_rotate_secret
from tests.factories import UserFactory, partner_client, police_force

from .conftest import access_token, assert_error_body, bearer, request_token, token_for

pytestmark = pytest.mark.django_db

NHS_NUMBER = synthetic_nhs_number(random.Random(11))
CHILD_STATUS = f"/api/v1/partner/child-status/{NHS_NUMBER}/"
NOTIFICATIONS = "/api/v1/partner/notifications/"
KPIS = "/api/v1/kpis/"
CHILD_STATUS_AND_NOTIFICATIONS: list[str] = [
    PartnerScope.CHILD_STATUS_READ,
    PartnerScope.NOTIFICATIONS_WRITE,
]


# --- getting a token ---------------------------------------------------------------------------


def test_a_partner_gets_a_ten_minute_bearer_token_with_its_agreed_scopes(
    registered: tuple[PartnerClient, str],
) -> None:
    before = timezone.now()

    response = request_token(*registered)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert set(body["scope"].split()) == set(PartnerScope.values)
    assert "refresh_token" not in body  # client credentials: ask again, never refresh
    stored = access_token(body["access_token"])
    assert stored.user_id is None
    assert before + dt.timedelta(seconds=595) < stored.expires
    assert stored.expires <= timezone.now() + dt.timedelta(seconds=600)


def test_a_token_holds_only_the_scopes_the_agreement_still_covers(
    force: Organisation,
) -> None:
    registered = partner_client(force, scopes=list(PartnerScope.values))
    force.agreed_scopes = CHILD_STATUS_AND_NOTIFICATIONS
    force.save(update_fields=["agreed_scopes"])

    response = request_token(*registered)

    assert response.status_code == 200
    assert set(response.json()["scope"].split()) == set(CHILD_STATUS_AND_NOTIFICATIONS)


def test_a_token_holds_only_the_clients_own_scopes(force: Organisation) -> None:
    registered = partner_client(force, scopes=[PartnerScope.KPIS_READ])

    response = request_token(*registered)

    assert response.json()["scope"] == PartnerScope.KPIS_READ


def test_a_partner_can_ask_for_fewer_scopes(registered: tuple[PartnerClient, str]) -> None:
    response = request_token(*registered, scope=PartnerScope.CHILD_STATUS_READ)

    assert response.status_code == 200
    assert response.json()["scope"] == PartnerScope.CHILD_STATUS_READ


@pytest.mark.parametrize(
    "scope",
    [
        PartnerScope.KPIS_READ,  # the agreement does not cover it
        f"{PartnerScope.CHILD_STATUS_READ} {PartnerScope.KPIS_READ}",
        STAFF_SCOPE,  # never for a partner system
        "admin",  # no such scope
    ],
)
def test_asking_for_a_scope_outside_the_agreement_is_invalid_scope(scope: str) -> None:
    force = police_force("Narrow Constabulary", scopes=CHILD_STATUS_AND_NOTIFICATIONS)
    registered = partner_client(force, scopes=CHILD_STATUS_AND_NOTIFICATIONS)

    response = request_token(*registered, scope=scope)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert not AccessToken.objects.filter(application=registered[0].application).exists()


def test_a_wrong_secret_gets_no_token(registered: tuple[PartnerClient, str]) -> None:
    response = request_token(registered[0], "not-the-secret")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


# --- using a token -----------------------------------------------------------------------------


def test_no_credentials_is_401_with_www_authenticate(db: None) -> None:
    response = APIClient().get(CHILD_STATUS)

    body = assert_error_body(response, 401)
    assert body["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_401(db: None) -> None:
    response = bearer("not-a-token").get(CHILD_STATUS)

    assert_error_body(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_live_token_reads(api: APIClient) -> None:
    assert api.get(CHILD_STATUS).status_code == 200


def test_an_expired_token_is_401(api: APIClient, token: str) -> None:
    stored = access_token(token)
    stored.expires = timezone.now() - dt.timedelta(seconds=1)
    stored.save(update_fields=["expires"])

    response = api.get(CHILD_STATUS)

    assert_error_body(response, 401)
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert not DisclosureLog.objects.exists()  # no client was identified


def test_a_revoked_clients_token_is_401_and_it_gets_no_new_one(
    registered: tuple[PartnerClient, str], api: APIClient
) -> None:
    client, secret = registered
    admin = UserFactory.create()

    partner_client_revoke(actor=admin, client=client, reason="The force replaced its system")

    assert_error_body(api.get(CHILD_STATUS), 401)
    refused = request_token(client, secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert not AccessToken.objects.filter(application=client.application).exists()


def test_after_rotation_the_old_secret_and_old_tokens_stop_working(
    registered: tuple[PartnerClient, str], api: APIClient
) -> None:
    client, old_secret = registered

    new_secret = partner_client_rotate_secret(actor=None, client=client)

    assert_error_body(api.get(CHILD_STATUS), 401)
    assert request_token(client, old_secret).status_code == 401
    assert bearer(token_for(client, new_secret)).get(CHILD_STATUS).status_code == 200


def test_narrowing_the_agreement_refuses_tokens_issued_before_it(
    force: Organisation, partner: PartnerClient, api: APIClient
) -> None:
    force.agreed_scopes = [PartnerScope.NOTIFICATIONS_WRITE, PartnerScope.KPIS_READ]
    force.save(update_fields=["agreed_scopes"])

    response = api.get(CHILD_STATUS)

    body = assert_error_body(response, 403)
    assert body["code"] == "permission_denied"
    assert PartnerScope.CHILD_STATUS_READ in body["detail"]
    log = DisclosureLog.objects.get()
    assert (log.client_id, log.status_code, log.disclosed) == (partner.pk, 403, {})
    assert api.get(KPIS).status_code == 200  # what the agreement still covers still works


def test_a_token_without_the_scope_is_403(registered: tuple[PartnerClient, str]) -> None:
    api = bearer(token_for(*registered, scope=PartnerScope.KPIS_READ))

    response = api.get(CHILD_STATUS)

    body = assert_error_body(response, 403)
    assert PartnerScope.CHILD_STATUS_READ in body["detail"]
    assert api.get(KPIS).status_code == 200


def test_a_client_registered_without_the_scope_is_403(force: Organisation) -> None:
    api = bearer(token_for(*partner_client(force, scopes=[PartnerScope.NOTIFICATIONS_WRITE])))

    assert_error_body(api.get(CHILD_STATUS), 403)


def test_a_staff_session_cannot_use_a_partner_endpoint(db: None) -> None:
    """A browser session is never a partner: signed in, but refused (403), not asked to sign in."""
    api = APIClient()
    api.force_login(UserFactory.create())

    response = api.get(CHILD_STATUS)

    body = assert_error_body(response, 403)
    assert "partner" in body["detail"]
    assert not DisclosureLog.objects.exists()


def test_a_staff_token_cannot_use_a_partner_endpoint(db: None) -> None:
    user = UserFactory.create()
    application = Application.objects.create(
        name="Staff tool",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://tool.example.org/callback",
    )
    staff_token = AccessToken.objects.create(
        user=user,
        application=application,
        token="staff-token-for-tests",
        scope=STAFF_SCOPE,
        expires=timezone.now() + dt.timedelta(minutes=10),
    )

    api = bearer(staff_token.token)

    assert "partner" in assert_error_body(api.get(CHILD_STATUS), 403)["detail"]
    # Refused for who it is before the body is read, even a body that is not JSON.
    assert_error_body(api.post(NOTIFICATIONS, b"{", content_type="application/json"), 403)


# --- one error body ----------------------------------------------------------------------------


def test_every_error_has_the_one_error_body(api: APIClient) -> None:
    """Errors raised by DRF, by the URLconf and by the middleware all look the same."""
    anonymous = Client()
    responses: dict[int, Any] = {
        401: APIClient().post(NOTIFICATIONS, {}, format="json"),
        404: api.get("/api/v1/no-such-endpoint/"),
        405: api.put(NOTIFICATIONS, {}, format="json"),
        415: api.post(
            NOTIFICATIONS, "reference=x", content_type="application/x-www-form-urlencoded"
        ),
        400: api.get("/api/v1/partner/child-status/1234/"),
        413: anonymous.post(
            NOTIFICATIONS, b"{}", content_type="application/json", CONTENT_LENGTH="70000"
        ),
    }

    for status, response in responses.items():
        assert_error_body(response, status)
    assert responses[400].json()["errors"]["nhs_number"]


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json", 400),
        ("multipart/form-data", 415),  # no boundary: Django itself cannot parse it
        ("application/x-www-form-urlencoded", 415),
        ("text/csv", 415),
    ],
)
def test_credentials_are_checked_before_the_body_is_read(
    api: APIClient, content_type: str, status: int
) -> None:
    """A body the API cannot read is refused for who sent it first (401), then for itself."""
    body = b"\x00{not json"

    anonymous = APIClient().post(NOTIFICATIONS, body, content_type=content_type)
    partner = api.post(NOTIFICATIONS, body, content_type=content_type)

    assert_error_body(anonymous, 401)
    assert_error_body(partner, status)


def test_django_s_own_400_is_in_the_error_format(api: APIClient) -> None:
    """Django refuses some requests before any view runs (here a Host it does not serve)."""
    response = api.get(KPIS, HTTP_HOST="not-this-service.example")

    assert_error_body(response, 400)


def test_tokens_are_stored_hashed(registered: tuple[PartnerClient, str]) -> None:
    """RFC 9700 token storage: the database holds a checksum, never the bearer value."""
    value = token_for(*registered)
    stored = access_token(value)
    assert stored.token != value
    assert value not in str(AccessToken.objects.filter(pk=stored.pk).values().get())
