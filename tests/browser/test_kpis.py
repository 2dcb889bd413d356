"""Browser tests for the KPI pages: the board member's dashboard and a KPI's chart and table,
and a team manager's refresh carried out by a real Celery worker, with progress shown as the
page polls. Every page passes axe-core (WCAG 2.2 A/AA) and nothing breaks the Content Security
Policy.

The data is the demo council's teams and families (``safeguarding.demo.families``) with the demo targets and a
synchronous refresh of the last three months: the ``transaction=True`` flush empties every table
after a test, so the test builds it again (the national code lists are put back by
tests/conftest.py). The refresh the team manager starts is done by the session's worker
(``celery_worker_process``) on this run's Redis database and test database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from subprocess import Popen

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect

from kpis.models import KpiRun, KpiSnapshot, RunStatus
from kpis.registry import BY_CODE, CATALOGUE
from kpis.services import month_start
from safeguarding.demo.families import load_demo_families
from safeguarding.demo.kpis import load_demo_targets, refresh_months
from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from teams.models import User

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOARD_MEMBER = f"board@{DEMO_EMAIL_DOMAIN}"
TEAM_MANAGER = f"tm.northgate@{DEMO_EMAIL_DOMAIN}"
KPI = BY_CODE["cp_rate"]
MONTHS = 3
SCOPES = 6  # the whole service and the five demo teams
# The worker does 18 steps in well under a second; the page polls every second.
REFRESH_TIMEOUT_MS = 60_000


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Page]:
    """A second page in its own browser context (its own sign-in), closed afterwards."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return errors


def _assert_no_csp_errors(console_errors: list[str]) -> None:
    blocked = [error for error in console_errors if "Content Security Policy" in error]
    assert not blocked, "\n".join(blocked)


def _axe_failures(page: Page, label: str) -> list[str]:
    """assert_no_axe_violations, kept as a message so one test reports every failing page."""
    try:
        assert_no_axe_violations(page)
    except AssertionError as exc:
        return [f"{label} ({page.url}):\n{exc}"]
    return []


def _fill_date(group: Locator, day: dt.date) -> None:
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _demo_kpis() -> list[dt.date]:
    """The demo council with its targets and the last three months' KPIs; returns the months."""
    load_demo_teams()
    load_demo_families()
    load_demo_targets()
    last = month_start(timezone.localdate())
    first = last - relativedelta(months=MONTHS - 1)
    run = refresh_months(first, last)
    assert run.status == RunStatus.DONE
    return [first + relativedelta(months=n) for n in range(MONTHS)]


def test_board_sees_the_dashboard_and_a_manager_refreshes_the_kpis(
    page: Page, new_page: Page, live_server, celery_worker_process: Popen[bytes]
) -> None:
    months = _demo_kpis()
    base = live_server.url
    failures: list[str] = []

    # The board member: the dashboard, then one KPI's chart and table.
    console_errors = _watch_console(page)
    heading = page.get_by_role("heading", level=1)
    sign_in(page, base, BOARD_MEMBER)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="KPIs").click()
    expect(page).to_have_url(f"{base}/kpis/")
    expect(heading).to_have_text("Operational board dashboard")
    expect(page.get_by_text(f"latest month {months[-1]:%B %Y}")).to_be_visible()
    tiles = page.locator(".app-kpi-tile")
    expect(tiles).to_have_count(len(CATALOGUE))
    for kpi in CATALOGUE:
        expect(tiles.get_by_role("link", name=kpi.title, exact=True)).to_be_visible()
    expect(tiles.locator(".app-kpi-spark svg")).to_have_count(len(CATALOGUE))
    expect(page.get_by_text("Target:").first).to_be_visible()
    # Only managers and performance analysts start refreshes.
    expect(page.get_by_role("link", name="Refresh the KPIs")).to_have_count(0)
    failures += _axe_failures(page, "Dashboard")

    tiles.get_by_role("link", name=KPI.title, exact=True).click()
    expect(page).to_have_url(f"{base}/kpis/{KPI.code}/")
    expect(heading).to_have_text(KPI.title)
    expect(page.locator(".app-kpi-chart svg")).to_be_visible()
    table = page.get_by_role("table", name=f"{KPI.title} by month, whole service")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(MONTHS)
    for row, month in zip(rows.all(), months, strict=True):
        expect(row.get_by_role("cell").first).to_have_text(f"{month:%b %Y}")
    failures += _axe_failures(page, "KPI page")
    _assert_no_csp_errors(console_errors)

    # The team manager, in a browser of their own: a refresh of three months by the worker.
    manager_errors = _watch_console(new_page)
    heading = new_page.get_by_role("heading", level=1)
    sign_in(new_page, base, TEAM_MANAGER)
    new_page.goto(f"{base}/kpis/")
    expect(heading).to_have_text("Operational board dashboard")
    new_page.get_by_role("link", name="Refresh the KPIs").click()
    expect(new_page).to_have_url(f"{base}/kpis/refresh/")
    expect(heading).to_have_text("Refresh the KPIs")
    failures += _axe_failures(new_page, "Refresh form")

    _fill_date(new_page.get_by_role("group", name="From", exact=True), months[0])
    _fill_date(new_page.get_by_role("group", name="To", exact=True), timezone.localdate())
    new_page.get_by_role("button", name="Start the refresh").click()
    expect(new_page).to_have_url(re.compile(rf"^{re.escape(base)}/kpis/runs/\d+/$"))
    expect(heading).to_have_text("KPI refresh")
    run = KpiRun.objects.get(pk=int(new_page.url.rstrip("/").rsplit("/", 1)[1]))
    assert run.requested_by == User.objects.get(email=TEAM_MANAGER)
    assert (run.first_month, run.last_month) == (months[0], months[-1])

    landed_unfinished = "Finished" not in new_page.locator("#run-progress").inner_text()
    polls: list[str] = []
    new_page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    progress = new_page.locator("progress#run-progress-bar")
    expect(progress).to_have_attribute("value", "100", timeout=REFRESH_TIMEOUT_MS)
    expect(new_page.locator("#run-progress")).to_contain_text(
        # A step is one KPI, computed for every month and scope at once (kpis.services).
        f"Finished: 100% done ({len(CATALOGUE)} of {len(CATALOGUE)} steps)"
    )
    expect(new_page.get_by_role("status")).to_contain_text("Finished")
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert (run.steps_done, run.steps_total) == (len(CATALOGUE), len(CATALOGUE))
    assert KpiSnapshot.objects.filter(run=run).count() == MONTHS * SCOPES * len(CATALOGUE)
    if landed_unfinished:  # as good as always: the worker has not started when the page renders
        assert f"{base}/kpis/runs/{run.pk}/" in polls, "htmx never polled for progress"
    new_page.reload()
    expect(progress).to_have_attribute("value", "100")
    failures += _axe_failures(new_page, "Refresh progress (finished)")

    # The same page while a refresh waits for the worker: made here, never queued, so the
    # page is caught in that state every time.
    waiting = KpiRun.objects.create(first_month=months[0], last_month=months[-1])
    new_page.goto(f"{base}/kpis/runs/{waiting.pk}/")
    expect(new_page.locator("#run-progress")).to_contain_text("Waiting to start: 0% done")
    failures += _axe_failures(new_page, "Refresh progress (waiting)")

    assert not failures, "\n\n".join(failures)
    _assert_no_csp_errors(manager_errors)
