"""Who sees what on the KPI pages (DESIGN §5, §8).

- Board members and performance analysts (service roles, no membership) read every aggregate
  page: the dashboard, each KPI's page and its CSV; they never reach a person-level page.
  Every URL outside ``kpis`` and the public pages is enumerated from the URLconf, so a new
  person-level page is covered without editing this file.
- Managers drill down to the children behind a figure, but only to children in families they
  can see; the page says how many others there are without naming them.
- Small counts (1 to 4) are shown as "fewer than 5" on the aggregate pages, and every CSV
  hides them, whoever downloads it (tests/kpis/test_suppression.py). 0 and 5 are numbers.
- Refreshing is for analysts and managers, never the board; a refresh's progress and the KPI
  API are aggregates, read by every role.

The world is built once per module (and per xdist worker) through the services, inside one
outer transaction that is rolled back at the end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cases.models import Case, HouseholdRole, Person, Sex, StatusKind, WarningKind
from cases.partners.services import (
    NotificationDetails,
    NotifiedPerson,
    partner_notification_receive,
)
from cases.services import (
    AddressDetails,
    MemberSpec,
    PersonDetails,
    child_status_start,
    person_create,
    referral_record,
    warning_add,
)
from kpis.models import KpiRun, KpiSnapshot
from kpis.registry import BY_CODE, CATALOGUE, DRILL_DOWN, Unit
from kpis.services import month_end
from teams.models import (
    Course,
    Membership,
    Notification,
    PracticeObservation,
    Team,
    TrainingSession,
    User,
)
from teams.roles import Role, ServiceRole
from tests import permission_matrix
from tests.factories import (
    MembershipFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
    partner_client,
)
from workbook.attachments import attachment_add
from workbook.models import Attachment, ProgrammeModule
from workbook.reference_data import PROGRAMME_MODULES
from workbook.services import entry_save, entry_start

pytestmark = pytest.mark.django_db

POLICE = "6"  # CIN census referral source code
NEGLECT = "NEG"  # child protection category
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

# Unusual names, so a page that leaks one cannot match anything else by chance.
FAMILY_NAME = "Quillfeather"
CHILD_NAME = "Zebedee"
PARENT_NAME = "Marigold"
OTHER_FAMILY_NAME = "Brackenridge"
OTHER_CHILDREN = ("Ottoline", "Perpetua")
PERSON_NAMES = (FAMILY_NAME, CHILD_NAME, PARENT_NAME, OTHER_FAMILY_NAME, *OTHER_CHILDREN)
DASH = "\N{EN DASH}"  # an empty cell in the KPI tables

AGGREGATE_ROLES = (ServiceRole.BOARD_MEMBER, ServiceRole.PERFORMANCE_ANALYST)
# Pages anyone may open, signed in or not: not about any person. (The home page is checked
# with the other pages that take no record: it summarises the user's own work.)
PUBLIC_PAGES = frozenset(
    {
        "accessibility",
        "privacy",
        "teams:sign-in",
        "teams:sign-out",
        "teams:signed-out",
        # The second factor at sign-in (teams.mfa): a verified session is sent on from them.
        "teams:mfa-verify",
        "teams:mfa-recovery",
        "teams:mfa-set-up",
        "teams:mfa-recovery-codes",
        # The API's description and the OAuth2 endpoints for partner systems: no records.
        "api:schema",
        "api:docs",
        "oauth2_provider:token",
        "oauth2_provider:revoke-token",
    }
)
# Aggregate pages the board and analysts are meant to reach: the KPI pages and their API.
AGGREGATE_PAGES = frozenset({"api:kpis", "api:kpi-snapshots", "api:kpi-snapshots-by-code"})
permission_matrix.register(
    __name__,
    [
        "kpis:board",
        "kpis:detail",
        "kpis:csv",
        "kpis:drill-down",
        "kpis:refresh",
        "kpis:run",
        *AGGREGATE_PAGES,
    ],
)


# --- the world -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    home: Team  # the manager's team: the Quillfeather family
    far: Team  # a team in another service: the Brackenridge family
    manager: User
    lead: User
    board: User
    analyst: User
    child: Person
    other_children: tuple[Person, ...]
    cp_month: dt.date  # every child protection plan in the world started this month
    # URL keyword -> value, per namespace where two namespaces use the same keyword.
    url_values: dict[str, dict[str, int | str]]


def _seed_reference_data() -> None:
    """Code lists and programme modules come from data migrations; a transactional test
    elsewhere may have flushed them from a reused test database."""
    importlib.import_module("cases.migrations.0002_seed_reference_codes").seed(apps, None)
    ProgrammeModule.objects.bulk_create(
        [ProgrammeModule(number=number, title=title) for number, title in PROGRAMME_MODULES],
        ignore_conflicts=True,
    )


def _person(actor: User, given: str, family: str, born: dt.date) -> Person:
    return person_create(
        actor=actor,
        details=PersonDetails(
            given_name=given, family_name=family, date_of_birth=born, sex=Sex.UNKNOWN
        ),
        confirmed_new=True,
    )


def _family_on_plans(
    *,
    team: Team,
    lead: User,
    family_name: str,
    children: tuple[str, ...],
    referral_date: dt.date,
    plan_start: dt.date,
) -> tuple[Case, list[Person], Person]:
    """A referred family whose children are all on child protection plans."""
    parent = _person(lead, PARENT_NAME, family_name, dt.date(1991, 2, 3))
    kids = [_person(lead, given, family_name, dt.date(2018, 5, 6)) for given in children]
    case = referral_record(
        actor=lead,
        team=team,
        family_name=f"The {family_name} family",
        address=AddressDetails(address_line_1="3 Aggregate Lane", town="Testbury"),
        members=[
            MemberSpec(parent, HouseholdRole.PARENT),
            *(MemberSpec(kid, HouseholdRole.CHILD) for kid in kids),
        ],
        referral_date=referral_date,
        referral_source=POLICE,
        lead_social_worker=lead,
    )
    for kid in kids:
        child_status_start(
            actor=lead,
            case=case,
            person=kid,
            kind=StatusKind.CP_PLAN,
            start_date=plan_start,
            cp_category=NEGLECT,
        )
    return case, kids, parent


def build_world() -> tuple[World, list[Path]]:
    from supervision.models import PdfStatus, SupervisionPdf
    from supervision.services import action_add, supervision_record_save, supervision_schedule
    from supervision.tasks import pdf_path

    _seed_reference_data()
    today = timezone.localdate()
    referral_date = today - dt.timedelta(days=20)
    plan_start = today - dt.timedelta(days=6)
    home = TeamFactory.create(service=ServiceFactory.create())
    far = TeamFactory.create(service=ServiceFactory.create())
    manager = MembershipFactory.create(team=home, role=Role.TEAM_MANAGER).user
    lead_membership = MembershipFactory.create(team=home, role=Role.SOCIAL_WORKER)
    lead = lead_membership.user
    far_lead = MembershipFactory.create(team=far, role=Role.SOCIAL_WORKER).user
    MembershipFactory.create(team=far, role=Role.TEAM_MANAGER)

    case, (child,), _ = _family_on_plans(
        team=home,
        lead=lead,
        family_name=FAMILY_NAME,
        children=(CHILD_NAME,),
        referral_date=referral_date,
        plan_start=plan_start,
    )
    _, others, _ = _family_on_plans(
        team=far,
        lead=far_lead,
        family_name=OTHER_FAMILY_NAME,
        children=OTHER_CHILDREN,
        referral_date=referral_date,
        plan_start=plan_start,
    )
    warning = warning_add(
        actor=lead,
        case=case,
        kind=WarningKind.ANIMALS,
        details="A large dog lives at the address.",
        review_date=today + dt.timedelta(days=60),
    )

    entry = entry_start(actor=lead, case=case, form_slug="family-overview")
    saved = entry_save(
        actor=lead,
        entry_id=entry.pk,
        answers={"household": f"{PARENT_NAME} lives with {CHILD_NAME}."},
        base_version=entry.version,
    )
    # A stale save keeps the text as a conflict revision: the conflict page has a real row.
    entry_conflict = entry_save(
        actor=lead,
        entry_id=entry.pk,
        answers={"household": "Written in a second tab."},
        base_version=entry.version,
    ).conflict
    assert saved.saved
    assert entry_conflict is not None
    attachment = attachment_add(
        actor=lead, entry=entry, upload=SimpleUploadedFile("Letter.pdf", PDF_BYTES)
    )

    supervision = supervision_schedule(actor=manager, case=case, scheduled_for=today, chair=manager)
    supervision_record_save(
        actor=lead,
        supervision_id=supervision.pk,
        record={"decisions": f"{CHILD_NAME} to be seen weekly."},
        attendance={},
        base_version=supervision.version,
    )
    supervision_conflict = supervision_record_save(
        actor=lead,
        supervision_id=supervision.pk,
        record={"decisions": "Written in a second tab."},
        attendance={},
        base_version=0,
    ).conflict
    assert supervision_conflict is not None
    # The PDF task's result, so the status and download pages have a ready PDF to refuse.
    pdf = SupervisionPdf.objects.create(
        supervision=supervision,
        status=PdfStatus.DONE,
        stored_name=f"kpi-access-{supervision.pk}.pdf",
        finished_at=timezone.now(),
    )
    pdf_file = pdf_path(pdf.stored_name)
    pdf_file.parent.mkdir(parents=True, exist_ok=True)
    pdf_file.write_bytes(PDF_BYTES)
    action = action_add(
        actor=manager,
        supervision=supervision,
        description="Book the review conference",
        owner=lead,
        due_date=today + dt.timedelta(days=7),
        children=[child],
    )
    status_pk = case.child_statuses.get(person=child, kind=StatusKind.CP_PLAN).pk
    # The workforce pages (teams.workforce): a training session and an observation of the lead.
    training_session = TrainingSession.objects.create(
        course=Course.objects.get_or_create(
            code="access-world-course", defaults={"title": "Access world course", "kind": "course"}
        )[0],
        held_on=today,
        trainer=manager,
        capacity=10,
    )
    observation = PracticeObservation.objects.create(
        worker=lead,
        observer=manager,
        observed_on=today,
        context="home_visit",
        cultivating_change_talk=3,
        softening_sustain_talk=3,
        partnership=3,
        empathy=3,
        strengths="Warm and curious",
        development_points="More reflections",
    )
    notification = partner_notification_receive(
        client=partner_client()[0],
        details=NotificationDetails(
            reference="ACCESS-WORLD-1",
            incident_at=timezone.now() - dt.timedelta(days=1),
            dash_risk_level="medium",
            children_present=False,
            summary="Synthetic incident for the access world.",
            people=[NotifiedPerson("victim", "Nobody", "Known", dt.date(1990, 1, 1))],
        ),
    ).notification
    common: dict[str, int | str] = {
        "family_pk": case.family_id,
        "person_pk": child.pk,
        "allocation_pk": case.allocations.get(worker=lead).pk,
        "status_pk": status_pk,
        "warning_pk": warning.pk,
        "team_slug": home.slug,
        "membership_pk": lead_membership.pk,
        "slug": "case-note",
        "entry_pk": entry.pk,
        "attachment_pk": attachment.pk,
        "supervision_pk": supervision.pk,
        "action_pk": action.pk,
        # The lead's own notification (one user's, never anyone else's: others get 404).
        "notification_pk": Notification.objects.filter(user=lead).values_list("pk", flat=True)[0],
        "session_pk": training_session.pk,
        "observation_pk": observation.pk,
        "user_pk": lead.pk,  # the lead's own training record and observations
    }
    world = World(
        home=home,
        far=far,
        manager=manager,
        lead=lead,
        board=UserFactory.create(service_role=ServiceRole.BOARD_MEMBER),
        analyst=UserFactory.create(service_role=ServiceRole.PERFORMANCE_ANALYST),
        child=child,
        other_children=tuple(others),
        cp_month=plan_start.replace(day=1),
        url_values={
            "": common,
            "workbook": {**common, "revision_pk": entry_conflict.pk},
            "supervision": {**common, "revision_pk": supervision_conflict.pk},
            # API routes name their record "pk": which record depends on the route.
            "api:family": {"pk": case.family_id},
            "api:person": {"pk": child.pk},
            "api:case": {"pk": case.pk},
            "api:entry": {"pk": entry.pk},
            "api:entry-submit": {"pk": entry.pk},
            "api:action-complete": {"pk": action.pk},
            "api:partner-child-status": {"nhs_number": child.nhs_number or "9434765919"},
            "cases:triage-detail": {"public_id": str(notification.public_id)},
            "cases:audit-unusual-user": {"user_pk": lead.pk},
        },
    )
    stored = Path(settings.PRIVATE_STORAGE_ROOT) / attachment.stored_name[:2]
    return world, [stored / attachment.stored_name, pdf_file]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        built, files = build_world()
        yield built
        transaction.set_rollback(True)
    for path in files:  # the rolled-back attachment's file would be an orphan
        with suppress(FileNotFoundError):
            path.unlink()


def signed_in(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- every URL in the project --------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str  # namespace:name
    url: str
    takes_record: bool  # the URL names a family, person, entry, supervision, team...


def _patterns(
    patterns: list[URLPattern | URLResolver], namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the Django admin: staff only, its own login
            yield from _patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif pattern.name:
            yield namespace, pattern


def person_level_pages(world: World) -> list[Page]:
    """Every page outside the KPI pages and the public ones, with real records in its URL."""
    pages = []
    for namespace, pattern in _patterns(get_resolver().url_patterns):
        name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
        if name in PUBLIC_PAGES or name in AGGREGATE_PAGES or namespace == "kpis":
            continue
        keywords = list(pattern.pattern.converters)
        values = world.url_values.get(name, world.url_values.get(namespace, world.url_values[""]))
        missing = [k for k in keywords if k not in values]
        assert not missing, f"{name} takes {missing}: add a real record for it to the world"
        url = reverse(name, kwargs={k: values[k] for k in keywords})
        pages.append(Page(name, url, bool(keywords)))
    return pages


def _status(client: Client, url: str) -> tuple[str, int]:
    """GET, or POST (empty) when the URL only answers POST."""
    response = client.get(url)
    if response.status_code == 405:
        return "POST", client.post(url, {}).status_code
    return "GET", response.status_code


def _names_in(body: bytes, *, searched: str = "") -> list[str]:
    """Names of the world's people in a page; a search form echoes the words searched for."""
    text = body.decode(errors="replace")
    return [name for name in PERSON_NAMES if name in text and name not in searched]


def _record_links(world: World, body: bytes) -> list[str]:
    text = body.decode(errors="replace")
    values = world.url_values[""]
    links = [
        reverse("cases:family", args=[values["family_pk"]]),
        *(reverse("cases:person", args=[p.pk]) for p in (world.child, *world.other_children)),
    ]
    return [link for link in links if f'href="{link}"' in text]


def test_the_world_has_a_real_record_behind_every_person_level_url(world: World) -> None:
    """The refusals below mean something only if the same URLs answer for someone who works
    with the family: the lead social worker never gets a 404."""
    client = signed_in(world.lead)
    pages = [page for page in person_level_pages(world) if page.takes_record]
    not_found = [page.name for page in pages if client.get(page.url).status_code == 404]

    assert len(pages) >= 40
    assert not_found == []


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_are_refused_every_person_level_url(world: World, role: str) -> None:
    client = signed_in(world.board if role == ServiceRole.BOARD_MEMBER else world.analyst)
    pages = [page for page in person_level_pages(world) if page.takes_record]

    refused = [(page, *_status(client, page.url)) for page in pages]
    wrong = [
        f"{page.name:<32} {method} {page.url} -> {status}"
        for page, method, status in refused
        if status not in (403, 404)
    ]

    assert wrong == [], f"{len(wrong)} of {len(pages)} pages answered:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_see_no_person_on_any_list_or_search(world: World, role: str) -> None:
    """Pages that take no record (my caseload, search results, supervision due, the
    authorisations queue...) either refuse or show nobody; the search names the child."""
    client = signed_in(world.board if role == ServiceRole.BOARD_MEMBER else world.analyst)
    pages = [page for page in person_level_pages(world) if not page.takes_record]
    search = reverse("cases:search")
    searches = [FAMILY_NAME, f"{CHILD_NAME} {FAMILY_NAME}", OTHER_FAMILY_NAME]
    urls = [(page.url, "") for page in pages] + [
        (f"{search}?{urlencode({'name': words})}", words) for words in searches
    ]

    leaks = []
    for url, searched in urls:
        response = client.get(url)
        # 405: a POST-only action (extend the session, mark all read) shows nothing on a GET.
        if response.status_code in (403, 404, 405):
            continue
        if response.status_code != 200:
            leaks.append(f"{url} -> {response.status_code}")
        elif found := _names_in(response.content, searched=searched) + _record_links(
            world, response.content
        ):
            leaks.append(f"{url} shows {found}")

    assert {"home", "cases:caseload", "cases:search", "cases:team-caseload"} <= {
        page.name for page in person_level_pages(world)
    }
    assert leaks == []


def test_the_search_names_the_child_for_their_social_worker(world: World) -> None:
    """The control for the test above: the same search finds the child for their worker."""
    response = signed_in(world.lead).get(reverse("cases:search"), {"name": FAMILY_NAME})

    assert response.status_code == 200
    assert CHILD_NAME in response.content.decode()
    assert _record_links(world, response.content)


KPI_PAGES = ("kpis:board", "kpis:detail", "kpis:csv")


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_read_the_dashboard_every_kpi_page_and_csv(world: World, role: str) -> None:
    client = signed_in(world.board if role == ServiceRole.BOARD_MEMBER else world.analyst)
    month = timezone.localdate().replace(day=1)
    for kpi in CATALOGUE:
        _snapshot(kpi.code, month, 12)
    urls = [reverse("kpis:board")] + [
        reverse(name, args=[kpi.code]) for kpi in CATALOGUE for name in KPI_PAGES[1:]
    ]

    answers = {url: client.get(url) for url in urls}

    assert {url: r.status_code for url, r in answers.items() if r.status_code != 200} == {}
    assert all(
        answers[reverse("kpis:csv", args=[kpi.code])]["Content-Type"].startswith("text/csv")
        for kpi in CATALOGUE
    )
    assert not any(_names_in(r.content) for r in answers.values())


@pytest.mark.parametrize("code", sorted(DRILL_DOWN))
@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_are_refused_every_drill_down(world: World, role: str, code: str) -> None:
    client = signed_in(world.board if role == ServiceRole.BOARD_MEMBER else world.analyst)
    url = reverse("kpis:drill-down", args=[code])

    response = client.get(url, {"month": f"{world.cp_month:%Y-%m}"})

    assert response.status_code in (403, 404)
    assert not _names_in(response.content)


def test_the_kpi_page_offers_no_drill_down_to_the_board(world: World) -> None:
    _snapshot("cp_rate", world.cp_month, 12)

    body = signed_in(world.board).get(reverse("kpis:detail", args=["cp_rate"])).content.decode()

    assert reverse("kpis:drill-down", args=["cp_rate"]) not in body


# --- drill-down ----------------------------------------------------------------------------------


def _drill_down(world: World, code: str) -> str:
    response = signed_in(world.manager).get(
        reverse("kpis:drill-down", args=[code]), {"month": f"{world.cp_month:%Y-%m}"}
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("code", ["cp_rate", "cp_starts"])
def test_a_managers_drill_down_lists_only_the_children_they_can_see(
    world: World, code: str
) -> None:
    body = _drill_down(world, code)

    assert reverse("cases:person", args=[world.child.pk]) in body
    assert CHILD_NAME in body
    for other in world.other_children:
        assert other.given_name not in body
        assert reverse("cases:person", args=[other.pk]) not in body
    assert OTHER_FAMILY_NAME not in body
    assert "others are in families you do not work with" in body


@pytest.mark.parametrize("code", ["cp_rate", "cp_starts"])
def test_a_managers_drill_down_says_how_many_others_there_are(world: World, code: str) -> None:
    body = _drill_down(world, code)
    sentence = _text(_find(r"You can see.*?</p>", body))

    # 1 child in the manager's team, 2 in a team of another service: 3 counted, 2 others.
    assert re.search(r"\b2 others?\b|\bof (the )?3\b|\b3 children\b", sentence), sentence


def test_the_drill_down_is_for_managers_not_their_social_workers(world: World) -> None:
    response = signed_in(world.lead).get(
        reverse("kpis:drill-down", args=["cp_rate"]), {"month": f"{world.cp_month:%Y-%m}"}
    )

    assert response.status_code == 403
    assert not _names_in(response.content)


def test_the_drill_down_counts_every_child_behind_the_figure(world: World) -> None:
    """The manager's team's figure and the service's: the drill-down starts from all three."""
    from kpis.registry import children_behind

    ids = children_behind(
        "cp_rate",
        period_start=world.cp_month,
        period_end=month_end(world.cp_month),
        team_id=None,
    )

    assert set(ids) == {world.child.pk, *(c.pk for c in world.other_children)}


# --- refresh -------------------------------------------------------------------------------------


def test_the_refresh_page_is_for_analysts_and_managers_not_the_board(world: World) -> None:
    url = reverse("kpis:refresh")
    month = timezone.localdate()
    form = {
        "first_month_0": "1",
        "first_month_1": str(month.month),
        "first_month_2": str(month.year),
        "last_month_0": "1",
        "last_month_1": str(month.month),
        "last_month_2": str(month.year),
    }

    statuses = {
        "board": signed_in(world.board).get(url).status_code,
        "board posting": signed_in(world.board).post(url, form).status_code,
        "analyst": signed_in(world.analyst).get(url).status_code,
        "team manager": signed_in(world.manager).get(url).status_code,
    }

    assert statuses == {"board": 403, "board posting": 403, "analyst": 200, "team manager": 200}
    assert not KpiRun.objects.exists()


@pytest.mark.parametrize("who", ["board", "analyst", "manager", "lead"])
def test_every_role_follows_a_refresh_and_reads_the_kpi_api(world: World, who: str) -> None:
    """A refresh's progress and the published figures name no one: whoever is signed in."""
    month = timezone.localdate().replace(day=1)
    run = KpiRun.objects.create(requested_by=world.manager, first_month=month, last_month=month)
    _snapshot("cp_rate", month, 12)
    urls = [
        reverse("kpis:run", args=[run.pk]),
        reverse("api:kpis"),
        reverse("api:kpi-snapshots"),
        reverse("api:kpi-snapshots-by-code", args=["cp_rate"]),
    ]
    client = signed_in(getattr(world, who))

    answers = {url: client.get(url) for url in urls}

    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(urls, 200)
    assert not any(_names_in(r.content) for r in answers.values())


# --- small counts --------------------------------------------------------------------------------


def _snapshot(
    code: str,
    month: dt.date,
    numerator: int,
    *,
    team: Team | None = None,
    denominator: int | None = None,
) -> KpiSnapshot:
    kpi = BY_CODE[code]
    num = Decimal(numerator)
    den = Decimal(settings.CHILD_POPULATION) if kpi.unit == Unit.RATE else None
    if denominator is not None:
        den = Decimal(denominator)
    value = kpi._value(num, den)
    return KpiSnapshot.objects.create(
        kpi_code=code,
        team=team,
        period_start=month,
        period_end=month_end(month),
        numerator=num,
        denominator=den,
        value=value,
    )


class _TextOnly(HTMLParser):
    """The words on a page, without charts, scripts or styles."""

    SKIP = frozenset({"svg", "script", "style"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def _text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _numbers(text: str) -> list[Decimal]:
    found = []
    for token in re.findall(r"\d[\d,]*(?:\.\d+)?", text):
        with suppress(InvalidOperation):
            found.append(Decimal(token.replace(",", "")))
    return found


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.S)
    assert match, f"nothing matches {pattern!r}"
    return match.group(0)


def _main(body: str) -> str:
    match = re.search(r"<main\b.*?</main>", body, re.S)
    assert match, "the page has no <main>"
    return match.group(0)


def _tile(body: str, code: str) -> str:
    href = reverse("kpis:detail", args=[code])
    tiles = [t for t in _main(body).split('<li class="app-kpi-tile">') if f'href="{href}"' in t]
    assert len(tiles) == 1, f"one tile for {code}"
    return tiles[0].split("</li>")[0]


def _rows(body: str, caption_words: str) -> dict[str, list[str]]:
    """A table's body rows by their first cell, each as its cells' text."""
    match = re.search(
        rf"<table[^>]*>\s*<caption[^>]*>[^<]*{caption_words}.*?</table>", _main(body), re.S
    )
    assert match, f"no table captioned '{caption_words}'"
    rows = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", match.group(0), re.S):
        cells = [_text(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        if cells and "govuk-table__cell" in row:
            rows[cells[0]] = cells[1:]
    return rows


@dataclass(frozen=True)
class SmallCounts:
    month: dt.date
    previous: dt.date
    third: Team  # a third team, with a count of 5


@pytest.fixture
def small_counts(world: World) -> SmallCounts:
    """Children on child protection plans who started one this month: 3 in the whole service
    (12 the month before), 3 in the manager's team, 0 in the far team and 5 in a third."""
    month = timezone.localdate().replace(day=1)
    previous = month - relativedelta(months=1)
    third = TeamFactory.create(service=world.home.service, name="Lantern Family Safeguarding Team")
    _snapshot("cp_starts", previous, 12)
    _snapshot("cp_starts", month, 3)
    _snapshot("cp_starts", month, 3, team=world.home)
    _snapshot("cp_starts", month, 0, team=world.far)
    _snapshot("cp_starts", month, 5, team=third)
    return SmallCounts(month=month, previous=previous, third=third)


@pytest.mark.parametrize("role", [*AGGREGATE_ROLES, "team manager"])
def test_the_dashboard_shows_fewer_than_5_never_3(
    world: World, small_counts: SmallCounts, role: str
) -> None:
    user = {
        ServiceRole.BOARD_MEMBER.value: world.board,
        ServiceRole.PERFORMANCE_ANALYST.value: world.analyst,
    }.get(str(role), world.manager)
    body = signed_in(user).get(reverse("kpis:board")).content.decode()
    tile = _text(_tile(body, "cp_starts"))

    assert "Fewer than 5" in tile
    assert Decimal(3) not in _numbers(tile), tile


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_the_kpi_page_and_team_breakdown_show_fewer_than_5_never_3(
    world: World, small_counts: SmallCounts, role: str
) -> None:
    user = world.board if role == ServiceRole.BOARD_MEMBER else world.analyst
    body = signed_in(user).get(reverse("kpis:detail", args=["cp_starts"])).content.decode()
    months = _rows(body, "by month")
    teams = _rows(body, "by team")
    summary = _text(_find(r"In \w+ \d{4} the figure.*?</p>", body))

    assert "fewer than 5" in summary
    assert months[f"{small_counts.month:%b %Y}"] == ["fewer than 5", DASH, "fewer than 5"]
    assert [Decimal(c) for c in months[f"{small_counts.previous:%b %Y}"][::2]] == [12, 12]
    assert teams[world.home.name] == ["fewer than 5", DASH, "fewer than 5"]
    assert [Decimal(c) for c in teams[world.far.name][::2]] == [0, 0]
    assert [Decimal(c) for c in teams[small_counts.third.name][::2]] == [5, 5]
    # Team names are the factory's "... Team N": a 3 there is a name, not a figure.
    text = _text(_main(body))
    for name in Team.objects.values_list("name", flat=True):
        text = text.replace(name, "")
    assert Decimal(3) not in _numbers(text)


def test_the_kpi_page_never_compares_with_a_suppressed_previous_month(world: World) -> None:
    month = timezone.localdate().replace(day=1)
    _snapshot("cp_starts", month - relativedelta(months=1), 3)
    _snapshot("cp_starts", month, 12)

    body = signed_in(world.board).get(reverse("kpis:detail", args=["cp_starts"])).content.decode()

    assert Decimal(3) not in _numbers(_text(_main(body)))


def test_the_dashboard_trend_line_leaves_a_gap_for_a_suppressed_month(world: World) -> None:
    _snapshot("cp_starts", timezone.localdate().replace(day=1), 3)

    tile = _tile(signed_in(world.board).get(reverse("kpis:board")).content.decode(), "cp_starts")
    svg = _find(r"<svg.*?</svg>", tile)

    assert "<circle" not in svg
    assert "<polyline" not in svg
    assert "3.3" not in svg


@pytest.mark.parametrize("count", [0, 5])
def test_counts_of_0_and_5_are_numbers_everywhere(world: World, count: int) -> None:
    month = timezone.localdate().replace(day=1)
    _snapshot("care_entries", month, count)
    _snapshot("care_entries", month, count, team=world.home)
    client = signed_in(world.board)

    tile = _text(_tile(client.get(reverse("kpis:board")).content.decode(), "care_entries"))
    detail = client.get(reverse("kpis:detail", args=["care_entries"])).content.decode()
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("kpis:csv", args=["care_entries"])).content.decode())
        )
    )

    assert "ewer than 5" not in tile
    assert Decimal(count) in _numbers(tile)
    assert [Decimal(c) for c in _rows(detail, "by month")[f"{month:%b %Y}"][::2]] == [count] * 2
    assert [Decimal(c) for c in _rows(detail, "by team")[world.home.name][::2]] == [count] * 2
    assert [(r[3], r[5]) for r in rows[1:]] == [(f"{count}.00", f"{count}.0000")] * 2


def _csv(client: Client, code: str) -> dict[tuple[str, str], dict[str, str]]:
    response = client.get(reverse("kpis:csv", args=[code]))
    assert response.status_code == 200
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    return {(row["scope"], row["month"]): row for row in reader}


def test_the_boards_csv_hides_small_counts(world: World, small_counts: SmallCounts) -> None:
    rows = _csv(signed_in(world.board), "cp_starts")
    month, previous = f"{small_counts.month:%Y-%m}", f"{small_counts.previous:%Y-%m}"

    assert rows[("Whole service", month)]["numerator"] == "fewer than 5"
    assert rows[("Whole service", month)]["value"] == "suppressed"
    assert rows[(world.home.name, month)]["numerator"] == "fewer than 5"
    assert rows[(world.home.name, month)]["value"] == "suppressed"
    assert Decimal(rows[("Whole service", previous)]["numerator"]) == 12
    assert Decimal(rows[(world.far.name, month)]["numerator"]) == 0
    assert Decimal(rows[(world.far.name, month)]["value"]) == 0
    assert Decimal(rows[(small_counts.third.name, month)]["numerator"]) == 5
    assert Decimal(rows[(small_counts.third.name, month)]["value"]) == 5
    assert all(Decimal(3) not in _numbers(",".join(row.values())[:40]) for row in rows.values())


def test_the_analysts_csv_hides_small_counts_as_their_pages_do(
    world: World, small_counts: SmallCounts
) -> None:
    """Analysts see aggregates only (DESIGN §5): their CSV used to have the numbers their
    pages hide."""
    rows = _csv(signed_in(world.analyst), "cp_starts")
    month = f"{small_counts.month:%Y-%m}"

    for scope in ("Whole service", world.home.name):
        assert rows[(scope, month)]["numerator"] == "fewer than 5"
        assert rows[(scope, month)]["value"] == "suppressed"
    assert Decimal(rows[(world.far.name, month)]["numerator"]) == 0
    assert Decimal(rows[(small_counts.third.name, month)]["numerator"]) == 5


def test_the_boards_csv_hides_a_small_rate_and_a_small_denominator(world: World) -> None:
    """A rate from 3 children, and a percentage of 3 plans: both could identify a child."""
    month = timezone.localdate().replace(day=1)
    _snapshot("cp_rate", month, 3)
    _snapshot("cp_repeat", month, 1, denominator=3)

    rate = _csv(signed_in(world.board), "cp_rate")[("Whole service", f"{month:%Y-%m}")]
    repeat = _csv(signed_in(world.board), "cp_repeat")[("Whole service", f"{month:%Y-%m}")]

    assert (rate["numerator"], rate["value"]) == ("fewer than 5", "suppressed")
    assert (repeat["numerator"], repeat["denominator"], repeat["value"]) == (
        "fewer than 5",
        "fewer than 5",
        "suppressed",
    )


def test_no_membership_for_the_aggregate_roles(world: World) -> None:
    """The board member and the analyst are service roles with no team at all."""
    assert not Membership.objects.filter(user__in=[world.board, world.analyst]).exists()
    assert Attachment.objects.exists()  # the world is whole
