"""Load test: a realistic mix of staff on a running system (docs/scaling.md).

Run it with ``make loadtest`` (loadtest/run.py), which finds the logins, refuses any target that
is not this machine, runs Locust headless for a bounded time and prints the summary.

Three kinds of simulated user, in the proportions of a Family Safeguarding service:

- practitioners (weight 7): their caseload, a family's page and Workbook, their work tray, and
  now and then a case note written and submitted through the real form;
- managers (weight 2): the supervision list, a supervision's agenda and record, the team's
  caseload and the authorisation queue;
- the operational board (weight 1): the KPI dashboard, a KPI's page, its CSV and the KPI API.

Each simulated user signs in once, through the sign-in form and the second factor (a code
computed from the shared authenticator key of the demo and synthetic accounts), with CSRF
tokens taken from the pages as a browser would. Logins come from the CSV file named by
``LOADTEST_USERS`` (``email,profile`` rows, as ``manage.py loadtest_logins`` prints).

This file imports nothing from the project: Locust (gevent) runs in its own process.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from hashlib import sha1
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import gevent
from locust import HttpUser, between, events, task
from locust.clients import ResponseContextManager
from locust.exception import StopUser

DEMO_TOTP_KEY = "FAMILYSAFEGUARDINGDEMOCOUNCIL234"  # README, "Demo logins"
TOTP_STEP_SECONDS = 30
SIGN_IN_ATTEMPTS = 3


def _env(name: str, default: str) -> str:
    """An environment value; empty counts as unset (a copied .env.example leaves blanks)."""
    return os.environ.get(name) or default


PASSWORD = _env("LOADTEST_PASSWORD", "Safeguarding-demo-2026")
TOTP_KEY = base64.b32decode(_env("LOADTEST_TOTP_KEY", DEMO_TOTP_KEY))
# The service's TIME_ZONE: what "today" is for a note's date of contact.
SERVICE_TIME_ZONE = ZoneInfo(_env("LOADTEST_TIME_ZONE", "Europe/London"))
# Think time between one action and the next, in seconds.
WAIT_MIN = float(_env("LOADTEST_WAIT_MIN", "2"))
WAIT_MAX = float(_env("LOADTEST_WAIT_MAX", "8"))

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN_INPUT = r'name="{}"[^>]*value="([^"]*)"'
FAMILY_LINK = re.compile(r'href="/families/(\d+)/"')
SUPERVISION_LINK = re.compile(r'href="/supervision/(\d+)/"')
TEAM_CASELOAD_LINK = re.compile(r'href="/teams/([\w-]+)/caseload/"')
KPI_LINK = re.compile(r'href="/kpis/([a-z0-9_]+)/"')
ERROR_SUMMARY = "govuk-error-summary"


# --- Logins and sign-in codes -------------------------------------------------------------------


def _load_logins() -> dict[str, list[str]]:
    path = _env("LOADTEST_USERS", "")
    if not path:
        return {}
    logins: dict[str, list[str]] = {}
    with Path(path).open(newline="") as file:
        for row in csv.DictReader(file):
            logins.setdefault(row["profile"].strip(), []).append(row["email"].strip())
    return logins


LOGINS = _load_logins()
_next_login: dict[str, Iterator[str]] = {
    profile: itertools.cycle(emails) for profile, emails in LOGINS.items()
}
# The last code step each login used in this process: a code is accepted once only
# (django-otp), so a second simulated user on the same login waits for the next step.
_last_step: dict[str, int] = {}


@events.test_start.add_listener
def _check_logins(environment: Any, **kwargs: Any) -> None:
    wanted = {
        user_class.profile
        for user_class in environment.user_classes
        if getattr(user_class, "profile", "")
    }
    missing = sorted(wanted - set(LOGINS))
    if missing:
        raise SystemExit(
            f"No logins for {', '.join(missing)}: set LOADTEST_USERS to a CSV of email,profile "
            "(make loadtest writes one with manage.py loadtest_logins)."
        )


# --- Steady-state figures ------------------------------------------------------------------------
# Locust's own totals include each simulated user's one sign-in, which is deliberately slow
# (PBKDF2) and happens in a burst while users start. The figures people ask about ("p95 under
# 500 ms") are for the work after signing in: kept here and written to LOADTEST_SUMMARY.

SIGN_IN_REQUESTS = frozenset({"sign in", "sign in: code"})
_work_times: list[float] = []
_work_errors: list[str] = []
_work_window: list[float] = []  # first and last request times


@events.request.add_listener
def _record_work(
    name: str, response_time: float, exception: BaseException | None, **kwargs: Any
) -> None:
    if name in SIGN_IN_REQUESTS:
        return
    now = time.time()
    if not _work_window:
        _work_window.append(now)
    _work_window[1:] = [now]
    _work_times.append(response_time)
    if exception is not None:
        _work_errors.append(f"{name}: {exception}")


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return 0.0
    rank = max(1, int(-(-fraction * len(ordered) // 1)))
    return ordered[rank - 1]


@events.test_stop.add_listener
def _write_work_summary(environment: Any, **kwargs: Any) -> None:
    path = _env("LOADTEST_SUMMARY", "")
    if not path:
        return
    ordered = sorted(_work_times)
    seconds = (_work_window[-1] - _work_window[0]) if len(_work_window) > 1 else 0.0
    Path(path).write_text(
        json.dumps(
            {
                "requests": len(ordered),
                "errors": len(_work_errors),
                "error_examples": _work_errors[:10],
                "seconds": round(seconds, 1),
                "rps": round(len(ordered) / seconds, 2) if seconds else 0.0,
                "p50_ms": round(_percentile(ordered, 0.50)),
                "p95_ms": round(_percentile(ordered, 0.95)),
                "p99_ms": round(_percentile(ordered, 0.99)),
                "max_ms": round(ordered[-1]) if ordered else 0,
            },
            indent=2,
        )
    )


def totp(key: bytes, step: int, digits: int = 6) -> str:
    """RFC 6238 (SHA-1, 30-second steps), as authenticator apps and django-otp compute it."""
    digest = hmac.new(key, struct.pack(">Q", step), sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def _claim_code(email: str) -> str:
    """The first code this login has not used yet, waiting for the next step if need be."""
    now_step = int(time.time()) // TOTP_STEP_SECONDS
    step = max(now_step, _last_step.get(email, -1) + 1)
    _last_step[email] = step
    wait = step * TOTP_STEP_SECONDS - time.time()
    if wait > 0:
        gevent.sleep(wait + 0.5)
    return totp(TOTP_KEY, step)


# --- Users ------------------------------------------------------------------------------------


def _field(html: str, name: str) -> str:
    match = re.search(HIDDEN_INPUT.format(re.escape(name)), html)
    return unescape(match.group(1)) if match else ""


class StaffUser(HttpUser):
    abstract = True
    profile = ""
    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self) -> None:
        self.email = next(_next_login[self.profile])
        self.sign_in()

    # Requests ----------------------------------------------------------------------------------

    @contextmanager
    def page(self, path: str, name: str, **kwargs: Any) -> Iterator[ResponseContextManager]:
        """GET a page; a failure unless it answers 200 and is still the signed-in page asked for
        (a lost session lands on the sign-in page with 200)."""
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif urlsplit(response.url or "").path.startswith("/sign-in"):
                response.failure("signed out")
            yield response

    def post_form(self, path: str, data: dict[str, str], name: str) -> ResponseContextManager:
        return self.client.post(
            path,
            data=data,
            name=name,
            headers={"Referer": f"{self.host}{path}"},
            catch_response=True,
        )

    # Signing in -----------------------------------------------------------------------------------

    def sign_in(self) -> None:
        with self.client.get("/sign-in/", name="sign in", catch_response=True) as page:
            token = CSRF_INPUT.search(page.text or "")
            if page.status_code != 200 or token is None:
                page.failure("no sign-in form")
                raise StopUser
        with self.post_form(
            "/sign-in/",
            {"csrfmiddlewaretoken": token.group(1), "username": self.email, "password": PASSWORD},
            "sign in",
        ) as answer:
            if "/sign-in/verify/" not in (answer.url or ""):
                answer.failure("password refused")
                raise StopUser
            verify_url = answer.url
            html = answer.text or ""
        for attempt in range(SIGN_IN_ATTEMPTS):
            code = _claim_code(self.email)
            token = CSRF_INPUT.search(html)
            with self.post_form(
                verify_url,
                {
                    "csrfmiddlewaretoken": token.group(1) if token else "",
                    "next": _field(html, "next"),
                    "code": code,
                },
                "sign in: code",
            ) as answer:
                if "/sign-in/" not in urlsplit(answer.url or "").path and answer.ok:
                    return
                html = answer.text or ""
                if attempt + 1 < SIGN_IN_ATTEMPTS:
                    # Another sign-in (outside this run) used this step's code: try the next.
                    answer.success()
                else:
                    answer.failure("code refused")
        raise StopUser


class Practitioner(StaffUser):
    """Social workers, family practitioners and adult specialists."""

    weight = 7
    profile = "practitioner"

    def on_start(self) -> None:
        super().on_start()
        self.families: list[str] = []
        self.caseload()

    @task(4)
    def caseload(self) -> None:
        with self.page("/caseload/", "/caseload/") as response:
            found = sorted(set(FAMILY_LINK.findall(response.text or "")))
            if found:
                self.families = found

    def _family(self) -> str | None:
        return random.choice(self.families) if self.families else None  # noqa: S311

    @task(4)
    def family(self) -> None:
        if (family := self._family()) is not None:
            with self.page(f"/families/{family}/", "/families/[id]/"):
                pass

    @task(2)
    def workbook(self) -> None:
        if (family := self._family()) is not None:
            with self.page(f"/families/{family}/workbook/", "/families/[id]/workbook/"):
                pass

    @task(2)
    def tray(self) -> None:
        with self.page("/tray/", "/tray/"):
            pass

    @task(1)
    def write_case_note(self) -> None:
        """Start a case note about the whole family, fill it in and submit it."""
        family = self._family()
        if family is None:
            return
        start = f"/families/{family}/workbook/new/case-note/"
        with self.page(start, "/families/[id]/workbook/new/case-note/") as response:
            html = response.text or ""
        token = CSRF_INPUT.search(html)
        if token is None:
            return
        with self.post_form(
            start,
            {"csrfmiddlewaretoken": token.group(1), "subject_person": ""},
            "/families/[id]/workbook/new/case-note/",
        ) as started:
            if "/edit/" not in (started.url or ""):
                started.failure(f"no draft opened (status {started.status_code})")
                return
            edit_path = urlsplit(started.url).path
            html = started.text or ""
        # The service's calendar (settings.TIME_ZONE) decides what "not in the future" means.
        today = dt.datetime.now(SERVICE_TIME_ZONE).date()
        answers = {
            "csrfmiddlewaretoken": _field(html, "csrfmiddlewaretoken"),
            "base_version": _field(html, "base_version"),
            "editor_token": _field(html, "editor_token"),
            "contact_date_0": str(today.day),
            "contact_date_1": str(today.month),
            "contact_date_2": str(today.year),
            "contact_type": random.choice(["home_visit", "phone", "office"]),  # noqa: S311
            "present": "Load test: the parents and the practitioner",
            "what_happened": "Load test note. A planned contact to review progress against the "
            "plan; the family engaged and the next steps were agreed.",
            "statement_1": "The parents said the weekly routine is now in place.",
            "statement_1_kind": "fact",
            "action": "submit",
        }
        with self.post_form(edit_path, answers, "/workbook/entries/[id]/edit/ (submit)") as saved:
            if saved.status_code != 200 or ERROR_SUMMARY in (saved.text or ""):
                saved.failure(f"note not submitted (status {saved.status_code})")
            elif "/edit/" in urlsplit(saved.url or "").path:
                saved.failure("still on the edit page")


class Manager(StaffUser):
    """Team managers and assistant team managers."""

    weight = 2
    profile = "manager"

    def on_start(self) -> None:
        super().on_start()
        self.supervisions: list[str] = []
        self.team_slugs: list[str] = []
        self.supervision_list()
        with self.page("/caseload/", "/caseload/") as response:
            self.team_slugs = sorted(set(TEAM_CASELOAD_LINK.findall(response.text or "")))

    @task(3)
    def supervision_list(self) -> None:
        with self.page("/supervision/", "/supervision/") as response:
            found = sorted(set(SUPERVISION_LINK.findall(response.text or "")))
            if found:
                self.supervisions = found

    @task(3)
    def supervision(self) -> None:
        if self.supervisions:
            pk = random.choice(self.supervisions)  # noqa: S311
            with self.page(f"/supervision/{pk}/", "/supervision/[id]/"):
                pass

    @task(2)
    def team_caseload(self) -> None:
        if self.team_slugs:
            slug = random.choice(self.team_slugs)  # noqa: S311
            with self.page(f"/teams/{slug}/caseload/", "/teams/[slug]/caseload/"):
                pass

    @task(1)
    def authorisations(self) -> None:
        with self.page("/workbook/authorisations/", "/workbook/authorisations/"):
            pass


class Board(StaffUser):
    """Operational board members and performance analysts: aggregates only."""

    weight = 1
    profile = "board"

    def on_start(self) -> None:
        super().on_start()
        self.kpi_codes: list[str] = []
        self.dashboard()

    @task(4)
    def dashboard(self) -> None:
        with self.page("/kpis/", "/kpis/") as response:
            found = sorted(set(KPI_LINK.findall(response.text or "")) - {"refresh"})
            if found:
                self.kpi_codes = found

    @task(3)
    def kpi(self) -> None:
        if self.kpi_codes:
            code = random.choice(self.kpi_codes)  # noqa: S311
            with self.page(f"/kpis/{code}/", "/kpis/[code]/"):
                pass

    @task(1)
    def kpi_csv(self) -> None:
        if self.kpi_codes:
            code = random.choice(self.kpi_codes)  # noqa: S311
            with self.page(f"/kpis/{code}/snapshots.csv", "/kpis/[code]/snapshots.csv"):
                pass

    @task(1)
    def kpi_api(self) -> None:
        if self.kpi_codes:
            code = random.choice(self.kpi_codes)  # noqa: S311
            with self.page(
                "/api/v1/kpis/snapshots/",
                "/api/v1/kpis/snapshots/",
                params={"kpi": code, "team": "service"},
            ):
                pass
