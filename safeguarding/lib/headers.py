"""Response headers Django has no setting for (docs/security.md, "Headers").

Django's ``SecurityMiddleware`` sends HSTS, nosniff, Referrer-Policy and
Cross-Origin-Opener-Policy; ``XFrameOptionsMiddleware`` sends ``X-Frame-Options`` and
django-csp the Content Security Policy. This middleware adds the rest:

- ``Cache-Control: no-store`` on every response to a request that carries credentials (a
  signed-in session, or an ``Authorization`` header from a partner system or a staff token),
  so a shared computer's browser cache, a proxy or the back button never holds a child's
  record. It replaces whatever the view set: a record page must never be stored, even if a
  view asked for ``max-age``.
- ``Permissions-Policy`` switching off the browser features the service never uses, so an
  injected script could not reach a camera, microphone or location either.
- ``Cross-Origin-Resource-Policy: same-origin``: no other site may embed our responses.

It sits after WhiteNoise, so static files (public, fingerprinted, cached for a year) keep
their caching headers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

# Features are off for every origin, our own included: the service uses none of them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "battery",
        "bluetooth",
        "camera",
        "display-capture",
        "document-domain",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


def carries_credentials(request: HttpRequest) -> bool:
    """True for a signed-in user, a bearer or basic token, or a session cookie.

    A session cookie counts even before the session is read: a redirect answered before
    authentication ran (``APPEND_SLASH``) is still a response to someone signed in.
    """
    if "Authorization" in request.headers:
        return True
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    user = request.__dict__.get("user")
    if user is None:
        return False
    # Django's lazy user: read it only if something already did (no extra query).
    wrapped = getattr(user, "_wrapped", user)
    return wrapped is not empty and bool(getattr(wrapped, "is_authenticated", False))


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if carries_credentials(request):
            response["Cache-Control"] = "no-store"
            if "Expires" in response:
                del response["Expires"]
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
