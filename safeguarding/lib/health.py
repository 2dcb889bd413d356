"""Health endpoints for load balancers and orchestrators.

``/healthz`` answers without touching the database or Redis: the process is up.
``/healthz/ready`` checks the database, Redis and a Celery worker and answers 503 when any
check fails. Both are answered before the rest of the middleware stack so a host name the
load balancer uses, or a database outage, cannot turn a health probe into an error page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

LIVE_PATH = "/healthz"
READY_PATH = "/healthz/ready"


def _timed(check: Callable[[], None]) -> dict[str, Any]:
    started = time.monotonic()
    try:
        check()
    except Exception as exc:  # a probe reports every failure rather than raising
        return {
            "ok": False,
            "error": type(exc).__name__,
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2
    )
    try:
        if not client.ping():
            raise ConnectionError("Redis did not answer PING")
    finally:
        client.close()


def check_celery() -> None:
    # A throwaway app: a ping's reply queue is bound to the app that sent it, and probing
    # with the project's app would leave that binding behind after a failed probe.
    probe = Celery("healthcheck", broker=settings.CELERY_BROKER_URL, set_as_current=False)
    try:
        replies = probe.control.ping(timeout=settings.CELERY_WORKER_PING_TIMEOUT, limit=1)
    finally:
        probe.close()
    if not replies:
        raise TimeoutError("no Celery worker answered a ping")


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    checks = {"database": _timed(check_database), "redis": _timed(check_redis)}
    # Without Redis the broker cannot carry a ping; say so instead of waiting for a timeout.
    if checks["redis"]["ok"]:
        checks["celery"] = _timed(check_celery)
    else:
        checks["celery"] = {"ok": False, "error": "BrokerUnavailable", "ms": 0.0}
    return all(check["ok"] for check in checks.values()), checks


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/") or "/"
        if path == LIVE_PATH:
            response: HttpResponse = JsonResponse({"status": "ok"})
        elif path == READY_PATH:
            ok, checks = readiness()
            response = JsonResponse(
                {"status": "ok" if ok else "unavailable", "checks": checks},
                status=200 if ok else 503,
            )
        else:
            return self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
