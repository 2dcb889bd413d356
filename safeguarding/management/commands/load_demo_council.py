from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguarding.demo.families import load_demo_families
from safeguarding.demo.kpis import load_demo_kpis
from safeguarding.demo.notifications import (
    DEMO_POLICE_CLIENT_ID,
    demo_police_secret,
    load_demo_partner_notifications,
)
from safeguarding.demo.supervisions import load_demo_supervisions
from safeguarding.demo.teams import DEMO_TOTP_KEY_BASE32, load_demo_teams
from safeguarding.demo.workbooks import load_demo_workbooks
from safeguarding.demo.workforce import load_demo_workforce


class Command(BaseCommand):
    help = "Load the synthetic demo council (idempotent: a second run adds nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--print-logins", action="store_true", help="List every demo login as a Markdown table."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError(
                "Demo data is switched off (ALLOW_DEMO_DATA=false). It must never be loaded into a live database."
            )
        logins = load_demo_teams()
        workforce = load_demo_workforce()
        families = load_demo_families()
        entries = load_demo_workbooks()
        supervisions = load_demo_supervisions()
        notifications = load_demo_partner_notifications()
        # Last: the KPIs are worked out from everything loaded before them.
        snapshots = load_demo_kpis()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo council '{settings.COUNCIL_NAME}' loaded: {len(logins)} logins."
            )
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo training places and observations added: {workforce}.")
        )
        self.stdout.write(self.style.SUCCESS(f"Demo families added: {families}."))
        self.stdout.write(self.style.SUCCESS(f"Demo workbook entries added: {entries}."))
        self.stdout.write(self.style.SUCCESS(f"Demo supervisions added: {supervisions}."))
        self.stdout.write(self.style.SUCCESS(f"Demo police notifications added: {notifications}."))
        self.stdout.write(self.style.SUCCESS(f"Demo KPI snapshots: {snapshots}."))
        if options["print_logins"]:
            self.stdout.write(f"Every demo login uses the password: {settings.DEMO_PASSWORD}")
            self.stdout.write(
                "Then a 6-digit code from the demo authenticator app: `make demo-code` (or "
                "`python manage.py demo_totp`) prints the current one, or add the key "
                f"{DEMO_TOTP_KEY_BASE32} to any authenticator app.\n"
            )
            self.stdout.write("| Email | Role | Team |\n|---|---|---|")
            for login in logins:
                self.stdout.write(f"| `{login.email}` | {login.role} | {login.team} |")
            self.stdout.write(
                "\nPartner API (police force, client credentials at /o/token/): "
                f"client id {DEMO_POLICE_CLIENT_ID}, secret {demo_police_secret()}"
            )
