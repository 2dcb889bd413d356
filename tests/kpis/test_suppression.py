"""Small-count suppression (DESIGN §8): a figure that would reveal a count of 1 to 4 children is
hidden alike on a KPI's page, in its CSV and in the API, whoever reads it.

For every role, each KPI unit gets a month with a small numerator, a small denominator, both,
and neither; the CSV row must hide exactly the cells the page's table hides, and the API must
mark exactly those figures suppressed. (Before, the CSV hid small counts for board members
only, hiding a mean's small denominator the page showed; every other role's CSV had the
numbers the pages hid.)
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kpis.models import KpiSnapshot
from kpis.services import month_end
from teams.models import User
from teams.roles import Role, ServiceRole
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [*Role.values, *ServiceRole.values]
HIDDEN_CELLS = ("fewer than 5", "suppressed")  # the CSV's words for a hidden number
PAGE_HIDDEN = "fewer than 5"

# Months ago -> (numerator, denominator), per KPI of each unit.
FIGURES: dict[str, dict[int, tuple[int, int | None]]] = {
    "cp_repeat": {1: (12, 40), 2: (3, 40), 3: (0, 4), 4: (2, 3)},  # a percentage
    "caseload_per_worker": {1: (40, 10), 2: (3, 10), 3: (40, 3), 4: (3, 2)},  # a mean
    "cp_starts": {1: (12, None), 2: (3, None)},  # a count
    "cp_rate": {1: (412, 250_000), 2: (2, 250_000)},  # a rate per 10,000 children
}
# Months ago -> hidden (numerator, denominator, value), the same for every role.
EXPECTED_HIDDEN = {
    "cp_repeat": {
        1: (False, False, False),
        2: (True, True, True),
        3: (True, True, True),
        4: (True, True, True),
    },
    "caseload_per_worker": {
        1: (False, False, False),
        2: (True, False, True),
        3: (False, False, False),  # three workers: a mean, not a count of children
        4: (True, False, True),
    },
    "cp_starts": {1: (False, False, False), 2: (True, False, True)},
    "cp_rate": {1: (False, False, False), 2: (True, False, True)},
}


def _first_day(ago: int) -> dt.date:
    return timezone.localdate().replace(day=1) - relativedelta(months=ago)


def _snapshots() -> None:
    KpiSnapshot.objects.bulk_create(
        KpiSnapshot(
            kpi_code=code,
            period_start=_first_day(ago),
            period_end=month_end(_first_day(ago)),
            numerator=Decimal(numerator),
            denominator=None if denominator is None else Decimal(denominator),
            value=Decimal(numerator)
            if not denominator
            else (Decimal(numerator) / denominator).quantize(Decimal("0.0001")),
        )
        for code, months in FIGURES.items()
        for ago, (numerator, denominator) in months.items()
    )


def _reader(role: str) -> User:
    if role in ServiceRole.values:
        return UserFactory.create(service_role=role)
    return MembershipFactory.create(team=TeamFactory.create(), role=role).user


def _page_hidden(client: Client, code: str) -> dict[int, tuple[bool, ...]]:
    """The page's table by month (months ago -> which of numerator, denominator and value it
    hides)."""
    body = client.get(reverse("kpis:detail", args=[code])).content.decode()
    by_month = body[body.index("by month, whole service") : body.index("</table>")]
    rows = re.findall(
        r'<td class="govuk-table__cell">(\w{3} \d{4})</td>\s*'
        r"<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>",
        by_month,
        re.S,
    )
    months_ago = {f"{_first_day(ago):%b %Y}": ago for ago in range(24)}
    return {
        months_ago[label]: tuple(html.unescape(cell).strip() == PAGE_HIDDEN for cell in cells)
        for label, *cells in rows
    }


def _csv_rows(client: Client, code: str) -> list[dict[str, str]]:
    response = client.get(reverse("kpis:csv", args=[code]))
    return [
        row
        for row in csv.DictReader(io.StringIO(response.content.decode()))
        if row["scope"] == "Whole service"
    ]


def _csv_hidden(client: Client, code: str) -> dict[int, tuple[bool, ...]]:
    months_ago = {f"{_first_day(ago):%Y-%m}": ago for ago in range(24)}
    return {
        months_ago[row["month"]]: tuple(
            row[column] in HIDDEN_CELLS for column in ("numerator", "denominator", "value")
        )
        for row in _csv_rows(client, code)
    }


def _api_suppressed(client: Client, code: str) -> dict[int, bool]:
    months_ago = {f"{_first_day(ago):%Y-%m}": ago for ago in range(24)}
    response = client.get(f"/api/v1/kpis/{code}/snapshots/", {"team": "service"})
    return {months_ago[row["period"]]: row["suppressed"] for row in response.json()["results"]}


@pytest.mark.parametrize("role", ROLES)
def test_the_csv_and_the_api_hide_what_the_page_hides_for_every_role(role: str) -> None:
    _snapshots()
    client = Client()
    client.force_login(_reader(role))

    pages = {code: _page_hidden(client, code) for code in FIGURES}
    csvs = {code: _csv_hidden(client, code) for code in FIGURES}
    apis = {code: _api_suppressed(client, code) for code in FIGURES}

    assert pages == EXPECTED_HIDDEN
    assert csvs == pages
    assert apis == {
        code: {ago: hidden[2] for ago, hidden in months.items()} for code, months in pages.items()
    }


@pytest.mark.parametrize("role", [ServiceRole.BOARD_MEMBER, ServiceRole.PERFORMANCE_ANALYST])
def test_a_hidden_figure_leaves_no_number_behind_in_the_csv(role: str) -> None:
    _snapshots()
    client = Client()
    client.force_login(_reader(role))

    rows = _csv_rows(client, "cp_repeat")

    # Oldest first: 2 of 3, 0 of 4, 3 of 40, then 12 of 40 (shown).
    assert [(r["numerator"], r["denominator"], r["value"]) for r in rows] == [
        ("fewer than 5", "fewer than 5", "suppressed"),
        ("suppressed", "fewer than 5", "suppressed"),
        ("fewer than 5", "suppressed", "suppressed"),
        ("12.00", "40.00", "0.3000"),
    ]
