"""List the logins the load test (loadtest/locustfile.py) signs in as, one CSV row each.

Only accounts whose authenticator is the published demo one qualify (the demo council; a
synthetic council after ``--enable-domain synthetic.example.org``), so the load test can
produce their sign-in codes; live accounts never do. Each login is given the load-test profile
its role calls for:

- ``practitioner``: a social worker, family practitioner or adult specialist with at least one
  current allocation (so they have a caseload to read and a family to write a note for);
- ``manager``: a team manager or assistant team manager (supervision and the team's caseload);
- ``board``: an operational board member or performance analyst (the KPI pages).
"""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef, Subquery
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Allocation, CaseStatus
from safeguarding.demo.teams import demo_sign_in_enable, demo_totp_key_hex
from teams.models import Membership, User
from teams.roles import MANAGER_ROLES, Role, ServiceRole

PRACTITIONER_ROLES = frozenset(
    {
        Role.SENIOR_SOCIAL_WORKER,
        Role.SOCIAL_WORKER,
        Role.FAMILY_PRACTITIONER,
        Role.DOMESTIC_ABUSE_SPECIALIST,
        Role.MENTAL_HEALTH_SPECIALIST,
        Role.SUBSTANCE_USE_SPECIALIST,
    }
)
BOARD_ROLES = frozenset({ServiceRole.BOARD_MEMBER, ServiceRole.PERFORMANCE_ANALYST})
PROFILES = ("practitioner", "manager", "board")


def loadtest_logins(limit: int | None = None, domain: str = "") -> list[tuple[str, str]]:
    """(email, profile) for every active account with the demo authenticator (on ``domain``,
    if given), in a stable order, at most ``limit`` per profile."""
    # The device sign-in checks is the user's first confirmed authenticator (teams.mfa).
    first_device_key = (
        TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        .order_by("pk")
        .values("key")[:1]
    )
    users = User.objects.annotate(device_key=Subquery(first_device_key)).filter(
        device_key=demo_totp_key_hex(), is_active=True
    )
    if domain:
        users = users.filter(email__iendswith=f"@{domain.strip().lstrip('@')}")
    memberships = Membership.objects.active().filter(user=OuterRef("pk"))
    allocated = Allocation.objects.active().filter(
        worker=OuterRef("pk"), case__status=CaseStatus.OPEN
    )
    by_profile = {
        "practitioner": users.filter(
            Exists(memberships.filter(role__in=PRACTITIONER_ROLES)), Exists(allocated)
        ),
        "manager": users.filter(Exists(memberships.filter(role__in=MANAGER_ROLES))),
        "board": users.filter(service_role__in=BOARD_ROLES),
    }
    rows: list[tuple[str, str]] = []
    for profile in PROFILES:
        emails = by_profile[profile].order_by("email").values_list("email", flat=True)
        rows.extend((email, profile) for email in emails[:limit])
    return rows


class Command(BaseCommand):
    help = (
        "Print the demo-authenticator logins the load test signs in as, as CSV "
        "(email,profile). Demo and synthetic data only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=None, help="At most this many logins per profile."
        )
        parser.add_argument(
            "--domain",
            default="",
            help="Only accounts on this email domain (e.g. synthetic.example.org, to leave the "
            "demo council's accounts out).",
        )
        parser.add_argument(
            "--enable-domain",
            default="",
            help="First give every account on this example.org domain (synthetic data, e.g. "
            "synthetic.example.org) the demo password and authenticator.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError(
                "Demo data is switched off (ALLOW_DEMO_DATA=false): the load test only signs in "
                "as demo or synthetic accounts."
            )
        if options["enable_domain"]:
            try:
                enabled = demo_sign_in_enable(domain=options["enable_domain"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stderr.write(f"Demo sign-in enabled for {enabled} accounts.")
        rows = loadtest_logins(options["limit"], options["domain"])
        missing = [p for p in PROFILES if not any(profile == p for _, profile in rows)]
        if missing:
            raise CommandError(
                f"No {' or '.join(missing)} logins with the demo authenticator: load the demo "
                "council (manage.py load_demo_council) or synthetic data first."
            )
        writer = csv.writer(self.stdout)
        writer.writerow(["email", "profile"])
        writer.writerows(rows)
