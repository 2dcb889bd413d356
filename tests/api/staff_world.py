"""Helpers for the staff API tests: callers (session, staff token, partner token, nobody), the
audit rows a call wrote, and counting a request's queries."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from cases.models import AccessAction, AccessEvent
from teams.models import PartnerScope, User
from tests.factories import partner_client


def session_client(user: User) -> APIClient:
    """A member of staff signed in to the site: the API takes their session."""
    client = APIClient()
    client.force_login(user)
    return client


def bearer_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def staff_token(user: User, scope: str = "staff") -> str:
    """A token a staff tool got for ``user`` (an authorization-code application, no partner)."""
    application = Application.objects.create(
        name="Staff tool",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://tool.test.example.org/callback",
        user=user,
    )
    token = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        user=user,
        application=application,
        token=token,
        scope=scope,
        expires=timezone.now() + dt.timedelta(minutes=10),
    )
    return token


def partner_token() -> str:
    """A live token of a police force's client holding every partner scope."""
    client, _ = partner_client()
    token = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        user=None,
        application=client.application,
        token=token,
        scope=" ".join(PartnerScope.values),
        expires=timezone.now() + dt.timedelta(minutes=10),
    )
    return token


def api_events(user: User) -> list[tuple[str, int, int | None, str]]:
    """The ``api`` audit rows of ``user``: (record type, record id, family id, basis), oldest
    first."""
    return list(
        AccessEvent.objects.filter(user_id=user.pk, action=AccessAction.API)
        .order_by("pk")
        .values_list("record_type", "record_id", "family_id", "basis")
    )


def count_queries(client: APIClient, url: str, **params: Any) -> tuple[int, Any]:
    """How many queries one GET runs, and its JSON body (the request must succeed)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()
