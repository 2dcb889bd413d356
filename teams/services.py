"""Every write to teams data goes through a service (STYLE.md §2)."""

from __future__ import annotations

import datetime as dt
import logging
import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguarding.lib.services import service

from .mfa import AUTHENTICATOR_DEVICE_NAME, RECOVERY_CODE_COUNT, RECOVERY_DEVICE_NAME
from .models import Membership, Organisation, PartnerClient, PartnerScope, Team, User
from .roles import DEFAULT_DISCIPLINE, Role

logger = logging.getLogger(__name__)


@service
def user_create(
    *,
    actor: User | None,
    email: str,
    given_name: str,
    family_name: str,
    password: str | None,
    job_title: str = "",
    employer: Organisation | None = None,
    service_role: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "An account with this email address already exists"})
    user = User(
        email=email,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        job_title=job_title,
        employer=employer,
        service_role=service_role,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@service
def user_update(
    *,
    actor: User | None,
    user: User,
    email: str,
    given_name: str,
    family_name: str,
    job_title: str,
    employer: Organisation | None,
    service_role: str,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
) -> User:
    """Change someone's details and access. Their service role and whether their account is
    active decide which records they see, so each change is kept with the acting user
    (``teams.UserEvent``)."""
    email = email.strip().lower()
    if User.objects.filter(email=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": "An account with this email address already exists"})
    user.email = email
    user.given_name = given_name.strip()
    user.family_name = family_name.strip()
    user.job_title = job_title
    user.employer = employer
    user.service_role = service_role
    user.is_active = is_active
    user.is_staff = is_staff
    user.is_superuser = is_superuser
    user.full_clean(exclude=["password"])
    user.save(
        update_fields=[
            "email",
            "given_name",
            "family_name",
            "job_title",
            "employer",
            "service_role",
            "is_active",
            "is_staff",
            "is_superuser",
        ]
    )
    return user


@service
def membership_start(
    *,
    actor: User | None,
    user: User,
    team: Team,
    role: str,
    start_date: dt.date | None = None,
    discipline: str = "",
    domestic_abuse_focus: str = "",
    is_home_team: bool = True,
) -> Membership:
    start_date = start_date or timezone.localdate()
    if Membership.objects.active(start_date).filter(user=user, team=team).exists():
        raise ValidationError(f"{user} is already a member of {team}")
    if domestic_abuse_focus and role != Role.DOMESTIC_ABUSE_SPECIALIST:
        raise ValidationError(
            {
                "domestic_abuse_focus": "Only domestic abuse specialists have a victim or perpetrator focus"
            }
        )
    membership = Membership(
        user=user,
        team=team,
        role=role,
        discipline=discipline or DEFAULT_DISCIPLINE[role],
        domestic_abuse_focus=domestic_abuse_focus,
        start_date=start_date,
        is_home_team=is_home_team,
    )
    membership.full_clean(validate_constraints=False)
    membership.save()
    return membership


@service
def membership_end(*, actor: User | None, membership: Membership, end_date: dt.date) -> Membership:
    if membership.end_date is not None:
        raise ValidationError("This membership has already ended")
    if end_date < membership.start_date:
        raise ValidationError(
            {"end_date": "The end date must be the same as or after the start date"}
        )
    membership.end_date = end_date
    membership.save(update_fields=["end_date"])
    return membership


# --- partner API clients ------------------------------------------------------------------


def _check_scopes(organisation: Organisation, scopes: list[str]) -> list[str]:
    unknown = set(scopes) - set(PartnerScope.values)
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope: {', '.join(sorted(unknown))}"})
    if not scopes:
        raise ValidationError({"scopes": "Choose at least one scope"})
    beyond = set(scopes) - set(organisation.agreed_scopes)
    if beyond:
        raise ValidationError(
            {
                "scopes": f"{organisation.name}'s data-sharing agreement does not cover "
                f"{', '.join(sorted(beyond))}"
            }
        )
    return sorted(set(scopes))


@service
def partner_client_register(
    *, actor: User | None, organisation: Organisation, name: str, scopes: list[str]
) -> tuple[PartnerClient, str]:
    """Register a partner system as an OAuth2 client; returns it and its secret, which is
    stored hashed and so can be shown this once only."""
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import Application

    if organisation.kind == "council":
        raise ValidationError(
            {"organisation": "Partner clients belong to partner organisations, not the council"}
        )
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the client a name, for example the force's system"})
    scopes = _check_scopes(organisation, scopes)
    secret = generate_client_secret()
    application = Application.objects.create(
        name=f"{organisation.name}: {name}"[:255],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    client = PartnerClient.objects.create(
        application=application,
        organisation=organisation,
        name=name,
        scopes=scopes,
        created_by=actor,
    )
    return client, secret


@service
def partner_client_rotate_secret(*, actor: User | None, client: PartnerClient) -> str:
    """A new secret; the old one stops working at once, and so do tokens issued with it."""
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import AccessToken

    if not client.is_active:
        raise ValidationError("A revoked client cannot be given a new secret")
    secret = generate_client_secret()
    application = client.application
    application.client_secret = secret
    application.save()
    AccessToken.objects.filter(application=application).delete()
    client.secret_rotated_at = timezone.now()
    client.save(update_fields=["secret_rotated_at"])
    return secret


@service
def partner_client_revoke(*, actor: User | None, client: PartnerClient, reason: str) -> None:
    """Revoke a client for good: its tokens stop working at once and it can get no more."""
    from oauth2_provider.models import AccessToken

    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the client is being revoked"})
    if not client.is_active:
        return
    AccessToken.objects.filter(application=client.application).delete()
    client.revoked_at = timezone.now()
    client.revoked_by = actor
    client.revoked_reason = reason[:300]
    client.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])


# --- the second factor at sign-in (teams.mfa) ------------------------------------------------

WRONG_AUTHENTICATOR_CODE = (
    "The code is not right, or it has already been used. Enter the 6-digit code your "
    "authenticator app shows now"
)
WRONG_RECOVERY_CODE = (
    "The recovery code is not right, or it has already been used. Check it against the codes "
    "you saved, and enter one you have not used"
)


def _wait_for(locked_until: dt.datetime) -> str:
    """How long until another code may be tried, as people say it."""
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    if seconds < 120:
        amount = f"{seconds} second{'s' if seconds != 1 else ''}"
    elif seconds < 2 * 60 * 60:
        amount = f"{math.ceil(seconds / 60)} minutes"
    else:
        amount = f"{math.ceil(seconds / 3600)} hours"
    return (
        f"You have entered a wrong code too many times. Wait {amount}, then try again with "
        "the code your app shows then"
    )


def _check_code(device: TOTPDevice | StaticDevice, code: str) -> bool | str:
    """True if the device accepts the code, else why not (a wrong code or a wait).

    django-otp's throttling makes each wrong code double the wait before the next try; it
    refuses a code during the wait without saying so, so the wait is checked first."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        return _wait_for(locked_until) if locked_until else False
    return bool(device.verify_token(code))


def authenticator_start(*, user: User) -> TOTPDevice:
    """The authenticator app being set up: the same key until it is confirmed, so reloading
    the set-up page does not change the QR code already scanned."""
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ValidationError("An authenticator app is already set up for this account")
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name=AUTHENTICATOR_DEVICE_NAME, confirmed=False
            )
    return device


def authenticator_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app being set up with a code it shows; returns the device and a new set of
    recovery codes. A wrong code counts towards the wait (throttling) like any other."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationError("Reload this page and scan the QR code again")
        result = _check_code(device, code)
        if result is True:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = recovery_codes_issue(user=user)
    # Raised outside the transaction, so the failure count the check saved is kept.
    if result is not True:
        logger.warning("authenticator set-up code refused user=%s device=%s", user.pk, device.pk)
        raise ValidationError(result if isinstance(result, str) else WRONG_AUTHENTICATOR_CODE)
    logger.info("authenticator set up user=%s device=%s", user.pk, device.pk)
    return device, codes


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """Ten new single-use recovery codes; any earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def second_factor_verify(*, user: User, code: str, recovery: bool = False) -> Device:
    """The device that accepts the code: the authenticator app, or with ``recovery`` the
    recovery codes (each works once). A wrong code raises ValidationError saying what to do."""
    model: type[TOTPDevice] | type[StaticDevice] = StaticDevice if recovery else TOTPDevice
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        result = _check_code(device, code) if device is not None else False
    # Raised outside the transaction, so the failure count the check saved is kept.
    if device is None or result is not True:
        logger.warning(
            "second factor refused user=%s kind=%s", user.pk, "recovery" if recovery else "app"
        )
        wrong = WRONG_RECOVERY_CODE if recovery else WRONG_AUTHENTICATOR_CODE
        raise ValidationError(result if isinstance(result, str) else wrong)
    logger.info("second factor passed user=%s device=%s", user.pk, device.persistent_id)
    return device
