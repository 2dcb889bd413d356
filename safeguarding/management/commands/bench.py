from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench import runner
from bench.synthetic import SyntheticError, generate, loaded_marker, marker

from .generate_synthetic import positive

DOC = Path(settings.BASE_DIR) / "docs" / "performance.md"


def write_section(doc: Path, families: int, text: str) -> None:
    """Put one size's results between its markers in the doc, replacing an earlier run's."""
    start, end = f"<!-- bench:{families} -->", f"<!-- /bench:{families} -->"
    block = f"{start}\n{text}{end}"
    content = doc.read_text() if doc.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(content):
        content = pattern.sub(lambda _: block, content)
    elif "<!-- bench:results -->" in content:
        content = content.replace("<!-- bench:results -->", f"<!-- bench:results -->\n\n{block}")
    else:
        content = f"{content.rstrip()}\n\n{block}\n"
    doc.write_text(content)


class Command(BaseCommand):
    help = (
        "Benchmark the pages, the partner status API and a full KPI refresh on a synthetic "
        "council, generating it first if this database has none. Prints the table and writes "
        "it into docs/performance.md. Run it on its own database: `make bench FAMILIES=N`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--families", type=positive, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--samples", type=positive, default=50)
        parser.add_argument("--no-kpis", action="store_true", help="Skip the KPI refresh.")
        parser.add_argument(
            "--output", default=str(DOC), help="Markdown file to write ('-' for none)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        families, seed = options["families"], options["seed"]
        found = loaded_marker()
        if found is None:
            try:
                generate(families=families, seed=seed, out=sys.stderr)
            except SyntheticError as error:
                raise CommandError(str(error)) from error
        elif found != marker(families, seed):
            raise CommandError(
                f"This database holds a different synthetic council ({found}); benchmark "
                "another database or drop this one."
            )
        report = runner.run(
            families=families, seed=seed, samples=options["samples"], kpis=not options["no_kpis"]
        )
        text = runner.section(report)
        self.stdout.write(text)
        if options["output"] != "-":
            write_section(Path(options["output"]), families, text)
            self.stdout.write(self.style.SUCCESS(f"Wrote {options['output']}"))
