from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.synthetic import SyntheticError, generate


def positive(value: str) -> int:
    """argparse type: a whole number of 1 or more, with an error that says how to fix it."""
    import argparse

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("give a whole number of 1 or more, like 10000")
    return number


def not_negative(value: str) -> int:
    import argparse

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError("give a whole number of 0 or more")
    return number


class Command(BaseCommand):
    help = (
        "Load a synthetic council of N families (about 15 teams of 12 workers) with COPY, for "
        "benchmarks. Deterministic for a seed; adds to a database with or without the demo "
        "council, once per database. Progress goes to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--families", type=positive, required=True, help="How many families (1 or more)."
        )
        parser.add_argument("--seed", type=not_negative, default=1, help="Random seed (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts, seconds = generate(
                families=options["families"], seed=options["seed"], out=sys.stderr
            )
        except SyntheticError as error:
            raise CommandError(str(error)) from error
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {options['families']:,} synthetic families: {total:,} rows in "
                f"{seconds:,.1f} s."
            )
        )
        for table, count in counts.items():
            self.stdout.write(f"  {table}: {count:,}")
