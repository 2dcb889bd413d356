"""Security headers on every page and API route (docs/security.md, "Headers").

Every URL pattern in the project (the Django admin aside) is opened by a signed-in social
worker, with real records in its URL; whatever it answers (200, 302, 403, 404, 405), the
response must carry a strict Content Security Policy, ``Cache-Control: no-store``, nosniff, a
same-origin Referrer-Policy and frame denial. A new page is covered without editing this file.

The production settings are checked in a separate process started with
``DJANGO_SETTINGS_MODULE=safeguarding.settings.prod`` (``tests/safeguarding/prod_probe.py``):
the cookies' flags and HSTS come from that module, so overriding a few settings here would
only test the overrides.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from kpis.models import KpiRun
from safeguarding.lib.headers import PERMISSIONS_POLICY
from teams.notifications import notify
from tests.api.conftest import bearer, token_for
from tests.factories import partner_client
from tests.kpis.test_access import World, _patterns, build_world, signed_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
UNSAFE_SCRIPT_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*")
ACCEPTED_REFERRER_POLICIES = {"same-origin", "no-referrer"}


# --- every URL, with real records ------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, list[str]]]:
    """The KPI access tests' world (a family with every kind of record), plus the records
    for URL keywords that world does not need, and every URL filled in."""
    with django_db_blocker.unblock(), transaction.atomic():
        built, files = build_world()
        today = timezone.localdate().replace(day=1)
        run = KpiRun.objects.create(requested_by=built.manager, first_month=today, last_month=today)
        notification = notify(
            user=built.lead, kind="due", message="Something is due", url="/caseload/"
        )
        assert notification is not None
        extra: dict[str, int | str] = {
            "run_pk": run.pk,
            "code": "cp_rate",
            "user_pk": built.lead.pk,
            "notification_pk": notification.pk,
        }
        yield built, _every_url(built, extra)
        transaction.set_rollback(True)
    for path in files:
        with suppress(FileNotFoundError):
            path.unlink()


def _every_url(world: World, extra: dict[str, int | str]) -> list[str]:
    urls = []
    for namespace, pattern in _patterns(get_resolver().url_patterns):
        name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
        values = {
            **extra,
            **world.url_values.get(name, world.url_values.get(namespace, world.url_values[""])),
        }
        keywords = list(pattern.pattern.converters)
        missing = [k for k in keywords if k not in values]
        assert not missing, f"{name} takes {missing}: add a real record for it in this file"
        urls.append(reverse(name, kwargs={k: values[k] for k in keywords}))
    return urls


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        parts = directive.split()
        if parts:
            parsed[parts[0].lower()] = parts[1:]
    return parsed


def header_problems(response: Any) -> list[str]:
    """What is missing or weak in one response's security headers."""
    problems = []
    policy = _directives(response.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    if scripts is None:
        problems.append("no script-src or default-src in the Content-Security-Policy")
    elif unsafe := [source for source in scripts if source in UNSAFE_SCRIPT_SOURCES]:
        problems.append(f"script-src allows {unsafe}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {policy.get('frame-ancestors')}")
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {response.get('Cache-Control')!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options is {response.get('X-Content-Type-Options')!r}")
    if response.get("Referrer-Policy") not in ACCEPTED_REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')!r}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')!r}")
    if response.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append(
            f"Cross-Origin-Opener-Policy is {response.get('Cross-Origin-Opener-Policy')!r}"
        )
    if response.get("Permissions-Policy") != PERMISSIONS_POLICY:
        problems.append("no Permissions-Policy")
    return problems


def test_every_url_answers_a_signed_in_user_with_the_security_headers(
    world: tuple[World, list[str]],
) -> None:
    built, urls = world
    answers = []
    for url in urls:
        # A client each: a sign-out among the URLs must not sign the next one out.
        response = signed_in(built.lead).get(url)
        answers.append((url, response.status_code, header_problems(response)))

    wrong = [f"{url} ({status}): {problems}" for url, status, problems in answers if problems]
    assert len(urls) >= 60
    assert {status for _, status, _ in answers} >= {200, 302, 405}  # pages of every kind
    assert wrong == [], f"{len(wrong)} of {len(urls)} URLs:\n" + "\n".join(wrong)


def test_the_directives_the_policy_is_built_from(db: None) -> None:
    """The whole policy, so a relaxed directive (an inline style, a CDN) is a visible change."""
    policy = _directives(Client().get(reverse("accessibility"))["Content-Security-Policy"])

    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }


def test_a_partner_systems_bearer_token_call_is_never_stored(db: None) -> None:
    client, secret = partner_client()
    api = bearer(token_for(client, secret))

    response = api.get(reverse("api:partner-child-status", args=["9434765919"]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert header_problems(response) == []


def test_a_refused_api_call_is_never_stored_either(db: None) -> None:
    response = bearer("not-a-token").get(reverse("api:partner-child-status", args=["9434765919"]))

    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"


def test_a_public_page_for_someone_not_signed_in_has_the_other_headers(db: None) -> None:
    response = Client().get(reverse("accessibility"))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert [p for p in header_problems(response) if not p.startswith("Cache-Control")] == []


def test_static_files_keep_their_cache_lifetime_for_a_signed_in_user(user: Any) -> None:
    """The no-store middleware sits after WhiteNoise: a stylesheet is the same for everyone."""
    client = Client()
    client.force_login(user)

    response = client.get("/static/css/api-docs.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- templates ---------------------------------------------------------------------------------


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]


TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def _template_lines(pattern: str) -> list[str]:
    """Lines of every template matching ``pattern``, template comments left out."""
    compiled = re.compile(pattern, re.IGNORECASE)
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            # Comments blanked, newlines kept, so line numbers stay true.
            text = TEMPLATE_COMMENT.sub(
                lambda m: re.sub(r"[^\n]", " ", m.group(0)), path.read_text()
            )
            for number, line in enumerate(text.splitlines(), start=1):
                if compiled.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_template_has_inline_script_event_handlers_or_style_attributes() -> None:
    """The policy would block them in the browser; better to find them here."""
    assert _template_lines(r"<script\b(?![^>]*\bsrc=)[^>]*>") == []
    assert _template_lines(r"\son[a-z]+\s*=\s*[\"']") == []
    assert _template_lines(r"\sstyle\s*=\s*[\"']") == []
    assert _template_lines(r"<style\b") == []
    assert _template_lines(r"javascript:") == []


# --- production settings ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production(django_db_setup: None) -> dict[str, Any]:
    """What ``tests/safeguarding/prod_probe.py`` saw under the production settings."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safeguarding.settings.prod",
        "SECRET_KEY": "throwaway-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "safeguarding.example.org",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.safeguarding.prod_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe: dict[str, Any] = json.loads(result.stdout)
    probe["log_lines"] = [line for line in result.stderr.splitlines() if line.startswith("{")]
    return probe


def test_production_session_cookie_is_secure_http_only_and_same_site(
    production: dict[str, Any],
) -> None:
    cookie = production["session_cookie"]

    assert cookie is not None, "signing in set no session cookie"
    assert cookie["name"] == "__Host-sessionid"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] in {"Lax", "Strict"}
    assert (cookie["path"], cookie["domain"]) == ("/", "")  # what __Host- requires


def test_production_csrf_cookie_is_secure_and_same_site(production: dict[str, Any]) -> None:
    cookie = production["csrf_cookie"]

    assert cookie is not None, "the sign-in page set no CSRF cookie"
    assert cookie["name"] == "__Host-csrftoken"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] in {"Lax", "Strict"}
    assert (cookie["path"], cookie["domain"]) == ("/", "")


def test_production_sends_hsts_for_a_year_or_more_with_subdomains_and_preload(
    production: dict[str, Any],
) -> None:
    hsts = {part.strip().split("=")[0]: part.strip() for part in production["hsts"].split(";")}

    assert int(hsts["max-age"].split("=")[1]) >= 365 * 24 * 60 * 60
    assert {"includeSubDomains", "preload"} <= set(hsts)


def test_production_answers_a_signed_in_page_with_every_header(production: dict[str, Any]) -> None:
    headers = production["signed_in_page"]

    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ACCEPTED_REFERRER_POLICIES
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "Server" not in headers


def test_production_redirects_plain_http_to_https(production: dict[str, Any]) -> None:
    assert production["plain_http"] == {"status": 301, "location": "https://testserver/sign-in/"}


def test_production_logs_are_json_lines(production: dict[str, Any]) -> None:
    lines = [json.loads(line) for line in production["log_lines"]]

    assert lines, "the probe's requests wrote no access lines"
    assert {"sign-in/"} <= {line["route"] for line in lines}
