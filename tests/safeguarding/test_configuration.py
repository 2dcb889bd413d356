"""The configuration a newcomer and an operator rely on stays true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent


def _env_names_read_in_settings() -> set[str]:
    source = (ROOT / "safeguarding" / "settings" / "base.py").read_text()
    return set(re.findall(r'env_(?:str|int|bool|list)\("([A-Z_]+)"', source))


def test_every_environment_value_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    read = _env_names_read_in_settings()
    assert read, "settings read no environment values"
    assert read - documented == set()


def test_environment_is_read_only_in_base_settings() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("safeguarding", "teams", "cases", "workbook", "supervision", "kpis")
        for path in (ROOT / folder).rglob("*.py")
        if "os.environ" in path.read_text()
        and path.name not in {"base.py", "test.py", "celery.py", "wsgi.py", "devservices.py"}
    ]
    assert offenders == []


def test_compose_file_runs_the_whole_stack_with_health_checks() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(services)
    assert services["postgres"]["image"] == "postgres:18"
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("web", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "safeguarding", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "safeguarding", "beat"]
    assert services["web"]["env_file"] == ".env"
    assert set(compose["volumes"]) == {"postgres-data", "redis-data"}


def test_readme_starts_with_the_two_commands() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:25])
    assert "make run" in first_screen
    assert "make test" in first_screen


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.django_db
def test_the_embedded_postgresql_plans_for_ssd_storage() -> None:
    """With the spinning-disk default (4) the planner seq-scans every person for a common
    surname instead of using the trigram index (docs/performance.md)."""
    from django.db import connection

    from safeguarding import devservices

    embedded = devservices._pg_running_port()
    if embedded is None or connection.settings_dict["PORT"] not in (embedded, str(embedded)):
        pytest.skip("an external PostgreSQL is tuned by its own administrator")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        (value,) = cursor.fetchone()
    assert float(value) == pytest.approx(1.1)
