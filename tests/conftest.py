from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
CELERY_BIN = str(Path(sys.executable).with_name("celery"))


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
