"""Browser tests for the workforce: the MI trainer records attendance for today's first course
from the training page; Northgate's team manager sees a social worker's MI embedding session
become due (4 weeks after the first course) in the team view. axe-core (WCAG 2.2 A/AA) on each
page.

The ``transaction=True`` flush empties every table after a test, so the demo teams and the
course catalogue are loaded again here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safeguarding.demo.teams import DEMO_EMAIL_DOMAIN, load_demo_teams
from teams.models import Course, PlaceStatus, SessionPlace, TrainingSession, User
from teams.workforce.catalogue import MI_FIRST_COURSE, seed_catalogue_now

from .conftest import assert_no_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRAINER = f"ssw.northgate@{DEMO_EMAIL_DOMAIN}"
MANAGER = f"tm.northgate@{DEMO_EMAIL_DOMAIN}"
WORKER = f"sw2.northgate@{DEMO_EMAIL_DOMAIN}"
ABSENT = f"fp1.northgate@{DEMO_EMAIL_DOMAIN}"


def _first_course(held_on: dt.date, *, booked: list[str], attended: list[str]) -> TrainingSession:
    session = TrainingSession.objects.create(
        course=Course.objects.get(code=MI_FIRST_COURSE),
        held_on=held_on,
        trainer=User.objects.get(email=TRAINER),
        capacity=12,
        venue="Northgate Family Centre",
    )
    for email in booked:
        SessionPlace.objects.create(
            session=session,
            user=User.objects.get(email=email),
            status=PlaceStatus.ATTENDED if email in attended else PlaceStatus.BOOKED,
        )
    return session


def test_the_trainer_records_attendance(live_server: object, page: Page) -> None:
    load_demo_teams()
    seed_catalogue_now()
    session = _first_course(timezone.localdate(), booked=[WORKER, ABSENT], attended=[])
    worker, absent = User.objects.get(email=WORKER), User.objects.get(email=ABSENT)

    sign_in(page, live_server.url, TRAINER)  # type: ignore[attr-defined]
    page.get_by_role("link", name="Training").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning and development")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Motivational Interviewing: first course,").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record attendance")
    assert_no_axe_violations(page)
    page.get_by_label(worker.get_full_name()).check()
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_text("Attendance recorded: 1 of 2 attended")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Motivational Interviewing: first course"
    )
    assert_no_axe_violations(page)
    assert dict(SessionPlace.objects.filter(session=session).values_list("user_id", "status")) == {
        worker.pk: PlaceStatus.ATTENDED,
        absent.pk: PlaceStatus.DID_NOT_ATTEND,
    }


def test_the_team_manager_sees_the_embedding_session_become_due(
    live_server: object, page: Page
) -> None:
    load_demo_teams()
    seed_catalogue_now()
    today = timezone.localdate()
    session = _first_course(today - dt.timedelta(days=27), booked=[WORKER], attended=[WORKER])
    worker = User.objects.get(email=WORKER)

    sign_in(page, live_server.url, MANAGER)  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/teams/northgate/tray/")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", level=1)).to_contain_text("what is due")
    expect(page.get_by_text("Motivational Interviewing: embedding session")).to_have_count(0)

    # The first course was four weeks ago: the embedding session is due from today.
    session.held_on = today - dt.timedelta(weeks=4)
    session.save(update_fields=["held_on"])
    page.reload()

    training = page.get_by_role("table", name="Training due")
    expect(training).to_contain_text(worker.get_full_name())
    expect(training).to_contain_text("Motivational Interviewing: embedding session")
    expect(training).to_contain_text("Due")
    assert_no_axe_violations(page)
    page.get_by_role("link", name=f"{worker.get_full_name()}").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Training record")
    expect(page.get_by_role("table").first).to_contain_text("Due")
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/teams/northgate/establishment/")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", level=1)).to_contain_text("establishment")
    assert_no_axe_violations(page)
