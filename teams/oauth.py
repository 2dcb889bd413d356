"""OAuth2 for partner systems (django-oauth-toolkit): which scopes a client may hold, and
refusing clients whose registration was revoked.

A partner client's scopes are the ones it was registered with, cut back to what its
organisation's data-sharing agreement allows today, so narrowing an agreement narrows every
token issued after it. Staff tools (authorization-code applications with no partner client)
get the ``staff`` scope only: what a staff token can read is then decided by the access policy
for the signed-in user, like the pages.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from .models import PartnerClient, PartnerScope

STAFF_SCOPE = "staff"
ALL_SCOPES: dict[str, str] = {
    **{scope.value: str(scope.label) for scope in PartnerScope},
    STAFF_SCOPE: "Act as the signed-in member of staff, through the access policy",
}


def partner_client_for(application: Any) -> PartnerClient | None:
    if application is None:
        return None
    try:
        client: PartnerClient = application.partner_client
    except PartnerClient.DoesNotExist:
        return None
    return client


class PartnerScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return ALL_SCOPES

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        client = partner_client_for(application)
        if client is None:
            return [STAFF_SCOPE]
        return sorted(client.allowed_scopes())

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        # A partner that asks for no scope gets everything its agreement allows.
        return self.get_available_scopes(application, request)


class PartnerOAuth2Validator(OAuth2Validator):
    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        client = partner_client_for(request.client)
        return client is None or client.is_active

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        # No scope at all would make a token that can do nothing: refuse it clearly instead.
        return bool(scopes) and super().validate_scopes(
            client_id, scopes, client, request, *args, **kwargs
        )
