"""Past one machine (docs/scaling.md): every task lands on its queue, and the compose file runs
workers that can be scaled out and split by queue.

No Docker engine runs where the tests run, so the compose file is checked as data: what
`docker compose up --scale worker=3` needs (no fixed container name, no host port, a healthcheck
by the container's own host name) and that the workers together consume every queue.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguarding.celery import QUEUES, app

ROOT = Path(__file__).resolve().parent.parent.parent

# Every task the project defines, and the queue it must land on. A new task fails the first
# test until it is added here: choosing its queue is a decision, not an accident.
EXPECTED_QUEUES = {
    "kpis.tasks.refresh_kpis": "kpis",
    "kpis.tasks.refresh_recent_months": "kpis",
    "supervision.tasks.render_supervision_pdf": "pdf",
    "cases.tasks.notify_emergency_access": "default",
    "cases.tasks.escalate_deadlines": "default",
    "teams.tasks.send_notification_email": "default",
    "teams.tasks.send_notification_digests": "default",
    "safeguarding.tasks.heartbeat": "default",
}


def project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_is_known_here() -> None:
    assert project_tasks() == set(EXPECTED_QUEUES)


@pytest.mark.parametrize(("task_name", "queue"), sorted(EXPECTED_QUEUES.items()))
def test_each_task_is_routed_to_its_queue(task_name: str, queue: str) -> None:
    # The router Celery itself uses when a task is sent (CELERY_TASK_ROUTES, then the default).
    route = app.amqp.router.route({}, task_name, args=(), kwargs={})
    assert route["queue"].name == queue
    assert route["queue"].routing_key == queue


def test_the_three_queues_are_declared() -> None:
    assert {q.name for q in app.conf.task_queues} == set(QUEUES) == {"default", "kpis", "pdf"}


# --- docker-compose.yml ------------------------------------------------------------------------

_DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def _interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}`` with nothing set in the environment."""
    return _DEFAULTED.sub(lambda m: m.group(2), value)


def _compose() -> dict[str, Any]:
    with (ROOT / "docker-compose.yml").open() as file:
        loaded: dict[str, Any] = yaml.safe_load(file)
    return loaded


def _queues(command: list[str]) -> set[str]:
    return set(_interpolate(command[command.index("-Q") + 1]).split(","))


def test_the_worker_service_can_be_scaled() -> None:
    worker = _compose()["services"]["worker"]
    # `--scale worker=3` fails on a fixed container name or a published host port.
    assert "container_name" not in worker
    assert "ports" not in worker
    # Each replica answers its healthcheck as itself (celery@<its own host name>).
    assert "celery@$$HOSTNAME" in " ".join(worker["healthcheck"]["test"])
    assert worker["command"][:4] == ["celery", "-A", "safeguarding", "worker"]
    assert _queues(worker["command"]) == set(QUEUES)


def test_split_queue_workers_cover_every_queue_and_start_only_when_asked() -> None:
    services = _compose()["services"]
    split = {name: s for name, s in services.items() if "split-queues" in s.get("profiles", [])}
    assert set(split) == {"worker-kpis", "worker-pdf"}
    assert _queues(split["worker-kpis"]["command"]) == {"kpis"}
    assert _queues(split["worker-pdf"]["command"]) == {"pdf"}
    for service in split.values():
        assert "container_name" not in service
        assert "ports" not in service
        assert "celery@$$HOSTNAME" in " ".join(service["healthcheck"]["test"])
    # With WORKER_QUEUES=default the main worker leaves kpis and pdf to them.
    main = services["worker"]["command"][services["worker"]["command"].index("-Q") + 1]
    assert main.startswith("${WORKER_QUEUES:-")


def test_no_app_service_pins_a_container_name() -> None:
    for name, service in _compose()["services"].items():
        assert "container_name" not in service, name
