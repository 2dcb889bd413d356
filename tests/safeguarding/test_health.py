from __future__ import annotations

import subprocess

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_liveness_needs_no_sign_in_and_no_database(
    client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_liveness_answers_any_host_name_a_load_balancer_uses(client: Client) -> None:
    response = client.get("/healthz", HTTP_HOST="10.0.0.12:8000")
    assert response.status_code == 200


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_readiness_reports_each_check_when_all_pass(
    client: Client, celery_worker_process: subprocess.Popen[bytes]
) -> None:
    response = client.get("/healthz/ready")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "celery": True,
    }


def test_readiness_is_503_when_redis_is_unreachable(client: Client) -> None:
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz/ready")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": body["checks"]["redis"]["ms"],
    }
    assert body["checks"]["celery"]["ok"] is False


def test_readiness_is_503_when_no_worker_answers(client: Client) -> None:
    # Redis database 63 of the same server has no worker listening on it.
    broker = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/63"
    with override_settings(CELERY_BROKER_URL=broker, CELERY_WORKER_PING_TIMEOUT=0.5):
        response = client.get("/healthz/ready")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["celery"] == {
        "ok": False,
        "error": "TimeoutError",
        "ms": body["checks"]["celery"]["ms"],
    }
