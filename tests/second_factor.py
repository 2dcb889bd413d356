"""Signing test clients in with and without the second factor (``teams.mfa``).

``tests/conftest.py`` makes ``Client.force_login`` also pass the second factor, as if the
user had entered a code, so the page tests see what a fully signed-in member of staff sees.
Tests about the second factor itself use ``password_only_login``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.test import Client
from django.test.client import ClientMixin
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from teams.models import User

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

TEST_DEVICE_NAME = "Test authenticator"

# Django's own force_login, kept before conftest replaces it.
_password_only_force_login = ClientMixin.force_login


def password_only_login(client: ClientMixin, user: User) -> None:
    """Signed in with the password step only: the session has not passed a second factor."""
    _password_only_force_login(client, user)


def confirmed_device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TEST_DEVICE_NAME, confirmed=True)
    return device


def mark_verified(client: ClientMixin, user: User) -> None:
    """What ``django_otp.login`` writes to the session when the user enters a code."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.save()


def force_login_with_second_factor(
    client: ClientMixin, user: User, backend: str | None = None
) -> None:
    _password_only_force_login(client, user, backend)
    mark_verified(client, user)


def current_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code an authenticator app shows now (or at the Unix time ``at``)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = time.time() if at is None else at
    return f"{generator.token():0{device.digits}d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code the device accepts now. django-otp refuses a second code from the time step it
    last accepted (replay protection); tests sign the same person in several times a minute,
    so this forgets the last step used before working out the code."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0)
    device.refresh_from_db()
    return current_code(device)


def sign_in_with_code(
    client: Client, user: User, password: str, next_url: str = ""
) -> _MonkeyPatchedWSGIResponse:
    """The whole sign-in through the forms, password then code; returns the code's response."""
    query = f"?next={next_url}" if next_url else ""
    client.post(
        f"{reverse('teams:sign-in')}{query}",
        {"username": user.email, "password": password, "next": next_url},
    )
    code = fresh_code(confirmed_device(user))
    return client.post(f"{reverse('teams:mfa-verify')}{query}", {"code": code, "next": next_url})
