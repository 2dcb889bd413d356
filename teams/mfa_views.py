"""The second step of signing in: set up an authenticator app, or enter its code (teams.mfa)."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticToken

from safeguarding.lib.pages import signed_in_user

from . import services
from .forms import RecoveryCodeForm, SecurityCodeForm
from .mfa import (
    authenticator_for,
    authenticator_qr_data_uri,
    authenticator_secret,
    is_verified,
    recovery_code_display,
)

# Shown once, straight after set-up; gone when the user says they have saved them.
RECOVERY_CODES_SESSION_KEY = "mfa_recovery_codes"


def _next_url(request: HttpRequest) -> str:
    """Where the user was going, if it is a page of this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(name: str, next_url: str) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _onwards(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(_next_url(request) or resolve_url(settings.LOGIN_REDIRECT_URL))


def _not_signed_in(request: HttpRequest) -> HttpResponse | None:
    """The password comes first: anyone not signed in goes to the sign-in page."""
    if request.user.is_authenticated:
        return None
    return HttpResponseRedirect(_with_next("teams:sign-in", _next_url(request)))


def _passed(request: HttpRequest, device: Device) -> HttpResponseRedirect:
    # The session was created afresh by the password step (django.contrib.auth.login), so
    # the session key is not rotated again here: teams.sessions keeps it to end sessions.
    django_otp.login(request, device)
    return _onwards(request)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if (refused := _not_signed_in(request)) is not None:
        return refused
    user = signed_in_user(request)
    next_url = _next_url(request)
    if is_verified(request):
        return _onwards(request)
    if authenticator_for(user) is None:
        return HttpResponseRedirect(_with_next("teams:mfa-set-up", next_url))
    form = SecurityCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            device = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            return _passed(request, device)
    return render(
        request,
        "teams/mfa_verify.html",
        {
            "form": form,
            "next": next_url,
            "recovery_url": _with_next("teams:mfa-recovery", next_url),
        },
    )


@require_http_methods(["GET", "POST"])
def recovery(request: HttpRequest) -> HttpResponse:
    if (refused := _not_signed_in(request)) is not None:
        return refused
    user = signed_in_user(request)
    next_url = _next_url(request)
    if is_verified(request):
        return _onwards(request)
    if authenticator_for(user) is None:
        return HttpResponseRedirect(_with_next("teams:mfa-set-up", next_url))
    form = RecoveryCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            device = services.second_factor_verify(
                user=user, code=form.cleaned_data["code"], recovery=True
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            left = StaticToken.objects.filter(device_id=device.pk).count()
            messages.warning(
                request,
                f"You signed in with a recovery code. You have {left} "
                f"recovery code{'' if left == 1 else 's'} left. If you have lost your phone, "
                "ask the council's IT service desk to reset your authenticator app.",
            )
            return _passed(request, device)
    return render(
        request,
        "teams/mfa_recovery.html",
        {
            "form": form,
            "next": next_url,
            "verify_url": _with_next("teams:mfa-verify", next_url),
        },
    )


@require_http_methods(["GET", "POST"])
def set_up(request: HttpRequest) -> HttpResponse:
    if (refused := _not_signed_in(request)) is not None:
        return refused
    user = signed_in_user(request)
    next_url = _next_url(request)
    if authenticator_for(user) is not None:
        # Only someone without an app sets one up: a password alone never adds a second one.
        if is_verified(request):
            return _onwards(request)
        return HttpResponseRedirect(_with_next("teams:mfa-verify", next_url))
    device = services.authenticator_start(user=user)
    form = SecurityCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            device, codes = services.authenticator_confirm(
                user=user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            django_otp.login(request, device)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return HttpResponseRedirect(_with_next("teams:mfa-recovery-codes", next_url))
    return render(
        request,
        "teams/mfa_set_up.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": authenticator_qr_data_uri(device),
            "secret": authenticator_secret(device),
            "config_url": device.config_url,
        },
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, until the user says they have saved them; then never again."""
    if (refused := _not_signed_in(request)) is not None:
        return refused
    codes = request.session.get(RECOVERY_CODES_SESSION_KEY)
    if not codes:
        return _onwards(request)
    if request.method == "POST":
        del request.session[RECOVERY_CODES_SESSION_KEY]
        return _onwards(request)
    return render(
        request,
        "teams/mfa_recovery_codes.html",
        {"codes": [recovery_code_display(code) for code in codes], "next": _next_url(request)},
    )
