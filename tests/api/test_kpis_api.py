"""KPI API (DESIGN §8, §9): the catalogue and monthly snapshots, for partners holding
``kpis:read`` and for staff by session; filters, cursor pages, and the board's small-count
suppression (1 to 4 hidden), with a query count that does not grow with the page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import DisclosureLog
from kpis.models import KpiSnapshot, KpiTarget
from kpis.policies import snapshot_hidden
from kpis.registry import BY_CODE, CATALOGUE, Unit
from kpis.services import month_end
from teams.models import Organisation, PartnerClient, PartnerScope, Team
from tests.factories import MembershipFactory, TeamFactory, partner_client

from .conftest import assert_error_body, bearer, token_for

pytestmark = pytest.mark.django_db

CATALOGUE_URL = "/api/v1/kpis/"
SNAPSHOTS_URL = "/api/v1/kpis/snapshots/"
MONTHS = [dt.date(2026, month, 1) for month in (7, 8, 9, 10)]
SNAPSHOT_KEYS = {
    "kpi",
    "team",
    "team_name",
    "period",
    "numerator",
    "denominator",
    "value",
    "suppressed",
    "computed_at",
}


def by_code(code: str) -> str:
    return f"/api/v1/kpis/{code}/snapshots/"


@pytest.fixture
def teams(db: None) -> list[Team]:
    return [
        TeamFactory.create(slug="northgate", name="Northgate Family Safeguarding Team"),
        TeamFactory.create(slug="southbank", name="Southbank Family Safeguarding Team"),
    ]


def snapshot(
    code: str,
    month: dt.date,
    team: Team | None = None,
    numerator: int = 40,
    denominator: int | None = 50,
) -> KpiSnapshot:
    return KpiSnapshot.objects.create(
        kpi_code=code,
        team=team,
        period_start=month,
        period_end=month_end(month),
        numerator=Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator),
        value=Decimal(numerator),
    )


def history(teams: list[Team], months: list[dt.date] = MONTHS) -> int:
    """Every KPI, for the service and each team, each month; returns how many rows."""
    rows = [
        KpiSnapshot(
            kpi_code=kpi.code,
            team=team,
            period_start=month,
            period_end=month_end(month),
            numerator=Decimal(40),
            denominator=Decimal(50),
            value=Decimal("80.0"),
        )
        for kpi in CATALOGUE
        for team in [None, *teams]
        for month in months
    ]
    KpiSnapshot.objects.bulk_create(rows)
    return len(rows)


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    rows: list[dict[str, Any]] = response.json()["results"]
    return rows


@pytest.fixture
def staff(db: None) -> APIClient:
    api = APIClient()
    api.force_login(MembershipFactory.create().user)
    return api


# --- the catalogue -----------------------------------------------------------------------------


def test_the_catalogue_lists_every_kpi_with_its_target(api: APIClient) -> None:
    KpiTarget.objects.create(kpi_code="cp_rate", value=Decimal("35"))
    KpiTarget.objects.create(
        kpi_code="care_entries", baseline_year=2024, reduction_from_baseline=Decimal("40")
    )

    response = api.get(CATALOGUE_URL)

    assert response.status_code == 200
    kpis = {row["code"]: row for row in response.json()}
    assert list(kpis) == [kpi.code for kpi in CATALOGUE]
    assert kpis["cp_rate"] == {
        "code": "cp_rate",
        "title": BY_CODE["cp_rate"].title,
        "definition": BY_CODE["cp_rate"].definition,
        "unit": "rate per 10,000 children",
        "polarity": "lower is better",
        "target": "35.00",
        "target_note": "",
    }
    assert kpis["care_entries"]["target"] is None
    assert kpis["care_entries"]["target_note"] == "40 fewer than in 2024"
    assert kpis["cla_rate"]["target"] is None


# --- snapshots ---------------------------------------------------------------------------------


def test_snapshots_are_listed_newest_month_first(api: APIClient, teams: list[Team]) -> None:
    history(teams)

    rows = results(api.get(SNAPSHOTS_URL, {"page_size": "100"}))

    assert len(rows) == 100
    assert set(rows[0]) == SNAPSHOT_KEYS
    periods = [row["period"] for row in rows]
    assert periods == sorted(periods, reverse=True)
    assert periods[0] == "2026-10"
    assert rows[0]["computed_at"].endswith("Z")


def test_snapshots_filtered_by_kpi(api: APIClient, teams: list[Team]) -> None:
    history(teams)

    rows = results(api.get(SNAPSHOTS_URL, {"kpi": "cp_rate", "page_size": "100"}))

    assert {row["kpi"] for row in rows} == {"cp_rate"}
    assert len(rows) == len(MONTHS) * 3


def test_snapshots_filtered_by_team(api: APIClient, teams: list[Team]) -> None:
    history(teams)

    rows = results(api.get(SNAPSHOTS_URL, {"team": "northgate", "page_size": "100"}))

    assert {(row["team"], row["team_name"]) for row in rows} == {
        ("northgate", "Northgate Family Safeguarding Team")
    }
    assert len(rows) == len(MONTHS) * len(CATALOGUE)


def test_snapshots_for_the_whole_service(api: APIClient, teams: list[Team]) -> None:
    history(teams)

    rows = results(api.get(SNAPSHOTS_URL, {"team": "service", "kpi": "cp_starts"}))

    assert [(row["team"], row["team_name"]) for row in rows] == [(None, "Whole service")] * len(
        MONTHS
    )


def test_snapshots_filtered_by_period(api: APIClient, teams: list[Team]) -> None:
    history(teams)

    rows = results(
        api.get(
            by_code("cp_rate"),
            {"period_from": "2026-08-01", "period_to": "2026-09-01", "team": "service"},
        )
    )

    assert [row["period"] for row in rows] == ["2026-09", "2026-08"]


def test_one_kpis_snapshots(api: APIClient, teams: list[Team]) -> None:
    history(teams)

    rows = results(api.get(by_code("cla_rate"), {"page_size": "100"}))

    assert {row["kpi"] for row in rows} == {"cla_rate"}
    assert len(rows) == len(MONTHS) * 3


def test_an_unknown_kpi_code_is_404(api: APIClient) -> None:
    assert_error_body(api.get(by_code("no_such_kpi")), 404)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kpi": "no_such_kpi"}, "kpi"),
        ({"period_from": "October"}, "period_from"),
        ({"period_to": "2026-13-01"}, "period_to"),
        ({"team": "north\x00gate"}, "team"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_an_invalid_filter_is_400(api: APIClient, query: dict[str, str], field: str) -> None:
    error = assert_error_body(api.get(SNAPSHOTS_URL, query), 400)

    assert list(error["errors"]) == [field]


def test_pages_follow_the_cursor(api: APIClient, teams: list[Team]) -> None:
    history(teams, MONTHS[:1])
    seen: list[tuple[str, str | None]] = []
    url: str | None = f"{SNAPSHOTS_URL}?page_size=20"

    while url:
        page = api.get(url)
        seen += [(row["kpi"], row["team"]) for row in results(page)]
        next_url = page.json()["next"]
        url = None if next_url is None else f"{urlsplit(next_url).path}?{urlsplit(next_url).query}"

    assert len(seen) == len(set(seen)) == len(CATALOGUE) * 3


# --- suppression -------------------------------------------------------------------------------


COUNT_KPI = "cp_starts"
PERCENT_KPI = "cp_repeat"
RATE_KPI = "cp_rate"
MEAN_KPI = "caseload_per_worker"


@pytest.mark.parametrize(
    ("code", "numerator", "denominator", "suppressed"),
    [
        (COUNT_KPI, 0, None, False),
        (COUNT_KPI, 1, None, True),
        (COUNT_KPI, 4, None, True),
        (COUNT_KPI, 5, None, False),
        (PERCENT_KPI, 3, 40, True),
        (PERCENT_KPI, 12, 4, True),  # a small denominator reveals a count too
        (PERCENT_KPI, 0, 4, True),
        (PERCENT_KPI, 0, 0, False),
        (PERCENT_KPI, 5, 5, False),
        (RATE_KPI, 2, 250_000, True),
        (RATE_KPI, 412, 250_000, False),
        (MEAN_KPI, 40, 3, False),  # three workers: a mean, not a count of children
        (MEAN_KPI, 3, 2, True),
    ],
)
def test_small_counts_are_suppressed(
    api: APIClient, code: str, numerator: int, denominator: int | None, suppressed: bool
) -> None:
    stored = snapshot(code, MONTHS[0], numerator=numerator, denominator=denominator)

    (row,) = results(api.get(by_code(code)))

    assert row["suppressed"] is suppressed
    assert row["suppressed"] is snapshot_hidden(BY_CODE[code], stored)
    numbers = (row["numerator"], row["denominator"], row["value"])
    if suppressed:
        assert numbers == (None, None, None)
    else:
        assert Decimal(row["numerator"]) == numerator


@pytest.mark.parametrize("kpi", CATALOGUE, ids=[kpi.code for kpi in CATALOGUE])
def test_every_kpi_hides_what_the_board_pages_hide(api: APIClient, kpi: Any) -> None:
    stored = [
        snapshot(kpi.code, month, numerator=n)
        for month, n in zip(MONTHS, [0, 1, 4, 5], strict=True)
    ]

    rows = results(api.get(by_code(kpi.code)))

    expected = {f"{s.period_start:%Y-%m}": snapshot_hidden(kpi, s) for s in stored}
    assert {row["period"]: row["suppressed"] for row in rows} == expected
    assert expected == {"2026-07": False, "2026-08": True, "2026-09": True, "2026-10": False}
    if kpi.unit == Unit.COUNT:
        assert [row["value"] for row in rows if not row["suppressed"]] == ["5.0000", "0.0000"]


# --- who may read ------------------------------------------------------------------------------


def test_a_partner_needs_the_kpis_scope(force: Organisation) -> None:
    client, secret = partner_client(
        force, scopes=[PartnerScope.CHILD_STATUS_READ, PartnerScope.NOTIFICATIONS_WRITE]
    )
    api = bearer(token_for(client, secret))

    for url in (CATALOGUE_URL, SNAPSHOTS_URL, by_code("cp_rate")):
        error = assert_error_body(api.get(url), 403)
        assert PartnerScope.KPIS_READ in error["detail"]


def test_no_credentials_is_401(db: None) -> None:
    response = APIClient().get(SNAPSHOTS_URL)

    assert_error_body(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_staff_read_kpis_with_their_session(staff: APIClient, teams: list[Team]) -> None:
    history(teams)

    assert staff.get(CATALOGUE_URL).status_code == 200
    assert len(results(staff.get(by_code("cp_rate"), {"team": "service"}))) == len(MONTHS)
    assert not DisclosureLog.objects.exists()  # staff reads are not disclosures


def test_a_partners_read_is_in_the_disclosure_log(
    api: APIClient, partner: PartnerClient, teams: list[Team]
) -> None:
    history(teams)

    api.get(SNAPSHOTS_URL, {"kpi": "cp_rate", "page_size": "5"})

    log = DisclosureLog.objects.get()
    assert (log.client_id, log.scope, log.status_code) == (partner.pk, PartnerScope.KPIS_READ, 200)
    assert log.operation == "kpis.snapshots"
    assert log.disclosed == {"snapshots": 5, "filters": {"kpi": "cp_rate", "page_size": "5"}}


# --- query budget ------------------------------------------------------------------------------


def _queries(api: APIClient, page_size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows = results(api.get(SNAPSHOTS_URL, {"page_size": str(page_size)}))
    assert len(rows) == page_size
    return len(queries)


def test_a_page_of_100_snapshots_runs_the_same_queries_as_a_page_of_10(
    api: APIClient, staff: APIClient, teams: list[Team]
) -> None:
    assert history(teams) > 100

    assert _queries(api, 100) == _queries(api, 10)
    assert _queries(staff, 100) == _queries(staff, 10)
    assert _queries(api, 10) <= 10
