"""The system runs on real PostgreSQL 18 and real Redis, never SQLite."""

from __future__ import annotations

import subprocess
import sys

import pytest
import redis
from django.conf import settings
from django.db import connection

from safeguarding import devservices

pytestmark = pytest.mark.django_db


def test_database_is_postgresql_18() -> None:
    assert connection.vendor == "postgresql"
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert connection.pg_version // 10000 == 18  # type: ignore[attr-defined]


def test_test_database_is_a_real_postgresql_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (name,) = cursor.fetchone()
    assert name.startswith("test_")


def test_trigram_and_btree_gist_extensions_are_installed() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'btree_gist')"
        )
        installed = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT similarity('Smith', 'Smyth') > 0.2")
        (similar,) = cursor.fetchone()
    assert installed == {"pg_trgm", "btree_gist"}
    assert similar is True


def test_redis_answers_on_the_configured_url() -> None:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert client.ping() is True
    assert client.info("server")["redis_version"]


def test_embedded_services_start_idempotently() -> None:
    """A second start reuses the servers already running rather than starting new ones."""
    if not devservices.is_running():
        pytest.skip("the suite is running against external DATABASE_URL/REDIS_URL servers")
    first = devservices.start()
    pid_before = devservices._pg_running_port(), devservices._redis_pid()
    second = devservices.start()
    assert first == second
    assert (devservices._pg_running_port(), devservices._redis_pid()) == pid_before


def test_devservices_command_rejects_unknown_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "safeguarding.devservices", "restart-everything"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
