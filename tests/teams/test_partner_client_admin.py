"""Registering, rotating and revoking partner API clients in the admin.

The secret is stored hashed, so it is on the page that made it and nowhere else; a rotated
secret and a revoked client stop working at once, tokens included."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import AccessToken, Application

from teams.models import Organisation, OrganisationKind, PartnerClient, PartnerScope
from tests.factories import UserFactory, partner_client, police_force

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_signed_in(client: Client) -> Client:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def token_response(client_id: str, secret: str) -> tuple[int, dict[str, object]]:
    response = Client().post(
        "/o/token/",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    return response.status_code, response.json()


def test_registering_shows_the_secret_once_and_stores_it_hashed(
    admin_client_signed_in: Client,
) -> None:
    force = police_force(scopes=[PartnerScope.NOTIFICATIONS_WRITE, PartnerScope.CHILD_STATUS_READ])
    response = admin_client_signed_in.post(
        reverse("admin:teams_partnerclient_register"),
        {"organisation": force.pk, "name": "Records system", "scopes": ["notifications:write"]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="client-secret">([^<]+)<', response.content.decode())
    assert secret is not None
    client = PartnerClient.objects.get(name="Records system")
    assert client.scopes == ["notifications:write"]
    application = Application.objects.get(pk=client.application_id)
    assert application.client_secret != secret.group(1)  # hashed
    # The change page never shows it again.
    page = admin_client_signed_in.get(reverse("admin:teams_partnerclient_change", args=[client.pk]))
    assert secret.group(1) not in page.content.decode()
    status, body = token_response(application.client_id, secret.group(1))
    assert status == 200
    assert body["scope"] == "notifications:write"
    assert body["expires_in"] == 600


def test_scopes_beyond_the_agreement_are_refused(admin_client_signed_in: Client) -> None:
    force = police_force(scopes=[PartnerScope.KPIS_READ])
    response = admin_client_signed_in.post(
        reverse("admin:teams_partnerclient_register"),
        {"organisation": force.pk, "name": "RMS", "scopes": ["child-status:read"]},
    )
    assert response.status_code == 200
    assert "does not cover child-status:read" in response.content.decode()
    assert not PartnerClient.objects.exists()


def test_the_council_itself_cannot_be_given_a_partner_client(
    admin_client_signed_in: Client,
) -> None:
    council = Organisation.objects.create(name="A Council", kind=OrganisationKind.COUNCIL)
    response = admin_client_signed_in.post(
        reverse("admin:teams_partnerclient_register"),
        {"organisation": council.pk, "name": "RMS", "scopes": ["kpis:read"]},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not PartnerClient.objects.exists()


def test_add_goes_to_the_register_page(admin_client_signed_in: Client) -> None:
    response = admin_client_signed_in.get(reverse("admin:teams_partnerclient_add"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:teams_partnerclient_register")


def test_rotating_the_secret_stops_the_old_secret_and_its_tokens(
    admin_client_signed_in: Client,
) -> None:
    client, old_secret = partner_client()
    client_id = client.application.client_id
    assert token_response(client_id, old_secret)[0] == 200
    assert AccessToken.objects.filter(application=client.application).count() == 1
    response = admin_client_signed_in.post(
        reverse("admin:teams_partnerclient_rotate", args=[client.pk])
    )
    new_secret = re.search(r'id="client-secret">([^<]+)<', response.content.decode())
    assert new_secret is not None
    assert new_secret.group(1) != old_secret
    assert not AccessToken.objects.filter(application=client.application).exists()
    assert token_response(client_id, old_secret)[0] == 401
    assert token_response(client_id, new_secret.group(1))[0] == 200


def test_revoking_ends_tokens_and_refuses_new_ones(admin_client_signed_in: Client) -> None:
    client, secret = partner_client()
    status, body = token_response(client.application.client_id, secret)
    assert status == 200
    blank = admin_client_signed_in.post(
        reverse("admin:teams_partnerclient_revoke", args=[client.pk]), {"reason": ""}
    )
    assert "This field is required" in blank.content.decode()
    client.refresh_from_db()
    assert client.is_active
    admin_client_signed_in.post(
        reverse("admin:teams_partnerclient_revoke", args=[client.pk]),
        {"reason": "The force replaced its records system"},
    )
    client.refresh_from_db()
    assert not client.is_active
    assert client.revoked_reason == "The force replaced its records system"
    assert not AccessToken.objects.filter(application=client.application).exists()
    assert token_response(client.application.client_id, secret)[0] == 401
    api = Client().get("/api/v1/kpis/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert api.status_code == 401


def test_practitioners_cannot_reach_the_client_pages(client: Client) -> None:
    client.force_login(UserFactory.create())
    response = client.get(reverse("admin:teams_partnerclient_register"))
    assert response.status_code == 302  # to the admin sign-in
    assert not PartnerClient.objects.exists()
