"""The auditor's pages: who read which record, what partner systems were sent, and reads that
need a second look. Auditors only (``policies.can_audit``); everyone else gets 403.

These pages show staff names, family references and record ids, never a record's content, so
reading them writes no ``AccessEvent``. An export is logged (ids and filter names only): the
export itself is personal data leaving the service."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from cases.audit.forms import (
    AccessEventFilterForm,
    DisclosureFilterForm,
    ObservationReadFilterForm,
    PeriodForm,
)
from cases.audit.selectors import (
    AccessEventRow,
    DisclosureRow,
    ObservationReadRow,
    access_events_for_export,
    access_events_page,
    disclosures_for_export,
    disclosures_page,
    emergency_grants_awaiting_review,
    observation_reads_for_export,
    observation_reads_page,
    unusual_access_by_user,
    unusual_access_for_user,
    unusual_period,
)
from cases.policies import can_audit
from safeguarding.lib.pages import require, signed_in_user
from teams.models import User

logger = logging.getLogger(__name__)

# Rows written to the response at a time: few enough to keep memory flat, enough to keep the
# number of writes down.
CSV_BATCH_ROWS = 500
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _auditor(request: HttpRequest) -> User:
    user = signed_in_user(request)
    require(can_audit(user))
    return user


def _render(
    request: HttpRequest, template: str, form: forms.Form, context: dict[str, Any]
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "form": form,
            "awaiting_review": emergency_grants_awaiting_review(signed_in_user(request)),
            **context,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _cursor(request: HttpRequest) -> tuple[str, str]:
    """The page asked for: rows older than ``before``, or newer than ``after``."""
    return request.GET.get("before", ""), request.GET.get("after", "")


# --- CSV -----------------------------------------------------------------------------------------


class _Echo:
    """csv.writer writes to this, and gets the line back to stream."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _csv_response(
    *, user: User, name: str, filters: list[str], header: list[str], rows: Iterable[list[Any]]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        written = 0
        batch = [writer.writerow(header)]
        for row in rows:
            batch.append(writer.writerow([_cell(value) for value in row]))
            written += 1
            if len(batch) >= CSV_BATCH_ROWS:
                yield "".join(batch)
                batch = []
        yield "".join(batch)
        logger.info("Audit export %s by user %s finished: %s rows", name, user.pk, written)

    logger.info(
        "Audit export %s by user %s started, filtered by %s",
        name,
        user.pk,
        ", ".join(filters) or "nothing",
    )
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


ACCESS_EVENT_COLUMNS = [
    "When",
    "User id",
    "Name",
    "Email",
    "Action",
    "Record type",
    "Record id",
    "Family reference",
    "Basis",
    "Request id",
]


def _access_event_line(row: AccessEventRow) -> list[Any]:
    event = row.event
    return [
        _when(event.occurred_at),
        event.user_id,
        row.user_name,
        row.user_email,
        event.action,
        event.record_type,
        event.record_id,
        row.family_reference,
        event.basis,
        event.request_id,
    ]


DISCLOSURE_COLUMNS = [
    "When",
    "Organisation id",
    "Organisation",
    "Client id",
    "Partner system",
    "Operation",
    "Scope",
    "Method",
    "Status code",
    "Purpose",
    "Request id",
]


def _disclosure_line(row: DisclosureRow) -> list[Any]:
    log = row.log
    return [
        _when(log.occurred_at),
        log.organisation_id,
        row.organisation_name,
        log.client_id,
        row.client_name,
        log.operation,
        log.scope,
        log.method,
        log.status_code,
        log.purpose,
        log.request_id,
    ]


# --- a filtered log: its page and its CSV ---------------------------------------------------------


@dataclass(frozen=True)
class _Log:
    """One of the auditor's logs: the filter form, the page template, the page and export
    selectors, and the CSV's name, header and line for a row."""

    form: type[Any]
    template: str
    page: Callable[..., Any]
    export: Callable[[Any], Iterable[Any]]
    csv_name: str
    header: list[str]
    line: Callable[[Any], list[Any]]


def _log_page(request: HttpRequest, log: _Log) -> HttpResponse:
    _auditor(request)
    form = log.form(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        before, after = _cursor(request)
        page = log.page(form.filters(), before=before, after=after)
    return _render(request, log.template, form, {"page": page})


def _log_csv(request: HttpRequest, log: _Log) -> HttpResponseBase:
    user = _auditor(request)
    form = log.form(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _render(request, log.template, form, {"page": None})
    filters = form.filters()
    return _csv_response(
        user=user,
        name=log.csv_name,
        filters=filters.used(),
        header=log.header,
        rows=map(log.line, log.export(filters)),
    )


# --- access events -------------------------------------------------------------------------------

ACCESS_EVENTS = _Log(
    form=AccessEventFilterForm,
    template="cases/audit_access.html",
    page=access_events_page,
    export=access_events_for_export,
    csv_name="access-events",
    header=ACCESS_EVENT_COLUMNS,
    line=_access_event_line,
)


@require_safe
@login_required
def access_events(request: HttpRequest) -> HttpResponse:
    return _log_page(request, ACCESS_EVENTS)


@require_safe
@login_required
def access_events_csv(request: HttpRequest) -> HttpResponseBase:
    return _log_csv(request, ACCESS_EVENTS)


# --- partner disclosures -------------------------------------------------------------------------

DISCLOSURES = _Log(
    form=DisclosureFilterForm,
    template="cases/audit_disclosures.html",
    page=disclosures_page,
    export=disclosures_for_export,
    csv_name="partner-disclosures",
    header=DISCLOSURE_COLUMNS,
    line=_disclosure_line,
)


@require_safe
@login_required
def disclosures(request: HttpRequest) -> HttpResponse:
    return _log_page(request, DISCLOSURES)


@require_safe
@login_required
def disclosures_csv(request: HttpRequest) -> HttpResponseBase:
    return _log_csv(request, DISCLOSURES)


# --- practice observation reads -----------------------------------------------------------------

OBSERVATION_READ_COLUMNS = [
    "When",
    "User id",
    "Name",
    "Email",
    "Observation id",
    "Worker id",
    "Worker",
    "Worker email",
    "Basis",
    "Request id",
]


def _observation_read_line(row: ObservationReadRow) -> list[Any]:
    event = row.event
    return [
        _when(event.occurred_at),
        event.user_id,
        row.user_name,
        row.user_email,
        event.observation_id,
        event.worker_id,
        row.worker_name,
        row.worker_email,
        event.basis,
        event.request_id,
    ]


OBSERVATION_READS = _Log(
    form=ObservationReadFilterForm,
    template="cases/audit_observations.html",
    page=observation_reads_page,
    export=observation_reads_for_export,
    csv_name="observation-reads",
    header=OBSERVATION_READ_COLUMNS,
    line=_observation_read_line,
)


@require_safe
@login_required
def observation_reads(request: HttpRequest) -> HttpResponse:
    return _log_page(request, OBSERVATION_READS)


@require_safe
@login_required
def observation_reads_csv(request: HttpRequest) -> HttpResponseBase:
    return _log_csv(request, OBSERVATION_READS)


# --- unusual access ------------------------------------------------------------------------------


def _period_form(request: HttpRequest) -> tuple[PeriodForm, tuple[dt.date, dt.date] | None]:
    """The period form (the last 30 days unless the auditor chose), and the period if valid."""
    default = unusual_period(None, None)
    date_from, date_to = default
    form = PeriodForm(request.GET or None, initial={"date_from": date_from, "date_to": date_to})
    if form.is_bound and not form.is_valid():
        return form, None
    return form, unusual_period(*form.period()) if form.is_bound else default


def _period_query(period: tuple[dt.date, dt.date] | None) -> str:
    """The period as the date inputs send it, for links that keep it."""
    if period is None:
        return ""
    return urlencode(
        {
            f"{name}_{index}": part
            for name, day in zip(("date_from", "date_to"), period, strict=True)
            for index, part in enumerate((day.day, day.month, day.year))
        }
    )


@require_safe
@login_required
def unusual_access(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    form, period = _period_form(request)
    rows = unusual_access_by_user(*period) if period else None
    return _render(
        request,
        "cases/audit_unusual.html",
        form,
        {"rows": rows, "period": period, "period_query": _period_query(period)},
    )


@require_safe
@login_required
def unusual_access_user(request: HttpRequest, user_pk: int) -> HttpResponse:
    _auditor(request)
    person = get_object_or_404(User, pk=user_pk)
    form, period = _period_form(request)
    before, after = _cursor(request)
    page = unusual_access_for_user(person, *period, before=before, after=after) if period else None
    return _render(
        request,
        "cases/audit_unusual_user.html",
        form,
        {"person": person, "page": page, "period": period, "period_query": _period_query(period)},
    )
