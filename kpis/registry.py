"""The KPI catalogue (DOMAIN.md, "KPI catalogue") as code: one definition per KPI, each with a
set-based SQL calculator for a calendar month and a scope (the whole service, or one team).

Every calculator is one SQL statement that returns ``(numerator, denominator)``; nothing loops
over records in Python. "At period end" means on the month's last day: a status that ceased
that day (``end_date``) no longer counts. Working days use the same England calendar as the
caseload, passed to SQL as an array of bank holidays (``fs_working_days``, migration 0002).
An allocation counts at period end while its ``end_date`` is after that day, like a status.
Percentages and rates round halves up, as published statistics do.
The scope is the family's owning team today; a family transferred between teams counts in its
current team for every month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

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

    def calculate(
        self, *, period_start: dt.date, period_end: dt.date, team_id: int | None
    ) -> Result:
        holidays = sorted(
            day
            for year in range(period_start.year - 3, period_end.year + 1)
            for day in bank_holidays(year)
        )
        params = {
            "start": period_start,
            "end": period_end,
            "team": team_id,
            "holidays": holidays,
            "cp_visit_interval": settings.CP_VISIT_INTERVAL_WORKING_DAYS,
            "supervision_days": settings.SUPERVISION_INTERVAL_WEEKS * 7,
            "time_zone": settings.TIME_ZONE,
        }
        # Raw SQL bypasses the database router: ask it which database reads use here (the
        # replica inside use_replica(), when one is configured).
        with read_connection().cursor() as cursor:
            cursor.execute(self.sql, params)
            numerator, denominator = cursor.fetchone()
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
    ),
    Kpi(
        "cp_starts",
        "Child protection plans started",
        "Child protection plans that started in the month.",
        Unit.COUNT,
        Polarity.LOWER,
        _count("s.start_date BETWEEN %(start)s AND %(end)s", "cp_plan"),
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
                -- the plan's visiting clock (cases.clocks.visit_due).
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
