"""API conventions shared by every endpoint under ``/api/v1/`` (DESIGN §9).

- One error body for every 4xx and 5xx, from DRF views and from Django alike::

      {"status": 404, "code": "not_found", "title": "Not found",
       "detail": "...", "errors": {"field": ["..."]}, "request_id": "..."}

- Timestamps are ISO 8601 in UTC (``2026-11-22T09:00:00Z``), whatever the council's zone.
- Cursor pagination: ``page_size`` up to 100, ``next``/``previous`` links.
- Throttling per client: a partner system, or a member of staff (429 with ``Retry-After``).
- Request bodies over ``API_MAX_BODY_BYTES`` are refused with 413 before they are read.
- Bearer tokens are checked without reading the body, so who is calling is always known
  before the body is parsed (``BearerTokenAuthentication``).

- Every operation documents its errors with ``error_response`` (the one error body, with an
  example); ``STAFF_ERRORS`` are those every staff operation shares.

Imports no app: the partner and staff permissions, and the disclosure log every partner call
writes, live in ``cases.api.base`` beside the models they read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from .request_id import current_request_id

API_PREFIX = "/api/"
NON_FIELD_ERRORS = "non_field_errors"  # DRF's default NON_FIELD_ERRORS_KEY

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    428: "Precondition required",
    429: "Too many requests",
    500: "Server error",
}
CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "request_too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "throttled",
    500: "server_error",
}


def error_body(
    status_code: int,
    detail: str,
    *,
    code: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": status_code,
        "code": code or CODES.get(status_code, "error"),
        "title": TITLES.get(status_code, "Error"),
        "detail": detail,
        "request_id": current_request_id(),
    }
    if errors:
        body["errors"] = errors
    return body


def _flatten(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structures as ``{"field.sub": ["message", ...]}``, with list items
    as ``people[0].nhs_number`` and a nested serializer's own errors (``people`` must not be
    empty) under its field name."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, int):  # a ListSerializer's errors, by item index
                name = f"{prefix}[{key}]"
            elif prefix and key == NON_FIELD_ERRORS:
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            out[prefix or NON_FIELD_ERRORS] = [str(item) for item in data]
        else:
            for index, item in enumerate(data):
                for field, messages in _flatten(item, f"{prefix}[{index}]").items():
                    out.setdefault(field, []).extend(messages)
    else:
        out[prefix or NON_FIELD_ERRORS] = [str(data)]
    return out


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record changed since you read it"
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "If-Match does not match the record's current ETag"
    default_code = "precondition_failed"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, then the body reshaped to the one error format."""
    # Imported here: rest_framework.views reads the throttle setting, which names this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, ValidationError):
        # A service's Django ValidationError is a 400 with its messages, never a 500.
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(data)
        response.data = error_body(
            response.status_code,
            "The request has errors: see errors for each field",
            code="invalid",
            errors=errors,
        )
    else:
        message = data.get("detail", "") if isinstance(data, dict) else str(data)
        code = getattr(message, "code", None) if message else None
        response.data = error_body(
            response.status_code,
            str(message) or TITLES.get(response.status_code, "Error"),
            code=code if code and code != "error" else None,
        )
    return response


def json_error(request: HttpRequest, status_code: int, detail: str) -> JsonResponse:
    return JsonResponse(error_body(status_code, detail), status=status_code)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class ApiBodyLimitMiddleware:
    """Refuse API request bodies over the limit with 413 before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return json_error(request, 400, "Content-Length is not a number")
            if length > settings.API_MAX_BODY_BYTES:
                return json_error(
                    request,
                    413,
                    f"The request body is {length} bytes; the limit is "
                    f"{settings.API_MAX_BODY_BYTES} bytes",
                )
        return self.get_response(request)


class _WithoutBody:
    """A request as django-oauth-toolkit sees it when it checks a bearer token: the address
    and headers, and no body parameters."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self.POST = QueryDict()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


class BearerTokenAuthentication(OAuth2Authentication):
    """django-oauth-toolkit's bearer token authentication, leaving the body to the view.

    The toolkit looks for OAuth parameters in ``request.POST``, which on a DRF request parses
    the JSON body during authentication: a malformed body then answered 400 before the caller
    was known, so a call with no token got 400 rather than 401, a staff token on a partner
    operation 400 rather than 403, and a partner's call was missing from the disclosure log.
    (Django's own ``POST`` is no better: a multipart body with no boundary is an HTML 400.)
    The API takes JSON only, so a token comes in the Authorization header, never the body."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        without_body = _WithoutBody(request._request)
        result = super().authenticate(without_body)
        # Why a token failed, for the WWW-Authenticate header DRF builds from the request.
        error = without_body.__dict__.get("oauth2_error", {})
        request._request.oauth2_error = error  # type: ignore[attr-defined]
        return result


class UTCMixin:
    """Render every timestamp of the response in UTC (ISO 8601 with ``Z``)."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with timezone.override(dt.UTC):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ApiCursorPagination(CursorPagination):
    """Cursor pages in the view's ``ordering`` (``-pk`` when it declares none).

    DRF's CursorPagination only reads ``ordering`` from itself or an OrderingFilter, so a view's
    own ``ordering`` was silently ignored; here it wins. Its first field positions the cursor,
    so it should be unique or nearly so."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-pk"

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None)
        if not ordering:
            return super().get_ordering(request, queryset, view)
        fields = (ordering,) if isinstance(ordering, str) else tuple(ordering)
        assert not any("__" in field for field in fields), "cursor ordering needs plain fields"
        return fields

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as error:
            # A cursor is a query parameter: a bad one is a 400 for that field, as every other
            # bad parameter is, not DRF's 404, which a client would read as a missing resource.
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Use the next or previous address of a page you read"]}
            ) from error

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """DRF's page schema, described, with example links of this API rather than DRF's."""
        page: dict[str, Any] = super().get_paginated_response_schema(schema)
        links = page["properties"]
        links["next"]["description"] = "The next page's address, or null on the last page."
        links["next"]["example"] = (
            "https://safeguarding.example.org/api/v1/kpis/snapshots/?cursor=cD0yMDI2LTEwLTAx"
        )
        links["previous"]["description"] = "The previous page's address, or null on the first."
        links["previous"]["example"] = None
        return page


class ClientRateThrottle(SimpleRateThrottle):
    """One bucket per partner client (OAuth2 application) or per member of staff."""

    scope = "client"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        application_id = getattr(token, "application_id", None)
        if application_id is not None and getattr(token, "user_id", None) is None:
            ident = f"app-{application_id}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Send If-Match with the ETag you read, so a stale update cannot overwrite a newer one"
    )
    default_code = "precondition_required"


def etag_for(*parts: object) -> str:
    """A strong ETag from the parts that change when the resource does (e.g. pk and version)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def check_if_match(request: Request, current_etag: str) -> None:
    """``If-Match`` must be present on an update and name the current ETag."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired()
    tags = {tag.strip() for tag in header.split(",")}
    if "*" not in tags and current_etag not in tags:
        raise PreconditionFailed()


def api_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse | None:
    """Django's own 400s (a body it cannot parse, a suspicious request) in the error format."""
    if is_api_request(request):
        return json_error(request, 400, "The request could not be read: check its body and headers")
    return None


def api_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse | None:
    if is_api_request(request):
        return json_error(request, 404, "There is no API resource at this address")
    return None


def api_500(request: HttpRequest) -> HttpResponse | None:
    if is_api_request(request):
        return json_error(request, 500, "Something went wrong; quote the request id to support")
    return None


# --- documentation shared by every operation -------------------------------------------------


class ErrorSerializer(serializers.Serializer[Any]):
    status = serializers.IntegerField(help_text="The HTTP status code.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `invalid`.")
    title = serializers.CharField()
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    # The error body's field, not a serializer's own ``errors``: this one is only documented.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For validation errors: the messages for each field (`people[0].nhs_number`).",
    )
    request_id = serializers.CharField(help_text="Quote this to the council's service desk.")


def error_response(description: str, status_code: int, detail: str) -> OpenApiResponse:
    """A documented error response with an example of the one error body."""
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(
                f"{status_code}",
                value={
                    "status": status_code,
                    "code": CODES[status_code],
                    "title": TITLES[status_code],
                    "detail": detail,
                    "request_id": "3f1c2a9e0b7d4c55a6e8f0d1b2c3a4e5",
                },
            )
        ],
    )


STAFF_ERRORS = {
    401: error_response(
        "No session and no token, or an expired or revoked token.",
        401,
        "Authentication credentials were not provided.",
    ),
    403: error_response(
        "A partner system's token, or a token without the `staff` scope: these operations are "
        "for members of staff only.",
        403,
        "This operation is for members of staff only",
    ),
    429: error_response(
        "Too many requests from this member of staff: wait for Retry-After seconds.",
        429,
        "Request was throttled. Expected available in 12 seconds.",
    ),
}
