"""Every write to teams data goes through a service (STYLE.md §2)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Membership, Organisation, PartnerClient, PartnerScope, Team, User
from .roles import DEFAULT_DISCIPLINE, Role


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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
