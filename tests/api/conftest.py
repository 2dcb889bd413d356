"""Partner API test helpers: police forces, registered clients and their tokens, all through
the real OAuth2 token endpoint, and the one error body every 4xx and 5xx must have."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from teams.models import Organisation, PartnerClient
from tests.factories import partner_client, police_force

TOKEN_URL = "/o/token/"
ERROR_KEYS = {"status", "code", "title", "detail", "request_id"}


def basic_auth(client: PartnerClient, secret: str) -> str:
    pair = f"{client.application.client_id}:{secret}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def request_token(client: PartnerClient, secret: str, scope: str | None = None) -> Any:
    """``POST /o/token/`` with the client-credentials grant, as a partner's system does."""
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return Client().post(TOKEN_URL, data, HTTP_AUTHORIZATION=basic_auth(client, secret))


def token_for(client: PartnerClient, secret: str, scope: str | None = None) -> str:
    response = request_token(client, secret, scope)
    assert response.status_code == 200, response.content
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def assert_error_body(response: Any, status: int) -> dict[str, Any]:
    """The one error body: status, code, title, detail and the request id of the response."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) >= ERROR_KEYS, body
    assert set(body) <= ERROR_KEYS | {"errors"}, body
    assert body["status"] == status
    assert all(body[key] for key in ("code", "title", "detail")), body
    assert body["request_id"] == response["X-Request-ID"]
    return body


@pytest.fixture(autouse=True)
def _fresh_throttle_buckets() -> Iterator[None]:
    """Throttle counters live in the real Redis cache, keyed by application id: forget any a
    previous run left, without flushing the worker's Redis database (Celery shares it)."""
    _delete_throttle_keys()
    yield
    _delete_throttle_keys()


def _delete_throttle_keys() -> None:
    redis = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(redis.scan_iter(match="*throttle_*"))
    if keys:
        redis.delete(*keys)


@pytest.fixture
def force(db: None) -> Organisation:
    return police_force("Test Constabulary")


@pytest.fixture
def registered(force: Organisation) -> tuple[PartnerClient, str]:
    """A client of the force holding every partner scope, and its plain secret."""
    return partner_client(force)


@pytest.fixture
def partner(registered: tuple[PartnerClient, str]) -> PartnerClient:
    return registered[0]


@pytest.fixture
def token(registered: tuple[PartnerClient, str]) -> str:
    return token_for(*registered)


@pytest.fixture
def api(token: str) -> APIClient:
    """An API client holding a partner bearer token with every scope."""
    return bearer(token)


def access_token(value: str) -> AccessToken:
    """The stored token for a bearer value: tokens are stored hashed (RFC 9700), found by the
    SHA-256 checksum of the value, as the toolkit finds them."""
    return AccessToken.objects.get(token_checksum=hashlib.sha256(value.encode()).hexdigest())
