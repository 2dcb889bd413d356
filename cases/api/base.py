"""Who is calling the API, and what each kind of caller may do.

Two kinds of caller, never mixed:
- **partner systems**: an OAuth2 access token issued to a registered ``PartnerClient`` by the
  client-credentials grant. No user. Each view declares the one scope it needs; the token must
  hold it and the organisation's data-sharing agreement must still cover it. Every call they
  make writes exactly one ``DisclosureLog`` row, whatever the outcome.
- **members of staff**: their signed-in session, or a staff token (an OAuth2 token with a user
  and the ``staff`` scope). What they can read is decided by the access policy, as on the pages,
  and every record read writes an ``AccessEvent``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from oauth2_provider.contrib.rest_framework import TokenHasScope, TokenMatchesOASRequirements
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.partners.services import disclosure_log_record
from safeguarding.lib.api import BearerTokenAuthentication, UTCMixin
from teams.models import PartnerClient, User
from teams.oauth import STAFF_SCOPE, partner_client_for

PURPOSE_HEADER = "X-Request-Purpose"
PURPOSE_PARAMETER = OpenApiParameter(
    PURPOSE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Why the partner is making this call (for example an incident or case "
    "reference and the officer's role); recorded in the council's disclosure log. Up to 200 "
    "characters.",
)


def _token(request: Request) -> Any:
    return request.auth if hasattr(request.auth, "application_id") else None


def partner_client_of(request: Request) -> PartnerClient | None:
    """The partner client behind the request's token, or None for staff and anonymous calls."""
    token = _token(request)
    if token is None or token.user_id is not None:
        return None
    return partner_client_for(token.application)


def staff_user_of(request: Request) -> User | None:
    user = request.user
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    token = _token(request)
    if token is not None and (
        partner_client_for(token.application) is not None or not token.allow_scopes([STAFF_SCOPE])
    ):
        return None
    return user


def staff_actor(request: Request) -> User:
    """The member of staff making a request that ``StaffRequired`` let through."""
    user = staff_user_of(request)
    if user is None:  # only when a view forgot StaffRequired: refuse rather than guess
        raise exceptions.NotAuthenticated()
    return user


def _require_scope(request: Request, scope: str) -> bool:
    client = partner_client_of(request)
    if client is None:
        return False
    token = _token(request)
    if scope not in client.allowed_scopes() or not token.allow_scopes([scope]):
        raise exceptions.PermissionDenied(
            f"This client's token or its organisation's data-sharing agreement does not "
            f"include the {scope} scope"
        )
    return True


class PartnerScopeRequired(TokenHasScope):
    """A live partner token holding the view's ``partner_scope``; staff are refused (403).

    A ``TokenHasScope`` so the OpenAPI schema states the scope each operation needs."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.auth is None:
            # Partner operations do not authenticate sessions, but a signed-in member of staff
            # is told the operation is not for them (403) rather than asked to sign in (401).
            if get_user(request._request).is_authenticated:
                raise exceptions.PermissionDenied("This operation is for partner systems only")
            return False  # no credentials: 401
        if partner_client_of(request) is None:
            raise exceptions.PermissionDenied("This operation is for partner systems only")
        return _require_scope(request, view.partner_scope)

    def get_scopes(self, request: Request, view: Any) -> list[str]:
        return [view.partner_scope]


class StaffRequired(TokenHasScope):
    """A member of staff, by session or staff token; partner tokens are refused (403)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.auth is None and (request.user is None or not request.user.is_authenticated):
            return False
        if staff_user_of(request) is None:
            raise exceptions.PermissionDenied("This operation is for members of staff only")
        return True

    def get_scopes(self, request: Request, view: Any) -> list[str]:
        return [STAFF_SCOPE]


class PartnerScopeOrStaff(TokenMatchesOASRequirements):
    """Either a partner holding ``partner_scope`` or a member of staff (aggregate reads)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if partner_client_of(request) is not None:
            return _require_scope(request, view.partner_scope)
        if request.auth is None and (request.user is None or not request.user.is_authenticated):
            return False
        if staff_user_of(request) is None:
            raise exceptions.PermissionDenied("Your token does not allow this operation")
        return True

    def get_required_alternate_scopes(self, request: Request, view: Any) -> dict[str, Any]:
        return {"GET": [[view.partner_scope], [STAFF_SCOPE]]}


# Partner operations authenticate by bearer token only: a browser session is never a partner.
PARTNER_AUTHENTICATION = [BearerTokenAuthentication]


class DisclosureLogMixin:
    """Writes the disclosure log row of a partner call, whatever its outcome."""

    partner_scope: str = ""
    operation: str = ""
    purpose: str = ""

    def disclosed(self, request: Request, response: Response) -> dict[str, Any]:
        """What this call disclosed to (or received from) the partner, for the log."""
        return {}

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        client = partner_client_of(request)
        if client is not None:
            stated = request.headers.get(PURPOSE_HEADER, "").strip()[:200]
            disclosure_log_record(
                client=client,
                scope=self.partner_scope,
                operation=self.operation or type(self).__name__,
                purpose=f"{self.purpose} Stated: {stated}" if stated else self.purpose,
                method=request.method or "",
                status_code=response.status_code,
                disclosed=self.disclosed(request, response) if response.status_code < 400 else {},
            )
        return response


class ApiView(UTCMixin, DisclosureLogMixin, APIView):
    """Base of every API view: UTC timestamps, and the disclosure log for partner calls."""


class ApiGenericView(UTCMixin, DisclosureLogMixin, GenericAPIView):
    """Base of list/detail API views (querysets, filters, cursor pagination)."""
