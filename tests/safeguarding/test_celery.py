"""A real worker process runs tasks; a task enqueued in a rolled-back transaction never runs."""

from __future__ import annotations

import subprocess
import uuid

import pytest
from django.core.cache import cache
from django.db import transaction

from safeguarding.celery import app
from safeguarding.lib.tasks import enqueue_on_commit
from safeguarding.tasks import heartbeat

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_celery_is_configured_for_json_late_ack_and_three_queues() -> None:
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit == 300
    assert {queue.name for queue in app.conf.task_queues} == {"default", "kpis", "pdf"}
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_worker_runs_a_task_and_the_result_is_observed(
    celery_worker_process: subprocess.Popen[bytes],
) -> None:
    token = uuid.uuid4().hex
    result = heartbeat.delay(token)
    ran_at = result.get(timeout=30)
    assert cache.get(f"heartbeat:{token}") == ran_at


def test_task_enqueued_on_commit_runs_after_commit(
    celery_worker_process: subprocess.Popen[bytes],
) -> None:
    token = uuid.uuid4().hex
    with transaction.atomic():
        enqueue_on_commit(heartbeat, token)
        assert cache.get(f"heartbeat:{token}") is None
    marker = uuid.uuid4().hex
    heartbeat.delay(marker).get(timeout=30)
    assert cache.get(f"heartbeat:{token}") is not None


def test_task_enqueued_in_a_rolled_back_transaction_never_runs(
    celery_worker_process: subprocess.Popen[bytes],
) -> None:
    token = uuid.uuid4().hex

    class AbandonedError(Exception):
        pass

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            enqueue_on_commit(heartbeat, token)
            raise AbandonedError

    with pytest.raises(AbandonedError):
        enqueue_then_fail()
    # The solo worker runs tasks in order: once a later task has run, an earlier one would have too.
    heartbeat.delay(uuid.uuid4().hex).get(timeout=30)
    assert cache.get(f"heartbeat:{token}") is None
