"""Requests under the production settings, for tests/safeguarding/test_headers.py.

Run as ``python -m tests.safeguarding.prod_probe`` with ``DJANGO_SETTINGS_MODULE`` set to
``safeguarding.settings.prod`` and the test database in ``DATABASE_URL``. Signs a throwaway
user in over HTTPS inside a transaction that is rolled back, and prints what the responses
carried as JSON on stdout (the service's own log lines go to stderr).
"""

from __future__ import annotations

import json
import secrets
from http.cookies import Morsel
from typing import Any

import django


def _cookie(morsel: Morsel[str] | None) -> dict[str, Any] | None:
    if morsel is None:
        return None
    return {
        "name": morsel.key,
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
        "path": morsel["path"],
        "domain": morsel["domain"],
    }


def main() -> dict[str, Any]:
    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from teams.models import User

    setup_test_environment()
    password = secrets.token_urlsafe(24)
    # Production serves collected, fingerprinted static files; this process has not run
    # collectstatic, and static files have nothing to do with what it checks.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static), transaction.atomic():
        user = User.objects.create_user(
            email=f"probe-{secrets.token_hex(8)}@test.example.org",
            password=password,
            given_name="Probe",
            family_name="User",
        )
        client = Client()
        sign_in_page = client.get("/sign-in/", secure=True)
        signed_in = client.post(
            "/sign-in/", {"username": user.email, "password": password}, secure=True
        )
        page = client.get("/", secure=True)
        plain = Client().get("/sign-in/")
        transaction.set_rollback(True)
    return {
        "csrf_cookie": _cookie(sign_in_page.cookies.get(settings.CSRF_COOKIE_NAME)),
        "session_cookie": _cookie(signed_in.cookies.get(settings.SESSION_COOKIE_NAME)),
        "hsts": sign_in_page.get("Strict-Transport-Security", ""),
        "signed_in_page": dict(page.headers),
        "plain_http": {"status": plain.status_code, "location": plain.get("Location")},
    }


if __name__ == "__main__":
    print(json.dumps(main()))
