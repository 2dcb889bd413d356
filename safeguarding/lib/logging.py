"""Structured logs without personal data (STYLE.md §19, docs/security.md "Logs").

Every log line is one JSON object::

    {"time": "2026-11-22T09:00:00.123Z", "level": "WARNING", "logger": "django.request",
     "message": "Not Found: families/<int:family_pk>/", "request_id": "4f0c...",
     "user_id": 42, "route": "families/<int:family_pk>/", "method": "GET", "status": 404}

A request is named by its URL *pattern* (``route``), never by its path: paths carry NHS numbers
(``/api/v1/partner/child-status/9991234561/``) and query strings carry search terms. Three
pieces keep them out:

- ``RequestLogMiddleware`` remembers the current request, so a line logged anywhere during it
  gets its id, user, route and method; and it writes one access line per request (gunicorn's
  own access log, which prints the request line with its query string, is switched off).
- ``PersonalDataFilter`` (on the handler, so it sees records from every logger) rewrites the
  records Django writes about requests: ``django.request`` ("Not Found: <path>"),
  ``django.security.*`` (messages that can echo a file name or a Referer URL), the development
  server's request lines (``django.server``) and SQL with its parameters
  (``django.db.backends``, only ever logged with ``DEBUG`` on), and Celery's task lines
  (``celery.app.trace``: task arguments, results and exception messages).
- ``JsonFormatter`` writes tracebacks with their frames and exception types but without the
  exception messages, which can echo input ("invalid literal for int(): 'Zebedee'") or stored
  values (PostgreSQL's "Key (nhs_number)=(...) already exists"). The request id ties a line to
  the request, which can be replayed with the same records on a copy when more is needed.

Request bodies, query strings and headers are never logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import traceback
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.functional import empty

from .request_id import current_request_id

access_logger = logging.getLogger("safeguarding.access")
_current_request: ContextVar[HttpRequest | None] = ContextVar("log_request", default=None)

NO_ROUTE = "<no route>"
WITHHELD = "<withheld>"
# Extra attributes a log call may pass that are written out: numbers and ids only.
EXTRA_FIELDS = ("duration_ms", "client_id")
# Celery's task log context: arguments, results and exception text can all carry data.
CELERY_WITHHELD = ("args", "kwargs", "return_value", "traceback")
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<target>\S+) (?P<protocol>HTTP/[\d.]+)$")
_URL = re.compile(r"\b(https?://[^/\s'\"]+)[^\s'\"]*")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


# --- what a request may say about itself -------------------------------------------------------


def route_of(request: HttpRequest) -> str | None:
    """The URL pattern the request matched (``families/<int:family_pk>/``), or None."""
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None else None


def signed_in_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, if something already loaded the user: logging never runs a
    query of its own (it would count against query budgets and could log recursively)."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)  # django's lazy user, read only if loaded
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    pk = getattr(wrapped, "pk", None)
    return pk if isinstance(pk, int) else None


def partner_client_id(request: HttpRequest) -> int | None:
    """The OAuth2 application a partner system's bearer token belongs to (set by DRF)."""
    application_id = getattr(request.__dict__.get("auth"), "application_id", None)
    return application_id if isinstance(application_id, int) else None


def _route_label(request: HttpRequest) -> str:
    route = route_of(request)
    if route is None:
        return NO_ROUTE
    return route or "/"


# --- middleware ----------------------------------------------------------------------------------


class RequestLogMiddleware:
    """Remember the request for log lines written during it; one access line at the end."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            access_logger.info(
                "%s %s %s in %s ms",
                request.method,
                _route_label(request),
                response.status_code,
                duration_ms,
                extra={"status_code": response.status_code, "duration_ms": duration_ms},
            )
        finally:
            _current_request.reset(token)
        return response


# --- filters -------------------------------------------------------------------------------------


def _request_of(record: logging.LogRecord) -> HttpRequest | None:
    request = getattr(record, "request", None)
    if isinstance(request, HttpRequest):
        return request
    return _current_request.get()


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id, client_id, route, method and status to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _request_of(record)
        if request is not None:
            record.request_id = getattr(request, "request_id", None) or current_request_id()
            record.user_id = signed_in_user_id(request)
            record.client_id = partner_client_id(request)
            record.route = route_of(request)
            record.method = request.method
        else:
            record.request_id = current_request_id()
            record.user_id = record.client_id = record.route = record.method = None
        record.status = getattr(record, "status_code", None)
        return True


def _without_paths(text: str, request: HttpRequest, label: str) -> str:
    """``text`` with the request's path and query string replaced by its route."""
    query = request.META.get("QUERY_STRING", "")
    for raw in sorted(
        {request.get_full_path(), request.path, request.path_info}, key=len, reverse=True
    ):
        for form in (raw, raw.encode("unicode_escape").decode("ascii")):
            if len(form) > 1 and form in text:
                text = text.replace(form, label)
    if query and query in text:
        text = text.replace(query, WITHHELD)
    return text


def _origins_only(text: str) -> str:
    """URLs reduced to their origin: a Referer's path and query can name a person."""
    return _URL.sub(r"\1", text)


def _phrase(record: logging.LogRecord) -> str:
    status = getattr(record, "status_code", None)
    try:
        return HTTPStatus(status).phrase if isinstance(status, int) else "Error"
    except ValueError:
        return "Error"


def _server_request_line(value: str) -> str:
    match = _REQUEST_LINE.match(value)
    if match is None:
        return WITHHELD
    try:
        route = resolve(urlsplit(match["target"]).path).route or "/"
    except Resolver404:
        route = NO_ROUTE
    return f"{match['method']} {route} {match['protocol']}"


class PersonalDataFilter(logging.Filter):
    """Rewrites Django's own request records so they name routes, never paths or input."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "personal_data_filtered", False):
            return True  # another handler's copy of this filter already rewrote it
        record.personal_data_filtered = True
        name = record.name
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            label = _route_label(request)
            if name == "django.request":
                record.msg, record.args = "%s: %s", (_phrase(record), label)
            elif name == "django.security.csrf":
                reason = record.args[0] if isinstance(record.args, tuple) and record.args else ""
                record.msg = "Forbidden (%s): %s"
                record.args = (_origins_only(_without_paths(str(reason), request, label)), label)
            elif name.startswith("django.security.") and name != "django.security.DisallowedHost":
                record.msg, record.args = "%s: details withheld", (name.rsplit(".", 1)[1],)
            else:
                record.msg = _without_paths(str(record.msg), request, label)
                if isinstance(record.args, tuple):
                    record.args = tuple(
                        _without_paths(arg, request, label) if isinstance(arg, str) else arg
                        for arg in record.args
                    )
        elif name == "django.server" and isinstance(record.args, tuple):
            # The development server: '"GET /search/?name=... HTTP/1.1" 200 512'.
            record.args = tuple(
                arg if not isinstance(arg, str) or arg.isdigit() else _server_request_line(arg)
                for arg in record.args
            )
        elif name == "celery.app.trace" and isinstance(record.args, Mapping):
            # "Task x[id] raised unexpected: ValueError('<input>')", and return values.
            context = dict(record.args)
            for key in CELERY_WITHHELD:
                if key in context:
                    context[key] = WITHHELD
            if "exc" in context:
                exc_type = record.exc_info[0] if record.exc_info else None
                context["exc"] = f"{_exception_name(exc_type)} (message withheld)"
            record.args = context
            record.data = None
        elif name == "django.db.backends" and hasattr(record, "duration"):
            record.msg = "(%.3f) SQL withheld; alias=%s"
            record.args = (record.duration, getattr(record, "alias", None))
            record.sql = record.params = None
        return True


# --- formatter ---------------------------------------------------------------------------------


def _exception_name(exc_type: type[BaseException] | None) -> str:
    if exc_type is None:
        return "Exception"
    module = exc_type.__module__
    qualname = exc_type.__qualname__
    return qualname if module in {"builtins", "__main__"} else f"{module}.{qualname}"


def _traceback_lines(te: traceback.TracebackException) -> list[str]:
    lines: list[str] = []
    if te.__cause__ is not None:
        lines += _traceback_lines(te.__cause__)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif te.__context__ is not None and not te.__suppress_context__:
        lines += _traceback_lines(te.__context__)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if te.stack:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(te.stack.format())
    lines.append(f"{_exception_name(te.exc_type)} (message withheld)\n")
    return lines


def format_exception_without_messages(exc_info: ExcInfo) -> str:
    """A traceback's frames and exception types, without any exception's message."""
    exc_type, value, tb = exc_info
    te = traceback.TracebackException(exc_type, value, tb)
    return "".join(_traceback_lines(te)).rstrip("\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; see the module docstring for the fields."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return format_exception_without_messages(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
            "route": getattr(record, "route", None),
            "method": getattr(record, "method", None),
            "status": getattr(record, "status", None),
        }
        for field in EXTRA_FIELDS:
            value = getattr(record, field, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                entry[field] = value
        if record.exc_info and record.exc_info[0] is not None:
            # Always ours, even if another formatter cached a traceback with messages.
            record.exc_text = self.formatException(record.exc_info)
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
