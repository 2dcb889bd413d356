"""Synthetic councils at scale: ``manage.py generate_synthetic --families N [--seed S]``.

Loads N families of realistic shape into about 15 teams of 12 workers with PostgreSQL ``COPY``
(psycopg 3 ``cursor.copy()``), a chunk of families at a time, each chunk in one transaction:

- 2-6 household members with 1-4 children; parents linked to their children (genogram);
- one case per family, referred within the last 24 months; a bounded number stay open (about
  20 per case-holding social worker) so caseloads look like a real team's at any N;
- child in need, section 47, child protection and looked-after periods that never overlap,
  review conferences, allocations (lead social worker, family practitioner, adult specialists
  allocated to a parent), warnings;
- a workbook per case with 20-100 entries across its cycles (one revision each), a group
  supervision every 4 weeks (signed off, attendance, actions) closing one cycle and opening the
  next, and the next one scheduled for open cases;
- police domestic abuse notifications, matched to families or waiting for triage;
- the chronology the services would have written for all of it.

Why not the services: they write one row at a time (about 300 rows a family), which would take
hours at 100,000 families. The rows here are the ones the services produce, the database still
checks every constraint (check, unique, exclusion, foreign key) on every row, and the
django-pghistory insert triggers still fire for ``COPY``, so change history exists as it would.

Names and addresses come from Faker (en_GB) pools drawn from the seed; NHS numbers from the 999
test range with a valid check digit (``cases.validators.synthetic_nhs_number``), never one the
database already holds. The same seed and N give the same families, people, entries and
relative dates; dates are laid out backwards from the day of generation so the data always
looks current. Ids continue from what the database holds, so the generator adds to a database
with or without the demo council; it refuses to load a second synthetic council into the same
database. It assumes nobody else writes to the database while it runs (ids are assigned here).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, TextIO

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from cases.models import (
    ChronologyKind,
    HouseholdRole,
    Person,
    RelationshipKind,
    StatusKind,
    WarningKind,
)
from cases.reference_data import CLOSURE_REASONS, CP_CATEGORIES, REFERRAL_SOURCES
from cases.validators import synthetic_nhs_number
from safeguarding.demo import workbooks as wtext
from teams.models import (
    Membership,
    Organisation,
    OrganisationKind,
    PartnerClient,
    PartnerScope,
    Service,
    Team,
    User,
)
from teams.roles import Discipline, Role, ServiceRole
from teams.services import partner_client_register
from workbook.registry import BY_SLUG

COUNCIL_NAME = "Synthetic County Council"
POLICE_NAME = "Synthetic Constabulary"
EMAIL_DOMAIN = "synthetic.example.org"
MARKER_PREFIX = "synthetic"
TEAM_COUNT = 15
SERVICE_NAMES = ("North", "Central", "South")
# (email prefix, role, count): 12 workers, as DOMAIN.md's Southampton team.
TEAM_SHAPE: list[tuple[str, Role, int]] = [
    ("tm", Role.TEAM_MANAGER, 1),
    ("atm", Role.ASSISTANT_TEAM_MANAGER, 1),
    ("ssw", Role.SENIOR_SOCIAL_WORKER, 1),
    ("sw", Role.SOCIAL_WORKER, 4),
    ("fp", Role.FAMILY_PRACTITIONER, 2),
    ("da", Role.DOMESTIC_ABUSE_SPECIALIST, 1),
    ("mh", Role.MENTAL_HEALTH_SPECIALIST, 1),
    ("su", Role.SUBSTANCE_USE_SPECIALIST, 1),
]
LEAD_ROLES = frozenset({Role.SENIOR_SOCIAL_WORKER, Role.SOCIAL_WORKER})
# People who hold a role outside any team: the operational board watching the KPIs, the
# performance analyst and the auditor (the load test signs in as the board).
SERVICE_STAFF = (
    ("board", ServiceRole.BOARD_MEMBER, "Board member", 3),
    ("analyst", ServiceRole.PERFORMANCE_ANALYST, "Performance analyst", 1),
    ("auditor", ServiceRole.AUDITOR, "Information governance auditor", 1),
)
# A social worker in a Family Safeguarding team holds about 15-25 families (DfE workforce
# census average ~16-19); the open share is capped so caseloads look real at any N.
OPEN_CASES_PER_LEAD = 20
OPEN_SHARE = 0.35
HISTORY_DAYS = 730
ENTRIES_PER_CASE = (20, 100)
FAMILIES_PER_CHUNK = 1000
NAME_POOL = 4000

CP_CODES = [code for code, _ in CP_CATEGORIES]
REFERRAL_CODES = [code for code, _ in REFERRAL_SOURCES]
CLOSURE_CODES = [code for code, _ in CLOSURE_REASONS if code not in ("RC1", "RC2")]
LEGAL_STATUSES = ["V2", "C1", "C2"]

# Entry form mix (slug, weight): case notes and visits dominate a real workbook.
FORM_WEIGHTS: list[tuple[str, int]] = [
    ("case-note", 44),
    ("statutory-visit", 22),
    ("intervention-summary", 14),
    ("family-programme", 7),
    ("family-overview", 5),
    ("adult-assessment", 4),
    ("plan", 2),
    ("assessment", 2),
]
SW_ONLY_FORMS = frozenset({"family-overview", "assessment", "plan"})
AUTHORISED_FORMS = frozenset({"assessment", "adult-assessment", "plan"})
CONTACT_TYPES = ["home_visit", "office", "phone", "group_session", "meeting"]

UTC = dt.UTC


# Columns of every table loaded, in COPY order. Generated columns (Person.search_name) and
# columns left to their database default are not listed.
COLUMNS: dict[str, tuple[str, ...]] = {
    "cases_person": (
        "id", "given_name", "family_name", "date_of_birth", "expected_date_of_birth", "sex",
        "ethnicity_code", "nhs_number", "upn", "deceased_date", "created_at",
    ),
    "cases_family": (
        "id", "name", "address_line_1", "address_line_2", "town", "postcode", "owning_team_id",
        "restricted", "created_at",
    ),
    "cases_familymember": (
        "id", "family_id", "person_id", "household_role", "start_date", "end_date",
    ),
    "cases_relationship": ("id", "from_person_id", "to_person_id", "kind", "notes"),
    "cases_case": (
        "id", "family_id", "referral_date", "referral_source", "lead_social_worker_id", "status",
        "closed_date", "closure_reason", "closure_note", "assessment_completed_date", "created_at",
    ),
    "cases_childstatus": (
        "id", "case_id", "person_id", "kind", "start_date", "end_date", "cp_initial_category",
        "cp_latest_category", "legal_status", "strategy_discussion_date", "icpc_date",
        "next_review_date", "first_core_group_date", "last_visit_date", "created_at",
    ),
    "cases_reviewconference": (
        "id", "status_id", "held_on", "due_by", "recorded_by_id", "recorded_at",
    ),
    "cases_allocation": (
        "id", "case_id", "worker_id", "discipline", "adult_id", "start_date", "end_date",
    ),
    "cases_warning": (
        "id", "family_id", "person_id", "kind", "details", "review_date", "created_by_id",
        "created_at", "ended_at", "ended_by_id",
    ),
    "workbook_workbook": ("id", "case_id", "created_at"),
    "workbook_cycle": ("id", "workbook_id", "number", "opened_on", "closed_on"),
    "workbook_entry": (
        "id", "workbook_id", "cycle_id", "form_slug", "form_version", "subject_person_id",
        "author_id", "status", "data", "version", "significant", "significant_summary",
        "corrects_id", "returned_reason", "submitted_at", "authorised_at", "authorised_by_id",
        "created_at", "updated_at", "visit_date", "child_seen", "assessment_start_date",
        "assessment_completed_date", "assessment_outcome", "plan_type", "plan_review_date",
        "dash_risk_level",
    ),
    "workbook_entryrevision": (
        "id", "entry_id", "version", "data", "saved_by_id", "saved_at", "status", "is_conflict",
        "based_on_version", "editor_token",
    ),
    "supervision_groupsupervision": (
        "id", "case_id", "cycle_id", "scheduled_for", "chair_id", "status", "record", "version",
        "updated_at", "signed_off_at", "signed_off_by_id", "overdue_notified_at", "created_at",
    ),
    "supervision_attendance": ("id", "supervision_id", "user_id", "status", "is_allocated_worker"),
    "supervision_supervisionaction": (
        "id", "supervision_id", "case_id", "description", "owner_id", "due_date", "status",
        "completed_at", "completed_by_id", "completion_note", "created_at",
    ),
    "supervision_supervisionaction_children": ("id", "supervisionaction_id", "person_id"),
    "cases_chronologyevent": (
        "id", "case_id", "person_id", "occurred_at", "kind", "summary", "significant",
        "source_model", "source_id", "recorded_by_id", "recorded_at",
    ),
    "cases_partnernotification": (
        "id", "public_id", "client_id", "organisation_id", "reference", "incident_at",
        "received_at", "dash_risk_level", "children_present", "summary", "people", "status",
        "family_id", "case_id", "match_basis", "matched_at", "matched_by_id", "triage_reason",
        "dismissal_reason", "dismissal_note", "dismissed_at", "dismissed_by_id",
    ),
}  # fmt: skip


class SyntheticError(Exception):
    """The generator cannot run as asked (bad arguments, or data already loaded)."""


def marker(families: int, seed: int) -> str:
    """What the synthetic council's organisation records about the load that made it."""
    return f"{MARKER_PREFIX}:families={families}:seed={seed}"


def loaded_marker() -> str | None:
    """The marker of the synthetic council in this database, or None when there is none or
    its load did not finish (the marker is written last)."""
    organisation = Organisation.objects.filter(name=COUNCIL_NAME).first()
    if organisation is None or not organisation.data_sharing_agreement_ref.startswith(
        MARKER_PREFIX
    ):
        return None
    return organisation.data_sharing_agreement_ref


@dataclass
class Worker:
    id: int
    role: Role
    discipline: str
    team_index: int


@dataclass
class Staff:
    teams: list[Team]
    by_team: list[dict[str, list[Worker]]]
    police: Organisation
    client: PartnerClient


@dataclass
class Progress:
    out: TextIO
    total: int
    started: float = field(default_factory=time.monotonic)
    rows: int = 0

    def report(self, done: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else 0
        self.out.write(
            f"generate_synthetic: {done:,}/{self.total:,} families, {self.rows:,} rows, "
            f"{rate:,.0f} families/s, {self.rows / elapsed:,.0f} rows/s, "
            f"{elapsed:,.0f} s elapsed, about {left:,.0f} s left\n"
        )
        self.out.flush()


class Ids:
    """Ids for the rows of each table, continuing from what the database holds."""

    def __init__(self, tables: Sequence[str]) -> None:
        self.next: dict[str, int] = {}
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT greatest(coalesce((SELECT max(id) FROM {table}), 0), "
                    f"(SELECT last_value FROM {self.sequence(table)}))"
                )
                self.next[table] = cursor.fetchone()[0] + 1

    @staticmethod
    def sequence(table: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            name: str = cursor.fetchone()[0]
        return name

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value

    def sync_sequences(self) -> None:
        """Move every sequence past the ids used, so the application's own inserts follow on."""
        with connection.cursor() as cursor:
            for table, value in self.next.items():
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, value]
                )


class History:
    """The django-pghistory insert events of the rows loaded, written set-based.

    The per-row history triggers cost about 0.3-1 ms a row (two PL/pgSQL exception blocks and
    an insert each), which alone would take hours at 100,000 families. Within each chunk's
    transaction the generator asks pgtrigger to skip the *insert history* triggers of the tables
    it loads (``pgtrigger.ignore``, a transaction-local setting; no constraint, append-only
    trigger or other session is affected) and writes the very rows those triggers would have
    written with one ``INSERT ... SELECT`` per table, all under one ``pghistory_context`` row
    that says which load made them."""

    def __init__(self, *, seed: int) -> None:
        from django.apps import apps

        self.events: dict[str, tuple[str, list[str]]] = {}
        for model in apps.get_models():
            tracked = getattr(model, "pgh_tracked_model", None)
            if tracked is None or tracked._meta.db_table not in COLUMNS:
                continue
            tracked_columns = {f.column for f in tracked._meta.concrete_fields if not f.generated}
            columns = [
                column
                for column in (f.column for f in model._meta.concrete_fields)
                if column is not None
                and column in tracked_columns
                and not column.startswith("pgh_")
            ]
            self.events[tracked._meta.db_table] = (model._meta.db_table, columns)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s "
                "AND tgrelid::regclass::text = ANY(%s)",
                ["pgtrigger_insert_insert_%", list(self.events)],
            )
            self.triggers = sorted(row[0] for row in cursor.fetchall())
            self.context_id = uuid.UUID(int=random.Random(seed).getrandbits(128), version=4)
            cursor.execute(
                "INSERT INTO pghistory_context (id, metadata, created_at, updated_at) "
                "VALUES (%s, %s, now(), now())",
                [self.context_id, json.dumps({"command": "generate_synthetic", "seed": seed})],
            )

    def defer_triggers(self, cursor: Any) -> None:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(self.triggers) + "}"]
        )

    def write(self, cursor: Any, table: str, *, first_id: int, next_id: int) -> None:
        if table not in self.events:
            return
        event_table, columns = self.events[table]
        names = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO {event_table} ({names}, pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id) "
            f"SELECT {names}, now(), 'insert', id, %s FROM {table} WHERE id >= %s AND id < %s",
            [self.context_id, first_id, next_id],
        )


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Generator:
    def __init__(self, *, families: int, seed: int, out: TextIO = sys.stderr) -> None:
        if families < 1:
            raise SyntheticError("--families must be a whole number of 1 or more")
        if seed < 0:
            raise SyntheticError("--seed must be 0 or more")
        self.families = families
        self.seed = seed
        self.out = out
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        faker = Faker("en_GB")
        faker.seed_instance(seed)
        self.girls = [faker.first_name_female() for _ in range(NAME_POOL // 4)]
        self.boys = [faker.first_name_male() for _ in range(NAME_POOL // 4)]
        self.surnames = [faker.last_name() for _ in range(NAME_POOL)]
        self.streets = [faker.street_address() for _ in range(NAME_POOL)]
        self.towns = [faker.city() for _ in range(200)]
        self.postcodes = [faker.postcode() for _ in range(NAME_POOL)]
        self.used_nhs: set[str] = set()
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}
        self.notification_number = 0
        # Seconds spent in each table's COPY, for the report at the end.
        self.seconds: dict[str, float] = {}

    # -- staff ----------------------------------------------------------------------------

    def load_staff(self) -> Staff:
        if Organisation.objects.filter(name=COUNCIL_NAME).exists():
            raise SyntheticError(
                "This database already has a synthetic council. Generate into a new database "
                "(set DATABASE_URL), or drop it and run again."
            )
        council = Organisation.objects.create(
            name=COUNCIL_NAME, kind=OrganisationKind.COUNCIL, data_sharing_agreement_ref=""
        )
        partners = {
            kind: Organisation.objects.create(
                name=f"Synthetic {label}", kind=kind, data_sharing_agreement_ref=f"DSA-SYN-{n}"
            )
            for n, (kind, label) in enumerate(
                [
                    (OrganisationKind.DOMESTIC_ABUSE_CHARITY, "Domestic Abuse Service"),
                    (OrganisationKind.NHS_TRUST, "NHS Foundation Trust"),
                    (OrganisationKind.RECOVERY_SERVICE, "Recovery Partnership"),
                ]
            )
        }
        employer_of = {
            Role.DOMESTIC_ABUSE_SPECIALIST: partners[OrganisationKind.DOMESTIC_ABUSE_CHARITY],
            Role.MENTAL_HEALTH_SPECIALIST: partners[OrganisationKind.NHS_TRUST],
            Role.SUBSTANCE_USE_SPECIALIST: partners[OrganisationKind.RECOVERY_SERVICE],
        }
        police = Organisation.objects.create(
            name=POLICE_NAME,
            kind=OrganisationKind.POLICE_FORCE,
            data_sharing_agreement_ref="DSA-SYN-POLICE",
            agreed_scopes=list(PartnerScope.values),
        )
        client, _secret = partner_client_register(
            actor=None, organisation=police, name="Records system", scopes=list(PartnerScope.values)
        )
        services = [
            Service.objects.create(
                name=f"Synthetic Family Safeguarding {name}", organisation=council
            )
            for name in SERVICE_NAMES
        ]
        start = self.today - dt.timedelta(days=HISTORY_DAYS + 30)
        teams = []
        for index in range(TEAM_COUNT):
            number = index + 1
            teams.append(
                Team.objects.create(
                    name=f"Synthetic Team {number:02d}",
                    slug=f"synthetic-{number:02d}",
                    service=services[index % len(services)],
                    office=f"{self.rng.choice(self.towns)} office",
                    contact_email=f"team{number:02d}@{EMAIL_DOMAIN}",
                    contact_phone=f"01632 960 {number:03d}",
                )
            )
        # One unusable password for everyone: nobody signs in as a synthetic worker with a
        # password (the benchmarks sign in directly), and hashing 180 passwords would be slow.
        unusable = make_password(None)
        users: list[User] = []
        shapes: list[tuple[int, Role]] = []
        for index in range(TEAM_COUNT):
            for prefix, role, count in TEAM_SHAPE:
                for n in range(1, count + 1):
                    given = self.rng.choice(self.girls + self.boys)
                    users.append(
                        User(
                            email=f"{prefix}{n}.t{index + 1:02d}@{EMAIL_DOMAIN}",
                            given_name=given,
                            family_name=self.rng.choice(self.surnames),
                            job_title=role.label,
                            employer=employer_of.get(role, council),
                            password=unusable,
                        )
                    )
                    shapes.append((index, role))
        users = User.objects.bulk_create(users)
        add_service_staff(council)
        from teams.roles import DEFAULT_DISCIPLINE

        Membership.objects.bulk_create(
            Membership(
                user=user,
                team=teams[index],
                role=role,
                discipline=DEFAULT_DISCIPLINE[role],
                start_date=start,
            )
            for user, (index, role) in zip(users, shapes, strict=True)
        )
        by_team: list[dict[str, list[Worker]]] = [{} for _ in range(TEAM_COUNT)]
        for user, (index, role) in zip(users, shapes, strict=True):
            worker = Worker(user.pk, role, DEFAULT_DISCIPLINE[role], index)
            by_team[index].setdefault(role, []).append(worker)
            if role in LEAD_ROLES:
                by_team[index].setdefault("lead", []).append(worker)
        return Staff(teams=teams, by_team=by_team, police=police, client=client)

    # -- the load ---------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        progress = Progress(out=self.out, total=self.families)
        with nullcontext():
            with transaction.atomic():
                staff = self.load_staff()
            self.used_nhs = set(
                Person.objects.exclude(nhs_number="").values_list("nhs_number", flat=True)
            )
            ids = Ids(list(COLUMNS))
            history = History(seed=self.seed)
            leads = sum(len(team["lead"]) for team in staff.by_team)
            open_target = min(round(self.families * OPEN_SHARE), leads * OPEN_CASES_PER_LEAD)
            open_seen = [0] * TEAM_COUNT
            done = 0
            while done < self.families:
                chunk = min(FAMILIES_PER_CHUNK, self.families - done)
                for i in range(done, done + chunk):
                    is_open = (i + 1) * open_target // self.families > i * open_target // (
                        self.families
                    )
                    team_index = i % TEAM_COUNT
                    lead_slot = open_seen[team_index] if is_open else None
                    if is_open:
                        open_seen[team_index] += 1
                    self.family(ids, staff, team_index, is_open=is_open, lead_slot=lead_slot)
                rows = self.flush(ids, history)
                for table, count in rows.items():
                    counts[table] += count
                progress.rows += sum(rows.values())
                with transaction.atomic():
                    ids.sync_sequences()
                done += chunk
                progress.report(done)
            Organisation.objects.filter(name=COUNCIL_NAME).update(
                data_sharing_agreement_ref=marker(self.families, self.seed)
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return counts

    def flush(self, ids: Ids, history: History) -> dict[str, int]:
        """COPY the chunk's rows, table by table in foreign-key order, in one transaction, then
        write their change history in one statement per table."""
        written = {}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            history.defer_triggers(cursor)
            raw = cursor.connection.cursor()
            for table, columns in COLUMNS.items():
                rows = self.rows[table]
                if not rows:
                    continue
                started = time.monotonic()
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in rows:
                        write(row)
                history.write(cursor, table, first_id=rows[0][0], next_id=ids.next[table])
                self.seconds[table] = self.seconds.get(table, 0.0) + time.monotonic() - started
                written[table] = len(rows)
                self.rows[table] = []
        return written

    # -- one family --------------------------------------------------------------------------

    def nhs_number(self) -> str:
        while True:
            number = synthetic_nhs_number(self.rng)
            if number not in self.used_nhs:
                self.used_nhs.add(number)
                return number

    def person(
        self, ids: Ids, surname: str, born: dt.date, sex: str, *, nhs: bool, created: dt.datetime
    ) -> tuple[int, str]:
        pid = ids.take("cases_person")
        given = self.rng.choice(self.girls if sex == "F" else self.boys)
        self.rows["cases_person"].append(
            (
                pid, given, surname, born, None, sex, self.rng.choice(["WBRI", "WOTH", "MWBC", "ABAN", "BAFR", "AOTH"]),
                self.nhs_number() if nhs else "", "", None, created,
            )
        )  # fmt: skip
        return pid, given

    def family(
        self, ids: Ids, staff: Staff, team_index: int, *, is_open: bool, lead_slot: int | None
    ) -> None:
        rng = self.rng
        today = self.today
        team = staff.teams[team_index]
        workers = staff.by_team[team_index]
        leads = workers["lead"]
        if is_open:
            referral = today - dt.timedelta(days=rng.randint(21, HISTORY_DAYS - 30))
            closed: dt.date | None = None
            lead = leads[(lead_slot or 0) % len(leads)]
        else:
            referral = today - dt.timedelta(days=rng.randint(120, HISTORY_DAYS))
            closed = referral + dt.timedelta(days=rng.randint(60, (today - referral).days - 7))
            lead = rng.choice(leads)
        last_day = closed or today
        created = _at(referral, 9)

        # Household: 1-4 children and 1-2 adults (2-6 members).
        surname = rng.choice(self.surnames)
        children_count = rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]
        adults_count = min(rng.choice([1, 2, 2]), 6 - children_count)
        family_id = ids.take("cases_family")
        self.rows["cases_family"].append(
            (
                family_id, f"The {surname} family", rng.choice(self.streets), "",
                rng.choice(self.towns), rng.choice(self.postcodes), team.pk,
                rng.random() < 0.02, created,
            )
        )  # fmt: skip
        adults: list[tuple[int, str]] = []
        for n in range(adults_count):
            sex = "F" if n == 0 else "M"
            born = referral - dt.timedelta(days=rng.randint(19 * 365, 50 * 365))
            adults.append(
                self.person(ids, surname, born, sex, nhs=rng.random() < 0.85, created=created)
            )
        children: list[tuple[int, str]] = []
        births: list[dt.date] = []
        for _ in range(children_count):
            born = referral - dt.timedelta(days=rng.randint(30, 17 * 365))
            births.append(born)
            children.append(
                self.person(ids, surname, born, rng.choice("FM"), nhs=True, created=created)
            )
        for pid, _ in adults:
            self.rows["cases_familymember"].append(
                (
                    ids.take("cases_familymember"),
                    family_id,
                    pid,
                    HouseholdRole.PARENT,
                    referral,
                    None,
                )
            )
        for pid, _ in children:
            self.rows["cases_familymember"].append(
                (
                    ids.take("cases_familymember"),
                    family_id,
                    pid,
                    HouseholdRole.CHILD,
                    referral,
                    None,
                )
            )
        for apid, _ in adults:
            for cpid, _ in children:
                self.rows["cases_relationship"].append(
                    (ids.take("cases_relationship"), apid, cpid, RelationshipKind.PARENT_OF, "")
                )
        if len(adults) == 2:
            self.rows["cases_relationship"].append(
                (ids.take("cases_relationship"), adults[0][0], adults[1][0], RelationshipKind.PARTNER_OF, "")
            )  # fmt: skip

        # The case, and the assessment that starts it.
        case_id = ids.take("cases_case")
        assessed = referral + dt.timedelta(days=rng.randint(10, 60))
        assessment_done = assessed if assessed <= last_day and assessed < today else None
        self.rows["cases_case"].append(
            (
                case_id, family_id, referral, rng.choice(REFERRAL_CODES), lead.id,
                "closed" if closed else "open", closed, rng.choice(CLOSURE_CODES) if closed else "",
                "", assessment_done, created,
            )
        )  # fmt: skip
        chronology = self.rows["cases_chronologyevent"]

        def chrono(
            day: dt.date, kind: str, summary: str, *, person: int | None = None,
            significant: bool = False, source: tuple[str, int] | None = None, by: int | None = None,
        ) -> None:  # fmt: skip
            chronology.append(
                (
                    ids.take("cases_chronologyevent"), case_id, person, _at(day, 12), kind, summary,
                    significant, source[0] if source else "", source[1] if source else None,
                    by, _at(day, 12, 5),
                )
            )  # fmt: skip

        chrono(referral, ChronologyKind.REFERRAL, "Referral received", by=lead.id)

        # Allocations: the lead from referral (after a colleague for some), a family
        # practitioner, and adult specialists allocated to a parent.
        allocations: list[tuple[Worker, dt.date, dt.date | None]] = []

        def allocate(
            worker: Worker, start: dt.date, end: dt.date | None, adult: int | None = None
        ) -> None:
            self.rows["cases_allocation"].append(
                (ids.take("cases_allocation"), case_id, worker.id, worker.discipline, adult, start, end)
            )  # fmt: skip
            allocations.append((worker, start, end))

        lead_start = referral
        if rng.random() < 0.2 and (last_day - referral).days > 60 and len(leads) > 1:
            before = rng.choice([w for w in leads if w.id != lead.id])
            handover = referral + dt.timedelta(
                days=rng.randint(20, (last_day - referral).days - 20)
            )
            allocate(before, referral, handover)
            lead_start = handover
        allocate(lead, lead_start, closed)
        for role, share in (
            (Role.FAMILY_PRACTITIONER, 0.4),
            (Role.DOMESTIC_ABUSE_SPECIALIST, 0.35),
            (Role.MENTAL_HEALTH_SPECIALIST, 0.25),
            (Role.SUBSTANCE_USE_SPECIALIST, 0.25),
        ):
            if rng.random() >= share:
                continue
            start = referral + dt.timedelta(days=rng.randint(3, 40))
            if start >= last_day:
                continue
            worker = rng.choice(workers[role])
            adult = None if role == Role.FAMILY_PRACTITIONER else rng.choice(adults)[0]
            allocate(worker, start, closed, adult)
            chrono(start, ChronologyKind.ALLOCATION, f"{role.label} allocated", by=lead.id)

        def allocated_on(day: dt.date) -> list[Worker]:
            return [w for w, s, e in allocations if s <= day and (e is None or e >= day)]

        # Statuses: never overlapping, all within the case, none in the future.
        limit = closed or today  # statuses started before this day; closed ones end on it
        journey = rng.choices(["cin", "cp", "lac", "nfa"], weights=[45, 30, 10, 15])[0]
        cp_statuses: list[tuple[int, int, dt.date, dt.date | None]] = []  # (id, person, start, end)
        managers = workers[Role.TEAM_MANAGER] + workers[Role.ASSISTANT_TEAM_MANAGER]

        def status(
            person: int, kind: str, start: dt.date, end: dt.date | None, **extra: Any
        ) -> int:
            sid = ids.take("cases_childstatus")
            self.rows["cases_childstatus"].append(
                (
                    sid, case_id, person, kind, start, end, extra.get("initial", ""),
                    extra.get("latest", ""), extra.get("legal", ""), extra.get("strategy"),
                    extra.get("icpc"), extra.get("review"), extra.get("core_group"), None,
                    _at(start, 11),
                )
            )  # fmt: skip
            chrono(start, ChronologyKind.STATUS_STARTED, f"{StatusKind(kind).label} started", person=person, by=lead.id)  # fmt: skip
            if end is not None:
                chrono(end, ChronologyKind.STATUS_ENDED, f"{StatusKind(kind).label} ended", person=person, by=lead.id)  # fmt: skip
            return sid

        if journey != "nfa" and assessment_done is not None and assessment_done < limit:
            for index, (pid, _) in enumerate(children):
                if journey == "cin" or (journey == "lac" and index > 0):
                    status(pid, StatusKind.CIN_PLAN, assessment_done, closed)
                    continue
                if journey == "lac":
                    start = assessment_done + dt.timedelta(days=rng.randint(0, 120))
                    if start < limit:
                        status(pid, StatusKind.LOOKED_AFTER, start, closed, legal=rng.choice(LEGAL_STATUSES))  # fmt: skip
                    continue
                # Child protection: a section 47 enquiry, then a plan from the conference.
                strategy = referral + dt.timedelta(days=rng.randint(1, 7))
                icpc = strategy + dt.timedelta(days=rng.randint(14, 24))
                if icpc >= limit:
                    status(pid, StatusKind.S47_ENQUIRY, strategy, closed, strategy=strategy)
                    continue
                status(pid, StatusKind.S47_ENQUIRY, strategy, icpc, strategy=strategy)
                category = rng.choice(CP_CODES)
                planned_end = icpc + dt.timedelta(days=rng.randint(120, 540))
                ends = planned_end if planned_end < limit else closed
                review_due = icpc + relativedelta(months=3)
                sid = status(
                    pid, StatusKind.CP_PLAN, icpc, ends, initial=category,
                    latest=rng.choice([category, category, rng.choice(CP_CODES)]), strategy=strategy,
                    icpc=icpc, core_group=icpc + dt.timedelta(days=rng.randint(7, 14)),
                    review=None if ends else review_due,
                )  # fmt: skip
                cp_statuses.append((sid, pid, icpc, ends))
                plan_stop = ends or today
                while review_due < plan_stop and review_due < today:
                    held = review_due + dt.timedelta(days=rng.choice([-7, -3, -1, 0, 0, 2, 9]))
                    if held >= plan_stop or held > today:
                        break
                    self.rows["cases_reviewconference"].append(
                        (
                            ids.take("cases_reviewconference"),
                            sid,
                            held,
                            review_due,
                            lead.id,
                            _at(held, 16),
                        )
                    )
                    review_due = held + relativedelta(months=6)
                if ends is not None and ends < limit:
                    status(pid, StatusKind.CIN_PLAN, ends, closed)

        # Supervisions every 4 weeks; each signed off closes one cycle and opens the next.
        interval = dt.timedelta(weeks=settings.SUPERVISION_INTERVAL_WEEKS)
        meetings: list[dt.date] = []
        day = referral + interval
        while day <= last_day and day < today:
            meetings.append(day)
            day += interval
        workbook_id = ids.take("workbook_workbook")
        self.rows["workbook_workbook"].append((workbook_id, case_id, created))
        cycle_ids: list[int] = []
        opened = referral
        for number, closes in enumerate([*meetings, None], start=1):
            cid = ids.take("workbook_cycle")
            cycle_ids.append(cid)
            self.rows["workbook_cycle"].append((cid, workbook_id, number, opened, closes))
            if closes is not None:
                opened = closes
        child_ids = [pid for pid, _ in children]
        for number, meeting in enumerate(meetings):
            self.supervision(
                ids, case_id, cycle_ids[number], meeting, rng.choice(managers),
                allocated_on(meeting), child_ids, adults, signed_off=True,
            )  # fmt: skip
            chrono(meeting, ChronologyKind.SUPERVISION, "Group supervision signed off", significant=True, by=managers[0].id)  # fmt: skip
        if closed is None:
            next_meeting = (meetings[-1] if meetings else referral) + interval
            self.supervision(
                ids, case_id, cycle_ids[-1], next_meeting, rng.choice(managers),
                allocated_on(today), child_ids, adults, signed_off=False,
            )  # fmt: skip

        # Workbook entries, spread over the case's life and filed in the cycle of their day.
        span = max((last_day - referral).days, 1)
        count = rng.randint(*ENTRIES_PER_CASE)
        days = sorted(referral + dt.timedelta(days=rng.randrange(span)) for _ in range(count))
        slugs, weights = zip(*FORM_WEIGHTS, strict=True)
        chosen = list(rng.choices(slugs, weights=weights, k=count))
        chosen[0] = "assessment"
        if count > 1:
            chosen[1] = "family-overview"
        last_visit: dict[int, dt.date] = {}
        meeting_index = 0
        for day, slug in zip(days, chosen, strict=True):
            while meeting_index < len(meetings) and meetings[meeting_index] <= day:
                meeting_index += 1
            present = allocated_on(day) or [lead]
            entry_id = self.entry(
                ids, workbook_id, cycle_ids[meeting_index], slug, day, present, lead, managers,
                children, adults, births, is_current=meeting_index == len(meetings) and closed is None,
                assessment_done=assessment_done, referral=referral, last_visit=last_visit,
            )  # fmt: skip
            if entry_id is not None and self._significant:
                chrono(day, ChronologyKind.WORKBOOK, self._significant, significant=True, source=("workbook.entry", entry_id), by=present[0].id)  # fmt: skip
        # The latest visit at which each child on a plan was seen (what entry_submit keeps).
        if cp_statuses:
            rows = self.rows["cases_childstatus"]
            for index in range(len(rows) - 1, -1, -1):
                row = rows[index]
                if row[1] != case_id:
                    break
                if row[3] == StatusKind.CP_PLAN and row[2] in last_visit:
                    seen = last_visit[row[2]]
                    if seen >= row[4] and (row[5] is None or seen <= row[5]):
                        rows[index] = (*row[:13], seen, row[14])

        # Warnings and police notifications for some families.
        if rng.random() < 0.12:
            kind = rng.choice(list(WarningKind.values))
            ended = closed is not None
            self.rows["cases_warning"].append(
                (
                    ids.take("cases_warning"), family_id, rng.choice(adults)[0], kind,
                    "Agree the visit plan with the team manager before visiting.",
                    today + dt.timedelta(days=rng.randint(-14, 120)), lead.id,
                    _at(referral + dt.timedelta(days=3), 15), _at(closed, 17) if closed is not None else None,
                    lead.id if ended else None,
                )
            )  # fmt: skip
            chrono(referral + dt.timedelta(days=3), ChronologyKind.WARNING, "Warning added", by=lead.id)  # fmt: skip
        if rng.random() < 0.2:
            for _ in range(rng.choice([1, 1, 2, 3])):
                received = referral + dt.timedelta(days=rng.randrange(span))
                nid = self.notification(staff, ids, received, adults, surname, births, family_id, case_id)  # fmt: skip
                chrono(received, ChronologyKind.PARTNER_NOTIFICATION, "Police domestic abuse notification", significant=True, source=("cases.partnernotification", nid))  # fmt: skip
        if rng.random() < 0.02:
            received = today - dt.timedelta(days=rng.randint(0, 30))
            self.notification(staff, ids, received, adults, surname, births, None, None)
        if closed is not None:
            chrono(closed, ChronologyKind.CASE_CLOSED, "Case closed", by=lead.id)

    _significant = ""

    def supervision(
        self,
        ids: Ids,
        case_id: int,
        cycle_id: int,
        day: dt.date,
        chair: Worker,
        present: list[Worker],
        children: list[int],
        adults: list[tuple[int, str]],
        *,
        signed_off: bool,
    ) -> None:
        rng = self.rng
        sid = ids.take("supervision_groupsupervision")
        names = {"parent": adults[0][1], "child": "the children", "adult": adults[0][1]}
        if signed_off:
            record = {
                "lived_experience": _fill(rng.choice(wtext.LIVED_EXPERIENCE), names),
                "working_well": _fill(rng.choice(wtext.STRENGTHS), names),
                "worried_about": _fill(rng.choice(wtext.WORRIES), names),
                "hypotheses": _fill(rng.choice(wtext.ANALYSIS), names),
                "decisions": "Continue the plan; review at the next supervision.",
                "worker_updates": {str(w.id): _fill(rng.choice(wtext.PROGRESS), names) for w in present},
                "risk": {str(c): {"scale": str(rng.randint(2, 9)), "rationale": "Agreed by the group."} for c in children},
                "readiness": {str(a): "Contemplation: thinking about change." for a, _ in adults},
            }  # fmt: skip
            self.rows["supervision_groupsupervision"].append(
                (
                    sid, case_id, cycle_id, day, chair.id, "signed_off", json.dumps(record), 3,
                    _at(day, 15), _at(day, 15), chair.id, None, _at(day - dt.timedelta(days=28), 9),
                )
            )  # fmt: skip
        else:
            self.rows["supervision_groupsupervision"].append(
                (
                    sid,
                    case_id,
                    cycle_id,
                    day,
                    chair.id,
                    "scheduled",
                    "{}",
                    1,
                    _at(day - dt.timedelta(days=28), 15),
                    None,
                    None,
                    None,
                    _at(day - dt.timedelta(days=28), 15),
                )
            )
        attendance = self.rows["supervision_attendance"]
        for worker in present:
            state = (
                ("present" if rng.random() < 0.9 else "apologies") if signed_off else "not_recorded"
            )
            attendance.append((ids.take("supervision_attendance"), sid, worker.id, state, True))
        if chair.id not in {w.id for w in present}:
            attendance.append(
                (
                    ids.take("supervision_attendance"),
                    sid,
                    chair.id,
                    "present" if signed_off else "not_recorded",
                    False,
                )
            )
        if not signed_off or not present:
            return
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            owner = rng.choice(present)
            due = day + dt.timedelta(days=rng.choice([7, 14, 21]))
            done = due < self.today - dt.timedelta(days=7) or rng.random() < 0.3
            aid = ids.take("supervision_supervisionaction")
            completed = min(due, self.today) - dt.timedelta(days=rng.randint(0, 3))
            self.rows["supervision_supervisionaction"].append(
                (
                    aid, sid, case_id, _fill(rng.choice(wtext.PLAN_ACTIONS), {"parent": adults[0][1], "child": "the children"}),
                    owner.id, due, "done" if done else "open",
                    _at(max(completed, day), 17) if done else None, owner.id if done else None,
                    "Done." if done else "", _at(day, 15),
                )
            )  # fmt: skip
            if children:
                self.rows["supervision_supervisionaction_children"].append(
                    (ids.take("supervision_supervisionaction_children"), aid, rng.choice(children))
                )

    def entry(
        self,
        ids: Ids,
        workbook_id: int,
        cycle_id: int,
        slug: str,
        day: dt.date,
        present: list[Worker],
        lead: Worker,
        managers: list[Worker],
        children: list[tuple[int, str]],
        adults: list[tuple[int, str]],
        births: list[dt.date],
        *,
        is_current: bool,
        assessment_done: dt.date | None,
        referral: dt.date,
        last_visit: dict[int, dt.date],
    ) -> int | None:
        rng = self.rng
        self._significant = ""
        social_workers = [w for w in present if w.discipline == Discipline.SOCIAL_WORK] or [lead]
        specialists = [w for w in present if w.role not in LEAD_ROLES and w.discipline not in (Discipline.SOCIAL_WORK, Discipline.FAMILY_SUPPORT)]  # fmt: skip
        if slug == "adult-assessment" and not specialists:
            slug = "case-note"
        child = rng.choice(children)
        adult = rng.choice(adults)
        names = {"parent": adult[1], "child": child[1], "adult": adult[1]}
        subject: int | None = None
        typed: dict[str, Any] = {}
        if slug in SW_ONLY_FORMS:
            author = rng.choice(social_workers)
        elif slug == "statutory-visit":
            author = rng.choice([w for w in present if w.discipline in (Discipline.SOCIAL_WORK, Discipline.FAMILY_SUPPORT)] or [lead])  # fmt: skip
        elif slug == "adult-assessment":
            author = rng.choice(specialists)
        else:
            author = rng.choice(present)
        if slug == "case-note":
            contact = rng.choice(CONTACT_TYPES)
            data: dict[str, Any] = {
                "contact_date": day.isoformat(),
                "contact_type": contact,
                "present": f"{adult[1]}, {child[1]} and me",
                "what_happened": f"{wtext.CONTACTS[contact]} {_fill(rng.choice(wtext.WHAT_HAPPENED), names)}",
                "facts": _fill(rng.choice(wtext.FACTS), names),
                "opinions": _fill(rng.choice(wtext.OPINIONS), names),
            }  # fmt: skip
            if rng.random() < 0.08:
                self._significant = _fill(rng.choice(wtext.SIGNIFICANT_SUMMARIES), names)[:200]
        elif slug == "statutory-visit":
            subject = child[0]
            seen = rng.random() < 0.9
            data = {
                "visit_date": day.isoformat(), "announced": rng.choice(["yes", "yes", "no"]),
                "child_seen": "yes" if seen else "no", "seen_alone": "yes" if seen else "",
                "bedroom_seen": "yes" if seen else "no",
                "child_views": _fill(rng.choice(wtext.CHILD_VIEWS), names) if seen else "",
                "lived_experience": _fill(rng.choice(wtext.LIVED_EXPERIENCE), names),
                "observations": _fill(rng.choice(wtext.OBSERVATIONS), names),
            }  # fmt: skip
            typed = {"visit_date": day, "child_seen": seen}
        elif slug == "intervention-summary":
            data = {
                "work_done": _fill(rng.choice(wtext.WORK_DONE[Discipline.SOCIAL_WORK]), names),
                "progress": _fill(rng.choice(wtext.PROGRESS), names),
                "analysis": _fill(rng.choice(wtext.ANALYSIS), names),
            }
        elif slug == "family-programme":
            subject = adult[0]
            data = {
                "module": str(rng.randint(1, 8)), "sessions_held": str(rng.randint(1, 4)),
                "status": rng.choice(["in_progress", "completed", "not_started"]),
                "reflections": _fill(rng.choice(wtext.REFLECTIONS), names),
                "analysis": _fill(rng.choice(wtext.PROGRAMME_ANALYSIS), names),
            }  # fmt: skip
        elif slug == "family-overview":
            data = {
                "household": f"{len(adults)} adults and {len(children)} children.",
                "family_account": rng.choice(wtext.FAMILY_ACCOUNTS),
                "strengths": _fill(rng.choice(wtext.STRENGTHS), names),
                "worries": _fill(rng.choice(wtext.WORRIES), names),
            }
        elif slug == "adult-assessment":
            subject = adult[0]
            if author.discipline == Discipline.DOMESTIC_ABUSE:
                score = rng.randint(0, 24)
                level = "high" if score >= 14 else rng.choice(["standard", "medium"])
                data = {"specialism": author.discipline, "dash_score": str(score), "risk_level": level, "analysis": rng.choice(wtext.DA_ANALYSIS)}  # fmt: skip
                typed = {"dash_risk_level": level}
            elif author.discipline == Discipline.SUBSTANCE_USE:
                data = {"specialism": author.discipline, "substances": rng.choice(wtext.SUBSTANCES), "audit_score": str(rng.randint(0, 40)), "analysis": _fill(rng.choice(wtext.SU_ANALYSIS), names)}  # fmt: skip
            else:
                data = {"specialism": author.discipline, "presenting_needs": rng.choice(wtext.MH_NEEDS), "services_involved": rng.choice(wtext.MH_SERVICES), "analysis": _fill(rng.choice(wtext.MH_ANALYSIS), names)}  # fmt: skip
        elif slug == "assessment":
            subject = child[0]
            done = assessment_done
            data = {
                "referral_date": referral.isoformat(),
                "completed_date": done.isoformat() if done else "",
                "factors": ["3B", "4B"], "analysis": rng.choice(wtext.ASSESSMENT_ANALYSIS),
                "outcome": "cin_plan" if done else "",
            }  # fmt: skip
            typed = {
                "assessment_start_date": referral,
                "assessment_completed_date": done,
                "assessment_outcome": "cin_plan" if done else "",
            }
        else:  # plan
            subject = child[0]
            plan_type = rng.choice(["cin", "cp"])
            review = day + dt.timedelta(days=rng.choice([42, 90, 180]))
            data = {
                "plan_type": plan_type,
                "outcomes": _fill(rng.choice(wtext.PLAN_OUTCOMES), names),
                "actions": _fill(rng.choice(wtext.PLAN_ACTIONS), names),
                "contingency": _fill(rng.choice(wtext.CONTINGENCIES), names),
                "next_review_date": review.isoformat(),
            }
            typed = {"plan_type": plan_type, "plan_review_date": review}
        status = "submitted"
        if is_current and rng.random() < 0.3:
            status = "draft"
        elif slug in AUTHORISED_FORMS:
            status = "authorised"
        if status == "draft":
            self._significant = ""
        elif (
            slug == "statutory-visit"
            and typed.get("child_seen")
            and subject is not None
            and day > last_visit.get(subject, dt.date.min)
        ):
            last_visit[subject] = day
        version = 1 if status == "draft" else rng.randint(2, 4)
        created = _at(day, 9, rng.randrange(60))
        saved = _at(day, 16, rng.randrange(60))
        authoriser = rng.choice(managers) if status == "authorised" else None
        body = json.dumps(data)
        eid = ids.take("workbook_entry")
        self.rows["workbook_entry"].append(
            (
                eid, workbook_id, cycle_id, slug, BY_SLUG[slug].version, subject, author.id, status,
                body, version, bool(self._significant), self._significant, None, "",
                saved if status != "draft" else None,
                _at(day + dt.timedelta(days=2), 11) if authoriser else None,
                authoriser.id if authoriser else None, created, saved,
                typed.get("visit_date"), typed.get("child_seen"), typed.get("assessment_start_date"),
                typed.get("assessment_completed_date"), typed.get("assessment_outcome", ""),
                typed.get("plan_type", ""), typed.get("plan_review_date"),
                typed.get("dash_risk_level", ""),
            )
        )  # fmt: skip
        self.rows["workbook_entryrevision"].append(
            (
                ids.take("workbook_entryrevision"),
                eid,
                version,
                body,
                author.id,
                saved,
                status,
                False,
                version - 1,
                "",
            )
        )
        return eid

    def notification(
        self,
        staff: Staff,
        ids: Ids,
        received: dt.date,
        adults: list[tuple[int, str]],
        surname: str,
        births: list[dt.date],
        family_id: int | None,
        case_id: int | None,
    ) -> int:
        rng = self.rng
        self.notification_number += 1
        nid = ids.take("cases_partnernotification")
        people = [
            {"given_name": given, "family_name": surname, "role": "victim" if n == 0 else "suspect"}
            for n, (_, given) in enumerate(adults)
        ]
        matched = family_id is not None
        at = _at(received, rng.randint(0, 23), rng.randrange(60))
        self.rows["cases_partnernotification"].append(
            (
                nid, uuid.UUID(int=rng.getrandbits(128), version=4), staff.client.pk,
                staff.police.pk, f"SYN-{self.seed}-{self.notification_number:07d}",
                at - dt.timedelta(hours=6), at, rng.choice(["standard", "standard", "medium", "high"]),
                bool(births) and rng.random() < 0.6,
                "Officers attended a reported argument at the home address.", json.dumps(people),
                "matched" if matched else "awaiting_triage", family_id, case_id,
                "nhs_number" if matched else "", at if matched else None, None,
                "" if matched else "No family matched the people named", "", "", None, None,
            )
        )  # fmt: skip
        return nid


def add_service_staff(council: Organisation) -> int:
    """The council's staff outside teams (``SERVICE_STAFF``), with fixed names so the seed's
    random stream is the same with or without them; adds only those missing. Returns how many
    were added."""
    unusable = make_password(None)
    added = 0
    for prefix, role, title, count in SERVICE_STAFF:
        for n in range(1, count + 1):
            _user, created = User.objects.get_or_create(
                email=f"{prefix}{n}@{EMAIL_DOMAIN}",
                defaults={
                    "given_name": title.split()[0],
                    "family_name": f"{n}",
                    "job_title": title,
                    "employer": council,
                    "service_role": role,
                    "password": unusable,
                },
            )
            added += created
    return added


def _fill(template: str, names: dict[str, str]) -> str:
    try:
        return template.format(**names)
    except (KeyError, IndexError):
        return template


def generate(*, families: int, seed: int, out: TextIO = sys.stderr) -> tuple[dict[str, int], float]:
    """Load the synthetic council; returns rows written per table and the seconds it took."""
    if not settings.ALLOW_DEMO_DATA:
        raise SyntheticError(
            "Synthetic data is switched off (ALLOW_DEMO_DATA=false). It must never be loaded into a live database."
        )
    started = time.monotonic()
    counts = Generator(families=families, seed=seed, out=out).run()
    return counts, time.monotonic() - started
