"""The benchmarks of ISSUE 10: pages, the partner status API and a full KPI refresh, each beside
its floor measured in the same run, on a synthetic council (``bench.synthetic``).

Pages go through Django's test client (the whole middleware stack, sessions, the second factor,
templates) signed in as a social worker with a realistic caseload; the API through the same
client with a partner's bearer token from the real token endpoint. Each is warmed up, then timed
``samples`` times; the table gives the median and 95th percentile, the floor's, their ratio and
the queries each request ran (counted on one extra, untimed request).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Allocation, Case, ChildStatus, Person, StatusKind
from kpis.models import KpiRun
from kpis.registry import CATALOGUE
from kpis.services import kpi_refresh_run, month_start
from safeguarding.lib.api import ClientRateThrottle
from safeguarding.lib.working_days import bank_holidays
from supervision.models import GroupSupervision, SupervisionStatus
from teams.models import Organisation, PartnerScope, Team, User
from teams.services import partner_client_register

from .synthetic import EMAIL_DOMAIN, POLICE_NAME

KPI_MONTHS = 24
BENCH_DEVICE = "Benchmark authenticator"


@dataclass
class Measure:
    name: str
    times: list[float] = field(default_factory=list)
    queries: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


@dataclass
class Row:
    name: str
    measure: Measure
    floor: Measure

    @property
    def ratio(self) -> float:
        return self.measure.median / self.floor.median if self.floor.median else float("inf")


@dataclass
class Report:
    families: int
    seed: int
    samples: int
    rows: list[Row]
    practitioner_caseload: int
    started: dt.datetime
    seconds: float


def signed_in_client(user: User) -> Client:
    """A client signed in as ``user`` with the second factor passed, as ``django_otp.login``
    leaves the session after the user enters a code from their confirmed device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=BENCH_DEVICE, confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def practitioner() -> User:
    """The synthetic social worker whose open caseload is nearest 20 families."""
    today = timezone.localdate()
    counts = (
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}", email__startswith="sw")
        .annotate(
            open_cases=Count(
                "allocations",
                filter=Q(allocations__case__status="open")
                & (Q(allocations__end_date__isnull=True) | Q(allocations__end_date__gte=today)),
            )
        )
        .order_by("pk")
    )
    users = list(counts)
    if not users:
        raise RuntimeError("No synthetic council here: run generate_synthetic first")
    return min(
        users,
        key=lambda user: (user.open_cases == 0, abs(user.open_cases - 20), user.pk),
    )


def time_calls(name: str, call: Callable[[], Any], samples: int, warm_up: int = 5) -> Measure:
    measure = Measure(name)
    for _ in range(warm_up):
        call()
    for _ in range(samples):
        started = time.perf_counter()
        call()
        measure.times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        call()
    measure.queries = len(captured)
    return measure


def get_ok(client: Client, url: str, **extra: Any) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return call


def cycling(client: Client, urls: list[str], **extra: Any) -> Callable[[], Any]:
    """GET each url in turn: one per call, so a search or lookup is never the same twice running."""
    position = iter(range(10**9))

    def call() -> Any:
        url = urls[next(position) % len(urls)]
        response = client.get(url, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return call


@contextmanager
def bench_settings() -> Iterator[None]:
    """Production-like request handling for the test client: no DEBUG, the benchmark's URLconf
    (every real address plus the floor page), and no API rate limit (its cost, one Redis round
    trip, stays in the measurement; only the limit itself is lifted)."""
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with (
        override_settings(DEBUG=False, ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=hosts),
        mock.patch.object(ClientRateThrottle, "rate", "1000000/minute", create=True),
    ):
        yield


def partner_token() -> str:
    police = Organisation.objects.get(name=POLICE_NAME)
    client, secret = partner_client_register(
        actor=None,
        organisation=police,
        name=f"Benchmark {timezone.now():%Y%m%d%H%M%S%f}",
        scopes=[PartnerScope.CHILD_STATUS_READ],
    )
    import base64

    pair = f"{client.application.client_id}:{secret}".encode()
    response = Client().post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": PartnerScope.CHILD_STATUS_READ},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(pair).decode(),
    )
    if response.status_code != 200:
        raise RuntimeError(f"The token endpoint answered {response.status_code}")
    token: str = response.json()["access_token"]
    return token


def page_rows(samples: int) -> tuple[list[Row], int]:
    user = practitioner()
    client = signed_in_client(user)
    today = timezone.localdate()
    cases = list(
        Case.objects.filter(
            status="open",
            allocations__worker=user,
            allocations__end_date__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )
    if not cases:
        raise RuntimeError("The practitioner has no open cases")
    # The family with the most workbook entries in the practitioner's caseload: the heaviest
    # family page a worker opens every day.
    case = max(cases, key=lambda c: (c.workbook.entries.count(), -c.pk))
    supervision = GroupSupervision.objects.get(case=case, status=SupervisionStatus.SCHEDULED)
    family_pk = case.family_id
    surnames = list(
        Person.objects.filter(family_memberships__family__cases__in=cases)
        .values_list("family_name", flat=True)
        .distinct()
        .order_by("family_name")
    )
    searches = [reverse("cases:search") + "?" + urlencode({"name": name}) for name in surnames]
    floor_url = reverse("bench-floor", args=[family_pk])
    floor = time_calls("floor", get_ok(client, floor_url), samples)
    pages = [
        ("Caseload", get_ok(client, reverse("cases:caseload"))),
        ("Family page", get_ok(client, reverse("cases:family", args=[family_pk]))),
        ("Workbook page", get_ok(client, reverse("workbook:workbook", args=[family_pk]))),
        (
            "Supervision agenda",
            get_ok(client, reverse("supervision:detail", args=[supervision.pk])),
        ),
        ("Person search", cycling(client, searches)),
    ]
    rows = [Row(name, time_calls(name, call, samples), floor) for name, call in pages]

    # The partner status lookup, against its own floor: the same client and token asking for
    # the API's smallest answer (a number nobody holds reads one index and no status).
    api = Client(HTTP_AUTHORIZATION=f"Bearer {partner_token()}")
    numbers = list(
        ChildStatus.objects.filter(
            kind=StatusKind.CP_PLAN, person__nhs_number__gt="", start_date__lte=today
        )
        .values_list("person__nhs_number", flat=True)
        .order_by("person_id")[:200]
    )
    if not numbers:  # a tiny council may have nobody on a plan yet: ask about any child
        numbers = list(
            Person.objects.filter(statuses__isnull=False, nhs_number__gt="")
            .values_list("nhs_number", flat=True)
            .distinct()[:200]
        )
    lookups = [f"/api/v1/partner/child-status/{number}/" for number in numbers]
    api_floor = time_calls(
        "API floor", get_ok(api, "/api/v1/partner/child-status/9999999999/"), samples
    )
    rows.append(
        Row(
            "Partner child-status API", time_calls("API", cycling(api, lookups), samples), api_floor
        )
    )
    caseload = Allocation.objects.filter(
        worker=user, end_date__isnull=True, case__status="open"
    ).count()
    return rows, caseload


def kpi_floor(first: dt.date, last: dt.date) -> Measure:
    """The floor: the same aggregates as one hand-written SQL query per KPI, which is each
    KPI's grouped statement (``Kpi.grouped_sql``: every month and scope at once) run alone on
    the primary and fetched, with no upserts, no run bookkeeping and no Python per row."""
    team_ids = list(Team.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    params: dict[str, Any] = {
        "first": first,
        "last": last,
        "teams": team_ids,
        "holidays": sorted(
            day for year in range(first.year - 3, last.year + 1) for day in bank_holidays(year)
        ),
        "cp_visit_interval": settings.CP_VISIT_INTERVAL_WORKING_DAYS,
        "supervision_days": settings.SUPERVISION_INTERVAL_WEEKS * 7,
        "time_zone": settings.TIME_ZONE,
    }
    statements = [kpi.grouped_sql for kpi in CATALOGUE if kpi.grouped_sql]
    floor = Measure("KPI floor")
    # Once untimed, so the floor and the refresh after it both find the tables in the cache.
    for timed in (False, True):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        if timed:
            floor.times.append(time.perf_counter() - started)
    floor.queries = len(statements)
    return floor


def kpi_rows(months: int = KPI_MONTHS) -> list[Row]:
    last = month_start(timezone.localdate())
    first = last - relativedelta(months=months - 1)
    floor = kpi_floor(first, last)
    scopes = Team.objects.filter(is_active=True).count() + 1
    run = KpiRun.objects.create(first_month=first, last_month=last)
    refresh = Measure(f"KPI refresh ({months} months x {scopes} scopes)")
    executed = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        kpi_refresh_run(run)
    refresh.times.append(time.perf_counter() - started)
    refresh.queries = executed[0]
    return [Row(refresh.name, refresh, floor)]


def run(
    *, families: int, seed: int, samples: int, kpis: bool = True, kpi_months: int = KPI_MONTHS
) -> Report:
    started_at = timezone.now()
    started = time.perf_counter()
    with bench_settings():
        rows, caseload = page_rows(samples)
    if kpis:
        rows.extend(kpi_rows(kpi_months))
    return Report(
        families=families,
        seed=seed,
        samples=samples,
        rows=rows,
        practitioner_caseload=caseload,
        started=started_at,
        seconds=time.perf_counter() - started,
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def table(report: Report) -> str:
    lines = [
        "| measured | median ms | p95 ms | floor median ms | floor p95 ms | ratio (median) | queries | floor queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines.extend(
        f"| {row.name} | {ms(row.measure.median)} | {ms(row.measure.p95)} | "
        f"{ms(row.floor.median)} | {ms(row.floor.p95)} | {row.ratio:.2f}x | "
        f"{row.measure.queries} | {row.floor.queries} |"
        for row in report.rows
    )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "unknown"
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    try:
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "Memory": memory,
        "PostgreSQL": f"{postgres} (shared_buffers {shared_buffers})",
        "Python": platform.python_version(),
        "Load average at the end (1, 5, 15 min)": load,
        "Commit": _git_commit(),
    }


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() or "unknown"


def section(report: Report) -> str:
    """The Markdown section for one size, kept between markers in docs/performance.md."""
    info = machine()
    facts = "\n".join(f"- {key}: {value}" for key, value in info.items())
    return (
        f"### {report.families:,} families (seed {report.seed})\n\n"
        f"Measured {report.started:%Y-%m-%d %H:%M %Z}, {report.samples} samples per page "
        f"after 5 warm-up requests; practitioner's open caseload: "
        f"{report.practitioner_caseload} families; whole run {report.seconds:,.0f} s.\n\n"
        f"{facts}\n\n{table(report)}\n"
    )
