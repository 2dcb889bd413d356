"""Logs carry ids, never people (STYLE.md §19; safeguarding/lib/logging.py).

A canary child, "Zebedee Canaryfield" with a synthetic NHS number, goes through a whole
working day with every logger at DEBUG and SQL logging on: referred through the form, opened,
searched for by name and by NHS number, looked up by a police system through the partner
API, put in the path of a 404, a refused CSRF check and a 500 whose exception message echoes
the input. Neither the name, nor either part of it, nor the NHS number (with or without
spaces) may appear in anything logged, and every line must be one JSON object with the fields
operations rely on.

What is checked is what the service's own ``console`` handler writes (its stream is swapped
for a buffer), and every record as that handler's filters leave it: message, arguments and
formatted traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from celery.app.trace import LOG_FAILURE, LOG_SUCCESS
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse
from django.utils import timezone

from cases.models import Person, Sex
from cases.validators import format_nhs_number, synthetic_nhs_number
from safeguarding.lib.logging import JsonFormatter
from safeguarding.urls import handler404, handler500
from safeguarding.urls import urlpatterns as project_urlpatterns
from teams.models import User
from teams.roles import Role
from tests.api.conftest import bearer, token_for
from tests.factories import MembershipFactory, partner_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
GIVEN, FAMILY = "Zebedee", "Canaryfield"
CANARY_NAME = f"{GIVEN} {FAMILY}"
NHS_NUMBER = synthetic_nhs_number(random.Random(20261122))
CANARIES = (CANARY_NAME, GIVEN, FAMILY, NHS_NUMBER, format_nhs_number(NHS_NUMBER))
POLICE = "6"  # CIN census referral source code
FIELDS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "user_id",
    "route",
    "method",
    "status",
}
# Loggers raised to DEBUG for the test (all propagate to the root's handlers).
LOUD = ("", "django", "django.request", "django.server", "django.security", "django.db.backends")
# Test tooling, not the service: factory-boy logs every attribute it generates.
QUIET = ("factory", "faker")


# --- a URL that fails, for the 500 -----------------------------------------------------------


def explode(request: HttpRequest, value: str) -> HttpResponse:
    raise ValueError(f"Could not process {value} for {request.GET.urlencode()}")


urlpatterns = [path("broken/<str:value>/", explode, name="broken"), *project_urlpatterns]
__all__ = ["handler404", "handler500", "urlpatterns"]  # this module is a URLconf in one test


# --- capturing what the service logs ---------------------------------------------------------


class _Recorder(logging.Handler):
    """Keeps each record as the console handler's filters leave it, traceback formatted."""

    def __init__(self, filters: list[Any]) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        for item in filters:
            self.addFilter(item)
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)  # fills record.exc_text the way the console handler does
        self.records.append(record)


@dataclass
class Captured:
    stream: io.StringIO
    recorder: _Recorder
    lines: list[dict[str, Any]] = field(default_factory=list)

    def parse(self) -> list[dict[str, Any]]:
        raw = [line for line in self.stream.getvalue().splitlines() if line.strip()]
        self.lines = [json.loads(line) for line in raw]  # fails on any line that is not JSON
        return self.lines


@pytest.fixture
def captured() -> Iterator[Captured]:
    root = logging.getLogger()
    console = next(handler for handler in root.handlers if handler.get_name() == "console")
    assert isinstance(console, logging.StreamHandler)
    stream = io.StringIO()
    previous_stream = console.setStream(stream)
    recorder = _Recorder(list(console.filters))
    root.addHandler(recorder)
    saved = {name: logging.getLogger(name).level for name in LOUD + QUIET}
    for name in LOUD:
        logging.getLogger(name).setLevel(logging.DEBUG)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    connection.force_debug_cursor = True  # SQL is logged, with its parameters, at DEBUG
    try:
        yield Captured(stream, recorder)
    finally:
        connection.force_debug_cursor = False
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        root.removeHandler(recorder)
        console.setStream(previous_stream)


def _leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary.lower() in text.lower()]


def _record_text(record: logging.LogRecord) -> str:
    return "\n".join([record.getMessage(), repr(record.args), record.exc_text or ""])


# --- the working day ----------------------------------------------------------------------------


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _working_day(worker: User) -> dict[str, Any]:
    """Everything a canary child's record goes through; returns what the assertions need."""
    client = Client(raise_request_exception=False)
    client.force_login(worker)
    team = worker.memberships.get().team
    referral = client.post(
        reverse("cases:referral"),
        {
            "team": str(team.pk),
            "family_name": f"The {FAMILY} family",
            "address_line_1": "1 Canary Row",
            "town": "Testtown",
            **_date("referral_date", timezone.localdate()),
            "referral_source": POLICE,
            "lead_social_worker": str(worker.pk),
            "child_given_name": GIVEN,
            "child_family_name": FAMILY,
            **_date("child_date_of_birth", dt.date(2018, 6, 1)),
            "child_sex": Sex.UNKNOWN,
            "child_nhs_number": NHS_NUMBER,
            "adult_sex": Sex.UNKNOWN,
        },
    )
    assert referral.status_code == 302, referral.content.decode()[:2000]
    child = Person.objects.get(nhs_number=NHS_NUMBER)
    answers = {
        "person": client.get(reverse("cases:person", args=[child.pk])).status_code,
        "search by name": client.get(reverse("cases:search"), {"name": CANARY_NAME}).status_code,
        "search by NHS number": client.get(
            reverse("cases:search"), {"nhs_number": format_nhs_number(NHS_NUMBER)}
        ).status_code,
        "a person page by NHS number": client.get(f"/people/{NHS_NUMBER}/").status_code,
        "no such page": client.get(
            f"/records/{NHS_NUMBER}/?{urlencode({'name': CANARY_NAME})}"
        ).status_code,
    }
    police, secret = partner_client()
    token = token_for(police, secret)
    api = bearer(token)
    lookup = reverse("api:partner-child-status", args=[NHS_NUMBER])
    answers["partner lookup"] = api.get(lookup).status_code
    answers["partner lookup, bad check digit"] = api.get(
        reverse("api:partner-child-status", args=[NHS_NUMBER[:-1] + str(9 - int(NHS_NUMBER[-1]))])
    ).status_code
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(worker)
    answers["no CSRF token"] = csrf_client.post(
        reverse("cases:person-edit", args=[child.pk]) + f"?name={FAMILY}",
        {"given_name": GIVEN, "nhs_number": NHS_NUMBER},
    ).status_code
    with override_settings(ROOT_URLCONF=__name__):
        answers["server error"] = client.post(
            f"/broken/{GIVEN}/?{urlencode({'nhs_number': NHS_NUMBER})}",
            {"note": f"{CANARY_NAME} was seen today"},
        ).status_code
    return {"answers": answers, "application_id": police.application_id, "secrets": (token, secret)}


def test_a_canary_childs_day_leaves_no_trace_of_them_in_the_logs(captured: Captured) -> None:
    worker = MembershipFactory.create(role=Role.SOCIAL_WORKER).user

    day = _working_day(worker)
    lines = captured.parse()
    records = captured.recorder.records

    assert day["answers"] == {
        "person": 200,
        "search by name": 200,
        "search by NHS number": 200,
        "a person page by NHS number": 404,
        "no such page": 404,
        "partner lookup": 200,
        "partner lookup, bad check digit": 400,
        "no CSRF token": 403,
        "server error": 500,
    }
    # The controls: the canary was really there to leak, and everything was logged.
    assert any(_leaks(repr(record.__dict__.get("request", ""))) for record in records)
    assert len(lines) == len(records) > 20
    assert {"django.request", "django.security.csrf", "django.db.backends"} <= {
        line["logger"] for line in lines
    }
    # Nothing names the child.
    assert [line for line in lines if _leaks(json.dumps(line, ensure_ascii=False))] == []
    assert [_record_text(r) for r in records if _leaks(_record_text(r))] == []
    # Nor the partner's credentials (oauthlib logs issued tokens at DEBUG).
    assert [s for s in day["secrets"] if s in captured.stream.getvalue()] == []


def test_every_line_is_a_json_object_with_the_operational_fields(captured: Captured) -> None:
    worker = MembershipFactory.create(role=Role.SOCIAL_WORKER).user

    _working_day(worker)
    lines = captured.parse()

    assert [line for line in lines if not set(line) >= FIELDS] == []
    for line in lines:
        time = dt.datetime.fromisoformat(line["time"])
        assert line["time"].endswith("Z")
        assert time.utcoffset() == dt.timedelta(0)
        assert line["user_id"] is None or isinstance(line["user_id"], int)
        assert line["route"] is None or not line["route"].startswith("/")
    assert {line["user_id"] for line in lines} >= {worker.pk}
    assert all(line["request_id"] not in (None, "", "-") for line in lines if line["method"])


def test_requests_are_logged_by_route_with_user_status_and_method(captured: Captured) -> None:
    worker = MembershipFactory.create(role=Role.SOCIAL_WORKER).user

    day = _working_day(worker)
    lines = captured.parse()
    access = [line for line in lines if line["logger"] == "safeguarding.access"]
    by_logger_and_status = {(line["logger"], line["status"]): line for line in lines}

    assert {
        (line["method"], line["route"], line["status"], line["user_id"]) for line in access
    } >= {
        ("POST", "referrals/new/", 302, worker.pk),
        ("GET", "people/<int:person_pk>/", 200, worker.pk),
        ("GET", "search/", 200, worker.pk),
        ("GET", "people/<int:person_pk>/", 404, worker.pk),
        ("GET", None, 404, worker.pk),
        ("GET", "api/v1/partner/child-status/<str:nhs_number>/", 200, None),
        ("POST", "broken/<str:value>/", 500, worker.pk),
    }
    partner = [line for line in access if line["route"] and "partner" in line["route"]]
    assert {line.get("client_id") for line in partner} == {day["application_id"]}
    assert all(isinstance(line["duration_ms"], float) for line in access)
    not_found = by_logger_and_status[("django.request", 404)]
    assert not_found["level"] == "WARNING"
    assert not_found["message"].startswith("Not Found: ")


def test_a_server_error_logs_its_traceback_without_the_exception_message(
    captured: Captured,
) -> None:
    worker = MembershipFactory.create(role=Role.SOCIAL_WORKER).user

    _working_day(worker)
    errors = [line for line in captured.parse() if line["status"] == 500 and "exception" in line]

    assert len(errors) == 1
    error = errors[0]
    assert error["logger"] == "django.request"
    assert error["level"] == "ERROR"
    assert error["message"] == "Internal Server Error: broken/<str:value>/"
    assert error["route"] == "broken/<str:value>/"
    assert error["user_id"] == worker.pk
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert "in explode" in error["exception"]
    assert error["exception"].endswith("ValueError (message withheld)")


def test_the_development_servers_request_lines_name_the_route(captured: Captured) -> None:
    """runserver logs '"GET /search/?name=... HTTP/1.1" 200 512' on django.server."""
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /search/?{urlencode({'name': CANARY_NAME})} HTTP/1.1", "200", "512"
    )
    logging.getLogger("django.server").warning(
        '"%s" %s %s', f"GET /people/{NHS_NUMBER}/edit/ HTTP/1.1", "404", "179"
    )
    logging.getLogger("django.server").error(
        "code %d, message %s", 400, f"Bad request syntax ('GET /{NHS_NUMBER}')"
    )

    messages = [line["message"] for line in captured.parse()]

    assert messages == [
        '"GET search/ HTTP/1.1" 200 512',
        '"GET people/<int:person_pk>/edit/ HTTP/1.1" 404 179',
        "code 400, message <withheld>",
    ]


def test_celery_task_lines_keep_the_task_and_id_but_not_arguments_results_or_messages(
    captured: Captured,
) -> None:
    """The worker logs through LOGGING too; Celery's lines carry a task's arguments (on
    failure), its return value and the exception's text."""
    trace = logging.getLogger("celery.app.trace")
    task = {"id": "4d1f", "name": "cases.tasks.example", "description": "raised unexpected"}
    try:
        raise ValueError(f"No person {CANARY_NAME}")
    except ValueError as error:
        trace.error(
            LOG_FAILURE.strip(),
            {**task, "exc": repr(error), "traceback": "...", "args": f"('{NHS_NUMBER}',)"},
            exc_info=True,
        )
    trace.info(LOG_SUCCESS.strip(), {**task, "runtime": 0.5, "return_value": CANARY_NAME})

    lines = captured.parse()

    assert [line["message"] for line in lines] == [
        "Task cases.tasks.example[4d1f] raised unexpected: ValueError (message withheld)",
        "Task cases.tasks.example[4d1f] succeeded in 0.5s: <withheld>",
    ]
    assert [line for line in lines if _leaks(json.dumps(line))] == []


def test_gunicorn_writes_no_access_log_of_its_own() -> None:
    """gunicorn's access log prints the request line with its query string."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(next(ln for ln in dockerfile.splitlines() if ln.startswith("CMD "))[4:])
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    for command in (cmd, compose["services"]["web"]["command"]):
        assert command[0] == "gunicorn"
        assert not [arg for arg in command if "access-log" in arg or "access_log" in arg]
