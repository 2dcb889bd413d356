"""The KPI catalogue (DOMAIN.md, "KPI catalogue") as code: one definition per KPI, each with a
set-based SQL calculator for a calendar month and a scope (the whole service, or one team), and
a grouped form of it that the refresh uses (``Kpi.grouped_sql``, below).

Every calculator is one SQL statement that returns ``(numerator, denominator)``; nothing loops
over records in Python. "At period end" means on the month's last day: a status that ceased
that day (``end_date``) no longer counts. Working days use the same England calendar as the
caseload, passed to SQL as an array of bank holidays (``fs_working_days``, migration 0002).
An allocation counts at period end while its ``end_date`` is after that day, like a status.
Percentages and rates round halves up, as published statistics do.
The scope is the family's owning team today; a family transferred between teams counts in its
current team for every month.

Grouped form: ``grouped_sql`` computes the same figures for every month from ``%(first)s`` to
``%(last)s`` and every scope in ``%(teams)s`` (plus the whole service) in ONE statement, rows
``(period_start, team_id, numerator, denominator)`` with ``team_id`` NULL for the service. The
facts are joined to a ``generate_series`` of months and grouped by
``GROUPING SETS ((month, team), (month))``, so a distinct count (a child on plans in two teams)
counts once for the service, exactly as the per-scope SQL does; a (month, scope) with no facts
gets a row with a NULL numerator, which ``Kpi.grouped`` turns into the per-scope SQL's empty
result. The per-scope ``sql`` stays the reference: tests/kpis/test_grouped.py checks that both
agree for every KPI, month and scope, on the hand-worked fixtures and on the demo council.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings

from safeguarding.db_routers import read_connection
from safeguarding.lib.working_days import bank_holidays


class Unit(StrEnum):
    COUNT = "count"
    RATE = "rate per 10,000 children"
    PERCENT = "%"
    MEAN = "mean"


class Polarity(StrEnum):
    LOWER = "lower is better"
    HIGHER = "higher is better"
    CONTEXT = "context"


# Scope: the family's owning team, or every team when %(team)s is NULL.
IN_SCOPE = "(%(team)s::bigint IS NULL OR f.owning_team_id = %(team)s::bigint)"
CASES_IN_SCOPE = f"cases_case c JOIN cases_family f ON f.id = c.family_id AND {IN_SCOPE}"
ACTIVE_AT_END = "s.start_date <= %(end)s AND (s.end_date IS NULL OR s.end_date > %(end)s)"

# --- grouped forms (module docstring) -----------------------------------------------------------
# ``m`` is always the month: m.period_start (its first day) and m.period_end (its last day).
MONTHS = """months AS (
        SELECT d::date AS period_start, (d + interval '1 month' - interval '1 day')::date AS period_end
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 month') d)"""
STATUS_FAMILY = """cases_childstatus s JOIN cases_case c ON c.id = s.case_id
                   JOIN cases_family f ON f.id = c.family_id"""
CASE_FAMILY = "cases_case c JOIN cases_family f ON f.id = c.family_id"
ACTIVE_AT_MONTH_END = (
    "s.start_date <= m.period_end AND (s.end_date IS NULL OR s.end_date > m.period_end)"
)


def _in_month(day: str) -> str:
    """Join condition: ``day`` falls in month m. An equality, so the planner can hash the
    months instead of testing every row against every month."""
    return f"m.period_start = date_trunc('month', ({day})::timestamp)::date"


def _grouped(totals: str, ctes: str = "") -> str:
    """The whole grouped statement around ``totals``: a SELECT of ``(period_start, team_id,
    whole_service, numerator, denominator)`` with one row per (month, team) that has facts and
    one per month for the whole service (``whole_service`` true, ``team_id`` NULL). Every
    (month, scope) asked for gets a row; those without facts a NULL numerator."""
    more = f"{ctes}," if ctes else ""
    return f"""WITH {MONTHS}, {more}
        totals (period_start, team_id, whole_service, numerator, denominator) AS ({totals}),
        scopes AS (SELECT NULL::bigint AS team_id UNION ALL SELECT unnest(%(teams)s::bigint[]))
    SELECT m.period_start, sc.team_id, t.numerator, t.denominator
    FROM months m CROSS JOIN scopes sc
    LEFT JOIN totals t ON t.period_start = m.period_start AND t.whole_service = (sc.team_id IS NULL)
                      AND (sc.team_id IS NULL OR t.team_id = sc.team_id)"""


def _by_month_and_team(
    source: str,
    numerator: str,
    denominator: str = "NULL::bigint",
    *,
    team: str = "f.owning_team_id",
    month: str = "m.period_start",
) -> str:
    """``totals`` for ``_grouped``: aggregate the rows of ``source`` (FROM ... WHERE ...) by
    month and team, and by month alone for the whole service."""
    return f"""SELECT {month} AS period_start, {team} AS team_id,
                      GROUPING({team}) = 1 AS whole_service,
                      {numerator} AS numerator, {denominator} AS denominator
               {source}
               GROUP BY GROUPING SETS (({month}, {team}), ({month}))"""


def _status_count_grouped(kind: str, where: str) -> str:
    return _grouped(
        _by_month_and_team(
            f"FROM {STATUS_FAMILY} JOIN months m ON {where} WHERE s.kind = '{kind}'", "count(*)"
        )
    )


def _at_end_rate_grouped(kind: str) -> str:
    return _grouped(
        _by_month_and_team(
            f"FROM {STATUS_FAMILY} JOIN months m ON {ACTIVE_AT_MONTH_END} WHERE s.kind = '{kind}'",
            "count(DISTINCT s.person_id)",
        )
    )


@dataclass(frozen=True)
class Kpi:
    code: str
    title: str
    definition: str
    unit: Unit
    polarity: Polarity
    sql: str
    # Counts judged against a baseline year (care entries) are compared with the same month.
    summary_noun: str = ""
    # Every month of a range and every scope in one statement (module docstring); empty when a
    # KPI has none yet, and the refresh then falls back to ``sql`` for each month and scope.
    grouped_sql: str = ""

    def calculate(
        self, *, period_start: dt.date, period_end: dt.date, team_id: int | None
    ) -> Result:
        params = {
            **_common_params(period_start, period_end),
            "start": period_start,
            "end": period_end,
            "team": team_id,
        }
        # Raw SQL bypasses the database router: ask it which database reads use here (the
        # replica inside use_replica(), when one is configured).
        with read_connection().cursor() as cursor:
            cursor.execute(self.sql, params)
            numerator, denominator = cursor.fetchone()
        return self._result(numerator, denominator)

    def grouped(
        self, *, first_month: dt.date, last_month: dt.date, team_ids: Sequence[int]
    ) -> dict[tuple[dt.date, int | None], Result]:
        """This KPI for every month from ``first_month`` to ``last_month`` (first days of
        months) and every scope: the whole service (``None``) and each of ``team_ids``. The
        same results as ``calculate`` for each (month, scope), in one statement."""
        if not self.grouped_sql:
            raise ValueError(f"KPI {self.code} has no grouped form")
        last_end = last_month + relativedelta(months=1) - dt.timedelta(days=1)
        params = {
            **_common_params(first_month, last_end),
            "first": first_month,
            "last": last_month,
            "teams": list(team_ids),
        }
        with read_connection().cursor() as cursor:
            cursor.execute(self.grouped_sql, params)
            rows = cursor.fetchall()
        results = {}
        for period_start, team_id, numerator, denominator in rows:
            if numerator is None and self.unit in (Unit.PERCENT, Unit.MEAN):
                # No facts for this month and scope: what the per-scope SQL's count(*) or
                # coalesce(sum(...), 0) gives over no rows.
                denominator = 0
            results[(period_start, team_id)] = self._result(numerator, denominator)
        return results

    def _result(self, numerator: Any, denominator: Any) -> Result:
        numerator = Decimal(numerator or 0)
        if self.unit == Unit.RATE:
            denominator = Decimal(settings.CHILD_POPULATION)
        denominator = None if denominator is None else Decimal(denominator)
        return Result(
            numerator=numerator, denominator=denominator, value=self._value(numerator, denominator)
        )

    def _value(self, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
        if self.unit == Unit.COUNT:
            return numerator
        if not denominator:
            return None  # nothing to divide by (an empty team): no value, never a division error
        if self.unit == Unit.RATE:
            return (numerator * 10_000 / denominator).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if self.unit == Unit.PERCENT:
            return (numerator * 100 / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return (numerator / denominator).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _common_params(first_day: dt.date, last_day: dt.date) -> dict[str, Any]:
    # Bank holidays from three years before: working days are only compared with thresholds
    # of at most a few weeks, and a span longer than three years is far over any of them
    # whichever holidays are left out, so a grouped statement over a range (holidays from
    # three years before its first month) and a single month agree.
    holidays = sorted(
        day for year in range(first_day.year - 3, last_day.year + 1) for day in bank_holidays(year)
    )
    return {
        "holidays": holidays,
        "cp_visit_interval": settings.CP_VISIT_INTERVAL_WORKING_DAYS,
        "supervision_days": settings.SUPERVISION_INTERVAL_WEEKS * 7,
        "time_zone": settings.TIME_ZONE,
    }


@dataclass(frozen=True)
class Result:
    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None


def _count(where: str, kind: str) -> str:
    return f"""
        SELECT count(*), NULL
        FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
        WHERE s.kind = '{kind}' AND {where}
    """


# --- the workforce ------------------------------------------------------------------------------
# Scope is the team the membership or post belongs to (not a family's). A membership counts at
# period end up to and including its end date, as ``Membership.objects.active`` does. Filled
# posts are memberships' FTE, not counting contingency cover (agency, locum, acting up).
MEMBER_IN_SCOPE = "(%(team)s::bigint IS NULL OR m.team_id = %(team)s::bigint)"
MEMBER_AT_END = "m.start_date <= %(end)s AND (m.end_date IS NULL OR m.end_date >= %(end)s)"
STAFF_AT_END = f"""staff AS (
                SELECT DISTINCT m.user_id FROM teams_membership m
                WHERE {MEMBER_AT_END} AND {MEMBER_IN_SCOPE})"""
ATTENDED = """teams_sessionplace sp
              JOIN teams_trainingsession ts ON ts.id = sp.session_id
              JOIN teams_course co ON co.id = ts.course_id"""


def _posts_filled(role: str) -> str:
    return f"""WITH planned AS (
                SELECT coalesce(sum(p.fte), 0) AS fte FROM teams_establishmentpost p
                WHERE p.role = '{role}' AND p.start_date <= %(end)s
                  AND (p.end_date IS NULL OR p.end_date >= %(end)s)
                  AND (%(team)s::bigint IS NULL OR p.team_id = %(team)s::bigint)),
            filled AS (
                SELECT coalesce(sum(m.fte), 0) AS fte FROM teams_membership m
                WHERE m.role = '{role}' AND NOT m.is_contingency
                  AND {MEMBER_AT_END} AND {MEMBER_IN_SCOPE})
            SELECT filled.fte, planned.fte FROM planned, filled"""


MEMBER_AT_MONTH_END = (
    "ms.start_date <= m.period_end AND (ms.end_date IS NULL OR ms.end_date >= m.period_end)"
)
# Staff in each team at each month's end (a person in two teams is a row in each).
STAFF_AT_MONTH_END = f"""staff AS (
                SELECT DISTINCT m.period_start, m.period_end, ms.team_id, ms.user_id
                FROM teams_membership ms JOIN months m ON {MEMBER_AT_MONTH_END})"""


def _posts_filled_grouped(role: str) -> str:
    return _grouped(
        _by_month_and_team(
            "FROM fte x",
            "coalesce(sum(x.filled), 0)",
            "coalesce(sum(x.planned), 0)",
            team="x.team_id",
            month="x.period_start",
        ),
        ctes=f"""fte AS (
                SELECT m.period_start, p.team_id, 0::numeric AS filled, p.fte AS planned
                FROM teams_establishmentpost p
                JOIN months m ON p.start_date <= m.period_end
                             AND (p.end_date IS NULL OR p.end_date >= m.period_end)
                WHERE p.role = '{role}'
                UNION ALL
                SELECT m.period_start, ms.team_id, ms.fte, 0::numeric
                FROM teams_membership ms JOIN months m ON {MEMBER_AT_MONTH_END}
                WHERE ms.role = '{role}' AND NOT ms.is_contingency)""",
    )


def _posts_kpi(code: str, role: str, discipline: str) -> Kpi:
    return Kpi(
        code,
        f"{discipline} specialist posts filled",
        f"Full-time equivalent {discipline.lower()} specialist posts filled at the end of the "
        "month, as a percentage of the planned establishment then. Seconded staff fill posts; "
        "contingency cover does not. A specialist shared by two teams counts their FTE in each.",
        Unit.PERCENT,
        Polarity.HIGHER,
        _posts_filled(role),
        grouped_sql=_posts_filled_grouped(role),
    )


WORKFORCE_KPIS: list[Kpi] = [
    _posts_kpi("mh_posts_filled", "mental_health_specialist", "Mental health"),
    _posts_kpi("da_posts_filled", "domestic_abuse_specialist", "Domestic abuse"),
    _posts_kpi("su_posts_filled", "substance_use_specialist", "Substance use"),
    Kpi(
        "mi_first_course",
        "Staff trained in Motivational Interviewing",
        "Staff in Family Safeguarding teams at the end of the month who have attended the "
        "Motivational Interviewing first course. Someone in two teams counts once for the service.",
        Unit.PERCENT,
        Polarity.HIGHER,
        f"""WITH {STAFF_AT_END}
            SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM {ATTENDED}
                       WHERE sp.user_id = s.user_id AND sp.status = 'attended'
                         AND co.code = 'mi-first-course' AND ts.held_on <= %(end)s)),
                   count(*)
            FROM staff s""",
        grouped_sql=_grouped(
            _by_month_and_team(
                """FROM staff s""",
                f"""count(DISTINCT s.user_id) FILTER (WHERE EXISTS (
                       SELECT 1 FROM {ATTENDED}
                       WHERE sp.user_id = s.user_id AND sp.status = 'attended'
                         AND co.code = 'mi-first-course' AND ts.held_on <= s.period_end))""",
                "count(DISTINCT s.user_id)",
                team="s.team_id",
                month="s.period_start",
            ),
            ctes=STAFF_AT_MONTH_END,
        ),
    ),
    Kpi(
        "mi_embedding_6wk",
        "MI embedding sessions within 6 weeks",
        "Staff in Family Safeguarding teams at the end of the month whose latest Motivational "
        "Interviewing first course was at least 6 weeks before then, who attended the embedding "
        "session within 6 weeks of that course (the window is the course's follow-up rule).",
        Unit.PERCENT,
        Polarity.HIGHER,
        f"""WITH {STAFF_AT_END},
            first_course AS (
                SELECT s.user_id, max(ts.held_on) AS held_on,
                       max(co.follow_up_id) AS follow_up_id,
                       max(co.follow_up_by_weeks) AS by_weeks
                FROM staff s JOIN {ATTENDED} ON sp.user_id = s.user_id
                WHERE sp.status = 'attended' AND co.code = 'mi-first-course'
                  AND ts.held_on + 7 * co.follow_up_by_weeks <= %(end)s
                GROUP BY s.user_id)
            SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM {ATTENDED}
                       WHERE sp.user_id = f.user_id AND sp.status = 'attended'
                         AND ts.course_id = f.follow_up_id
                         AND ts.held_on BETWEEN f.held_on AND f.held_on + 7 * f.by_weeks)),
                   count(*)
            FROM first_course f""",
        grouped_sql=_grouped(
            _by_month_and_team(
                "FROM staff s JOIN embedded e ON e.period_start = s.period_start AND e.user_id = s.user_id",
                "count(DISTINCT s.user_id) FILTER (WHERE e.embedded)",
                "count(DISTINCT s.user_id)",
                team="s.team_id",
                month="s.period_start",
            ),
            ctes=f"""{STAFF_AT_MONTH_END},
            first_course AS (
                SELECT st.period_start, st.user_id, max(ts.held_on) AS held_on,
                       max(co.follow_up_id) AS follow_up_id,
                       max(co.follow_up_by_weeks) AS by_weeks
                FROM (SELECT DISTINCT period_start, period_end, user_id FROM staff) st
                JOIN {ATTENDED} ON sp.user_id = st.user_id
                WHERE sp.status = 'attended' AND co.code = 'mi-first-course'
                  AND ts.held_on + 7 * co.follow_up_by_weeks <= st.period_end
                GROUP BY st.period_start, st.user_id),
            embedded AS (
                SELECT f.period_start, f.user_id, EXISTS (
                       SELECT 1 FROM {ATTENDED}
                       WHERE sp.user_id = f.user_id AND sp.status = 'attended'
                         AND ts.course_id = f.follow_up_id
                         AND ts.held_on BETWEEN f.held_on AND f.held_on + 7 * f.by_weeks) AS embedded
                FROM first_course f)""",
        ),
    ),
]


CATALOGUE: list[Kpi] = [
    Kpi(
        "cp_rate",
        "Children on a child protection plan",
        "Children subject to a child protection plan at the end of the month, per 10,000 children in the council's area.",
        Unit.RATE,
        Polarity.LOWER,
        f"""SELECT count(DISTINCT s.person_id), NULL
            FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
            WHERE s.kind = 'cp_plan' AND {ACTIVE_AT_END}""",
        grouped_sql=_at_end_rate_grouped("cp_plan"),
    ),
    Kpi(
        "cp_starts",
        "Child protection plans started",
        "Child protection plans that started in the month.",
        Unit.COUNT,
        Polarity.LOWER,
        _count("s.start_date BETWEEN %(start)s AND %(end)s", "cp_plan"),
        grouped_sql=_status_count_grouped("cp_plan", _in_month("s.start_date")),
    ),
    Kpi(
        "cp_repeat",
        "Repeat child protection plans",
        "Child protection plans started in the month that are the child's second or later plan, ever.",
        Unit.PERCENT,
        Polarity.LOWER,
        f"""SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM cases_childstatus p
                       WHERE p.person_id = s.person_id AND p.kind = 'cp_plan' AND p.start_date < s.start_date)),
                   count(*)
            FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
            WHERE s.kind = 'cp_plan' AND s.start_date BETWEEN %(start)s AND %(end)s""",
        grouped_sql=_grouped(
            _by_month_and_team(
                f"""FROM {STATUS_FAMILY} JOIN months m ON {_in_month("s.start_date")}
                    WHERE s.kind = 'cp_plan'""",
                """count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM cases_childstatus p
                       WHERE p.person_id = s.person_id AND p.kind = 'cp_plan' AND p.start_date < s.start_date))""",
                "count(*)",
            )
        ),
    ),
    Kpi(
        "cp_two_years",
        "Child protection plans lasting two years or more",
        "Child protection plans that ended in the month and had lasted two years or more.",
        Unit.PERCENT,
        Polarity.LOWER,
        f"""SELECT count(*) FILTER (WHERE s.end_date >= s.start_date + interval '2 years'), count(*)
            FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
            WHERE s.kind = 'cp_plan' AND s.end_date BETWEEN %(start)s AND %(end)s""",
        grouped_sql=_grouped(
            _by_month_and_team(
                f"""FROM {STATUS_FAMILY} JOIN months m ON {_in_month("s.end_date")}
                    WHERE s.kind = 'cp_plan'""",
                "count(*) FILTER (WHERE s.end_date >= s.start_date + interval '2 years')",
                "count(*)",
            )
        ),
    ),
    Kpi(
        "care_entries",
        "Children entering care",
        "Children who started to be looked after in the month. A change of legal status on the day "
        "a previous period ended is the same period of care, not a new entry.",
        Unit.COUNT,
        Polarity.LOWER,
        f"""SELECT count(*), NULL
            FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
            WHERE s.kind = 'looked_after' AND s.start_date BETWEEN %(start)s AND %(end)s
              AND NOT EXISTS (SELECT 1 FROM cases_childstatus p
                              WHERE p.person_id = s.person_id AND p.kind = 'looked_after'
                                AND p.end_date = s.start_date AND p.id <> s.id)""",
        grouped_sql=_grouped(
            _by_month_and_team(
                f"""FROM {STATUS_FAMILY} JOIN months m ON {_in_month("s.start_date")}
                    WHERE s.kind = 'looked_after'
                      AND NOT EXISTS (SELECT 1 FROM cases_childstatus p
                                      WHERE p.person_id = s.person_id AND p.kind = 'looked_after'
                                        AND p.end_date = s.start_date AND p.id <> s.id)""",
                "count(*)",
            )
        ),
    ),
    Kpi(
        "cla_rate",
        "Children looked after",
        "Children looked after at the end of the month, per 10,000 children in the council's area.",
        Unit.RATE,
        Polarity.LOWER,
        f"""SELECT count(DISTINCT s.person_id), NULL
            FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
            WHERE s.kind = 'looked_after' AND {ACTIVE_AT_END}""",
        grouped_sql=_at_end_rate_grouped("looked_after"),
    ),
    Kpi(
        "re_referrals",
        "Re-referrals within 12 months",
        "Children referred in the month who had been referred before in the previous 12 months.",
        Unit.PERCENT,
        Polarity.LOWER,
        f"""WITH referred AS (
                SELECT c.id AS case_id, c.referral_date, m.person_id
                FROM {CASES_IN_SCOPE}
                JOIN cases_familymember m ON m.family_id = c.family_id AND m.household_role = 'child'
                                         AND m.start_date <= c.referral_date
                                         AND (m.end_date IS NULL OR m.end_date >= c.referral_date)
                WHERE c.referral_date BETWEEN %(start)s AND %(end)s)
            SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM cases_case c2
                       JOIN cases_familymember m2 ON m2.family_id = c2.family_id
                                                 AND m2.household_role = 'child' AND m2.person_id = r.person_id
                                                 AND m2.start_date <= c2.referral_date
                                                 AND (m2.end_date IS NULL OR m2.end_date >= c2.referral_date)
                       WHERE c2.id <> r.case_id AND c2.referral_date < r.referral_date
                         AND c2.referral_date >= r.referral_date - interval '12 months')),
                   count(*)
            FROM referred r""",
        grouped_sql=_grouped(
            _by_month_and_team(
                "FROM referred r",
                """count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM cases_case c2
                       JOIN cases_familymember m2 ON m2.family_id = c2.family_id
                                                 AND m2.household_role = 'child' AND m2.person_id = r.person_id
                                                 AND m2.start_date <= c2.referral_date
                                                 AND (m2.end_date IS NULL OR m2.end_date >= c2.referral_date)
                       WHERE c2.id <> r.case_id AND c2.referral_date < r.referral_date
                         AND c2.referral_date >= r.referral_date - interval '12 months'))""",
                "count(*)",
                team="r.team_id",
                month="r.period_start",
            ),
            ctes=f"""referred AS (
                SELECT m.period_start, f.owning_team_id AS team_id, c.id AS case_id,
                       c.referral_date, fm.person_id
                FROM {CASE_FAMILY} JOIN months m ON {_in_month("c.referral_date")}
                JOIN cases_familymember fm ON fm.family_id = c.family_id AND fm.household_role = 'child'
                                          AND fm.start_date <= c.referral_date
                                          AND (fm.end_date IS NULL OR fm.end_date >= c.referral_date))""",
        ),
    ),
    Kpi(
        "assessments_45wd",
        "Assessments completed within 45 working days",
        "Child and family assessments completed in the month within 45 working days of the referral.",
        Unit.PERCENT,
        Polarity.HIGHER,
        f"""SELECT count(*) FILTER (WHERE fs_working_days(c.referral_date, c.assessment_completed_date, %(holidays)s::date[]) <= 45),
                   count(*)
            FROM {CASES_IN_SCOPE}
            WHERE c.assessment_completed_date BETWEEN %(start)s AND %(end)s""",
        grouped_sql=_grouped(
            _by_month_and_team(
                f"FROM {CASE_FAMILY} JOIN months m ON {_in_month('c.assessment_completed_date')}",
                """count(*) FILTER (WHERE fs_working_days(c.referral_date, c.assessment_completed_date,
                                                          %(holidays)s::date[]) <= 45)""",
                "count(*)",
            )
        ),
    ),
    Kpi(
        "icpc_15wd",
        "Initial conferences within 15 working days",
        "Initial child protection conferences held in the month within 15 working days of the last "
        "strategy discussion before them.",
        Unit.PERCENT,
        Polarity.HIGHER,
        f"""WITH conferences AS (
                SELECT DISTINCT s.person_id, s.icpc_date,
                       coalesce(s.strategy_discussion_date,
                                (SELECT max(p.strategy_discussion_date) FROM cases_childstatus p
                                 WHERE p.person_id = s.person_id AND p.kind = 's47_enquiry'
                                   AND p.strategy_discussion_date <= s.icpc_date)) AS strategy_date
                FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
                WHERE s.kind IN ('s47_enquiry', 'cp_plan') AND s.icpc_date BETWEEN %(start)s AND %(end)s)
            SELECT count(*) FILTER (WHERE fs_working_days(strategy_date, icpc_date, %(holidays)s::date[]) <= 15),
                   count(*)
            FROM conferences WHERE strategy_date IS NOT NULL""",
        grouped_sql=_grouped(
            _by_month_and_team(
                "FROM conferences k WHERE k.strategy_date IS NOT NULL",
                # A child's conference counts once in a scope, however many statuses record it.
                """count(DISTINCT (k.person_id, k.icpc_date, k.strategy_date))
                       FILTER (WHERE fs_working_days(k.strategy_date, k.icpc_date, %(holidays)s::date[]) <= 15)""",
                "count(DISTINCT (k.person_id, k.icpc_date, k.strategy_date))",
                team="k.team_id",
                month="k.period_start",
            ),
            ctes=f"""conferences AS (
                SELECT m.period_start, f.owning_team_id AS team_id, s.person_id, s.icpc_date,
                       coalesce(s.strategy_discussion_date,
                                (SELECT max(p.strategy_discussion_date) FROM cases_childstatus p
                                 WHERE p.person_id = s.person_id AND p.kind = 's47_enquiry'
                                   AND p.strategy_discussion_date <= s.icpc_date)) AS strategy_date
                FROM {STATUS_FAMILY} JOIN months m ON {_in_month("s.icpc_date")}
                WHERE s.kind IN ('s47_enquiry', 'cp_plan'))""",
        ),
    ),
    Kpi(
        "cp_visits_on_time",
        "Child protection visits on time",
        "Children on a child protection plan at the end of the month whose last visit (or the plan's "
        "start, before a first visit is due) is within the visit interval.",
        Unit.PERCENT,
        Polarity.HIGHER,
        f"""WITH on_plan AS (
                SELECT s.person_id, max(s.start_date) AS started,
                       max(s.last_visit_date) FILTER (WHERE s.last_visit_date <= %(end)s) AS status_visit
                FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
                WHERE s.kind = 'cp_plan' AND {ACTIVE_AT_END}
                GROUP BY s.person_id),
            visited AS (
                -- Only visits during the current plan count: a visit before it does not start
                -- the plan's visiting clock (cases.clocks.engine.visit_due).
                SELECT p.person_id, p.started,
                       greatest(CASE WHEN p.status_visit >= p.started THEN p.status_visit END,
                                (SELECT max(e.visit_date) FROM workbook_entry e
                                 WHERE e.subject_person_id = p.person_id AND e.form_slug = 'statutory-visit'
                                   AND e.child_seen AND e.status IN ('submitted', 'authorised')
                                   AND e.visit_date BETWEEN p.started AND %(end)s)) AS last_visit
                FROM on_plan p)
            SELECT count(*) FILTER (WHERE fs_working_days(coalesce(last_visit, started), %(end)s, %(holidays)s::date[])
                                          <= %(cp_visit_interval)s),
                   count(*)
            FROM visited""",
        grouped_sql=_grouped(
            # The per-child figures depend on the scope (a child on plans in two teams), so
            # they are grouped per scope first, then counted.
            """SELECT v.period_start, v.team_id, v.whole_service,
                      count(*) FILTER (WHERE coalesce(
                          coalesce(v.last_visit, v.started) > d.late_up_to,
                          fs_working_days(coalesce(v.last_visit, v.started), v.period_end,
                                          %(holidays)s::date[]) <= %(cp_visit_interval)s)),
                      count(*)
               FROM visited v JOIN deadlines d ON d.period_start = v.period_start
               GROUP BY v.period_start, v.team_id, v.whole_service""",
            # fs_working_days(x, end) only falls as x gets later, so "within the interval" is
            # "x after the last late day", found once a month with fs_working_days itself
            # rather than once per child over spans of years. 7 * interval + 60 calendar days
            # always hold more than the interval's working days; if not, the direct call.
            ctes=f"""deadlines AS MATERIALIZED (
                SELECT m.period_start,
                       (SELECT max(d)::date
                        FROM generate_series(m.period_end - (7 * %(cp_visit_interval)s + 60),
                                             m.period_end, interval '1 day') d
                        WHERE fs_working_days(d::date, m.period_end, %(holidays)s::date[])
                              > %(cp_visit_interval)s) AS late_up_to
                FROM months m),
            on_plan AS (
                SELECT m.period_start, m.period_end, s.person_id, f.owning_team_id AS team_id,
                       GROUPING(f.owning_team_id) = 1 AS whole_service,
                       max(s.start_date) AS started,
                       max(s.last_visit_date) FILTER (WHERE s.last_visit_date <= m.period_end) AS status_visit
                FROM {STATUS_FAMILY} JOIN months m ON {ACTIVE_AT_MONTH_END}
                WHERE s.kind = 'cp_plan'
                GROUP BY GROUPING SETS ((m.period_start, m.period_end, s.person_id, f.owning_team_id),
                                        (m.period_start, m.period_end, s.person_id))),
            visits AS (
                SELECT e.subject_person_id AS person_id, e.visit_date FROM workbook_entry e
                WHERE e.form_slug = 'statutory-visit' AND e.child_seen
                  AND e.status IN ('submitted', 'authorised')),
            visited AS (
                -- One join of the children on plans with their visits, not a lookup per child,
                -- month and scope (740,000 index probes, 11 s at 100,000 families).
                SELECT p.period_start, p.period_end, p.team_id, p.whole_service, p.started,
                       greatest(CASE WHEN p.status_visit >= p.started THEN p.status_visit END,
                                max(v.visit_date)) AS last_visit
                FROM on_plan p
                LEFT JOIN visits v ON v.person_id = p.person_id
                                  AND v.visit_date BETWEEN p.started AND p.period_end
                GROUP BY p.period_start, p.period_end, p.person_id, p.team_id, p.whole_service,
                         p.started, p.status_visit)""",
        ),
    ),
    Kpi(
        "cp_reviews_on_time",
        "Child protection reviews on time",
        "Child protection review conferences held in the month on or before the date they were due "
        "(3 months after the initial conference, then at most every 6 months).",
        Unit.PERCENT,
        Polarity.HIGHER,
        f"""SELECT count(*) FILTER (WHERE r.held_on <= r.due_by), count(*)
            FROM cases_reviewconference r
            JOIN cases_childstatus s ON s.id = r.status_id
            JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
            WHERE r.held_on BETWEEN %(start)s AND %(end)s""",
        grouped_sql=_grouped(
            _by_month_and_team(
                f"""FROM cases_reviewconference r
                    JOIN {STATUS_FAMILY} ON s.id = r.status_id
                    JOIN months m ON {_in_month("r.held_on")}""",
                "count(*) FILTER (WHERE r.held_on <= r.due_by)",
                "count(*)",
            )
        ),
    ),
    Kpi(
        "gcs_on_time",
        "Group supervision on time",
        "Open families whose last signed-off group supervision (or referral, before a first one is due) "
        "is within the supervision interval at the end of the month.",
        Unit.PERCENT,
        Polarity.HIGHER,
        f"""WITH open_cases AS (
                SELECT c.id, c.referral_date,
                       (SELECT max(g.scheduled_for) FROM supervision_groupsupervision g
                        WHERE g.case_id = c.id AND g.status = 'signed_off' AND g.scheduled_for <= %(end)s) AS last_held
                FROM {CASES_IN_SCOPE}
                WHERE c.referral_date <= %(end)s AND (c.closed_date IS NULL OR c.closed_date > %(end)s))
            SELECT count(*) FILTER (WHERE coalesce(last_held, referral_date)
                                          >= %(end)s - %(supervision_days)s::int),
                   count(*)
            FROM open_cases""",
        grouped_sql=_grouped(
            _by_month_and_team(
                "FROM open_cases o",
                "count(*) FILTER (WHERE coalesce(o.last_held, o.referral_date) >= o.period_end - %(supervision_days)s::int)",
                "count(*)",
                team="o.team_id",
                month="o.period_start",
            ),
            # One join with the signed-off supervisions, not a lookup per case and month
            # (790,000 index probes, 11 s at 100,000 families).
            ctes=f"""open_cases AS (
                SELECT m.period_start, m.period_end, f.owning_team_id AS team_id, c.referral_date,
                       max(g.scheduled_for) AS last_held
                FROM {CASE_FAMILY}
                JOIN months m ON c.referral_date <= m.period_end
                             AND (c.closed_date IS NULL OR c.closed_date > m.period_end)
                LEFT JOIN supervision_groupsupervision g
                       ON g.case_id = c.id AND g.status = 'signed_off'
                      AND g.scheduled_for <= m.period_end
                GROUP BY m.period_start, m.period_end, c.id, f.owning_team_id, c.referral_date)""",
        ),
    ),
    Kpi(
        "workbook_current",
        "Workbook chapters up to date",
        "Workers allocated at the end of the month who have an intervention summary in the family's "
        "workbook cycle open at that date.",
        Unit.PERCENT,
        Polarity.HIGHER,
        f"""WITH allocated AS (
                SELECT DISTINCT a.case_id, a.worker_id
                FROM cases_allocation a JOIN {CASES_IN_SCOPE} ON c.id = a.case_id
                WHERE a.start_date <= %(end)s AND (a.end_date IS NULL OR a.end_date > %(end)s)
                  AND (c.closed_date IS NULL OR c.closed_date > %(end)s))
            SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM workbook_workbook w
                       JOIN workbook_cycle y ON y.workbook_id = w.id AND y.opened_on <= %(end)s
                                            AND (y.closed_on IS NULL OR y.closed_on > %(end)s)
                       JOIN workbook_entry e ON e.cycle_id = y.id AND e.form_slug = 'intervention-summary'
                                            AND e.author_id = al.worker_id AND e.status IN ('submitted', 'authorised')
                       WHERE w.case_id = al.case_id)),
                   count(*)
            FROM allocated al""",
        # Set-based: the (month, case, author) of every summary in a cycle open at the month's
        # end, joined to the allocations once, instead of an EXISTS per allocation and month
        # (1.7 million index probes, 23 s at 100,000 families).
        grouped_sql=_grouped(
            _by_month_and_team(
                """FROM allocated al
                   LEFT JOIN summarised su ON su.period_start = al.period_start
                        AND su.case_id = al.case_id AND su.author_id = al.worker_id""",
                "count(su.case_id)",
                "count(*)",
                team="al.team_id",
                month="al.period_start",
            ),
            ctes=f"""allocated AS (
                SELECT DISTINCT m.period_start, m.period_end, f.owning_team_id AS team_id,
                       a.case_id, a.worker_id
                FROM cases_allocation a JOIN {CASE_FAMILY} ON c.id = a.case_id
                JOIN months m ON a.start_date <= m.period_end
                             AND (a.end_date IS NULL OR a.end_date > m.period_end)
                             AND (c.closed_date IS NULL OR c.closed_date > m.period_end)),
            summarised AS (
                SELECT DISTINCT m.period_start, w.case_id, e.author_id
                FROM workbook_entry e
                JOIN workbook_cycle y ON y.id = e.cycle_id
                JOIN workbook_workbook w ON w.id = y.workbook_id
                JOIN months m ON y.opened_on <= m.period_end
                             AND (y.closed_on IS NULL OR y.closed_on > m.period_end)
                WHERE e.form_slug = 'intervention-summary'
                  AND e.status IN ('submitted', 'authorised'))""",
        ),
    ),
    Kpi(
        "da_repeat_notifications",
        "Repeat police domestic abuse notifications",
        "Police domestic abuse notifications received in the month about a family the police had "
        "notified the service about in the 12 months before. Notifications still waiting for "
        "triage, or dismissed, belong to no family and do not count.",
        Unit.COUNT,
        Polarity.LOWER,
        f"""SELECT count(*), NULL
            FROM cases_partnernotification n JOIN cases_family f ON f.id = n.family_id AND {IN_SCOPE}
            WHERE n.status = 'matched'
              AND (n.received_at AT TIME ZONE %(time_zone)s)::date BETWEEN %(start)s AND %(end)s
              AND EXISTS (SELECT 1 FROM cases_partnernotification p
                          WHERE p.family_id = n.family_id AND p.status = 'matched' AND p.id <> n.id
                            AND p.received_at < n.received_at
                            AND p.received_at >= n.received_at - interval '12 months')""",
        grouped_sql=_grouped(
            _by_month_and_team(
                f"""FROM cases_partnernotification n JOIN cases_family f ON f.id = n.family_id
                    JOIN months m ON {_in_month("n.received_at AT TIME ZONE %(time_zone)s")}
                    WHERE n.status = 'matched'
                      AND EXISTS (SELECT 1 FROM cases_partnernotification p
                                  WHERE p.family_id = n.family_id AND p.status = 'matched' AND p.id <> n.id
                                    AND p.received_at < n.received_at
                                    AND p.received_at >= n.received_at - interval '12 months')""",
                "count(*)",
            )
        ),
    ),
    Kpi(
        "caseload_per_worker",
        "Families per social worker",
        "Open families per allocated social worker at the end of the month.",
        Unit.MEAN,
        Polarity.CONTEXT,
        f"""SELECT count(DISTINCT (a.case_id, a.worker_id)), count(DISTINCT a.worker_id)
            FROM cases_allocation a JOIN {CASES_IN_SCOPE} ON c.id = a.case_id
            WHERE a.discipline = 'social_work'
              AND a.start_date <= %(end)s AND (a.end_date IS NULL OR a.end_date > %(end)s)
              AND (c.closed_date IS NULL OR c.closed_date > %(end)s)""",
        grouped_sql=_grouped(
            _by_month_and_team(
                f"""FROM cases_allocation a JOIN {CASE_FAMILY} ON c.id = a.case_id
                    JOIN months m ON a.start_date <= m.period_end
                                 AND (a.end_date IS NULL OR a.end_date > m.period_end)
                                 AND (c.closed_date IS NULL OR c.closed_date > m.period_end)
                    WHERE a.discipline = 'social_work'""",
                "count(DISTINCT (a.case_id, a.worker_id))",
                "count(DISTINCT a.worker_id)",
            )
        ),
    ),
    # --- the workforce (teams.workforce; docs/workforce.md) ---------------------------------
    *WORKFORCE_KPIS,
]

BY_CODE: dict[str, Kpi] = {kpi.code: kpi for kpi in CATALOGUE}


# The children behind a KPI's numerator, for managers' drill-down (through the access policy).
DRILL_DOWN: dict[str, str] = {
    "cp_rate": f"""SELECT DISTINCT s.person_id FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
                   WHERE s.kind = 'cp_plan' AND {ACTIVE_AT_END}""",
    "cla_rate": f"""SELECT DISTINCT s.person_id FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
                    WHERE s.kind = 'looked_after' AND {ACTIVE_AT_END}""",
    "cp_starts": f"""SELECT DISTINCT s.person_id FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
                     WHERE s.kind = 'cp_plan' AND s.start_date BETWEEN %(start)s AND %(end)s""",
    "care_entries": f"""SELECT DISTINCT s.person_id FROM cases_childstatus s JOIN {CASES_IN_SCOPE} ON c.id = s.case_id
                        WHERE s.kind = 'looked_after' AND s.start_date BETWEEN %(start)s AND %(end)s
                          AND NOT EXISTS (SELECT 1 FROM cases_childstatus p WHERE p.person_id = s.person_id
                                          AND p.kind = 'looked_after' AND p.end_date = s.start_date AND p.id <> s.id)""",
}


def children_behind(
    code: str, *, period_start: dt.date, period_end: dt.date, team_id: int | None
) -> list[int]:
    sql = DRILL_DOWN[code]
    with read_connection().cursor() as cursor:
        cursor.execute(sql, {"start": period_start, "end": period_end, "team": team_id})
        return [row[0] for row in cursor.fetchall()]
