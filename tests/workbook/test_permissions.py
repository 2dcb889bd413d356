"""The permission matrix for the FS Workbook (STYLE.md §15), extending tests/cases/test_permissions.py.

Every team role (as a member of the family's owning team) and every service role (no
membership) x every workbook page and form x the user's relationship with the family and with
the entry, with the status code the rules expect:

- the case rules (DESIGN §5) decide who sees the family: not visible -> 404 on every page;
- a draft is its author's work in progress: anyone else gets 404, as if it did not exist;
- submitted entries are visible to everyone who sees the family;
- allocated workers write, narrowed by the form's author disciplines (DOMAIN.md, "The eight
  workbook forms"): a domestic abuse specialist starting a child and family assessment -> 403;
- only the author edits, autosaves or merges a conflict: others who see the entry get 403;
- only the author attaches files to their entry (302 back to it): others who see it get 403;
- someone's refused (conflicting) save is theirs alone: 404 to everyone else;
- managers of the owning team authorise; a correction needs the right to write that form.

Permitted answers are not always 200: the conflict page answers 409; decisions and
corrections redirect (302). Starting any form is a GET of a page with a "Start writing"
button (200): a GET never creates a draft.

The expectation is computed by ``expected_status`` from the tables below, written from
DOMAIN.md and DESIGN §5-6, never read from ``workbook/policies.py`` or the registry, so the two
can disagree and the matrix then names every cell. Each request runs in a savepoint that is
rolled back, so POSTs (and the GETs that open drafts) leave the world as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from io import BytesIO
from typing import Any

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import resolve, reverse

import workbook.views
from cases.models import Case, HouseholdRole, Person
from cases.selectors import reference_codes
from cases.services import AddressDetails, MemberSpec, allocation_start, referral_record
from teams.models import Team, User
from teams.roles import ADULT_SPECIALIST_ROLES, Role
from tests import permission_matrix
from tests.cases.test_permissions import (
    AGGREGATE_ONLY,
    ALLOCATION,
    MANAGERS,
    SERVICE_ROLES,
    SUBJECTS,
    TEAM_ROLES,
    Need,
    Situation,
    may,
    report,
    seed_reference_codes,
    sees_family,
)
from tests.factories import (
    AdultFactory,
    MembershipFactory,
    PersonFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
)
from tests.workbook.conftest import (
    REFERRAL_DATE,
    TeamCase,
    assessment_answers,
    case_note_answers,
)
from workbook.attachments import attachment_add
from workbook.models import Entry
from workbook.services import entry_save, entry_start, entry_submit

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("workbook-permission-matrix")]

POLICE = "6"  # CIN census referral source code
PDF_BYTES = b"%PDF-1.4\n% synthetic attachment\n"

# --- the role table (DOMAIN.md, "The eight workbook forms") --------------------------------------

SOCIAL_WORKERS = frozenset({Role.SENIOR_SOCIAL_WORKER, Role.SOCIAL_WORKER})
ANY_ALLOCATED = frozenset(TEAM_ROLES)
# Which allocated team roles write each form: social workers, family practitioners (family
# support) and the matching adult specialist. Managers allocate in the management discipline;
# probation and police officers are neither social workers nor the three specialists.
WRITERS: dict[str, frozenset[str]] = {
    "family-overview": SOCIAL_WORKERS,
    "intervention-summary": ANY_ALLOCATED,
    "case-note": ANY_ALLOCATED,
    "statutory-visit": SOCIAL_WORKERS | {Role.FAMILY_PRACTITIONER},
    "assessment": SOCIAL_WORKERS,
    "adult-assessment": frozenset(
        {
            Role.DOMESTIC_ABUSE_SPECIALIST,
            Role.MENTAL_HEALTH_SPECIALIST,
            Role.SUBSTANCE_USE_SPECIALIST,
        }
    ),
    "plan": SOCIAL_WORKERS,
    "family-programme": ANY_ALLOCATED,
}
# Forms about the whole family: there is nobody to choose, so opening one starts the draft.
FAMILY_FORMS = frozenset({"family-overview", "intervention-summary"})
SUBMITTED_FORM = "assessment"  # the submitted entry every family has: it needs a manager


class Target(StrEnum):
    """Whose entry an entry page is opened on."""

    NONE = "-"
    OWN_DRAFT = "their own draft"
    OTHERS_DRAFT = "the lead's draft"
    SUBMITTED = "the lead's submitted assessment"


# Team roles: allocated, a teammate, another team of the service (service managers see it),
# and a restricted family of their own team. Service roles have no team: one unrelated family.
TEAM_ROLE_SITUATIONS = [
    Situation.ALLOCATED,
    Situation.SAME_TEAM,
    Situation.SAME_SERVICE,
    Situation.RESTRICTED,
]
SERVICE_ROLE_SITUATIONS = [Situation.OTHER_SERVICE]
DRAFT_SITUATIONS = frozenset({Situation.ALLOCATED, Situation.SAME_TEAM})
FAMILY_TEAM = {
    Situation.ALLOCATED: "home",
    Situation.SAME_TEAM: "home",
    Situation.SAME_SERVICE: "sister",
    Situation.OTHER_SERVICE: "far",
    Situation.RESTRICTED: "home",
}


def situations_for(subject: str) -> list[Situation]:
    return TEAM_ROLE_SITUATIONS if subject in TEAM_ROLES else SERVICE_ROLE_SITUATIONS


def targets_for(page: str, situation: Situation) -> list[Target]:
    if page not in ENTRY_PAGES:
        return [Target.NONE]
    targets = ENTRY_PAGES[page].targets
    # Only an allocated worker can have written a draft on the family. Someone else's draft
    # is opened where the family is visible to the team; elsewhere the submitted entry's 404
    # already says the family is out of reach (and the matrix stays fast enough to run often).
    return [
        t
        for t in targets
        if (t != Target.OWN_DRAFT or situation in ALLOCATION)
        and (t != Target.OTHERS_DRAFT or situation in DRAFT_SITUATIONS)
    ]


# --- the expectation -----------------------------------------------------------------------------


def writes(subject: str, slug: str, situation: Situation) -> bool:
    return situation in ALLOCATION and subject in WRITERS[slug]


def expected_status(subject: str, page: str, situation: Situation, target: Target) -> int:
    if not sees_family(subject, situation) or target == Target.OTHERS_DRAFT:
        return 404
    if page.startswith("new:"):
        slug = page.removeprefix("new:")
        if not writes(subject, slug, situation):
            return 403
        return 200
    if page in ("entry-edit", "entry-autosave"):
        return 200 if target == Target.OWN_DRAFT else 403
    if page == "attachment-upload":
        return 302 if target == Target.OWN_DRAFT else 403
    if page == "entry-conflict":
        return 409 if target == Target.OWN_DRAFT else 404
    if page == "entry-decide":
        return 302 if may(subject, Need.MANAGE, situation) else 403
    if page == "entry-correct":
        return 302 if writes(subject, SUBMITTED_FORM, situation) else 403
    return 200  # reading: the workbook, an entry, its revisions, PDFs, attachments


# --- the world -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryTarget:
    entry_pk: int
    version: int
    conflict_pk: int
    attachment_pk: int


@dataclass
class FamilyTarget:
    family_pk: int
    entries: dict[Target, EntryTarget] = field(default_factory=dict)
    own_drafts: dict[str, EntryTarget] = field(default_factory=dict)

    def entry(self, target: Target, subject: str) -> EntryTarget:
        return self.own_drafts[subject] if target == Target.OWN_DRAFT else self.entries[target]


@dataclass
class World:
    clients: dict[str, Client]
    families: dict[Situation, FamilyTarget]


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/pdf")


def _written(
    author: User,
    case: Case,
    slug: str,
    answers: dict[str, Any],
    subject_person: Person | None = None,
    *,
    submit: bool = False,
) -> EntryTarget:
    """An entry with an attachment, one accepted save and one refused (stale) save."""
    entry = entry_start(actor=author, case=case, form_slug=slug, subject_person=subject_person)
    saved = entry_save(actor=author, entry_id=entry.pk, answers=answers, base_version=1).entry
    stale = entry_save(actor=author, entry_id=entry.pk, answers=answers, base_version=1)
    assert stale.conflict is not None
    attachment = attachment_add(actor=author, entry=saved, upload=_upload())
    if submit:
        context = {"cin_factors": reference_codes("cin_factor")}
        saved = entry_submit(actor=author, entry=saved, context=context)
    return EntryTarget(saved.pk, saved.version, stale.conflict.pk, attachment.pk)


def _build_family(
    situation: Situation, team: Team, lead: User, subjects: dict[str, User]
) -> FamilyTarget:
    child = PersonFactory.create(given_name="Ava", family_name="Matrixwood")
    parent = AdultFactory.create(given_name="Kim", family_name="Matrixwood")
    case = referral_record(
        actor=lead,
        team=team,
        family_name=f"The {situation.name.title()} family",
        address=AddressDetails(address_line_1="3 Matrix Lane", town="Testtown"),
        members=[MemberSpec(child, HouseholdRole.CHILD), MemberSpec(parent, HouseholdRole.PARENT)],
        referral_date=REFERRAL_DATE,
        referral_source=POLICE,
        lead_social_worker=lead,
        restricted=situation == Situation.RESTRICTED,
    )
    target = FamilyTarget(family_pk=case.family_id)
    target.entries[Target.OTHERS_DRAFT] = _written(lead, case, "case-note", case_note_answers())
    target.entries[Target.SUBMITTED] = _written(
        lead, case, SUBMITTED_FORM, assessment_answers(), child, submit=True
    )
    for role in TEAM_ROLES if situation in ALLOCATION else []:
        worker = subjects[role]
        adult = parent if role in ADULT_SPECIALIST_ROLES else None
        allocation_start(actor=lead, case=case, worker=worker, adult=adult)
        target.own_drafts[role] = _written(worker, case, "case-note", case_note_answers())
    return target


def build_world() -> World:
    seed_reference_codes()
    service = ServiceFactory.create()
    teams = {
        "home": TeamFactory.create(service=service),
        "sister": TeamFactory.create(service=service),
        "far": TeamFactory.create(service=ServiceFactory.create()),
    }
    leads = {
        name: MembershipFactory.create(team=team, role=Role.SOCIAL_WORKER).user
        for name, team in teams.items()
    }
    subjects: dict[str, User] = {
        role: MembershipFactory.create(team=teams["home"], role=role).user for role in TEAM_ROLES
    }
    subjects |= {role: UserFactory.create(service_role=role) for role in SERVICE_ROLES}
    families = {
        situation: _build_family(
            situation, teams[FAMILY_TEAM[situation]], leads[FAMILY_TEAM[situation]], subjects
        )
        for situation in FAMILY_TEAM
    }
    clients = {}
    for subject, user in subjects.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[subject] = client
    return World(clients=clients, families=families)


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    private_root = tmp_path_factory.mktemp("workbook-matrix-private")
    with (
        override_settings(PRIVATE_STORAGE_ROOT=private_root),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


# --- the pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPage:
    method: str
    targets: tuple[Target, ...]


FAMILY_PAGES: dict[str, str] = {
    "workbook": "workbook:workbook",
    **{f"new:{slug}": "workbook:entry-new" for slug in WRITERS},
    "chronology-pdf": "workbook:chronology-pdf",
}
ALL_ENTRIES = (Target.OWN_DRAFT, Target.OTHERS_DRAFT, Target.SUBMITTED)
ENTRY_PAGES: dict[str, EntryPage] = {
    "entry": EntryPage("GET", ALL_ENTRIES),
    "entry-edit": EntryPage("GET", ALL_ENTRIES),
    "entry-autosave": EntryPage("POST", ALL_ENTRIES),
    "entry-conflict": EntryPage("GET", ALL_ENTRIES),
    "entry-revisions": EntryPage("GET", ALL_ENTRIES),
    "entry-decide": EntryPage("POST", (Target.SUBMITTED,)),
    "entry-correct": EntryPage("POST", (Target.SUBMITTED,)),
    "entry-pdf": EntryPage("GET", ALL_ENTRIES),
    "attachment-download": EntryPage("GET", ALL_ENTRIES),
    "attachment-upload": EntryPage("POST", ALL_ENTRIES),
}
PAGES = [*FAMILY_PAGES, *ENTRY_PAGES]
# The authorisation queue answers everyone (200) and is checked by what it lists, below.
COVERED = permission_matrix.register(
    __name__,
    [
        *FAMILY_PAGES.values(),
        *(f"workbook:{page}" for page in ENTRY_PAGES),
        "workbook:authorisations",
    ],
)


@dataclass(frozen=True)
class Cell:
    subject: str
    page: str
    situation: str
    target: str
    method: str
    url: str
    data: dict[str, str]
    expected: int


def _family_request(page: str, family: FamilyTarget) -> tuple[str, dict[str, str]]:
    if page.startswith("new:"):
        return reverse(FAMILY_PAGES[page], args=[family.family_pk, page.removeprefix("new:")]), {}
    return reverse(FAMILY_PAGES[page], args=[family.family_pk]), {}


def _entry_request(page: str, entry: EntryTarget) -> tuple[str, dict[str, str]]:
    if page == "entry-conflict":
        return reverse("workbook:entry-conflict", args=[entry.entry_pk, entry.conflict_pk]), {}
    if page == "attachment-download":
        return reverse("workbook:attachment-download", args=[entry.attachment_pk]), {}
    data = {
        "entry-autosave": {
            "base_version": str(entry.version),
            "what_happened": "Autosaved by the permission matrix.",
        },
        "entry-decide": {"decision": "authorise"},
    }.get(page, {})
    return reverse(f"workbook:{page}", args=[entry.entry_pk]), data


def cells_for(world: World, page: str) -> list[Cell]:
    cells = []
    for subject in SUBJECTS:
        for situation in situations_for(subject):
            family = world.families[situation]
            for target in targets_for(page, situation):
                if target == Target.NONE:
                    method = "GET"
                    url, data = _family_request(page, family)
                else:
                    method = ENTRY_PAGES[page].method
                    url, data = _entry_request(page, family.entry(target, subject))
                cells.append(
                    Cell(
                        subject,
                        page,
                        situation.value,
                        target.value,
                        method,
                        url,
                        data,
                        expected_status(subject, page, situation, target),
                    )
                )
    return cells


def answer(world: World, cell: Cell) -> int:
    """The status code, with whatever the request wrote rolled back."""
    client = world.clients[cell.subject]
    with transaction.atomic():
        if cell.method == "POST":  # every POST carries a file: only the upload reads it
            response = client.post(cell.url, {**cell.data, "file": _upload()})
        else:
            response = client.get(cell.url)
        transaction.set_rollback(True)
    return response.status_code


def mismatches(world: World, cells: list[Cell]) -> list[str]:
    actual = [(cell, answer(world, cell)) for cell in cells]
    return [
        f"{cell.subject:<30} {cell.page:<24} {cell.situation:<45} {cell.target:<32} "
        f"expected {cell.expected} got {status}"
        for cell, status in actual
        if status != cell.expected
    ]


# --- the matrix ----------------------------------------------------------------------------------


def _unrendered_pdf(html: str, **options: Any) -> bytes:
    return b"%PDF-1.7\n% not rendered: test_pdf.py checks what a PDF holds\n"


@pytest.mark.parametrize("page", PAGES)
def test_workbook_pages_answer_as_the_role_table_says(
    world: World, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Who may download is decided before rendering; rendering the ~60 permitted PDFs would
    # add ~4 s of CPU (65 ms each, measured) to a matrix about status codes.
    monkeypatch.setattr(workbook.views, "render_pdf", _unrendered_pdf)
    cells = cells_for(world, page)

    found = mismatches(world, cells)

    assert found == [], report(found, len(cells))


def test_every_role_opens_the_authorisation_queue_and_sees_only_what_it_may_authorise(
    world: World,
) -> None:
    submitted = {
        situation: family.entries[Target.SUBMITTED].entry_pk
        for situation, family in world.families.items()
    }
    expected = {
        subject: sorted(
            pk
            for situation, pk in submitted.items()
            if sees_family(subject, situation) and may(subject, Need.MANAGE, situation)
        )
        for subject in SUBJECTS
    }
    url = reverse("workbook:authorisations")

    responses = {subject: world.clients[subject].get(url) for subject in SUBJECTS}

    assert {s: r.status_code for s, r in responses.items()} == dict.fromkeys(SUBJECTS, 200)
    listed = {s: sorted(e.pk for e in r.context["entries"]) for s, r in responses.items()}
    assert listed == expected


def test_the_matrix_covers_every_role_page_and_relationship(world: World) -> None:
    cells = [cell for page in PAGES for cell in cells_for(world, page)]

    assert {cell.subject for cell in cells} == set(Role.values) | set(SERVICE_ROLES)
    assert {cell.page.removeprefix("new:") for cell in cells} >= set(WRITERS)
    assert {cell.expected for cell in cells} == {200, 302, 403, 404, 409}
    assert {cell.target for cell in cells} == {t.value for t in Target}
    assert {cell.subject for cell in cells} >= AGGREGATE_ONLY
    assert {cell.subject for cell in cells if cell.expected == 302} >= MANAGERS
    # The pages the cells open, and the queue, are the ones registered for tests/safeguarding/
    # test_permission_matrix.py, which compares every matrix with the URL resolver.
    assert {resolve(cell.url).view_name for cell in cells} | {"workbook:authorisations"} == COVERED


def test_an_allocated_domestic_abuse_specialist_cannot_start_an_assessment(world: World) -> None:
    family = world.families[Situation.ALLOCATED]
    client = world.clients[Role.DOMESTIC_ABUSE_SPECIALIST]

    refused = client.get(reverse("workbook:entry-new", args=[family.family_pk, "assessment"]))
    allowed = client.get(reverse("workbook:entry-new", args=[family.family_pk, "adult-assessment"]))

    assert (refused.status_code, allowed.status_code) == (403, 200)


# --- decisions -----------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_a_manager_cannot_return_a_form_that_needs_no_authorisation(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    saved = entry_save(
        actor=team_case.lead, entry_id=entry.pk, answers=case_note_answers(), base_version=1
    ).entry
    submitted = entry_submit(actor=team_case.lead, entry=saved, context={})

    _client(team_case.manager).post(
        reverse("workbook:entry-decide", args=[submitted.pk]),
        {"decision": "return", "reason": "Please rewrite the second paragraph."},
    )

    submitted.refresh_from_db()
    seen_by_team = _client(team_case.practitioner).get(
        reverse("workbook:entry", args=[submitted.pk])
    )
    assert (submitted.status, seen_by_team.status_code) == ("submitted", 200)


# --- health detail in adult assessments -----------------------------------------------------------

CANARY = "CANARY-HEALTH-DETAIL"
HIDDEN_HEALTH = (
    "Only the workers allocated to this family and their managers can see health details."
)


@pytest.fixture
def health_case(team_case: TeamCase) -> tuple[TeamCase, User, User, Entry]:
    """The Carter family with a mental health specialist allocated to the mother, who has
    submitted her assessment; and a social worker of the same team who is not allocated."""
    mh_specialist = MembershipFactory.create(
        team=team_case.team, role=Role.MENTAL_HEALTH_SPECIALIST
    ).user
    teammate = MembershipFactory.create(team=team_case.team, role=Role.SOCIAL_WORKER).user
    allocation_start(
        actor=team_case.manager,
        case=team_case.case,
        worker=mh_specialist,
        adult=team_case.mother,
        start_date=REFERRAL_DATE + dt.timedelta(days=2),
    )
    entry = entry_start(
        actor=mh_specialist,
        case=team_case.case,
        form_slug="adult-assessment",
        subject_person=team_case.mother,
    )
    answers = {
        "specialism": "mental_health",
        "presenting_needs": f"{CANARY}: low mood since the birth of Noah.",
        "services_involved": "Community mental health team",
        "analysis": "Jade is engaging with her GP and the specialist.",
    }
    saved = entry_save(
        actor=mh_specialist, entry_id=entry.pk, answers=answers, base_version=entry.version
    ).entry
    submitted = entry_submit(actor=mh_specialist, entry=saved, context={})
    return team_case, mh_specialist, teammate, submitted


def test_health_detail_is_shown_to_the_allocated_workers_and_the_team_manager(
    health_case: tuple[TeamCase, User, User, Entry],
) -> None:
    tc, mh_specialist, _, entry = health_case
    url = reverse("workbook:entry", args=[entry.pk])
    readers = {
        "author": mh_specialist,
        "lead social worker": tc.lead,
        "domestic abuse specialist": tc.da_specialist,
        "team manager": tc.manager,
    }

    shown = {
        name: CANARY in _client(user).get(url).content.decode() for name, user in readers.items()
    }

    assert shown == dict.fromkeys(readers, True)


def test_health_detail_is_withheld_from_a_teammate_who_is_not_allocated(
    health_case: tuple[TeamCase, User, User, Entry],
) -> None:
    _, _, teammate, entry = health_case
    client = _client(teammate)

    page = client.get(reverse("workbook:entry", args=[entry.pk]))
    revisions = client.get(reverse("workbook:entry-revisions", args=[entry.pk]))
    pdf = client.get(reverse("workbook:entry-pdf", args=[entry.pk]))

    html = page.content.decode()
    pdf_text = _pdf_text(pdf.content)
    assert (page.status_code, revisions.status_code, pdf.status_code) == (200, 200, 200)
    assert "Jade is engaging with her GP" in html  # the entry itself is the team's to read
    assert CANARY not in html
    assert HIDDEN_HEALTH in html
    assert CANARY not in revisions.content.decode()
    assert CANARY not in pdf_text
    assert HIDDEN_HEALTH in pdf_text
