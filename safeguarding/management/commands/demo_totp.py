from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safeguarding.demo.teams import DEMO_TOTP_KEY_BASE32, demo_totp_code


class Command(BaseCommand):
    help = (
        "Print the current 6-digit sign-in code of the demo logins' authenticator app "
        f"(key {DEMO_TOTP_KEY_BASE32}). Demo data only."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError(
                "Demo data is switched off (ALLOW_DEMO_DATA=false): there is no demo code."
            )
        self.stdout.write(demo_totp_code())
        if options["verbosity"] > 1:
            seconds = 30 - int(time.time()) % 30
            self.stdout.write(f"It changes in {seconds} seconds.")
