from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory
from tests.second_factor import force_login_with_second_factor

ROOT = Path(__file__).resolve().parent.parent
CELERY_BIN = str(Path(sys.executable).with_name("celery"))


def _seed_reference_data() -> None:
    from django_celery_beat.models import PeriodicTask

    from cases.models import ReferenceCode
    from cases.reference_data import CENSUS_YEAR_START, CODE_LISTS
    from workbook.models import ProgrammeModule
    from workbook.reference_data import PROGRAMME_MODULES

    if (
        ReferenceCode.objects.exists()
        and ProgrammeModule.objects.exists()
        and PeriodicTask.objects.exists()
    ):
        return
    for code_list, codes in CODE_LISTS.items():
        for order, (code, label) in enumerate(codes):
            ReferenceCode.objects.get_or_create(
                code_list=code_list,
                code=code,
                valid_from=CENSUS_YEAR_START,
                defaults={"label": label, "sort_order": order},
            )
    for number, title in PROGRAMME_MODULES:
        ProgrammeModule.objects.get_or_create(number=number, defaults={"title": title})
    escalations = importlib.import_module("cases.migrations.0010_escalate_deadlines_schedule")
    escalations.schedule(apps, None)
    digest = importlib.import_module("teams.migrations.0005_notification_digest_schedule")
    digest.schedule(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    """Reference data comes from data migrations, and a transactional test's flush empties
    it for the tests after it on the same database: put it back before each database test."""
    if request.node.get_closest_marker("django_db") is None and not {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames):
        return
    with django_db_blocker.unblock():
        _seed_reference_data()


@pytest.fixture(autouse=True, scope="session")
def _force_login_passes_the_second_factor() -> Iterator[None]:
    """``client.force_login(user)`` (Django's and DRF's clients) signs in as a user who has
    also entered a code: every page needs the second factor (``teams.mfa``). Tests of the
    second factor use ``tests.second_factor.password_only_login``. Session-scoped, so the
    clients that module-scoped worlds sign in are covered too."""
    from django.test.client import ClientMixin

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientMixin, "force_login", force_login_with_second_factor)
        yield


@pytest.fixture
def password() -> str:
    return "a-long-synthetic-passphrase"


@pytest.fixture
def user(db: None, password: str):
    return UserFactory(password=password)


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None, django_db_blocker: object
) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on this test run's Redis database and test database."""
    from safeguarding.celery import app

    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "safeguarding.settings.test"
    db = connection.settings_dict
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    node = f"test-{uuid.uuid4().hex[:8]}@%h"
    log = ROOT / "var" / f"celery-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 - the project's own worker
            [
                CELERY_BIN,
                "-A",
                "safeguarding",
                "worker",
                "-Q",
                "default,kpis,pdf",
                "--pool",
                "solo",
                "-n",
                node,
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited early; see {log}")
        if app.control.ping(timeout=0.5):
            break
    else:
        process.terminate()
        raise RuntimeError(f"Celery worker did not answer a ping within 60 s; see {log}")
    assert settings.CELERY_BROKER_URL  # the worker and the tests share this broker
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
