"""Multi-factor authentication: every member of staff proves a second factor at sign-in.

The password step signs the user in (Django's session); django-otp then marks the session
*verified* when the user enters a code from their authenticator app (TOTP) or one of their
recovery codes (``django_otp.login``). Until then ``SecondFactorMiddleware`` sends every request
of that session to the verification page, or to set-up when the user has no authenticator app
yet, keeping where they were going in ``next``. API calls made with such a session answer 403
in the API's error format. Bearer-token API calls carry no session and are not affected.

Pages a session may open before its second factor are named in ``OPEN_BEFORE_SECOND_FACTOR``;
``tests/teams/test_mfa.py`` checks every other URL in the project is closed to it.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import qrcode
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage

from safeguarding.lib.api import is_api_request, json_error

from .models import User

# View names (namespace:name) a signed-in session may open before its second factor.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        # Signing in and out, and the second factor itself.
        "teams:sign-in",
        "teams:sign-out",
        "teams:signed-out",
        "teams:mfa-verify",
        "teams:mfa-recovery",
        "teams:mfa-set-up",
        # The timeout dialog's own status and "stay signed in": only about this session.
        "teams:session-status",
        "teams:session-extend",
        # Public pages.
        "accessibility",
        "privacy",
        # The API's description, and the OAuth2 endpoints partner systems call without a session.
        "api:schema",
        "api:docs",
        "oauth2_provider:token",
        "oauth2_provider:revoke-token",
    }
)
# Answered before URL resolution by their own middleware, listed for requests that get here.
OPEN_PATH_PREFIXES = ("/healthz",)

API_NOT_VERIFIED = (
    "Finish signing in first: enter the code from your authenticator app at /sign-in/verify/"
)

AUTHENTICATOR_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


def authenticator_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_device_for(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def second_factor_url(user: User, next_url: str = "") -> str:
    """Where a signed-in session that has not passed its second factor goes next."""
    name = "teams:mfa-verify" if authenticator_for(user) is not None else "teams:mfa-set-up"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def is_verified(request: HttpRequest) -> bool:
    """The session passed its second factor (``OTPMiddleware`` installs ``is_verified``)."""
    verified: Callable[[], bool] | None = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


class SecondFactorMiddleware:
    """After ``OTPMiddleware``: a signed-in session that has not passed its second factor
    reaches only the pages in ``OPEN_BEFORE_SECOND_FACTOR``.

    Works in ``process_view`` so it sees the resolved view name, and after the session
    lifetime middleware has signed out an expired session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.path.startswith((settings.STATIC_URL, *OPEN_PATH_PREFIXES)):
            return None
        if not request.user.is_authenticated or is_verified(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if is_api_request(request):
            return json_error(request, 403, API_NOT_VERIFIED)
        url = second_factor_url(request.user, request.get_full_path())
        if request.headers.get("HX-Request"):
            # htmx would swap the verification page into the fragment: send the page there.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


# --- setting up an authenticator app ---------------------------------------------------------


def authenticator_secret(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def authenticator_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code: an SVG drawn on the server, as a data: URI (the
    Content Security Policy allows data: images), so no script and no third party see it."""
    image = qrcode.make(device.config_url, image_factory=SvgPathFillImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def recovery_code_display(code: str) -> str:
    """``k3j5m2qa`` as ``k3j5 m2qa``: easier to copy down; spaces are ignored when entered."""
    return f"{code[:4]} {code[4:]}" if len(code) == 8 else code
